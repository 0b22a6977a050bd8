//! Kubernetes scheduling and resource settings that several chart sections take for their pods, in the shapes
//! the chart passes through to the pod spec: node selectors, tolerations, node affinity terms, and resource
//! requests and limits (kept as written, so rendered values match a hand-written values file leaf by leaf).

use crate::model::quantity::{Memory, QuantityValue, exceeds};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Node labels a pod requires (`nodeSelector`), e.g. `{kubernetes.io/os: linux}`.
pub type NodeSelector = BTreeMap<String, String>;

/// A Kubernetes toleration.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Toleration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// A node selector requirement (`key`, `operator`, `values`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct MatchExpression {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`.
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// A Kubernetes `NodeSelectorTerm`: every requirement must hold (terms of a list are alternatives).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NodeSelectorTerm {
    /// Requirements on node labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<MatchExpression>,
    /// Requirements on node fields (`metadata.name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_fields: Vec<MatchExpression>,
}

impl NodeSelectorTerm {
    pub fn is_empty(&self) -> bool {
        self.match_expressions.is_empty() && self.match_fields.is_empty()
    }
}

/// A Kubernetes `PreferredSchedulingTerm`: nodes matching `preference` score `weight` (1–100) more.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PreferredSchedulingTerm {
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

/// Resource requests and limits of a pod's container (a Kubernetes `ResourceRequirements`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PodResources {
    /// What the scheduler reserves; at most the limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceList>,
    /// What the container may use at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceList>,
}

/// CPU and memory, as Kubernetes quantities kept as written (`cpu: 100m`, `cpu: 0.5`, `memory: 512Mi`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ResourceList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<QuantityValue>,
    /// Needs a unit (`512Mi`, `1G`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
}

impl PodResources {
    /// Requests above their limits: the field (`["requests", "cpu"]`) and what is wrong.
    pub fn problems(&self) -> Vec<([&'static str; 2], String)> {
        let (requests, limits) = (self.requests.as_ref(), self.limits.as_ref());
        let cpu = exceeds(
            "cpu request",
            requests.and_then(|r| r.cpu.as_ref()),
            limits.and_then(|l| l.cpu.as_ref()),
        )
        .map(|e| (["requests", "cpu"], e));
        let memory = exceeds(
            "memory request",
            requests.and_then(|r| r.memory.as_ref()),
            limits.and_then(|l| l.memory.as_ref()),
        )
        .map(|e| (["requests", "memory"], e));
        cpu.into_iter().chain(memory).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources(json: &str) -> PodResources {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn requests_at_most_the_limits() {
        let fine =
            resources(r#"{"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"cpu": 1}}"#);
        assert!(fine.problems().is_empty());
        let over = resources(
            r#"{"requests": {"cpu": 2, "memory": "2Gi"}, "limits": {"cpu": "500m", "memory": "1G"}}"#,
        );
        let problems = over.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, ["requests", "cpu"]);
        assert_eq!(problems[0].1, "cpu request 2 is more than the limit 500m");
        assert_eq!(
            problems[1].1,
            "memory request 2Gi is more than the limit 1G"
        );
    }

    #[test]
    fn resources_render_as_written() {
        let written = r#"{"requests": {"cpu": 0.5, "memory": "1G"}, "limits": {"cpu": "100m"}}"#;
        assert_eq!(
            serde_json::to_value(resources(written)).unwrap(),
            serde_json::from_str::<serde_json::Value>(written).unwrap()
        );
    }
}
