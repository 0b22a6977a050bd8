//! `jupyflux schema`: one JSON Schema for every definition kind, for editors (yaml-language-server) and CI.

use crate::model::image_definition::ImageSpec;
use crate::model::secret_store::SecretStoreSpec;
use crate::model::{API_VERSION, Document, EnvironmentSpec, HubSpec, Kind, VaultStoreSpec};
use crate::notebook::NotebookSpec;
use schemars::{JsonSchema, schema_for};
use serde_json::{Value, json};

/// Any definition document; the schema's branches are told apart by their `kind` const.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code, clippy::large_enum_variant)] // only its schema is used, never a value
enum Definition {
    Environment(Document<EnvironmentSpec>),
    Hub(Document<HubSpec>),
    VaultStore(Document<VaultStoreSpec>),
    SecretStore(Document<SecretStoreSpec>),
    Image(Document<ImageSpec>),
    Notebook(Document<NotebookSpec>),
}

/// The kinds of [`Definition`], in the order of its variants (and so of the schema's branches).
const BRANCHES: [Kind; 6] = [
    Kind::Environment,
    Kind::Hub,
    Kind::VaultStore,
    Kind::SecretStore,
    Kind::Image,
    Kind::Notebook,
];

/// The combined schema: `oneOf` the documents of every kind, each with `apiVersion` and `kind` pinned.
pub fn definitions() -> Value {
    let mut schema = schema_for!(Definition).to_value();
    let branches = schema
        .as_object_mut()
        .and_then(|s| s.remove("anyOf"))
        .and_then(|b| b.as_array().cloned())
        .expect("an untagged enum has an anyOf schema");
    assert_eq!(branches.len(), BRANCHES.len(), "one branch per kind");
    let defs = schema["$defs"]
        .as_object_mut()
        .expect("the documents are definitions");
    let mut pinned = Vec::new();
    for (branch, kind) in branches.iter().zip(BRANCHES) {
        let generated = branch["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .expect("each branch refers to a definition");
        // Only the branches refer to the documents, so they can take names from the domain.
        let mut document = defs.shift_remove(generated).expect("the definition exists");
        document["properties"]["kind"] = json!({"const": kind.name()});
        document["properties"]["apiVersion"] = json!({"const": API_VERSION});
        document["title"] = json!(kind.name());
        let name = format!("{}Document", kind.name());
        pinned.push(json!({"$ref": format!("#/$defs/{name}")}));
        defs.insert(name, document);
    }
    schema["oneOf"] = Value::Array(pinned);
    schema["title"] = json!("jupyflux definition");
    schema["description"] = json!(
        "A jupyflux definition under overlays/: an Environment, a Hub, a VaultStore, a SecretStore, an Image or a Notebook. Print with `jupyflux schema`."
    );
    schema
}

/// The schema of an environment file merged over a base definition of the same kind and name: every
/// field optional (base supplies the rest), only `apiVersion`, `kind` and `metadata` still required.
pub fn overlays() -> Value {
    let mut schema = definitions();
    for (name, def) in schema["$defs"].as_object_mut().into_iter().flatten() {
        if !name.ends_with("Document") {
            drop_required(def);
        } else if let Some(required) = def["required"].as_array_mut() {
            required.retain(|field| field != "spec");
        }
    }
    schema["title"] = json!("jupyflux overlay definition");
    schema["description"] = json!(
        "A jupyflux definition in overlays/<env>/ merged over the one of the same kind and name in overlays/base/: every field is optional. Print with `jupyflux schema --overlay`."
    );
    schema
}

fn drop_required(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("required");
            map.values_mut().for_each(drop_required);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_required),
        _ => {}
    }
}

/// A schema as committed under `schema/`: pretty-printed, one trailing newline.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlays_require_only_identity() {
        let schema = overlays();
        assert_eq!(
            schema["$defs"]["HubDocument"]["required"],
            json!(["apiVersion", "kind", "metadata"])
        );
        assert!(!to_text(&schema["$defs"]["HubSpec"]).contains("\"required\""));
    }

    #[test]
    fn each_branch_pins_its_kind() {
        let schema = definitions();
        let branches = schema["oneOf"].as_array().unwrap();
        for (branch, kind) in branches.iter().zip(BRANCHES) {
            let pointer = branch["$ref"].as_str().unwrap().trim_start_matches('#');
            assert_eq!(
                schema.pointer(pointer).unwrap()["properties"]["kind"]["const"],
                kind.name()
            );
        }
    }
}
