//! The chart's `singleuser` section: what every user's server gets (image, command, resources, storage,
//! environment, where it runs, its pod's labels and lifecycle hooks).

use super::extra_files::ExtraFiles;
use super::pod::{NodeSelector, NodeSelectorTerm, PreferredSchedulingTerm, Toleration};
use crate::model::image::Image;
use crate::model::names::DnsSubdomain;
use crate::model::profile::VolumeMount;
use crate::model::quantity::{Bounds, Memory, Quantity};
use crate::model::secret::MaybeSecret;
use k8s_openapi::api::core::v1::{Affinity, Container};
use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The image the chart starts when `singleuser.image` is not set; its tag is the chart version.
pub const CHART_USER_IMAGE: &str = "quay.io/jupyterhub/k8s-singleuser-sample";

/// Defaults for every user's notebook server.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Singleuser {
    /// The notebook image, pinned by tag (default: the chart's sample image, pinned by the chart version).
    #[serde(default)]
    pub image: Option<Image>,
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
    /// Environment variables of every user's server: text, or a secret reference.
    #[serde(default)]
    pub env: BTreeMap<String, MaybeSecret>,
    /// User pods' NetworkPolicy (`singleuser.networkPolicy.enabled`; wins over `spec.networkPolicy`).
    #[serde(default)]
    pub network_policy: Option<super::SectionNetworkPolicy>,
    /// The command starting the server, a string or a list (`singleuser.cmd`; the chart's default
    /// `jupyterhub-singleuser`).
    #[serde(default)]
    pub cmd: Option<Command>,
    /// How long a server may take to start before the spawn fails (`singleuser.startTimeout`, in seconds; the chart's
    /// 300): whole seconds or a duration (`10m`).
    #[serde(default)]
    pub start_timeout: Option<crate::model::seconds::Seconds>,
    /// User id of the server's process (`singleuser.uid`; the chart's 1000). 0 (root, e.g. for images whose
    /// start script chowns the home and then switches user) only with the hub's `podSecurity: baseline` or
    /// weaker: the restricted profile requires non-root.
    #[serde(default)]
    pub uid: Option<u32>,
    /// Group owning the mounted volumes (`singleuser.fsGid`; the chart's 100).
    #[serde(default)]
    pub fs_gid: Option<u32>,
    /// Node labels every user pod requires (`singleuser.nodeSelector`).
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// Tolerations of every user pod, besides the chart's user-pod ones (`singleuser.extraTolerations`).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Node affinity of every user pod (`singleuser.extraNodeAffinity`).
    #[serde(default)]
    pub extra_node_affinity: ExtraNodeAffinity,
    /// Labels of every user pod (`singleuser.extraLabels`; `{username}` is expanded).
    #[serde(default)]
    pub extra_labels: BTreeMap<String, String>,
    /// Annotations of every user pod (`singleuser.extraAnnotations`; `{username}` is expanded).
    #[serde(default)]
    pub extra_annotations: BTreeMap<String, String>,
    /// Kubernetes lifecycle handlers of the server container (`singleuser.lifecycleHooks`).
    #[serde(default)]
    pub lifecycle_hooks: Option<LifecycleHooks>,
    /// Name of each user's pod (`singleuser.podNameTemplate`; KubeSpawner's `jupyter-{username}--{servername}`):
    /// lowercase letters, digits and `-` around KubeSpawner's fields such as `{username}`, `{userid}`,
    /// `{servername}`.
    #[serde(default)]
    pub pod_name_template: Option<String>,
    /// Whether each user's pod gets environment variables for every Service of the namespace
    /// (`singleuser.extraPodConfig.enableServiceLinks`; Kubernetes' default `true`). `false` keeps a server's
    /// environment small and free of other services' addresses.
    #[serde(default)]
    pub service_links: Option<bool>,
    /// The whole Kubernetes `Affinity` of each user's pod (`singleuser.extraPodConfig.affinity`). It replaces the
    /// affinity KubeSpawner builds (the chart's node-purpose preference, `scheduling.userPods` affinities), so
    /// it cannot be combined with `extraNodeAffinity`; prefer `extraNodeAffinity` when node terms are enough.
    #[serde(default)]
    pub affinity: Option<Affinity>,
    /// Sidecar containers of every user pod (`singleuser.extraContainers`), Kubernetes `Container`s: a name
    /// other than `notebook`, a pinned image, and a security context the hub's `podSecurity` admits (under
    /// restricted, `allowPrivilegeEscalation: false` and `capabilities: {drop: [ALL]}` are added when left out).
    /// `{username}` in them is expanded by KubeSpawner.
    #[serde(default)]
    pub extra_containers: Vec<Container>,
    /// Files mounted into every user's server from a Secret the chart renders (`singleuser.extraFiles`), by
    /// name: e.g. a `sitecustomize.py` or a server config. Never secret material: the content is in Git.
    #[serde(default)]
    pub extra_files: ExtraFiles,
}

