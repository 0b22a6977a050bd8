//! The `Hub` definition: one JupyterHub, deployed as one HelmRelease of the Zero to JupyterHub chart.

use super::auth::Auth;
pub use super::chart::Toggle;
pub use super::chart::cull::Culling;
pub use super::chart::expose::{Expose, GatewayRef, HttpRoute, HubIngress};
pub use super::chart::hub::{DATABASE_CHOICES, Database, ExternalDatabase, HubPod, Sqlite};
pub use super::chart::pre_puller::PrePuller;
pub use super::chart::proxy::Proxy;
pub use super::chart::scheduling::{UserPods, UserScheduler};
pub use super::chart::singleuser::{CHART_USER_IMAGE, Singleuser, Storage, StorageKind};
pub use super::chart_source::{CHART_REPOSITORY, Chart};
use super::image::{Image, ImagePolicy};
use super::namespace::HubNamespace;
use super::profile::{Profile, Size};
pub use super::quantity::{Bounds, bound_problems};
use super::release::{FluxRef, Release, ValuesFrom};
use super::secret::SecretRef;
use crate::notebook::security::PodSecurityLevel;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One JupyterHub.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubSpec {
    /// Namespace of the hub (default: the hub's name): a name jupyflux creates and owns, or
    /// `{name: default, managed: false}` for an existing namespace it must not own.
    #[serde(default)]
    pub namespace: Option<HubNamespace>,
    /// The Zero to JupyterHub chart release to install.
    pub chart: Chart,
    /// Public host name (default: `<hub>.<environment domain>`).
    #[serde(default)]
    pub host: Option<String>,
    /// How users reach the hub: `ingress` (default), `httpRoute`, `loadBalancer` (the proxy's own Service) or `none`.
    #[serde(default)]
    pub expose: Expose,
    /// Who may log in and who administers the hub.
    pub auth: Auth,
    /// The hub pod (where it runs, resources, environment) and JupyterHub's limits on servers.
    #[serde(default)]
    pub hub: HubPod,
    /// The proxy pod: where it runs and its resources.
    #[serde(default)]
    pub proxy: Proxy,
    /// What every user's server gets.
    #[serde(default)]
    pub singleuser: Singleuser,
    /// What the hub's images may be: `{movingTags: allow}` accepts `latest` tags (default `refuse`; pin a tag
    /// instead whenever you can).
    #[serde(default)]
    pub images: ImagePolicy,
    /// The chart's own secrets, from Vault, so the chart never generates random ones.
    #[serde(default)]
    pub secrets: Option<ChartSecrets>,
    /// Entries of the spawn page (the chart's `profileList`): each user sees the entries meant for them and
    /// picks one; only the chosen entry (and its choices) applies.
    #[serde(default)]
    pub profiles: Vec<Profile>,
    /// Settings matched by user, group and image, applied at spawn on top of whichever entry was chosen, in file
    /// order (later wins): environment, resources, tolerations, node affinity.
    #[serde(default)]
    pub rules: Vec<super::rule::Rule>,
    /// A named catalogue of resources that profiles offer as a `size` choice.
    #[serde(default)]
    pub sizes: Vec<Size>,
    /// Stopping idle servers (default: the chart's, on after an hour).
    #[serde(default)]
    pub culling: Option<Culling>,
    /// The hub database (default: SQLite on a volume).
    #[serde(default)]
    pub database: Option<Database>,
    /// Kubernetes NetworkPolicies of hub, proxy and user pods (default: the chart's, on).
    #[serde(default)]
    pub network_policy: Option<Toggle>,
    /// The chart's user scheduler, packing user pods tightly (default: the chart's, on).
    #[serde(default)]
    pub user_scheduler: Option<UserScheduler>,
    /// What every user pod shares: its base tolerations (`scheduling.userPods`).
    #[serde(default)]
    pub user_pods: UserPods,
    /// Pod priorities, so real users evict placeholder pods (`scheduling.podPriority.enabled`; the chart's: off).
    #[serde(default)]
    pub pod_priority: Option<Toggle>,
    /// Placeholder pods keeping room for arriving users (`scheduling.userPlaceholder.enabled`; the chart's: on,
    /// with 0 replicas).
    #[serde(default)]
    pub user_placeholder: Option<Toggle>,
    /// Pulling user images onto nodes ahead of time (default: the chart's, on).
    #[serde(default)]
    pub pre_puller: Option<PrePuller>,
    /// Debug logging of the hub and the chart's components (`debug.enabled`; the chart's: off).
    #[serde(default)]
    pub debug: Option<bool>,
    /// Raw chart values, deep-merged over everything jupyflux renders (maps merge, other values replace).
    #[serde(default)]
    pub values: Map<String, Value>,
    /// Kustomize patches on the hub's rendered objects.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// How Flux reconciles the hub's HelmRelease (intervals, timeouts, remediation, drift detection).
    #[serde(default)]
    pub release: Release,
    /// Chart values from ConfigMaps or Secrets managed elsewhere, applied after jupyflux's own, in this order.
    #[serde(default)]
    pub values_from: Vec<ValuesFrom>,
    /// Flux Kustomizations (namespace default `flux-system`) the environment's hubs layer waits for.
    #[serde(default)]
    pub depends_on: Vec<FluxRef>,
    /// Kubernetes objects rendered beside the hub (a PersistentVolumeClaim, a ResourceQuota, …), in its namespace
    /// unless cluster-scoped; never a Secret, Namespace, HelmRelease or HelmRepository.
    #[serde(default)]
    pub extra_objects: Vec<Map<String, Value>>,
    /// The Pod Security level of the hub's namespace: `restricted` (default), `baseline` or `privileged`. Chart
    /// majors before 4 need `baseline`.
    #[serde(default)]
    pub pod_security: PodSecurityLevel,
}

/// Where the chart's secrets live in Vault. All three are required: a missing one would be generated by the
/// chart at install time and differ between clusters and reinstalls.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ChartSecrets {
    /// Token between hub and proxy (`openssl rand -hex 32`).
    pub proxy_token: SecretRef,
    /// Key signing the hub's cookies (`openssl rand -hex 32`).
    pub cookie_secret: SecretRef,
    /// Key encrypting auth state in the hub database (`openssl rand -hex 32`).
    pub crypt_keeper_key: SecretRef,
}

impl HubSpec {
    /// The size named `name` in `spec.sizes`.
    pub fn size(&self, name: &str) -> Option<&Size> {
        self.sizes.iter().find(|s| s.name == name)
    }

    /// The image users start: `singleuser.image`, else the chart's sample image, whose tag is the chart version.
    pub fn user_image(&self) -> Image {
        self.singleuser.image.clone().unwrap_or_else(|| Image {
            name: CHART_USER_IMAGE.to_owned(),
            tag: self.chart.version.as_str().to_owned(),
        })
    }
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
