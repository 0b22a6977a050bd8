//! Profiles and sizes of a hub (Open Data Hub singleuser-profiles semantics): who and which image a profile
//! applies to, and what it changes in the user's server.

pub use super::chart::pod::{GroupId, MatchExpression, NodeSelector, Toleration};
use super::hub::Bounds;
use super::image::Image;
use super::quantity::{Memory, Quantity, QuantityValue};
use super::secret::MaybeSecret;
use k8s_openapi::api::core::v1::Container;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The extended resource a GPU count becomes.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// The memory-backed volume a profile's `shm` becomes, and where it is mounted.
pub const SHM_VOLUME: &str = "shm";
pub const SHM_PATH: &str = "/dev/shm";

/// One profile: an entry of the spawn page (the chart's `profileList`), shown to the users and groups it names;
/// the user picks one entry and only that entry's settings apply (rules then apply on top).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Profile {
    /// Name shown on the spawn page.
    pub name: String,
    /// Stable identifier (lowercase letters, digits and `-`), unique in the hub.
    pub slug: String,
    /// Text shown under the name.
    #[serde(default)]
    pub description: Option<String>,
    /// Preselected on the spawn page (at most one profile).
    #[serde(default)]
    pub default: bool,
    /// Images this entry offers: one is the image it starts; several become an `image` choice (the first
    /// preselected); empty: the hub's single-user image.
    #[serde(default)]
    pub images: Vec<Image>,
    /// Users who see this entry; with `groups` empty too: every user.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups (from the authenticator) who see this entry.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Environment variables, appended to `singleuser.env`: text, or a secret reference.
    #[serde(default)]
    pub env: BTreeMap<String, MaybeSecret>,
    /// CPU, memory and GPUs.
    #[serde(default)]
    pub resources: Resources,
    /// Kubernetes tolerations of the user's pod.
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Node labels the user's pod requires.
    #[serde(default)]
    pub node_affinity: NodeAffinity,
    /// Extra pod volumes (Kubernetes `Volume` objects), e.g. `{name: shm, emptyDir: {medium: Memory}}`.
    #[serde(default)]
    pub volumes: Vec<Map<String, Value>>,
    /// Where the extra volumes are mounted.
    #[serde(default)]
    pub volume_mounts: Vec<VolumeMount>,
    /// Names from `spec.sizes` offered as a choice within this profile.
    #[serde(default)]
    pub sizes: Vec<String>,
    /// Size of a memory-backed `/dev/shm` (e.g. `8Gi`, for PyTorch data loaders); it counts against the memory
    /// limit.
    #[serde(default)]
    pub shm: Option<Memory>,
    /// Node labels the user's pod requires (`node_selector`), merged over `singleuser.nodeSelector`.
    #[serde(default)]
    pub node_selector: NodeSelector,
    /// Labels of the user's pod (`extra_labels`), merged over `singleuser.extraLabels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the user's pod (`extra_annotations`), merged over `singleuser.extraAnnotations`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// URL the user lands on with this profile (`default_url`), e.g. `/vscode`.
    #[serde(default)]
    pub default_url: Option<String>,
    /// Extra Linux groups of the server's processes (`supplemental_gids`, the pod's `supplementalGroups`), e.g.
    /// `[110]` for a GPU device's `render` group; written as numbers or digits, rendered as written.
    #[serde(default)]
    pub supplemental_groups: Vec<GroupId>,
    /// The RuntimeClass of the user's pod (`extra_pod_config: {runtimeClassName}`), e.g. `nvidia` for GPU
    /// containers.
    #[serde(default)]
    pub runtime_class_name: Option<super::names::DnsSubdomain>,
    /// Run the server container privileged (`privileged`): full access to the node's devices. Needs the hub's
    /// `podSecurity: privileged`.
    #[serde(default)]
    pub privileged: Option<bool>,
    /// Let the server's processes gain more privileges than their parent, e.g. through `sudo`
    /// (`allow_privilege_escalation`). Needs the hub's `podSecurity: baseline` or `privileged`.
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    /// Other KubeSpawner settings of this entry, as `kubespawner_override` takes them (`lifecycle_hooks`,
    /// `extra_container_config`, …): an escape hatch like the hub's `values`, merged over what the typed fields render.
    /// Keys the typed fields render are refused (use the field), and secrets are refused as in `values`;
    /// `volumes` / `volume_mounts` are allowed when `volumes`, `volumeMounts` and `shm` are unset, and then replace
    /// the configured lists whole (the home volume too), as KubeSpawner does.
    #[serde(default)]
    pub spawner: Map<String, Value>,
    /// Sidecar containers of this profile's pods (`extra_containers`), checked as `singleuser.extraContainers`
    /// are; set, they replace `singleuser.extraContainers` for this profile (KubeSpawner replaces the list).
    /// Sidecars the checks refuse (an image tagged `latest`) can only go in `spawner.extra_containers`, never
    /// both.
    #[serde(default)]
    pub extra_containers: Vec<Container>,
    /// Further choices on the spawn page within this profile (the chart's `profile_options`), after the `image`
    /// and `size` choices jupyflux makes from `images` and `sizes`: e.g. CPUs, GPUs, the interface.
    #[serde(default)]
    pub options: Vec<ProfileOption>,
}

