//! The `singleuser` section: image, resources, storage, default URL, environment, scheduling of user pods.

use super::super::leaves::Path;
use super::{Builder, Part, string};
use serde_json::{Map, Value, json};

pub fn lift(values: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut image = Builder::new(values, "singleuser.image");
    if let (Some(name), Some(tag)) = (
        string(image.peek(&["singleuser", "image", "name"])),
        image
            .peek(&["singleuser", "image", "tag"])
            .and_then(tag_text),
    ) {
        image.take(&["singleuser", "image", "name"]);
        image.take(&["singleuser", "image", "tag"]);
        let reference = format!("{name}:{tag}");
        image.moving_image("singleuser.image", &reference);
        image.field(&["singleuser", "image"], json!(reference));
    }
    parts.extend(image.finish());
    for resource in ["cpu", "memory"] {
        let mut b = Builder::new(values, format!("singleuser.{resource}"));
        for bound in ["guarantee", "limit"] {
            if let Some(v) = b.take(&["singleuser", resource, bound]) {
                let Some(text) = super::quantity_text(v) else {
                    continue;
                };
                b.field(&["singleuser", resource, bound], json!(text));
            }
        }
        parts.extend(b.finish());
    }
    parts.extend(storage(values));
    let mut url = Builder::new(values, "singleuser.defaultUrl");
    if let Some(v) = url.take(&["singleuser", "defaultUrl"]) {
        url.field(&["singleuser", "defaultUrl"], v.clone());
    }
    parts.extend(url.finish());
    // jupyflux never runs the privileged iptables init container (the report says why): taken, rendered false.
    let mut metadata = Builder::new(values, "singleuser.cloudMetadata");
    metadata.take(&["singleuser", "cloudMetadata", "blockWithIptables"]);
    parts.extend(metadata.finish());
    let mut pods = Builder::new(values, "singleuser scheduling and pod settings");
    for (key, field) in [
        ("nodeSelector", "nodeSelector"),
        ("extraTolerations", "tolerations"),
        ("extraNodeAffinity", "extraNodeAffinity"),
        ("cmd", "cmd"),
        ("startTimeout", "startTimeout"),
        ("uid", "uid"),
        ("fsGid", "fsGid"),
        ("extraLabels", "extraLabels"),
        ("extraAnnotations", "extraAnnotations"),
        ("lifecycleHooks", "lifecycleHooks"),
        ("podNameTemplate", "podNameTemplate"),
    ] {
        if let Some(v) = pods.take(&["singleuser", key]) {
            pods.field(&["singleuser", field], v.clone());
        }
    }
    for (key, field) in [
        ("enableServiceLinks", "serviceLinks"),
        ("affinity", "affinity"),
    ] {
        if let Some(v) = pods.take(&["singleuser", "extraPodConfig", key]) {
            pods.field(&["singleuser", field], v.clone());
        }
    }
    if pods.peek(&["singleuser", "uid"]).and_then(Value::as_u64) == Some(0) {
        pods.field(&["podSecurity"], json!("baseline"));
        pods.review(ROOT_NOTE.to_owned());
    }
    parts.extend(pods.finish());
    let mut sidecars = Builder::new(values, "singleuser.extraContainers");
    if let Some(v) = sidecars.take(&["singleuser", "extraContainers"]) {
        sidecars.field(&["singleuser", "extraContainers"], v.clone());
        for (i, container) in v.as_array().into_iter().flatten().enumerate() {
            if let Some(image) = container.get("image").and_then(Value::as_str) {
                sidecars.moving_image(&format!("singleuser.extraContainers[{i}]"), image);
            }
        }
    }
    parts.extend(sidecars.finish());
    let mut files = Builder::new(values, "singleuser.extraFiles");
    if let Some(v) = files.take(&["singleuser", "extraFiles"]) {
        files.field(&["singleuser", "extraFiles"], v.clone());
    }
    parts.extend(files.finish());
    parts
}

/// Why an imported hub whose servers run as root gets `podSecurity: baseline`.
const ROOT_NOTE: &str = "podSecurity: baseline — singleuser.uid 0 runs servers as root, which only the baseline Pod Security profile admits (their containers keep the runtime's default capabilities); if the image can start as its own user, remove uid and podSecurity for restricted";

/// An image tag as text (a number-like tag such as `2024.1` may be written unquoted).
fn tag_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn storage(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "singleuser.storage");
    b.peek(&["singleuser", "storage"])?;
    let kind = b
        .take(&["singleuser", "storage", "type"])
        .and_then(Value::as_str)
        .unwrap_or("dynamic");
    let mut storage = Map::new();
    storage.insert("type".into(), json!(kind));
    let fields: &[(&[&str], &str)] = match kind {
        "dynamic" => &[
            (&["capacity"], "capacity"),
            (&["dynamic", "storageClass"], "storageClass"),
            (&["dynamic", "storageAccessModes"], "accessModes"),
            (&["dynamic", "pvcNameTemplate"], "pvcNameTemplate"),
            (&["dynamic", "volumeNameTemplate"], "volumeNameTemplate"),
        ],
        "static" => &[
            (&["static", "pvcName"], "pvcName"),
            (&["static", "subPath"], "subPath"),
        ],
        _ => &[],
    };
    for (path, field) in fields.iter().copied().chain([
        (&["extraVolumes"][..], "extraVolumes"),
        (&["extraVolumeMounts"][..], "extraVolumeMounts"),
        (&["homeMountPath"][..], "homeMountPath"),
    ]) {
        let mut keys = vec!["singleuser", "storage"];
        keys.extend_from_slice(path);
        if let Some(v) = b.take(&keys) {
            storage.insert(field.into(), v.clone());
        }
    }
    // The settings of the other storage types: the chart reads `static.*` only with `type: static`, `dynamic.*`
    // only with `type: dynamic`.
    for (key, only) in [
        ("static", "static"),
        ("dynamic", "dynamic"),
        ("capacity", "dynamic"),
    ] {
        if only != kind && b.peek(&["singleuser", "storage", key]).is_some() {
            b.drop_at(
                Path::keys(&["singleuser", "storage", key]),
                &format!("configures nothing: the chart reads singleuser.storage.{key} only with `type: {only}`"),
            );
        }
    }
    b.field(&["singleuser", "storage"], Value::Object(storage));
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_of_another_storage_type_are_left_out() {
        let values =
            json!({"singleuser": {"storage": {"static": {"pvcName": "homes"}, "capacity": "5Gi"}}});
        let part = storage(&values).unwrap();
        let dropped: Vec<String> = part.drops.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(dropped, ["singleuser.storage.static"]);
        let values = json!({"singleuser": {"storage": {"type": "static", "static": {"pvcName": "homes"}, "capacity": "1Gi"}}});
        let part = storage(&values).unwrap();
        let dropped: Vec<String> = part.drops.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(dropped, ["singleuser.storage.capacity"]);
    }
}
