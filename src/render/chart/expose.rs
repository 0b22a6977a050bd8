//! The chart's `ingress` and `httpRoute` sections: how users reach a hub: the chart's Ingress (class and TLS from
//! the hub, else the Environment), a Gateway API HTTPRoute on an existing Gateway (then the Ingress is off), the
//! proxy's own Service (`loadBalancer`, see `super::load_balancer`), or neither (`none`).

use crate::model::environment::Tls;
use crate::model::hub::HubSpec;
use crate::model::hub::{HttpRoute, HubIngress};
use crate::model::{Definition, Environment};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Add `ingress` (and `httpRoute` when chosen) to the chart values.
pub fn merge_into(values: &mut Value, env: &Environment, hub: &Definition<HubSpec>) {
    let host = env.hub_host(hub);
    let expose = &hub.spec.expose;
    if expose.none.is_some() {
        values["ingress"] = json!({"enabled": false});
    } else if let Some(exposure) = &expose.load_balancer {
        super::load_balancer::merge_into(values, exposure, &host);
    } else if let Some(route) = &expose.http_route {
        values["ingress"] = json!({"enabled": false});
        values["httpRoute"] = http_route(route, &host);
    } else {
        let own = expose.ingress.clone().unwrap_or_default();
        values["ingress"] = ingress(env, &hub.name, &own, &host);
    }
}

fn http_route(route: &HttpRoute, host: &str) -> Value {
    let mut values = json!({"enabled": true});
    if !route.annotations.is_empty() {
        values["annotations"] = annotations(&route.annotations);
    }
    values["hostnames"] = json!([host]);
    let gateway = &route.gateway;
    let mut reference = json!({"name": gateway.name});
    if let Some(namespace) = &gateway.namespace {
        reference["namespace"] = json!(namespace);
    }
    if let Some(section) = &gateway.section_name {
        reference["sectionName"] = json!(section);
    }
    values["gateway"] = reference;
    values
}

fn annotations(annotations: &BTreeMap<String, String>) -> Value {
    Value::Object(
        annotations
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect(),
    )
}

fn ingress(env: &Environment, hub: &str, own: &HubIngress, host: &str) -> Value {
    let defaults = &env.definition.spec.ingress;
    let mut annotations: Map<String, Value> = own
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let hosts: Vec<&str> = std::iter::once(host)
        .chain(own.hosts.iter().map(String::as_str))
        .collect();
    let tls = own.tls.as_ref().or(defaults.tls.as_ref()).map(|tls| {
        let secret = match tls {
            Tls::ClusterIssuer(issuer) => {
                annotations.insert("cert-manager.io/cluster-issuer".into(), json!(issuer));
                Some(format!("{hub}-tls"))
            }
            Tls::SecretName(name) => Some(name.to_string()),
            // The ingress controller serves its default certificate for hosts without a secret.
            Tls::DefaultCertificate(_) => None,
        };
        let mut entry = json!({"hosts": hosts});
        if let Some(secret) = secret {
            entry["secretName"] = json!(secret);
        }
        json!([entry])
    });
    let mut values = json!({"enabled": true});
    if let Some(class) = own.class_name.as_ref().or(defaults.class_name.as_ref()) {
        values["ingressClassName"] = json!(class);
    }
    if !annotations.is_empty() {
        annotations.sort_keys();
        values["annotations"] = Value::Object(annotations);
    }
    values["hosts"] = json!(hosts);
    if let Some(tls) = tls {
        values["tls"] = tls;
    }
    values
}