/// One choice within a profile (`profile_options.<key>`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ProfileOption {
    /// The form key, e.g. `cpu` (not `image` or `size`, which `images` and `sizes` make).
    pub key: String,
    /// Shown above the choices.
    pub name: String,
    /// The choices, in the order shown.
    pub choices: Vec<OptionChoice>,
}

/// One answer to a [`ProfileOption`]: what the server gets when the user picks it.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct OptionChoice {
    /// The form value, unique within the option.
    pub key: String,
    /// Shown to the user.
    pub name: String,
    /// Chosen unless the user picks another (at most one per option).
    #[serde(default)]
    pub default: bool,
    /// The image this choice starts.
    #[serde(default)]
    pub image: Option<Image>,
    /// Resources this choice sets (merged over the profile's, as KubeSpawner applies overrides).
    #[serde(default)]
    pub resources: Resources,
    /// Where the user lands (`default_url`).
    #[serde(default)]
    pub default_url: Option<String>,
}

/// `kubespawner_override` keys that typed profile fields render (so `spawner` may not set them).
pub const TYPED_OVERRIDES: [&str; 20] = [
    "image",
    "cpu_guarantee",
    "cpu_limit",
    "mem_guarantee",
    "mem_limit",
    "extra_resource_limits",
    "extra_resource_guarantees",
    "environment",
    "node_selector",
    "extra_labels",
    "extra_annotations",
    "default_url",
    "supplemental_gids",
    "tolerations",
    "node_affinity_required",
    "node_affinity_preferred",
    "volumes",
    "volume_mounts",
    "privileged",
    "allow_privilege_escalation",
];

impl Profile {
    /// Whether the typed fields render `kubespawner_override` key `key` for this profile (so `spawner` may not set
    /// it). `volumes` and `volume_mounts` are rendered only when `volumes`, `volumeMounts` or `shm` is set; without
    /// them, `spawner` may set the lists, which then replace the configured ones whole (the home volume too), as
    /// KubeSpawner does.
    pub fn renders(&self, key: &str) -> bool {
        match key {
            "volumes" | "volume_mounts" => {
                !self.volumes.is_empty() || !self.volume_mounts.is_empty() || self.shm.is_some()
            }
            "container_security_context" => self.loosens_container(),
            _ => TYPED_OVERRIDES.contains(&key),
        }
    }

    /// Whether the server container runs privileged or may escalate privileges (the typed fields then write it
    /// in the container's security context too).
    pub fn loosens_container(&self) -> bool {
        self.privileged == Some(true) || self.allow_privilege_escalation == Some(true)
    }

    /// Whether the user sees this entry (by name or group); unrestricted entries are for everyone.
    pub fn is_for(&self, user: &str, groups: &[String]) -> bool {
        !self.is_restricted()
            || self.users.iter().any(|u| u == user)
            || self.groups.iter().any(|g| groups.contains(g))
    }

    /// Whether only some users or groups see this profile.
    pub fn is_restricted(&self) -> bool {
        !self.users.is_empty() || !self.groups.is_empty()
    }
}

/// A named amount of resources, offered by profiles as a `size` choice.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Size {
    /// Identifier used in `profiles[].sizes`.
    pub name: String,
    /// Shown on the spawn page (default: the name).
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub cpu: Option<Bounds<Quantity>>,
    #[serde(default)]
    pub memory: Option<Bounds<Memory>>,
    /// Number of NVIDIA GPUs (`nvidia.com/gpu`).
    #[serde(default, deserialize_with = "gpu_count")]
    pub gpus: Option<u32>,
}

