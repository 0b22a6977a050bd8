//! The chart's `proxy` section: the proxy's Service stays inside the cluster (no cloud load balancer); users
//! come in through the Ingress or HTTPRoute of `expose`, unless `expose.loadBalancer` makes the Service their way
//! in (see `load_balancer`). The proxy pod (`proxy.chp`) runs where the definition says, with the resources it
//! gives.

use super::shared::put;
use crate::model::HubSpec;
use serde_json::{Value, json};

/// `proxy`: what the definition decides.
pub fn values(spec: &HubSpec) -> Value {
    let proxy = &spec.proxy;
    let mut chp = json!({});
    put(&mut chp, "nodeSelector", &proxy.node_selector);
    put(&mut chp, "tolerations", &proxy.tolerations);
    put(&mut chp, "resources", &proxy.resources);
    let mut values = json!({"service": {"type": "ClusterIP"}});
    put(&mut values, "chp", &chp);
    let mut traefik = json!({});
    put(&mut traefik, "nodeSelector", &proxy.traefik.node_selector);
    put(&mut traefik, "tolerations", &proxy.traefik.tolerations);
    put(&mut values, "traefik", &traefik);
    values
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn the_proxy_pod_settings_go_under_chp() {
        let values = test_values(
            "  proxy:\n    nodeSelector: {role/store: \"true\"}\n    tolerations: [{key: dedicated, operator: Exists}]\n    resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}\n    traefik: {nodeSelector: {edge: \"true\"}}\n",
        );
        assert_eq!(
            values["proxy"],
            json!({
                "service": {"type": "ClusterIP"},
                "chp": {
                    "nodeSelector": {"role/store": "true"},
                    "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
                },
                "traefik": {"nodeSelector": {"edge": "true"}},
            })
        );
        assert_eq!(
            test_values("")["proxy"],
            json!({"service": {"type": "ClusterIP"}})
        );
    }
}
