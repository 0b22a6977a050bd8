//! The benchmark fleet generator (`examples/fleet`) writes valid, deterministic definitions.

#[path = "../examples/fleet/generate.rs"]
mod generate;

use jupyflux::load::{Sources, load_sources};
use jupyflux::output::Tree;
use jupyflux::output::tree::is_preview;
use jupyflux::output::verify::verify;
use jupyflux::render::layout::MAX_OBJECTS;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A line for the test log (`cargo test -- --nocapture` shows it).
fn say(line: &str) {
    eprintln!("{line}");
}

#[test]
fn a_small_fleet_renders_cleanly_and_is_deterministic() {
    let files = generate::fleet(3, 20, 8);
    assert_eq!(
        files,
        generate::fleet(3, 20, 8),
        "same arguments, same bytes"
    );
    let model = load_sources(&generate::sources(3, 20, 8)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.environments.len(), 2);
    assert!(
        model
            .environments
            .iter()
            .all(|e| e.hubs.len() == 3 && e.notebooks.len() == 20)
    );
    let tree = jupyflux::render::render(&model);
    assert_eq!(verify(&tree), Vec::<String>::new());
    // Notebooks share namespaces: the namespace's secret objects are rendered once, each notebook's Secret apart.
    let listing = |path: &str| String::from_utf8_lossy(tree.get(path).unwrap()).into_owned();
    let kustomization = listing("generated/staging/secrets/projects-000/kustomization.yaml");
    assert!(kustomization.contains(
        "- namespace.yaml\n- secretstore-vault.yaml\n- serviceaccount-vault-auth.yaml\n"
    ));
    assert_eq!(kustomization.matches("externalsecret-").count(), 8);
}

/// The Flux Kustomizations of a rendered tree: `(file, <env>/<name>, spec.path without ./, dependsOn as
/// <env>/<name>)`: each environment is a cluster of its own.
fn flux_syncs(tree: &Tree) -> Vec<(String, String, String, Vec<String>)> {
    tree.iter()
        .filter(|(path, _)| path.starts_with("flux/") && path.contains("/kustomization-"))
        .map(|(path, bytes)| {
            let value: Value = serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap())
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap();
            let env = path.split('/').nth(1).unwrap();
            let depends = value["spec"]["dependsOn"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| format!("{env}/{}", d["name"].as_str().unwrap()))
                .collect();
            let sync_path = text("/spec/path").trim_start_matches("./").to_owned();
            (
                path.to_owned(),
                format!("{env}/{}", text("/metadata/name")),
                sync_path,
                depends,
            )
        })
        .collect()
}

/// The objects each Flux Kustomization builds, by name, checking that every object of `generated/` is built by
/// exactly one of them and that their paths and dependencies exist.
fn objects_per_sync(tree: &Tree) -> BTreeMap<String, usize> {
    let syncs = flux_syncs(tree);
    let by_path: HashMap<&str, &str> = syncs
        .iter()
        .map(|(_, name, path, _)| (path.as_str(), name.as_str()))
        .collect();
    let names: HashSet<&str> = syncs.iter().map(|(_, name, _, _)| name.as_str()).collect();
    assert_eq!(names.len(), syncs.len(), "Kustomization names are unique");
    for (file, _, path, depends) in &syncs {
        assert!(
            tree.get(&format!("{path}/kustomization.yaml")).is_some(),
            "{file}: spec.path {path} has no kustomization.yaml"
        );
        for dependency in depends {
            assert!(
                names.contains(dependency.as_str()),
                "{file}: dependsOn {dependency}, which is not rendered"
            );
        }
    }
    let mut counts: BTreeMap<String, usize> = syncs
        .iter()
        .map(|(_, name, _, _)| (name.clone(), 0))
        .collect();
    for path in tree.paths().filter(|p| p.starts_with("generated/")) {
        if path.ends_with("/kustomization.yaml") || is_preview(path) {
            continue;
        }
        let mut owners = Vec::new();
        let mut dir = path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if let Some(name) = by_path.get(parent) {
                owners.push(*name);
            }
            dir = parent;
        }
        let [owner] = owners.as_slice() else {
            panic!("{path} is built by {owners:?}: exactly one Flux Kustomization must build it");
        };
        *counts.get_mut(*owner).unwrap() += 1;
    }
    counts
}

/// The largest object count of any Flux Kustomization, with its name.
fn largest(counts: &BTreeMap<String, usize>) -> (usize, &str) {
    counts
        .iter()
        .map(|(name, n)| (*n, name.as_str()))
        .max()
        .expect("some Kustomization")
}

