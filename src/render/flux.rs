//! The Flux sync objects of an environment (`flux/<env>/`): a Kustomization per layer, chained with `dependsOn`,
//! and a GitRepository when the Environment names its own source.

use super::Layer;
use super::files::Files;
use super::object::{metadata, object};
use crate::model::Environment;
use serde_json::json;

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
        let depends_on: Vec<_> = layer
            .depends_on
            .iter()
            .filter(|d| layers.iter().any(|l| l.name == **d))
            .map(|d| json!({"name": format!("jupyflux-{d}")}))
            .collect();
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
