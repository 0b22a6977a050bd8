//! The `ingress` and `httpRoute` sections: how users reach the hub, and its host (or the proxy's own Service, in
//! `load_balancer`).

use super::super::leaves::Path;
use super::{Builder, Context, Part, load_balancer, string};
use serde_json::{Map, Value, json};

/// The cert-manager annotation that makes an issuer-made certificate.
const ISSUER: &str = "cert-manager.io/cluster-issuer";

pub fn lift(values: &Value, context: &Context<'_>) -> Vec<Part> {
    let route_on = values.pointer("/httpRoute/enabled") == Some(&json!(true));
    let ingress_on = values.pointer("/ingress/enabled") == Some(&json!(true));
    match (ingress_on, route_on) {
        (true, false) => ingress(values, context).into_iter().collect(),
        (false, true) => route(values, context).into_iter().collect(),
        (false, false) => {
            let mut b = Builder::new(values, "expose.loadBalancer (the proxy's own Service)");
            let exposure = load_balancer::applies(values)
                .then(|| load_balancer::lift(&mut b, context))
                .flatten();
            if exposure.is_none() {
                b = Builder::new(values, "no ingress, no route");
            }
            if b.peek(&["ingress", "enabled"]).is_some() {
                b.take(&["ingress", "enabled"]);
            } else {
                b.adds(&["ingress", "enabled"]);
            }
            if exposure.is_none()
                && b.peek(&["proxy", "service", "type"]) == Some(&json!("ClusterIP"))
            {
                b.take(&["proxy", "service", "type"]);
            }
            if let Some(ingress) = b.peek(&["ingress"]).and_then(Value::as_object) {
                for key in ingress.keys().filter(|k| *k != "enabled") {
                    b.drop_at(
                        Path::keys(&["ingress", key]),
                        "the Ingress is off: its other settings did nothing",
                    );
                }
            }
            match exposure {
                Some(exposure) => {
                    if let Some(host) = context.host {
                        b.field(&["host"], json!(host));
                    }
                    b.field(&["expose", "loadBalancer"], exposure);
                }
                None => b.field(&["expose", "none"], json!({})),
            }
            b.finish().into_iter().collect()
        }
        (true, true) => Vec::new(),
    }
}

fn hosts_are(value: Option<&Value>, host: &str) -> bool {
    value == Some(&json!([host]))
}

fn ingress(values: &Value, context: &Context<'_>) -> Option<Part> {
    let mut b = Builder::new(values, "ingress");
    // Hosts a person must supply were taken out: the hub's default host stands in until they do.
    let host = match (context.host, b.peek(&["ingress", "hosts"])) {
        (Some(host), hosts) if hosts_are(hosts, host) => {
            b.take(&["ingress", "hosts"]);
            b.field(&["host"], json!(host));
            host.to_owned()
        }
        (_, None) => format!("{}.<domain>", context.hub),
        _ => return None,
    };
    let host = host.as_str();
    b.take(&["ingress", "enabled"]);
    // Users come in through the Ingress: the proxy's own Service need not be a load balancer.
    b.take(&["proxy", "service", "type"]);
    let mut ingress = Map::new();
    if let Some(class) = b.take(&["ingress", "ingressClassName"]) {
        ingress.insert("className".into(), class.clone());
    }
    let annotations = b
        .peek(&["ingress", "annotations"])
        .and_then(Value::as_object);
    let issuer = annotations.and_then(|a| string(a.get(ISSUER)));
    if let Some(tls) = b.peek(&["ingress", "tls"]).and_then(Value::as_array) {
        let [only] = tls.as_slice() else {
            return b.finish();
        };
        if hosts_are(only.get("hosts"), host) && only.as_object().is_some_and(|o| o.len() <= 2) {
            let secret = string(only.get("secretName"));
            let typed = match (secret, issuer) {
                (Some(secret), Some(issuer)) if secret == format!("{}-tls", context.hub) => {
                    b.take(&["ingress", "annotations", ISSUER]);
                    Some(json!({"clusterIssuer": issuer}))
                }
                (Some(secret), _) => Some(json!({"secretName": secret})),
                (None, _) if only.as_object().is_some_and(|o| o.len() == 1) => {
                    Some(json!({"defaultCertificate": true}))
                }
                (None, _) => None,
            };
            if let Some(typed) = typed {
                b.take(&["ingress", "tls"]);
                ingress.insert("tls".into(), typed);
            }
        }
    }
    if let Some(annotations) = annotations {
        let mut typed = Map::new();
        // The issuer annotation is the TLS field's when that took it.
        let issuer_taken = b
            .part
            .consumed
            .iter()
            .any(|p| p.to_string().contains(ISSUER));
        for (key, value) in annotations {
            if let Some(text) = value.as_str()
                && (key != ISSUER || !issuer_taken)
            {
                b.take(&["ingress", "annotations", key]);
                typed.insert(key.clone(), json!(text));
            }
        }
        if !typed.is_empty() {
            ingress.insert("annotations".into(), Value::Object(typed));
        }
    }
    b.field(&["expose", "ingress"], Value::Object(ingress));
    b.finish()
}

fn route(values: &Value, context: &Context<'_>) -> Option<Part> {
    let host = context.host?;
    let mut b = Builder::new(values, "httpRoute");
    if !hosts_are(b.peek(&["httpRoute", "hostnames"]), host) {
        return None;
    }
    b.take(&["httpRoute", "enabled"]);
    if b.peek(&["ingress", "enabled"]).is_some() {
        b.take(&["ingress", "enabled"]);
    } else {
        b.adds(&["ingress", "enabled"]);
    }
    b.take(&["proxy", "service", "type"]);
    b.take(&["httpRoute", "hostnames"]);
    b.field(&["host"], json!(host));
    let mut route = Map::new();
    let mut gateway = Map::new();
    for key in ["name", "namespace", "sectionName"] {
        if let Some(v) = b.take(&["httpRoute", "gateway", key]) {
            gateway.insert(key.into(), v.clone());
        }
    }
    route.insert("gateway".into(), Value::Object(gateway));
    if let Some(annotations) = b.take(&["httpRoute", "annotations"]) {
        route.insert("annotations".into(), annotations.clone());
    }
    b.field(&["expose", "httpRoute"], Value::Object(route));
    b.finish()
}
