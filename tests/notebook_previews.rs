//! `render --expand-notebooks`: what the controller will create for each notebook, written beside its custom
//! resource for review, listed in no kustomization, and pruned again by a render without the flag.

mod harness;

use harness::{Scratch, repo, stderr};

const NOTEBOOK: &str = "overlays/base/notebook.yaml";
const PREVIEW: &str = "generated/dev/notebooks/notebooks/carol.preview";

fn expanded() -> Scratch {
    let scratch = Scratch::of(&repo().join("fixtures/valid/notebook-basic"));
    let out = scratch.jupyflux(&["render", "--expand-notebooks", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    scratch
}

fn preview_files(scratch: &Scratch) -> Vec<String> {
    scratch
        .snapshot_files()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.contains(".preview/"))
        .collect()
}

#[test]
fn every_child_is_written_beside_the_custom_resource() {
    let scratch = expanded();
    assert_eq!(
        preview_files(&scratch),
        [
            format!("{PREVIEW}/configmap-carol-start.yaml"),
            format!("{PREVIEW}/ingress-carol.yaml"),
            format!("{PREVIEW}/networkpolicy-carol.yaml"),
            format!("{PREVIEW}/service-carol.yaml"),
            format!("{PREVIEW}/statefulset-carol.yaml"),
        ]
    );
    let set = scratch.read(&format!("{PREVIEW}/statefulset-carol.yaml"));
    assert!(set.contains("\n# Preview only:"), "{set}");
    // Hibernated in the definition: the controller will scale it to zero.
    assert!(set.contains("\n  replicas: 0\n"), "{set}");
}

#[test]
fn previews_are_never_listed_for_flux() {
    let scratch = expanded();
    let listing = scratch.read("generated/dev/notebooks/notebooks/kustomization.yaml");
    assert!(!listing.contains("preview"), "{listing}");
    assert!(
        !scratch
            .path()
            .join(PREVIEW)
            .join("kustomization.yaml")
            .exists(),
        "a kustomization in the preview directory would make it buildable"
    );
    let out = scratch.jupyflux(&["validate", "--expand-notebooks"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn check_and_render_without_the_flag_treat_previews_as_extra() {
    let scratch = expanded();
    let check = scratch.jupyflux(&["render", "--check", "--expand-notebooks"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let stale = scratch.jupyflux(&["render", "--check"]);
    assert_eq!(stale.status.code(), Some(1), "{}", stderr(&stale));
    let out = scratch.jupyflux(&["render", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(preview_files(&scratch), Vec::<String>::new());
    assert!(!scratch.path().join(PREVIEW).exists());
}

#[test]
fn an_image_change_rewrites_only_the_resource_and_its_statefulset() {
    let scratch = expanded();
    let before = scratch.snapshot_files();
    let text = scratch.read(NOTEBOOK);
    scratch.write(
        NOTEBOOK,
        &text.replace("base-notebook:2025-01-13", "base-notebook:2025-02-01"),
    );
    let out = scratch.jupyflux(&["render", "--expand-notebooks", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = scratch.snapshot_files();
    let changed: Vec<&String> = after
        .iter()
        .zip(&before)
        .filter(|(a, b)| a != b)
        .map(|((path, _), _)| path)
        .collect();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        changed,
        [
            "generated/dev/notebooks/notebooks/carol.preview/statefulset-carol.yaml",
            "generated/dev/notebooks/notebooks/carol.yaml",
            NOTEBOOK,
        ]
    );
}
