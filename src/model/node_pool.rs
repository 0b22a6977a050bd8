//! The `nodePools` of an Environment: what each kind of node offers user servers, for `jupyflux capacity` and
//! the check that every profile and notebook fits a node ([`crate::capacity`]).

use super::names::DnsLabel;
use super::quantity::{Memory, Quantity};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The kubelet's default pod limit per node (`maxPods`).
pub const DEFAULT_MAX_PODS: u32 = 110;

/// One node pool (a group of identical nodes): its allocatable resources per node, labels and taints.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NodePool {
    /// The pool's name (a DNS-1123 label), unique in the environment.
    pub name: DnsLabel,
    /// Allocatable CPU of one node (the node's `status.allocatable.cpu`), e.g. `"7910m"` or `8`.
    pub cpu: Quantity,
    /// Allocatable memory of one node (`status.allocatable.memory`), e.g. `30Gi`.
    pub memory: Memory,
    /// NVIDIA GPUs of one node (`nvidia.com/gpu`); default 0.
    #[serde(default)]
    pub gpus: u32,
    /// The nodes' labels (what node selectors and required node affinity match).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The nodes' taints: a pod needs a matching toleration for each `NoSchedule` / `NoExecute` one.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// What daemonsets (log shippers, GPU plugins, CNI, …) request on every node, subtracted from allocatable.
    #[serde(default)]
    pub reserved: Reserved,
    /// Price of one node for one hour, in the currency of your bill (e.g. `0.38`).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub price_per_hour: Option<f64>,
    /// Number of nodes (at most, with an autoscaler): with it, `capacity` says how many servers the pool holds.
    #[serde(default)]
    pub count: Option<u32>,
    /// Pods one node runs at most (the kubelet's `maxPods`), daemonsets included; default 110.
    #[serde(default = "default_max_pods")]
    pub max_pods: u32,
}

fn default_max_pods() -> u32 {
    DEFAULT_MAX_PODS
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    pub effect: TaintEffect,
}

/// What a taint does to pods that do not tolerate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TaintEffect {
    /// Not scheduled there.
    NoSchedule,
    /// Scheduled there only when nothing else fits (does not exclude the pool).
    PreferNoSchedule,
    /// Not scheduled there, and evicted.
    NoExecute,
}

impl TaintEffect {
    pub fn name(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// Whether a pod without a matching toleration cannot run on the node.
    pub fn excludes(self) -> bool {
        self != TaintEffect::PreferNoSchedule
    }
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value}:{}", self.key, self.effect.name()),
            None => write!(f, "{}:{}", self.key, self.effect.name()),
        }
    }
}

/// Requests of the daemonsets on every node of a pool.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Reserved {
    #[serde(default)]
    pub cpu: Option<Quantity>,
    #[serde(default)]
    pub memory: Option<Memory>,
    /// Pods of the daemonsets (count against `maxPods`).
    #[serde(default)]
    pub pods: u32,
}
