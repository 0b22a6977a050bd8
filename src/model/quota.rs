//! Quotas as code: the most a tenant (one hub's or notebook namespace) may use at once, rendered as a
//! `ResourceQuota` and, for CPU and memory, a `LimitRange` that gives containers without requests and limits
//! defaults so the quota does not refuse them.

use super::hub::HubSpec;
use super::quantity::{Bounds, Memory, Quantity};
use schemars::JsonSchema;
use serde::Deserialize;

/// What the pods of one namespace may hold at most, all together (`spec.quotas.<namespace>` of the Environment).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Quota {
    /// Most user servers running at once. Rendered as the quota's `pods`: this plus `otherPods` (a
    /// ResourceQuota cannot count pods by label).
    #[serde(default)]
    pub servers: Option<u32>,
    /// Pods of the namespace that are not user servers, added to `servers` in `pods`. Default: 0 in a notebook
    /// namespace; in a hub's, the hub, the proxy and the two user-scheduler pods (2 with `userScheduler` off).
    /// Required with `servers` in a hub's namespace while the hub's image pullers are on (one pod per node each).
    #[serde(default)]
    pub other_pods: Option<u32>,
    /// CPU all pods may request and be limited to, in total (`requests.cpu` and `limits.cpu`), e.g. `"32"`.
    #[serde(default)]
    pub cpu: Option<Quantity>,
    /// Memory all pods may request and be limited to, in total (`requests.memory` and `limits.memory`).
    #[serde(default)]
    pub memory: Option<Memory>,
    /// NVIDIA GPUs all pods may request, in total (`requests.nvidia.com/gpu`).
    #[serde(default)]
    pub gpus: Option<u32>,
    /// Storage all persistent volume claims may request, in total (`requests.storage`).
    #[serde(default)]
    pub storage: Option<Memory>,
    /// Most persistent volume claims (`persistentvolumeclaims`).
    #[serde(default)]
    pub volumes: Option<u32>,
    /// What a container that sets no CPU or memory gets (the `LimitRange`'s `defaultRequest` and `default`).
    #[serde(default)]
    pub defaults: QuotaDefaults,
    /// The namespace exists already (a hub's `managed: false`, the Environment's `existingNamespaces`) and
    /// jupyflux may still put the quota into it. Without it, a quota on a namespace jupyflux does not own is an
    /// error.
    #[serde(default)]
    pub existing_namespace: bool,
}

/// Defaults of containers without requests or limits: what the `LimitRange` fills in.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct QuotaDefaults {
    /// Default `{guarantee: 100m, limit: "1"}`.
    #[serde(default)]
    pub cpu: Option<Bounds<Quantity>>,
    /// Default `{guarantee: 256Mi, limit: 1Gi}`.
    #[serde(default)]
    pub memory: Option<Bounds<Memory>>,
}

/// The default CPU guarantee and limit of a container without them.
pub const DEFAULT_CPU: (&str, &str) = ("100m", "1");
/// The default memory guarantee and limit of a container without them.
pub const DEFAULT_MEMORY: (&str, &str) = ("256Mi", "1Gi");

/// The most of each resource one server takes, as the quota counts it: its limit, else what the LimitRange gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Server {
    pub cpu: f64,
    pub memory: f64,
    pub gpus: u32,
    pub storage: f64,
}

impl Quota {
    /// Whether the quota limits CPU or memory, and so needs the `LimitRange`.
    pub fn limits_compute(&self) -> bool {
        self.cpu.is_some() || self.memory.is_some()
    }

    /// The CPU guarantee and limit a container without them gets.
    pub fn default_cpu(&self) -> (Quantity, Quantity) {
        let d = self.defaults.cpu.clone().unwrap_or(Bounds {
            guarantee: None,
            limit: None,
        });
        let parse = |q: &str| Quantity::parse(q).expect("a quantity");
        (
            d.guarantee.unwrap_or_else(|| parse(DEFAULT_CPU.0)),
            d.limit.unwrap_or_else(|| parse(DEFAULT_CPU.1)),
        )
    }

    /// The memory guarantee and limit a container without them gets.
    pub fn default_memory(&self) -> (Memory, Memory) {
        let d = self.defaults.memory.clone().unwrap_or(Bounds {
            guarantee: None,
            limit: None,
        });
        let parse = |q: &str| Memory::parse(q).expect("a memory quantity");
        (
            d.guarantee.unwrap_or_else(|| parse(DEFAULT_MEMORY.0)),
            d.limit.unwrap_or_else(|| parse(DEFAULT_MEMORY.1)),
        )
    }

