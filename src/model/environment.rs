//! The `Environment` definition: one per environment (one cluster), holding what its hubs and notebooks share.

use super::image::PinnedImage;
use super::names::{DnsLabel, DnsSubdomain};
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings shared by everything deployed to one environment.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// DNS domain under which hubs get their default host (`<hub>.<domain>`).
    pub domain: String,
    /// The oldest Kubernetes minor version the environment runs, e.g. `"1.33"`.
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    /// Ingress defaults for every hub and notebook.
    #[serde(default)]
    pub ingress: IngressDefaults,
    /// Storage class for new volumes when a definition does not name one (cluster default otherwise).
    #[serde(default)]
    pub storage_class: Option<DnsSubdomain>,
    /// The `VaultStore` that secret references without a `store` read from.
    #[serde(default)]
    pub secret_store: Option<String>,
    /// The Git source Flux syncs from. Without it, the sync objects use the bootstrap source
    /// `GitRepository/flux-system`; with it, jupyflux renders a GitRepository of its own.
    #[serde(default)]
    pub source: Option<GitSource>,
    /// Flux settings for the sync objects.
    #[serde(default)]
    pub flux: FluxSettings,
    /// Namespaces where the Squonk2 Data Manager may launch notebooks (the CRD's application-namespaces).
    #[serde(default)]
    pub notebook_namespaces: Vec<DnsLabel>,
    /// How the Squonk2 Data Manager launches notebooks in `notebookNamespaces`.
    #[serde(default)]
    pub data_manager: DataManagerSettings,
    /// Namespaces that exist already and that notebooks may run in without jupyflux owning them (e.g.
    /// `default`): no Namespace object is rendered for them, so Flux never creates, relabels or prunes one.
    #[serde(default)]
    pub existing_namespaces: Vec<DnsLabel>,
    /// The notebook controller's image and namespace.
    #[serde(default)]
    pub controller: ControllerSettings,
    /// The cluster's node pools: with them, every profile and notebook must fit one ([docs/capacity.md]).
    #[serde(default)]
    pub node_pools: Vec<super::node_pool::NodePool>,
    /// Rules every hub and notebook of the environment must meet ([docs/policy.md]).
    #[serde(default)]
    pub policy: Option<super::policy::Policy>,
    /// Quotas by namespace (a hub's or a notebook namespace): the most its pods may use at once
    /// ([docs/quotas.md](https://github.com/jupyflux/jupyflux/blob/main/docs/quotas.md)).
    #[serde(default)]
    pub quotas: std::collections::BTreeMap<DnsLabel, super::quota::Quota>,
}

/// The Squonk2 Data Manager: who it is, and what it reads from a notebook's status.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct DataManagerSettings {
    /// The Data Manager's ServiceAccount, granted `get, list, watch, create, delete` on notebooks in every
    /// `notebookNamespaces` entry.
    #[serde(default)]
    pub service_account: DataManagerAccount,
    /// Put the generated token of a notebook without `auth` in its `status.url` (`…/?token=…`), where the Data
    /// Manager reads the URL it gives its users. Off by default: anyone who may read the notebook object (the
    /// Data Manager, namespace admins, `kubectl get notebooks`) then reads the token too, and the controller needs
    /// `get` on Secrets in those namespaces. Off, the status URL carries no token.
    #[serde(default)]
    pub token_in_url: bool,
}

/// A ServiceAccount by name and namespace.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct DataManagerAccount {
    /// Default `data-manager`.
    #[serde(default = "default_data_manager")]
    pub name: DnsSubdomain,
    /// Default: the notebook namespace itself (the Data Manager runs where it launches notebooks).
    #[serde(default)]
    pub namespace: Option<DnsLabel>,
}

impl Default for DataManagerAccount {
    fn default() -> Self {
        DataManagerAccount {
            name: default_data_manager(),
            namespace: None,
        }
    }
}

fn default_data_manager() -> DnsSubdomain {
    DnsSubdomain::parse("data-manager").expect("a DNS name")
}

