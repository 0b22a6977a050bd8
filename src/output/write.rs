//! Writing a rendered tree so that a kill at any moment leaves the output entirely old or entirely new.
//!
//! The mechanism is a write-ahead journal in `.jupyflux/` at the project root:
//!
//! 1. take `.jupyflux/lock` (one writing render at a time) and finish or discard whatever an earlier, killed
//!    render left behind ([`recover`]);
//! 2. list the output, then compare each file with it as it is rendered and write the bytes of each new or changed
//!    one to `.jupyflux/staging/<n>` at once ([`Pending`]; nothing else of the output is held in memory); the
//!    output is untouched so far;
//! 3. **commit**: write the list of moves and removals to `.jupyflux/journal.tmp` and rename it to
//!    `.jupyflux/journal` (a rename is atomic);
//! 4. move each staged file into place, remove pruned files, then delete the journal and the staging directory.
//!
//! Killed before step 3, the next render finds no journal and deletes the staging directory: the output is the
//! old one. Killed after it, the next render replays the journal (every step is idempotent: a staged file that
//! is gone was already moved, a pruned file that is gone was already removed): the output is the new one.
//! `render --check` writes nothing, so it reports an interrupted render instead of finishing it.
//! The guarantee is against the process dying (SIGKILL, out of memory, Ctrl-C), not against power loss: nothing
//! is fsync'ed, as that would cost a sync per file.

use super::compare::{Compared, Comparison, Disk, Keep};
use super::plan::{Change, OutputError, Scope};
use super::staging::{STAGING, Staging};
use super::tree::{HEADER_MARKER, Tree};
use crate::files::{FileError, ensure_no_link_below};
use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::path::Path;

/// The working directory of writing renders, relative to the project root.
pub const WORK_DIR: &str = ".jupyflux";
const JOURNAL: &str = ".jupyflux/journal";
const JOURNAL_TMP: &str = ".jupyflux/journal.tmp";
const LOCK: &str = ".jupyflux/lock";
/// What older versions staged into; removed when found.
const LEGACY_STAGING_PREFIX: &str = ".jupyflux-staging-";
/// First line of a journal.
const JOURNAL_HEADER: &str = "jupyflux render journal v1";
/// A journal is a list of paths: far larger than one definition may be.
const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Files in jupyflux's directories that it did not generate: left in place, reported.
    pub foreign: Vec<String>,
    /// Whether an interrupted render was finished (or its staged files discarded) first.
    pub recovered: Option<Recovered>,
}

/// What [`recover`] found left behind by a killed render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recovered {
    /// It had committed its journal: its remaining changes were made (the output is what it rendered).
    Finished { changes: usize },
    /// It had not: its staged files were removed (the output is what it was before).
    Discarded,
}

/// One step of a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// Move `.jupyflux/staging/<staged>` to `path`.
    Move { staged: usize, path: String },
    /// Remove `path` (a generated file no longer produced).
    Remove { path: String },
}

/// Make the files under `root` that `scope` owns equal to `tree`.
pub fn write(root: &Path, tree: &Tree, scope: &Scope) -> Result<Written, OutputError> {
    let pending = Pending::begin(root, scope)?;
    let parts = pending
        .disk
        .compare_tree(tree, Keep::Stage(&pending.staging))?;
    pending.finish(parts)
}

/// A writing render under way (steps 1 and 2 above): the lock held, what a killed render left behind dealt with,
/// the output listed. Files are compared, and staged when they differ, as they are rendered ([`Pending::sink`]);
/// [`Pending::finish`] commits.
pub struct Pending<'a> {
    _lock: File,
    recovered: Option<Recovered>,
    disk: Disk<'a>,
    staging: Staging,
}

impl<'a> Pending<'a> {
    pub fn begin(root: &'a Path, scope: &'a Scope) -> Result<Self, OutputError> {
        let lock = lock(root)?;
        let recovered = recover_locked(root)?;
        Ok(Pending {
            _lock: lock,
            recovered,
            disk: Disk::list(root, scope)?,
            staging: Staging::new(root),
        })
    }

