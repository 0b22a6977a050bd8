//! The chart's `singleuser` section: every user's image, resources, storage, default URL and environment; the
//! spawn-page menu comes from `profiles`.

use super::profiles;
use super::shared::{cpu_bounds, env_value, memory_bounds};
use crate::model::hub::{HubSpec, Singleuser, StorageKind};
use crate::model::usage::Target;
use crate::model::{Definition, Environment};
use serde_json::{Map, Value, json};

/// `singleuser`: what the definition decides.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let user: &Singleuser = &hub.spec.singleuser;
    let mut values = json!({
        "image": {"name": user.image.name, "tag": user.image.tag},
    });
    if let Some(cpu) = &user.cpu {
        values["cpu"] = Value::Object(cpu_bounds(cpu));
    }
    if let Some(memory) = &user.memory {
        values["memory"] = Value::Object(memory_bounds(memory));
    }
    values["storage"] = storage(env, user);
    values["defaultUrl"] = json!(user.default_url);
    if !user.env.is_empty() {
        values["extraEnv"] = extra_env(hub);
    }
    if let Some(list) = profiles::profile_list(hub) {
        values["profileList"] = list;
    }
    // The chart's iptables init container is privileged; the network policy blocks the metadata server instead.
    values["cloudMetadata"] = json!({"blockWithIptables": false});
    values
}

/// `singleuser.storage`: the home volume (dynamic, static or none) and extra volumes.
fn storage(env: &Environment, user: &Singleuser) -> Value {
    let storage = &user.storage;
    let mut values = json!({"type": storage.kind.as_str()});
    match storage.kind {
        StorageKind::Dynamic => {
            let capacity = storage.capacity.as_ref().map_or("10Gi", |c| c.as_str());
            values["capacity"] = json!(capacity);
            if let Some(class) = storage.storage_class.as_ref().or(env
                .definition
                .spec
                .storage_class
                .as_ref())
            {
                values["dynamic"] = json!({"storageClass": class});
            }
        }
        StorageKind::Static => {
            values["static"] = json!({
                "pvcName": storage.pvc_name,
                "subPath": storage.sub_path.as_deref().unwrap_or(STATIC_SUB_PATH),
            });
        }
        StorageKind::None => {}
    }
    if !storage.extra_volumes.is_empty() {
        values["extraVolumes"] = json!(storage.extra_volumes);
    }
    if !storage.extra_volume_mounts.is_empty() {
        values["extraVolumeMounts"] = json!(storage.extra_volume_mounts);
    }
    values
}

/// `singleuser.extraEnv`: text as is, secrets as `secretKeyRef`s to the Secret External Secrets writes.
fn extra_env(hub: &Definition<HubSpec>) -> Value {
    let env: Map<String, Value> = hub
        .spec
        .singleuser
        .env
        .iter()
        .map(|(name, value)| {
            let target = Target::SingleuserEnv(name.clone());
            (name.clone(), env_value(hub, &target, value))
        })
        .collect();
    Value::Object(env)
}

/// Each user's directory on a static claim unless the definition says otherwise (the chart's default).
pub const STATIC_SUB_PATH: &str = "{username}";
