//! The chart's `hub` section: `hub.config` (the authenticator, and the spawner's restricted security context),
//! the database volume, the profile filter under `hub.extraConfig`, the hub pod's scheduling, resources and
//! environment, and JupyterHub's limits on servers.

use super::shared::{extra_env, put};
use super::{auth, services, singleuser, spawn_config};
use crate::model::chart_source::ChartVersion;
use crate::model::usage::Target;
use crate::model::{Definition, Environment, HubSpec};
use serde_json::{Map, Value, json};

/// `hub`: what the definition decides.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let spec = &hub.spec;
    let host = env.hub_host(hub);
    let mut config = config(spec, &host, &spec.chart.version);
    config["KubeSpawner"] = singleuser::security_contexts(&spec.singleuser);
    let spawner = &mut config["KubeSpawner"];
    put(
        spawner,
        "k8s_api_request_timeout",
        &spec.hub.api_request_timeout,
    );
    put(
        spawner,
        "k8s_api_request_retry_timeout",
        &spec.hub.api_request_retry_timeout,
    );
    let mut values = json!({"config": config});
    if let Some(db) = database(env, spec) {
        values["db"] = db;
    }
    if let Some(config) = spawn_config::extra_config(hub) {
        values["extraConfig"] = json!({spawn_config::EXTRA_CONFIG_KEY: config});
    }
    let pod = &spec.hub;
    put(&mut values, "image", &pod.image);
    put(&mut values, "nodeSelector", &pod.node_selector);
    put(&mut values, "tolerations", &pod.tolerations);
    put(&mut values, "resources", &pod.resources);
    put(
        &mut values,
        "extraEnv",
        &extra_env(hub, &pod.env, |name| Target::HubEnv(name.to_owned())),
    );
    put(
        &mut values,
        "authenticatePrometheus",
        &pod.authenticate_prometheus,
    );
    put(&mut values, "activeServerLimit", &pod.active_server_limit);
    put(
        &mut values,
        "concurrentSpawnLimit",
        &pod.concurrent_spawn_limit,
    );
    put(&mut values, "allowNamedServers", &pod.allow_named_servers);
    services::put_into(&mut values, pod);
    put(&mut values, "extraVolumes", &pod.extra_volumes);
    put(&mut values, "extraVolumeMounts", &pod.extra_volume_mounts);
    put(
        &mut values,
        "namedServerLimitPerUser",
        &pod.named_server_limit_per_user,
    );
    values
}

fn config(spec: &HubSpec, host: &str, chart: &ChartVersion) -> Value {
    let mut config = Map::new();
    auth::merge_into(&mut config, spec, host, chart);
    Value::Object(config)
}

/// `hub.db`: SQLite on a volume of the Environment's storage class unless the definition says otherwise; an
/// external database's URL comes from the secret store through `valuesFrom` (targetPath `hub.db.url`).
fn database(env: &Environment, spec: &HubSpec) -> Option<Value> {
    let env_class = env.definition.spec.storage_class.as_ref();
    let Some(database) = &spec.database else {
        return env_class.map(|class| json!({"pvc": {"storageClassName": class}}));
    };
    let mut db = database_kind(env_class, database)?;
    if let Some(upgrade) = database.upgrade {
        db["upgrade"] = json!(upgrade);
    }
    Some(db)
}

/// `hub.db.type` and, for SQLite, its volume.
fn database_kind(
    env_class: Option<&crate::model::names::DnsSubdomain>,
    database: &crate::model::hub::Database,
) -> Option<Value> {
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
    if !sqlite.annotations.is_empty() {
        pvc.insert("annotations".into(), json!(sqlite.annotations));
    }
    Some(json!({"type": "sqlite-pvc", "pvc": pvc}))
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn the_hub_pod_and_server_limits_render_as_the_chart_takes_them() {
        let values = test_values(
            "  hub:\n    nodeSelector: {role/store: \"true\"}\n    tolerations: [{key: dedicated, operator: Equal, value: core, effect: NoSchedule}]\n    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {cpu: 0.5, memory: 1G}}\n    authenticatePrometheus: false\n    activeServerLimit: 6\n    concurrentSpawnLimit: 10\n    allowNamedServers: true\n    namedServerLimitPerUser: 3\n    env: {LOG_LEVEL: debug, API_TOKEN: {vault: \"lab/hub#token\"}}\n",
        );
        let hub = &values["hub"];
        assert_eq!(hub["nodeSelector"], json!({"role/store": "true"}));
        assert_eq!(
            hub["tolerations"],
            json!([{"key": "dedicated", "operator": "Equal", "value": "core", "effect": "NoSchedule"}])
        );
        // Quantities as written: text stays text, numbers stay numbers.
        assert_eq!(
            hub["resources"],
            json!({"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": 0.5, "memory": "1G"}})
        );
        assert_eq!(
            hub["extraEnv"],
            json!({
                "API_TOKEN": {"valueFrom": {"secretKeyRef": {"name": "lab-hub-env", "key": "env-API_TOKEN"}}},
                "LOG_LEVEL": "debug",
            })
        );
        for (key, value) in [
            ("authenticatePrometheus", json!(false)),
            ("activeServerLimit", json!(6)),
            ("concurrentSpawnLimit", json!(10)),
            ("allowNamedServers", json!(true)),
            ("namedServerLimitPerUser", json!(3)),
        ] {
            assert_eq!(hub[key], value, "{key}");
        }
    }

    #[test]
    fn the_database_upgrade_switch_goes_with_the_database() {
        let values = test_values(
            "  database: {sqlite: {size: 2Gi, annotations: {helm.sh/resource-policy: keep}}, upgrade: true}\n",
        );
        assert_eq!(
            values["hub"]["db"],
            json!({"type": "sqlite-pvc", "pvc": {"storage": "2Gi", "annotations": {"helm.sh/resource-policy": "keep"}}, "upgrade": true})
        );
        let problems = crate::load::test_hub_problems("  database: {upgrade: true}\n");
        assert!(
            problems.contains("spec.database needs exactly one of"),
            "{problems}"
        );
    }

    #[test]
    fn the_hub_image_keeps_the_charts_tag_unless_it_names_one() {
        let values =
            test_values("  hub: {image: {name: registry.example.org/jupyterhub/k8s-hub-slim}}\n");
        assert_eq!(
            values["hub"]["image"],
            json!({"name": "registry.example.org/jupyterhub/k8s-hub-slim"})
        );
        let problems =
            crate::load::test_hub_problems("  hub: {image: {name: \"hub:4.0.0\", tag: latest}}\n");
        assert!(
            problems.contains("hub.image.name `hub:4.0.0` has a tag or digest"),
            "{problems}"
        );
        assert!(problems.contains("hub.image.tag is `latest`"), "{problems}");
    }

    #[test]
    fn unset_settings_leave_the_chart_defaults() {
        let values = test_values("");
        let hub = values["hub"].as_object().unwrap();
        let keys: Vec<&str> = hub.keys().map(String::as_str).collect();
        assert_eq!(keys, ["config"], "{hub:?}");
    }
}