#[test]
fn no_flux_kustomization_of_a_10000_notebook_fleet_builds_more_than_500_objects() {
    // Namespaces of 3,000, 3,000, 3,000 and 1,000 notebooks: each too large for one Flux Kustomization.
    let model =
        load_sources(&generate::sources(50, 10_000, 3_000)).unwrap_or_else(|e| panic!("{e}"));
    let tree = jupyflux::render::render(&model);
    drop(model);
    let counts = objects_per_sync(&tree);
    let (most, name) = largest(&counts);
    say(&format!(
        "fleet 50 hubs + 10,000 notebooks: {} Flux Kustomizations, at most {most} objects ({name})",
        counts.len()
    ));
    assert!(most <= MAX_OBJECTS, "{name} builds {most} objects");
    let total: usize = counts.values().sum();
    assert!(
        total > 2 * 20_000,
        "every notebook's objects are counted: {total}"
    );
    // The large namespaces are split into buckets; every notebook bucket waits for the CRD, its namespace's
    // shared objects and the secrets of the same bucket.
    let syncs = flux_syncs(&tree);
    let (_, _, _, depends) = syncs
        .iter()
        .find(|(_, name, _, _)| name == "production/jupyflux-notebooks-projects-000.00")
        .expect("a split namespace's first notebooks bucket");
    assert_eq!(
        depends,
        &[
            "production/jupyflux-crds",
            "production/jupyflux-secrets-projects-000",
            "production/jupyflux-notebooks-projects-000",
            "production/jupyflux-secrets-projects-000.00"
        ]
    );
    assert!(
        tree.get("generated/production/secrets/projects-000/shared/namespace.yaml")
            .is_some()
    );
}

#[test]
fn each_namespace_of_a_small_fleet_is_one_flux_kustomization_per_layer() {
    let model = load_sources(&generate::sources(2, 30, 10)).unwrap_or_else(|e| panic!("{e}"));
    let tree = jupyflux::render::render(&model);
    let counts = objects_per_sync(&tree);
    let names: Vec<&str> = counts
        .keys()
        .filter(|n| n.starts_with("staging/") && n.contains("projects-001"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "staging/jupyflux-notebooks-projects-001",
            "staging/jupyflux-secrets-projects-001"
        ]
    );
    // 10 notebooks + the controller's Role and RoleBinding and the Data Manager's (a notebookNamespaces entry).
    assert_eq!(counts["staging/jupyflux-notebooks-projects-001"], 14);
    // 10 ExternalSecrets + Namespace, SecretStore, ServiceAccount.
    assert_eq!(counts["staging/jupyflux-secrets-projects-001"], 13);
    assert_eq!(
        counts["staging/jupyflux-hubs-hub-000"], 2,
        "HelmRepository, HelmRelease"
    );
}

#[test]
fn adding_a_notebook_to_a_split_namespace_changes_only_its_bucket() {
    let before = generate::fleet(1, 1_000, 1_000);
    let mut after = before.clone();
    let added = "base/notebook-added.yaml".to_owned();
    let text = before
        .iter()
        .find(|(path, _)| path == "base/notebook-00000.yaml")
        .map(|(_, text)| text.replace("-00000", "-added"))
        .unwrap();
    after.push((added, text));
    let render = |files: &[(String, String)]| {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(path, text)| (format!("overlays/{path}"), text.clone()))
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let model = load_sources(&Sources::from_files(&refs)).unwrap_or_else(|e| panic!("{e}"));
        jupyflux::render::render(&model)
    };
    let (old, new) = (render(&before), render(&after));
    let removed: Vec<&str> = old.paths().filter(|p| new.get(p).is_none()).collect();
    assert_eq!(removed, Vec::<&str>::new(), "no object moves");
    let changed: Vec<&str> = new
        .iter()
        .filter(|(path, bytes)| old.get(path) != Some(*bytes))
        .map(|(path, _)| path)
        .filter(|p| p.starts_with("generated/staging/"))
        .collect();
    // Its Notebook and ExternalSecret, the listings of their two buckets, and the header of the namespace's
    // Namespace (which names the definitions of its notebooks).
    assert_eq!(changed.len(), 5, "{changed:#?}");
    let buckets: HashSet<&str> = changed
        .iter()
        .filter(|p| !p.ends_with("/shared/namespace.yaml"))
        .map(|p| p.rsplit('/').nth(1).unwrap())
        .collect();
    assert_eq!(buckets.len(), 1, "one bucket: {changed:#?}");
}
