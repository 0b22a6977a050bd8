//! A hub's rendered objects as Kustomize builds them: the files of `generated/<env>/hubs/<hub>/`, then the hub's
//! `spec.patches` applied in order.

use crate::model::Definition;
use crate::model::hub::HubSpec;
use crate::output::Tree;
use crate::patch::{self, PatchError};
use serde_json::Value;

/// The objects of `generated/<env>/hubs/<hub>/` (not its kustomization.yaml), in file order.
pub fn hub_objects(tree: &Tree, env: &str, hub: &str) -> Vec<Value> {
    let dir = format!("generated/{env}/hubs/{hub}/");
    tree.iter()
        .filter(|(path, _)| path.starts_with(&dir) && !path[dir.len()..].contains('/'))
        .filter(|(path, _)| !path.ends_with("/kustomization.yaml"))
        .filter_map(|(_, bytes)| {
            let text = std::str::from_utf8(bytes).ok()?;
            serde_saphyr::from_str::<Value>(text).ok()
        })
        .collect()
}

/// Apply the hub's patches to `objects` in order; a patch that fails is skipped and returned with its index.
pub fn apply_patches(
    hub: &Definition<HubSpec>,
    objects: &mut Vec<Value>,
) -> Vec<(usize, PatchError)> {
    let mut failed = Vec::new();
    for (index, p) in hub.spec.patches.iter().enumerate() {
        if let Err(e) = patch::apply(objects, &p.target, &p.patch) {
            failed.push((index, e));
        }
    }
    failed
}

/// The hub's HelmRelease among its objects.
pub fn release<'a>(objects: &'a [Value], hub: &str) -> Option<&'a Value> {
    objects
        .iter()
        .find(|o| o["kind"] == "HelmRelease" && o["metadata"]["name"] == hub)
}
