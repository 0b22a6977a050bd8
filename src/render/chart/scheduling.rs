//! The chart's `scheduling` section: the user scheduler that packs user pods tightly (on or off, where it runs,
//! its resources), pod priorities, and the user placeholders.

use super::shared::put;
use crate::model::HubSpec;
use serde_json::{Value, json};

/// Add `scheduling` when the definition decides any of it.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    let mut scheduling = json!({});
    if let Some(scheduler) = &spec.user_scheduler {
        let mut user_scheduler = json!({});
        put(&mut user_scheduler, "enabled", &scheduler.enabled);
        put(
            &mut user_scheduler,
            "nodeSelector",
            &scheduler.node_selector,
        );
        put(&mut user_scheduler, "resources", &scheduler.resources);
        put(&mut scheduling, "userScheduler", &user_scheduler);
    }
    if let Some(tolerations) = &spec.user_pods.tolerations {
        scheduling["userPods"] = json!({"tolerations": tolerations});
    }
    for (key, toggle) in [
        ("podPriority", spec.pod_priority),
        ("userPlaceholder", spec.user_placeholder),
    ] {
        if let Some(toggle) = toggle {
            scheduling[key] = json!({"enabled": toggle.enabled});
        }
    }
    put(values, "scheduling", &scheduling);
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn user_pods_tolerations_replace_the_charts() {
        let values = test_values(concat!(
            "  userPods: {tolerations: [{key: hub.jupyter.org/dedicated, operator: Equal, value: cms-af, effect: NoSchedule}]}\n",
            "  profiles: [{name: A, slug: a, tolerations: [{key: gpu, operator: Exists}]}]\n",
        ));
        let dedicated = json!({"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "cms-af", "effect": "NoSchedule"});
        assert_eq!(
            values["scheduling"]["userPods"],
            json!({"tolerations": [dedicated]})
        );
        assert_eq!(
            values["singleuser"]["profileList"][0]["kubespawner_override"]["tolerations"],
            json!([dedicated, {"key": "gpu", "operator": "Exists"}])
        );
        // `tolerations: []` is written: it removes the chart's.
        let none = test_values("  userPods: {tolerations: []}\n");
        assert_eq!(none["scheduling"]["userPods"], json!({"tolerations": []}));
    }

    #[test]
    fn the_user_scheduler_priorities_and_placeholders() {
        let values = test_values(
            "  userScheduler:\n    enabled: true\n    nodeSelector: {kubernetes.io/os: linux}\n    resources: {requests: {cpu: 1m, memory: 100M}, limits: {memory: 200M}}\n  podPriority: {enabled: true}\n  userPlaceholder: {enabled: false}\n",
        );
        assert_eq!(
            values["scheduling"],
            json!({
                "userScheduler": {
                    "enabled": true,
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "resources": {"requests": {"cpu": "1m", "memory": "100M"}, "limits": {"memory": "200M"}},
                },
                "podPriority": {"enabled": true},
                "userPlaceholder": {"enabled": false},
            })
        );
    }

    #[test]
    fn the_toggle_form_renders_only_enabled() {
        let values = test_values("  userScheduler: {enabled: false}\n");
        assert_eq!(
            values["scheduling"],
            json!({"userScheduler": {"enabled": false}})
        );
        // Without `enabled`, the chart's switch stays as it is.
        let values = test_values("  userScheduler: {nodeSelector: {pool: core}}\n");
        assert_eq!(
            values["scheduling"],
            json!({"userScheduler": {"nodeSelector": {"pool": "core"}}})
        );
        assert!(test_values("").get("scheduling").is_none());
    }
}
