//! Field-level differences between two versions of one object, as JSON paths (`spec.values.x: a → b`).

use serde_json::Value;

/// One field that differs: where, and its value before and after (`None` when absent on that side).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Every leaf-most field that differs between `before` and `after`, in document order.
/// Maps are compared key by key, lists index by index; anything else is compared whole.
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    compare(String::new(), before, after, &mut changes);
    changes
}

fn compare(path: String, before: &Value, after: &Value, changes: &mut Vec<FieldChange>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                let child = join_key(&path, key);
                match new.get(key) {
                    Some(new_value) => compare(child, old_value, new_value, changes),
                    None => changes.push(removed(child, old_value)),
                }
            }
            for (key, new_value) in new.iter().filter(|(k, _)| !old.contains_key(*k)) {
                changes.push(added(join_key(&path, key), new_value));
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            for index in 0..old.len().max(new.len()) {
                let child = format!("{path}[{index}]");
                match (old.get(index), new.get(index)) {
                    (Some(o), Some(n)) => compare(child, o, n, changes),
                    (Some(o), None) => changes.push(removed(child, o)),
                    (None, Some(n)) => changes.push(added(child, n)),
                    (None, None) => {}
                }
            }
        }
        _ if before != after => changes.push(FieldChange {
            path,
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
        _ => {}
    }
}

fn added(path: String, value: &Value) -> FieldChange {
    FieldChange {
        path,
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> FieldChange {
    FieldChange {
        path,
        before: Some(value.clone()),
        after: None,
    }
}

/// `parent.key`, or `parent["key"]` when the key is not a plain identifier (labels, annotations).
fn join_key(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_owned(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{}]", Value::String(key.to_owned())),
    }
}

/// A value as a reviewer reads it: strings bare, everything else as compact JSON.
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// At most this many fields are listed per object; the rest are counted.
pub const SHOWN_FIELDS: usize = 40;

/// A line diff of a multi-line text field (a script, a config snippet), `None` for other fields.
pub fn text_diff(change: &FieldChange) -> Option<String> {
    let text = |v: &Option<Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        None => Some(String::new()),
        Some(_) => None,
    };
    let (before, after) = (text(&change.before)?, text(&change.after)?);
    if !before.contains('\n') && !after.contains('\n') {
        return None;
    }
    let diff = similar::TextDiff::from_lines(&before, &after);
    let mut out = diff.unified_diff().context_radius(2).to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// How a field's value is summarised on one line: `before → after`, or `(N lines changed)` for text blocks.
pub fn summary(change: &FieldChange) -> String {
    let lines = |v: &Option<Value>| {
        v.as_ref()
            .and_then(Value::as_str)
            .map_or(0, |s| s.lines().count())
    };
    if text_diff(change).is_some() {
        return format!(
            "text, {} → {} lines",
            lines(&change.before),
            lines(&change.after)
        );
    }
    format!(
        "{} → {}",
        show(change.before.as_ref()),
        show(change.after.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_change_added_and_removed_fields() {
        let before =
            json!({"spec": {"values": {"memory": {"limit": "4Gi"}}, "old": 1, "list": [1, 2]}});
        let after =
            json!({"spec": {"values": {"memory": {"limit": "8Gi"}}, "new": true, "list": [1]}});
        let shown: Vec<String> = field_changes(&before, &after)
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.path,
                    show(c.before.as_ref()),
                    show(c.after.as_ref())
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "spec.values.memory.limit: 4Gi → 8Gi",
                "spec.old: 1 → (absent)",
                "spec.list[1]: 2 → (absent)",
                "spec.new: (absent) → true",
            ]
        );
    }

    #[test]
    fn keys_with_dots_are_quoted() {
        let before = json!({"metadata": {"labels": {"app.kubernetes.io/name": "a"}}});
        let after = json!({"metadata": {"labels": {"app.kubernetes.io/name": "b"}}});
        assert_eq!(
            field_changes(&before, &after)[0].path,
            r#"metadata.labels["app.kubernetes.io/name"]"#
        );
        assert!(field_changes(&before, &before).is_empty());
    }

    #[test]
    fn text_blocks_get_a_line_diff() {
        let change = FieldChange {
            path: "x".into(),
            before: Some(json!("a\nb\n")),
            after: Some(json!("a\nc\n")),
        };
        assert_eq!(summary(&change), "text, 2 → 2 lines");
        assert!(text_diff(&change).unwrap().contains("-b\n+c\n"));
        let scalar = FieldChange {
            path: "x".into(),
            before: Some(json!(1)),
            after: None,
        };
        assert_eq!(text_diff(&scalar), None);
        assert_eq!(summary(&scalar), "1 → (absent)");
    }
}
