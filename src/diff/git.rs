//! Reading the definitions at a Git revision (`git ls-tree` + `git show`), without touching the work tree.

use crate::files::{MAX_FILE_BYTES, utf8_error_position};
use crate::load::discover::OVERLAYS;
use crate::load::{SourceFile, Sources};
use std::path::Path;
use std::process::Command;

/// A Git command that failed, with what it said.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started (not installed, not on PATH).
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    /// `git` ran and exited non-zero (unknown revision, not a repository, …).
    #[error("`git {command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
    /// A definition at the revision that is no regular UTF-8 file within the size limit (a link, a submodule…).
    #[error("{path} at {revision} {reason}")]
    Refused {
        revision: String,
        path: String,
        reason: String,
    },
    /// Neither `--base`, `origin/HEAD`, `main` nor `master` names a revision.
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

/// The revision to compare with by default, and why it was chosen: `git merge-base HEAD <default branch>`, where
/// the default branch is what `origin/HEAD` points to, else `main`, else `master`.
pub fn default_base(root: &Path) -> Result<(String, String), GitError> {
    let branch = default_branch(root)?;
    let base = git_line(root, &["merge-base", "HEAD", &branch])?;
    Ok((
        base,
        format!(
            "the merge base of HEAD and {branch}, the default branch; --base REV to choose another"
        ),
    ))
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

/// The definition files under `overlays/` at `revision` (paths relative to `root`, as in the work tree). As in
/// the work tree, a definition must be a regular file (a link is refused, never resolved) of at most
/// [`MAX_FILE_BYTES`] bytes of UTF-8 text.
pub fn sources_at(root: &Path, revision: &str) -> Result<Sources, GitError> {
    // `-l` adds the blob size, `-z` keeps paths unquoted: `<mode> <type> <object> <size>\t<path>\0`.
    let listing = git(
        root,
        &["ls-tree", "-r", "-l", "-z", revision, "--", OVERLAYS],
    )?;
    let mut sources = Sources {
        repository: crate::images::context::Repository::Git {
            root: root.to_path_buf(),
            revision: revision.to_owned(),
        },
        ..Sources::default()
    };
    for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || !(path.ends_with(".yaml") || path.ends_with(".yml")) {
            continue;
        }
        let refused = |reason: String| GitError::Refused {
            revision: revision.to_owned(),
            path: path.to_owned(),
            reason,
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        match fields.as_slice() {
            ["120000", ..] => return Err(refused("is a symbolic link".into())),
            [_, "blob", _, size] => match size.parse::<u64>() {
                Ok(size) if size > MAX_FILE_BYTES => {
                    return Err(refused(format!(
                        "is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
                    )));
                }
                Ok(_) => {}
                Err(_) => return Err(refused("has no size".into())),
            },
            _ => return Err(refused("is not a regular file".into())),
        }
        if parts[1] != "base" && !sources.environments.iter().any(|e| e == parts[1]) {
            sources.environments.push(parts[1].to_owned());
        }
        let bytes = git(root, &["show", &format!("{revision}:./{path}")])?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = utf8_error_position(e.as_bytes()).unwrap_or((1, 1));
            refused(format!("is not UTF-8 text (line {line}, column {column})"))
        })?;
        sources.files.push(SourceFile {
            path: path.to_owned(),
            text,
        });
    }
    Ok(sources)
}
