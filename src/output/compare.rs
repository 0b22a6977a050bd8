//! Comparing rendered files with the disk as a render makes them, one at a time, keeping only what differs: a
//! render never holds its whole output (ten thousand notebooks are tens of megabytes of YAML).

use super::plan::{Change, OutputError, Plan, Scope, files_on_disk};
use super::staging::Staging;
use super::tree::{HEADER_MARKER, Sink, Tree};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// What a comparison does with the new bytes of a file that is not on disk as rendered.
#[derive(Clone, Copy)]
pub enum Keep<'a> {
    /// Keep them (`render --check` shows them in its diff).
    Bytes,
    /// Write them to the staging directory at once: a writing render holds no output in memory.
    Stage(&'a Staging),
    /// Drop them: the caller has them (a [`Tree`] compared with [`plan`]).
    Nothing,
}

/// The generated files under a root that a scope owns, listed once before rendering and shared by the comparison
/// of every environment.
pub struct Disk<'a> {
    root: &'a Path,
    scope: &'a Scope,
    files: BTreeSet<String>,
}

/// What one comparison found.
#[derive(Default)]
pub struct Compared {
    /// Every path compared (what is on disk and no longer produced is pruned).
    produced: Vec<String>,
    /// Created and updated files.
    changes: Vec<Change>,
    unchanged: usize,
    /// New bytes of the changed files, with [`Keep::Bytes`].
    changed: Tree,
    /// Staged file number and path of each changed file, with [`Keep::Stage`].
    staged: Vec<(usize, String)>,
}

/// Compares each file put into it with the disk ([`Sink`]); the first error stops it.
pub struct Comparison<'a> {
    disk: &'a Disk<'a>,
    keep: Keep<'a>,
    compared: Result<Compared, OutputError>,
}

/// Every comparison's findings together, with what is on disk and no longer produced.
pub struct Outcome {
    pub plan: Plan,
    /// New bytes of every created or updated file, with [`Keep::Bytes`].
    pub changed: Tree,
    /// Staged file number and path of every created or updated file, in path order, with [`Keep::Stage`].
    pub staged: Vec<(usize, String)>,
}

impl<'a> Disk<'a> {
    pub fn root(&self) -> &'a Path {
        self.root
    }

    /// List the files under `root` that `scope` owns ([`files_on_disk`]: a link or special file is an error).
    pub fn list(root: &'a Path, scope: &'a Scope) -> Result<Self, OutputError> {
        let files = files_on_disk(root, scope)?;
        Ok(Disk { root, scope, files })
    }

    /// A comparison whose changed bytes go where `keep` says.
    pub fn comparison(&'a self, keep: Keep<'a>) -> Comparison<'a> {
        Comparison {
            disk: self,
            keep,
            compared: Ok(Compared::default()),
        }
    }

    /// Compare every file of `tree`, on every core, a block of paths at a time.
    pub fn compare_tree(
        &'a self,
        tree: &Tree,
        keep: Keep<'a>,
    ) -> Result<Vec<Compared>, OutputError> {
        let files: Vec<(&str, &[u8])> = tree.iter().collect();
        let blocks: Vec<&[(&str, &[u8])]> = files.chunks(256).collect();
        crate::parallel::map(&blocks, 1, |block| {
            let mut comparison = self.comparison(keep);
            for (path, bytes) in block.iter() {
                comparison.put((*path).to_owned(), bytes.to_vec());
            }
            comparison.finish()
        })
        .into_iter()
        .collect()
    }

    /// The changes of every comparison in path order, then what is on disk, generated and no longer produced
    /// (removed) or not generated (foreign: reported, left alone).
    pub fn outcome(&self, parts: Vec<Compared>) -> Result<Outcome, OutputError> {
        let mut outcome = Outcome {
            plan: Plan::default(),
            changed: Tree::new(),
            staged: Vec::new(),
        };
        let mut produced: HashSet<String> = HashSet::new();
        for part in parts {
            produced.extend(part.produced);
            outcome.plan.changes.extend(part.changes);
            outcome.plan.unchanged += part.unchanged;
            outcome.changed.extend(part.changed);
            outcome.staged.extend(part.staged);
        }
        outcome.plan.changes.sort_by(|a, b| a.path().cmp(b.path()));
        outcome.staged.sort_by(|a, b| a.1.cmp(&b.1));
        for path in &self.files {
            if produced.contains(path) || !self.scope.owns(path) {
                continue;
            }
            let old = crate::files::read_regular(&self.root.join(path), path)?;
            outcome
                .plan
                .changes
                .push(if old.starts_with(HEADER_MARKER.as_bytes()) {
                    Change::Remove {
                        path: path.clone(),
                        old,
                    }
                } else {
                    Change::Foreign { path: path.clone() }
                });
        }
        Ok(outcome)
    }
}

