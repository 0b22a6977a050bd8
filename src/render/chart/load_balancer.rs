//! `expose.loadBalancer`: the proxy's Service (`proxy.service`) as a load balancer or node port, no Ingress, TLS at
//! the proxy (`proxy.https`, for the hub's host), and each TCP port through the chart's Traefik pod: a Service port
//! (`proxy.service.extraPorts`), a Traefik port, entry point, router and service (`proxy.traefik.*`), and the
//! Traefik NetworkPolicy admitting it.

use crate::model::chart::load_balancer::{LoadBalancer, ProxyHttps, TcpPort};
use crate::render::overrides::merge;
use serde_json::{Map, Value, json};

/// Add the proxy's Service, its TLS and TCP ports to `values` (whose `proxy` is already made).
pub fn merge_into(values: &mut Value, exposure: &LoadBalancer, host: &str) {
    values["ingress"] = json!({"enabled": false});
    let mut proxy = json!({"service": {"type": exposure.service_type.as_str()}});
    if let Some(https) = &exposure.https {
        proxy["https"] = self::https(https, host);
    }
    merge(&mut proxy, &tcp(&exposure.tcp));
    merge(&mut values["proxy"], &proxy);
}

/// `proxy.https`: on, of the type chosen, with the hub's host when Let's Encrypt certifies it.
fn https(https: &ProxyHttps, host: &str) -> Value {
    let mut values = json!({"enabled": true, "type": https.chart_type()});
    match https {
        ProxyHttps::Letsencrypt(settings) => {
            values["hosts"] = json!([host]);
            let mut letsencrypt = Map::new();
            if let Some(email) = &settings.contact_email {
                letsencrypt.insert("contactEmail".into(), json!(email));
            }
            if let Some(server) = &settings.acme_server {
                letsencrypt.insert("acmeServer".into(), json!(server));
            }
            if !letsencrypt.is_empty() {
                values["letsencrypt"] = Value::Object(letsencrypt);
            }
        }
        ProxyHttps::Secret(secret) => {
            let mut settings = json!({"name": secret.name});
            if let Some(key) = &secret.key {
                settings["key"] = json!(key);
            }
            if let Some(crt) = &secret.crt {
                settings["crt"] = json!(crt);
            }
            values["secret"] = settings;
        }
        ProxyHttps::Offload(_) => {}
    }
    values
}

/// The `proxy` values of TCP ports (`{}` without any).
pub fn tcp(ports: &[TcpPort]) -> Value {
    if ports.is_empty() {
        return json!({});
    }
    let mut entry_points = Map::new();
    let mut services = Map::new();
    let mut routers = Map::new();
    for port in ports {
        let name = &port.name;
        let (entry, service) = (format!("{name}-entrypoint"), format!("{name}-service"));
        entry_points.insert(
            entry.clone(),
            json!({"address": format!(":{}", port.container_port())}),
        );
        let address = format!("{}:{}", port.backend.service, port.backend.port);
        services.insert(
            service.clone(),
            json!({"loadBalancer": {"servers": [{"address": address}]}}),
        );
        routers.insert(
            format!("{name}-router"),
            json!({"entrypoints": [entry], "rule": "HostSNI(`*`)", "service": service}),
        );
    }
    let allowed: Vec<&str> = ["http", "https"]
        .into_iter()
        .chain(ports.iter().map(|p| p.name.as_str()))
        .collect();
    let service_ports: Vec<Value> = ports
        .iter()
        .map(|p| json!({"name": p.name, "port": p.port, "targetPort": p.name}))
        .collect();
    let traefik_ports: Vec<Value> = ports
        .iter()
        .map(|p| json!({"name": p.name, "containerPort": p.container_port()}))
        .collect();
    json!({
        "service": {"extraPorts": service_ports},
        "traefik": {
            "extraPorts": traefik_ports,
            "networkPolicy": {"allowedIngressPorts": allowed},
            "extraStaticConfig": {"entryPoints": entry_points},
            "extraDynamicConfig": {"tcp": {"services": services, "routers": routers}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn tcp_ports_render_the_traefik_settings_of_jupyterhub_ssh() {
        let values = test_values(concat!(
            "  expose:\n    loadBalancer:\n      https: {letsencrypt: {contactEmail: ops@example.org}}\n",
            "      tcp:\n        - {name: ssh, port: 22, backend: {service: jupyterhub-ssh, port: 22}}\n",
            "        - {name: sftp, port: 2222, backend: {service: jupyterhub-sftp, port: 22}}\n",
        ));
        assert_eq!(values["ingress"], json!({"enabled": false}));
        let proxy = &values["proxy"];
        assert_eq!(
            proxy["service"],
            json!({"type": "LoadBalancer", "extraPorts": [
                {"name": "ssh", "port": 22, "targetPort": "ssh"},
                {"name": "sftp", "port": 2222, "targetPort": "sftp"},
            ]})
        );
        assert_eq!(
            proxy["https"],
            json!({"enabled": true, "type": "letsencrypt", "hosts": ["lab.dev.example.org"], "letsencrypt": {"contactEmail": "ops@example.org"}})
        );
        let traefik = &proxy["traefik"];
        assert_eq!(
            traefik["extraPorts"],
            json!([{"name": "ssh", "containerPort": 8022}, {"name": "sftp", "containerPort": 2222}])
        );
        assert_eq!(
            traefik["networkPolicy"],
            json!({"allowedIngressPorts": ["http", "https", "ssh", "sftp"]})
        );
        assert_eq!(
            traefik["extraStaticConfig"],
            json!({"entryPoints": {"ssh-entrypoint": {"address": ":8022"}, "sftp-entrypoint": {"address": ":2222"}}})
        );
        assert_eq!(
            traefik["extraDynamicConfig"]["tcp"]["routers"]["ssh-router"],
            json!({"entrypoints": ["ssh-entrypoint"], "rule": "HostSNI(`*`)", "service": "ssh-service"})
        );
        assert_eq!(
            traefik["extraDynamicConfig"]["tcp"]["services"]["sftp-service"],
            json!({"loadBalancer": {"servers": [{"address": "jupyterhub-sftp:22"}]}})
        );
    }

    #[test]
    fn a_node_port_with_a_tls_secret_or_offloading_and_no_tcp() {
        let values = test_values(
            "  expose:\n    loadBalancer: {serviceType: NodePort, https: {secret: {name: lab-tls, crt: cert.pem}}}\n",
        );
        assert_eq!(
            values["proxy"],
            json!({
                "service": {"type": "NodePort"},
                "https": {"enabled": true, "type": "secret", "secret": {"name": "lab-tls", "crt": "cert.pem"}},
            })
        );
        let values = test_values("  expose:\n    loadBalancer: {https: {offload: {}}}\n");
        assert_eq!(
            values["proxy"]["https"],
            json!({"enabled": true, "type": "offload"})
        );
        let values = test_values("  expose:\n    loadBalancer: {}\n");
        assert_eq!(
            values["proxy"],
            json!({"service": {"type": "LoadBalancer"}})
        );
    }
}
