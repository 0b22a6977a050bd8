//! A hub's extra objects, each written as it is into `hubs/<hub>/<kind>-<name>.yaml`, in the hub's namespace
//! (none for cluster-scoped kinds) and with jupyflux's labels, so Flux applies and prunes them with the hub.

use super::files::Files;
use super::object::{HUB_LABEL, MANAGED_BY};
use crate::model::Definition;
use crate::model::extra_objects::{file_name, identity, is_cluster_scoped};
use crate::model::hub::HubSpec;
use serde_json::{Map, Value, json};

/// Write every extra object of `hub` into `dir`.
pub fn render(hub: &Definition<HubSpec>, ns: &str, dir: &str, files: &mut Files) {
    for extra in &hub.spec.extra_objects {
        // Loading refused objects without a kind and a name.
        let Some((kind, name)) = identity(extra) else {
            continue;
        };
        let path = format!("{dir}/{}", file_name(kind, name));
        files.object(&path, &hub.sources, &object(extra, &hub.name, ns));
    }
}

/// `extra` with `apiVersion`, `kind` and `metadata` first, the namespace set (unless cluster-scoped) and the
/// managed-by and hub labels added to its own.
fn object(extra: &Map<String, Value>, hub: &str, ns: &str) -> Value {
    let kind = extra
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let given = extra.get("metadata").and_then(Value::as_object);
    let mut meta = Map::new();
    meta.insert(
        "name".into(),
        given
            .and_then(|m| m.get("name"))
            .cloned()
            .unwrap_or_default(),
    );
    if !is_cluster_scoped(kind) {
        meta.insert("namespace".into(), json!(ns));
    }
    let mut labels = Map::new();
    labels.insert(MANAGED_BY.0.into(), json!(MANAGED_BY.1));
    labels.insert(HUB_LABEL.into(), json!(hub));
    if let Some(Value::Object(own)) = given.and_then(|m| m.get("labels")) {
        for (key, value) in own {
            labels.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    meta.insert("labels".into(), Value::Object(labels));
    for (key, value) in given.into_iter().flatten() {
        if !matches!(key.as_str(), "name" | "namespace" | "labels") {
            meta.insert(key.clone(), value.clone());
        }
    }
    let mut object = Map::new();
    for key in ["apiVersion", "kind"] {
        if let Some(value) = extra.get(key) {
            object.insert(key.into(), value.clone());
        }
    }
    object.insert("metadata".into(), Value::Object(meta));
    for (key, value) in extra {
        if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
            object.insert(key.clone(), value.clone());
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_objects_get_the_hub_namespace_and_labels_first() {
        let extra = json!({
            "kind": "PersistentVolumeClaim",
            "apiVersion": "v1",
            "metadata": {"annotations": {"a": "b"}, "labels": {"team": "x", "jupyflux.dev/hub": "other"}, "name": "data"},
            "spec": {"accessModes": ["ReadWriteMany"]},
        });
        let rendered = object(extra.as_object().unwrap(), "lab", "lab-ns");
        let keys: Vec<&String> = rendered.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
        assert_eq!(
            rendered["metadata"],
            json!({
                "name": "data",
                "namespace": "lab-ns",
                "labels": {"app.kubernetes.io/managed-by": "jupyflux", "jupyflux.dev/hub": "lab", "team": "x"},
                "annotations": {"a": "b"},
            })
        );
    }

    #[test]
    fn cluster_scoped_objects_get_no_namespace() {
        let extra =
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "data"}});
        let rendered = object(extra.as_object().unwrap(), "lab", "lab-ns");
        assert!(rendered["metadata"].get("namespace").is_none());
    }
}
