//! The rest of a hub besides users and their servers: how it is reached, idle culling, its database,
//! scheduling and network policy toggles, and the escape hatches (raw chart values, Kustomize patches).

use super::environment::Tls;
use super::quantity::Quantity;
use super::secret::SecretRef;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
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

/// Stopping idle servers (the chart's jupyterhub-idle-culler).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Culling {
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Seconds of inactivity before a server is stopped.
    #[serde(default)]
    pub timeout: Option<u64>,
    /// Seconds between checks.
    #[serde(default)]
    pub every: Option<u64>,
    /// Seconds after which a server is stopped even when active.
    #[serde(default)]
    pub max_age: Option<u64>,
    /// Also remove idle users (not only their servers).
    #[serde(default)]
    pub users: Option<bool>,
}

fn enabled() -> bool {
    true
}

/// The hub database: exactly one of `sqlite` (a volume), `postgres` or `mysql` (an external server).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Database {
    #[serde(default)]
    pub sqlite: Option<Sqlite>,
    #[serde(default)]
    pub postgres: Option<ExternalDatabase>,
    #[serde(default)]
    pub mysql: Option<ExternalDatabase>,
}

/// SQLite on a PersistentVolumeClaim of the hub.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Sqlite {
    /// Size of the volume (default: the chart's, 1Gi).
    #[serde(default)]
    pub size: Option<Quantity>,
    /// Storage class (default: the Environment's).
    #[serde(default)]
    pub storage_class: Option<super::names::DnsSubdomain>,
}

/// An external database server; its URL (with the password) is a secret.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExternalDatabase {
    /// SQLAlchemy URL, e.g. `postgresql+psycopg2://hub:…@db.example.org:5432/jupyterhub`, from Vault.
    pub url: SecretRef,
}

/// The database kinds under `spec.database`.
pub const DATABASE_CHOICES: [&str; 3] = ["sqlite", "postgres", "mysql"];

impl Database {
    /// The kinds written (valid definitions have at most one).
    pub fn chosen(&self) -> Vec<&'static str> {
        let present = [
            self.sqlite.is_some(),
            self.postgres.is_some(),
            self.mysql.is_some(),
        ];
        DATABASE_CHOICES
            .into_iter()
            .zip(present)
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }

    /// The external database and the chart's `hub.db.type` for it, if one is chosen.
    pub fn external(&self) -> Option<(&'static str, &ExternalDatabase)> {
        self.postgres
            .as_ref()
            .map(|db| ("postgres", db))
            .or(self.mysql.as_ref().map(|db| ("mysql", db)))
    }
}

/// A feature switched on or off.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}

/// A Kustomize patch applied to the hub's rendered objects.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Patch {
    /// Which objects: `{kind, name, namespace, group, version, labelSelector, annotationSelector}`.
    pub target: Map<String, Value>,
    /// A strategic-merge or JSON 6902 patch, as text.
    pub patch: String,
}
