//! Where things are (repository root, reference data) and what to do when something is missing:
//! fail under CI, otherwise print one line and skip.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The repository root (the crate's manifest directory).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/reference`, relative to the repository root. Never copied into the repository.
pub fn reference_dir() -> PathBuf {
    repo_root().join("../shared/reference")
}

/// Applies the missing-reference rule: `true` when the reference data is there; otherwise
/// fails the test if `CI` is set, or prints one skip line and returns `false`.
pub fn reference_available() -> bool {
    let dir = reference_dir();
    if dir.is_dir() {
        return true;
    }
    unavailable(&format!("reference schemas not found at {}", dir.display()));
    false
}

/// Something the test needs is missing: a failure under CI, one skip line otherwise.
pub fn unavailable(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why} (CI is set, so this is a failure, not a skip)");
    }
    say(&format!("conformance: skipped: {why}"));
}

/// Writes one line to stderr, bypassing the test harness's output capture, so that skip reasons
/// and summaries show up in CI logs even when the test passes.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A path for messages: relative to the repository root when it is inside it.
pub fn display_path(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}
