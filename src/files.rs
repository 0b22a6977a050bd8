//! Reading files the one way every command does: regular files only, never through a symbolic link, never more
//! than [`MAX_FILE_BYTES`], and text with the position of the first byte that is not UTF-8.
//!
//! A repository is untrusted input: a merge request can add `overlays/x.yaml -> /dev/zero`, a FIFO, or
//! `generated/…/helmrelease.yaml -> /proc/self/environ`. Everything jupyflux reads under `overlays/`,
//! `generated/` and `flux/` goes through [`read_regular`], and directory walks refuse links (see
//! [`FileError::Symlink`]), so nothing outside the repository is read, written or printed.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// The largest file jupyflux reads: far above any definition or generated file, far below what would hurt.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path (or a directory on the way to it) is a symbolic link; links are never followed.
    #[error(
        "{path} is a symbolic link; jupyflux never follows links in overlays/, generated/ or flux/"
    )]
    Symlink { path: String },
    /// A FIFO, socket or device where a regular file was expected.
    #[error("{path} is a {kind}, not a regular file")]
    NotRegular { path: String, kind: &'static str },
    /// Larger than the limit (for definitions and generated files, [`MAX_FILE_BYTES`]).
    #[error("{path} is {size} bytes, over the {limit}-byte limit for one file")]
    TooLarge { path: String, size: u64, limit: u64 },
    /// Any other I/O failure (permissions, a file removed while reading, …).
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
}

impl FileError {
    /// What would make the file acceptable, for a `help:` line.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            FileError::Symlink { .. } => Some("replace the link by the file (or directory) itself"),
            FileError::NotRegular { .. } => {
                Some("definitions and generated files must be regular files")
            }
            FileError::TooLarge { .. } => Some("split the definitions into several files"),
            FileError::Io { .. } => None,
        }
    }

    pub(crate) fn io(path: &str, source: io::Error) -> Self {
        FileError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// What kind of non-regular, non-directory entry `metadata` describes ("FIFO", "socket", "device", …).
pub fn special_kind(metadata: &Metadata) -> Option<&'static str> {
    special_type(metadata.file_type())
}

/// [`special_kind`] of a file type (as a directory listing gives it, without a `stat`).
pub fn special_type(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() || file_type.is_dir() {
        return None;
    }
    if file_type.is_symlink() {
        return Some("symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("FIFO");
        }
        if file_type.is_socket() {
            return Some("socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("device");
        }
    }
    Some("special file")
}

/// Open `path` for reading without following a final symbolic link and without blocking on a FIFO.
fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::from_raw_os_error(40));
    }
    options.open(path)
}

/// The bytes of the regular file at `path` (shown as `display` in errors), refusing links, special files and
/// files over [`MAX_FILE_BYTES`]. The size is checked on the open file, so a file swapped after a directory
/// walk is caught too.
pub fn read_regular(path: &Path, display: &str) -> Result<Vec<u8>, FileError> {
    read_regular_up_to(path, display, MAX_FILE_BYTES)
}

/// [`read_regular`] with another size limit.
pub fn read_regular_up_to(path: &Path, display: &str, limit: u64) -> Result<Vec<u8>, FileError> {
    let file = match open_no_follow(path) {
        Ok(file) => file,
        // O_NOFOLLOW on a link fails with ELOOP.
        Err(e) if is_symlink_error(&e) || is_symlink(path) => {
            return Err(FileError::Symlink {
                path: display.to_owned(),
            });
        }
        Err(e) => return Err(FileError::io(display, e)),
    };
    let metadata = file.metadata().map_err(|e| FileError::io(display, e))?;
    if let Some(kind) = special_kind(&metadata) {
        return Err(FileError::NotRegular {
            path: display.to_owned(),
            kind,
        });
    }
    if metadata.is_dir() {
        return Err(FileError::NotRegular {
            path: display.to_owned(),
            kind: "directory",
        });
    }
    if metadata.len() > limit {
        return Err(FileError::TooLarge {
            path: display.to_owned(),
            size: metadata.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(display, e))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: display.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn is_symlink_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Refuse `relative` (under `root`) when it or any directory between `root` and it is a symbolic link.
/// Components that do not exist yet are fine: they will be created as real directories.
pub fn ensure_no_link_below(root: &Path, relative: &str) -> Result<(), FileError> {
    let mut path = root.to_path_buf();
    let mut shown = String::new();
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(part);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(FileError::Symlink { path: shown });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(FileError::io(&shown, e)),
        }
    }
    Ok(())
}

/// Text that is not UTF-8: the 1-based line and column (in characters) of the first invalid byte.
pub fn utf8_error_position(bytes: &[u8]) -> Option<(u32, u32)> {
    let error = std::str::from_utf8(bytes).err()?;
    let valid = &bytes[..error.valid_up_to()];
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    // `valid` is UTF-8 up to here, so counting characters is exact.
    let column = std::str::from_utf8(&valid[line_start..]).map_or(0, |s| s.chars().count()) + 1;
    Some((line as u32, column as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        assert_eq!(utf8_error_position(b"a: b\nc: \xff"), Some((2, 4)));
        assert_eq!(utf8_error_position("é\n\n  ü\u{1}\x00".as_bytes()), None);
        assert_eq!(utf8_error_position(b"\xc3"), Some((1, 1)));
        assert_eq!(utf8_error_position(b"\xc3\xa9\xc3\xa9\xfe"), Some((1, 3)));
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("ok.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("link.yaml")).unwrap();
        std::os::unix::fs::symlink(root, root.join("dir")).unwrap();
        let fifo = std::ffi::CString::new(root.join("fifo.yaml").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let big = File::create(root.join("big.yaml")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();

        assert_eq!(
            read_regular(&root.join("ok.yaml"), "ok").unwrap(),
            b"a: 1\n"
        );
        assert!(matches!(
            read_regular(&root.join("link.yaml"), "link"),
            Err(FileError::Symlink { .. })
        ));
        assert!(matches!(
            read_regular(&root.join("fifo.yaml"), "fifo"),
            Err(FileError::NotRegular { kind: "FIFO", .. })
        ));
        assert!(matches!(
            read_regular(&root.join("big.yaml"), "big"),
            Err(FileError::TooLarge { .. })
        ));
        assert!(matches!(
            ensure_no_link_below(root, "dir/ok.yaml"),
            Err(FileError::Symlink { path }) if path == "dir"
        ));
        assert!(ensure_no_link_below(root, "ok.yaml").is_ok());
        assert!(ensure_no_link_below(root, "new/deeper/file.yaml").is_ok());
    }
}
