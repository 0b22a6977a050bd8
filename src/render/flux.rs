//! The Flux sync objects of an environment (`flux/<env>/`): a Kustomization per layer, chained with `dependsOn`
//! (the hubs layer also waits for the Kustomizations its hubs name under `spec.dependsOn`), and a GitRepository
//! when the Environment names its own source.

use super::Layer;
use super::files::Files;
use super::object::{metadata, object};
use crate::model::Environment;
use crate::model::release::KUSTOMIZATION_NAMESPACE;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The layer whose Kustomization waits for the Kustomizations hubs name under `spec.dependsOn`.
const HUBS_LAYER: &str = "hubs";

/// The GitRepository jupyflux renders when an Environment names a source; otherwise Flux's bootstrap one.
pub const OWN_SOURCE: &str = "jupyflux";
const BOOTSTRAP_SOURCE: &str = "flux-system";

/// Render the sync objects for the layers present in this environment.
pub fn render(env: &Environment, layers: &[&Layer], files: &mut Files) {
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
    for layer in layers {
        let mut depends_on: Vec<Value> = layer
            .depends_on
            .iter()
            .filter(|d| layers.iter().any(|l| l.name == **d))
            .map(|d| json!({"name": format!("jupyflux-{d}")}))
            .collect();
        if layer.name == HUBS_LAYER {
            depends_on.extend(hub_dependencies(env));
        }
        let mut sync = json!({
            "interval": spec.flux.interval,
            "retryInterval": "2m",
            "timeout": "15m",
            "path": format!("./generated/{}/{}", env.name, layer.name),
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
            metadata(&format!("jupyflux-{}", layer.name), Some(ns), &[]),
            json!({"spec": sync}),
        );
        files.object(
            &format!("kustomization-{}.yaml", layer.name),
            sources,
            &kustomization,
        );
    }
}

/// The Kustomizations any hub of the environment waits for: sorted by namespace and name, each once.
fn hub_dependencies(env: &Environment) -> impl Iterator<Item = Value> {
    let wanted: BTreeSet<(&str, &str)> = env
        .hubs
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
    fn the_hubs_layer_waits_for_every_hubs_kustomizations_once_in_order() {
        let hub = |name: &str, depends: &str| {
            format!(
                "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: {name}}}\nspec:\n  chart: {{version: \"4.3.2\"}}\n  auth: {{dummy: {{}}}}\n  singleuser: {{image: quay.io/jupyter/base-notebook:2025-03-17}}\n  dependsOn: {depends}\n"
            )
        };
        let env = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org}\n";
        let a = hub("a", "[{name: storage}, {name: db, namespace: ops}]");
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
        let text =
            std::str::from_utf8(tree.get("flux/dev/kustomization-hubs.yaml").unwrap()).unwrap();
        let depends = &text[text.find("  dependsOn:").expect("a dependsOn")..];
        assert_eq!(
            depends,
            "  dependsOn:\n  - name: cache\n    namespace: flux-system\n  - name: storage\n    namespace: flux-system\n  - name: db\n    namespace: ops\n"
        );
    }
}
