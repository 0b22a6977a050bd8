//! Checks of `expose.loadBalancer`: TCP ports only where the chart's Traefik pod runs and the proxy's Service is
//! reachable, port names and numbers the Service and Traefik accept, TLS settings that can work.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::chart::load_balancer::{LoadBalancer, ProxyHttps};
use crate::model::hub::HubSpec;
use crate::model::is_dns_subdomain;
use std::collections::BTreeMap;

/// Validate hub `name`'s exposure through the proxy's own Service, if it has one.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let Some(exposure) = &spec.expose.load_balancer else {
        return;
    };
    let at = |path: &[&str]| {
        let mut full = vec!["spec", "expose", "loadBalancer"];
        full.extend(path);
        loc_at(node, &full)
    };
    https(name, exposure, &at, report);
    if exposure.tcp.is_empty() {
        return;
    }
    if !matches!(exposure.https, Some(ProxyHttps::Letsencrypt(_))) {
        report.at(
            at(&["tcp"]),
            format!("Hub `{name}`: TCP ports go through the chart's Traefik pod (autohttps), which runs only with `https: {{letsencrypt: …}}`"),
            Some("add `https: {letsencrypt: {contactEmail: …}}` under expose.loadBalancer (Traefik then also serves the hub's host with a Let's Encrypt certificate), or remove `tcp`".into()),
        );
    }
    let service_type = spec
        .values
        .get("proxy")
        .and_then(|p| p.pointer("/service/type"))
        .and_then(|t| t.as_str());
    if let Some(kind @ ("ClusterIP" | "ExternalName")) = service_type {
        report.at(
            loc_at(node, &["spec", "values", "proxy", "service", "type"]),
            format!("Hub `{name}`: the TCP ports are on the proxy's Service, which `values.proxy.service.type: {kind}` keeps unreachable from outside the cluster"),
            Some("remove `proxy.service.type` from `values`: `expose.loadBalancer.serviceType` (LoadBalancer or NodePort) sets it".into()),
        );
    }
    ports(name, exposure, &at, report);
}

fn https(
    name: &str,
    exposure: &LoadBalancer,
    at: &dyn Fn(&[&str]) -> super::node::Loc,
    report: &mut Reporter,
) {
    match &exposure.https {
        Some(ProxyHttps::Letsencrypt(settings)) => {
            if let Some(email) = &settings.contact_email
                && (!email.contains('@') || email.contains(char::is_whitespace))
            {
                report.at(
                    at(&["https", "letsencrypt", "contactEmail"]),
                    format!("Hub `{name}`: contactEmail `{email}` is not an email address"),
                    Some("e.g. `contactEmail: jupyter-admins@example.org`".into()),
                );
            }
            if let Some(server) = &settings.acme_server
                && !server.starts_with("https://")
            {
                report.at(
                    at(&["https", "letsencrypt", "acmeServer"]),
                    format!("Hub `{name}`: acmeServer `{server}` is not an https URL"),
                    Some("e.g. https://acme-staging-v02.api.letsencrypt.org/directory (Let's Encrypt's staging directory), or leave it out for production".into()),
                );
            }
        }
        Some(ProxyHttps::Secret(secret)) if !is_dns_subdomain(&secret.name) => {
            report.at(
                at(&["https", "secret", "name"]),
                format!("Hub `{name}`: `{}` is not a Secret name", secret.name),
                Some("name a TLS Secret of the hub's namespace, e.g. `lab-tls`".into()),
            );
        }
        _ => {}
    }
}

/// Ports the proxy's Service and the Traefik pod already use.
const SERVICE_PORTS: [u16; 2] = [80, 443];
const TRAEFIK_PORTS: [u16; 2] = [8080, 8443];

