//! The Zero to JupyterHub chart values of a hub: only what the definition decides, plus the settings that make
//! the chart safe by default (restricted pods, no cloud load balancer, no privileged iptables init container).

use super::expose;
use super::operations;
use super::overrides::merge;
use super::profiles;
use super::secrets::secret_name;
use crate::model::auth::{Auth, Authenticator};
use crate::model::hub::{Bounds, HubSpec, Singleuser, StorageKind};
use crate::model::profile::Profile;
use crate::model::quantity::{Memory, Quantity};
use crate::model::secret::MaybeSecret;
use crate::model::usage::Target;
use crate::model::{Definition, Environment};
use serde_json::{Map, Value, json};

/// The chart values for `hub` in `env`: what the definition decides, then the raw `values` deep-merged last.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let spec = &hub.spec;
    let host = env.hub_host(hub);
    let mut hub_values = json!({"config": hub_config(&spec.auth, &spec.profiles, &host)});
    if let Some(class) = &env.definition.spec.storage_class {
        hub_values["db"] = json!({"pvc": {"storageClassName": class}});
    }
    if let Some(config) = profiles::extra_config(&spec.profiles, spec.auth.authenticator()) {
        hub_values["extraConfig"] = json!({profiles::EXTRA_CONFIG_KEY: config});
    }
    let mut values = json!({
        "hub": hub_values,
        "proxy": {"service": {"type": "ClusterIP"}},
        "singleuser": singleuser(env, hub),
    });
    expose::merge_into(&mut values, env, hub);
    operations::merge_into(&mut values, env, spec);
    merge(&mut values, &Value::Object(spec.values.clone()));
    values
}

fn hub_config(auth: &Auth, hub_profiles: &[Profile], host: &str) -> Value {
    let mut config = Map::new();
    if let Some(authenticator) = auth.authenticator() {
        config.insert(
            "JupyterHub".into(),
            json!({"authenticator_class": authenticator.class()}),
        );
        if let Some(section) = authenticator.config_section() {
            let reads_groups = profiles::filters_by_claim(hub_profiles, Some(authenticator));
            config.insert(
                section.into(),
                oauth(authenticator, auth, reads_groups, host),
            );
        }
    }
    let mut authenticator = Map::new();
    if !auth.admin_users.is_empty() {
        authenticator.insert("admin_users".into(), json!(auth.admin_users));
    }
    if !auth.allowed_users.is_empty() {
        authenticator.insert("allowed_users".into(), json!(auth.allowed_users));
    }
    if profiles::filters_by_claim(hub_profiles, auth.authenticator()) {
        // The filter reads the groups claim from auth state (encrypted with the CryptKeeper key from Vault).
        authenticator.insert("enable_auth_state".into(), json!(true));
    }
    if !authenticator.is_empty() {
        config.insert("Authenticator".into(), Value::Object(authenticator));
    }
    // User servers meet the "restricted" Pod Security profile.
    config.insert(
        "KubeSpawner".into(),
        json!({
            "pod_security_context": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "container_security_context": {
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "runAsNonRoot": true,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        }),
    );
    Value::Object(config)
}

/// The settings of an OAuth authenticator besides its client credentials (those come from Vault via `valuesFrom`).
/// `reads_groups`: the profile filter reads the groups claim, so the authenticator must name it.
fn oauth(authenticator: Authenticator<'_>, auth: &Auth, reads_groups: bool, host: &str) -> Value {
    let mut values = json!({"oauth_callback_url": format!("https://{host}/hub/oauth_callback")});
    match authenticator {
        Authenticator::Dummy => {}
        Authenticator::GitHub(github) => {
            if !github.allowed_organizations.is_empty() {
                values["allowed_organizations"] = json!(github.allowed_organizations);
            }
        }
        Authenticator::GitLab(gitlab) => {
            if let Some(url) = &gitlab.gitlab_url {
                values["gitlab_url"] = json!(url);
            }
            let groups: Vec<&String> = gitlab
                .allowed_groups
                .iter()
                .chain(&auth.allowed_groups)
                .collect();
            if !groups.is_empty() {
                values["allowed_gitlab_groups"] = json!(groups);
            }
        }
        Authenticator::Generic(generic) => {
            values["authorize_url"] = json!(generic.authorize_url);
            values["token_url"] = json!(generic.token_url);
            values["userdata_url"] = json!(generic.userdata_url);
            if !generic.scopes.is_empty() {
                values["scope"] = json!(generic.scopes);
            }
            if let Some(claim) = &generic.username_claim {
                values["username_claim"] = json!(claim);
            }
            if reads_groups
                || !auth.allowed_groups.is_empty()
                || !auth.admin_groups.is_empty()
                || generic.groups_claim.is_some()
            {
                values["claim_groups_key"] = json!(authenticator.groups_claim());
            }
            if !auth.allowed_groups.is_empty() {
                values["allowed_groups"] = json!(auth.allowed_groups);
            }
            if !auth.admin_groups.is_empty() {
                values["admin_groups"] = json!(auth.admin_groups);
            }
        }
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

/// One environment variable's value: text as is, a secret as `valueFrom.secretKeyRef` (KubeSpawner and the chart
/// both read this form).
pub(super) fn env_value(hub: &Definition<HubSpec>, target: &Target, value: &MaybeSecret) -> Value {
    match value {
        MaybeSecret::Literal(text) => json!(text),
        MaybeSecret::Secret(_) => {
            let key = hub
                .spec
                .secret_uses()
                .into_iter()
                .find(|u| &u.target == target)
                .map(|u| u.secret_key)
                .expect("every secret env var is a secret use");
            json!({"valueFrom": {"secretKeyRef": {"name": secret_name(&hub.name, target), "key": key}}})
        }
    }
}

/// `{guarantee, limit}` of CPU as numbers.
pub(super) fn cpu_bounds(cpu: &Bounds<Quantity>) -> Map<String, Value> {
    let mut bounds = Map::new();
    if let Some(g) = &cpu.guarantee {
        bounds.insert("guarantee".into(), number(g.value()));
    }
    if let Some(l) = &cpu.limit {
        bounds.insert("limit".into(), number(l.value()));
    }
    bounds
}

/// `{guarantee, limit}` of memory as KubeSpawner writes it (`4G`, `512M`).
pub(super) fn memory_bounds(memory: &Bounds<Memory>) -> Map<String, Value> {
    let mut bounds = Map::new();
    if let Some(g) = &memory.guarantee {
        bounds.insert("guarantee".into(), json!(g.spawner_value()));
    }
    if let Some(l) = &memory.limit {
        bounds.insert("limit".into(), json!(l.spawner_value()));
    }
    bounds
}

fn singleuser(env: &Environment, hub: &Definition<HubSpec>) -> Value {
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

/// Each user's directory on a static claim unless the definition says otherwise (the chart's default).
pub const STATIC_SUB_PATH: &str = "{username}";

/// A number as JSON: whole numbers without a fraction (`2`, not `2.0`).
pub(super) fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}
