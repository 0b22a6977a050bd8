//! The chart's `proxy` section: where the configurable-http-proxy pod (`proxy.chp`) runs and what it may use,
//! and where the `autohttps` Traefik pod (`proxy.traefik`) runs. Its Service type, TLS and TCP ports are the
//! exposure's (see `expose` and `load_balancer`), not settings of this section.

use super::pod::{NodeSelector, PodResources, Toleration};
use schemars::JsonSchema;
use serde::Deserialize;

/// The proxy pod (configurable-http-proxy); every field unset keeps the chart's default.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Proxy {
    /// Node labels the proxy pod requires (`proxy.chp.nodeSelector`).
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// Tolerations of the proxy pod, besides the chart's core-pod ones (`proxy.chp.tolerations`).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// CPU and memory requests and limits of the proxy container (`proxy.chp.resources`).
    #[serde(default)]
    pub resources: Option<PodResources>,
    /// The proxy pod's NetworkPolicy (`proxy.chp.networkPolicy.enabled`; wins over `spec.networkPolicy`).
    #[serde(default)]
    pub network_policy: Option<super::SectionNetworkPolicy>,
    /// Where the chart's Traefik pod (`proxy.traefik`, the `autohttps` pod that runs only with
    /// `expose.loadBalancer.https.letsencrypt`) runs.
    #[serde(default)]
    pub traefik: Placement,
}

/// Where a pod runs: node labels it requires and tolerations besides the chart's core-pod ones.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Placement {
    #[serde(default)]
    pub node_selector: NodeSelector,
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
}
