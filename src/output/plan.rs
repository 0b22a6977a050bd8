//! Comparing a rendered tree with what is on disk: what to create, update or remove, and what to leave alone.

use super::tree::{HEADER_MARKER, Tree};
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
    /// Produced, on disk with other bytes.
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

/// Compare `tree` with the files under `root` that `scope` owns.
pub fn plan(root: &Path, tree: &Tree, scope: &Scope) -> io::Result<Plan> {
    let mut plan = Plan::default();
    for (path, bytes) in tree.iter() {
        match std::fs::read(root.join(path)) {
            Ok(old) if old == bytes => plan.unchanged += 1,
            Ok(old) => plan.changes.push(Change::Update {
                path: path.to_owned(),
                old,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => plan.changes.push(Change::Create {
                path: path.to_owned(),
            }),
            Err(e) => return Err(io::Error::new(e.kind(), format!("{path}: {e}"))),
        }
    }
    for dir in scope.roots() {
        let dir_path = root.join(dir);
        if !dir_path.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&dir_path).sort_by_file_name() {
            let entry = entry.map_err(io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = crate::paths::relative(root, entry.path());
            if tree.get(&path).is_some() || !scope.owns(&path) {
                continue;
            }
            let old = std::fs::read(entry.path())?;
            if old.starts_with(HEADER_MARKER.as_bytes()) {
                plan.changes.push(Change::Remove { path, old });
            } else {
                plan.changes.push(Change::Foreign { path });
            }
        }
    }
    Ok(plan)
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
