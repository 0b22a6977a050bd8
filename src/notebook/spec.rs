//! The `Notebook` spec and status: one standalone notebook server, as written in Git or created by an API.

use crate::model::environment::Tls;
use crate::model::image::PinnedImage;
use crate::model::names::DnsSubdomain;
use crate::model::quantity::Bounds;
use crate::model::quantity::{Memory, Quantity};
use crate::model::seconds::Seconds;
use crate::model::secret::{MaybeSecret, SecretRef};
use k8s_openapi::api::core::v1::{Affinity, Toleration};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One standalone Jupyter server: image, owner, resources, storage, routing, auth and culling.
#[derive(CustomResource, Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[kube(
    group = "jupyflux.dev",
    version = "v1alpha1",
    kind = "Notebook",
    namespaced,
    status = "NotebookStatus",
    schema = "disabled",
    printcolumn = r#"{"name": "Phase", "type": "string", "jsonPath": ".status.phase"}"#,
    printcolumn = r#"{"name": "URL", "type": "string", "jsonPath": ".status.url"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NotebookSpec {
    /// The server's image, pinned by tag (`repo:tag`) or digest (`repo@sha256:…`, `repo:tag@sha256:…`); in a
    /// definition also `{fromImage: NAME}`, an Image definition resolved when rendering.
    #[schemars(schema_with = "crate::model::image::pinned_or_built_schema")]
    pub image: PinnedImage,
    /// The user the notebook belongs to. Required in Git; a notebook created at run time (say by the Data Manager)
    /// may leave it out, and then only its token (or the OIDC login's allowed emails and groups) admits anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// CPU and memory: `guarantee` becomes the request, `limit` the limit.
    #[serde(default, skip_serializing_if = "NotebookResources::is_empty")]
    pub resources: NotebookResources,
    /// User and groups the server runs as.
    #[serde(default)]
    pub security_context: NotebookSecurityContext,
    /// The home directory: exactly one of a new volume or an existing claim. Leave it out with `project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<NotebookStorage>,
    /// A Squonk2 Data Manager project: its claim, mounted as the home directory at the sub-path `id`
    /// (the Data Manager's contract; the same as `storage.existingClaim` with `subPath: <id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Project>,
    /// Where the server is reachable; every field defaults from the Environment.
    #[serde(default, skip_serializing_if = "Routing::is_empty")]
    pub routing: Routing,
    /// How users authenticate: exactly one of a token or OIDC. Required in Git; left out, the controller
    /// generates a token into the Secret `<name>-token`, owned by the notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<NotebookAuth>,
    /// Culling: idle, too old, stuck starting or failing; each a duration (`3600`, `1h`, `30m`, `90s`).
    #[serde(default, skip_serializing_if = "Culling::is_empty")]
    pub culling: Culling,
    /// Scaled to zero while kept (its storage stays). The annotation `jupyflux.dev/hibernate: "true"` does the
    /// same without a change to the spec.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hibernated: bool,
    /// When a change of `image` or `resources` reaches a running server: `immediate` (restart it now), or
    /// `atNextStop` (keep the working session; apply when the server next stops: culled, hibernated). Until it
    /// is applied the change is listed in `status.pendingChanges`.
    #[serde(default, skip_serializing_if = "UpdatePolicy::is_immediate")]
    pub update_policy: UpdatePolicy,
    /// Environment variables: text, or a secret reference.
    // Boxed: a map allocates room for eleven entries at once and most notebooks set one or two; a fleet holds ten
    // thousand of these (7 MiB less at 10,000 notebooks).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Box<MaybeSecret>>,
    /// Labels of the server's pod.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the server's pod.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
}

/// When a change of the server's image or resources is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UpdatePolicy {
    /// Restart the server with the change at once.
    #[default]
    Immediate,
    /// Keep a running server as it is; apply the change when it next stops (culled or hibernated).
    AtNextStop,
}

impl UpdatePolicy {
    fn is_immediate(&self) -> bool {
        *self == UpdatePolicy::Immediate
    }
}

/// CPU and memory of the server.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NotebookResources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Bounds<Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Bounds<Memory>>,
}

impl NotebookResources {
    fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

/// The identity the server runs as. Root and privileged containers need `allowPrivileged: true`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NotebookSecurityContext {
    #[serde(default = "default_user")]
    pub run_as_user: i64,
    #[serde(default = "default_group")]
    pub run_as_group: i64,
    #[serde(default = "default_group")]
    pub fs_group: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    /// The explicit opt-in to `runAsUser: 0` or `privileged: true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_privileged: bool,
}

impl Default for NotebookSecurityContext {
    fn default() -> Self {
        NotebookSecurityContext {
            run_as_user: default_user(),
            run_as_group: default_group(),
            fs_group: default_group(),
            privileged: false,
            allow_privileged: false,
        }
    }
}