    /// A sink for rendered files (one per thread): each is compared with the disk and staged when it differs.
    pub fn sink(&'a self) -> Comparison<'a> {
        self.disk.comparison(Keep::Stage(&self.staging))
    }

    /// Commit (steps 3 and 4): the changes the sinks found, and the removal of generated files no longer produced.
    pub fn finish(self, parts: Vec<Compared>) -> Result<Written, OutputError> {
        let outcome = self.disk.outcome(parts)?;
        let plan = outcome.plan;
        let mut steps: Vec<Step> = outcome
            .staged
            .into_iter()
            .map(|(staged, path)| Step::Move { staged, path })
            .collect();
        steps.extend(plan.changes.iter().filter_map(|change| match change {
            Change::Remove { path, .. } => Some(Step::Remove { path: path.clone() }),
            _ => None,
        }));
        let mut written = Written {
            unchanged: plan.unchanged,
            foreign: plan.foreign().map(str::to_owned).collect(),
            recovered: self.recovered,
            ..Written::default()
        };
        let root = self.disk.root();
        if steps.is_empty() {
            return Ok(written);
        }
        commit(root, &steps)?;
        let (moved, removed) = replay(root, &steps)?;
        written.written = moved;
        written.removed = removed;
        finish(root)?;
        Ok(written)
    }
}

/// Finish or discard what a killed render left behind, under the lock. `None` when there was nothing.
pub fn recover(root: &Path) -> Result<Option<Recovered>, OutputError> {
    let _lock = lock(root)?;
    recover_locked(root)
}

/// The error `render --check` reports when a killed render left a committed journal; `None` otherwise.
pub fn interrupted(root: &Path) -> Result<Option<OutputError>, OutputError> {
    ensure_no_link_below(root, JOURNAL)?;
    if !root.join(JOURNAL).exists() {
        return Ok(None);
    }
    let steps = read_journal(root)?;
    Ok(Some(OutputError::Interrupted {
        path: JOURNAL.to_owned(),
        changes: steps.len(),
    }))
}

/// Create `.jupyflux/` (ignored by Git through its own `.gitignore`) and hold its lock until dropped.
fn lock(root: &Path) -> Result<File, OutputError> {
    ensure_no_link_below(root, LOCK)?;
    let dir = root.join(WORK_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| OutputError::write(WORK_DIR, e))?;
    let ignore = dir.join(".gitignore");
    ensure_no_link_below(root, ".jupyflux/.gitignore")?;
    if !ignore.exists() {
        std::fs::write(&ignore, "# jupyflux's working files while it renders\n*\n")
            .map_err(|e| OutputError::write(".jupyflux/.gitignore", e))?;
    }
    let file = open_for_lock(&root.join(LOCK)).map_err(|e| OutputError::write(LOCK, e))?;
    file.lock().map_err(|e| OutputError::write(LOCK, e))?;
    Ok(file)
}

fn open_for_lock(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn recover_locked(root: &Path) -> Result<Option<Recovered>, OutputError> {
    let mut recovered = None;
    for leftover in legacy_staging(root) {
        remove_dir(root, &leftover)?;
        recovered = Some(Recovered::Discarded);
    }
    ensure_no_link_below(root, JOURNAL)?;
    if root.join(JOURNAL).exists() {
        let steps = read_journal(root)?;
        replay(root, &steps)?;
        finish(root)?;
        return Ok(Some(Recovered::Finished {
            changes: steps.len(),
        }));
    }
    let tmp = root.join(JOURNAL_TMP);
    if std::fs::symlink_metadata(&tmp).is_ok() {
        std::fs::remove_file(&tmp).map_err(|e| OutputError::write(JOURNAL_TMP, e))?;
        recovered = Some(Recovered::Discarded);
    }
    if std::fs::symlink_metadata(root.join(STAGING)).is_ok() {
        remove_dir(root, STAGING)?;
        recovered = Some(Recovered::Discarded);
    }
    Ok(recovered)
}

/// `.jupyflux-staging-<pid>/` directories of versions before the journal.
fn legacy_staging(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.starts_with(LEGACY_STAGING_PREFIX))
        .collect();
    found.sort();
    found
}

/// Remove a directory of jupyflux's own (a link there is removed as a link, never followed).
fn remove_dir(root: &Path, relative: &str) -> Result<(), OutputError> {
    let path = root.join(relative);
    let result = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
        Ok(_) => std::fs::remove_file(&path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    result.map_err(|e| OutputError::write(relative, e))
}

/// The commit point: after this rename the render is as good as done.
fn commit(root: &Path, steps: &[Step]) -> Result<(), OutputError> {
    let mut text = format!("{JOURNAL_HEADER}\n");
    for step in steps {
        match step {
            Step::Move { staged, path } => text.push_str(&format!("move {staged} {path}\n")),
            Step::Remove { path } => text.push_str(&format!("remove {path}\n")),
        }
    }
    text.push_str("end\n");
    std::fs::write(root.join(JOURNAL_TMP), text).map_err(|e| OutputError::write(JOURNAL_TMP, e))?;
    std::fs::rename(root.join(JOURNAL_TMP), root.join(JOURNAL))
        .map_err(|e| OutputError::write(JOURNAL, e))
}

fn read_journal(root: &Path) -> Result<Vec<Step>, OutputError> {
    let bytes = crate::files::read_regular_up_to(&root.join(JOURNAL), JOURNAL, MAX_JOURNAL_BYTES)?;
    parse_journal(&bytes).map_err(|reason| OutputError::Journal {
        path: JOURNAL.to_owned(),
        reason,
    })
}

/// A journal's steps. Paths must be ones a render may write (under `generated/` or `flux/`, outside
/// `flux-system/`, no `..`): the file sits in the work tree, so it is checked like any other input.
fn parse_journal(bytes: &[u8]) -> Result<Vec<Step>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let mut lines = text.lines();
    if lines.next() != Some(JOURNAL_HEADER) {
        return Err(format!("its first line is not `{JOURNAL_HEADER}`"));
    }
    let mut steps = Vec::new();
    for (n, line) in lines.enumerate() {
        let line_no = n + 2;
        if line == "end" {
            return Ok(steps);
        }
        let step = match line.split_once(' ') {
            Some(("move", rest)) => match rest.split_once(' ') {
                Some((staged, path)) => Step::Move {
                    staged: staged
                        .parse()
                        .map_err(|_| format!("line {line_no}: not a staged file number"))?,
                    path: path.to_owned(),
                },
                None => return Err(format!("line {line_no}: `move` needs a number and a path")),
            },
            Some(("remove", path)) => Step::Remove {
                path: path.to_owned(),
            },
            _ => return Err(format!("line {line_no}: neither `move` nor `remove`")),
        };
        let (Step::Move { path, .. } | Step::Remove { path }) = &step;
        if !is_output_path(path) {
            return Err(format!("line {line_no}: not a path jupyflux writes"));
        }
        steps.push(step);
    }
    Err("it has no `end` line (it was not written by jupyflux)".to_owned())
}

fn is_output_path(path: &str) -> bool {
    let safe = path
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..");
    safe && Scope::all().owns(path)
}

/// Make every step of a committed journal; safe to run again after any interruption.
fn replay(root: &Path, steps: &[Step]) -> Result<(usize, usize), OutputError> {
    let mut checked: HashSet<String> = HashSet::new();
    let (mut moved, mut removed) = (0, 0);
    for step in steps {
        match step {
            Step::Move { staged, path } => {
                let from = root.join(STAGING).join(staged.to_string());
                match std::fs::symlink_metadata(&from) {
                    Ok(m) if m.is_file() => {}
                    Ok(_) => {
                        return Err(FileError::NotRegular {
                            path: format!("{STAGING}/{staged}"),
                            kind: "link or directory",
                        }
                        .into());
                    }
                    // Moved before the interruption.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(OutputError::write(format!("{STAGING}/{staged}"), e)),
                }
                let parent = path.rsplit_once('/').map_or("", |(dir, _)| dir);
                if checked.insert(parent.to_owned()) {
                    ensure_no_link_below(root, parent)?;
                    std::fs::create_dir_all(root.join(parent))
                        .map_err(|e| OutputError::write(parent, e))?;
                }
                ensure_no_link_below(root, path)?;
                std::fs::rename(&from, root.join(path)).map_err(|e| OutputError::write(path, e))?;
                moved += 1;
            }
            Step::Remove { path } => {
                ensure_no_link_below(root, path)?;
                let target = root.join(path);
                match crate::files::read_regular(&target, path) {
                    Ok(old) if old.starts_with(HEADER_MARKER.as_bytes()) => {}
                    // Gone already, or no longer a generated file: leave it.
                    Ok(_) => continue,
                    Err(FileError::Io { source, .. })
                        if source.kind() == io::ErrorKind::NotFound =>
                    {
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
                std::fs::remove_file(&target).map_err(|e| OutputError::write(path, e))?;
                remove_empty_parents(root, &target);
                removed += 1;
            }
        }
    }
    Ok((moved, removed))
}

/// The render is complete: drop the journal, then the (now empty) staging directory.
fn finish(root: &Path) -> Result<(), OutputError> {
    match std::fs::remove_file(root.join(JOURNAL)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(OutputError::write(JOURNAL, e)),
    }
    remove_dir(root, STAGING)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_round_trip_and_refuse_paths_outside_the_output() {
        let steps = vec![
            Step::Move {
                staged: 0,
                path: "generated/a/kustomization.yaml".into(),
            },
            Step::Remove {
                path: "flux/a/kustomization-hubs.yaml".into(),
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(WORK_DIR)).unwrap();
        commit(dir.path(), &steps).unwrap();
        assert_eq!(read_journal(dir.path()).unwrap(), steps);

        for bad in [
            "move 0 overlays/base/hub.yaml",
            "remove generated/../overlays/base/hub.yaml",
            "remove /etc/passwd",
            "remove flux/a/flux-system/gotk-sync.yaml",
            "move x generated/a/k.yaml",
            "copy 0 generated/a/k.yaml",
        ] {
            let text = format!("{JOURNAL_HEADER}\n{bad}\nend\n");
            assert!(parse_journal(text.as_bytes()).is_err(), "{bad}");
        }
        let unfinished = format!("{JOURNAL_HEADER}\nremove generated/a/k.yaml\n");
        assert!(parse_journal(unfinished.as_bytes()).is_err());
    }
}
