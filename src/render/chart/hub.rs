//! The chart's `hub` section: `hub.config` (the authenticator, and the spawner's restricted security context),
//! the database volume, and the profile filter under `hub.extraConfig`.

use super::{auth, profiles};
use crate::model::auth::Auth;
use crate::model::chart_source::ChartVersion;
use crate::model::profile::Profile;
use crate::model::{Definition, Environment, HubSpec};
use serde_json::{Map, Value, json};

/// `hub`: what the definition decides.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let spec = &hub.spec;
    let host = env.hub_host(hub);
    let config = config(&spec.auth, &spec.profiles, &host, &spec.chart.version);
    let mut values = json!({"config": config});
    if let Some(db) = database(env, spec) {
        values["db"] = db;
    }
    if let Some(config) = profiles::extra_config(&spec.profiles, spec.auth.authenticator()) {
        values["extraConfig"] = json!({profiles::EXTRA_CONFIG_KEY: config});
    }
    values
}

fn config(auth: &Auth, hub_profiles: &[Profile], host: &str, chart: &ChartVersion) -> Value {
    let mut config = Map::new();
    auth::merge_into(&mut config, auth, hub_profiles, host, chart);
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

/// `hub.db`: SQLite on a volume of the Environment's storage class unless the definition says otherwise; an
/// external database's URL comes from the secret store through `valuesFrom` (targetPath `hub.db.url`).
fn database(env: &Environment, spec: &HubSpec) -> Option<Value> {
    let env_class = env.definition.spec.storage_class.as_ref();
    let Some(database) = &spec.database else {
        return env_class.map(|class| json!({"pvc": {"storageClassName": class}}));
    };
    if let Some((kind, _)) = database.external() {
        return Some(json!({"type": kind}));
    }
    let sqlite = database.sqlite.as_ref()?;
    let mut pvc = Map::new();
    if let Some(size) = &sqlite.size {
        pvc.insert("storage".into(), json!(size.as_str()));
    }
    if let Some(class) = sqlite.storage_class.as_ref().or(env_class) {
        pvc.insert("storageClassName".into(), json!(class));
    }
    Some(json!({"type": "sqlite-pvc", "pvc": pvc}))
}
