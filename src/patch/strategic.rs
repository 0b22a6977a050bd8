//! Strategic merge patches, as Kustomize applies them: maps merge, `null` deletes a key, lists are replaced —
//! except, in built-in Kubernetes kinds, the lists Kubernetes merges by key (containers, volumes, env, …: new
//! items first, as Kustomize puts them) —
//! and `$patch: delete` / `$patch: replace` remove or replace a map, a list item or the whole object.

use serde_json::{Map, Value};

/// The lists built-in kinds merge by key, and their keys (Kubernetes' `patchMergeKey`).
const KEYED_LISTS: [(&str, &str); 8] = [
    ("containers", "name"),
    ("initContainers", "name"),
    ("ephemeralContainers", "name"),
    ("env", "name"),
    ("volumes", "name"),
    ("volumeMounts", "mountPath"),
    ("imagePullSecrets", "name"),
    ("volumeDevices", "devicePath"),
];

/// What applying a patch did to the object.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Patched,
    /// The patch says `$patch: delete` at its top: the object is gone.
    Deleted,
}

/// Whether a kind is built into Kubernetes (its group is the core group, has no dot, or ends in `.k8s.io`):
/// only these have the keyed lists; a custom resource's lists are always replaced.
pub fn is_builtin(api_version: &str) -> bool {
    match api_version.rsplit_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || group.ends_with(".k8s.io"),
    }
}

/// Check that a patch document can be a strategic merge patch: a map with `kind` and `metadata.name`.
pub fn check(patch: &Value) -> Result<(), String> {
    let Value::Object(fields) = patch else {
        return Err("a strategic merge patch is a map".into());
    };
    if !fields.get("kind").is_some_and(Value::is_string) {
        return Err("a strategic merge patch needs `kind`".into());
    }
    if !patch["metadata"]["name"].is_string() {
        return Err(
            "a strategic merge patch needs `metadata.name` (any name: the target selects)".into(),
        );
    }
    Ok(())
}

/// Apply `patch` to `object` (its identity — `apiVersion`, `kind`, `metadata.name`, `metadata.namespace` — is
/// the target's own, not the patch's).
pub fn apply(object: &mut Value, patch: &Value) -> Result<Outcome, String> {
    let mut patch = patch.clone();
    if let Value::Object(fields) = &mut patch {
        if directive(fields)? == Some("delete") {
            return Ok(Outcome::Deleted);
        }
        fields.remove("apiVersion");
        fields.remove("kind");
        if let Some(Value::Object(meta)) = fields.get_mut("metadata") {
            meta.remove("name");
            meta.remove("namespace");
        }
    }
    let builtin = is_builtin(object["apiVersion"].as_str().unwrap_or_default());
    merge(object, patch, builtin, "")?;
    Ok(Outcome::Patched)
}

/// Remove and return the `$patch` directive of a map; other `$` directives are refused.
fn directive(fields: &mut Map<String, Value>) -> Result<Option<&'static str>, String> {
    if let Some(key) = fields.keys().find(|k| k.starts_with('$') && *k != "$patch") {
        return Err(format!(
            "the `{key}` directive is not supported here; write the result instead"
        ));
    }
    match fields.shift_remove("$patch") {
        None => Ok(None),
        Some(Value::String(s)) if s == "delete" => Ok(Some("delete")),
        Some(Value::String(s)) if s == "replace" => Ok(Some("replace")),
        Some(Value::String(s)) if s == "merge" => Ok(None),
        Some(other) => Err(format!("`$patch: {other}` is not delete, replace or merge")),
    }
}

fn merge(target: &mut Value, patch: Value, builtin: bool, field: &str) -> Result<(), String> {
    match (target, patch) {
        (Value::Object(target), Value::Object(mut patch)) => {
            if directive(&mut patch)? == Some("replace") {
                *target = patch;
                return Ok(());
            }
            for (key, value) in patch {
                match value {
                    Value::Null => {
                        target.shift_remove(&key);
                    }
                    Value::Object(ref fields) if deletes(fields) => {
                        target.shift_remove(&key);
                    }
                    value => match target.get_mut(&key) {
                        Some(existing) => merge(existing, value, builtin, &key)?,
                        None => {
                            target.insert(key.clone(), without_directives(value, builtin, &key)?);
                        }
                    },
                }
            }
            Ok(())
        }
        (Value::Array(target), Value::Array(patch)) => {
            match KEYED_LISTS
                .iter()
                .find(|(name, _)| builtin && *name == field)
            {
                Some((_, key)) => merge_keyed(target, patch, key, builtin),
                None => {
                    *target = without_directives(Value::Array(patch), builtin, field)?
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    Ok(())
                }
            }
        }
        (target, patch) => {
            *target = without_directives(patch, builtin, field)?;
            Ok(())
        }
    }
}

