//! Reading the definitions at a Git revision (`git ls-tree` + `git show`), without touching the work tree.

use crate::load::discover::OVERLAYS;
use crate::load::{SourceFile, Sources};
use std::path::Path;
use std::process::Command;

/// A Git command that failed, with what it said.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("`git {command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
    #[error("{path} at {revision} is not UTF-8 text")]
    NotText { revision: String, path: String },
    #[error(
        "no default branch to compare with (neither origin/HEAD, main nor master exists); pass --base REV"
    )]
    NoDefaultBranch,
}

/// Run `git <args>` in `root` and return its standard output.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(GitError::Failed {
            command: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

fn git_line(root: &Path, args: &[&str]) -> Result<String, GitError> {
    Ok(String::from_utf8_lossy(&git(root, args)?).trim().to_owned())
}

/// The revision to compare with by default: `git merge-base HEAD <default branch>`, where the default branch
/// is what `origin/HEAD` points to, else `main`, else `master`.
pub fn default_base(root: &Path) -> Result<String, GitError> {
    let branch = default_branch(root)?;
    git_line(root, &["merge-base", "HEAD", &branch])
}

fn default_branch(root: &Path) -> Result<String, GitError> {
    if let Ok(target) = git_line(
        root,
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    ) {
        return Ok(target);
    }
    ["main", "master"]
        .into_iter()
        .find(|b| {
            git(
                root,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("{b}^{{commit}}"),
                ],
            )
            .is_ok()
        })
        .map(str::to_owned)
        .ok_or(GitError::NoDefaultBranch)
}

/// A short, stable name for a revision in reports: the abbreviated commit it resolves to, after the name given.
pub fn describe(root: &Path, revision: &str) -> Result<String, GitError> {
    let commit = git_line(
        root,
        &["rev-parse", "--short", &format!("{revision}^{{commit}}")],
    )?;
    Ok(
        if commit.starts_with(revision) || revision.starts_with(&commit) {
            commit
        } else {
            format!("{revision} ({commit})")
        },
    )
}

/// The definition files under `overlays/` at `revision` (paths relative to `root`, as in the work tree).
pub fn sources_at(root: &Path, revision: &str) -> Result<Sources, GitError> {
    let listing = git(
        root,
        &["ls-tree", "-r", "--name-only", revision, "--", OVERLAYS],
    )?;
    let listing = String::from_utf8_lossy(&listing);
    let mut sources = Sources::default();
    for path in listing.lines() {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || !(path.ends_with(".yaml") || path.ends_with(".yml")) {
            continue;
        }
        if parts[1] != "base" && !sources.environments.iter().any(|e| e == parts[1]) {
            sources.environments.push(parts[1].to_owned());
        }
        let bytes = git(root, &["show", &format!("{revision}:./{path}")])?;
        let text = String::from_utf8(bytes).map_err(|_| GitError::NotText {
            revision: revision.to_owned(),
            path: path.to_owned(),
        })?;
        sources.files.push(SourceFile {
            path: path.to_owned(),
            text,
        });
    }
    Ok(sources)
}
