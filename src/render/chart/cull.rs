//! The chart's `cull` section: stopping idle servers (jupyterhub-idle-culler). Unset, the chart's default stays.

use crate::model::HubSpec;
use crate::model::hub::Culling;
use serde_json::{Value, json};

/// Add `cull` when the definition sets culling.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    if let Some(culling) = &spec.culling {
        values["cull"] = cull(culling);
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
    if let Some(named) = culling.remove_named_servers {
        cull["removeNamedServers"] = json!(named);
    }
    cull
}
