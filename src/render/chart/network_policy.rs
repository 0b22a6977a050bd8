//! `*.networkPolicy.enabled` of hub, proxy and user pods: one switch for the chart's NetworkPolicies.

use crate::model::HubSpec;
use crate::render::overrides::merge;
use serde_json::{Value, json};

/// Switch every NetworkPolicy of the chart on or off when the definition says so.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
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
    // A section's own switch wins over the one for all.
    for (path, policy) in [
        (&["hub"][..], spec.hub.network_policy),
        (&["proxy", "chp"][..], spec.proxy.network_policy),
        (&["singleuser"][..], spec.singleuser.network_policy),
    ] {
        if let Some(policy) = policy {
            let mut patch = json!({"networkPolicy": {"enabled": policy.enabled}});
            for key in path.iter().rev() {
                patch = json!({*key: patch});
            }
            merge(values, &patch);
        }
    }
}
