//! Terminal colour: only when the stream is a terminal and `NO_COLOR` is not set (<https://no-color.org>).

use std::io::IsTerminal;

/// Where text is printed; colour is decided per stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How to print to one stream: plain, or with ANSI colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD_YELLOW: &str = "\x1b[1;33m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

impl Style {
    /// The style for `stream`: colour only on a terminal and without `NO_COLOR` in the environment.
    pub fn for_stream(stream: Stream) -> Self {
        let terminal = match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        };
        Style {
            colour: terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// Never colour (files, tests, markdown).
    pub fn plain() -> Self {
        Style { colour: false }
    }

    /// Always colour (tests of the colour itself).
    pub fn coloured() -> Self {
        Style { colour: true }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// The `error:` label of a message.
    pub fn error(self) -> String {
        self.paint(BOLD_RED, "error:")
    }

    /// The `warning:` label of a message.
    pub fn warning(self) -> String {
        self.paint(BOLD_YELLOW, "warning:")
    }

    /// A report of problems (`file:line:col: error: …` lines) with its `error:` labels highlighted.
    pub fn problems(self, report: &str) -> String {
        if self.colour {
            report.replace(": error: ", &format!(": {} ", self.error()))
        } else {
            report.to_owned()
        }
    }

    /// Something added (green).
    pub fn added(self, text: &str) -> String {
        self.paint(GREEN, text)
    }

    /// Something removed (red).
    pub fn removed(self, text: &str) -> String {
        self.paint(RED, text)
    }

    /// Something changed (yellow).
    pub fn changed(self, text: &str) -> String {
        self.paint(YELLOW, text)
    }

    /// A unified diff with `+` lines green, `-` lines red and `@@` hunk headers cyan.
    pub fn unified_diff(self, diff: &str) -> String {
        if !self.colour {
            return diff.to_owned();
        }
        diff.split_inclusive('\n')
            .map(|line| {
                let (body, newline) = match line.strip_suffix('\n') {
                    Some(body) => (body, "\n"),
                    None => (line, ""),
                };
                let painted = if body.starts_with("+++") || body.starts_with("---") {
                    body.to_owned()
                } else if body.starts_with('+') {
                    self.added(body)
                } else if body.starts_with('-') {
                    self.removed(body)
                } else if body.starts_with("@@") {
                    self.paint(CYAN, body)
                } else {
                    body.to_owned()
                };
                painted + newline
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_has_no_escape_codes() {
        let plain = Style::plain();
        let diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n";
        assert_eq!(plain.unified_diff(diff), diff);
        assert_eq!(plain.error(), "error:");
        assert_eq!(plain.problems("f:1:2: error: bad"), "f:1:2: error: bad");
    }

    #[test]
    fn colour_marks_lines_and_labels() {
        let colour = Style::coloured();
        let diff = colour.unified_diff("--- a/x\n-old\n+new\n");
        assert_eq!(diff, "--- a/x\n\x1b[31m-old\x1b[0m\n\x1b[32m+new\x1b[0m\n");
        assert!(
            colour
                .problems("f:1:2: error: bad")
                .contains("\x1b[1;31merror:")
        );
    }
}
