//! The chart's `ingress` and `httpRoute` sections: how users reach the hub.

use crate::model::environment::Tls;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How users reach the hub: an Ingress (default) or a Gateway API HTTPRoute, never both.
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
}

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
