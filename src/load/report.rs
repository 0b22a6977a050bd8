//! Turning located problems into [`Diagnostic`]s that name the file.

use super::de::DeError;
use super::discover::SourceFile;
use super::node::{FileId, Loc};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, shorten_quoted};

/// Collects the problems of one load, resolving file ids against the file table.
pub struct Reporter<'a> {
    files: &'a [&'a SourceFile],
    pub problems: Diagnostics,
}

impl<'a> Reporter<'a> {
    pub fn new(files: &'a [&'a SourceFile]) -> Self {
        Reporter {
            files,
            problems: Diagnostics::default(),
        }
    }

    /// The path of a file in the table.
    pub fn file(&self, id: FileId) -> &str {
        self.files
            .get(id.0 as usize)
            .map_or("", |f| f.path.as_str())
    }

    pub fn location(&self, loc: Loc) -> Location {
        Location {
            file: self.file(loc.file).to_owned(),
            position: Some((loc.line, loc.column)),
        }
    }

    /// A problem at a position.
    pub fn at(&mut self, loc: Loc, message: impl Into<String>, help: Option<String>) {
        let d = Diagnostic::new(self.location(loc), message);
        self.push(d, help);
    }

    /// Every problem goes through here: names and values a message quotes are shortened (see [`shorten_quoted`]).
    fn push(&mut self, mut d: Diagnostic, help: Option<String>) {
        if let std::borrow::Cow::Owned(short) = shorten_quoted(&d.message) {
            d.message = short;
        }
        d.help = help.map(|h| shorten_quoted(&h).into_owned());
        self.problems.push(d);
    }

    /// A problem about a whole file or directory.
    pub fn whole(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        let d = Diagnostic::new(
            Location {
                file: path.to_owned(),
                position: None,
            },
            message,
        );
        self.push(d, help);
    }

    /// A problem found while reading a typed definition; `what` names it, e.g. `Hub research`.
    pub fn de_error(&mut self, what: &str, e: DeError) {
        let message = if e.path.is_empty() {
            format!("{what}: {}", e.message)
        } else {
            format!("{what}, {}: {}", e.path, e.message)
        };
        let location = match e.loc {
            Some(loc) => self.location(loc),
            None => Location {
                file: String::new(),
                position: None,
            },
        };
        let d = Diagnostic::new(location, message);
        self.push(d, e.help);
    }
}
