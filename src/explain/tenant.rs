//! What the hub's whole tenant (its namespace) may use at most, from the Environment's `quotas`: shown by
//! `explain` beside what one user gets.

use crate::model::quota::Quota;
use crate::model::{Definition, Environment, HubSpec};

/// The hub namespace's quota, as `(what, at most)` rows; `None` without a quota.
pub struct Tenant {
    pub namespace: String,
    pub rows: Vec<(&'static str, String)>,
}

impl Tenant {
    /// `{namespace, atMost: [{what, most}]}`, as `explain` and `capacity` print it in JSON.
    pub fn json(&self) -> serde_json::Value {
        let rows: Vec<_> = self
            .rows
            .iter()
            .map(|(what, most)| serde_json::json!({"what": what, "most": most}))
            .collect();
        serde_json::json!({"namespace": self.namespace, "atMost": rows})
    }
}

/// The tenant limits of `hub`'s namespace in `env`.
pub fn tenant(env: &Environment, hub: &Definition<HubSpec>) -> Option<Tenant> {
    let namespace = hub.namespace();
    let quota = env
        .definition
        .spec
        .quotas
        .iter()
        .find(|(ns, _)| ns.as_str() == namespace)?
        .1;
    Some(of(env, namespace, quota))
}

/// Every quota of `env`, by namespace (what `capacity` shows beside the pools).
pub fn all(env: &Environment) -> Vec<Tenant> {
    env.definition
        .spec
        .quotas
        .iter()
        .map(|(ns, quota)| of(env, ns.to_string(), quota))
        .collect()
}

/// The rows of `quota` on `namespace`.
fn of(env: &Environment, namespace: String, quota: &Quota) -> Tenant {
    let mut rows = Vec::new();
    if let Some(servers) = quota.servers {
        rows.push(("servers at once", servers.to_string()));
        let other = crate::render::quotas::other_pods(env, &namespace, quota);
        rows.push((
            "pods (servers + other pods)",
            (u64::from(servers) + u64::from(other)).to_string(),
        ));
    }
    if let Some(cpu) = &quota.cpu {
        rows.push(("cpu, requests and limits", cpu.to_string()));
    }
    if let Some(memory) = &quota.memory {
        rows.push(("memory, requests and limits", memory.kubernetes_value()));
    }
    if let Some(gpus) = quota.gpus {
        rows.push(("nvidia.com/gpu", gpus.to_string()));
    }
    if let Some(storage) = &quota.storage {
        rows.push(("storage of volumes", storage.kubernetes_value()));
    }
    if let Some(volumes) = quota.volumes {
        rows.push(("volumes", volumes.to_string()));
    }
    if quota.limits_compute() {
        let (cg, cl) = quota.default_cpu();
        let (mg, ml) = quota.default_memory();
        rows.push((
            "a container without resources gets",
            format!(
                "cpu {cg}–{cl}, memory {}–{}",
                mg.kubernetes_value(),
                ml.kubernetes_value()
            ),
        ));
    }
    Tenant { namespace, rows }
}
