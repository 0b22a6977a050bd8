//! The chart's `hub` section: the hub pod (where it runs, its resources and environment), JupyterHub's own
//! server limits, its services and roles, and the hub database.

use super::pod::{NodeSelector, PodResources, Toleration};
use super::services::{HubRole, HubService};
use crate::model::quantity::Quantity;
use crate::model::secret::{MaybeSecret, SecretRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The hub's container image (`hub.image`), e.g. a registry mirror of the chart's.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubImage {
    /// The repository, without tag or digest (`hub.image.name`), e.g. `registry.example.org/jupyterhub/k8s-hub`.
    pub name: String,
    /// The tag (`hub.image.tag`); unset: the chart's own, which the chart version pins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// The hub pod and JupyterHub's limits on servers; every field unset keeps the chart's default.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubPod {
    /// The hub's image; unset: the chart's.
    #[serde(default)]
    pub image: Option<HubImage>,
    /// Node labels the hub pod requires (`hub.nodeSelector`).
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// Tolerations of the hub pod, besides the chart's core-pod ones (`hub.tolerations`).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// CPU and memory requests and limits of the hub container (`hub.resources`).
    #[serde(default)]
    pub resources: Option<PodResources>,
    /// Environment variables of the hub pod (`hub.extraEnv`): text, or a secret reference.
    #[serde(default)]
    pub env: BTreeMap<String, MaybeSecret>,
    /// Whether `/hub/metrics` needs a token (`hub.authenticatePrometheus`; JupyterHub's default: yes).
    #[serde(default)]
    pub authenticate_prometheus: Option<bool>,
    /// Most servers running at once, hub-wide; 0: no limit (`hub.activeServerLimit`).
    #[serde(default)]
    pub active_server_limit: Option<u32>,
    /// Most servers starting at once; 0: no limit (`hub.concurrentSpawnLimit`, the chart's default 64).
    #[serde(default)]
    pub concurrent_spawn_limit: Option<u32>,
    /// Whether a user may run several named servers (`hub.allowNamedServers`).
    #[serde(default)]
    pub allow_named_servers: Option<bool>,
    /// Most named servers per user; 0: no limit (`hub.namedServerLimitPerUser`; needs `allowNamedServers`).
    #[serde(default)]
    pub named_server_limit_per_user: Option<u32>,
    /// How long KubeSpawner waits for one Kubernetes API request before giving up on it
    /// (`KubeSpawner.k8s_api_request_timeout`, seconds; its default 3): `30` or `30s`. Raise it when a slow hub
    /// times out creating PVCs.
    #[serde(default)]
    pub api_request_timeout: Option<crate::model::seconds::Seconds>,
    /// How long KubeSpawner keeps retrying a failed Kubernetes API request
    /// (`KubeSpawner.k8s_api_request_retry_timeout`, seconds; its default 30): `60` or `1m`.
    #[serde(default)]
    pub api_request_retry_timeout: Option<crate::model::seconds::Seconds>,
    /// The hub pod's NetworkPolicy (`hub.networkPolicy.enabled`; wins over `spec.networkPolicy`).
    #[serde(default)]
    pub network_policy: Option<super::SectionNetworkPolicy>,
    /// Extra volumes of the hub pod (Kubernetes `Volume` objects, `hub.extraVolumes`), e.g. a ConfigMap of
    /// templates.
    #[serde(default)]
    pub extra_volumes: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Where they are mounted in the hub container (`hub.extraVolumeMounts`).
    #[serde(default)]
    pub extra_volume_mounts: Vec<crate::model::profile::VolumeMount>,
    /// JupyterHub services by name (`hub.services`): a web service the proxy routes to, or a program the hub
    /// runs. Their API tokens are the chart's, generated.
    #[serde(default)]
    pub services: BTreeMap<String, HubService>,
    /// JupyterHub roles by name (`hub.loadRoles`): scopes granted to users, groups and services.
    #[serde(default)]
    pub roles: BTreeMap<String, HubRole>,
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
    /// Upgrade the database schema when the hub starts with a newer JupyterHub (`hub.db.upgrade`; the chart's
    /// default: only SQLite is upgraded, after a backup). Needs one of the kinds above.
    #[serde(default)]
    pub upgrade: Option<bool>,
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
    pub storage_class: Option<crate::model::names::DnsSubdomain>,
    /// Annotations of the volume's PersistentVolumeClaim (`hub.db.pvc.annotations`), e.g.
    /// `helm.sh/resource-policy: keep`, so that uninstalling the release keeps the database.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
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
