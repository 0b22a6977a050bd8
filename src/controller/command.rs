//! The `jupyflux controller` subcommand: its flags, and starting the runtime.

use super::reconcile::Defaults;
use super::run::{Settings, log, run};
use crate::notebook::children::ControllerConfig;
use clap::Args;
use std::net::SocketAddr;
use std::process::ExitCode;

/// Flags of `jupyflux controller`.
#[derive(Debug, Args)]
pub struct ControllerArgs {
    /// Namespace of the ingress controller (the only other namespace notebooks admit traffic from).
    #[arg(long, value_name = "NAMESPACE", default_value_t = ControllerConfig::default().ingress_namespace)]
    pub ingress_namespace: String,
    /// Image of the oauth2-proxy sidecar of OIDC notebooks.
    #[arg(long, value_name = "IMAGE", default_value_t = ControllerConfig::default().oauth2_proxy_image)]
    pub oauth2_proxy_image: String,
    /// Host of notebooks without `routing.host` (else their Ingress matches any host and they have no URL).
    #[arg(long, value_name = "HOST")]
    pub default_host: Option<String>,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    #[arg(long, value_name = "ADDRESS", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Watch notebooks in this namespace only (default: all namespaces).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// Run the controller until it is stopped; exit code 1 when it cannot start.
pub fn run_command(args: ControllerArgs) -> ExitCode {
    let settings = Settings {
        config: ControllerConfig {
            ingress_namespace: args.ingress_namespace,
            oauth2_proxy_image: args.oauth2_proxy_image,
        },
        defaults: Defaults {
            host: args.default_host,
        },
        listen: args.listen,
        namespace: args.namespace,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            log(format_args!("error: cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log(format_args!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}
