//! Finding definition files under `overlays/` (the only disk reads of loading).

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
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
        }
    }
}

/// The directory of definitions, relative to the project root.
pub const OVERLAYS: &str = "overlays";

/// Read every `*.yaml` / `*.yml` file under `<root>/overlays/`, in sorted order.
pub fn read_sources(root: &Path) -> Result<Sources, Diagnostics> {
    let overlays = root.join(OVERLAYS);
    let mut problems = Diagnostics::default();
    let mut sources = Sources::default();
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
                problems.push(Diagnostic::new(
                    location(OVERLAYS),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let path = crate::paths::relative(root, entry.path());
        if entry.file_type().is_dir() {
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
        match std::fs::read_to_string(entry.path()) {
            Ok(text) => sources.files.push(SourceFile { path, text }),
            Err(e) => problems.push(Diagnostic::new(
                location(&path),
                format!("cannot read: {e}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(sources)
    } else {
        Err(problems)
    }
}

fn location(file: &str) -> Location {
    Location {
        file: file.to_owned(),
        position: None,
    }
}
