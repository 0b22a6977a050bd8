//! Test harness: fixtures by name, rendering them in memory or with the real binary in a scratch copy.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/<group>/<case>` directories, sorted.
pub fn cases(group: &str) -> Vec<(String, PathBuf)> {
    let dir = repo().join("fixtures").join(group);
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no fixtures in {}", dir.display());
    cases
}

/// The definitions of `fixtures/valid/<name>`, read as the loader reads them.
pub fn valid_fixture(name: &str) -> jupyflux::load::Sources {
    jupyflux::load::read_sources(&repo().join("fixtures/valid").join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// `fixtures/valid/<name>` with `from` replaced by `to` in every file (which must change something).
pub fn valid_fixture_with(name: &str, from: &str, to: &str) -> jupyflux::load::Sources {
    let mut sources = valid_fixture(name);
    let mut changed = false;
    for file in &mut sources.files {
        changed |= file.text.contains(from);
        file.text = file.text.replace(from, to);
    }
    assert!(changed, "`{from}` is not in fixture {name}");
    sources
}

/// The problems of `fixtures/valid/<name>` edited by `from` → `to` (the edit must make it fail to load).
pub fn problems_with(name: &str, from: &str, to: &str) -> String {
    match jupyflux::load::load_sources(&valid_fixture_with(name, from, to)) {
        Ok(_) => panic!("`{to}` should not load"),
        Err(problems) => problems.to_string(),
    }
}

/// Render a project directory in memory through the library.
pub fn render(root: &Path) -> jupyflux::output::Tree {
    let model = jupyflux::load::load(root)
        .unwrap_or_else(|problems| panic!("{}:\n{problems}", root.display()));
    jupyflux::render::render(&model)
}

/// A scratch copy of a fixture (or any directory), removed when dropped.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn of(source: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(source, dir.path());
        Scratch { dir }
    }

    /// A scratch project holding a copy of `project`'s inputs only: `overlays/`, and `images/` (the build
    /// contexts `Image` definitions hash) when there is one.
    pub fn of_overlays(project: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_inputs(project, dir.path());
        Scratch { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run the real binary in the scratch directory.
    pub fn jupyflux(&self, args: &[&str]) -> Output {
        jupyflux(self.path(), args)
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative))
            .unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    /// Every file under the scratch directory (relative path → bytes), for "nothing changed" checks.
    pub fn snapshot_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(self.path()).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(self.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, std::fs::read(entry.path()).unwrap()));
            }
        }
        files
    }
}

/// Copy the inputs of `project` (`overlays/`, and `images/` when there is one) to `to`.
pub fn copy_inputs(project: &Path, to: &Path) {
    copy_dir(&project.join("overlays"), &to.join("overlays"));
    if project.join("images").is_dir() {
        copy_dir(&project.join("images"), &to.join("images"));
    }
}

/// Copy a project, leaving out build output and Git's store (a copy of the repository must not copy `target/`,
/// many gigabytes, per test).
pub fn copy_dir(from: &Path, to: &Path) {
    let walk = walkdir::WalkDir::new(from).sort_by_file_name();
    let skip = |e: &walkdir::DirEntry| {
        e.depth() == 1 && matches!(e.file_name().to_str(), Some("target" | ".git"))
    };
    for entry in walk.into_iter().filter_entry(|e| !skip(e)) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Run the real binary in `root`, without colour.
pub fn jupyflux(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `../shared/reference/z2jh` beside the repository (the Zero to JupyterHub 4.4.0 chart's `values.yaml` and
/// `values.schema.json`; never copied into the repository). When it is missing: a failure if `CI` is set,
/// otherwise `None` (the test skips) and one printed line per test binary.
pub fn z2jh_reference() -> Option<PathBuf> {
    let dir = repo().join("../shared/reference/z2jh");
    if dir.join("values.schema.json").is_file() {
        return Some(dir);
    }
    let why = format!(
        "Zero to JupyterHub reference not found at {}",
        dir.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why} (CI is set, so this is a failure, not a skip)");
    }
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "skipped: {why}");
    });
    None
}

/// `render`'s errors for a scratch copy of the shipped example's inputs with `from` replaced by `to` in `file`
/// (which must change); asserts it exits 1 and writes nothing.
pub fn errors_after(file: &str, from: &str, to: &str) -> String {
    let scratch = Scratch::of_overlays(&repo());
    let text = scratch.read(file);
    assert!(text.contains(from), "`{from}` is not in {file}");
    scratch.write(file, &text.replacen(from, to, 1));
    let before = scratch.snapshot_files();
    let out = scratch.jupyflux(&["render"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(scratch.snapshot_files(), before, "nothing written");
    stderr(&out)
}
