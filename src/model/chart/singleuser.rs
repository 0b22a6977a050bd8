//! The chart's `singleuser` section: what every user's server gets (image, resources, storage, environment).

use crate::model::image::Image;
use crate::model::names::DnsSubdomain;
use crate::model::profile::VolumeMount;
use crate::model::quantity::{Bounds, Memory, Quantity};
use crate::model::secret::MaybeSecret;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

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
    /// Environment variables of every user's server: text, or a secret reference.
    #[serde(default)]
    pub env: BTreeMap<String, MaybeSecret>,
}

fn default_url() -> String {
    "/lab".to_owned()
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
    /// The existing PersistentVolumeClaim every user's home is on (`static`).
    #[serde(default)]
    pub pvc_name: Option<DnsSubdomain>,
    /// Each user's directory in that claim (`static`; default `{username}`).
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Extra volumes of every user's pod (Kubernetes `Volume` objects), e.g. a shared data claim.
    #[serde(default)]
    pub extra_volumes: Vec<Map<String, Value>>,
    /// Where the extra volumes are mounted.
    #[serde(default)]
    pub extra_volume_mounts: Vec<VolumeMount>,
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
