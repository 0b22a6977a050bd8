//! `jupyflux explain` as a user meets it: what a user gets from a hub's profiles, and usage errors.

mod harness;

use harness::{Scratch, repo, stderr, stdout};

fn gpu_hub() -> Scratch {
    Scratch::of(&repo().join("fixtures/valid/hub-gpu-profiles"))
}

/// `jupyflux explain` of hub `ml` in `lab` for `ada` starting `image`.
fn explain_ada(scratch: &Scratch, image: &str) -> std::process::Output {
    scratch.jupyflux(&[
        "explain", "--env", "lab", "--hub", "ml", "--user", "ada", "--image", image,
    ])
}

#[test]
fn explains_the_profiles_a_user_gets_and_writes_nothing() {
    let scratch = gpu_hub();
    let before = scratch.snapshot_files();
    let out = explain_ada(
        &scratch,
        "quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let row = |slug: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(slug))
            .unwrap_or_else(|| panic!("no row {slug}:\n{text}"))
            .to_owned()
    };
    assert!(row("cpu").ends_with("yes, #1 (default)"), "{text}");
    assert!(row("gpu").ends_with("yes, #3"), "{text}");
    assert!(row("gpu-x4").ends_with("yes, #4"), "{text}");
    let gpus = text
        .lines()
        .find(|l| l.starts_with("nvidia.com/gpu"))
        .unwrap();
    assert_eq!(
        gpus.split_whitespace().collect::<Vec<_>>(),
        ["nvidia.com/gpu", "4", "profile", "gpu-x4"]
    );
    assert_eq!(scratch.snapshot_files(), before, "explain writes nothing");

    let bob = scratch.jupyflux(&["explain", "--env", "lab", "--hub", "ml", "--user", "bob"]);
    assert!(
        stdout(&bob).contains("no: not for this user or groups"),
        "{}",
        stdout(&bob)
    );
}

#[test]
fn unknown_names_are_usage_errors() {
    let scratch = gpu_hub();
    let out = scratch.jupyflux(&["explain", "--env", "lab", "--hub", "nope", "--user", "ada"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no hub `nope` in `lab` (hubs: ml)"),
        "{}",
        stderr(&out)
    );
    let out = explain_ada(&scratch, "untagged");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has no tag"), "{}", stderr(&out));
    // A moving tag is a question like any other (a hub allowing moving tags may name one).
    let out = explain_ada(&scratch, "quay.io/jupyter/base-notebook:latest");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
