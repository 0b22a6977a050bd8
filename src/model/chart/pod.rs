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

/// A Linux group id of a pod's processes (`supplementalGroups`): a whole number, written as a number or as digits
/// (`110` or `"110"`), and rendered as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupId {
    pub id: u32,
    /// Written as text (`"110"`).
    pub quoted: bool,
}

impl JsonSchema for GroupId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GroupId".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Linux group id: a whole number, or its digits",
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": 4294967295u32},
                {"type": "string", "pattern": "^[0-9]+$"},
            ],
        })
    }
}

impl Serialize for GroupId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.quoted {
            s.collect_str(&self.id)
        } else {
            s.serialize_u32(self.id)
        }
    }
}

impl<'de> Deserialize<'de> for GroupId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = GroupId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a group id: a whole number such as 100 (or its digits, \"100\")")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<GroupId, E> {
                u32::try_from(v)
                    .map(|id| GroupId { id, quoted: false })
                    .map_err(|_| E::custom(format!("group id {v} is more than 4294967295")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<GroupId, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("group id {v} is negative")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GroupId, E> {
                match v.parse::<u32>() {
                    Ok(id) if v.bytes().all(|b| b.is_ascii_digit()) => {
                        Ok(GroupId { id, quoted: true })
                    }
                    _ => Err(E::custom(format!(
                        "`{v}` is not a group id: write a whole number such as 100"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(V)
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

    #[test]
    fn a_group_id_is_a_whole_number_kept_as_written() {
        for text in ["110", "\"110\""] {
            let id: super::GroupId = serde_json::from_str(text).unwrap();
            assert_eq!(id.id, 110);
            assert_eq!(serde_json::to_string(&id).unwrap(), text);
        }
        for bad in ["-1", "\"render\"", "\"+1\"", "1.5", "4294967296"] {
            assert!(
                serde_json::from_str::<super::GroupId>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
