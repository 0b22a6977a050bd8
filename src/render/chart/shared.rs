//! Helpers every values section uses: resource bounds as the chart and KubeSpawner write them, numbers without a
//! needless fraction, and environment variables that may come from a secret.

use crate::model::Definition;
use crate::model::hub::{Bounds, HubSpec};
use crate::model::quantity::{Memory, Quantity};
use crate::model::secret::MaybeSecret;
use crate::model::usage::{Target, secret_name};
use serde_json::{Map, Value, json};

/// One environment variable's value: text as is, a secret as `valueFrom.secretKeyRef` (KubeSpawner and the chart
/// both read this form).
pub fn env_value(hub: &Definition<HubSpec>, target: &Target, value: &MaybeSecret) -> Value {
    match value {
        MaybeSecret::Literal(text) => json!(text),
        MaybeSecret::Secret(_) => {
            let key = hub
                .spec
                .secret_uses()
                .into_iter()
                .find(|u| &u.target == target)
                .map(|u| u.secret_key)
                .expect("every secret env var is a secret use");
            json!({"valueFrom": {"secretKeyRef": {"name": secret_name(&hub.name, target), "key": key}}})
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
