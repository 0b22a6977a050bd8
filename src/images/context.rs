//! The content hash of an image's build context: a tag that changes exactly when a file the build reads changes.
//!
//! The algorithm (version 1), over the context directory `C` (inside the repository `R`), files under an
//! excluded path left out:
//!
//! 1. Walk `C` without following symbolic links; take every entry's path relative to `C`, `/`-separated, UTF-8.
//! 2. Sort the entries by that path, byte by byte (independent of the order the file system lists them).
//! 3. Feed SHA-256 the header `jupyflux-context-v1\0`, then per entry one record:
//!    * a directory: `d <path>\0`;
//!    * a regular file: `f <x|-> <length>\0<path>\0` then its bytes, `x` when any execute bit is set (the only
//!      mode bit a build sees that matters; owners, times and other bits are left out);
//!    * a symbolic link: `l <path>\0<target>\0`, the link's own text (not followed); a link whose target, taken
//!      from the link's directory, leaves `R` is refused.
//! 4. The tag is `c1-` and the first 24 hexadecimal digits of the digest (96 bits).
//!
//! FIFOs, sockets and devices are refused (reading one could block forever); so are more than
//! [`MAX_ENTRIES`] entries, nesting deeper than [`MAX_DEPTH`], more than [`MAX_BYTES`] of contents, and
//! names that are not UTF-8. Hostile input ends in an error, never a hang.

use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The most entries (files, directories, links) of one context.
pub const MAX_ENTRIES: usize = 20_000;
/// The deepest nesting of directories in a context.
pub const MAX_DEPTH: usize = 32;
/// The most bytes of file contents of one context.
pub const MAX_BYTES: u64 = 512 << 20;

/// Why a build context cannot be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextError {
    /// The context is not a directory of the repository (missing, a file, or outside it).
    NotADirectory(String),
    /// A symbolic link pointing outside the repository: the build would read what the hash does not see.
    LinkEscapes { path: String, target: String },
    /// A FIFO, socket or device: nothing a build context holds, and reading one may block forever.
    Special(String),
    /// A file or directory name that is not UTF-8: no portable path to hash.
    NotUtf8(String),
    /// More than [`MAX_ENTRIES`] entries, deeper than [`MAX_DEPTH`] or more than [`MAX_BYTES`] of contents.
    TooLarge(String),
    /// Reading failed.
    Io { path: String, error: String },
    /// The context is the repository's root, which holds `generated/`: the tag would change what it hashes.
    RepositoryRoot,
    /// The context, or a directory on the way to it, is a symbolic link: the walk would leave the repository.
    LinkedContext(String),
    /// The definitions were given without a repository (held in memory): no build context to read.
    NoRepository,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::NotADirectory(p) => write!(
                f,
                "build context `{p}` is not a directory of the repository"
            ),
            ContextError::LinkEscapes { path, target } => write!(
                f,
                "`{path}` is a symbolic link to `{target}`, outside the repository: the build would read what the tag does not cover"
            ),
            ContextError::Special(p) => write!(
                f,
                "`{p}` is a FIFO, socket or device; a build context holds files, directories and links only"
            ),
            ContextError::NotUtf8(p) => write!(f, "a name under `{p}` is not UTF-8"),
            ContextError::TooLarge(why) => write!(f, "the build context is too large: {why}"),
            ContextError::Io { path, error } => write!(f, "cannot read `{path}`: {error}"),
            ContextError::RepositoryRoot => write!(
                f,
                "the build context is the repository's root, which holds generated/: the files the tag is written to would change the tag"
            ),
            ContextError::LinkedContext(p) => write!(
                f,
                "`{p}` is a symbolic link: a build context must be a directory of the repository itself"
            ),
            ContextError::NoRepository => write!(
                f,
                "no repository to read the build context from (definitions held in memory)"
            ),
        }
    }
}

