//! The `Hub` definition: one JupyterHub, deployed as one HelmRelease of the Zero to JupyterHub chart.

use super::environment::Tls;
use super::image::Image;
use super::quantity::{Memory, Quantity};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The chart repository every hub is installed from unless its definition says otherwise.
pub const CHART_REPOSITORY: &str = "https://hub.jupyter.org/helm-chart/";

/// One JupyterHub.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubSpec {
    /// Namespace of the hub (default: the hub's name).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The Zero to JupyterHub chart release to install.
    pub chart: Chart,
    /// Public host name (default: `<hub>.<environment domain>`).
    #[serde(default)]
    pub host: Option<String>,
    /// Ingress settings; class and TLS default to the Environment's.
    #[serde(default)]
    pub ingress: HubIngress,
    /// Who may log in and who administers the hub.
    pub auth: Auth,
    /// What every user's server gets.
    pub singleuser: Singleuser,
}

/// The chart version (and, rarely, a mirror of the chart repository).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Chart {
    /// Exact chart version, e.g. `4.3.1` (ranges would let output drift).
    pub version: String,
    /// Helm repository URL (default: the JupyterHub chart repository).
    #[serde(default = "default_repository")]
    pub repository: String,
}

fn default_repository() -> String {
    CHART_REPOSITORY.to_owned()
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

/// Authentication: exactly one authenticator, plus user lists.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    /// JupyterHub's dummy authenticator: any password works. Only for trials; must be chosen explicitly.
    #[serde(default)]
    pub dummy: Option<Dummy>,
    /// Users with admin rights in the hub.
    #[serde(default)]
    pub admin_users: Vec<String>,
    /// Users allowed to log in (in addition to admins); empty means whoever the authenticator lets in.
    #[serde(default)]
    pub allowed_users: Vec<String>,
}

/// Settings of the dummy authenticator (none).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Dummy {}

/// Defaults for every user's notebook server.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Singleuser {
    /// The notebook image, pinned by tag or digest.
    pub image: Image,
    /// CPU cores guaranteed and at most allowed.
    #[serde(default)]
    pub cpu: Option<Bounds<Quantity>>,
    /// Memory guaranteed and at most allowed.
    #[serde(default)]
    pub memory: Option<Bounds<Memory>>,
    /// A persistent volume per user (default: 10Gi of the default storage class, as the chart does).
    #[serde(default)]
    pub storage: Storage,
    /// URL a user lands on (default `/lab`).
    #[serde(default = "default_url")]
    pub default_url: String,
}

fn default_url() -> String {
    "/lab".to_owned()
}

/// A guaranteed amount and a limit of a resource.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Bounds<Q> {
    pub guarantee: Option<Q>,
    pub limit: Option<Q>,
}

/// Dynamic per-user storage: one PersistentVolumeClaim per user.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Storage {
    /// Size of each user's volume.
    pub capacity: Quantity,
    /// Storage class (default: the Environment's, else the cluster default).
    #[serde(default)]
    pub storage_class: Option<String>,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            capacity: Quantity::parse("10Gi").expect("valid quantity"),
            storage_class: None,
        }
    }
}
