//! The hub's generated spawner configuration (`hub.extraConfig`): a `profile_list` callable that shows each user
//! only the entries meant for them, and a `modify_pod_hook` that applies the rules on top of the chosen entry.
//! Written only when some entry names users or groups, or the hub has rules.

use super::shared::env_value;
use crate::model::Definition;
use crate::model::auth::Authenticator;
use crate::model::hub::HubSpec;
use crate::model::rule::{EnvValue, Rule};
use crate::model::usage::Target;
use serde_json::{Map, Value, json};

/// The key of the generated snippet under `hub.extraConfig`.
pub const EXTRA_CONFIG_KEY: &str = "jupyflux-profiles";

const TEMPLATE: &str = include_str!("spawn_config.py.tera");

/// Whether the generated configuration reads groups from the authenticator's auth state (some entry or rule
/// names groups, and the authenticator has a groups claim).
pub fn reads_groups_claim(spec: &HubSpec, authenticator: Option<Authenticator<'_>>) -> bool {
    let names_groups = spec.profiles.iter().any(|p| !p.groups.is_empty())
        || spec.rules.iter().any(|r| !r.groups.is_empty());
    names_groups && authenticator.and_then(|a| a.groups_claim()).is_some()
}

/// The `hub.extraConfig` snippet, when some entry names users or groups or the hub has rules.
pub fn extra_config(hub: &Definition<HubSpec>) -> Option<String> {
    let spec = &hub.spec;
    let filters = spec.profiles.iter().any(|p| p.is_restricted());
    if !filters && spec.rules.is_empty() {
        return None;
    }
    let audience: Map<String, Value> = spec
        .profiles
        .iter()
        .filter(|p| p.is_restricted())
        .map(|p| {
            (
                p.slug.clone(),
                json!({"users": p.users, "groups": p.groups}),
            )
        })
        .collect();
    let rules: Vec<Value> = spec.rules.iter().map(|r| rule(hub, r)).collect();
    let groups_claim = spec.auth.authenticator().and_then(|a| a.groups_claim());
    let mut context = tera::Context::new();
    // Data enters the Python as JSON text in a string literal (JSON string escapes are valid Python), so no
    // user, group or value can break out of the literal.
    context.insert("groups_claim", &python_json(&json!(groups_claim)));
    // An empty text (an empty list) leaves that part of the template out.
    let audience = if filters {
        python_json(&Value::Object(audience))
    } else {
        String::new()
    };
    // One line per rule, so a changed rule is a one-line diff.
    let rules: Vec<String> = rules.iter().map(python_json).collect();
    context.insert("audience", &audience);
    context.insert("rules", &rules);
    let text = tera::Tera::one_off(TEMPLATE, &context, false)
        .expect("the spawner configuration template renders");
    Some(text)
}

/// One rule as the hook reads it: Kubernetes shapes (camelCase), quantities as Kubernetes writes them.
fn rule(hub: &Definition<HubSpec>, rule: &Rule) -> Value {
    let env: Vec<Value> = rule
        .env
        .iter()
        .map(|(name, value)| {
            let value = match value {
                EnvValue::Value(value) => env_value(
                    hub,
                    &Target::RuleEnv(rule.name.clone(), name.clone()),
                    value,
                ),
                EnvValue::ConfigMap(c) => json!({"valueFrom": {"configMapKeyRef": {
                    "name": c.config_map, "key": c.key,
                }}}),
            };
            let mut var = json!({"name": name});
            match value {
                Value::String(text) => var["value"] = json!(text),
                Value::Object(source) => var.as_object_mut().expect("object").extend(source),
                other => var["value"] = other,
            }
            var
        })
        .collect();
    let (requests, limits) = requests_and_limits(&rule.resources);
    json!({
        "name": rule.name,
        "users": rule.users,
        "groups": rule.groups,
        "images": rule.images.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "env": env,
        "requests": requests,
        "limits": limits,
        "tolerations": rule.tolerations,
        "required": rule.node_affinity.required,
    })
}

/// A container's `requests` and `limits` for `resources`, as Kubernetes quantities.
fn requests_and_limits(
    resources: &crate::model::profile::Resources,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut requests = Map::new();
    let mut limits = Map::new();
    if let Some(cpu) = &resources.cpu {
        if let Some(g) = &cpu.guarantee {
            requests.insert("cpu".into(), json!(g.as_str()));
        }
        if let Some(l) = &cpu.limit {
            limits.insert("cpu".into(), json!(l.as_str()));
        }
    }
    if let Some(memory) = &resources.memory {
        if let Some(g) = &memory.guarantee {
            requests.insert("memory".into(), json!(g.kubernetes_value()));
        }
        if let Some(l) = &memory.limit {
            limits.insert("memory".into(), json!(l.kubernetes_value()));
        }
    }
    if let Some(gpus) = resources.gpus {
        limits.insert(
            crate::model::profile::GPU_RESOURCE.into(),
            json!(gpus.to_string()),
        );
    }
    for (name, q) in &resources.extra.limits {
        limits.insert(name.clone(), json!(q.to_string()));
    }
    for (name, q) in &resources.extra.guarantees {
        requests.insert(name.clone(), json!(q.to_string()));
    }
    (requests, limits)
}

/// `value` as a Python expression: `json.loads("<json>")`.
fn python_json(value: &Value) -> String {
    let text = serde_json::to_string(value).expect("JSON values serialize");
    let literal = serde_json::to_string(&text).expect("strings serialize");
    format!("json.loads({literal})")
}
