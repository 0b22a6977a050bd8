//! The `hub` section: the database volume, and the hub pod's scheduling, resources and limits.

use super::super::leaves::Path;
use super::{Builder, Part};
use serde_json::{Value, json};

pub fn lift(values: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    parts.extend(database(values));
    let mut pod = Builder::new(values, "hub pod");
    for (key, field) in [
        ("nodeSelector", "nodeSelector"),
        ("tolerations", "tolerations"),
        ("resources", "resources"),
        ("authenticatePrometheus", "authenticatePrometheus"),
        ("activeServerLimit", "activeServerLimit"),
        ("concurrentSpawnLimit", "concurrentSpawnLimit"),
        ("allowNamedServers", "allowNamedServers"),
        ("namedServerLimitPerUser", "namedServerLimitPerUser"),
        ("extraVolumes", "extraVolumes"),
        ("extraVolumeMounts", "extraVolumeMounts"),
    ] {
        if let Some(v) = pod.take(&["hub", key]) {
            pod.field(&["hub", field], v.clone());
        }
    }
    for (key, field) in [
        ("k8s_api_request_timeout", "apiRequestTimeout"),
        ("k8s_api_request_retry_timeout", "apiRequestRetryTimeout"),
    ] {
        if let Some(v) = pod.take(&["hub", "config", "KubeSpawner", key]) {
            pod.field(&["hub", field], v.clone());
        }
    }
    parts.extend(pod.finish());
    parts.extend(image(values));
    for (section, field) in [
        (&["hub"][..], "hub"),
        (&["proxy", "chp"][..], "proxy"),
        (&["singleuser"][..], "singleuser"),
    ] {
        let mut b = Builder::new(values, format!("{}.networkPolicy", section.join(".")));
        for key in ["enabled", "egress"] {
            let mut keys = section.to_vec();
            keys.extend(["networkPolicy", key]);
            if let Some(v) = b.take(&keys) {
                b.field(&[field, "networkPolicy", key], v.clone());
            }
        }
        parts.extend(b.finish());
    }
    parts.extend(inert_config(values));
    let mut debug = Builder::new(values, "debug");
    if let Some(v) = debug.take(&["debug", "enabled"]) {
        debug.field(&["debug"], v.clone());
    }
    parts.extend(debug.finish());
    parts
}

/// `hub.image`'s repository and tag (as text; its other settings stay under `values`).
fn image(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "hub.image");
    let name = b.peek(&["hub", "image", "name"])?.as_str()?;
    let mut image = json!({"name": name});
    b.take(&["hub", "image", "name"]);
    if let Some(tag) = b.peek(&["hub", "image", "tag"]).and_then(Value::as_str) {
        b.take(&["hub", "image", "tag"]);
        image["tag"] = json!(tag);
    }
    b.field(&["hub", "image"], image);
    b.finish()
}

/// `hub.db` of type `sqlite-pvc` (the chart's default): its size, storage class and the claim's annotations.
fn database(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "hub.db (SQLite on a volume)");
    let kind = b.peek(&["hub", "db", "type"]).and_then(Value::as_str);
    if !matches!(kind, None | Some("sqlite-pvc")) {
        return None;
    }
    let mut sqlite = serde_json::Map::new();
    if let Some(size) = b.take(&["hub", "db", "pvc", "storage"]) {
        sqlite.insert("size".into(), size.clone());
    }
    if let Some(class) = b.take(&["hub", "db", "pvc", "storageClassName"]) {
        sqlite.insert("storageClass".into(), class.clone());
    }
    let annotations = ["hub", "db", "pvc", "annotations"];
    if let Some(map) = b.peek(&annotations).and_then(Value::as_object)
        && map.values().all(Value::is_string)
    {
        b.take(&annotations);
        sqlite.insert("annotations".into(), Value::Object(map.clone()));
    }
    let upgrade = b.take(&["hub", "db", "upgrade"]).cloned();
    if kind.is_some() {
        b.take(&["hub", "db", "type"]);
    } else if sqlite.is_empty() {
        return None;
    } else {
        b.adds(&["hub", "db", "type"]);
    }
    let mut database = json!({"sqlite": sqlite});
    if let Some(upgrade) = upgrade {
        database["upgrade"] = upgrade;
    }
    b.field(&["database"], database);
    b.finish()
}

/// Sections of `hub.config` that configure nothing: the chart loads each as `c[section].update(values)`, and a name
/// starting with a lowercase letter is not a class's section to traitlets but a lazy value no class reads (so a
/// `hub.config.c.JupyterHub` sets nothing — the chart reads `hub.config.JupyterHub`). Only maps: anything else
/// fails `update` and stays as it is.
fn inert_config(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "hub.config sections that configure nothing");
    let config = b.peek(&["hub", "config"])?.as_object()?;
    for (section, value) in config {
        if section.starts_with(|c: char| c.is_lowercase()) && value.is_object() {
            b.drop_at(
                Path::keys(&["hub", "config", section]),
                "configures nothing (the chart reads hub.config.<Class>: a lowercase section is no class's)",
            );
        }
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_config_sections_holding_maps_are_left_out() {
        let values = json!({"hub": {"config": {
            "c": {"JupyterHub": {"login_rate_limit": 5}},
            "db": {"pvc": {}},
            "baseURL": "https://example.org/",
            "JupyterHub": {"admin_access": true},
        }}});
        let part = inert_config(&values).unwrap();
        let dropped: Vec<String> = part.drops.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(dropped, ["hub.config.c", "hub.config.db"]);
        assert!(part.fields.is_empty());
    }
}
