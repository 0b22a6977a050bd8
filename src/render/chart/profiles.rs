//! A hub's profiles compiled into the chart's `singleuser.profileList` (one entry per profile, sizes and several
//! images as `profile_options`), and, only when some profiles are for some users or groups, a `hub.extraConfig`
//! snippet that shows each user only the profiles meant for them.

use super::shared::{cpu_bounds, env_value, memory_bounds};
use crate::model::Definition;
use crate::model::auth::Authenticator;
use crate::model::hub::{HubSpec, StorageKind};
use crate::model::profile::{Profile, Resources};
use crate::model::usage::Target;
use serde_json::{Map, Value, json};

/// The key of the generated snippet under `hub.extraConfig`.
pub const EXTRA_CONFIG_KEY: &str = "jupyflux-profiles";

/// The chart's default tolerations of user pods (`scheduling.userPods.tolerations`). A profile's `tolerations`
/// replace KubeSpawner's list, so they are repeated in front of the profile's own.
const USER_POD_TOLERATIONS: [&str; 2] = ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"];

/// Extended resources a GPU count becomes.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

/// `singleuser.profileList`, when the hub has profiles.
pub fn profile_list(hub: &Definition<HubSpec>) -> Option<Value> {
    let spec = &hub.spec;
    if spec.profiles.is_empty() {
        return None;
    }
    let list = spec
        .profiles
        .iter()
        .map(|profile| entry(hub, profile))
        .collect();
    Some(Value::Array(list))
}

