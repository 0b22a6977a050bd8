//! Project-relative paths as jupyflux names them everywhere: relative to the root, `/`-separated on every platform.

use std::path::Path;

/// `path` relative to `root`, joined with `/` (so output and messages are the same on every platform).
pub fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins_with_slashes() {
        let root = std::path::Path::new("/repo");
        assert_eq!(
            super::relative(root, &root.join("overlays").join("base").join("a.yaml")),
            "overlays/base/a.yaml"
        );
    }
}
