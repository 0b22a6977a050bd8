//! The text of the definitions import writes: an Environment when the target has none, and each Hub, with its
//! spec fields in a fixed, readable order.

use super::read::Release;
use serde_json::{Map, Value, json};

/// The Environment import writes when the target has none.
pub(super) fn environment_text(name: &str, domain: &str) -> String {
    let doc = json!({
        "apiVersion": crate::model::API_VERSION,
        "kind": "Environment",
        "metadata": {"name": name},
        "spec": {"domain": domain},
    });
    format!(
        "# yaml-language-server: $schema=../../schema/jupyflux.json\n# Created by `jupyflux import`: what every hub and notebook of `{name}` shares.\n{}",
        crate::output::emit::yaml(&doc)
    )
}

/// The order of a Hub's spec fields in written definitions.
const SPEC_ORDER: &[&str] = &[
    "namespace",
    "podSecurity",
    "chart",
    "release",
    "dependsOn",
    "valuesFrom",
    "host",
    "expose",
    "auth",
    "secrets",
    "images",
    "singleuser",
    "profiles",
    "sizes",
    "culling",
    "database",
    "hub",
    "proxy",
    "userScheduler",
    "userPods",
    "podPriority",
    "userPlaceholder",
    "prePuller",
    "networkPolicy",
    "debug",
    "values",
    "patches",
];

fn ordered(spec: &Value) -> Value {
    let Some(map) = spec.as_object() else {
        return spec.clone();
    };
    let mut out = Map::new();
    for key in SPEC_ORDER {
        if let Some(v) = map.get(*key) {
            out.insert((*key).to_owned(), v.clone());
        }
    }
    for (k, v) in map {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// The text of an imported Hub definition, its spec fields in the order people read them.
pub(super) fn hub_text(release: &Release, spec: &Value) -> String {
    let doc = json!({
        "apiVersion": crate::model::API_VERSION,
        "kind": "Hub",
        "metadata": {"name": release.name},
        "spec": ordered(spec),
    });
    format!(
        "# yaml-language-server: $schema=../../schema/jupyflux.json\n# Imported by `jupyflux import` from {} (document {}).\n{}",
        release.file,
        release.document,
        crate::output::emit::yaml(&doc)
    )
}
