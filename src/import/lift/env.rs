//! Environment variables of the hub pod (`hub.extraEnv`) and of users' servers (`singleuser.extraEnv`): text, and
//! `valueFrom.secretKeyRef` of an existing Secret as a `{secret, key}` reference (rendered back the same).

use super::{Builder, Part};
use serde_json::{Map, Value, json};

/// Every section's environment, as typed `env` maps.
pub fn lift(values: &Value) -> Vec<Part> {
    [
        ("hub", "hub.extraEnv"),
        ("singleuser", "singleuser.extraEnv"),
    ]
    .into_iter()
    .filter_map(|(section, what)| env(values, section, what))
    .collect()
}

fn env(values: &Value, section: &str, what: &str) -> Option<Part> {
    let mut b = Builder::new(values, what);
    let env = b.peek(&[section, "extraEnv"])?.as_object()?;
    let mut typed = Map::new();
    for (name, value) in env {
        if let Some(value) = typed_value(value) {
            b.take(&[section, "extraEnv", name]);
            typed.insert(name.clone(), value);
        }
    }
    if !typed.is_empty() {
        b.field(&[section, "env"], Value::Object(typed));
    }
    b.finish()
}

/// Text as is; `{valueFrom: {secretKeyRef: {name, key}}}` (nothing else) as `{secret, key}`.
fn typed_value(value: &Value) -> Option<Value> {
    if let Some(text) = value.as_str() {
        return Some(json!(text));
    }
    let from = value
        .as_object()
        .filter(|m| m.len() == 1)?
        .get("valueFrom")?;
    let reference = from
        .as_object()
        .filter(|m| m.len() == 1)?
        .get("secretKeyRef")?;
    let reference = reference.as_object().filter(|m| m.len() == 2)?;
    let (name, key) = (
        reference.get("name")?.as_str()?,
        reference.get("key")?.as_str()?,
    );
    Some(json!({"secret": name, "key": key}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_secret_key_refs_are_typed_and_other_sources_are_not() {
        let values = json!({"hub": {"extraEnv": {
            "PLAIN": "text",
            "FROM_SECRET": {"valueFrom": {"secretKeyRef": {"name": "auth", "key": "id"}}},
            "OPTIONAL": {"valueFrom": {"secretKeyRef": {"name": "auth", "key": "id", "optional": true}}},
            "FIELD": {"valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        }}});
        let parts = lift(&values);
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0].fields,
            [(
                vec!["hub".to_owned(), "env".to_owned()],
                json!({"PLAIN": "text", "FROM_SECRET": {"secret": "auth", "key": "id"}})
            )]
        );
        assert_eq!(parts[0].consumed.len(), 2);
    }
}
