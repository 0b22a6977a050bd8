//! Building Kubernetes objects as JSON values with a fixed key order: apiVersion, kind, metadata, then the body.

use serde_json::{Map, Value, json};

/// The label every object jupyflux renders carries.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "jupyflux");

/// Label naming the hub an object belongs to.
pub const HUB_LABEL: &str = "jupyflux.dev/hub";

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

/// The annotation that turns Flux's post-build variable substitution off for one object.
pub const SUBSTITUTE_DISABLED: (&str, &str) =
    ("kustomize.toolkit.fluxcd.io/substitute", "disabled");

/// Protect text such as `${HOME}` from Flux post-build substitution: an object with `${` in any string (key or
/// value) is annotated so Flux leaves it as written. Escaping as `$${` instead would change the text whenever
/// substitution is not enabled, so the annotation is the one that is right in both cases.
pub fn guard_substitution(object: &mut Value) {
    if !mentions_variable(object) {
        return;
    }
    let Some(Value::Object(meta)) = object.get_mut("metadata") else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(annotations) = annotations {
        annotations.insert(SUBSTITUTE_DISABLED.0.into(), json!(SUBSTITUTE_DISABLED.1));
        annotations.sort_keys();
    }
}

/// Whether any string (key or value) of `value` holds `${`.
pub fn mentions_variable(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("${"),
        Value::Array(items) => items.iter().any(mentions_variable),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("${") || mentions_variable(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_with_variables_are_kept_from_flux_substitution() {
        let mut obj = object(
            "v1",
            "ConfigMap",
            metadata("a", None, &[]),
            json!({"data": {"x": "echo ${HOME}"}}),
        );
        guard_substitution(&mut obj);
        assert_eq!(
            obj["metadata"]["annotations"][SUBSTITUTE_DISABLED.0],
            "disabled"
        );
        assert_eq!(obj["data"]["x"], "echo ${HOME}", "text is left as written");

        let mut plain = object(
            "v1",
            "ConfigMap",
            metadata("b", None, &[]),
            json!({"data": {"x": "$HOME {}"}}),
        );
        guard_substitution(&mut plain);
        assert!(plain["metadata"].get("annotations").is_none());
    }
}
