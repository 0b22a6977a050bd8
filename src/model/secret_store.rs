//! The `SecretStore` definition: an External Secrets store of any provider (AWS Secrets Manager, Google Secret
//! Manager, Azure Key Vault, 1Password, Bitwarden, Kubernetes, …), rendered as an ESO `SecretStore` in each
//! namespace that reads from it — or an existing `ClusterSecretStore` the platform runs, for which nothing is
//! rendered. References name it as `{store: <name>, key, property}`, as ESO's `remoteRef` does.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An External Secrets store: a provider block, or an existing ClusterSecretStore.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SecretStoreSpec {
    /// ESO's `SecretStore.spec.provider`, as ESO takes it: exactly one provider (e.g.
    /// `aws: {service: SecretsManager, region: eu-west-1, auth: {jwt: {serviceAccountRef: {name: eso}}}}`).
    /// Credentials it needs are references to Kubernetes Secrets (`secretRef`), never values.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// An existing `ClusterSecretStore` to read through instead (nothing is rendered for it).
    #[serde(default)]
    pub cluster_secret_store: Option<String>,
    /// A ServiceAccount rendered in each namespace using the store, for providers that log in with the pod's
    /// identity (AWS IRSA, GKE and Azure workload identity annotations).
    #[serde(default)]
    pub service_account: Option<StoreServiceAccount>,
}

/// A ServiceAccount a store logs in with.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct StoreServiceAccount {
    pub name: String,
    /// E.g. `eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/jupyflux-eso`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One ESO provider and its settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Provider(pub BTreeMap<String, serde_json::Value>);

impl Provider {
    /// The provider's name and settings, when exactly one is given.
    pub fn only(&self) -> Option<(&str, &serde_json::Value)> {
        match self.0.iter().next() {
            Some((name, settings)) if self.0.len() == 1 => Some((name, settings)),
            _ => None,
        }
    }
}

impl JsonSchema for Provider {
    fn schema_name() -> Cow<'static, str> {
        "SecretStoreProvider".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = PROVIDERS.to_vec();
        json_schema!({
            "description": "ESO's SecretStore spec.provider: exactly one provider, its settings as ESO documents them.",
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": {"enum": names},
            "additionalProperties": {"type": "object"},
        })
    }
}

/// The providers of External Secrets' `SecretStore` (v1, ESO 0.x–2.9).
pub const PROVIDERS: &[&str] = &[
    "akeyless",
    "aws",
    "azurekv",
    "barbican",
    "beyondtrust",
    "bitwardensecretsmanager",
    "chef",
    "cloudrusm",
    "conjur",
    "delinea",
    "doppler",
    "fake",
    "fortanix",
    "gcpsm",
    "github",
    "gitlab",
    "ibm",
    "infisical",
    "keepersecurity",
    "kubernetes",
    "ngrok",
    "onboardbase",
    "onepassword",
    "onepasswordSDK",
    "openBao",
    "oracle",
    "passbolt",
    "passworddepot",
    "previder",
    "pulumi",
    "scaleway",
    "secretserver",
    "senhasegura",
    "vault",
    "volcengine",
    "webhook",
    "yandexcertificatemanager",
    "yandexlockbox",
];

/// A store a reference reads from: a `VaultStore` or a `SecretStore`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Store<'a> {
    Vault(&'a super::Definition<super::VaultStoreSpec>),
    External(&'a super::Definition<SecretStoreSpec>),
}

impl<'a> Store<'a> {
    /// The definition's name.
    pub fn name(self) -> &'a str {
        match self {
            Store::Vault(store) => &store.name,
            Store::External(store) => &store.name,
        }
    }

    /// The files the definition comes from.
    pub fn sources(self) -> &'a [String] {
        match self {
            Store::Vault(store) => &store.sources,
            Store::External(store) => &store.sources,
        }
    }

    /// What an ExternalSecret's `secretStoreRef` names: the kind and name of the ESO store.
    pub fn store_ref(self) -> (&'static str, &'a str) {
        match self {
            Store::External(store) => match &store.spec.cluster_secret_store {
                Some(cluster) => ("ClusterSecretStore", cluster),
                None => ("SecretStore", &store.name),
            },
            Store::Vault(store) => ("SecretStore", &store.name),
        }
    }
}