fn ports(
    name: &str,
    exposure: &LoadBalancer,
    at: &dyn Fn(&[&str]) -> super::node::Loc,
    report: &mut Reporter,
) {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut numbers: BTreeMap<u16, usize> = BTreeMap::new();
    let mut listening: BTreeMap<u16, usize> = BTreeMap::new();
    for (i, port) in exposure.tcp.iter().enumerate() {
        let index = i.to_string();
        let field = |f: &str| at(&["tcp", &index, f]);
        if !is_port_name(&port.name) || matches!(port.name.as_str(), "http" | "https") {
            report.at(
                field("name"),
                format!("Hub `{name}`: `{}` is not a name for a TCP port", port.name),
                Some("a Kubernetes port name: up to 15 lowercase letters, digits and `-`, with a letter, other than http and https (the chart's), e.g. `ssh`".into()),
            );
        } else if let Some(first) = names.insert(&port.name, i) {
            report.at(
                field("name"),
                format!(
                    "Hub `{name}`: TCP port name `{}` is also tcp[{first}]'s",
                    port.name
                ),
                Some("give each port its own name".into()),
            );
        }
        if port.port == 0 || SERVICE_PORTS.contains(&port.port) {
            report.at(
                field("port"),
                format!("Hub `{name}`: the proxy's Service cannot take TCP port {}", port.port),
                Some("a port from 1 to 65535 other than 80 and 443 (the hub's HTTP and HTTPS), e.g. 22".into()),
            );
        } else if let Some(first) = numbers.insert(port.port, i) {
            report.at(
                field("port"),
                format!("Hub `{name}`: port {} is also tcp[{first}]'s", port.port),
                Some("give each port its own number".into()),
            );
        }
        let container = port.container_port();
        let container_at = if port.container_port.is_some() {
            field("containerPort")
        } else {
            field("port")
        };
        if port.port != 0 && (container < 1024 || TRAEFIK_PORTS.contains(&container)) {
            report.at(
                container_at,
                format!("Hub `{name}`: Traefik cannot listen on port {container}"),
                Some("a containerPort from 1024 to 65535 other than 8080 and 8443 (Traefik runs without the privilege to bind lower ports, and uses those two itself), e.g. 8022".into()),
            );
        } else if let Some(first) = listening.insert(container, i) {
            report.at(
                container_at,
                format!(
                    "Hub `{name}`: Traefik already listens on port {container} for tcp[{first}]"
                ),
                Some("set `containerPort` to a free port, e.g. 8000 + the port".into()),
            );
        }
        let backend = &port.backend;
        if !is_dns_subdomain(&backend.service) || backend.port == 0 {
            report.at(
                field("backend"),
                format!(
                    "Hub `{name}`: `{}:{}` is not a Service and port",
                    backend.service, backend.port
                ),
                Some("a Service of the hub's namespace (or `name.namespace`) and a port from 1 to 65535, e.g. `{service: jupyterhub-ssh, port: 22}`".into()),
            );
        }
    }
}

/// A Kubernetes port name (IANA service name): 1 to 15 lowercase letters, digits and single `-` between them, with
/// at least one letter.
fn is_port_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems;

    #[test]
    fn tcp_ports_need_the_traefik_pod_and_a_reachable_service() {
        let text = test_hub_problems(
            "  expose:\n    loadBalancer:\n      tcp: [{name: ssh, port: 22, backend: {service: jupyterhub-ssh, port: 22}}]\n  values: {proxy: {service: {type: ClusterIP}}}\n",
        );
        assert!(
            text.contains("error: Hub `lab`: TCP ports go through the chart's Traefik pod (autohttps), which runs only with `https: {letsencrypt: …}`"),
            "{text}"
        );
        assert!(
            text.contains("`values.proxy.service.type: ClusterIP` keeps unreachable"),
            "{text}"
        );
    }

    #[test]
    fn port_names_and_numbers_the_service_and_traefik_accept() {
        let text = test_hub_problems(concat!(
            "  expose:\n    loadBalancer:\n      https: {letsencrypt: {contactEmail: ops}}\n      tcp:\n",
            "        - {name: SSH, port: 22, backend: {service: jupyterhub-ssh, port: 22}}\n",
            "        - {name: sftp, port: 443, containerPort: 80, backend: {service: \"a b\", port: 22}}\n",
            "        - {name: sftp, port: 2222, containerPort: 8022, backend: {service: jupyterhub-sftp, port: 22}}\n",
        ));
        for problem in [
            "contactEmail `ops` is not an email address",
            "`SSH` is not a name for a TCP port",
            "the proxy's Service cannot take TCP port 443",
            "Traefik cannot listen on port 80",
            "`a b:22` is not a Service and port",
            "TCP port name `sftp` is also tcp[1]'s",
            "Traefik already listens on port 8022 for tcp[0]",
        ] {
            assert!(text.contains(problem), "lacks `{problem}`:\n{text}");
        }
    }

    #[test]
    fn port_names_follow_kubernetes() {
        for good in ["ssh", "sftp-2", "a1"] {
            assert!(super::is_port_name(good), "{good}");
        }
        for bad in [
            "",
            "22",
            "-ssh",
            "ssh-",
            "s--h",
            "Ssh",
            "a-very-long-port-name",
        ] {
            assert!(!super::is_port_name(bad), "{bad}");
        }
    }
}
