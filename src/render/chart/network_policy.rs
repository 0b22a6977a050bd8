//! `*.networkPolicy` of hub, proxy and user pods: one switch for the chart's NetworkPolicies, each section's own
//! switch and egress rules.

use crate::model::HubSpec;
use crate::render::overrides::merge;
use serde_json::{Map, Value, json};

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
        (&["hub"][..], &spec.hub.network_policy),
        (&["proxy", "chp"][..], &spec.proxy.network_policy),
        (&["singleuser"][..], &spec.singleuser.network_policy),
    ] {
        if let Some(policy) = policy {
            let mut section = Map::new();
            if let Some(enabled) = policy.enabled {
                section.insert("enabled".into(), json!(enabled));
            }
            if let Some(egress) = &policy.egress {
                section.insert("egress".into(), json!(egress));
            }
            let mut patch = json!({"networkPolicy": section});
            for key in path.iter().rev() {
                patch = json!({*key: patch});
            }
            merge(values, &patch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn a_section_policy_renders_its_switch_and_egress_rules() {
        let values = test_values(
            "  hub:\n    networkPolicy:\n      enabled: true\n      egress: [{}, {to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 5432, protocol: TCP}]}]\n  singleuser: {networkPolicy: {egress: [{}]}}\n",
        );
        let hub = &values["hub"]["networkPolicy"];
        assert_eq!(hub["enabled"], json!(true));
        assert_eq!(
            hub["egress"],
            json!([{}, {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 5432, "protocol": "TCP"}]}])
        );
        assert_eq!(values["singleuser"]["networkPolicy"]["egress"], json!([{}]));
    }
}
