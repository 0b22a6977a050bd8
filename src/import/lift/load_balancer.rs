//! The proxy's own Service as the way in (`expose.loadBalancer`): its type, TLS at the proxy (`proxy.https`) and
//! TCP ports through the chart's Traefik pod written as jupyterhub-ssh's documentation does (`<name>-entrypoint`,
//! `<name>-router`, `<name>-service`).

use super::super::leaves::Path;
use super::{Builder, Context, string};
use crate::model::chart::load_balancer::default_container_port;
use serde_json::{Map, Value, json};

/// Whether the values reach the hub through the proxy's Service: TLS at the proxy, or a Service type that is a
/// way in (with neither an Ingress nor a route on, which the caller knows).
pub fn applies(values: &Value) -> bool {
    let https = values.pointer("/proxy/https/enabled") == Some(&json!(true));
    match values
        .pointer("/proxy/service/type")
        .and_then(Value::as_str)
    {
        Some("LoadBalancer" | "NodePort") => true,
        None => https,
        Some(_) => false,
    }
}

/// `expose.loadBalancer` for the values, consuming what it stands for; `None` (nothing consumed) when its TLS is
/// not one jupyflux types.
pub fn lift(b: &mut Builder<'_>, context: &Context<'_>) -> Option<Value> {
    let https = https(b, context)?;
    let mut exposure = Map::new();
    match b.take(&["proxy", "service", "type"]) {
        Some(kind) if kind == "NodePort" => {
            exposure.insert("serviceType".into(), kind.clone());
        }
        Some(_) => {}
        None => b.adds(&["proxy", "service", "type"]),
    }
    if let Some(https) = https {
        exposure.insert("https".into(), https);
    }
    let ports = tcp(b);
    if !ports.is_empty() {
        exposure.insert("tcp".into(), Value::Array(ports));
    }
    Some(Value::Object(exposure))
}

/// The typed `https` (`Some(None)` without TLS), consumed; `None` when jupyflux has no field for it.
fn https(b: &mut Builder<'_>, context: &Context<'_>) -> Option<Option<Value>> {
    if b.peek(&["proxy", "https", "enabled"]) != Some(&json!(true)) {
        return Some(None);
    }
    let kind = string(b.peek(&["proxy", "https", "type"])).unwrap_or("letsencrypt");
    let host = context
        .host
        .map_or_else(|| format!("{}.<domain>", context.hub), str::to_owned);
    let hosts = b.peek(&["proxy", "https", "hosts"]);
    if kind == "letsencrypt" && hosts.is_some_and(|h| h != &json!([host])) {
        return None;
    }
    let typed = match kind {
        "letsencrypt" => {
            let mut settings = Map::new();
            for key in ["contactEmail", "acmeServer"] {
                if let Some(v) = b.take(&["proxy", "https", "letsencrypt", key]) {
                    settings.insert(key.into(), v.clone());
                }
            }
            // Without hosts the chart runs no Traefik pod: rendering the hub's host is a deliberate change
            // (`fidelity::DELIBERATE`), for a person to review.
            if b.take(&["proxy", "https", "hosts"]).is_none() {
                b.review(format!(
                    "expose.loadBalancer.https: proxy.https had no hosts, so the chart ran no Traefik pod (no Let's Encrypt certificate{}); jupyflux names the hub's host `{host}` in proxy.https.hosts: point its DNS at the proxy's load balancer, or remove `https` to keep the hub as it was",
                    if b.peek(&["proxy", "traefik", "extraPorts"]).is_some() {
                        ", and its TCP ports led nowhere"
                    } else {
                        ""
                    }
                ));
            }
            json!({"letsencrypt": settings})
        }
        "secret" => {
            let mut settings = Map::new();
            for key in ["name", "key", "crt"] {
                if let Some(v) = b.take(&["proxy", "https", "secret", key]) {
                    settings.insert(key.into(), v.clone());
                }
            }
            json!({"secret": settings})
        }
        "offload" => json!({"offload": {}}),
        _ => return None,
    };
    b.take(&["proxy", "https", "enabled"]);
    b.take(&["proxy", "https", "type"]);
    if b.peek(&["proxy", "https", "type"]).is_none() {
        b.adds(&["proxy", "https", "type"]);
    }
    Some(Some(typed))
}

