//! The chart's `ingress` and `httpRoute` sections: how users reach the hub (or the proxy's own Service, see
//! `load_balancer`).

pub use super::load_balancer::LoadBalancer;
use crate::model::environment::Tls;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How users reach the hub: an Ingress (default), a Gateway API HTTPRoute, the proxy's own Service
/// (`loadBalancer`), or none of them (`none`): at most one.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Expose {
    /// An Ingress; class and TLS default to the Environment's.
    #[serde(default)]
    pub ingress: Option<HubIngress>,
    /// A Gateway API HTTPRoute attached to an existing Gateway.
    #[serde(default)]
    pub http_route: Option<HttpRoute>,
    /// No Ingress and no route (`none: {}`): the hub is reached some other way (a port-forward, a route made
    /// elsewhere).
    #[serde(default)]
    pub none: Option<NoExposure>,
    /// The proxy's own Service, a load balancer or node port (no Ingress, no route), optionally with TLS at the
    /// proxy and TCP ports (SSH) through the chart's Traefik pod.
    #[serde(default)]
    pub load_balancer: Option<LoadBalancer>,
}

impl Expose {
    /// The field names under `spec.expose`, each a way of exposure.
    pub const CHOICES: [&'static str; 4] = ["ingress", "httpRoute", "none", "loadBalancer"];

    /// The ways of exposure written (valid definitions have at most one).
    pub fn chosen(&self) -> Vec<&'static str> {
        let set = [
            self.ingress.is_some(),
            self.http_route.is_some(),
            self.none.is_some(),
            self.load_balancer.is_some(),
        ];
        Self::CHOICES
            .into_iter()
            .zip(set)
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }
}

/// Settings of no exposure (none).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NoExposure {}

/// Ingress for the hub's proxy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubIngress {
    #[serde(default)]
    pub class_name: Option<String>,
    #[serde(default)]
    pub tls: Option<Tls>,
    /// Extra annotations for the Ingress (e.g. body size limits of the ingress controller).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// More host names the Ingress serves besides the hub's `host` (TLS covers them too).
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// A Gateway API HTTPRoute to the hub's proxy.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HttpRoute {
    /// The Gateway the route attaches to (it must exist).
    pub gateway: GatewayRef,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A Gateway, and optionally one of its listeners.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GatewayRef {
    pub name: String,
    /// Namespace of the Gateway (default: the hub's).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Listener of the Gateway, e.g. `https`.
    #[serde(default)]
    pub section_name: Option<String>,
}
