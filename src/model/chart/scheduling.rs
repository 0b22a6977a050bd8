//! The chart's `scheduling` section: the user scheduler that packs user pods tightly (`userScheduler`), pod
//! priorities (`podPriority`) and placeholder pods that keep room for arriving users (`userPlaceholder`).

use super::pod::{NodeSelector, PodResources, Toleration};
use schemars::JsonSchema;
use serde::Deserialize;

/// The chart's user scheduler; `{enabled: false}` turns it off, the other fields place and size its pods.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct UserScheduler {
    /// On or off (`scheduling.userScheduler.enabled`; the chart's default: on).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Node labels the scheduler pods require (`scheduling.userScheduler.nodeSelector`).
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// CPU and memory of the scheduler container (`scheduling.userScheduler.resources`).
    #[serde(default)]
    pub resources: Option<PodResources>,
}

/// What every user pod (servers, placeholders, image pullers) shares (`scheduling.userPods`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct UserPods {
    /// The user pods' base tolerations (`scheduling.userPods.tolerations`). Set, they replace the chart's
    /// (`hub.jupyter.org/dedicated=user:NoSchedule`, and the same with `_`); `singleuser.tolerations` and a
    /// profile's come after them.
    #[serde(default)]
    pub tolerations: Option<Vec<Toleration>>,
}