/// Where build contexts are read from: the work tree, or a Git revision (what `jupyflux diff` renders).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Repository {
    /// Definitions held in memory: there is no build context to read.
    #[default]
    None,
    /// The work tree whose root (where `overlays/` is) is this directory.
    Dir(PathBuf),
    /// The tree of `revision`, read with `git -C root`; paths are relative to `root`, as in the work tree.
    Git { root: PathBuf, revision: String },
}

impl Repository {
    /// The tag of the build context `context` (relative to the repository root), `exclude` being paths
    /// relative to the context. A clean checkout of a revision gives the tag of that revision's tree.
    pub fn tag(&self, context: &str, exclude: &[String]) -> Result<String, ContextError> {
        match self {
            Repository::None => Err(ContextError::NoRepository),
            Repository::Dir(root) => tag(root, context, exclude),
            Repository::Git { root, revision } => {
                super::git_tree::tag(root, revision, context, exclude)
            }
        }
    }
}

/// The tag of the build context `context` (relative to `repo`), `exclude` being paths relative to the context
/// (`ops` or `ops/` leaves out the directory `ops` and everything in it).
pub fn tag(repo: &Path, context: &str, exclude: &[String]) -> Result<String, ContextError> {
    let relative = inside(context)?;
    // A link on the way (say `images` → `/`) would lead the walk out of the repository.
    if let Err(crate::files::FileError::Symlink { path }) =
        crate::files::ensure_no_link_below(repo, &relative)
    {
        return Err(ContextError::LinkedContext(path));
    }
    let root = repo.join(&relative);
    let meta = std::fs::symlink_metadata(&root);
    if !meta.as_ref().is_ok_and(|m| m.is_dir()) {
        return Err(ContextError::NotADirectory(context.to_owned()));
    }
    let exclude = excluded(exclude);
    let mut entries = Vec::new();
    walk(&root, "", 0, &exclude, &mut entries)?;
    let items = entries
        .into_iter()
        .map(|(rel, entry)| {
            let item = match entry {
                Entry::Dir => Item::Dir,
                Entry::File { executable } => Item::File {
                    executable,
                    bytes: Source::Path(root.join(&rel)),
                },
                Entry::Link => {
                    let target = std::fs::read_link(root.join(&rel)).map_err(|e| io(&rel, &e))?;
                    let text = target
                        .to_str()
                        .ok_or_else(|| ContextError::NotUtf8(rel.clone()))?
                        .to_owned();
                    Item::Link(text)
                }
            };
            Ok((rel, item))
        })
        .collect::<Result<Vec<_>, ContextError>>()?;
    digest(&relative, items)
}