impl Size {
    pub fn resources(&self) -> Resources {
        Resources {
            cpu: self.cpu.clone(),
            memory: self.memory.clone(),
            gpus: self.gpus,
            extra: ExtraResources::default(),
        }
    }

    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}

/// CPU, memory and GPUs of a user's server; unset fields keep what applied before.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub cpu: Option<Bounds<Quantity>>,
    #[serde(default)]
    pub memory: Option<Bounds<Memory>>,
    /// Number of NVIDIA GPUs (`nvidia.com/gpu`).
    #[serde(default, deserialize_with = "gpu_count")]
    pub gpus: Option<u32>,
    /// Other resources by name (`extra_resource_limits` / `extra_resource_guarantees`), e.g.
    /// `{limits: {nvidia.com/mig-1g.5gb: 1}}`.
    #[serde(default)]
    pub extra: ExtraResources,
}

/// Extended resources of a user's server by name, as KubeSpawner takes them; quantities kept as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExtraResources {
    #[serde(default)]
    pub limits: BTreeMap<String, QuantityValue>,
    #[serde(default)]
    pub guarantees: BTreeMap<String, QuantityValue>,
}

impl ExtraResources {
    /// `over` merged over `self`, name by name.
    fn merged(&self, over: &ExtraResources) -> ExtraResources {
        let merge = |below: &BTreeMap<String, QuantityValue>,
                     over: &BTreeMap<String, QuantityValue>| {
            let mut merged = below.clone();
            merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            merged
        };
        ExtraResources {
            limits: merge(&self.limits, &over.limits),
            guarantees: merge(&self.guarantees, &over.guarantees),
        }
    }
}

impl Resources {
    /// `over` merged over `self`: each bound set in `over` wins.
    pub fn merged(&self, over: &Resources) -> Resources {
        Resources {
            cpu: merge_bounds(&self.cpu, &over.cpu),
            memory: merge_bounds(&self.memory, &over.memory),
            gpus: over.gpus.or(self.gpus),
            extra: self.extra.merged(&over.extra),
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Resources::default()
    }
}

fn merge_bounds<Q: Clone>(
    below: &Option<Bounds<Q>>,
    over: &Option<Bounds<Q>>,
) -> Option<Bounds<Q>> {
    match (below, over) {
        (Some(b), Some(o)) => Some(Bounds {
            guarantee: o.guarantee.clone().or_else(|| b.guarantee.clone()),
            limit: o.limit.clone().or_else(|| b.limit.clone()),
        }),
        (b, o) => o.clone().or_else(|| b.clone()),
    }
}

/// Node labels a pod requires.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NodeAffinity {
    /// Match expressions every node must satisfy (joined to each of `singleuser`'s required terms).
    #[serde(default)]
    pub required: Vec<MatchExpression>,
}

/// Where a volume is mounted in the user's container.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct VolumeMount {
    /// The volume's `name`.
    pub name: String,
    pub mount_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// `None` (default), `HostToContainer` or `Bidirectional` (the latter needs a privileged container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<MountPropagation>,
}

/// How mounts propagate between host and container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum MountPropagation {
    None,
    HostToContainer,
    Bidirectional,
}

/// A GPU count: a whole number, so `0.5` or `"1"` is an error that says so.
fn gpu_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    struct Count;
    impl Visitor<'_> for Count {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number of GPUs (0, 1, 2, ...)")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            u32::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("{v} GPUs is more than any node has")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                .and_then(|v| self.visit_u64(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Count)
}

#[cfg(test)]
mod tests {
    use super::Profile;

    fn profile(yaml: &str) -> Profile {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn spawner_may_replace_the_volume_lists_only_without_typed_volumes() {
        let plain = profile("{name: GPU, slug: gpu}");
        assert!(!plain.renders("volumes") && !plain.renders("volume_mounts"));
        assert!(plain.renders("image") && !plain.renders("runtime_class"));
        for typed in [
            "{name: GPU, slug: gpu, shm: 1Gi}",
            "{name: GPU, slug: gpu, volumes: [{name: a, emptyDir: {}}]}",
            "{name: GPU, slug: gpu, volumeMounts: [{name: a, mountPath: /a}]}",
        ] {
            let typed = profile(typed);
            assert!(typed.renders("volumes") && typed.renders("volume_mounts"));
        }
    }
}
