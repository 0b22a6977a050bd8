//! `hub.services` and `hub.loadRoles`, together (a role names services): typed when every service and role has
//! only keys jupyflux types. An `apiToken` is a secret and keeps the whole section under `values`.

use super::{Builder, Part};
use serde_json::{Map, Value};

/// Service keys as JupyterHub takes them, and the typed field of each.
const SERVICE_KEYS: [(&str, &str); 5] = [
    ("url", "url"),
    ("command", "command"),
    ("oauth_no_confirm", "oauthNoConfirm"),
    ("display", "display"),
    ("environment", "environment"),
];

/// Role keys (the typed fields have the same names).
const ROLE_KEYS: [&str; 5] = ["description", "scopes", "users", "groups", "services"];

pub fn lift(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "hub.services and hub.loadRoles");
    let mut taken: Vec<[String; 4]> = Vec::new();
    let services = b.peek(&["hub", "services"]);
    let roles = b.peek(&["hub", "loadRoles"]);
    if services.is_none() && roles.is_none() {
        return None;
    }
    let mut typed_services = Map::new();
    for (name, service) in services
        .map(Value::as_object)
        .unwrap_or(Some(&Map::new()))?
    {
        let mut typed = Map::new();
        for (key, value) in service.as_object()? {
            if key == "name" && value.as_str() == Some(name) {
                continue;
            }
            let (_, field) = SERVICE_KEYS.iter().find(|(k, _)| k == key)?;
            typed.insert((*field).to_owned(), value.clone());
            taken.push(["hub".into(), "services".into(), name.clone(), key.clone()]);
        }
        typed_services.insert(name.clone(), Value::Object(typed));
    }
    let mut typed_roles = Map::new();
    for (name, role) in roles.map(Value::as_object).unwrap_or(Some(&Map::new()))? {
        let mut typed = Map::new();
        for (key, value) in role.as_object()? {
            if key == "name" && value.as_str() == Some(name) {
                continue;
            }
            if !ROLE_KEYS.contains(&key.as_str()) {
                return None;
            }
            typed.insert(key.clone(), value.clone());
            taken.push(["hub".into(), "loadRoles".into(), name.clone(), key.clone()]);
        }
        typed_roles.insert(name.clone(), Value::Object(typed));
    }
    // Key by key: a value taken out for a person (a `${VAR}` URL) is not counted as typed.
    for path in &taken {
        b.take(&path.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if !typed_services.is_empty() {
        b.field(&["hub", "services"], Value::Object(typed_services));
    }
    if !typed_roles.is_empty() {
        b.field(&["hub", "roles"], Value::Object(typed_roles));
    }
    b.finish()
}
