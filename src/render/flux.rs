//! The Flux sync objects of an environment (`flux/<env>/`): a Kustomization per sync of [`super::layout`], chained
//! with `dependsOn` (a hub's also waits for the Kustomizations it names under `spec.dependsOn`), and a
//! GitRepository when the Environment names its own source.

use super::files::Files;
use super::layout::Sync;
use super::object::{metadata, object};
use crate::model::hub::HubSpec;
use crate::model::release::KUSTOMIZATION_NAMESPACE;
use crate::model::{Definition, Environment};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The GitRepository jupyflux renders when an Environment names a source; otherwise Flux's bootstrap one.
pub const OWN_SOURCE: &str = "jupyflux";
const BOOTSTRAP_SOURCE: &str = "flux-system";

/// Render the Flux Kustomization of every sync of this environment.
pub fn render(env: &Environment, syncs: &[Sync], files: &mut Files) {
    let spec = &env.definition.spec;
    let ns = spec.flux.namespace.as_str();
    let sources = &env.definition.sources;
    let source_name = match &spec.source {
        Some(source) => {
            let mut git = json!({
                "interval": "1m",
                "url": source.url,
                "ref": {"branch": source.branch},
            });
            if let Some(secret) = &source.secret_ref {
                git["secretRef"] = json!({"name": secret});
            }
            let repo = object(
                "source.toolkit.fluxcd.io/v1",
                "GitRepository",
                metadata(OWN_SOURCE, Some(ns), &[]),
                json!({"spec": git}),
            );
            files.object("gitrepository.yaml", sources, &repo);
            OWN_SOURCE
        }
        None => BOOTSTRAP_SOURCE,
    };
    for unit in syncs {
        let mut depends_on: Vec<Value> =
            unit.depends_on.iter().map(|d| json!({"name": d})).collect();
        if let Some(hub) = env.hubs.iter().find(|h| unit.is_hub(&h.name)) {
            depends_on.extend(hub_dependencies(std::slice::from_ref(hub)));
        }
        let mut sync = json!({
            "interval": spec.flux.interval,
            "retryInterval": "2m",
            "timeout": "15m",
            "path": format!("./generated/{}/{}", env.name, unit.path),
            "prune": true,
            "wait": true,
            "sourceRef": {"kind": "GitRepository", "name": source_name},
        });
        if !depends_on.is_empty() {
            sync["dependsOn"] = json!(depends_on);
        }
        let kustomization = object(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            metadata(&unit.name, Some(ns), &[]),
            json!({"spec": sync}),
        );
        files.object(&unit.file_name(), sources, &kustomization);
    }
}

/// The Kustomizations `hubs` wait for: sorted by namespace and name, each once.
fn hub_dependencies(hubs: &[Definition<HubSpec>]) -> impl Iterator<Item = Value> + '_ {
    let wanted: BTreeSet<(&str, &str)> = hubs
        .iter()
        .flat_map(|hub| &hub.spec.depends_on)
        .map(|d| {
            let namespace = d.namespace.as_deref().unwrap_or(KUSTOMIZATION_NAMESPACE);
            (namespace, d.name.as_str())
        })
        .collect();
    wanted
        .into_iter()
        .map(|(namespace, name)| json!({"name": name, "namespace": namespace}))
}

#[cfg(test)]
mod tests {
    use crate::load::{Sources, load_sources};

    #[test]
    fn each_hub_waits_for_the_kustomizations_it_names_once_in_order_and_only_it() {
        let hub = |name: &str, depends: &str| {
            format!(
                "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: {name}}}\nspec:\n  chart: {{version: \"4.3.2\"}}\n  auth: {{dummy: {{}}}}\n  singleuser: {{image: quay.io/jupyter/base-notebook:2025-03-17}}\n  dependsOn: {depends}\n"
            )
        };
        let env = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org}\n";
        let a = hub(
            "a",
            "[{name: storage}, {name: db, namespace: ops}, {name: storage, namespace: flux-system}]",
        );
        let b = hub(
            "b",
            "[{name: storage, namespace: flux-system}, {name: cache}]",
        );
        let sources = Sources::from_files(&[
            ("overlays/base/a.yaml", &a),
            ("overlays/base/b.yaml", &b),
            ("overlays/dev/environment.yaml", env),
        ]);
        let model = load_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
        let tree = crate::render::render(&model);
        let depends = |hub: &str| {
            let path = format!("flux/dev/kustomization-hubs-{hub}.yaml");
            let text = std::str::from_utf8(tree.get(&path).unwrap()).unwrap();
            text[text.find("  dependsOn:").expect("a dependsOn")..].to_owned()
        };
        assert_eq!(
            depends("a"),
            "  dependsOn:\n  - name: storage\n    namespace: flux-system\n  - name: db\n    namespace: ops\n"
        );
        assert_eq!(
            depends("b"),
            "  dependsOn:\n  - name: cache\n    namespace: flux-system\n  - name: storage\n    namespace: flux-system\n"
        );
    }
}
