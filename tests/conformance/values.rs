//! Chart values the way Flux and Helm combine them: Flux merges `valuesFrom` and inline values,
//! `targetPath` uses Helm's `--set` path syntax, and Helm coalesces the result over the chart's
//! defaults (where `null` deletes a default).

use serde_json::{Map, Value};

/// One step of a `--set` style path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Flux's `transform.MergeMaps`: maps merge recursively, anything else (null included) replaces.
pub fn merge_maps(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge_maps(existing, value)
                    }
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// Helm's `CoalesceValues`: user values win over chart defaults, maps merge recursively, and a
/// user `null` deletes the key from the defaults.
pub fn coalesce(user: Value, defaults: &Value) -> Value {
    let (mut user, defaults) = match (user, defaults) {
        (Value::Object(user), Value::Object(defaults)) => (user, defaults),
        (user, _) => return user,
    };
    for (key, default) in defaults {
        match user.get_mut(key) {
            None => {
                user.insert(key.clone(), default.clone());
            }
            Some(Value::Null) => {
                user.remove(key);
            }
            Some(value) => {
                *value = coalesce(value.take(), default);
            }
        }
    }
    Value::Object(user)
}

/// Parses a Helm `--set` path: `a.b.c`, `a.b[0].c`, escaped dots `a\.b`.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut key = String::new();
    let mut after_index = false;
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => key.push(chars.next().ok_or("path ends with a backslash")?),
            '.' if key.is_empty() && after_index => after_index = false,
            '.' if key.is_empty() => return Err(format!("empty key in path {path:?}")),
            '.' => segments.push(Segment::Key(std::mem::take(&mut key))),
            '[' => {
                if !key.is_empty() {
                    segments.push(Segment::Key(std::mem::take(&mut key)));
                }
                let digits: String = chars.by_ref().take_while(|&d| d != ']').collect();
                let index = digits
                    .parse()
                    .map_err(|_| format!("bad list index [{digits}] in path {path:?}"))?;
                segments.push(Segment::Index(index));
                after_index = true;
            }
            other => key.push(other),
        }
    }
    if !key.is_empty() {
        segments.push(Segment::Key(key));
    } else if !after_index {
        return Err(format!("path {path:?} ends without a key"));
    }
    Ok(segments)
}

/// Sets `value` at `path`, creating maps and lists on the way (like `helm --set`).
pub fn set_path(target: &mut Value, path: &[Segment], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *target = value;
        return;
    };
    match first {
        Segment::Key(key) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let map = target.as_object_mut().expect("just made an object");
            set_path(map.entry(key.clone()).or_insert(Value::Null), rest, value);
        }
        Segment::Index(index) => {
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let list = target.as_array_mut().expect("just made a list");
            if list.len() <= *index {
                list.resize(index + 1, Value::Null);
            }
            set_path(&mut list[*index], rest, value);
        }
    }
}

/// The sub-schema of a JSON Schema that governs `path` (properties, patternProperties,
/// additionalProperties, items), if the schema says anything about it.
pub fn schema_at<'a>(schema: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(schema, |node, segment| match segment {
        Segment::Key(key) => node["properties"]
            .get(key)
            .or_else(|| matching_pattern_property(node, key))
            .or_else(|| node.get("additionalProperties").filter(|s| s.is_object())),
        Segment::Index(_) => node.get("items").filter(|s| s.is_object()),
    })
}

fn matching_pattern_property<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    let patterns = node["patternProperties"].as_object()?;
    patterns.iter().find_map(|(pattern, schema)| {
        let matcher = serde_json::json!({ "pattern": pattern });
        jsonschema::draft7::is_valid(&matcher, &Value::from(key)).then_some(schema)
    })
}

/// A stand-in for a value we cannot know (a Secret's content), of the type the schema expects;
/// a string when the schema does not say (Flux inserts the secret's text).
pub fn placeholder(schema: Option<&Value>) -> Value {
    let declared = schema.and_then(|s| match &s["type"] {
        Value::String(single) => Some(single.as_str()),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    });
    match declared {
        Some("integer" | "number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        Some("array") => Value::Array(Vec::new()),
        Some("object") => Value::Object(Map::new()),
        Some("null") => Value::Null,
        _ => Value::from("placeholder"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coalesce_follows_helm_null_deletes_and_maps_merge() {
        let defaults = json!({"a": {"x": 1, "y": 2}, "b": [1, 2], "c": "keep"});
        let user = json!({"a": {"y": null, "z": 3}, "b": [9], "d": null});
        let merged = coalesce(user, &defaults);
        assert_eq!(
            merged,
            json!({"a": {"x": 1, "z": 3}, "b": [9], "c": "keep", "d": null})
        );
    }

    #[test]
    fn flux_merge_replaces_lists_and_keeps_nulls() {
        let mut base = json!({"a": {"x": 1}, "b": [1]});
        merge_maps(&mut base, json!({"a": {"y": 2}, "b": [2], "c": null}));
        assert_eq!(base, json!({"a": {"x": 1, "y": 2}, "b": [2], "c": null}));
    }

    #[test]
    fn set_paths_parse_escaped_dots_and_indices() {
        let path = parse_path(r"hub.config.a\.b[1].c").unwrap();
        let key = |k: &str| Segment::Key(k.into());
        let expected = [
            key("hub"),
            key("config"),
            key("a.b"),
            Segment::Index(1),
            key("c"),
        ];
        assert_eq!(path, expected);
        let mut values = json!({"hub": {"other": true}});
        set_path(&mut values, &path, json!("s"));
        assert_eq!(
            values,
            json!({"hub": {"other": true, "config": {"a.b": [null, {"c": "s"}]}}})
        );
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[x]").is_err());
    }

    #[test]
    fn placeholders_take_the_type_the_schema_declares() {
        let schema = json!({"properties": {"hub": {"properties": {
            "n": {"type": ["integer", "null"]},
            "config": {"patternProperties": {"^[A-Z]": {"type": "object", "additionalProperties": true}}},
        }}}});
        let at = |p: &str| placeholder(schema_at(&schema, &parse_path(p).unwrap()));
        assert_eq!(at("hub.n"), json!(0));
        assert_eq!(at("hub.config.Authenticator"), json!({}));
        assert_eq!(at("hub.config.Authenticator.secret"), json!("placeholder"));
        assert_eq!(at("hub.config.lower"), json!("placeholder"));
    }
}
