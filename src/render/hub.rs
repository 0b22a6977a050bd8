//! A hub's objects: the chart's HelmRepository (unless the hub names an existing source), the HelmRelease with
//! its chart values, and the extra objects the hub brings along.

use super::chart;
use super::extra_objects;
use super::files::Files;
use super::object::{HUB_LABEL, metadata, object};
use super::release;
use super::secrets;
use crate::model::hub::HubSpec;
use crate::model::{Definition, Environment};
use serde_json::{Value, json};

pub use release::REPOSITORY_NAME;

/// Render one hub into `hubs/<hub>/` of the environment's files.
pub fn render(env: &Environment, hub: &Definition<HubSpec>, files: &mut Files) {
    let ns = hub.namespace();
    let dir = format!("hubs/{}", hub.name);
    let labels = [(HUB_LABEL, hub.name.as_str())];
    let sources = &hub.sources;

    // Its Namespace, when jupyflux owns it, comes from `super::namespaces` (in the secrets layer when it reads
    // secrets: Flux applies that one first).
    if let Some(repository) = release::repository(hub, &ns, &labels) {
        files.object(&format!("{dir}/helmrepository.yaml"), sources, &repository);
    }

    let mut release_spec = release::spec(hub, &ns);
    // jupyflux's own entries (the chart's secrets) first, then the objects managed elsewhere, in file order.
    let mut values_from = secrets::values_from(hub);
    values_from.extend(release::values_from(hub));
    if !values_from.is_empty() {
        release_spec.insert("valuesFrom".into(), json!(values_from));
    }
    release_spec.insert("values".into(), chart::values(env, hub));
    let release = object(
        "helm.toolkit.fluxcd.io/v2",
        "HelmRelease",
        metadata(&hub.name, Some(&ns), &labels),
        json!({"spec": release_spec}),
    );
    files.object(&format!("{dir}/helmrelease.yaml"), sources, &release);
    extra_objects::render(hub, &ns, &dir, files);
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
