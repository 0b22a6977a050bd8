//! Writing a rendered tree: stage every new file first, then move them into place and prune.
//!
//! Invalid definitions never reach this point, so they leave the disk untouched. Writing itself stages all
//! content in a directory beside the output before changing anything, so an I/O failure (disk full,
//! permissions) also leaves the old files as they were.

use super::plan::{Change, Plan, Scope, plan};
use super::tree::Tree;
use std::io;
use std::path::{Path, PathBuf};

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Files in jupyflux's directories that it did not generate: left in place, reported.
    pub foreign: Vec<String>,
}

/// Make the files under `root` that `scope` owns equal to `tree`.
pub fn write(root: &Path, tree: &Tree, scope: &Scope) -> io::Result<Written> {
    let plan = plan(root, tree, scope)?;
    let staging = root.join(format!(".jupyflux-staging-{}", std::process::id()));
    let staged = stage(&staging, tree, &plan);
    let result = staged.and_then(|moves| apply(root, &plan, &moves));
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Write the new content of every created or updated file into `staging`.
fn stage(staging: &Path, tree: &Tree, plan: &Plan) -> io::Result<Vec<(PathBuf, String)>> {
    let mut moves = Vec::new();
    for (i, change) in plan.changes.iter().enumerate() {
        let (Change::Create { path } | Change::Update { path, .. }) = change else {
            continue;
        };
        let bytes = tree.get(path).expect("planned from the tree");
        if moves.is_empty() {
            std::fs::create_dir_all(staging)?;
        }
        let staged = staging.join(i.to_string());
        std::fs::write(&staged, bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("staging {path}: {e}")))?;
        moves.push((staged, path.clone()));
    }
    Ok(moves)
}

fn apply(root: &Path, plan: &Plan, moves: &[(PathBuf, String)]) -> io::Result<Written> {
    let mut written = Written {
        unchanged: plan.unchanged,
        ..Written::default()
    };
    // Files come in path order, so a directory's files are consecutive: create each directory once.
    let mut created: Option<PathBuf> = None;
    for (staged, path) in moves {
        let target = root.join(path);
        if let Some(parent) = target.parent()
            && created.as_deref() != Some(parent)
        {
            std::fs::create_dir_all(parent)?;
            created = Some(parent.to_owned());
        }
        std::fs::rename(staged, &target)
            .map_err(|e| io::Error::new(e.kind(), format!("writing {path}: {e}")))?;
        written.written += 1;
    }
    for change in &plan.changes {
        match change {
            Change::Remove { path, .. } => {
                let target = root.join(path);
                std::fs::remove_file(&target)?;
                remove_empty_parents(root, &target);
                written.removed += 1;
            }
            Change::Foreign { path } => written.foreign.push(path.clone()),
            Change::Create { .. } | Change::Update { .. } => {}
        }
    }
    Ok(written)
}

/// Remove directories left empty by pruning, up to (not including) `generated/` and `flux/`.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        let depth = d
            .strip_prefix(root)
            .map(|r| r.components().count())
            .unwrap_or(0);
        if depth <= 1 || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
