//! Namespaces in the rendered trees: each Namespace object is rendered into exactly one layer, none of them is one
//! a cluster already has (`default`, `kube-*`, Flux's), and a namespace a definition says exists is never rendered.

mod harness;

use serde_json::Value;
use std::collections::BTreeMap;

/// Every rendered Namespace object of a tree: (environment, name) → the files it is in.
fn namespaces(tree: &jupyflux::output::Tree) -> BTreeMap<(String, String), Vec<String>> {
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (path, bytes) in tree.iter() {
        if !path.starts_with("generated/") || !path.ends_with(".yaml") {
            continue;
        }
        let text = std::str::from_utf8(bytes).unwrap();
        let object: Value = serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        if object["kind"] == "Namespace" {
            let env = path.split('/').nth(1).unwrap().to_owned();
            let name = object["metadata"]["name"].as_str().unwrap().to_owned();
            found.entry((env, name)).or_default().push(path.to_owned());
        }
    }
    found
}

/// Every valid fixture and the shipped example, rendered.
fn trees() -> Vec<(String, jupyflux::output::Tree)> {
    let mut trees: Vec<_> = harness::cases("valid")
        .into_iter()
        .map(|(name, dir)| (name, harness::render(&dir)))
        .collect();
    trees.push(("shipped example".into(), harness::render(&harness::repo())));
    trees
}

#[test]
fn no_namespace_is_rendered_twice_or_is_the_clusters_own() {
    for (case, tree) in trees() {
        for ((env, name), files) in namespaces(&tree) {
            assert_eq!(
                files.len(),
                1,
                "{case}: Namespace {name} of {env} is rendered into {files:?}"
            );
            assert!(
                ![
                    "default",
                    "kube-system",
                    "kube-public",
                    "kube-node-lease",
                    "flux-system"
                ]
                .contains(&name.as_str()),
                "{case}: {env} renders the cluster's namespace {name} in {files:?}"
            );
        }
    }
}

#[test]
fn namespaces_said_to_exist_are_used_but_not_rendered() {
    let tree = harness::render(&harness::repo().join("fixtures/valid/namespaces-unmanaged"));
    let rendered: Vec<String> = namespaces(&tree)
        .into_keys()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(rendered, ["course-hub", "jupyflux-system", "notebooks"]);
    for used in [
        "generated/dev/hubs/trial/helmrelease.yaml",
        "generated/dev/secrets/research-prod/externalsecret-research-singleuser-env.yaml",
        "generated/dev/notebooks/team-data/alice.yaml",
    ] {
        assert!(tree.get(used).is_some(), "{used} is not rendered");
    }
}
