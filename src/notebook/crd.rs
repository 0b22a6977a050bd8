//! The `Notebook` CustomResourceDefinition: generated from the Rust types, made structural for the API server,
//! and annotated so the Squonk2 Data Manager can launch notebooks through it.

use super::spec::{Notebook, NotebookSpec, NotebookStatus};
use crate::render::object::{metadata, object};
use kube::CustomResourceExt;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// Data Manager: the CRD is an application it can launch.
pub const APPLICATION: &str = "data-manager.informaticsmatters.com/application";
/// Data Manager: the namespaces it may launch the application in, joined with `:`.
pub const APPLICATION_NAMESPACES: &str =
    "data-manager.informaticsmatters.com/application-namespaces";
/// Data Manager: where in `status` the application's URL is (a dotted path, as in the Squonk2 operator's CRD).
pub const APPLICATION_URL_LOCATION: &str =
    "data-manager.informaticsmatters.com/application-url-location";

/// The CRD of `Notebook.jupyflux.dev`; `namespaces` are where the Data Manager may create notebooks.
pub fn crd<N: AsRef<str>>(namespaces: &[N]) -> Value {
    // Generating the schema is most of rendering a small project: once per process, not per environment.
    static UNANNOTATED: OnceLock<Value> = OnceLock::new();
    let mut crd = UNANNOTATED.get_or_init(unannotated).clone();
    crd["metadata"]["annotations"] = json!({
        APPLICATION: "yes",
        APPLICATION_NAMESPACES: namespaces.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(":"),
        APPLICATION_URL_LOCATION: "url",
    });
    crd
}

/// The CRD without the Data Manager's annotations (which name an environment's namespaces).
fn unannotated() -> Value {
    let generated = serde_json::to_value(Notebook::crd()).expect("a CRD serializes");
    let mut spec = generated["spec"].clone();
    let root = json!({
        "type": "object",
        "description": "A standalone Jupyter notebook server.",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": schema_of::<NotebookSpec>(),
            "status": schema_of::<NotebookStatus>(),
        },
    });
    spec["versions"][0]["schema"] = json!({"openAPIV3Schema": root});
    let meta = metadata(Notebook::crd_name(), None, &[]);
    object(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        meta,
        json!({"spec": spec}),
    )
}

/// The OpenAPI v3 schema of `T`, inlined and made structural.
fn schema_of<T: JsonSchema>() -> Value {
    let settings = SchemaSettings::openapi3().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Value::Object(map) = &mut schema {
        map.remove("title");
        map.remove("$defs");
        map.remove("definitions");
        map.remove("components");
    }
    structural(&mut schema);
    schema
}

/// Rewrite what the API server rejects in a structural schema: `additionalProperties: false`, multi-type
/// quantities (→ int-or-string), one-of-several-objects enums (→ one object with every property, the loader and
/// the controller check "exactly one"), and text-or-object values (→ preserved as written).
fn structural(schema: &mut Value) {
    let Value::Object(map) = schema else {
        if let Value::Array(items) = schema {
            items.iter_mut().for_each(structural);
        }
        return;
    };
    map.values_mut().for_each(structural);
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        map.remove("type");
        if types.iter().any(|t| t == "null") {
            map.insert("nullable".into(), json!(true));
        }
        let types: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
        match types.as_slice() {
            [one] => {
                map.insert("type".into(), (*one).clone());
            }
            _ => {
                map.insert("x-kubernetes-int-or-string".into(), json!(true));
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = map.remove(key) else {
            continue;
        };
        if branches.iter().all(|b| b["type"] == "object") {
            let mut properties = Map::new();
            for branch in &branches {
                if let Some(Value::Object(p)) = branch.get("properties") {
                    properties.extend(p.clone());
                }
            }
            map.insert("type".into(), json!("object"));
            map.insert("properties".into(), Value::Object(properties));
        } else if let [only] = branches.as_slice() {
            map.extend(only.as_object().cloned().unwrap_or_default());
        } else {
            map.retain(|k, _| k == "description");
            map.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk<'a>(schema: &'a Value, found: &mut Vec<&'a Value>) {
        found.push(schema);
        match schema {
            Value::Object(map) => map.values().for_each(|v| walk(v, found)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }

    #[test]
    fn schema_is_structural() {
        let crd = crd(&["a", "b"]);
        assert_eq!(
            crd["metadata"]["annotations"][APPLICATION_NAMESPACES],
            "a:b"
        );
        let mut nodes = Vec::new();
        walk(&crd["spec"]["versions"][0]["schema"], &mut nodes);
        for node in nodes {
            assert!(
                node.get("oneOf").is_none()
                    && node.get("anyOf").is_none()
                    && node.get("$ref").is_none(),
                "{node}"
            );
            assert!(node.get("additionalProperties") != Some(&Value::Bool(false)));
        }
        assert_eq!(crd["spec"]["scope"], "Namespaced");
        assert!(crd["spec"]["versions"][0]["subresources"]["status"].is_object());
    }
}
