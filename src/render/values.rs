//! The Zero to JupyterHub chart values of a hub: only what the definition decides, plus the settings that make
//! the chart safe by default (restricted pods, no cloud load balancer, no privileged iptables init container).

use super::secrets::secret_name;
use crate::model::auth::{Auth, Authenticator};
use crate::model::environment::Tls;
use crate::model::hub::{HubSpec, Singleuser};
use crate::model::secret::MaybeSecret;
use crate::model::usage::Target;
use crate::model::{Definition, Environment};
use serde_json::{Map, Value, json};

/// The chart values for `hub` in `env`.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let spec = &hub.spec;
    let host = env.hub_host(hub);
    let mut hub_values = json!({"config": hub_config(&spec.auth, &host)});
    if let Some(class) = &env.definition.spec.storage_class {
        hub_values["db"] = json!({"pvc": {"storageClassName": class}});
    }
    json!({
        "hub": hub_values,
        "proxy": {"service": {"type": "ClusterIP"}},
        "singleuser": singleuser(env, hub),
        "ingress": ingress(env, hub),
    })
}

fn hub_config(auth: &Auth, host: &str) -> Value {
    let mut config = Map::new();
    if let Some(authenticator) = auth.authenticator() {
        config.insert(
            "JupyterHub".into(),
            json!({"authenticator_class": authenticator.class()}),
        );
        if let Some(section) = authenticator.config_section() {
            config.insert(section.into(), oauth(authenticator, host));
        }
    }
    let mut authenticator = Map::new();
    if !auth.admin_users.is_empty() {
        authenticator.insert("admin_users".into(), json!(auth.admin_users));
    }
    if !auth.allowed_users.is_empty() {
        authenticator.insert("allowed_users".into(), json!(auth.allowed_users));
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
fn oauth(authenticator: Authenticator<'_>, host: &str) -> Value {
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
            if !gitlab.allowed_groups.is_empty() {
                values["allowed_gitlab_groups"] = json!(gitlab.allowed_groups);
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
        }
    }
    values
}

/// `singleuser.extraEnv`: text as is, secrets as `secretKeyRef`s to the Secret External Secrets writes.
fn extra_env(hub: &Definition<HubSpec>) -> Value {
    let uses = hub.spec.secret_uses();
    let env: Map<String, Value> = hub
        .spec
        .singleuser
        .env
        .iter()
        .map(|(name, value)| {
            let value = match value {
                MaybeSecret::Literal(text) => json!(text),
                MaybeSecret::Secret(_) => {
                    let target = Target::SingleuserEnv(name.clone());
                    let key = uses
                        .iter()
                        .find(|u| u.target == target)
                        .map(|u| u.secret_key.clone())
                        .expect("every secret env var is a secret use");
                    json!({"valueFrom": {"secretKeyRef": {"name": secret_name(&hub.name, &target), "key": key}}})
                }
            };
            (name.clone(), value)
        })
        .collect();
    Value::Object(env)
}

fn singleuser(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let user: &Singleuser = &hub.spec.singleuser;
    let mut values = json!({
        "image": {"name": user.image.name, "tag": user.image.tag},
    });
    if let Some(cpu) = &user.cpu {
        let mut bounds = Map::new();
        if let Some(g) = &cpu.guarantee {
            bounds.insert("guarantee".into(), number(g.value()));
        }
        if let Some(l) = &cpu.limit {
            bounds.insert("limit".into(), number(l.value()));
        }
        values["cpu"] = Value::Object(bounds);
    }
    if let Some(memory) = &user.memory {
        let mut bounds = Map::new();
        if let Some(g) = &memory.guarantee {
            bounds.insert("guarantee".into(), json!(g.spawner_value()));
        }
        if let Some(l) = &memory.limit {
            bounds.insert("limit".into(), json!(l.spawner_value()));
        }
        values["memory"] = Value::Object(bounds);
    }
    let mut storage = json!({"type": "dynamic", "capacity": user.storage.capacity.as_str()});
    if let Some(class) = user.storage.storage_class.as_ref().or(env
        .definition
        .spec
        .storage_class
        .as_ref())
    {
        storage["dynamic"] = json!({"storageClass": class});
    }
    values["storage"] = storage;
    values["defaultUrl"] = json!(user.default_url);
    if !user.env.is_empty() {
        values["extraEnv"] = extra_env(hub);
    }
    // The chart's iptables init container is privileged; the network policy blocks the metadata server instead.
    values["cloudMetadata"] = json!({"blockWithIptables": false});
    values
}

fn ingress(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let host = env.hub_host(hub);
    let defaults = &env.definition.spec.ingress;
    let own = &hub.spec.ingress;
    let mut annotations: Map<String, Value> = own
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let tls = own.tls.as_ref().or(defaults.tls.as_ref()).map(|tls| {
        let secret = match tls {
            Tls::ClusterIssuer(issuer) => {
                annotations.insert("cert-manager.io/cluster-issuer".into(), json!(issuer));
                format!("{}-tls", hub.name)
            }
            Tls::SecretName(name) => name.clone(),
        };
        json!([{"hosts": [host], "secretName": secret}])
    });
    let mut values = json!({"enabled": true});
    if let Some(class) = own.class_name.as_ref().or(defaults.class_name.as_ref()) {
        values["ingressClassName"] = json!(class);
    }
    if !annotations.is_empty() {
        annotations.sort_keys();
        values["annotations"] = Value::Object(annotations);
    }
    values["hosts"] = json!([host]);
    if let Some(tls) = tls {
        values["tls"] = tls;
    }
    values
}

/// A number as JSON: whole numbers without a fraction (`2`, not `2.0`).
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}