    /// The pods of a hub's namespace that are not user servers, unless the quota says: the hub, the proxy and
    /// the user scheduler's two. `None` while image pullers put a pod per node there (nobody knows how many).
    pub fn hub_other_pods(&self, hub: &HubSpec) -> Option<u32> {
        if let Some(n) = self.other_pods {
            return Some(n);
        }
        let puller = hub.pre_puller.as_ref();
        let both = puller.and_then(|p| p.enabled);
        let hook = puller.and_then(|p| p.hook.as_ref()).and_then(|h| h.enabled);
        let continuous = puller
            .and_then(|p| p.continuous.as_ref())
            .and_then(|c| c.enabled);
        if hook.or(both).unwrap_or(true) || continuous.or(both).unwrap_or(true) {
            return None;
        }
        let scheduler = hub.user_scheduler.as_ref().and_then(|s| s.enabled);
        Some(if scheduler.unwrap_or(true) { 4 } else { 2 })
    }

    /// What one server takes of the quota: its pod's CPU cores and memory bytes as `(request, limit)`, its GPUs
    /// and its volume's bytes. Of CPU and memory its limit (the quota caps limits and requests alike); without
    /// one, the larger of its request and the LimitRange's default limit.
    pub fn server(
        &self,
        cpu: (f64, Option<f64>),
        memory: (f64, Option<f64>),
        gpus: u32,
        storage: Option<f64>,
    ) -> Server {
        let (_, cpu_default) = self.default_cpu();
        let (_, memory_default) = self.default_memory();
        Server {
            cpu: cpu.1.unwrap_or_else(|| cpu.0.max(cpu_default.value())),
            memory: memory
                .1
                .unwrap_or_else(|| memory.0.max(memory_default.quantity().value())),
            gpus,
            storage: storage.unwrap_or(0.0),
        }
    }

    /// Why one `server` does not fit in this quota: `(field, what it holds, what the server needs)`, each a
    /// field of the quota.
    pub fn misfits(&self, server: &Server) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        if let Some(cpu) = &self.cpu
            && cpu.value() < server.cpu
        {
            out.push(("cpu", cpu.to_string(), number(server.cpu)));
        }
        if let Some(memory) = &self.memory
            && memory.quantity().value() < server.memory
        {
            out.push(("memory", memory.to_string(), bytes(server.memory)));
        }
        if let Some(gpus) = self.gpus
            && gpus < server.gpus
        {
            out.push(("gpus", gpus.to_string(), server.gpus.to_string()));
        }
        if let Some(storage) = &self.storage
            && storage.quantity().value() < server.storage
        {
            out.push(("storage", storage.to_string(), bytes(server.storage)));
        }
        out
    }
}

/// A CPU amount as Kubernetes writes it: whole cores, else millicores.
pub fn number(cores: f64) -> String {
    if cores.fract() == 0.0 {
        format!("{cores}")
    } else {
        format!("{}m", (cores * 1000.0).round())
    }
}

/// A byte amount in the largest binary unit that divides it.
pub fn bytes(amount: f64) -> String {
    for (unit, size) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        let size = size as f64;
        if amount >= size && (amount / size).fract() == 0.0 {
            return format!("{}{unit}", amount / size);
        }
    }
    format!("{amount}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(yaml: serde_json::Value) -> Quota {
        serde_json::from_value(yaml).unwrap()
    }

    #[test]
    fn a_server_takes_its_limit_else_the_default_limit() {
        let q = quota(serde_json::json!({"cpu": "4", "memory": "8Gi"}));
        let gi = (1u64 << 30) as f64;
        // A request of 1 CPU limited to 2; 1Gi of memory requested, no limit: the default limit (1Gi) or more.
        let server = q.server((1.0, Some(2.0)), (gi, None), 1, Some(10.0 * gi));
        assert_eq!(server.cpu, 2.0);
        assert_eq!(server.memory, gi);
        assert_eq!(server.gpus, 1);
        let big = q.server((0.0, None), (3.0 * gi, None), 0, None);
        assert_eq!((big.cpu, big.memory), (1.0, 3.0 * gi));
    }

    #[test]
    fn misfits_name_each_field_too_small() {
        let q = quota(
            serde_json::json!({"cpu": "1500m", "memory": "1Gi", "gpus": 0, "storage": "5Gi"}),
        );
        let server = Server {
            cpu: 2.0,
            memory: 512.0 * (1u64 << 20) as f64,
            gpus: 1,
            storage: 10.0 * (1u64 << 30) as f64,
        };
        let fields: Vec<_> = q.misfits(&server);
        assert_eq!(
            fields,
            [
                ("cpu", "1500m".to_owned(), "2".to_owned()),
                ("gpus", "0".to_owned(), "1".to_owned()),
                ("storage", "5Gi".to_owned(), "10Gi".to_owned()),
            ]
        );
        assert_eq!(number(0.25), "250m");
    }
}
