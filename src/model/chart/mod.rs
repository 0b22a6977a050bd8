//! The sections of a Hub that mirror the Zero to JupyterHub chart's values, one module per section: `hub` (the
//! hub pod and its database), `proxy`, `singleuser`, `scheduling`, `pre_puller`, `expose` (`ingress` /
//! `httpRoute`), `load_balancer` (the proxy's own Service, `proxy.https`, TCP ports), `cull`; `extra_files` and
//! `pod` hold shapes several sections share. What is not a chart value (the Flux release, the namespace, the escape
//! hatches) stays in `super::hub`.

pub mod cull;
pub mod expose;
pub mod extra_files;
pub mod hub;
pub mod load_balancer;
pub mod pod;
pub mod pre_puller;
pub mod proxy;
pub mod scheduling;
pub mod services;
pub mod singleuser;

use schemars::JsonSchema;
use serde::Deserialize;

/// One section's NetworkPolicy (`<section>.networkPolicy`): on or off, and egress it allows besides the chart's
/// rules.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SectionNetworkPolicy {
    /// The section's NetworkPolicy on or off (`networkPolicy.enabled`; wins over `spec.networkPolicy`).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Egress rules added to the policy (`networkPolicy.egress`, Kubernetes `NetworkPolicyEgressRule`s), e.g.
    /// `[{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 5432}]}]`; `[{}]` allows all egress.
    #[serde(default)]
    pub egress: Option<Vec<k8s_openapi::api::networking::v1::NetworkPolicyEgressRule>>,
}

/// A feature switched on or off.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}
