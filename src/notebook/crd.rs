//! The `Notebook` CustomResourceDefinition: generated from the Rust types, made structural for the API server,
//! as strict as the types (patterns, enums, exactly-one-of), and annotated so the Squonk2 Data Manager can launch
//! notebooks through it.
//!
//! The schema accepts what `NotebookSpec` decodes and `validate()` accepts, field by field (`tests/crd_strict.rs`
//! proves it over generated variants). What OpenAPI cannot say is left to the controller, which reports it on the
//! notebook: the cross-field rules of `validate()` (root without the opt-in, an OIDC login admitting nobody) as
//! `InvalidSpec`, and the shape of `env` values (text or a secret reference, which a structural schema cannot
//! express) as `Undecodable`. Quantities written as non-integer numbers (`cpu: 1.5`) are the one place the schema is
//! stricter: Kubernetes' int-or-string takes integers and strings only (`"1.5"` is fine).

use super::spec::{Notebook, NotebookSpec, NotebookStatus};
use crate::model::seconds::SECONDS_PATTERN;
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
            "spec": strict(schema_of::<NotebookSpec>()),
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

/// Rewrite what the API server rejects in a structural schema: `additionalProperties: false` (unknown fields are
/// pruned, or rejected under strict field validation), `null` in types (the API server drops a null field that is
/// not `nullable`, and an absent field reads as `None`), multi-type quantities (→ int-or-string), enums of
/// constants (→ `enum`), one-of-several-objects enums (→ one object with every property, plus a `oneOf` of which
/// properties are present), and text-or-object values (→ preserved as written).
fn structural(schema: &mut Value) {
    let Value::Object(map) = schema else {
        if let Value::Array(items) = schema {
            items.iter_mut().for_each(structural);
        }
        return;
    };
    map.values_mut().for_each(structural);
    map.remove("nullable");
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        map.remove("type");
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
    if map.get("type") == Some(&json!("null")) {
        map.remove("type");
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(mut branches)) = map.remove(key) else {
            continue;
        };
        let null = |b: &Value| {
            b.get("type") == Some(&json!("null")) || b.get("enum") == Some(&json!([null]))
        };
        branches.retain(|b| !null(b) && b != &json!({}));
        if let [only] = branches.as_slice() {
            map.extend(only.as_object().cloned().unwrap_or_default());
            continue;
        }
        let constants: Option<Vec<Vec<Value>>> = branches
            .iter()
            .map(|b| match (b.get("const"), b.get("enum")) {
                (Some(one), _) => Some(vec![one.clone()]),
                (None, Some(Value::Array(many))) => Some(many.clone()),
                _ => None,
            })
            .collect();
        if let Some(constants) = constants.filter(|c| !c.is_empty()) {
            map.insert("type".into(), json!("string"));
            map.insert("enum".into(), Value::Array(constants.concat()));
        } else if !branches.is_empty() && branches.iter().all(|b| b["type"] == "object") {
            one_object(map, &branches);
        } else {
            map.retain(|k, _| k == "description");
            map.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
        }
    }
}

/// One object with the properties of every branch, and `oneOf` the branches' presence rules: a branch's required
/// properties are present and no property of another branch is.
fn one_object(map: &mut Map<String, Value>, branches: &[Value]) {
    let mut properties = Map::new();
    for branch in branches {
        if let Some(Value::Object(p)) = branch.get("properties") {
            properties.extend(p.clone());
        }
    }
    let rules: Vec<Value> = branches
        .iter()
        .map(|branch| {
            let own = branch.get("properties").and_then(Value::as_object);
            let others: Vec<Value> = properties
                .keys()
                .filter(|p| !own.is_some_and(|own| own.contains_key(*p)))
                .map(|p| json!({"required": [p]}))
                .collect();
            let mut rule =
                json!({"required": branch.get("required").cloned().unwrap_or(json!([]))});
            if !others.is_empty() {
                rule["not"] = json!({"anyOf": others});
            }
            rule
        })
        .collect();
    map.insert("type".into(), json!("object"));
    map.insert("properties".into(), Value::Object(properties));
    map.insert("oneOf".into(), Value::Array(rules));
}

/// Rust's `char::is_whitespace`, as a regex character-class body that Go's RE2 (the API server) and ECMA regexes
/// (JSON Schema) read alike: literal characters, as the two share no escape for U+0085 or U+3000.
const SPACE: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// `pattern` with `~` standing for [`SPACE`].
fn pattern(pattern: &str) -> Value {
    json!(pattern.replace('~', SPACE))
}

