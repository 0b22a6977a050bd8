//! The hub's operational settings in chart values: idle culling, the hub database, network policies, the user
//! scheduler and the image pre-puller. Unset settings leave the chart's defaults.

use super::overrides::merge;
use crate::model::Environment;
use crate::model::hub::HubSpec;
use crate::model::hub_options::Culling;
use serde_json::{Map, Value, json};

/// Merge the operational settings of `spec` into the chart values.
pub fn merge_into(values: &mut Value, env: &Environment, spec: &HubSpec) {
    if let Some(culling) = &spec.culling {
        merge(values, &json!({"cull": cull(culling)}));
    }
    if let Some(database) = &spec.database {
        if let Some(sqlite) = &database.sqlite {
            let mut pvc = Map::new();
            if let Some(size) = &sqlite.size {
                pvc.insert("storage".into(), json!(size.as_str()));
            }
            if let Some(class) = sqlite.storage_class.as_ref().or(env
                .definition
                .spec
                .storage_class
                .as_ref())
            {
                pvc.insert("storageClassName".into(), json!(class));
            }
            merge(
                values,
                &json!({"hub": {"db": {"type": "sqlite-pvc", "pvc": pvc}}}),
            );
        }
        if let Some((kind, _)) = database.external() {
            // The URL comes from Vault through `valuesFrom` (targetPath hub.db.url); no volume is needed.
            if let Some(hub) = values["hub"].as_object_mut() {
                hub.remove("db");
            }
            merge(values, &json!({"hub": {"db": {"type": kind}}}));
        }
    }
    if let Some(policy) = spec.network_policy {
        let enabled = json!({"networkPolicy": {"enabled": policy.enabled}});
        merge(
            values,
            &json!({
                "hub": enabled,
                "proxy": {"chp": enabled, "traefik": enabled},
                "singleuser": enabled,
            }),
        );
    }
    if let Some(scheduler) = spec.user_scheduler {
        merge(
            values,
            &json!({"scheduling": {"userScheduler": {"enabled": scheduler.enabled}}}),
        );
    }
    if let Some(puller) = spec.pre_puller {
        let enabled = json!({"enabled": puller.enabled});
        merge(
            values,
            &json!({"prePuller": {"hook": enabled, "continuous": enabled}}),
        );
    }
}

fn cull(culling: &Culling) -> Value {
    let mut cull = json!({"enabled": culling.enabled});
    for (key, value) in [
        ("timeout", culling.timeout),
        ("every", culling.every),
        ("maxAge", culling.max_age),
    ] {
        if let Some(seconds) = value {
            cull[key] = json!(seconds);
        }
    }
    if let Some(users) = culling.users {
        cull["users"] = json!(users);
    }
    cull
}
