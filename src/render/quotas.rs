//! The Environment's `quotas`: per namespace a `ResourceQuota` (`jupyflux-quota`) and, when it limits CPU or
//! memory, a `LimitRange` (`jupyflux-defaults`) giving containers without requests and limits defaults so the
//! quota admits them. Both go into the directory of the layer that renders the namespace's Namespace object
//! (applied before any pod of the namespace); into a namespace jupyflux does not own (the quota's
//! `existingNamespace: true`), into the layer of the hub or notebooks that run there.

use super::files::Files;
use super::layout::Layout;
use super::notebooks;
use super::object::{metadata, object};
use crate::model::Environment;
use crate::model::quota::Quota;
use serde_json::{Map, Value, json};

/// Name of the ResourceQuota.
pub const QUOTA_NAME: &str = "jupyflux-quota";
/// Name of the LimitRange.
pub const DEFAULTS_NAME: &str = "jupyflux-defaults";

/// Render the quota of every namespace that has one, beside its Namespace object (`homes`: namespace → the path of
/// its `namespace.yaml`).
pub fn render(
    env: &Environment,
    layout: &Layout,
    homes: &std::collections::BTreeMap<String, String>,
    files: &mut Files,
) {
    let sources = &env.definition.sources;
    for (ns, quota) in &env.definition.spec.quotas {
        let ns = ns.as_str();
        let dir = match homes.get(ns) {
            Some(path) => path
                .rsplit_once('/')
                .map_or(String::new(), |(dir, _)| dir.to_owned()),
            None => match env.hubs.iter().find(|h| h.namespace() == ns) {
                Some(hub) => format!("hubs/{}", hub.name),
                None => layout.namespace_dir(notebooks::LAYER, ns),
            },
        };
        files.object(
            &format!("{dir}/resourcequota.yaml"),
            sources,
            &resource_quota(env, ns, quota),
        );
        if quota.limits_compute() {
            files.object(
                &format!("{dir}/limitrange.yaml"),
                sources,
                &limit_range(ns, quota),
            );
        }
    }
}

/// The pods of namespace `ns` that are not user servers: the quota's `otherPods`, else what runs beside the servers.
pub fn other_pods(env: &Environment, ns: &str, quota: &Quota) -> u32 {
    match env.hubs.iter().find(|h| h.namespace() == ns) {
        // Loading refused a hub whose count is unknown.
        Some(hub) => quota.hub_other_pods(&hub.spec).unwrap_or(0),
        None => quota.other_pods.unwrap_or(0),
    }
}

/// The `ResourceQuota` of namespace `ns`.
pub fn resource_quota(env: &Environment, ns: &str, quota: &Quota) -> Value {
    let mut hard = Map::new();
    let mut put = |key: &str, value: String| {
        hard.insert(key.into(), json!(value));
    };
    if let Some(servers) = quota.servers {
        put(
            "pods",
            (u64::from(servers) + u64::from(other_pods(env, ns, quota))).to_string(),
        );
    }
    if let Some(cpu) = &quota.cpu {
        put("requests.cpu", cpu.to_string());
        put("limits.cpu", cpu.to_string());
    }
    if let Some(memory) = &quota.memory {
        put("requests.memory", memory.kubernetes_value());
        put("limits.memory", memory.kubernetes_value());
    }
    if let Some(gpus) = quota.gpus {
        put("requests.nvidia.com/gpu", gpus.to_string());
    }
    if let Some(storage) = &quota.storage {
        put("requests.storage", storage.kubernetes_value());
    }
    if let Some(volumes) = quota.volumes {
        put("persistentvolumeclaims", volumes.to_string());
    }
    object(
        "v1",
        "ResourceQuota",
        metadata(QUOTA_NAME, Some(ns), &[]),
        json!({"spec": {"hard": hard}}),
    )
}

/// The `LimitRange` of namespace `ns`: the defaults of containers that set no CPU or memory.
pub fn limit_range(ns: &str, quota: &Quota) -> Value {
    let (cpu_guarantee, cpu_limit) = quota.default_cpu();
    let (memory_guarantee, memory_limit) = quota.default_memory();
    object(
        "v1",
        "LimitRange",
        metadata(DEFAULTS_NAME, Some(ns), &[]),
        json!({"spec": {"limits": [{
            "type": "Container",
            "default": {"cpu": cpu_limit.to_string(), "memory": memory_limit.kubernetes_value()},
            "defaultRequest": {"cpu": cpu_guarantee.to_string(), "memory": memory_guarantee.kubernetes_value()},
        }]}}),
    )
}
