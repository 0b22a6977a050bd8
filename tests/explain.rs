//! `jupyflux explain` as a user meets it: the entries a user sees on a hub and what each starts, and usage errors.

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
fn explains_the_entries_a_user_sees_and_writes_nothing() {
    let scratch = gpu_hub();
    let before = scratch.snapshot_files();
    let out = explain_ada(
        &scratch,
        "quay.io/jupyter/tensorflow-notebook:cuda-2025-03-17",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let row = |slug: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(slug))
            .unwrap_or_else(|| panic!("no row {slug}:\n{text}"))
            .to_owned()
    };
    assert!(row("cpu").ends_with("yes, preselected"), "{text}");
    assert!(row("gpu-x4").ends_with("yes"), "{text}");
    // Only the four-GPU entry offers TensorFlow: it is shown with that image chosen, the others cannot start it.
    let x4 = &text[text.find("Entry `gpu-x4`").expect("gpu-x4 entry")..];
    assert!(
        x4.lines().next().unwrap().contains("choices: image="),
        "{x4}"
    );
    let gpus = x4
        .lines()
        .find(|l| l.starts_with("nvidia.com/gpu"))
        .unwrap();
    assert_eq!(
        gpus.split_whitespace().collect::<Vec<_>>(),
        ["nvidia.com/gpu", "4", "profile", "gpu-x4"]
    );
    assert_eq!(
        text.matches("(this entry cannot start the image asked for)")
            .count(),
        3,
        "{text}"
    );
    assert_eq!(scratch.snapshot_files(), before, "explain writes nothing");

    let bob = scratch.jupyflux(&["explain", "--env", "lab", "--hub", "ml", "--user", "bob"]);
    assert!(
        stdout(&bob).contains("no: not for this user or groups"),
        "{}",
        stdout(&bob)
    );
    assert!(!stdout(&bob).contains("Entry `gpu-x4`"), "{}", stdout(&bob));
}

#[test]
fn json_lists_each_entry_with_its_choices() {
    let scratch = gpu_hub();
    let out = scratch.jupyflux(&[
        "explain", "--env", "lab", "--hub", "ml", "--user", "bob", "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let slugs: Vec<&str> = value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["cpu", "cpu-highmem", "gpu"]);
    assert_eq!(value["hidden"], serde_json::json!(["gpu-x4"]));
    let cpu = &value["entries"][0];
    assert_eq!(cpu["choices"]["size"], "small");
    assert_eq!(cpu["variants"][0]["choices"]["size"], "large");
    assert_eq!(cpu["variants"][0]["resources"]["limits"]["memory"], "32Gi");
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