fn entry(hub: &Definition<HubSpec>, profile: &Profile) -> Value {
    let mut entry = json!({"display_name": profile.name, "slug": profile.slug});
    if let Some(description) = &profile.description {
        entry["description"] = json!(description);
    }
    if profile.default {
        entry["default"] = json!(true);
    }
    let mut overrides = resource_overrides(&profile.resources);
    if let [image] = profile.images.as_slice() {
        overrides.insert("image".into(), json!(image.to_string()));
    }
    if !profile.env.is_empty() {
        // KubeSpawner merges dictionaries of an override into the configured ones: singleuser.env stays.
        let env: Map<String, Value> = profile
            .env
            .iter()
            .map(|(name, value)| {
                let target = Target::ProfileEnv(profile.slug.clone(), name.clone());
                (name.clone(), env_value(hub, &target, value))
            })
            .collect();
        overrides.insert("environment".into(), Value::Object(env));
    }
    if !profile.tolerations.is_empty() {
        let mut tolerations: Vec<Value> = USER_POD_TOLERATIONS
            .iter()
            .map(|key| json!({"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}))
            .collect();
        tolerations.extend(profile.tolerations.iter().map(|t| json!(t)));
        overrides.insert("tolerations".into(), Value::Array(tolerations));
    }
    if !profile.node_affinity.required.is_empty() {
        overrides.insert(
            "node_affinity_required".into(),
            json!([{"matchExpressions": profile.node_affinity.required}]),
        );
    }
    if !profile.volumes.is_empty() || !profile.volume_mounts.is_empty() {
        // Lists of an override replace the configured ones: repeat the home and extra volumes first.
        let (volumes, mounts) = home_volumes(&hub.spec);
        let volumes = volumes
            .into_iter()
            .chain(profile.volumes.iter().map(|v| json!(v)));
        let mounts = mounts
            .into_iter()
            .chain(profile.volume_mounts.iter().map(|m| json!(m)));
        overrides.insert("volumes".into(), Value::Array(volumes.collect()));
        overrides.insert("volume_mounts".into(), Value::Array(mounts.collect()));
    }
    if !overrides.is_empty() {
        entry["kubespawner_override"] = Value::Object(overrides);
    }
    let options = profile_options(&hub.spec, profile);
    if !options.is_empty() {
        entry["profile_options"] = Value::Object(options);
    }
    entry
}

/// The `size` choice (from `spec.sizes`) and the `image` choice (several images) of a profile.
fn profile_options(spec: &HubSpec, profile: &Profile) -> Map<String, Value> {
    let mut options = Map::new();
    if profile.images.len() > 1 {
        let choices: Map<String, Value> = profile
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let mut choice = json!({"display_name": image.to_string()});
                if i == 0 {
                    choice["default"] = json!(true);
                }
                choice["kubespawner_override"] = json!({"image": image.to_string()});
                (choice_key(&image.to_string()), choice)
            })
            .collect();
        options.insert(
            "image".into(),
            json!({"display_name": "Image", "choices": choices}),
        );
    }
    let sizes: Map<String, Value> = profile
        .sizes
        .iter()
        .filter_map(|name| spec.size(name))
        .enumerate()
        .map(|(i, size)| {
            let mut choice = json!({"display_name": size.label()});
            if i == 0 {
                choice["default"] = json!(true);
            }
            choice["kubespawner_override"] = Value::Object(resource_overrides(&size.resources()));
            (size.name.clone(), choice)
        })
        .collect();
    if !sizes.is_empty() {
        options.insert(
            "size".into(),
            json!({"display_name": "Size", "choices": sizes}),
        );
    }
    options
}

/// A choice key from free text: letters, digits and `-`.
fn choice_key(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// KubeSpawner settings for resources: `cpu_*` as numbers, `mem_*` as KubeSpawner sizes, GPUs as an extended
/// resource limit.
pub fn resource_overrides(resources: &Resources) -> Map<String, Value> {
    let mut overrides = Map::new();
    if let Some(cpu) = &resources.cpu {
        for (bound, value) in cpu_bounds(cpu) {
            overrides.insert(format!("cpu_{bound}"), value);
        }
    }
    if let Some(memory) = &resources.memory {
        for (bound, value) in memory_bounds(memory) {
            overrides.insert(format!("mem_{bound}"), value);
        }
    }
    if let Some(gpus) = resources.gpus {
        overrides.insert(
            "extra_resource_limits".into(),
            json!({GPU_RESOURCE: gpus.to_string()}),
        );
    }
    overrides
}

/// The volumes and mounts the chart configures for the single-user storage (what a profile's lists replace).
fn home_volumes(spec: &HubSpec) -> (Vec<Value>, Vec<Value>) {
    let storage = &spec.singleuser.storage;
    let (mut volumes, mut mounts) = match storage.kind {
        StorageKind::Dynamic => (
            vec![
                json!({"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}),
            ],
            vec![json!({"name": "volume-{user_server}", "mountPath": HOME})],
        ),
        StorageKind::Static => (
            vec![json!({"name": "home", "persistentVolumeClaim": {"claimName": storage.pvc_name}})],
            vec![json!({
                "name": "home",
                "mountPath": HOME,
                "subPath": storage.sub_path.as_deref().unwrap_or(super::singleuser::STATIC_SUB_PATH),
            })],
        ),
        StorageKind::None => (Vec::new(), Vec::new()),
    };
    volumes.extend(storage.extra_volumes.iter().map(|v| json!(v)));
    mounts.extend(storage.extra_volume_mounts.iter().map(|m| json!(m)));
    (volumes, mounts)
}

/// Where the chart mounts a user's home (`singleuser.storage.homeMountPath`).
const HOME: &str = "/home/jovyan";

const FILTER_TEMPLATE: &str = include_str!("profile_filter.py.tera");

/// Whether the generated filter reads groups from the authenticator's auth state.
pub fn filters_by_claim(profiles: &[Profile], authenticator: Option<Authenticator<'_>>) -> bool {
    profiles.iter().any(|p| !p.groups.is_empty())
        && authenticator.and_then(|a| a.groups_claim()).is_some()
}

/// The `hub.extraConfig` snippet filtering profiles per user, when any profile names users or groups.
pub fn extra_config(
    profiles: &[Profile],
    authenticator: Option<Authenticator<'_>>,
) -> Option<String> {
    if !profiles.iter().any(Profile::is_restricted) {
        return None;
    }
    let audience: Map<String, Value> = profiles
        .iter()
        .filter(|p| p.is_restricted())
        .map(|p| {
            (
                p.slug.clone(),
                json!({"users": p.users, "groups": p.groups}),
            )
        })
        .collect();
    let groups_claim = authenticator.and_then(|a| a.groups_claim());
    let mut context = tera::Context::new();
    // Data enters the Python as JSON text in a string literal (JSON string escapes are valid Python), so no
    // user or group name can break out of the literal.
    context.insert("audience", &python_json(&Value::Object(audience)));
    context.insert("groups_claim", &python_json(&json!(groups_claim)));
    let text = tera::Tera::one_off(FILTER_TEMPLATE, &context, false)
        .expect("the profile filter template renders");
    Some(text)
}

/// `value` as a Python expression: `json.loads("<json>")`.
fn python_json(value: &Value) -> String {
    let text = serde_json::to_string(value).expect("JSON values serialize");
    let literal = serde_json::to_string(&text).expect("strings serialize");
    format!("json.loads({literal})")
}