/// An image tag other than `latest` (RE2, which the API server uses, has no look-ahead).
const NOT_LATEST: &str = "([^@/:~]{1,5}|[^@/:~]{7,}|[^l@/:~][^@/:~]{5}|l[^a@/:~][^@/:~]{4}|la[^t@/:~][^@/:~]{3}|lat[^e@/:~][^@/:~]{2}|late[^s@/:~][^@/:~]|lates[^t@/:~])";
/// A Kubernetes quantity as `Quantity::parse` reads it.
const QUANTITY: &str = crate::model::quantity::QUANTITY_PATTERN;
/// A memory size as `Memory::parse` reads it.
/// A unit is required (`4` is 4 bytes); the 1Mi floor is left to the controller.
const MEMORY: &str = r"^\+?([0-9]+\.?[0-9]*|\.[0-9]+)(k|M|G|T|Ki|Mi|Gi|Ti)$";
/// A DNS-1123 subdomain (`is_dns_subdomain`), with `maxLength: 253`.
const DNS_SUBDOMAIN: &str =
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";
/// An absolute URL path without `//` (`validate`'s `is_path`).
const PATH: &str = r"^/([A-Za-z0-9._~-]+/)*[A-Za-z0-9._~-]*$";

/// Tighten the structural schema of `NotebookSpec` to what the type and `validate()` accept, field by field.
fn strict(mut spec: Value) -> Value {
    let props = &mut spec["properties"];
    // `PinnedImage`: no space; a non-empty tag after the last `/` other than `latest`, or a sha256 digest. (A
    // definition may also write `{fromImage: NAME}`; the resource holds the reference it was resolved to.)
    props["image"] = json!({
        "type": "string",
        "pattern": pattern(&format!(
            "^([^@~]+:{NOT_LATEST}|[^@~]*[^@~:]@sha256:[0-9a-f]{{64}})$"
        )),
        "description": "The server's image, pinned by tag (`repo:tag`) or digest (`repo@sha256:…`, `repo:tag@sha256:…`).",
    });
    props["owner"]["pattern"] = pattern("[^~]");
    for bound in ["guarantee", "limit"] {
        let cpu = &mut props["resources"]["properties"]["cpu"]["properties"][bound];
        cpu["pattern"] = json!(QUANTITY);
        cpu["minimum"] = json!(0);
        // A memory size always has a unit, so it is a string (never int-or-string).
        let memory = &mut props["resources"]["properties"]["memory"]["properties"][bound];
        *memory = json!({"type": "string", "pattern": MEMORY, "description": memory["description"].clone()});
    }
    for id in ["runAsUser", "runAsGroup", "fsGroup"] {
        props["securityContext"]["properties"][id]["minimum"] = json!(0);
    }
    // `Seconds`: whole seconds or a duration with units (`pattern` applies to strings, `minimum` to numbers).
    for field in ["idleTimeout", "maxAge"] {
        let time = &mut props["culling"]["properties"][field];
        *time = json!({
            "description": time["description"].clone(),
            "x-kubernetes-int-or-string": true,
            "pattern": SECONDS_PATTERN,
            "minimum": 0,
        });
    }
    let size = &mut props["storage"]["properties"]["new"]["properties"]["size"];
    size["pattern"] = json!(QUANTITY);
    size["minimum"] = json!(0);
    // A project id is a sub-path: relative and not empty (`..` segments are left to `validate()`).
    let id = &mut props["project"]["properties"]["id"];
    id["pattern"] = json!("^[^/]");
    let routing = &mut props["routing"]["properties"];
    routing["host"]["pattern"] = json!(DNS_SUBDOMAIN);
    routing["host"]["maxLength"] = json!(253);
    routing["pathPrefix"]["pattern"] = json!(PATH);
    let oidc = &mut props["auth"]["properties"]["oidc"]["properties"];
    oidc["issuerUrl"]["pattern"] = pattern("^https://[^~]*$");
    oidc["allowedEmails"]["items"]["pattern"] = pattern("^[^@~]+@[^@~]*\\.[^@~]*$");
    secret_references(&mut spec);
    spec
}

/// `SecretRef::parse_short`: one `#`, a key and a property that are not blank.
fn secret_references(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("pattern") == Some(&json!("^[^#]+#[^#]+$")) {
                map.insert(
                    "pattern".into(),
                    pattern("^[^#]*[^#~][^#]*#[^#]*[^#~][^#]*$"),
                );
            }
            map.values_mut().for_each(secret_references);
        }
        Value::Array(items) => items.iter_mut().for_each(secret_references),
        _ => {}
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
            assert!(node.get("$ref").is_none(), "{node}");
            // `oneOf` and `anyOf` only as value validations: which properties are present, never a type.
            let junctions = ["oneOf", "anyOf"].map(|k| node.get(k).and_then(Value::as_array));
            for rule in junctions.into_iter().flatten().flatten() {
                let keys: Vec<&String> = rule.as_object().unwrap().keys().collect();
                assert!(
                    keys.iter().all(|k| *k == "required" || *k == "not"),
                    "{rule}"
                );
            }
            assert!(
                node.get("nullable").is_none() && node.get("const").is_none(),
                "{node}"
            );
            assert!(node.get("additionalProperties") != Some(&Value::Bool(false)));
        }
        assert_eq!(crd["spec"]["scope"], "Namespaced");
        assert!(crd["spec"]["versions"][0]["subresources"]["status"].is_object());
    }
}
