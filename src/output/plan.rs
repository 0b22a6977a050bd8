//! Comparing a rendered tree with what is on disk: what to create, update or remove, and what to leave alone.
//! The disk is read without following links; a link or special file among the outputs is an error.

use crate::files::FileError;
use std::collections::BTreeSet;
use std::io;
use std::path::Path;
use walkdir::WalkDir;

/// The directories (relative to the project root) whose generated files one render owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    roots: Vec<String>,
}

impl Scope {
    /// Every environment: all of `generated/` and `flux/` (so a removed environment's files are pruned too).
    pub fn all() -> Self {
        Scope {
            roots: vec!["generated".into(), "flux".into()],
        }
    }

    /// One environment's `generated/<env>/` and `flux/<env>/`.
    pub fn environment(env: &str) -> Self {
        Scope {
            roots: vec![format!("generated/{env}"), format!("flux/{env}")],
        }
    }

    pub fn roots(&self) -> &[String] {
        &self.roots
    }

    /// Whether `path` is for this render to manage. `flux/<env>/flux-system/` belongs to `flux bootstrap`.
    pub fn owns(&self, path: &str) -> bool {
        let in_root = self.roots.iter().any(|r| {
            path.strip_prefix(r.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        });
        let mut parts = path.split('/');
        let bootstrap = parts.next() == Some("flux") && parts.nth(1) == Some("flux-system");
        in_root && !bootstrap
    }
}

/// What happens to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Produced, not on disk yet.
    Create { path: String },
    /// Produced, on disk with other bytes: `old`, when the comparison keeps bytes for a diff
    /// ([`super::compare::Keep::Bytes`]), else empty (a writing render that changes every file holds none of them).
    Update { path: String, old: Vec<u8> },
    /// On disk with the generated-file header, no longer produced.
    Remove { path: String, old: Vec<u8> },
    /// On disk without the header and not produced: a person's file, reported and left alone.
    Foreign { path: String },
}

/// The difference between a tree and the disk, within a scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Produced files already on disk byte for byte.
    pub unchanged: usize,
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Create { path }
            | Change::Update { path, .. }
            | Change::Remove { path, .. }
            | Change::Foreign { path } => path,
        }
    }
}

impl Plan {
    /// Changes that make the disk differ from the tree (everything but foreign files).
    pub fn stale(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| !matches!(c, Change::Foreign { .. }))
    }

    pub fn foreign(&self) -> impl Iterator<Item = &str> {
        self.changes.iter().filter_map(|c| match c {
            Change::Foreign { path } => Some(path.as_str()),
            _ => None,
        })
    }
}

/// Why the output on disk cannot be compared or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A link, special file or oversized file among the outputs, or one that cannot be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// Creating, moving or removing an output file failed (disk full, permissions).
    #[error("writing {path}: {source}")]
    Write { path: String, source: io::Error },
    /// `.jupyflux/journal` is not a journal this version wrote: it is not finished, and nothing is changed.
    #[error("{path} is not a valid render journal: {reason}")]
    Journal { path: String, reason: String },
    /// A render was killed after it committed its journal; `render --check` reports it, `render` finishes it.
    #[error(
        "a render was interrupted before it finished ({path} lists {changes} changes still to make)"
    )]
    Interrupted { path: String, changes: usize },
}

impl OutputError {
    pub(crate) fn write(path: impl Into<String>, source: io::Error) -> Self {
        OutputError::Write {
            path: path.into(),
            source,
        }
    }

    /// What would fix it, for a `help:` line.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            OutputError::File(e) => e.help(),
            OutputError::Write { .. } => None,
            OutputError::Journal { .. } => {
                Some("remove the .jupyflux/ directory and run `jupyflux render` again")
            }
            OutputError::Interrupted { .. } => {
                Some("run `jupyflux render` to finish it, then commit the result")
            }
        }
    }
}

/// Every regular file under the directories `scope` owns. A symbolic link or special file anywhere below them (or
/// a link on the way to them) is an error: links are never followed, so nothing outside the repository is read or
/// written. `flux/<env>/flux-system/` is not entered at all. The types come from the directory listings (no `stat`
/// per file); reading a file checks it again ([`crate::files::read_regular`]).
pub fn files_on_disk(root: &Path, scope: &Scope) -> Result<BTreeSet<String>, OutputError> {
    let mut files = BTreeSet::new();
    for dir in scope.roots() {
        crate::files::ensure_no_link_below(root, dir)?;
        let dir_path = root.join(dir);
        if !dir_path.is_dir() {
            continue;
        }
        let walk = WalkDir::new(&dir_path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !(e.file_type().is_dir() && is_bootstrap_dir(root, e.path())));
        for entry in walk {
            let entry = entry.map_err(|e| {
                let path = e
                    .path()
                    .map_or_else(|| dir.clone(), |p| crate::paths::relative(root, p));
                FileError::io(&path, io::Error::other(e.to_string()))
            })?;
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            let path = crate::paths::relative(root, entry.path());
            if file_type.is_symlink() {
                return Err(FileError::Symlink { path }.into());
            }
            if let Some(kind) = crate::files::special_type(file_type) {
                return Err(FileError::NotRegular { path, kind }.into());
            }
            files.insert(path);
        }
    }
    Ok(files)
}

/// `flux/<env>/flux-system`: `flux bootstrap`'s directory, never entered.
fn is_bootstrap_dir(root: &Path, path: &Path) -> bool {
    let relative = crate::paths::relative(root, path);
    let parts: Vec<&str> = relative.split('/').collect();
    parts.len() == 3 && parts[0] == "flux" && parts[2] == "flux-system"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_files_are_never_owned() {
        let all = Scope::all();
        assert!(all.owns("flux/staging/kustomization-hubs.yaml"));
        assert!(!all.owns("flux/staging/flux-system/gotk-sync.yaml"));
        assert!(all.owns("generated/staging/hubs/a/x.yaml"));
        assert!(!all.owns("overlays/base/a.yaml"));
        let one = Scope::environment("staging");
        assert!(!one.owns("generated/production/kustomization.yaml"));
        assert!(!one.owns("generated/staging-old/kustomization.yaml"));
    }
}