/// The context as a path inside the repository, `/`-separated: refused when it leaves the repository or is
/// its root (which holds `generated/`, whose files carry the tag: it would never settle).
pub(super) fn inside(context: &str) -> Result<String, ContextError> {
    match normalize(Path::new(context)) {
        Some(path) if path.as_os_str().is_empty() => Err(ContextError::RepositoryRoot),
        Some(path) => Ok(path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")),
        _ => Err(ContextError::NotADirectory(context.to_owned())),
    }
}

/// The excluded paths, without leading or trailing `/`.
pub(super) fn excluded(exclude: &[String]) -> Vec<String> {
    exclude
        .iter()
        .map(|e| e.trim_matches('/').to_owned())
        .collect()
}

/// Whether `rel` (relative to the context) is left out by `exclude`.
pub(super) fn is_excluded(rel: &str, exclude: &[String]) -> bool {
    exclude.iter().any(|e| {
        rel == e
            || rel
                .strip_prefix(e.as_str())
                .is_some_and(|r| r.starts_with('/'))
    })
}

/// Where a file's bytes are.
pub(super) enum Source {
    /// A file of the work tree.
    Path(PathBuf),
    /// Contents already read (a Git blob).
    Bytes(Vec<u8>),
}

/// One entry of a context, as the hash sees it.
pub(super) enum Item {
    Dir,
    File {
        executable: bool,
        bytes: Source,
    },
    /// A symbolic link and its target, as written.
    Link(String),
}

/// The tag of the entries of the context `context` (each path relative to it; any order).
pub(super) fn digest(
    context: &str,
    mut items: Vec<(String, Item)>,
) -> Result<String, ContextError> {
    items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hash = Sha256::new();
    hash.update(b"jupyflux-context-v1\0");
    let mut total: u64 = 0;
    for (rel, item) in items {
        match item {
            Item::Dir => hash.update(format!("d {rel}\0").as_bytes()),
            Item::File { executable, bytes } => {
                let bytes = match bytes {
                    // Opened without following links or blocking (a file swapped for a link or a FIFO since
                    // the walk), and never more than what is left of the budget held in memory.
                    Source::Path(path) => {
                        let left = MAX_BYTES.saturating_sub(total);
                        crate::files::read_regular_up_to(&path, &rel, left).map_err(
                            |e| match e {
                                crate::files::FileError::TooLarge { .. } => too_many_bytes(),
                                crate::files::FileError::Symlink { path } => {
                                    ContextError::Special(path)
                                }
                                crate::files::FileError::NotRegular { path, .. } => {
                                    ContextError::Special(path)
                                }
                                crate::files::FileError::Io { path, source } => io(&path, &source),
                            },
                        )?
                    }
                    Source::Bytes(bytes) => bytes,
                };
                total += bytes.len() as u64;
                if total > MAX_BYTES {
                    return Err(too_many_bytes());
                }
                let x = if executable { 'x' } else { '-' };
                hash.update(format!("f {x} {}\0{rel}\0", bytes.len()).as_bytes());
                hash.update(&bytes);
            }
            Item::Link(target) => {
                let from = Path::new(context).join(&rel);
                let resolved = from.parent().unwrap_or(Path::new("")).join(&target);
                if Path::new(&target).is_absolute() || normalize(&resolved).is_none() {
                    return Err(ContextError::LinkEscapes {
                        path: from.display().to_string(),
                        target,
                    });
                }
                hash.update(format!("l {rel}\0{target}\0").as_bytes());
            }
        }
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Ok(format!("c1-{hex}"))
}

/// The error for contents over [`MAX_BYTES`].
pub(super) fn too_many_bytes() -> ContextError {
    ContextError::TooLarge(format!("more than {} MiB of files", MAX_BYTES >> 20))
}

enum Entry {
    Dir,
    File { executable: bool },
    Link,
}

pub(super) fn io(path: &str, e: &impl fmt::Display) -> ContextError {
    ContextError::Io {
        path: path.to_owned(),
        error: e.to_string(),
    }
}

fn walk(
    dir: &Path,
    prefix: &str,
    depth: usize,
    exclude: &[String],
    out: &mut Vec<(String, Entry)>,
) -> Result<(), ContextError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    for item in std::fs::read_dir(dir).map_err(|e| io(prefix, &e))? {
        let item = item.map_err(|e| io(prefix, &e))?;
        let name = item.file_name();
        let name = name
            .to_str()
            .ok_or_else(|| ContextError::NotUtf8(prefix.to_owned()))?;
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        if is_excluded(&rel, exclude) {
            continue;
        }
        if out.len() >= MAX_ENTRIES {
            return Err(too_many_entries());
        }
        let meta = std::fs::symlink_metadata(item.path()).map_err(|e| io(&rel, &e))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            out.push((rel, Entry::Link));
        } else if kind.is_dir() {
            out.push((rel.clone(), Entry::Dir));
            walk(&item.path(), &rel, depth + 1, exclude, out)?;
        } else if kind.is_file() {
            out.push((
                rel,
                Entry::File {
                    executable: executable(&meta),
                },
            ));
        } else {
            return Err(ContextError::Special(rel));
        }
    }
    Ok(())
}

/// The error for nesting deeper than [`MAX_DEPTH`].
pub(super) fn too_deep() -> ContextError {
    ContextError::TooLarge(format!("directories nest deeper than {MAX_DEPTH}"))
}