/// Whether a map of a patch says `$patch: delete`.
fn deletes(fields: &Map<String, Value>) -> bool {
    fields.get("$patch").and_then(Value::as_str) == Some("delete")
}

/// Merge a keyed list: an item with the key of an existing one merges into it (or deletes it with
/// `$patch: delete`); the others come first, in the patch's order (as Kustomize puts them).
fn merge_keyed(
    target: &mut Vec<Value>,
    patch: Vec<Value>,
    key: &str,
    builtin: bool,
) -> Result<(), String> {
    let mut added = Vec::new();
    for item in patch {
        let id = item.get(key).cloned();
        let existing = id
            .as_ref()
            .and_then(|id| target.iter().position(|t| t.get(key) == Some(id)));
        let mut fields = match item {
            Value::Object(fields) => fields,
            other => {
                return Err(format!(
                    "an item of a list merged by `{key}` is {other}, not a map"
                ));
            }
        };
        let deleting = deletes(&fields);
        match (existing, deleting) {
            (Some(at), true) => {
                target.remove(at);
            }
            (None, true) => {}
            (Some(at), false) => merge(&mut target[at], Value::Object(fields), builtin, "")?,
            (None, false) => {
                fields.shift_remove("$patch");
                added.push(without_directives(Value::Object(fields), builtin, "")?);
            }
        }
    }
    target.splice(0..0, added);
    Ok(())
}

/// A patch value that lands where the object had nothing: its `null`s and directives are dropped, as a merge
/// into an empty map would.
fn without_directives(value: Value, builtin: bool, field: &str) -> Result<Value, String> {
    match value {
        Value::Object(_) => {
            let mut empty = Value::Object(Map::new());
            merge(&mut empty, value, builtin, field)?;
            Ok(empty)
        }
        Value::Array(items) => items
            .into_iter()
            .map(|item| without_directives(item, builtin, ""))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(object: Value, patch: Value) -> Value {
        let mut object = object;
        assert_eq!(apply(&mut object, &patch).unwrap(), Outcome::Patched);
        object
    }

    #[test]
    fn maps_merge_null_deletes_lists_replace_in_custom_resources() {
        let release = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "hub", "namespace": "hub"},
            "spec": {"values": {"m": {"a": 1, "b": 2}, "containers": [{"name": "a", "x": 1}]}}});
        let patch = json!({"kind": "HelmRelease", "metadata": {"name": "any", "labels": {"l": "v"}},
            "spec": {"values": {"m": {"a": null, "c": {"d": null, "e": 1}}, "containers": [{"name": "b"}]}}});
        assert_eq!(
            patched(release, patch),
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": {"name": "hub", "namespace": "hub", "labels": {"l": "v"}},
                "spec": {"values": {"m": {"b": 2, "c": {"e": 1}}, "containers": [{"name": "b"}]}}})
        );
    }

    #[test]
    fn built_in_kinds_merge_keyed_lists_and_honour_patch_directives() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {
            "containers": [
                {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                {"name": "sidecar", "image": "s:1"},
            ],
            "volumes": [{"name": "v", "emptyDir": {}}],
            "securityContext": {"runAsUser": 1000, "fsGroup": 100},
        }}}});
        let patch = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {
            "containers": [
                {"name": "app", "image": "a:2", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]},
                {"name": "sidecar", "$patch": "delete"},
            ],
            "volumes": [{"name": "w", "configMap": {"name": "c"}}],
            "securityContext": {"$patch": "replace", "runAsNonRoot": true},
        }}}});
        let spec = &patched(deployment, patch)["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"],
            json!([{"name": "app", "image": "a:2", "env": [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}]}])
        );
        assert_eq!(
            spec["volumes"],
            json!([{"name": "w", "configMap": {"name": "c"}}, {"name": "v", "emptyDir": {}}])
        );
        assert_eq!(spec["securityContext"], json!({"runAsNonRoot": true}));
    }

    #[test]
    fn delete_the_object_and_refuse_what_is_not_supported() {
        let mut object =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}});
        let delete = json!({"kind": "Namespace", "metadata": {"name": "n"}, "$patch": "delete"});
        assert_eq!(apply(&mut object, &delete).unwrap(), Outcome::Deleted);
        let retain =
            json!({"kind": "Namespace", "metadata": {"name": "n"}, "spec": {"$retainKeys": ["a"]}});
        assert!(
            apply(&mut object, &retain)
                .unwrap_err()
                .contains("`$retainKeys`")
        );
        assert!(check(&json!({"spec": {}})).unwrap_err().contains("`kind`"));
        assert!(
            check(&json!({"kind": "X", "spec": {}}))
                .unwrap_err()
                .contains("metadata.name")
        );
        assert!(is_builtin("v1") && is_builtin("apps/v1") && is_builtin("networking.k8s.io/v1"));
        assert!(!is_builtin("helm.toolkit.fluxcd.io/v2"));
    }
}