fn default_user() -> i64 {
    1000
}

fn default_group() -> i64 {
    100
}

/// The home directory's volume.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NotebookStorage {
    /// A new PersistentVolumeClaim for this notebook.
    New(NewVolume),
    /// A sub-path of an existing claim, e.g. a Data Manager project claim and the project id.
    ExistingClaim(ExistingClaim),
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NewVolume {
    pub size: Quantity,
    /// Default: the Environment's storage class, else the cluster default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<DnsSubdomain>,
    /// Whether the claim outlives the notebook.
    #[serde(default)]
    pub policy: VolumePolicy,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum VolumePolicy {
    /// Keep the claim when the notebook is deleted.
    #[default]
    Retain,
    /// Delete the claim with the notebook.
    Delete,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExistingClaim {
    pub claim_name: DnsSubdomain,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
}

/// A Data Manager project: the claim holding the project's files and the project's id (its directory there).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Project {
    /// The PersistentVolumeClaim of the Data Manager's projects, in the notebook's namespace.
    pub claim_name: DnsSubdomain,
    /// The project's id: the sub-path of the claim mounted as the home directory.
    pub id: String,
}

/// Host, path and TLS of the notebook's Ingress.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Routing {
    /// Default: the Environment's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Starts with `/`; default `/notebooks/<name>`, or `/<name>` for a Data Manager `project` notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Default: the Environment's ingress TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Default: the Environment's ingress class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
}

/// How users log in to the server.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NotebookAuth {
    /// Jupyter's token, read from a secret.
    Token(SecretRef),
    /// An OpenID Connect login in front of the server (an oauth2-proxy sidecar).
    Oidc(Box<Oidc>),
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Oidc {
    /// The issuer, an `https://` URL.
    pub issuer_url: String,
    pub client_id: SecretRef,
    pub client_secret: SecretRef,
    pub cookie_secret: SecretRef,
    /// Who may log in, by email: the owner (when it is an email address) and these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_emails: Vec<String>,
    /// Groups (the issuer's `groups` claim) a user must be in; alone, they admit every member.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_groups: Vec<String>,
}

impl Oidc {
    /// The email addresses admitted to the notebook of `owner`: the owner's (if it is one) and the allowed
    /// ones, sorted, without duplicates.
    pub fn admitted_emails(&self, owner: &str) -> Vec<String> {
        let mut emails: Vec<String> = std::iter::once(owner)
            .filter(|owner| owner.contains('@'))
            .chain(self.allowed_emails.iter().map(String::as_str))
            .map(|email| email.trim().to_ascii_lowercase())
            .collect();
        emails.sort();
        emails.dedup();
        emails
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Culling {
    /// Stop the server after this long idle (`7200` seconds or `2h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Seconds>,
    /// Stop the server this long after it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Seconds>,
    /// Stop a server whose pod has not become ready for this long (unschedulable, pulling, a slow start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_starting: Option<Seconds>,
    /// Stop a server that has been failing for this long (crash loop, image pull failure, bad configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed: Option<Seconds>,
}

impl NotebookSpec {
    /// The home directory's volume: `storage`, else the `project`'s claim at the project's sub-path; `None` when
    /// neither is set (an invalid spec, see `validate`).
    pub fn home(&self) -> Option<NotebookStorage> {
        match (&self.storage, &self.project) {
            (Some(storage), _) => Some(storage.clone()),
            (None, Some(project)) => Some(NotebookStorage::ExistingClaim(ExistingClaim {
                claim_name: project.claim_name.clone(),
                sub_path: Some(project.id.clone()),
            })),
            (None, None) => None,
        }
    }

    /// The owner, or `""` when the spec names none.
    pub fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or_default()
    }
}

impl Routing {
    fn is_empty(&self) -> bool {
        self == &Routing::default()
    }
}

impl Culling {
    /// Whether no culling is asked for.
    pub fn is_empty(&self) -> bool {
        self == &Culling::default()
    }
}

/// What the controller observed. Holds no token, unless the Environment opts in to a generated token in `url`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotebookStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `Ready`, `Progressing` and `Degraded`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// RFC 3339 time since when the server has been idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_since: Option<String>,
    /// `image` and `resources` when the spec asks for them and the server does not run them yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_changes: Vec<String>,
    /// The image and resources the server was last seen ready with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerRevision>,
}

/// What a ready server ran: the fields whose changes restart it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerRevision {
    pub image: PinnedImage,
    #[serde(default, skip_serializing_if = "NotebookResources::is_empty")]
    pub resources: NotebookResources,
}

/// One condition of a notebook.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}
