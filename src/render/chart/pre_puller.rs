//! The chart's `prePuller` section: pulling user images onto nodes ahead of time. `enabled` switches both
//! pullers; `hook` and `continuous` switch one each, so a definition that turns only the hook off renders only
//! `prePuller.hook.enabled: false`.

use super::shared::put;
use crate::model::HubSpec;
use serde_json::{Value, json};

/// Add `prePuller` when the definition decides any of it.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    let Some(puller) = &spec.pre_puller else {
        return;
    };
    let mut pre_puller = json!({});
    put(&mut pre_puller, "resources", &puller.resources);
    let mut hook = json!({});
    let mut continuous = json!({});
    if let Some(own) = &puller.hook {
        put(&mut hook, "enabled", &own.enabled);
        put(&mut hook, "nodeSelector", &own.node_selector);
        put(&mut hook, "tolerations", &own.tolerations);
        put(&mut hook, "resources", &own.resources);
    }
    if let Some(own) = &puller.continuous {
        put(&mut continuous, "enabled", &own.enabled);
    }
    // Both switches at once (loading refuses it together with hook.enabled or continuous.enabled).
    if let Some(enabled) = puller.enabled {
        hook["enabled"] = json!(enabled);
        continuous["enabled"] = json!(enabled);
    }
    put(&mut pre_puller, "hook", &hook);
    put(&mut pre_puller, "continuous", &continuous);
    put(values, "prePuller", &pre_puller);
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn one_switch_turns_both_pullers() {
        let values = test_values("  prePuller: {enabled: false}\n");
        assert_eq!(
            values["prePuller"],
            json!({"hook": {"enabled": false}, "continuous": {"enabled": false}})
        );
    }

    #[test]
    fn only_the_hook_renders_only_the_hook() {
        let values = test_values("  prePuller:\n    hook: {enabled: false}\n");
        assert_eq!(values["prePuller"], json!({"hook": {"enabled": false}}));
    }

    #[test]
    fn resources_and_the_awaiter_placement() {
        let values = test_values(
            "  prePuller:\n    resources: {requests: {cpu: 1m, memory: 8Mi}, limits: {cpu: 50m, memory: 32Mi}}\n    hook:\n      nodeSelector: {kubernetes.io/os: linux}\n      tolerations: [{key: dedicated, operator: Exists}]\n      resources: {requests: {cpu: 1m}}\n    continuous: {enabled: true}\n",
        );
        assert_eq!(
            values["prePuller"],
            json!({
                "resources": {"requests": {"cpu": "1m", "memory": "8Mi"}, "limits": {"cpu": "50m", "memory": "32Mi"}},
                "hook": {
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                    "resources": {"requests": {"cpu": "1m"}},
                },
                "continuous": {"enabled": true},
            })
        );
        assert!(test_values("").get("prePuller").is_none());
    }
}