/// Where the notebook controller runs.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ControllerSettings {
    /// The jupyflux image the controller runs, pinned by tag or digest.
    #[serde(default = "default_controller_image")]
    pub image: PinnedImage,
    /// The controller's namespace.
    #[serde(default = "default_controller_namespace")]
    pub namespace: DnsLabel,
    /// Namespace of the ingress controller, whose pods notebooks' NetworkPolicies admit.
    #[serde(default = "default_ingress_namespace")]
    pub ingress_namespace: DnsLabel,
    /// The oauth2-proxy image in front of OIDC notebooks.
    #[serde(default = "default_oauth2_proxy_image")]
    pub oauth2_proxy_image: PinnedImage,
    /// The namespace (say a Prometheus one) allowed to reach the controller's metrics and health port; without
    /// it the controller's NetworkPolicy admits nothing (kubelet probes come from the node and pass anyway).
    #[serde(default)]
    pub metrics_from: Option<DnsLabel>,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        ControllerSettings {
            image: default_controller_image(),
            namespace: default_controller_namespace(),
            ingress_namespace: default_ingress_namespace(),
            oauth2_proxy_image: default_oauth2_proxy_image(),
            metrics_from: None,
        }
    }
}

fn default_controller_image() -> PinnedImage {
    PinnedImage::parse("ghcr.io/jupyflux/jupyflux:0.1.0").expect("pinned")
}

fn default_controller_namespace() -> DnsLabel {
    DnsLabel::parse("jupyflux-system").expect("a label")
}

fn default_ingress_namespace() -> DnsLabel {
    DnsLabel::parse(crate::notebook::config::INGRESS_NAMESPACE).expect("a label")
}

fn default_oauth2_proxy_image() -> PinnedImage {
    PinnedImage::parse(crate::notebook::config::OAUTH2_PROXY_IMAGE).expect("pinned")
}

/// Ingress class and TLS used unless a hub says otherwise.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct IngressDefaults {
    /// `ingressClassName` of the generated Ingresses.
    #[serde(default)]
    pub class_name: Option<String>,
    /// How TLS certificates are obtained: `{clusterIssuer: NAME}`, `{secretName: NAME}` or
    /// `{defaultCertificate: true}`.
    #[serde(default)]
    pub tls: Option<Tls>,
}

/// Where a TLS certificate comes from: exactly one of the three.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Tls {
    /// A cert-manager `ClusterIssuer` that issues a certificate per host.
    ClusterIssuer(DnsSubdomain),
    /// An existing TLS secret (e.g. a wildcard certificate) in the hub's namespace.
    SecretName(DnsSubdomain),
    /// The ingress controller's default certificate (`defaultCertificate: true`): TLS for the hosts, no secret.
    DefaultCertificate(Yes),
}

/// The value `true`, and only it: a switch that is either written as on or left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Yes;

impl<'de> Deserialize<'de> for Yes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match bool::deserialize(deserializer)? {
            true => Ok(Yes),
            false => Err(serde::de::Error::custom(format!(
                "`defaultCertificate` can only be `true`{}to serve without TLS, remove `tls`",
                crate::diagnostic::HELP_SEPARATOR
            ))),
        }
    }
}

impl serde::Serialize for Yes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl JsonSchema for Yes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Yes".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "boolean", "enum": [true]})
    }
}

/// A Git repository for Flux to sync from.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GitSource {
    /// Repository URL (`https://…` or `ssh://…`).
    pub url: String,
    /// Branch to track.
    #[serde(default = "default_branch")]
    pub branch: String,
    /// Secret in the Flux namespace with credentials for the repository.
    #[serde(default)]
    pub secret_ref: Option<DnsSubdomain>,
}

fn default_branch() -> String {
    "main".to_owned()
}

/// Where and how often Flux reconciles.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct FluxSettings {
    /// Namespace of the Flux controllers and the sync objects.
    #[serde(default = "default_flux_namespace")]
    pub namespace: DnsLabel,
    /// How often the sync Kustomizations reconcile (a Go duration).
    #[serde(default = "default_interval")]
    pub interval: String,
}

impl Default for FluxSettings {
    fn default() -> Self {
        FluxSettings {
            namespace: default_flux_namespace(),
            interval: default_interval(),
        }
    }
}

fn default_flux_namespace() -> DnsLabel {
    DnsLabel::parse("flux-system").expect("a label")
}

fn default_interval() -> String {
    "10m".to_owned()
}
