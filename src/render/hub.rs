//! A hub's objects: the chart's HelmRepository, and the HelmRelease with its chart values.

use super::chart;
use super::files::Files;
use super::object::{HUB_LABEL, metadata, object};
use super::secrets;
use crate::model::hub::HubSpec;
use crate::model::{Definition, Environment};
use serde_json::{Value, json};

/// Name of the HelmRepository of the chart, in each hub's namespace.
pub const REPOSITORY_NAME: &str = "jupyterhub";

/// Render one hub into `hubs/<hub>/` of the environment's files.
pub fn render(env: &Environment, hub: &Definition<HubSpec>, files: &mut Files) {
    let ns = hub.namespace();
    let dir = format!("hubs/{}", hub.name);
    let labels = [(HUB_LABEL, hub.name.as_str())];
    let sources = &hub.sources;

    // Its Namespace, when jupyflux owns it, comes from `super::namespaces` (in the secrets layer when it reads
    // secrets: Flux applies that one first).
    let repository = object(
        "source.toolkit.fluxcd.io/v1",
        "HelmRepository",
        metadata(REPOSITORY_NAME, Some(&ns), &labels),
        json!({"spec": {"interval": "12h", "url": hub.spec.chart.repository}}),
    );
    files.object(&format!("{dir}/helmrepository.yaml"), sources, &repository);

    let mut release_spec = json!({
        "releaseName": hub.name,
        "interval": "30m",
        "timeout": "10m",
        "chart": {"spec": {
            "chart": "jupyterhub",
            "version": hub.spec.chart.version,
            "sourceRef": {"kind": "HelmRepository", "name": REPOSITORY_NAME, "namespace": ns},
            "interval": "12h",
        }},
        "install": {"remediation": {"retries": 3}},
        "upgrade": {"cleanupOnFail": true, "remediation": {"retries": 3, "strategy": "rollback"}},
    });
    let values_from = secrets::values_from(hub);
    if !values_from.is_empty() {
        release_spec["valuesFrom"] = json!(values_from);
    }
    release_spec["values"] = chart::values(env, hub);
    let release = object(
        "helm.toolkit.fluxcd.io/v2",
        "HelmRelease",
        metadata(&hub.name, Some(&ns), &labels),
        json!({"spec": release_spec}),
    );
    files.object(&format!("{dir}/helmrelease.yaml"), sources, &release);
    if !hub.spec.patches.is_empty() {
        let patches: Vec<Value> = hub
            .spec
            .patches
            .iter()
            .map(|p| json!({"target": p.target, "patch": p.patch}))
            .collect();
        files.kustomize(&dir, "patches", json!(patches));
    }
}
