//! An [`Explanation`] as JSON (`explain --format json`): for scripts, and what the spawn tests compare with the
//! pod the generated configuration makes. Settings in Kubernetes shapes; each with what set it under `from`.

use super::{Entry, Explanation};
use crate::model::auth::Admission;
use crate::model::rule::EnvValue;
use crate::model::secret::MaybeSecret;
use crate::model::selection::Selection;
use crate::model::usage::secret_name;
use serde_json::{Map, Value, json};

/// The explanation as a JSON value.
pub fn json(e: &Explanation<'_>) -> Value {
    let (admitted, why) = match &e.login {
        Admission::Yes(why) => ("yes", why),
        Admission::No(why) => ("no", why),
        Admission::Depends(why) => ("depends", why),
    };
    json!({
        "environment": e.environment,
        "hub": e.hub.name,
        "user": e.user,
        "groups": e.groups,
        "imageAsked": e.image.map(ToString::to_string),
        "login": {"admitted": admitted, "why": why},
        "entries": e.entries.iter().map(|entry| entry_json(e, entry)).collect::<Vec<_>>(),
        "hidden": e.hidden.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(),
        "policy": e.policy,
        "quota": e.tenant.as_ref().map(super::tenant::Tenant::json),
    })
}

fn entry_json(e: &Explanation<'_>, entry: &Entry<'_>) -> Value {
    let mut value = server(e, &entry.server);
    value["slug"] = json!(entry.profile.map(|p| p.slug.as_str()));
    value["name"] = json!(entry.profile.map(|p| p.name.as_str()));
    value["preselected"] = json!(entry.preselected);
    value["lacksImage"] = json!(entry.lacks_image);
    value["variants"] = Value::Array(entry.variants.iter().map(|v| server(e, v)).collect());
    value
}

/// One server: its choices, the rules that matched, and its settings with their origins.
fn server(e: &Explanation<'_>, s: &Selection<'_>) -> Value {
    let mut from = Map::new();
    let mut note = |key: String, origin: &str| {
        from.insert(key, json!(origin));
    };
    note("image".into(), &s.image.from);
    note("defaultUrl".into(), &s.default_url.from);
    let mut requests = Map::new();
    let mut limits = Map::new();
    for (kind, name, value) in [
        ("requests", "cpu", &s.cpu_guarantee),
        ("limits", "cpu", &s.cpu_limit),
        ("requests", "memory", &s.memory_guarantee),
        ("limits", "memory", &s.memory_limit),
    ] {
        if let Some(v) = value {
            let map = if kind == "requests" {
                &mut requests
            } else {
                &mut limits
            };
            map.insert(name.into(), json!(v.value));
            note(format!("{kind}.{name}"), &v.from);
        }
    }
    if let Some(gpus) = &s.gpus {
        let name = crate::model::profile::GPU_RESOURCE;
        limits.insert(name.into(), json!(gpus.value.to_string()));
        note(format!("limits.{name}"), &gpus.from);
    }
    for (map, kind, extra) in [
        (&mut limits, "limits", &s.extra_limits),
        (&mut requests, "requests", &s.extra_guarantees),
    ] {
        for (name, v) in extra {
            map.insert(name.clone(), json!(v.value));
            note(format!("{kind}.{name}"), &v.from);
        }
    }
    let mut env = Map::new();
    for (name, v) in &s.env {
        let value = match &v.value.value {
            EnvValue::Value(MaybeSecret::Literal(text)) => json!({"value": text}),
            EnvValue::Value(MaybeSecret::Secret(reference)) => {
                let hub = e.hub;
                let (secret, key) = hub
                    .spec
                    .secret_uses()
                    .into_iter()
                    .find(|u| u.target == v.value.target)
                    .map(|u| u.in_cluster(|| secret_name(&hub.name, &v.value.target)))
                    .unwrap_or_default();
                json!({"secret": reference.to_string(), "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
            }
            EnvValue::ConfigMap(c) => {
                json!({"valueFrom": {"configMapKeyRef": {"name": c.config_map, "key": c.key}}})
            }
        };
        env.insert(name.clone(), value);
        note(format!("env.{name}"), &v.from);
    }
    let tolerations: Vec<Value> = s
        .tolerations
        .iter()
        .enumerate()
        .map(|(i, t)| {
            note(format!("tolerations.{i}"), &t.from);
            json!(t.value)
        })
        .collect();
    let node_selector: Map<String, Value> = s
        .node_selector
        .iter()
        .map(|(label, v)| {
            note(format!("nodeSelector.{label}"), &v.from);
            (label.clone(), json!(v.value))
        })
        .collect();
    let terms: Vec<Value> = s
        .node_affinity
        .iter()
        .enumerate()
        .map(|(i, term)| {
            let expressions: Vec<Value> = term
                .iter()
                .enumerate()
                .map(|(j, x)| {
                    note(format!("nodeAffinity.{i}.{j}"), &x.from);
                    json!(x.value)
                })
                .collect();
            json!({"matchExpressions": expressions})
        })
        .collect();
    let choices: Map<String, Value> = s
        .choices
        .iter()
        .map(|c| (c.option.clone(), json!(c.key)))
        .collect();
    let rules: Vec<&str> = s.matched().map(|r| r.name.as_str()).collect();
    json!({
        "choices": choices,
        "rules": rules,
        "image": s.image.value.to_string(),
        "defaultUrl": s.default_url.value,
        "resources": {"requests": requests, "limits": limits},
        "env": env,
        "tolerations": tolerations,
        "nodeSelector": node_selector,
        "nodeAffinityRequired": terms,
        "shm": s.shm.as_ref().map(|v| v.value.as_str()),
        "problems": s.problems(),
        "from": from,
    })
}
