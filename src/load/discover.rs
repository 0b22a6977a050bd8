//! Finding definition files under `overlays/` (the only disk reads of loading): regular files only.

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::files::FileError;
use std::path::Path;
use walkdir::WalkDir;

/// One definition file: its path relative to the project root (with `/`) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// Everything loading reads from disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// Definition files, in discovery order (loading does not depend on it).
    pub files: Vec<SourceFile>,
    /// Environment directory names: every directory directly under `overlays/` except `base`.
    pub environments: Vec<String>,
    /// Where the build contexts of `Image` definitions are read from (their tags hash them).
    pub repository: crate::images::context::Repository,
}

impl Sources {
    /// Sources held in memory: `(path, text)` pairs with paths `overlays/<dir>/<file>`; every directory other
    /// than `base` is an environment. For tests and tools that build definitions without a disk.
    pub fn from_files(files: &[(&str, &str)]) -> Sources {
        let mut environments: Vec<String> = files
            .iter()
            .filter_map(|(path, _)| path.split('/').nth(1))
            .filter(|dir| *dir != "base")
            .map(str::to_owned)
            .collect();
        environments.sort();
        environments.dedup();
        Sources {
            files: files
                .iter()
                .map(|(path, text)| SourceFile {
                    path: (*path).to_owned(),
                    text: (*text).to_owned(),
                })
                .collect(),
            environments,
            repository: crate::images::context::Repository::None,
        }
    }
}

/// The directory of definitions, relative to the project root.
pub const OVERLAYS: &str = "overlays";

/// Read every `*.yaml` / `*.yml` file under `<root>/overlays/`, in sorted order. Links, special files, files
/// over [`MAX_FILE_BYTES`](crate::files::MAX_FILE_BYTES) and text that is not UTF-8 are problems, all reported at
/// once; nothing else is read here (the build contexts of `Image` definitions are hashed while loading, from
/// [`Sources::repository`]).
pub fn read_sources(root: &Path) -> Result<Sources, Diagnostics> {
    let overlays = root.join(OVERLAYS);
    let mut problems = Diagnostics::default();
    let mut sources = Sources {
        repository: crate::images::context::Repository::Dir(root.to_path_buf()),
        ..Sources::default()
    };
    if let Err(e) = crate::files::ensure_no_link_below(root, OVERLAYS) {
        problems.push(file_problem(OVERLAYS, &e));
        return Err(problems);
    }
    if !overlays.is_dir() {
        problems.push(
            Diagnostic::new(location(OVERLAYS), "no `overlays/` directory here")
                .with_help("run jupyflux from the repository root, or pass --root DIR; definitions live in overlays/base/ and overlays/<environment>/"),
        );
        return Err(problems);
    }
    for entry in WalkDir::new(&overlays).min_depth(1).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| OVERLAYS.to_owned(), |p| crate::paths::relative(root, p));
                problems.push(Diagnostic::new(
                    location(&path),
                    "cannot read this directory",
                ));
                continue;
            }
        };
        let path = crate::paths::relative(root, entry.path());
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            problems.push(file_problem(
                &path,
                &FileError::Symlink { path: path.clone() },
            ));
            continue;
        }
        if file_type.is_dir() {
            let name = entry.file_name().to_string_lossy();
            if entry.depth() == 1 && name != "base" {
                sources.environments.push(name.into_owned());
            }
            continue;
        }
        let is_yaml = path.ends_with(".yaml") || path.ends_with(".yml");
        if !is_yaml {
            continue;
        }
        if entry.depth() == 1 {
            problems.push(
                Diagnostic::new(location(&path), "definition file directly under overlays/")
                    .with_help("move it into overlays/base/ (shared by every environment) or overlays/<environment>/"),
            );
            continue;
        }
        match crate::files::read_regular(entry.path(), &path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.files.push(SourceFile { path, text }),
                Err(e) => problems.push(not_utf8(&path, e.as_bytes())),
            },
            Err(e) => problems.push(file_problem(&path, &e)),
        }
    }
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems)
    }
}

/// A file that cannot be a definition (a link, a FIFO, too large, unreadable).
fn file_problem(path: &str, error: &FileError) -> Diagnostic {
    let message = match error {
        FileError::Symlink { .. } => "a symbolic link; jupyflux never follows links".to_owned(),
        FileError::NotRegular { kind, .. } => format!("a {kind}, not a regular file"),
        FileError::TooLarge { size, limit, .. } => {
            format!("{size} bytes, over the {limit}-byte limit for one definition file")
        }
        FileError::Io { source, .. } => format!("cannot read: {source}"),
    };
    let diagnostic = Diagnostic::new(location(path), message);
    match error.help() {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// Text that is not UTF-8, located at its first invalid byte.
pub(crate) fn not_utf8(path: &str, bytes: &[u8]) -> Diagnostic {
    Diagnostic::new(
        Location {
            file: path.to_owned(),
            position: crate::files::utf8_error_position(bytes),
        },
        "not valid UTF-8",
    )
    .with_help("save the file as UTF-8 text")
}

fn location(file: &str) -> Location {
    Location {
        file: file.to_owned(),
        position: None,
    }
}
