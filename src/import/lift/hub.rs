//! The `hub` section: the database volume, and the hub pod's scheduling, resources and limits.

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
    parts.extend(pod.finish());
    for (section, field) in [
        (&["hub"][..], "hub"),
        (&["proxy", "chp"][..], "proxy"),
        (&["singleuser"][..], "singleuser"),
    ] {
        let mut b = Builder::new(values, format!("{}.networkPolicy", section.join(".")));
        let mut keys = section.to_vec();
        keys.extend(["networkPolicy", "enabled"]);
        if let Some(v) = b.take(&keys) {
            b.field(&[field, "networkPolicy", "enabled"], v.clone());
        }
        parts.extend(b.finish());
    }
    let mut debug = Builder::new(values, "debug");
    if let Some(v) = debug.take(&["debug", "enabled"]) {
        debug.field(&["debug"], v.clone());
    }
    parts.extend(debug.finish());
    parts
}

/// `hub.db` of type `sqlite-pvc` (the chart's default): its size and storage class.
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
    if kind.is_some() {
        b.take(&["hub", "db", "type"]);
    } else if sqlite.is_empty() {
        return None;
    } else {
        b.adds(&["hub", "db", "type"]);
    }
    b.field(&["database"], json!({"sqlite": sqlite}));
    b.finish()
}
