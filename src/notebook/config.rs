//! What the controller knows besides a `Notebook`: cluster-wide settings and the Environment's defaults. They are
//! the flags of `jupyflux controller`; `render` writes them into the controller's Deployment from the Environment,
//! so a notebook created at run time (say by the Data Manager) gets the same defaults as one rendered from Git.

use super::spec::{NotebookSpec, NotebookStorage};
use crate::model::environment::{EnvironmentSpec, Tls, Yes};
use crate::model::names::DnsSubdomain;
use crate::model::policy::Policy;

/// The oauth2-proxy image of OIDC notebooks unless the Environment names another.
pub const OAUTH2_PROXY_IMAGE: &str = "quay.io/oauth2-proxy/oauth2-proxy:v7.8.1";
/// The ingress controller's namespace unless the Environment names another.
pub const INGRESS_NAMESPACE: &str = "ingress-nginx";

/// Cluster-wide settings the children depend on.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct ControllerConfig {
    /// Namespace of the ingress controller, the only one allowed to reach notebooks from outside theirs.
    #[arg(long, default_value = INGRESS_NAMESPACE)]
    pub ingress_namespace: String,
    /// The oauth2-proxy image of OIDC notebooks.
    #[arg(long, default_value = OAUTH2_PROXY_IMAGE)]
    pub oauth2_proxy_image: String,
    /// Put the generated token of a notebook without `auth` in its `status.url` (the Environment's
    /// `dataManager.tokenInUrl`; the controller then reads the token Secret back).
    #[arg(long)]
    pub token_in_url: bool,
    #[command(flatten)]
    pub defaults: NotebookDefaults,
    /// The Environment's `policy`, as JSON with its `environment`: a notebook breaking it (say one the Data
    /// Manager created at run time, which `render` never saw) is refused in its status, nothing applied.
    #[arg(long, value_parser = parse_policy)]
    pub policy: Option<EnvironmentPolicy>,
}

/// An Environment's policy and the environment's name (for messages), as the controller takes it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct EnvironmentPolicy {
    pub environment: String,
    #[serde(flatten)]
    pub policy: Policy,
}

fn parse_policy(text: &str) -> Result<EnvironmentPolicy, String> {
    serde_json::from_str(text).map_err(|e| format!("not an Environment's policy as JSON: {e}"))
}

/// What a notebook gets where its spec is silent: the Environment's domain, ingress and storage class.
#[derive(Clone, Debug, Default, PartialEq, clap::Args)]
pub struct NotebookDefaults {
    /// Host of a notebook's Ingress when `routing.host` is not set.
    #[arg(long = "default-host")]
    pub host: Option<String>,
    /// Ingress class when `routing.ingressClass` is not set.
    #[arg(long = "default-ingress-class")]
    pub ingress_class: Option<String>,
    /// TLS when `routing.tls` is not set: `clusterIssuer=<name>`, `secretName=<name>` or `defaultCertificate=true`.
    #[arg(long = "default-tls", value_parser = parse_tls)]
    pub tls: Option<Tls>,
    /// Storage class of new volumes without one.
    #[arg(long = "default-storage-class", value_parser = DnsSubdomain::parse)]
    pub storage_class: Option<DnsSubdomain>,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            ingress_namespace: INGRESS_NAMESPACE.into(),
            oauth2_proxy_image: OAUTH2_PROXY_IMAGE.into(),
            token_in_url: false,
            defaults: NotebookDefaults::default(),
            policy: None,
        }
    }
}

impl ControllerConfig {
    /// The configuration environment `name` gives its controller.
    pub fn of(name: &str, env: &EnvironmentSpec) -> ControllerConfig {
        ControllerConfig {
            policy: env.policy.clone().map(|policy| EnvironmentPolicy {
                environment: name.to_owned(),
                policy,
            }),
            ingress_namespace: env.controller.ingress_namespace.to_string(),
            oauth2_proxy_image: env.controller.oauth2_proxy_image.to_string(),
            token_in_url: env.data_manager.token_in_url,
            defaults: NotebookDefaults {
                host: Some(env.domain.clone()),
                ingress_class: env.ingress.class_name.clone(),
                tls: env.ingress.tls.clone(),
                storage_class: env.storage_class.clone(),
            },
        }
    }

