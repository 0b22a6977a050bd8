//! What one user gets from a hub's profiles: the profiles that match (user or group, and image) applied in file
//! order over the single-user defaults. Later wins; env, volumes and tolerations append; resources, node
//! selectors and node affinity merge. `jupyflux explain` prints it.

use super::hub::HubSpec;
use super::image::Image;
use super::profile::{NodeAffinity, NodeSelector, Profile, Resources, Toleration, VolumeMount};
use super::secret::MaybeSecret;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A value and what set it (`singleuser` or `profile <slug>`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub from: String,
}

/// A user's view of a hub's profiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection<'a> {
    /// Every profile in file order, with whether it applies to this user and image.
    pub profiles: Vec<(&'a Profile, bool)>,
    pub image: Image,
    pub env: BTreeMap<String, Sourced<&'a MaybeSecret>>,
    pub cpu_guarantee: Option<Sourced<String>>,
    pub cpu_limit: Option<Sourced<String>>,
    pub memory_guarantee: Option<Sourced<String>>,
    pub memory_limit: Option<Sourced<String>>,
    pub gpus: Option<Sourced<u32>>,
    /// Extended resources by name: limits, then guarantees.
    pub extra_limits: BTreeMap<String, Sourced<String>>,
    pub extra_guarantees: BTreeMap<String, Sourced<String>>,
    pub tolerations: Vec<Sourced<&'a Toleration>>,
    pub node_selector: BTreeMap<String, Sourced<&'a str>>,
    pub node_affinity: NodeAffinity,
    pub volumes: Vec<Sourced<&'a Map<String, Value>>>,
    pub volume_mounts: Vec<Sourced<&'a VolumeMount>>,
    /// Size of a memory-backed `/dev/shm`.
    pub shm: Option<Sourced<String>>,
    pub default_url: Sourced<&'a str>,
}

impl<'a> Selection<'a> {
    /// What `user` in `groups` gets when starting `image` (default: the hub's single-user image).
    pub fn of(spec: &'a HubSpec, user: &str, groups: &[String], image: Option<&Image>) -> Self {
        let defaults = &spec.singleuser;
        let image = image.cloned().unwrap_or_else(|| spec.user_image());
        let from = "singleuser".to_owned();
        let mut selection = Selection {
            profiles: Vec::new(),
            image,
            env: BTreeMap::new(),
            cpu_guarantee: None,
            cpu_limit: None,
            memory_guarantee: None,
            memory_limit: None,
            gpus: None,
            extra_limits: BTreeMap::new(),
            extra_guarantees: BTreeMap::new(),
            tolerations: Vec::new(),
            node_selector: BTreeMap::new(),
            node_affinity: NodeAffinity::default(),
            volumes: Vec::new(),
            volume_mounts: Vec::new(),
            shm: None,
            default_url: sourced(&defaults.default_url, &from),
        };
        let base = Resources {
            cpu: defaults.cpu.clone(),
            memory: defaults.memory.clone(),
            ..Resources::default()
        };
        selection.add_env(&defaults.env, &from);
        selection.add_resources(&base, &from);
        selection.add_placement(&defaults.tolerations, &defaults.node_selector, &from);
        for volume in &defaults.storage.extra_volumes {
            selection.volumes.push(sourced(volume, &from));
        }
        for mount in &defaults.storage.extra_volume_mounts {
            selection.volume_mounts.push(sourced(mount, &from));
        }
        for profile in &spec.profiles {
            let applies = profile.applies_to(user, groups, &selection.image);
            selection.profiles.push((profile, applies));
            if applies {
                selection.apply(profile);
            }
        }
        selection
    }

    /// The profiles that apply, in the order they were applied.
    pub fn matched(&self) -> impl Iterator<Item = &'a Profile> + '_ {
        self.profiles.iter().filter(|(_, a)| *a).map(|(p, _)| *p)
    }

    fn apply(&mut self, profile: &'a Profile) {
        let from = format!("profile {}", profile.slug);
        self.add_env(&profile.env, &from);
        self.add_resources(&profile.resources, &from);
        self.add_placement(&profile.tolerations, &profile.node_selector, &from);
        self.node_affinity = self.node_affinity.merged(&profile.node_affinity);
        for volume in &profile.volumes {
            self.volumes.push(sourced(volume, &from));
        }
        for mount in &profile.volume_mounts {
            self.volume_mounts.push(sourced(mount, &from));
        }
        if let Some(size) = &profile.shm {
            self.shm = Some(sourced(size.to_string(), &from));
        }
        if let Some(url) = &profile.default_url {
            self.default_url = sourced(url, &from);
        }
    }

    /// Tolerations append; node selector labels merge, later wins.
    fn add_placement(
        &mut self,
        tolerations: &'a [Toleration],
        node_selector: &'a NodeSelector,
        from: &str,
    ) {
        for toleration in tolerations {
            self.tolerations.push(sourced(toleration, from));
        }
        for (label, value) in node_selector {
            self.node_selector
                .insert(label.clone(), sourced(value.as_str(), from));
        }
    }

    fn add_env(&mut self, env: &'a BTreeMap<String, MaybeSecret>, from: &str) {
        for (name, value) in env {
            self.env.insert(name.clone(), sourced(value, from));
        }
    }

    fn add_resources(&mut self, resources: &Resources, from: &str) {
        let set = |slot: &mut Option<Sourced<String>>, value: Option<String>| {
            if let Some(value) = value {
                *slot = Some(sourced(value, from));
            }
        };
        if let Some(cpu) = &resources.cpu {
            set(
                &mut self.cpu_guarantee,
                cpu.guarantee.as_ref().map(|q| q.as_str().to_owned()),
            );
            set(
                &mut self.cpu_limit,
                cpu.limit.as_ref().map(|q| q.as_str().to_owned()),
            );
        }
        if let Some(memory) = &resources.memory {
            set(
                &mut self.memory_guarantee,
                memory
                    .guarantee
                    .as_ref()
                    .map(|m| m.quantity().as_str().to_owned()),
            );
            set(
                &mut self.memory_limit,
                memory
                    .limit
                    .as_ref()
                    .map(|m| m.quantity().as_str().to_owned()),
            );
        }
        if let Some(gpus) = resources.gpus {
            self.gpus = Some(sourced(gpus, from));
        }
        for (slots, extra) in [
            (&mut self.extra_limits, &resources.extra.limits),
            (&mut self.extra_guarantees, &resources.extra.guarantees),
        ] {
            for (name, quantity) in extra {
                slots.insert(name.clone(), sourced(quantity.to_string(), from));
            }
        }
    }
}

fn sourced<T>(value: T, from: &str) -> Sourced<T> {
    Sourced {
        value,
        from: from.to_owned(),
    }
}
