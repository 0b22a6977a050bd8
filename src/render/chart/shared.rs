//! Helpers every values section uses: settings written only when set, resource bounds as the chart and
//! KubeSpawner write them, numbers without a needless fraction, and environment variables that may come from a
//! secret.

use crate::model::Definition;
use crate::model::hub::{Bounds, HubSpec};
use crate::model::quantity::{Memory, Quantity};
use crate::model::secret::MaybeSecret;
use crate::model::usage::{Target, secret_name};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Set `values[key]` to `value` unless it is unset or empty (`null`, `{}`, `[]`): only what the definition
/// decides is written, and the chart's default stays for the rest.
pub fn put<T: Serialize + ?Sized>(values: &mut Value, key: &str, value: &T) {
    let value = serde_json::to_value(value).expect("settings serialize");
    let empty = match &value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(list) => list.is_empty(),
        _ => false,
    };
    if !empty {
        values[key] = value;
    }
}

/// Environment variables as the chart's `extraEnv` takes them: text as is, secrets as `secretKeyRef`s to the
/// Secret External Secrets writes for `target(name)`.
pub fn extra_env(
    hub: &Definition<HubSpec>,
    env: &BTreeMap<String, MaybeSecret>,
    target: impl Fn(&str) -> Target,
) -> Map<String, Value> {
    env.iter()
        .map(|(name, value)| (name.clone(), env_value(hub, &target(name), value)))
        .collect()
}

/// One environment variable's value: text as is, a secret as `valueFrom.secretKeyRef` (KubeSpawner and the chart
/// both read this form).
pub fn env_value(hub: &Definition<HubSpec>, target: &Target, value: &MaybeSecret) -> Value {
    match value {
        MaybeSecret::Literal(text) => json!(text),
        MaybeSecret::Secret(_) => {
            let (name, key) = hub
                .spec
                .secret_uses()
                .into_iter()
                .find(|u| &u.target == target)
                .map(|u| u.in_cluster(|| secret_name(&hub.name, target)))
                .expect("every secret env var is a secret use");
            json!({"valueFrom": {"secretKeyRef": {"name": name, "key": key}}})
        }
    }
}

/// `{guarantee, limit}` of CPU as numbers.
pub fn cpu_bounds(cpu: &Bounds<Quantity>) -> Map<String, Value> {
    let mut bounds = Map::new();
    if let Some(g) = &cpu.guarantee {
        bounds.insert("guarantee".into(), number(g.value()));
    }
    if let Some(l) = &cpu.limit {
        bounds.insert("limit".into(), number(l.value()));
    }
    bounds
}

/// `{guarantee, limit}` of memory as KubeSpawner writes it (`4G`, `512M`).
pub fn memory_bounds(memory: &Bounds<Memory>) -> Map<String, Value> {
    let mut bounds = Map::new();
    if let Some(g) = &memory.guarantee {
        bounds.insert("guarantee".into(), json!(g.spawner_value()));
    }
    if let Some(l) = &memory.limit {
        bounds.insert("limit".into(), json!(l.spawner_value()));
    }
    bounds
}

/// A number as JSON: whole numbers without a fraction (`2`, not `2.0`).
pub fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}
