//! The rules around Vault stores and authenticators, each shown on a small edit of the `vault-github` fixture,
//! plus the Flux wiring of the secrets layer.

mod harness;

use jupyflux::load::{Sources, load_sources};

fn fixture() -> Sources {
    harness::valid_fixture("vault-github")
}

/// The problems of the fixture with `from` replaced by `to` in every file (which must change something).
fn problems_after(from: &str, to: &str) -> String {
    harness::problems_with("vault-github", from, to)
}

fn rendered(path: &str) -> String {
    let model = load_sources(&fixture()).unwrap_or_else(|p| panic!("{p}"));
    let tree = jupyflux::render::render(&model);
    String::from_utf8(
        tree.get(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .to_vec(),
    )
    .unwrap()
}

#[test]
fn a_reference_without_store_needs_a_default() {
    let problems = problems_after("  secretStore: platform\n", "");
    assert!(problems.contains("overlays/base/hub.yaml:"), "{problems}");
    assert!(
        problems.contains("names no store and Environment `lab` has no default secretStore"),
        "{problems}"
    );
}

#[test]
fn the_default_store_must_exist() {
    let problems = problems_after("secretStore: platform", "secretStore: platfrom");
    assert!(
        problems.contains("overlays/lab/environment.yaml:7:16: error: Environment `lab`: secretStore `platfrom` is not a VaultStore"),
        "{problems}"
    );
    assert!(problems.contains("did you mean `platform`?"), "{problems}");
}

#[test]
fn exactly_one_authenticator() {
    let problems = problems_after("  auth:\n", "  auth:\n    dummy: {}\n");
    assert!(
        problems.contains("more than one authenticator chosen (dummy, github)"),
        "{problems}"
    );
}

#[test]
fn oauth_hubs_take_the_chart_secrets_from_vault() {
    let mut sources = fixture();
    for file in &mut sources.files {
        let start = file.text.find("  secrets:\n");
        if let (Some(start), Some(end)) = (start, file.text.find("  singleuser:\n")) {
            file.text.replace_range(start..end, "");
        }
    }
    let problems = load_sources(&sources).unwrap_err().to_string();
    assert!(
        problems.contains("logs users in with OAuth but its chart secrets are not references"),
        "{problems}"
    );
}

#[test]
fn env_names_are_checked() {
    let problems = problems_after("COURSE_DATA:", "COURSE-DATA:");
    assert!(
        problems.contains("`COURSE-DATA` is not an environment variable name"),
        "{problems}"
    );
}

#[test]
fn hubs_wait_for_the_secrets_of_their_namespace() {
    let hub = rendered("flux/lab/kustomization-hubs-course.yaml");
    assert!(
        hub.contains("dependsOn:\n  - name: jupyflux-secrets-course-hub\n"),
        "{hub}"
    );
    let secrets = rendered("flux/lab/kustomization-secrets-course-hub.yaml");
    assert!(
        secrets.contains("path: ./generated/lab/secrets/course-hub\n")
            && secrets.contains("wait: true\n"),
        "{secrets}"
    );
    assert!(!secrets.contains("dependsOn"), "{secrets}");
}

#[test]
fn text_with_variables_is_kept_from_flux_substitution() {
    let release = rendered("generated/lab/hubs/course/helmrelease.yaml");
    assert!(
        release.contains("  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n"),
        "{release}"
    );
    assert!(release.contains("COURSE_DATA: ${HOME}/data"), "{release}");
    let store = rendered("generated/lab/secrets/course-hub/secretstore-platform.yaml");
    assert!(!store.contains("substitute"), "{store}");
}

#[test]
fn the_namespace_moves_to_the_layer_applied_first() {
    let model = load_sources(&fixture()).unwrap();
    let tree = jupyflux::render::render(&model);
    assert!(
        tree.get("generated/lab/secrets/course-hub/namespace.yaml")
            .is_some()
    );
    assert!(
        tree.get("generated/lab/hubs/course/namespace.yaml")
            .is_none()
    );
}
