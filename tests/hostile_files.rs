//! A repository is untrusted input: links, special files, huge files, bytes that are not UTF-8 and a planted
//! journal are refused with the path named, never followed, never printed, and nothing is written.
#![cfg(unix)]

mod harness;

use harness::{Scratch, repo};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A secret-looking line outside the project that no output may ever show.
const CANARY: &str = "CANARY_9f2c1d_OUTSIDE_THE_REPOSITORY";

/// The shipped example, rendered, in a scratch directory, plus a file outside it holding the canary.
fn rendered_example() -> (Scratch, tempfile::TempDir) {
    let project = Scratch::of_overlays(&repo());
    let out = project.jupyflux(&["render", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        format!("token: {CANARY}\n"),
    )
    .unwrap();
    (project, outside)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every command that reads the tree refuses it, names `path`, exits 1 and never prints the canary.
fn refused_everywhere(project: &Scratch, path: &str, commands: &[&[&str]]) {
    for args in commands {
        let before = project.snapshot_files();
        let out = project.jupyflux(args);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}:\n{shown}");
        assert!(
            shown.contains(path),
            "{args:?} should name {path}:\n{shown}"
        );
        assert!(
            !shown.contains(CANARY),
            "{args:?} printed what the link points at:\n{shown}"
        );
        assert_eq!(before, project.snapshot_files(), "{args:?} changed files");
    }
}

#[test]
fn a_generated_file_linked_outside_is_never_read_or_printed() {
    let (project, outside) = rendered_example();
    let path = "generated/production/hubs/research/helmrelease.yaml";
    std::fs::remove_file(project.path().join(path)).unwrap();
    symlink(
        outside.path().join("secret.yaml"),
        project.path().join(path),
    )
    .unwrap();
    refused_everywhere(&project, path, &[&["render", "--check"], &["render"]]);
    // The link is still a link to the untouched outside file.
    assert!(
        std::fs::symlink_metadata(project.path().join(path))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let environ = "generated/staging/kustomization.yaml";
    std::fs::remove_file(project.path().join(environ)).unwrap();
    symlink("/proc/self/environ", project.path().join(environ)).unwrap();
    let out = project.jupyflux(&["render", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out).contains("PATH="), "{}", text(&out));
}

#[test]
fn a_linked_output_directory_is_never_written_through() {
    let (project, outside) = rendered_example();
    let dir = project.path().join("generated/staging/hubs");
    std::fs::remove_dir_all(&dir).unwrap();
    symlink(outside.path(), &dir).unwrap();
    refused_everywhere(
        &project,
        "generated/staging/hubs",
        &[&["render"], &["render", "--check"]],
    );
    let outside_files: Vec<_> = std::fs::read_dir(outside.path()).unwrap().collect();
    assert_eq!(outside_files.len(), 1, "render wrote outside the project");

    // The output roots themselves, and flux/.
    let (project, outside) = rendered_example();
    std::fs::remove_dir_all(project.path().join("flux")).unwrap();
    symlink(outside.path(), project.path().join("flux")).unwrap();
    refused_everywhere(
        &project,
        "flux",
        &[&["render"], &["render", "--env", "staging"]],
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

#[test]
fn definitions_must_be_regular_files_inside_overlays() {
    let (project, outside) = rendered_example();
    let link = "overlays/base/linked.yaml";
    symlink(
        outside.path().join("secret.yaml"),
        project.path().join(link),
    )
    .unwrap();
    let dir_link = "overlays/staging/more";
    symlink(outside.path(), project.path().join(dir_link)).unwrap();
    let commands: &[&[&str]] = &[
        &["render"],
        &["render", "--check"],
        &["validate"],
        &[
            "explain", "--env", "staging", "--hub", "research", "--user", "alice",
        ],
    ];
    refused_everywhere(&project, link, commands);
    refused_everywhere(&project, dir_link, &[&["render"]]);
}

#[test]
fn a_fifo_or_a_huge_file_is_refused_without_hanging() {
    let (project, _outside) = rendered_example();
    let fifo = project.path().join("overlays/base/fifo.yaml");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let big = project.path().join("overlays/staging/huge.yaml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(jupyflux::files::MAX_FILE_BYTES + 1).unwrap();
    let out = within(Duration::from_secs(60), project.path(), &["render"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("overlays/base/fifo.yaml: error: a FIFO, not a regular file"),
        "{shown}"
    );
    assert!(
        shown.contains("overlays/staging/huge.yaml: error: 4194305 bytes, over the"),
        "{shown}"
    );
}

#[test]
fn text_that_is_not_utf8_is_located_to_the_byte() {
    let (project, _outside) = rendered_example();
    std::fs::write(
        project.path().join("overlays/base/latin1.yaml"),
        b"apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    let out = project.jupyflux(&["render"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("overlays/base/latin1.yaml:4:12: error: not valid UTF-8"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_planted_journal_never_touches_anything_outside_the_output() {
    let (project, _outside) = rendered_example();
    let before = project.read("overlays/base/hub-research.yaml");
    project.write(
        ".jupyflux/journal",
        "jupyflux render journal v1\nremove overlays/base/hub-research.yaml\nend\n",
    );
    let out = project.jupyflux(&["render"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("not a path jupyflux writes"),
        "{}",
        text(&out)
    );
    assert_eq!(project.read("overlays/base/hub-research.yaml"), before);
}

#[test]
fn leftovers_of_killed_renders_are_removed_by_the_next_render() {
    let (project, _outside) = rendered_example();
    // An older version's staging directory, and a render of this one killed while staging.
    project.write(
        ".jupyflux-staging-4242/0",
        "# Generated by jupyflux\nstale: true\n",
    );
    project.write(
        ".jupyflux/staging/0",
        "# Generated by jupyflux\nstale: true\n",
    );
    let before = project.snapshot_files();
    let out = project.jupyflux(&["render", "--check"]);
    assert!(
        out.status.success(),
        "staged files without a journal are not an interrupted render"
    );
    assert_eq!(before, project.snapshot_files(), "--check writes nothing");
    let out = project.jupyflux(&["render"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("removed the staged files of an interrupted render"));
    assert!(!project.path().join(".jupyflux-staging-4242").exists());
    assert!(!project.path().join(".jupyflux/staging").exists());
}

#[test]
fn a_symlink_committed_under_overlays_is_refused_by_diff() {
    let (project, outside) = rendered_example();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(project.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q", "-b", "main"]);
    symlink(
        outside.path().join("secret.yaml"),
        project.path().join("overlays/base/x.yaml"),
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "a link"]);
    std::fs::remove_file(project.path().join("overlays/base/x.yaml")).unwrap();
    let out = project.jupyflux(&["diff", "--base", "HEAD"]);
    let shown = text(&out);
    assert_ne!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("overlays/base/x.yaml at HEAD is a symbolic link"),
        "{shown}"
    );
    assert!(
        !shown.contains(CANARY) && !shown.contains(outside.path().to_str().unwrap()),
        "{shown}"
    );
}

/// Run the binary, killing it (and failing) if it has not finished within `limit`: a hang detector.
fn within(limit: Duration, dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("jupyflux {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