impl Default for Singleuser {
    fn default() -> Self {
        Singleuser {
            image: None,
            cpu: None,
            memory: None,
            storage: Storage::default(),
            default_url: default_url(),
            env: BTreeMap::new(),
            network_policy: None,
            cmd: None,
            start_timeout: None,
            uid: None,
            fs_gid: None,
            node_selector: NodeSelector::new(),
            tolerations: Vec::new(),
            extra_node_affinity: ExtraNodeAffinity::default(),
            extra_labels: BTreeMap::new(),
            extra_annotations: BTreeMap::new(),
            lifecycle_hooks: None,
            pod_name_template: None,
            service_links: None,
            affinity: None,
            extra_containers: Vec::new(),
            extra_files: ExtraFiles::new(),
        }
    }
}

fn default_url() -> String {
    "/lab".to_owned()
}

/// The command of the server: one word (`start-singleuser.sh`) or a list (`[jupyter, labhub]`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Command {
    One(String),
    Many(Vec<String>),
}

impl Command {
    /// The words of the command.
    pub fn words(&self) -> Vec<&str> {
        match self {
            Command::One(word) => vec![word.as_str()],
            Command::Many(words) => words.iter().map(String::as_str).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Command;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command: a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Command, E> {
                Ok(Command::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Command, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Command::Many)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Node affinity of user pods, as the chart takes it: `required` terms (a node must match one of them) and
/// `preferred` weighted terms.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExtraNodeAffinity {
    /// Kubernetes `NodeSelectorTerm`s: a node must match at least one (`singleuser.extraNodeAffinity.required`).
    #[serde(default)]
    pub required: Vec<NodeSelectorTerm>,
    /// Kubernetes `PreferredSchedulingTerm`s (`singleuser.extraNodeAffinity.preferred`).
    #[serde(default)]
    pub preferred: Vec<PreferredSchedulingTerm>,
}

/// Kubernetes lifecycle handlers (`exec`, `httpGet`, `sleep`) of the server container.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LifecycleHooks {
    /// Run after the container starts, e.g. `{exec: {command: [sh, -c, "…"]}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start: Option<Map<String, Value>>,
    /// Run before the container stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<Map<String, Value>>,
}

/// Per-user storage: a new volume per user (`dynamic`), a sub-path of one existing claim (`static`), or `none`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Storage {
    #[serde(default, rename = "type")]
    pub kind: StorageKind,
    /// Size of each user's volume (`dynamic`; default 10Gi, as the chart does).
    #[serde(default)]
    pub capacity: Option<Quantity>,
    /// Storage class (`dynamic`; default: the Environment's, else the cluster default).
    #[serde(default)]
    pub storage_class: Option<DnsSubdomain>,
    /// Access modes of each user's volume (`dynamic`; the chart's default `[ReadWriteOnce]`).
    #[serde(default)]
    pub access_modes: Vec<AccessMode>,
    /// The existing PersistentVolumeClaim every user's home is on (`static`).
    #[serde(default)]
    pub pvc_name: Option<DnsSubdomain>,
    /// Each user's directory in that claim (`static`; default `{username}`).
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Name of each user's claim (`dynamic`; the chart's default `claim-{username}{servername}`).
    #[serde(default)]
    pub pvc_name_template: Option<String>,
    /// Name of the volume in each user's pod (`dynamic`; the chart's default `volume-{username}{servername}`).
    #[serde(default)]
    pub volume_name_template: Option<String>,
    /// Where the home volume is mounted (default `/home/jovyan`, as the chart does).
    #[serde(default)]
    pub home_mount_path: Option<String>,
    /// Extra volumes of every user's pod (Kubernetes `Volume` objects), e.g. a shared data claim.
    #[serde(default)]
    pub extra_volumes: Vec<Map<String, Value>>,
    /// Where the extra volumes are mounted.
    #[serde(default)]
    pub extra_volume_mounts: Vec<VolumeMount>,
}

/// Where the chart mounts a user's home unless `homeMountPath` says otherwise.
pub const HOME_MOUNT_PATH: &str = "/home/jovyan";

impl Storage {
    /// Where the home volume is mounted.
    pub fn home(&self) -> &str {
        self.home_mount_path.as_deref().unwrap_or(HOME_MOUNT_PATH)
    }
}

/// The kinds of per-user storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StorageKind {
    #[default]
    Dynamic,
    Static,
    None,
}

impl StorageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StorageKind::Dynamic => "dynamic",
            StorageKind::Static => "static",
            StorageKind::None => "none",
        }
    }
}

/// A PersistentVolumeClaim access mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}
