//! Turning a CRD's OpenAPI v3 structural schema into a draft-07 JSON Schema that behaves like the
//! API server with strict field validation (what Flux's server-side apply uses).

use serde_json::{Map, Value, json};

/// The JSON Schema for `apiVersion`/`kind` from a CustomResourceDefinition document, or why there
/// is none (version absent or not served). `object_meta` replaces the CRD's bare
/// `metadata: {type: object}`.
pub fn custom_resource_schema(
    crd: &Value,
    api_version: &str,
    kind: &str,
    object_meta: &Value,
) -> Result<Value, String> {
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    let versions = crd["spec"]["versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(entry) = versions.iter().find(|v| v["name"] == version) else {
        let known: Vec<&str> = versions.iter().filter_map(|v| v["name"].as_str()).collect();
        return Err(format!(
            "{api_version} {kind}: version {version} is not in the CRD (it has {})",
            known.join(", ")
        ));
    };
    if entry["served"] != true {
        return Err(format!(
            "{api_version} {kind}: version {version} is not served"
        ));
    }
    let openapi = &entry["schema"]["openAPIV3Schema"];
    if !openapi.is_object() {
        return Err(format!(
            "{api_version} {kind}: the CRD has no openAPIV3Schema"
        ));
    }
    let mut schema = convert(openapi, false);
    let properties = schema
        .as_object_mut()
        .and_then(|s| s.get_mut("properties"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{api_version} {kind}: the CRD schema has no properties"))?;
    properties.insert("apiVersion".into(), json!({"enum": [api_version]}));
    properties.insert("kind".into(), json!({"enum": [kind]}));
    properties.insert("metadata".into(), object_meta.clone());
    Ok(schema)
}

/// Converts one schema node. `in_junctor` is true below allOf/anyOf/oneOf/not, where structural
/// schemas only constrain values and must not close the set of properties.
fn convert(node: &Value, in_junctor: bool) -> Value {
    let Value::Object(source) = node else {
        return node.clone();
    };
    let mut out = Map::new();
    for (key, value) in source {
        let converted = match key.as_str() {
            "properties" | "patternProperties" | "definitions" => map_values(value, in_junctor),
            "items" | "additionalProperties" => convert(value, false),
            "not" => convert(value, true),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => {
                    Value::Array(branches.iter().map(|b| convert(b, true)).collect())
                }
                other => other.clone(),
            },
            "nullable" | "description" | "example" => continue,
            "x-kubernetes-validations" => value.clone(), // see cel.rs
            extension if extension.starts_with("x-kubernetes-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if source.get("nullable") == Some(&Value::Bool(true)) {
        allow_null(&mut out);
    }
    if flag(source, "x-kubernetes-int-or-string") && !out.contains_key("anyOf") {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    let is_object = out.contains_key("properties") || out.get("type") == Some(&json!("object"));
    let keeps_unknown = flag(source, "x-kubernetes-preserve-unknown-fields");
    if is_object && !in_junctor && !keeps_unknown && !out.contains_key("additionalProperties") {
        // The API server prunes unknown fields, and rejects them under strict field validation.
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

fn map_values(value: &Value, in_junctor: bool) -> Value {
    match value {
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(name, schema)| (name.clone(), convert(schema, in_junctor)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn flag(node: &Map<String, Value>, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// `nullable: true`: null is accepted in addition to the declared type (and enum).
fn allow_null(node: &mut Map<String, Value>) {
    if let Some(Value::String(single)) = node.get("type") {
        let both = json!([single, "null"]);
        node.insert("type".into(), both);
    }
    if let Some(Value::Array(allowed)) = node.get_mut("enum")
        && !allowed.contains(&Value::Null)
    {
        allowed.push(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structural_schema_is_closed_nullable_and_int_or_string_aware() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "served": true, "schema": {"openAPIV3Schema": {
            "type": "object",
            "properties": {
                "metadata": {"type": "object"},
                "spec": {"type": "object", "properties": {
                    "when": {"type": "string", "nullable": true},
                    "port": {"x-kubernetes-int-or-string": true},
                    "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                }},
            },
        }}}]}});
        let schema = custom_resource_schema(&crd, "x.io/v1", "Thing", &json!({})).unwrap();
        let spec = &schema["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], false);
        assert_eq!(
            spec["properties"]["when"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(spec["properties"]["port"]["anyOf"][1]["type"], "string");
        assert!(
            spec["properties"]["values"]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(
            spec["properties"]["labels"]["additionalProperties"]["type"],
            "string"
        );
        assert_eq!(schema["properties"]["kind"]["enum"], json!(["Thing"]));
        let unserved = custom_resource_schema(&crd, "x.io/v2", "Thing", &json!({}));
        assert!(unserved.unwrap_err().contains("not in the CRD"));
    }
}
