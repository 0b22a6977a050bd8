//! The chart's `prePuller` section: pulling user images onto nodes ahead of time, by a hook before each upgrade
//! (`hook`) and on every new node (`continuous`). The puller DaemonSets follow the user pods' scheduling
//! (`singleuser.nodeSelector`, tolerations); `hook.nodeSelector` places the Job that awaits them.

use super::pod::{NodeSelector, PodResources, Toleration};
use schemars::JsonSchema;
use serde::Deserialize;

/// The image pullers; every field unset keeps the chart's default (both on).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PrePuller {
    /// Both pullers on or off (`prePuller.hook.enabled` and `prePuller.continuous.enabled`); to set one, use
    /// `hook.enabled` or `continuous.enabled` instead.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// CPU and memory of the puller pods' containers (`prePuller.resources`), e.g. for a ResourceQuota.
    #[serde(default)]
    pub resources: Option<PodResources>,
    /// The pull before each install and upgrade (`prePuller.hook`).
    #[serde(default)]
    pub hook: Option<HookPuller>,
    /// The pull on nodes that join (`prePuller.continuous`).
    #[serde(default)]
    pub continuous: Option<ContinuousPuller>,
}

/// The pre-upgrade pull: its DaemonSet, and the `hook-image-awaiter` Job that waits for it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HookPuller {
    /// On or off (`prePuller.hook.enabled`).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Node labels the awaiter Job's pod requires (`prePuller.hook.nodeSelector`).
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// Tolerations of the awaiter Job's pod (`prePuller.hook.tolerations`).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// CPU and memory of the awaiter container (`prePuller.hook.resources`).
    #[serde(default)]
    pub resources: Option<PodResources>,
}

/// The pull on nodes that join the cluster.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ContinuousPuller {
    /// On or off (`prePuller.continuous.enabled`).
    #[serde(default)]
    pub enabled: Option<bool>,
}
