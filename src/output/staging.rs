//! `.jupyflux/staging/`: the new bytes of changed files, numbered, until a committed journal moves them into place.

use super::plan::OutputError;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The staging directory, relative to the project root.
pub const STAGING: &str = ".jupyflux/staging";

/// Stages files from any thread; the directory is made with the first one.
pub struct Staging {
    dir: PathBuf,
    next: AtomicUsize,
    made: OnceLock<()>,
}

impl Staging {
    pub fn new(root: &Path) -> Self {
        Staging {
            dir: root.join(STAGING),
            next: AtomicUsize::new(0),
            made: OnceLock::new(),
        }
    }

    /// Write `bytes` (the new content of `path`) to a new staged file; its number.
    pub fn stage(&self, path: &str, bytes: &[u8]) -> Result<usize, OutputError> {
        if self.made.get().is_none() {
            std::fs::create_dir_all(&self.dir).map_err(|e| OutputError::write(STAGING, e))?;
            let _ = self.made.set(());
        }
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        std::fs::write(self.dir.join(number.to_string()), bytes)
            .map_err(|e| OutputError::write(format!("{STAGING}/{number} ({path})"), e))?;
        Ok(number)
    }
}
