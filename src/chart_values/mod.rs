//! Chart values the way Flux and Helm combine them: Flux merges `valuesFrom` and inline values, `targetPath` uses
//! Helm's `--set` path syntax, and Helm coalesces the result over the chart's defaults (where `null` deletes a
//! default). Used by `jupyflux values`, by `validate` (against a chart's `values.schema.json`) and by the
//! conformance tests.

pub mod chart;
mod schema;
mod tgz;

pub use chart::{Chart, ChartError, read_chart};
pub use schema::{Violation, violations};

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

/// Helm's `CoalesceValues`: user values win over chart defaults, maps merge recursively, and a user `null`
/// deletes the key from the defaults.
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

/// The sub-schema of a JSON Schema that governs `path` (properties, patternProperties, additionalProperties,
/// items), if the schema says anything about it.
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

/// A stand-in for a value that cannot be known (a Secret's content), of the type the schema expects; a string
/// when the schema does not say (Flux inserts the secret's text).
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

/// One entry of a HelmRelease's `spec.valuesFrom`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesFrom {
    /// `Secret` or `ConfigMap`.
    pub kind: String,
    pub name: String,
    /// The key of the Secret or ConfigMap (Flux's default: `values.yaml`).
    pub key: String,
    /// Where the value goes (`--set` syntax); `None`: the key holds a whole values document.
    pub target_path: Option<String>,
    pub optional: bool,
}

impl ValuesFrom {
    /// The entries of a HelmRelease's `spec.valuesFrom`, in order.
    pub fn of_release(release: &Value) -> Vec<ValuesFrom> {
        let text = |entry: &Value, field: &str| entry[field].as_str().map(str::to_owned);
        release["spec"]["valuesFrom"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| ValuesFrom {
                kind: text(entry, "kind").unwrap_or_default(),
                name: text(entry, "name").unwrap_or_default(),
                key: text(entry, "valuesKey").unwrap_or_else(|| "values.yaml".to_owned()),
                target_path: text(entry, "targetPath"),
                optional: entry["optional"] == true,
            })
            .collect()
    }

    /// How `jupyflux values` shows the value: `<from Secret research-chart-secrets key proxy-token>`.
    pub fn describe(&self) -> String {
        format!("<from {} {} key {}>", self.kind, self.name, self.key)
    }
}

/// The values a HelmRelease sends: each `valuesFrom` entry with a `targetPath` set (in order) to what `fill`
/// gives for it, then the inline `spec.values` merged over them (Flux's order). Entries without a `targetPath`
/// (whole documents, unknown here) are not applied; the caller lists them from [`ValuesFrom::of_release`].
pub fn release_values(
    release: &Value,
    mut fill: impl FnMut(&ValuesFrom, &[Segment]) -> Value,
) -> Result<Value, String> {
    let mut values = Value::Object(Map::new());
    for entry in ValuesFrom::of_release(release) {
        let Some(target) = &entry.target_path else {
            continue;
        };
        let path = parse_path(target)
            .map_err(|e| format!("valuesFrom {} key {}: {e}", entry.name, entry.key))?;
        let value = fill(&entry, &path);
        set_path(&mut values, &path, value);
    }
    let inline = release["spec"]["values"].clone();
    if !inline.is_null() {
        merge_maps(&mut values, inline);
    }
    Ok(values)
}

#[cfg(test)]
mod tests;
