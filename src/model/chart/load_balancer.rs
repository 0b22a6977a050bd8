//! The hub reached through the proxy's own Service (`expose.loadBalancer`): the chart's `proxy.service` as a
//! load balancer or node port, TLS at the proxy (`proxy.https`), and TCP ports (SSH, SFTP) that the chart's
//! `autohttps` Traefik pod forwards to Services of the hub's namespace (`proxy.traefik`).

use schemars::JsonSchema;
use serde::Deserialize;

/// Users reach the proxy's Service (`proxy-public`) directly, not through an Ingress or route.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LoadBalancer {
    /// The proxy Service's type (`proxy.service.type`): `LoadBalancer` (a cloud load balancer, the default) or
    /// `NodePort`.
    #[serde(default)]
    pub service_type: ServiceType,
    /// TLS at the proxy (`proxy.https`); without it the Service serves plain HTTP.
    #[serde(default)]
    pub https: Option<ProxyHttps>,
    /// TCP ports forwarded to Services of the hub's namespace (e.g. jupyterhub-ssh's SSH and SFTP) by the chart's
    /// Traefik pod, which runs only with `https: {letsencrypt: …}`.
    #[serde(default)]
    pub tcp: Vec<TcpPort>,
}

/// The type of the proxy's public Service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ServiceType {
    #[default]
    LoadBalancer,
    NodePort,
}

impl ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::NodePort => "NodePort",
        }
    }
}

/// Where the proxy's TLS certificate comes from: exactly one of the three. (The chart's `manual` type, a key and
/// certificate written into the values, is not offered: no secret material in Git; use `secret`.)
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ProxyHttps {
    /// Let's Encrypt, by the chart's `autohttps` Traefik pod, for the hub's host (`proxy.https.type: letsencrypt`).
    Letsencrypt(LetsEncrypt),
    /// An existing TLS Secret of the hub's namespace, served by the proxy pod (`proxy.https.type: secret`).
    Secret(ProxyTlsSecret),
    /// TLS ends at the load balancer, which sends the decrypted traffic to the proxy (`proxy.https.type: offload`).
    Offload(Offload),
}

impl ProxyHttps {
    /// The chart's `proxy.https.type`.
    pub fn chart_type(&self) -> &'static str {
        match self {
            ProxyHttps::Letsencrypt(_) => "letsencrypt",
            ProxyHttps::Secret(_) => "secret",
            ProxyHttps::Offload(_) => "offload",
        }
    }
}

/// Settings of Let's Encrypt (`proxy.https.letsencrypt`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct LetsEncrypt {
    /// The address Let's Encrypt writes to about expiring certificates (`contactEmail`).
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Another ACME directory, e.g. Let's Encrypt's staging one (`acmeServer`; the chart's default is production).
    #[serde(default)]
    pub acme_server: Option<String>,
}

/// A TLS Secret of the hub's namespace (`proxy.https.secret`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ProxyTlsSecret {
    pub name: String,
    /// The key holding the private key (the chart's default `tls.key`).
    #[serde(default)]
    pub key: Option<String>,
    /// The key holding the certificate (the chart's default `tls.crt`).
    #[serde(default)]
    pub crt: Option<String>,
}

/// Settings of TLS offloading (none: `offload: {}`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Offload {}

/// One TCP port of the proxy's Service, forwarded by Traefik to a Service. Its Traefik names are derived from
/// `name` (entry point `<name>-entrypoint`, router `<name>-router`, service `<name>-service`), as jupyterhub-ssh's
/// documentation writes them.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TcpPort {
    /// The port's name (a Kubernetes port name: up to 15 lowercase letters, digits and `-`), e.g. `ssh`.
    pub name: String,
    /// The port of the proxy's Service, e.g. 22.
    pub port: u16,
    /// The port Traefik listens on: default `port`, or 8000 + `port` below 1024 (Traefik runs as a user that may
    /// not bind those), e.g. 8022 for 22.
    #[serde(default)]
    pub container_port: Option<u16>,
    /// Where the connections go.
    pub backend: TcpBackend,
}

impl TcpPort {
    /// The port Traefik listens on.
    pub fn container_port(&self) -> u16 {
        self.container_port
            .unwrap_or_else(|| default_container_port(self.port))
    }
}

/// The port Traefik listens on for Service port `port` when the definition names none.
pub fn default_container_port(port: u16) -> u16 {
    if port < 1024 { 8000 + port } else { port }
}

/// A Service and its port, e.g. `{service: jupyterhub-ssh, port: 22}`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TcpBackend {
    /// A Service of the hub's namespace, or `name.namespace` for another namespace's.
    pub service: String,
    pub port: u16,
}