    /// The command-line flags that parse back into this configuration, in a fixed order.
    pub fn args(&self) -> Vec<String> {
        let storage_class = self
            .defaults
            .storage_class
            .as_ref()
            .map(DnsSubdomain::to_string);
        let mut args = vec![
            format!("--ingress-namespace={}", self.ingress_namespace),
            format!("--oauth2-proxy-image={}", self.oauth2_proxy_image),
        ];
        if self.token_in_url {
            args.push("--token-in-url".to_owned());
        }
        if let Some(policy) = &self.policy {
            let json = serde_json::to_string(policy).expect("a policy serializes");
            args.push(format!("--policy={json}"));
        }
        let d = &self.defaults;
        let tls = d.tls.as_ref().map(|tls| match tls {
            Tls::ClusterIssuer(issuer) => format!("clusterIssuer={issuer}"),
            Tls::SecretName(secret) => format!("secretName={secret}"),
            Tls::DefaultCertificate(_) => "defaultCertificate=true".to_owned(),
        });
        for (flag, value) in [
            ("default-host", &d.host),
            ("default-ingress-class", &d.ingress_class),
            ("default-tls", &tls),
            ("default-storage-class", &storage_class),
        ] {
            if let Some(value) = value {
                args.push(format!("--{flag}={value}"));
            }
        }
        args
    }
}

impl NotebookDefaults {
    /// The spec of notebook `name` with routing and storage defaults filled in where it is silent.
    pub fn apply(&self, name: &str, spec: &NotebookSpec) -> NotebookSpec {
        let mut spec = spec.clone();
        let routing = &mut spec.routing;
        if routing.host.is_none() {
            routing.host = self.host.clone();
        }
        // A Data Manager instance is served at `/<name>`, as the Squonk2 operator serves it.
        let default_prefix = match spec.project {
            Some(_) => format!("/{name}"),
            None => format!("/notebooks/{name}"),
        };
        routing.path_prefix.get_or_insert(default_prefix);
        if routing.tls.is_none() {
            routing.tls = self.tls.clone();
        }
        if routing.ingress_class.is_none() {
            routing.ingress_class = self.ingress_class.clone();
        }
        if let Some(NotebookStorage::New(volume)) = &mut spec.storage
            && volume.storage_class.is_none()
        {
            volume.storage_class = self.storage_class.clone();
        }
        spec
    }
}

fn parse_tls(text: &str) -> Result<Tls, String> {
    match text.split_once('=') {
        Some(("clusterIssuer", issuer)) => DnsSubdomain::parse(issuer).map(Tls::ClusterIssuer),
        Some(("secretName", secret)) => DnsSubdomain::parse(secret).map(Tls::SecretName),
        Some(("defaultCertificate", "true")) => Ok(Tls::DefaultCertificate(Yes)),
        _ => Err(format!(
            "`{text}` is not `clusterIssuer=<name>`, `secretName=<name>` or `defaultCertificate=true`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: ControllerConfig,
    }

    fn parse(args: &[String]) -> Result<ControllerConfig, clap::Error> {
        let argv = std::iter::once("controller".to_owned()).chain(args.iter().cloned());
        Cli::try_parse_from(argv).map(|cli| cli.config)
    }

    #[test]
    fn args_parse_back_into_the_same_configuration() {
        let config = ControllerConfig {
            ingress_namespace: "traefik".into(),
            oauth2_proxy_image: "example.org/oauth2-proxy:v7".into(),
            token_in_url: true,
            defaults: NotebookDefaults {
                host: Some("notebooks.example.org".into()),
                ingress_class: Some("nginx".into()),
                tls: Some(Tls::ClusterIssuer(
                    DnsSubdomain::parse("letsencrypt").unwrap(),
                )),
                storage_class: Some(DnsSubdomain::parse("fast").unwrap()),
            },
            policy: Some(EnvironmentPolicy {
                environment: "production".into(),
                policy: serde_json::from_str(
                    r#"{"registries": ["quay.io/jupyter"], "maxPerServer": {"cpu": "4", "memory": "16Gi"},
                        "maxStorage": "50Gi", "notebooks": {"tolerations": ["gpu"], "existingClaims": ["shared"]}}"#,
                )
                .unwrap(),
            }),
        };
        assert!(
            config
                .policy
                .as_ref()
                .unwrap()
                .policy
                .max_per_server
                .cpu
                .is_some()
        );
        assert_eq!(parse(&config.args()).unwrap(), config);
        let secret = NotebookDefaults {
            tls: Some(Tls::SecretName(DnsSubdomain::parse("wildcard").unwrap())),
            ..Default::default()
        };
        let config = ControllerConfig {
            defaults: secret,
            ..Default::default()
        };
        assert_eq!(parse(&config.args()).unwrap(), config);
        let default_certificate = ControllerConfig {
            defaults: NotebookDefaults {
                tls: Some(Tls::DefaultCertificate(Yes)),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            parse(&default_certificate.args()).unwrap(),
            default_certificate
        );
        assert_eq!(parse(&[]).unwrap(), ControllerConfig::default());
    }

    #[test]
    fn a_tls_flag_says_which_kind() {
        let error = parse(&["--default-tls=letsencrypt".into()]).unwrap_err();
        assert!(
            error.to_string().contains("clusterIssuer=<name>"),
            "{error}"
        );
    }
}