/// The TCP ports whose Service port, Traefik port and routing all have the shape `expose.loadBalancer.tcp`
/// renders, consumed (none when one lacks a piece).
fn tcp(b: &mut Builder<'_>) -> Vec<Value> {
    let Some(service_ports) = b
        .peek(&["proxy", "service", "extraPorts"])
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let traefik_ports = b
        .peek(&["proxy", "traefik", "extraPorts"])
        .and_then(Value::as_array);
    let tcp = b.peek(&["proxy", "traefik", "extraDynamicConfig", "tcp"]);
    let mut ports = Vec::new();
    for entry in service_ports {
        let (Some(name), Some(port)) = (string(entry.get("name")), entry.get("port")) else {
            return Vec::new();
        };
        let container = traefik_ports
            .into_iter()
            .flatten()
            .find(|p| string(p.get("name")) == Some(name))
            .and_then(|p| p.get("containerPort"));
        let address = tcp
            .and_then(|t| {
                t.pointer(&format!(
                    "/services/{name}-service/loadBalancer/servers/0/address"
                ))
            })
            .and_then(Value::as_str)
            .and_then(|a| a.rsplit_once(':'))
            .and_then(|(service, port)| Some((service, port.parse::<u16>().ok()?)));
        let (Some(container), Some((service, backend_port)), Some(number)) = (
            container,
            address,
            port.as_u64().and_then(|p| u16::try_from(p).ok()),
        ) else {
            return Vec::new();
        };
        let mut typed = json!({"name": name, "port": number});
        if container.as_u64() != Some(u64::from(default_container_port(number))) {
            typed["containerPort"] = container.clone();
        }
        typed["backend"] = json!({"service": service, "port": backend_port});
        ports.push((name, typed));
    }
    b.take(&["proxy", "service", "extraPorts"]);
    b.take(&["proxy", "traefik", "extraPorts"]);
    if b.take(&["proxy", "traefik", "networkPolicy", "allowedIngressPorts"])
        .is_none()
    {
        b.adds(&["proxy", "traefik", "networkPolicy", "allowedIngressPorts"]);
    }
    for (name, _) in &ports {
        let entry = format!("{name}-entrypoint");
        for keys in [
            ["extraStaticConfig", "entryPoints", entry.as_str()],
            ["extraDynamicConfig", "tcp", "services"],
            ["extraDynamicConfig", "tcp", "routers"],
        ] {
            let mut path = vec!["proxy", "traefik"];
            path.extend(keys);
            let own = match keys[2] {
                "services" => format!("{name}-service"),
                "routers" => format!("{name}-router"),
                _ => String::new(),
            };
            if !own.is_empty() {
                path.push(&own);
            }
            if b.take(&path).is_none() {
                b.adds_at(Path::keys(&path));
            }
        }
    }
    ports.into_iter().map(|(_, typed)| typed).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Builder, Context};
    use super::*;

    fn lifted(values: &Value) -> (Option<Value>, Vec<String>, Vec<String>) {
        let context = Context {
            hub: "lab",
            host: Some("lab.example.org"),
            secrets: &[],
        };
        let mut b = Builder::new(values, "test");
        let exposure = lift(&mut b, &context);
        let consumed = b.part.consumed.iter().map(ToString::to_string).collect();
        let adds = b.part.adds.iter().map(ToString::to_string).collect();
        (exposure, consumed, adds)
    }

    #[test]
    fn jupyterhub_ssh_through_traefik_becomes_tcp_ports() {
        let values = json!({"proxy": {
            "https": {"enabled": true, "type": "letsencrypt", "hosts": ["lab.example.org"], "letsencrypt": {"contactEmail": "a@example.org"}},
            "service": {"type": "NodePort", "extraPorts": [{"name": "ssh", "port": 22, "targetPort": "ssh"}, {"name": "sftp", "port": 2222, "targetPort": "sftp"}]},
            "traefik": {
                "extraPorts": [{"name": "ssh", "containerPort": 8022}, {"name": "sftp", "containerPort": 2022}],
                "extraStaticConfig": {"entryPoints": {"ssh-entrypoint": {"address": ":8022"}, "sftp-entrypoint": {"address": ":2022"}}},
                "extraDynamicConfig": {"tcp": {
                    "services": {"ssh-service": {"loadBalancer": {"servers": [{"address": "jupyterhub-ssh:22"}]}}, "sftp-service": {"loadBalancer": {"servers": [{"address": "jupyterhub-sftp.files:22"}]}}},
                    "routers": {"ssh-router": {}, "sftp-router": {}},
                }},
            },
        }});
        let (exposure, consumed, adds) = lifted(&values);
        assert_eq!(
            exposure,
            Some(json!({
                "serviceType": "NodePort",
                "https": {"letsencrypt": {"contactEmail": "a@example.org"}},
                "tcp": [
                    {"name": "ssh", "port": 22, "backend": {"service": "jupyterhub-ssh", "port": 22}},
                    {"name": "sftp", "port": 2222, "containerPort": 2022, "backend": {"service": "jupyterhub-sftp.files", "port": 22}},
                ],
            }))
        );
        assert!(
            consumed
                .contains(&"proxy.traefik.extraDynamicConfig.tcp.routers.sftp-router".to_owned()),
            "{consumed:?}"
        );
        assert!(
            consumed.contains(&"proxy.https.hosts".to_owned()),
            "{consumed:?}"
        );
        assert_eq!(adds, ["proxy.traefik.networkPolicy.allowedIngressPorts"]);
    }

    #[test]
    fn manual_tls_other_hosts_and_incomplete_ports_are_not_typed() {
        let manual = json!({"proxy": {"https": {"enabled": true, "type": "manual"}}});
        assert_eq!(lifted(&manual).0, None);
        let other_host =
            json!({"proxy": {"https": {"enabled": true, "hosts": ["other.example.org"]}}});
        assert_eq!(lifted(&other_host).0, None);
        // A Service port without its Traefik routing stays under values; the load balancer is still typed.
        let values = json!({"proxy": {"service": {"type": "LoadBalancer", "extraPorts": [{"name": "ssh", "port": 22, "targetPort": "ssh"}]}}});
        let (exposure, consumed, _) = lifted(&values);
        assert_eq!(exposure, Some(json!({})));
        assert_eq!(consumed, ["proxy.service.type"]);
    }
}
