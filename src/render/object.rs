//! Building Kubernetes objects as JSON values with a fixed key order: apiVersion, kind, metadata, then the body.

use serde_json::{Map, Value, json};

/// The label every object jupyflux renders carries.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "jupyflux");

/// `metadata` with a name, an optional namespace and labels (the managed-by label first, then in the given order).
pub fn metadata(name: &str, namespace: Option<&str>, labels: &[(&str, &str)]) -> Value {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        meta.insert("namespace".into(), json!(ns));
    }
    let mut all = Map::new();
    all.insert(MANAGED_BY.0.into(), json!(MANAGED_BY.1));
    for (k, v) in labels {
        all.insert((*k).into(), json!(v));
    }
    meta.insert("labels".into(), Value::Object(all));
    Value::Object(meta)
}

/// An object: `apiVersion`, `kind`, `metadata`, then `body`'s fields in their order.
pub fn object(api_version: &str, kind: &str, metadata: Value, body: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    obj.insert("metadata".into(), metadata);
    if let Value::Object(fields) = body {
        obj.extend(fields);
    }
    Value::Object(obj)
}
