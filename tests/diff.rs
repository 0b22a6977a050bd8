//! `jupyflux diff` in a scratch Git repository: exactly the objects and fields a definition change touches.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use std::path::Path;
use std::process::Command;

const HUB: &str = "overlays/base/hub.yaml";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.email=test@example.org", "-c", "user.name=test"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// The minimal fixture, committed on `main`.
fn committed() -> Scratch {
    committed_fixture("minimal")
}

/// A valid fixture, committed on `main`.
fn committed_fixture(name: &str) -> Scratch {
    let scratch = Scratch::of(&repo().join("fixtures/valid").join(name));
    git(scratch.path(), &["init", "-q"]);
    git(scratch.path(), &["add", "-A"]);
    git(scratch.path(), &["commit", "-q", "-m", "definitions"]);
    scratch
}

fn edit(scratch: &Scratch, path: &str, from: &str, to: &str) {
    let text = scratch.read(path);
    assert!(text.contains(from), "{path} lacks {from}");
    scratch.write(path, &text.replace(from, to));
}

#[test]
fn a_one_line_change_shows_exactly_the_affected_object_and_field() {
    let scratch = committed();
    edit(
        &scratch,
        HUB,
        "base-notebook:2025-03-17",
        "base-notebook:2025-04-01",
    );
    let out = scratch.jupyflux(&["diff", "--base", "HEAD", "--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("| dev | 0 | 0 | 1 |"), "{report}");
    assert_eq!(report.matches("<details>").count(), 1, "{report}");
    assert!(
        report.contains(
            "<code>HelmRelease trial/trial (helm.toolkit.fluxcd.io/v2)</code>: 1 field(s) changed"
        ),
        "{report}"
    );
    assert!(
        report.contains("| `spec.values.singleuser.image.tag` | `2025-03-17` | `2025-04-01` |"),
        "{report}"
    );
    let summary = report.find("| environment |").unwrap();
    assert!(
        summary < report.find("<details>").unwrap(),
        "counts come first"
    );
}

#[test]
fn text_report_exit_code_and_environment_filter() {
    let scratch = committed();
    let same = scratch.jupyflux(&["diff", "--base", "HEAD", "--exit-code"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(stdout(&same).contains("no changes to the rendered objects"));

    edit(
        &scratch,
        HUB,
        "dummy: {}",
        "dummy: {}\n    adminUsers: [ada]",
    );
    let out = scratch.jupyflux(&["diff", "--base", "HEAD", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("dev: 0 added, 0 removed, 1 changed"),
        "{report}"
    );
    assert!(report.contains("~ HelmRelease trial/trial"), "{report}");
    assert!(!report.contains('\x1b'), "no colour when piped: {report:?}");

    let unknown = scratch.jupyflux(&["diff", "--base", "HEAD", "--env", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no environment `nowhere`"));
}

#[test]
fn a_new_environment_is_all_added() {
    let scratch = committed();
    let env = scratch.read("overlays/dev/environment.yaml");
    let env = env.replace("name: dev", "name: prod");
    scratch.write("overlays/prod/environment.yaml", &env);
    let out = scratch.jupyflux(&["diff", "--base", "HEAD", "--env", "prod"]);
    let report = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(report.contains(" added, 0 removed, 0 changed"), "{report}");
    assert!(!report.contains("dev:"), "{report}");
    assert!(report.contains("+ HelmRelease trial/trial"), "{report}");
}

#[test]
fn default_base_is_the_merge_base_with_main() {
    let scratch = committed();
    git(scratch.path(), &["checkout", "-q", "-b", "feature"]);
    edit(
        &scratch,
        HUB,
        "base-notebook:2025-03-17",
        "base-notebook:2025-04-01",
    );
    git(scratch.path(), &["commit", "-q", "-am", "newer image"]);
    let out = scratch.jupyflux(&["diff"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("spec.values.singleuser.image.tag: 2025-03-17 → 2025-04-01"),
        "{}",
        stdout(&out)
    );
    // It says which base it chose, and why.
    assert!(
        stdout(&out).contains(
            "the merge base of HEAD and main, the default branch; --base REV to choose another"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_profile_inserted_into_the_menu_is_one_insertion() {
    let scratch = committed_fixture("hub-gpu-profiles");
    let hub = scratch
        .path()
        .join("overlays/base")
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("slug: cpu-highmem")
        })
        .unwrap();
    let relative = format!(
        "overlays/base/{}",
        hub.file_name().unwrap().to_string_lossy()
    );
    edit(
        &scratch,
        &relative,
        "    - name: CPU, high memory\n",
        "    - name: Teaching\n      slug: teaching\n      description: For the course.\n    - name: CPU, high memory\n",
    );
    let out = scratch.jupyflux(&["diff", "--base", "HEAD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let profile_lines: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("profileList"))
        .collect();
    assert_eq!(
        profile_lines.len(),
        1,
        "one inserted entry, not every later entry changed:\n{report}"
    );
    assert!(profile_lines[0].contains("profileList[1]"), "{report}");
    assert!(profile_lines[0].contains("(absent) →"), "{report}");
}

#[test]
fn added_objects_are_shown_in_markdown_and_stale_output_is_warned_about() {
    let scratch = committed();
    // The committed output is rendered, then the definitions change without rendering again.
    assert!(scratch.jupyflux(&["render", "-q"]).status.success());
    git(scratch.path(), &["add", "-A"]);
    git(scratch.path(), &["commit", "-q", "-m", "rendered"]);
    let env = scratch.read("overlays/dev/environment.yaml");
    scratch.write(
        "overlays/prod/environment.yaml",
        &env.replace("name: dev", "name: prod"),
    );
    let out = scratch.jupyflux(&["diff", "--base", "HEAD", "--format", "markdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let added = report
        .split("<details>")
        .find(|s| s.contains("HelmRelease trial/trial"))
        .expect("the added HelmRelease");
    assert!(added.contains("```yaml\n"), "{added}");
    assert!(added.contains("kind: HelmRelease"), "{added}");
    assert!(
        stderr(&out).contains("under generated/ and flux/ are stale against overlays/"),
        "{}",
        stderr(&out)
    );
    // Rendered again: no warning.
    assert!(scratch.jupyflux(&["render", "-q"]).status.success());
    let out = scratch.jupyflux(&["diff", "--base", "HEAD"]);
    assert!(!stderr(&out).contains("stale"), "{}", stderr(&out));
}

#[test]
fn definitions_that_do_not_load_at_the_base_are_reported() {
    let scratch = committed();
    edit(&scratch, HUB, "dummy: {}", "dummy: {}\n    nonsense: 1");
    git(scratch.path(), &["commit", "-q", "-am", "broken"]);
    edit(&scratch, HUB, "\n    nonsense: 1", "");
    let out = scratch.jupyflux(&["diff", "--base", "HEAD"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("the definitions at"), "{err}");
    assert!(err.contains("do not load"), "{err}");
    assert!(err.contains("overlays/base/hub.yaml:"), "{err}");
}

#[test]
fn an_unknown_revision_is_a_usage_error() {
    let scratch = committed();
    let out = scratch.jupyflux(&["diff", "--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}

#[test]
fn expanded_notebooks_show_the_child_the_controller_will_change() {
    let scratch = committed_fixture("notebook-basic");
    edit(
        &scratch,
        "overlays/base/notebook.yaml",
        "base-notebook:2025-01-13",
        "base-notebook:2025-02-01",
    );
    let plain = stdout(&scratch.jupyflux(&["diff", "--base", "HEAD"]));
    assert!(plain.contains("Notebook notebooks/carol"), "{plain}");
    assert!(!plain.contains("StatefulSet"), "{plain}");
    let out = scratch.jupyflux(&[
        "diff",
        "--base",
        "HEAD",
        "--expand-notebooks",
        "--format",
        "markdown",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("| dev | 0 | 0 | 2 |"), "{report}");
    assert!(
        report.contains("<code>StatefulSet notebooks/carol (apps/v1)</code>: 1 field(s) changed"),
        "{report}"
    );
}
