//! Problems found in definitions, each pointing at a file, line and column, with what would be right.

use std::borrow::Cow;
use std::fmt;

/// Separates a message from its help in the text of a serde error (`Error::custom` carries one string).
pub const HELP_SEPARATOR: &str = "\nhelp: ";

/// Where a problem is: a file relative to the project root, and a position when one is known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub file: String,
    /// 1-based line and column; `None` for problems about a whole file or directory.
    pub position: Option<(u32, u32)>,
}

/// One problem in the definitions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub location: Location,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What would be right, when we can say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// All problems of one run, sorted by file and position so the report reads top to bottom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sorted and de-duplicated (the same base file is read once per environment).
    pub fn finish(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} found; nothing was written",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Text longer than this many characters is shortened when a message repeats it.
pub const SHOWN_MAX: usize = 64;

/// A name or value as a message repeats it: control characters escaped (a value cannot start a line of its
/// own in the report) and text over [`SHOWN_MAX`] characters cut to its first 32 and `…`.
pub fn shown(text: &str) -> Cow<'_, str> {
    shown_within(text, SHOWN_MAX, 32)
}

/// [`shown`] with other bounds: text over `max` characters is cut to its first `kept`.
pub fn shown_within(text: &str, max: usize, kept: usize) -> Cow<'_, str> {
    let long = text.chars().nth(max).is_some();
    if !long && !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let kept = if long { kept } else { max };
    let mut out: String = text
        .chars()
        .take(kept)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if long {
        out.push('…');
    }
    Cow::Owned(out)
}

/// A message with every backtick-quoted part run through [`shown`]: the last line of defence for messages that
/// quote a name or value written in a definition.
pub fn shorten_quoted(message: &str) -> Cow<'_, str> {
    let needs =
        message.split('`').skip(1).step_by(2).any(|part| {
            part.chars().nth(SHOWN_MAX).is_some() || part.chars().any(char::is_control)
        });
    if !needs {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len().min(1024));
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&shown(part));
        } else {
            part.chars().for_each(|c| match c {
                '\n' | '\t' => out.push(c),
                c if c.is_control() => out.extend(c.escape_default()),
                c => out.push(c),
            });
        }
    }
    Cow::Owned(out)
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        assert_eq!(did_you_mean("imagee", ["image", "storage"]), Some("image"));
        assert_eq!(
            did_you_mean("adminusers", ["adminUsers", "allowedUsers"]),
            Some("adminUsers")
        );
        assert_eq!(did_you_mean("zzzzzz", ["image", "storage"]), None);
    }

    #[test]
    fn long_and_multi_line_text_is_shortened_in_messages() {
        assert_eq!(shown("research"), "research");
        let long = "x".repeat(65);
        assert_eq!(shown(&long), format!("{}…", "x".repeat(32)));
        assert_eq!(shown(&"x".repeat(64)), "x".repeat(64));
        assert_eq!(shown("a\nb: error: forged"), "a\\nb: error: forged");
        let message = format!("name `{long}` is not a DNS-1123 label");
        assert_eq!(
            shorten_quoted(&message),
            format!("name `{}…` is not a DNS-1123 label", "x".repeat(32))
        );
        assert_eq!(shorten_quoted("unknown field `a`"), "unknown field `a`");
    }

    #[test]
    fn display_names_file_line_and_column() {
        let d = Diagnostic::new(
            Location {
                file: "overlays/base/hub.yaml".into(),
                position: Some((3, 5)),
            },
            "unknown field `imagee`",
        )
        .with_help("did you mean `image`?");
        assert_eq!(
            d.to_string(),
            "overlays/base/hub.yaml:3:5: error: unknown field `imagee`\n  help: did you mean `image`?"
        );
    }
}