/// The error for more than [`MAX_ENTRIES`] entries.
pub(super) fn too_many_entries() -> ContextError {
    ContextError::TooLarge(format!("more than {MAX_ENTRIES} entries"))
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    false
}

/// `path` with `.` and `..` resolved lexically; `None` when it climbs above its start or is absolute.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_tag_follows_contents_and_the_execute_bit_only() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        // The same files, created in opposite orders (and so at other times).
        write(a.path(), "img/Dockerfile", "FROM x\n");
        write(a.path(), "img/etc/start.sh", "run\n");
        write(b.path(), "img/etc/start.sh", "run\n");
        write(b.path(), "img/Dockerfile", "FROM x\n");
        let tag = |r: &Path| super::tag(r, "img", &[]).unwrap();
        assert_eq!(tag(a.path()), tag(b.path()));
        assert!(tag(a.path()).starts_with("c1-") && tag(a.path()).len() == 27);
        let before = tag(a.path());
        let script = a.path().join("img/etc/start.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let executable = tag(a.path());
        assert_ne!(before, executable);
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(tag(a.path()), executable, "only the execute bit counts");
        write(a.path(), "img/Dockerfile", "FROM y\n");
        assert_ne!(tag(a.path()), executable);
    }

    #[test]
    fn excluded_paths_do_not_count() {
        let a = tempfile::tempdir().unwrap();
        write(a.path(), "img/Dockerfile", "FROM x\n");
        let tag = |r: &Path| super::tag(r, "img", &["ops/".to_owned()]).unwrap();
        let before = tag(a.path());
        write(a.path(), "img/ops/deploy.sh", "anything\n");
        assert_eq!(tag(a.path()), before);
        write(a.path(), "img/opsx", "counts\n");
        assert_ne!(tag(a.path()), before);
    }

    #[test]
    fn hostile_contexts_are_refused() {
        let a = tempfile::tempdir().unwrap();
        write(a.path(), "img/Dockerfile", "FROM x\n");
        std::os::unix::fs::symlink("../Dockerfile", a.path().join("img/inside")).unwrap();
        assert!(super::tag(a.path(), "img", &[]).is_ok());
        std::os::unix::fs::symlink("../../etc/passwd", a.path().join("img/escape")).unwrap();
        assert!(matches!(
            super::tag(a.path(), "img", &[]),
            Err(ContextError::LinkEscapes { .. })
        ));
        std::fs::remove_file(a.path().join("img/escape")).unwrap();
        let fifo = a.path().join("img/pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(
                super::tag(a.path(), "img", &[]),
                Err(ContextError::Special("pipe".into()))
            );
        }
        assert!(matches!(
            super::tag(a.path(), "../img", &[]),
            Err(ContextError::NotADirectory(_))
        ));
        assert!(matches!(
            super::tag(a.path(), "img/Dockerfile", &[]),
            Err(ContextError::NotADirectory(_))
        ));
        assert_eq!(
            super::tag(a.path(), "./img/..", &[]),
            Err(ContextError::RepositoryRoot)
        );
        // A linked context, or a link on the way to it, would lead the walk out of the repository.
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret/key", "k\n");
        std::os::unix::fs::symlink(outside.path(), a.path().join("via")).unwrap();
        assert_eq!(
            super::tag(a.path(), "via/secret", &[]),
            Err(ContextError::LinkedContext("via".into()))
        );
        // A file over the budget is refused before it is read (a sparse file: nothing is written to disk).
        let _ = std::fs::remove_file(&fifo);
        let huge = std::fs::File::create(a.path().join("img/huge")).unwrap();
        huge.set_len(MAX_BYTES + 1).unwrap();
        assert!(matches!(
            super::tag(a.path(), "img", &[]),
            Err(ContextError::TooLarge(_))
        ));
        std::fs::remove_file(a.path().join("img/huge")).unwrap();
        std::os::unix::fs::symlink("img", a.path().join("alias")).unwrap();
        assert_eq!(
            super::tag(a.path(), "alias", &[]),
            Err(ContextError::LinkedContext("alias".into()))
        );
    }
}
