//! Project-relative paths as jupyflux names them everywhere: relative to the root, `/`-separated on every platform.

use std::path::{Path, PathBuf};

/// The project root for `given` (`--root`, default `.`), found as git and cargo find theirs: `given` when it holds
/// `overlays/`, else the nearest ancestor that does, not looking past a repository's top (a directory with `.git`).
/// With none, `given` itself (the commands then say what is missing).
pub fn project_root(given: &Path) -> PathBuf {
    if given.join(crate::load::discover::OVERLAYS).is_dir() {
        return given.to_path_buf();
    }
    let Ok(absolute) = std::path::absolute(given) else {
        return given.to_path_buf();
    };
    for dir in absolute.ancestors() {
        if dir.join(crate::load::discover::OVERLAYS).is_dir() {
            return dir.to_path_buf();
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    given.to_path_buf()
}

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
    use super::project_root;

    #[test]
    fn the_root_is_found_from_a_subdirectory_but_not_past_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("repo");
        std::fs::create_dir_all(project.join(".git")).unwrap();
        std::fs::create_dir_all(project.join("overlays/base")).unwrap();
        std::fs::create_dir_all(project.join("docs/deep")).unwrap();
        assert_eq!(project_root(&project), project);
        assert_eq!(project_root(&project.join("docs/deep")), project);
        assert_eq!(project_root(&project.join("overlays/base")), project);
        // A nested repository without overlays stops the search at its own top.
        let nested = project.join("vendor/other");
        std::fs::create_dir_all(nested.join(".git")).unwrap();
        assert_eq!(project_root(&nested), nested);
    }

    #[test]
    fn joins_with_slashes() {
        let root = std::path::Path::new("/repo");
        assert_eq!(
            super::relative(root, &root.join("overlays").join("base").join("a.yaml")),
            "overlays/base/a.yaml"
        );
    }
}
