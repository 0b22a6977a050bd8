//! Rendering hubs end to end from in-memory definitions: profile filters, substitution guards, escape hatches.

use crate::load::{Sources, load_sources};
use crate::output::Tree;

const ENVIRONMENT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org}\n";

fn render(spec: &str) -> Tree {
    let hub = format!(
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: lab}}\nspec:\n  chart: {{version: \"4.3.2\"}}\n  auth: {{dummy: {{}}}}\n  singleuser:\n    image: quay.io/jupyter/base-notebook:2025-03-17\n    cpu: {{guarantee: 500m, limit: \"1\"}}\n{spec}"
    );
    let sources = Sources::from_files(&[
        ("overlays/base/hub.yaml", &hub),
        ("overlays/dev/environment.yaml", ENVIRONMENT),
    ]);
    super::render(&load_sources(&sources).unwrap_or_else(|e| panic!("{e}")))
}

fn file(tree: &Tree, path: &str) -> String {
    String::from_utf8(
        tree.get(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .to_vec(),
    )
    .unwrap()
}

const RELEASE: &str = "generated/dev/hubs/lab/helmrelease.yaml";

#[test]
fn the_profile_filter_quotes_names_safely_and_is_kept_from_flux_substitution() {
    let tree = render(
        "  profiles:\n    - {name: Open, slug: open}\n    - {name: Team, slug: team, users: ['${USER}'], groups: ['a\"b\\c']}\n",
    );
    let release = file(&tree, RELEASE);
    assert!(
        release.contains("kustomize.toolkit.fluxcd.io/substitute: disabled"),
        "{release}"
    );
    // Names reach the Python only inside one JSON string literal.
    assert!(
        release.contains(r#"_jupyflux_audience = json.loads("{\"team\":{\"users\":[\"${USER}\"],\"groups\":[\"a\\\"b\\\\c\"]}}")"#),
        "{release}"
    );
    assert!(release.contains("c.KubeSpawner.profile_list = _jupyflux_profile_list"));
}

#[test]
fn profiles_for_everyone_need_no_filter() {
    let release = file(
        &render("  profiles:\n    - {name: Open, slug: open}\n"),
        RELEASE,
    );
    assert!(release.contains("profileList:"), "{release}");
    assert!(!release.contains("extraConfig"), "{release}");
    assert!(!release.contains("substitute"), "{release}");
}

#[test]
fn raw_values_are_merged_last_maps_merge_and_lists_replace() {
    let release = file(
        &render(
            "  values:\n    singleuser:\n      cpu: {limit: 3}\n      extraLabels: {team: a}\n    ingress: {hosts: [lab.example.org]}\n",
        ),
        RELEASE,
    );
    assert!(
        release.contains("      cpu:\n        guarantee: 0.5\n        limit: 3\n"),
        "{release}"
    );
    assert!(
        release.contains("      hosts:\n      - lab.example.org\n"),
        "{release}"
    );
    assert!(!release.contains("lab.dev.example.org"), "{release}");
    assert!(
        release.contains("extraLabels:\n        team: a"),
        "{release}"
    );
}

#[test]
fn patches_go_to_the_hub_kustomization() {
    let tree = render(
        "  patches:\n    - target: {kind: HelmRelease, name: lab}\n      patch: |\n        - {op: add, path: /spec/suspend, value: true}\n",
    );
    let kustomization = file(&tree, "generated/dev/hubs/lab/kustomization.yaml");
    assert!(
        kustomization.ends_with("patches:\n- target:\n    kind: HelmRelease\n    name: lab\n  patch: |\n    - {op: add, path: /spec/suspend, value: true}\n"),
        "{kustomization}"
    );
}

#[test]
fn an_http_route_replaces_the_ingress() {
    let release = file(
        &render("  expose:\n    httpRoute:\n      gateway: {name: public, namespace: gateways}\n"),
        RELEASE,
    );
    assert!(
        release.contains("    ingress:\n      enabled: false\n"),
        "{release}"
    );
    assert!(release.contains("    httpRoute:\n      enabled: true\n      hostnames:\n      - lab.dev.example.org\n      gateway:\n        name: public\n        namespace: gateways\n"), "{release}");
}
