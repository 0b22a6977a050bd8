//! The chart's `hub.services` and `hub.loadRoles`: JupyterHub services and roles, with the keys JupyterHub
//! takes (`oauth_no_confirm`); the chart names each after its key and generates each service's API token.

use super::shared::put;
use crate::model::chart::hub::HubPod;
use serde_json::{Map, Value, json};

/// `hub.services` and `hub.loadRoles` into the hub section's `values`.
pub fn put_into(values: &mut Value, pod: &HubPod) {
    let services: Map<String, Value> = pod
        .services
        .iter()
        .map(|(name, service)| {
            let mut out = json!({});
            put(&mut out, "url", &service.url);
            put(&mut out, "command", &service.command);
            put(&mut out, "oauth_no_confirm", &service.oauth_no_confirm);
            put(&mut out, "display", &service.display);
            put(&mut out, "environment", &service.environment);
            (name.clone(), out)
        })
        .collect();
    put(values, "services", &services);
    // A role's fields are JupyterHub's own names already.
    put(values, "loadRoles", &pod.roles);
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn services_and_roles_as_jupyterhub_takes_them() {
        let values = test_values(concat!(
            "  hub:\n",
            "    services:\n",
            "      grader: {url: \"http://grader:8888\", oauthNoConfirm: true, display: false}\n",
            "      culler: {command: [python3, /srv/cull.py], environment: {EVERY: \"600\"}}\n",
            "    roles:\n",
            "      culler: {description: Cull, scopes: [delete:servers], services: [culler]}\n",
        ));
        let hub = &values["hub"];
        assert_eq!(
            hub["services"],
            json!({
                "culler": {"command": ["python3", "/srv/cull.py"], "environment": {"EVERY": "600"}},
                "grader": {"url": "http://grader:8888", "oauth_no_confirm": true, "display": false},
            })
        );
        assert_eq!(
            hub["loadRoles"],
            json!({"culler": {"description": "Cull", "scopes": ["delete:servers"], "services": ["culler"]}})
        );
        let plain = test_values("  hub: {}\n");
        assert!(plain["hub"].get("services").is_none() && plain["hub"].get("loadRoles").is_none());
    }
}
