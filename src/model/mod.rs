//! The input definitions as typed Rust values, and the validated [`Model`] that rendering reads.

pub mod auth;
pub mod chart;
pub mod chart_source;
pub mod cilogon;
pub mod environment;
pub mod extra_objects;
pub mod hub;
pub mod image;
pub mod image_definition;
pub mod names;
pub mod namespace;
pub mod node_pool;
pub mod policy;
pub mod policy_rules;
pub mod profile;
pub mod quantity;
pub mod quota;
pub mod release;
pub mod required;
pub mod rule;
pub mod seconds;
pub mod secret;
pub mod secret_store;
pub mod selection;
pub mod usage;
pub mod vault;

pub use environment::EnvironmentSpec;
pub use hub::HubSpec;
pub use secret::SecretRef;
pub use vault::VaultStoreSpec;

use crate::notebook::NotebookSpec;

use schemars::JsonSchema;
use serde::Deserialize;

/// The `apiVersion` of every definition.
pub const API_VERSION: &str = "jupyflux.dev/v1alpha1";

/// The kinds of definition jupyflux reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Environment,
    Hub,
    VaultStore,
    SecretStore,
    Image,
    Notebook,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Environment,
        Kind::Hub,
        Kind::VaultStore,
        Kind::SecretStore,
        Kind::Image,
        Kind::Notebook,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Environment => "Environment",
            Kind::Hub => "Hub",
            Kind::VaultStore => "VaultStore",
            Kind::SecretStore => "SecretStore",
            Kind::Image => "Image",
            Kind::Notebook => "Notebook",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A definition document as written: Kubernetes-style `apiVersion`, `kind`, `metadata`, `spec`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Document<S> {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: S,
}

/// Identity of a definition.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Metadata {
    /// A DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters.
    pub name: String,
    /// The namespace of a `Notebook` (required there, and only there): a DNS-1123 label.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// A definition after merging base and environment, with the files it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition<S> {
    pub name: String,
    /// Definition files (relative to the project root) in merge order: base first.
    pub sources: Vec<String>,
    pub spec: S,
}

/// Everything one environment deploys.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    /// The environment's directory name under `overlays/`.
    pub name: String,
    pub definition: Definition<EnvironmentSpec>,
    /// Hubs, sorted by name.
    pub hubs: Vec<Definition<HubSpec>>,
    /// Vault stores secret references read from, sorted by name.
    pub vault_stores: Vec<Definition<VaultStoreSpec>>,
    /// External Secrets stores of other providers, sorted by name.
    pub secret_stores: Vec<Definition<secret_store::SecretStoreSpec>>,
    /// Standalone notebooks, sorted by name. A base notebook no environment changes is one value shared by every
    /// environment (fleets have thousands).
    pub notebooks: Vec<std::sync::Arc<NotebookDefinition>>,
    /// Images built from the repository and tagged by content, sorted by name.
    pub images: Vec<image_definition::BuiltImage>,
}

/// A `Notebook` definition and the namespace it is created in.
#[derive(Clone, Debug, PartialEq)]
pub struct NotebookDefinition {
    pub namespace: String,
    pub definition: Definition<NotebookSpec>,
}

/// The whole validated input: environments sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub environments: Vec<Environment>,
}

impl Definition<HubSpec> {
    /// The namespace the hub is deployed to (default: its name).
    pub fn namespace(&self) -> String {
        self.spec
            .namespace
            .as_ref()
            .map_or_else(|| self.name.clone(), |ns| ns.name.to_string())
    }

    /// Whether jupyflux owns the hub's namespace (renders its Namespace object), as it does unless the hub says
    /// `namespace: {name: …, managed: false}`.
    pub fn namespace_managed(&self) -> bool {
        self.spec.namespace.as_ref().is_none_or(|ns| ns.managed)
    }
}

impl Environment {
    /// The store a reference reads from (its own, else the Environment's default), if it exists.
    pub fn store_of(&self, reference: &SecretRef) -> Option<secret_store::Store<'_>> {
        let name = reference.store_or(self.definition.spec.secret_store.as_deref())?;
        self.store_named(name)
    }

    /// The `VaultStore` or `SecretStore` named `name`.
    pub fn store_named(&self, name: &str) -> Option<secret_store::Store<'_>> {
        let vault = self.vault_stores.iter().find(|s| s.name == name);
        let other = self.secret_stores.iter().find(|s| s.name == name);
        vault
            .map(secret_store::Store::Vault)
            .or(other.map(secret_store::Store::External))
    }

    /// The host a hub is served on (default: `<hub>.<domain>`).
    pub fn hub_host(&self, hub: &Definition<HubSpec>) -> String {
        hub.spec
            .host
            .clone()
            .unwrap_or_else(|| format!("{}.{}", hub.name, self.definition.spec.domain))
    }
}

/// Whether `name` is a DNS-1123 label (what Kubernetes accepts for namespaces and most names).
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// Whether `name` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for ok in ["a", "research", "hub-1", "0day"] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "Research", "-a", "a-", "a_b", "a.b", &"x".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(is_dns_subdomain("jupyter.example.org"));
        assert!(!is_dns_subdomain("jupyter..example.org"));
    }
}
