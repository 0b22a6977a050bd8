//! The `VaultStore` definition: a Vault server and KV mount that secret references read from, through
//! External Secrets with Kubernetes auth.

use schemars::JsonSchema;
use serde::Deserialize;

/// A Vault KV mount, read with Kubernetes auth.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct VaultStoreSpec {
    /// Vault address, e.g. `https://vault.example.org:8200`.
    pub server: String,
    /// Mount path of the KV secrets engine, e.g. `secret`.
    pub path: String,
    /// KV engine version.
    #[serde(default)]
    pub version: KvVersion,
    /// Vault Enterprise namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// How External Secrets logs in to Vault.
    pub auth: VaultAuth,
    /// A ConfigMap or Secret (in each namespace using the store) with the CA that signed Vault's certificate.
    #[serde(default)]
    pub ca_provider: Option<CaProvider>,
}

/// Version of Vault's KV secrets engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KvVersion {
    V1,
    #[default]
    V2,
}

impl KvVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            KvVersion::V1 => "v1",
            KvVersion::V2 => "v2",
        }
    }
}

/// Vault authentication (Kubernetes auth is the one supported).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct VaultAuth {
    pub kubernetes: KubernetesAuth,
}

/// Vault's Kubernetes auth method: a service account token exchanged for a Vault token of `role`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct KubernetesAuth {
    /// Where the auth method is mounted in Vault.
    #[serde(default = "default_mount_path")]
    pub mount_path: String,
    /// The Vault role bound to the service account; `{namespace}` in it becomes each SecretStore's namespace (one
    /// role per namespace).
    pub role: String,
    /// Service account jupyflux renders in each namespace using the store.
    #[serde(default = "default_service_account")]
    pub service_account: String,
}

fn default_mount_path() -> String {
    "kubernetes".to_owned()
}

fn default_service_account() -> String {
    "vault-auth".to_owned()
}

/// Where the CA certificate of the Vault server comes from.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CaProvider {
    pub kind: CaSourceKind,
    pub name: String,
    pub key: String,
}

/// The kind of object holding a CA certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum CaSourceKind {
    ConfigMap,
    Secret,
}

impl CaSourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaSourceKind::ConfigMap => "ConfigMap",
            CaSourceKind::Secret => "Secret",
        }
    }
}