impl Comparison<'_> {
    /// What it found, or the first error.
    pub fn finish(self) -> Result<Compared, OutputError> {
        self.compared
    }

    fn compare(&mut self, path: String, bytes: Vec<u8>) -> Result<(), OutputError> {
        let Ok(compared) = &mut self.compared else {
            return Ok(());
        };
        let disk = self.disk;
        if !disk.scope.owns(&path) {
            // Not under a listed directory (never the case for a render's own files): check the way there.
            crate::files::ensure_no_link_below(disk.root, &path)?;
        }
        let change = if disk.files.contains(&path) {
            let old = crate::files::read_regular(&disk.root.join(&path), &path)?;
            let keep_old = matches!(self.keep, Keep::Bytes);
            (old != bytes).then(|| Change::Update {
                path: path.clone(),
                old: if keep_old { old } else { Vec::new() },
            })
        } else {
            Some(Change::Create { path: path.clone() })
        };
        match change {
            None => compared.unchanged += 1,
            Some(change) => {
                match self.keep {
                    Keep::Bytes => compared.changed.insert(path.clone(), bytes),
                    Keep::Stage(staging) => {
                        let number = staging.stage(&path, &bytes)?;
                        compared.staged.push((number, path.clone()));
                    }
                    Keep::Nothing => {}
                }
                compared.changes.push(change);
            }
        }
        compared.produced.push(path);
        Ok(())
    }
}

impl Sink for Comparison<'_> {
    fn put(&mut self, path: String, bytes: Vec<u8>) {
        if let Err(e) = self.compare(path, bytes) {
            self.compared = Err(e);
        }
    }
}

/// What each comparison found, in order, or the first error.
pub fn finish_all(comparisons: Vec<Comparison<'_>>) -> Result<Vec<Compared>, OutputError> {
    comparisons.into_iter().map(Comparison::finish).collect()
}

/// Compare `tree` with the files under `root` that `scope` owns: what to create, update or remove, and what to
/// leave alone. Files are read and compared on every core; the changes come out in path order.
pub fn plan(root: &Path, tree: &Tree, scope: &Scope) -> Result<Plan, OutputError> {
    let disk = Disk::list(root, scope)?;
    let parts = disk.compare_tree(tree, Keep::Nothing)?;
    Ok(disk.outcome(parts)?.plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<u8> {
        format!("{HEADER_MARKER} from test.\n{text}").into_bytes()
    }

    /// A project with `generated/e/{same,old,gone}.yaml` and a person's `generated/e/notes.txt`.
    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let generated = dir.path().join("generated/e");
        std::fs::create_dir_all(&generated).unwrap();
        std::fs::write(generated.join("same.yaml"), file("a: 1\n")).unwrap();
        std::fs::write(generated.join("old.yaml"), file("a: 1\n")).unwrap();
        std::fs::write(generated.join("gone.yaml"), file("a: 1\n")).unwrap();
        std::fs::write(generated.join("notes.txt"), "mine\n").unwrap();
        dir
    }

    /// Puts `old` (changed), `same` (unchanged) and `new` (created) into one comparison each, as environments
    /// rendered on different threads would, out of path order.
    fn compare_all(disk: &Disk, keep: Keep) -> Outcome {
        let files = [
            ("generated/e/old.yaml", file("a: 2\n")),
            ("generated/e/same.yaml", file("a: 1\n")),
            ("generated/e/new.yaml", file("b: 2\n")),
        ];
        let parts = files
            .into_iter()
            .map(|(path, bytes)| {
                let mut comparison = disk.comparison(keep);
                comparison.put(path.to_owned(), bytes);
                comparison.finish().unwrap()
            })
            .collect();
        disk.outcome(parts).unwrap()
    }

    #[test]
    fn only_what_differs_is_kept_and_changes_come_in_path_order() {
        let dir = project();
        let scope = Scope::all();
        let disk = Disk::list(dir.path(), &scope).unwrap();
        let outcome = compare_all(&disk, Keep::Bytes);
        let changes: Vec<String> = outcome
            .plan
            .changes
            .iter()
            .map(|c| {
                format!("{c:?}")
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned()
                    + " "
                    + c.path()
            })
            .collect();
        assert_eq!(
            changes,
            [
                "Create generated/e/new.yaml",
                "Update generated/e/old.yaml",
                "Remove generated/e/gone.yaml",
                "Foreign generated/e/notes.txt",
            ]
        );
        assert_eq!(outcome.plan.unchanged, 1);
        let old = outcome.plan.changes.iter().find_map(|c| match c {
            Change::Update { old, .. } => Some(old.clone()),
            _ => None,
        });
        assert_eq!(old, Some(file("a: 1\n")), "the diff shows the old bytes");
        let kept: Vec<&str> = outcome.changed.paths().collect();
        assert_eq!(kept, ["generated/e/new.yaml", "generated/e/old.yaml"]);
        assert!(outcome.staged.is_empty());
    }

    #[test]
    fn a_writing_comparison_stages_what_differs_and_keeps_no_bytes() {
        let dir = project();
        let scope = Scope::all();
        let disk = Disk::list(dir.path(), &scope).unwrap();
        let staging = Staging::new(dir.path());
        let outcome = compare_all(&disk, Keep::Stage(&staging));
        assert!(outcome.changed.is_empty());
        let staged: Vec<&str> = outcome.staged.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(staged, ["generated/e/new.yaml", "generated/e/old.yaml"]);
        for (number, path) in &outcome.staged {
            let bytes = std::fs::read(
                dir.path()
                    .join(".jupyflux/staging")
                    .join(number.to_string()),
            )
            .unwrap();
            let expected = if path.ends_with("new.yaml") {
                file("b: 2\n")
            } else {
                file("a: 2\n")
            };
            assert_eq!(bytes, expected, "{path}");
        }
        let in_staging = std::fs::read_dir(dir.path().join(".jupyflux/staging"))
            .unwrap()
            .count();
        assert_eq!(in_staging, 2, "unchanged files are not staged");
    }
}
