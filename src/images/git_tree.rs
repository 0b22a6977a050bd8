//! The tag of a build context at a Git revision (`git ls-tree` + `git cat-file --batch`), without touching the
//! work tree: what `jupyflux diff` renders for the revision it compares with. The records are those of the work
//! tree's walk ([`super::context`]), so a clean checkout of the revision gives the same tag.

use super::context::{
    ContextError, Item, MAX_BYTES, MAX_DEPTH, MAX_ENTRIES, Source, digest, excluded, inside, io,
    is_excluded, too_deep, too_many_bytes, too_many_entries,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// A file of the tree whose contents are still to be read.
struct Blob {
    rel: String,
    executable: bool,
    link: bool,
    object: String,
}

/// The tag of `context` (relative to `root`) in the tree of `revision`.
pub fn tag(
    root: &Path,
    revision: &str,
    context: &str,
    exclude: &[String],
) -> Result<String, ContextError> {
    let relative = inside(context)?;
    let exclude = excluded(exclude);
    // `-t` lists the trees too (the directories a checkout creates), `-z` keeps paths unquoted:
    // `<mode> <type> <object>\t<path>\0`, paths relative to `root`.
    let listing = git(
        root,
        &["ls-tree", "-r", "-t", "-z", revision, "--", &relative],
    )?;
    let prefix = format!("{relative}/");
    let mut found = false;
    let mut items = Vec::new();
    let mut blobs = Vec::new();
    for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record =
            std::str::from_utf8(record).map_err(|_| ContextError::NotUtf8(relative.clone()))?;
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        if path == relative {
            found = fields.get(1) == Some(&"tree");
            continue;
        }
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        if is_excluded(rel, &exclude) {
            continue;
        }
        if items.len() + blobs.len() >= MAX_ENTRIES {
            return Err(too_many_entries());
        }
        if rel.matches('/').count() > MAX_DEPTH {
            return Err(too_deep());
        }
        let blob = |executable, link| Blob {
            rel: rel.to_owned(),
            executable,
            link,
            object: fields.get(2).copied().unwrap_or_default().to_owned(),
        };
        match fields.as_slice() {
            ["040000", "tree", ..] => items.push((rel.to_owned(), Item::Dir)),
            ["100644", "blob", ..] => blobs.push(blob(false, false)),
            ["100755", "blob", ..] => blobs.push(blob(true, false)),
            ["120000", "blob", ..] => blobs.push(blob(false, true)),
            // A submodule (`160000 commit`): its files are not in this tree.
            _ => return Err(ContextError::Special(rel.to_owned())),
        }
    }
    if !found {
        return Err(ContextError::NotADirectory(context.to_owned()));
    }
    let contents = cat_blobs(root, &blobs)?;
    for (blob, bytes) in blobs.into_iter().zip(contents) {
        let item = if blob.link {
            let target =
                String::from_utf8(bytes).map_err(|_| ContextError::NotUtf8(blob.rel.clone()))?;
            Item::Link(target)
        } else {
            Item::File {
                executable: blob.executable,
                bytes: Source::Bytes(bytes),
            }
        };
        items.push((blob.rel, item));
    }
    digest(&relative, items)
}

/// The contents of `blobs`, in order, from one `git cat-file --batch`; more than [`MAX_BYTES`] refused before
/// it is held.
fn cat_blobs(root: &Path, blobs: &[Blob]) -> Result<Vec<Vec<u8>>, ContextError> {
    if blobs.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| io("git cat-file", &e))?;
    let request: String = blobs.iter().map(|b| format!("{}\n", b.object)).collect();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Written from another thread: git answers while it reads, and a full pipe on both sides would block.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut contents = Vec::with_capacity(blobs.len());
    let mut total: u64 = 0;
    let mut result = Ok(());
    for blob in blobs {
        let mut header = String::new();
        if let Err(e) = out.read_line(&mut header) {
            result = Err(io(&blob.rel, &e));
            break;
        }
        // `<object> blob <size>`
        let size = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok());
        let Some(size) = size else {
            result = Err(io(
                &blob.rel,
                &format!("git cat-file said `{}`", header.trim()),
            ));
            break;
        };
        total += size;
        if total > MAX_BYTES {
            result = Err(too_many_bytes());
            break;
        }
        let mut bytes = vec![0; size as usize + 1];
        if let Err(e) = out.read_exact(&mut bytes) {
            result = Err(io(&blob.rel, &e));
            break;
        }
        bytes.pop(); // the newline after the contents
        contents.push(bytes);
    }
    drop(out);
    let _ = child.kill();
    let _ = child.wait();
    let _ = writer.join();
    result.map(|()| contents)
}

/// Run `git <args>` in `root` and return its standard output.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, ContextError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| io("git", &e))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(io(
            &format!("git {}", args.join(" ")),
            &String::from_utf8_lossy(&output.stderr).trim(),
        ))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn run(root: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_revision_hashes_like_its_clean_checkout() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        run(root, &["init", "-q"]);
        write(root, "images/gpu/Dockerfile", "FROM x\n");
        write(root, "images/gpu/etc/start.sh", "run\n");
        write(root, "images/gpu/ops/push.sh", "push\n");
        let script = root.join("images/gpu/etc/start.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("etc/start.sh", root.join("images/gpu/start")).unwrap();
        run(root, &["add", "-A"]);
        run(root, &["commit", "-qm", "one"]);
        let exclude = ["ops".to_owned()];
        let work = super::super::context::tag(root, "images/gpu", &exclude).unwrap();
        let head = tag(root, "HEAD", "images/gpu/", &exclude).unwrap();
        assert_eq!(head, work);

        // The work tree moves on; the revision keeps its tag.
        write(root, "images/gpu/Dockerfile", "FROM y\n");
        let changed = super::super::context::tag(root, "images/gpu", &exclude).unwrap();
        assert_ne!(changed, work);
        assert_eq!(tag(root, "HEAD", "images/gpu", &exclude).unwrap(), work);
        run(root, &["commit", "-qam", "two"]);
        assert_eq!(tag(root, "HEAD", "images/gpu", &exclude).unwrap(), changed);
        assert_eq!(tag(root, "HEAD~1", "images/gpu", &exclude).unwrap(), work);

        assert!(matches!(
            tag(root, "HEAD", "images/none", &exclude),
            Err(ContextError::NotADirectory(_))
        ));
        assert!(matches!(
            tag(root, "HEAD", "images/gpu/Dockerfile", &exclude),
            Err(ContextError::NotADirectory(_))
        ));
        assert!(matches!(
            tag(root, "HEAD", "../images", &exclude),
            Err(ContextError::NotADirectory(_))
        ));
    }

    #[test]
    fn an_escaping_link_in_a_revision_is_refused() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        run(root, &["init", "-q"]);
        write(root, "images/gpu/Dockerfile", "FROM x\n");
        std::os::unix::fs::symlink("../../../etc/passwd", root.join("images/gpu/passwd")).unwrap();
        run(root, &["add", "-A"]);
        run(root, &["commit", "-qm", "one"]);
        assert!(matches!(
            tag(root, "HEAD", "images/gpu", &[]),
            Err(ContextError::LinkEscapes { .. })
        ));
    }
}
