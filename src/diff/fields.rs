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
/// Maps are compared key by key; lists are aligned first (a minimal edit script over the items), so an item
/// inserted or removed is one change at its index, and only items that replace others are compared field by
/// field; anything else is compared whole.
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
        (Value::Array(old), Value::Array(new)) => compare_lists(&path, old, new, changes),
        _ if before != after => changes.push(FieldChange {
            path,
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
        _ => {}
    }
}

/// Lists aligned by a minimal edit script over their items (compared whole): kept items are no change, an
/// inserted item is added at its new index, a deleted one removed at its old index, and items replacing others
/// pair up in order and are compared field by field.
fn compare_lists(path: &str, old: &[Value], new: &[Value], changes: &mut Vec<FieldChange>) {
    use similar::{Algorithm, DiffOp, capture_diff_slices};
    let text = |items: &[Value]| items.iter().map(Value::to_string).collect::<Vec<_>>();
    let (old_text, new_text) = (text(old), text(new));
    let at = |index: usize| format!("{path}[{index}]");
    for op in capture_diff_slices(Algorithm::Myers, &old_text, &new_text) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                let items = old[old_index..old_index + old_len].iter();
                for (i, item) in (old_index..).zip(items) {
                    changes.push(removed(at(i), item));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                let items = new[new_index..new_index + new_len].iter();
                for (i, item) in (new_index..).zip(items) {
                    changes.push(added(at(i), item));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let paired = old_len.min(new_len);
                for k in 0..paired {
                    compare(
                        at(new_index + k),
                        &old[old_index + k],
                        &new[new_index + k],
                        changes,
                    );
                }
                let gone = old[old_index + paired..old_index + old_len].iter();
                for (i, item) in (old_index + paired..).zip(gone) {
                    changes.push(removed(at(i), item));
                }
                let came = new[new_index + paired..new_index + new_len].iter();
                for (i, item) in (new_index + paired..).zip(came) {
                    changes.push(added(at(i), item));
                }
            }
        }
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
    fn an_item_inserted_into_a_list_is_one_change() {
        let env = |names: &[&str]| json!({"env": names.iter().map(|n| json!({"name": n, "value": "x"})).collect::<Vec<_>>()});
        let changes = field_changes(
            &env(&["A", "B", "C", "D"]),
            &env(&["A", "NEW", "B", "C", "D"]),
        );
        assert_eq!(
            changes,
            [FieldChange {
                path: "env[1]".into(),
                before: None,
                after: Some(json!({"name": "NEW", "value": "x"})),
            }]
        );
        let changes = field_changes(&env(&["A", "B", "C"]), &env(&["A", "C"]));
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].path.as_str(), changes[0].after.as_ref()),
            ("env[1]", None)
        );
        // An item that changes in place is still compared field by field.
        let before = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let after = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]});
        let changes = field_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "env[1].value");
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
