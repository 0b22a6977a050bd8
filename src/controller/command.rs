//! The controller's command line — `jupyflux controller` and the controller-only `jupyflux-controller` binary
//! share [`ControllerArgs`] — and starting the runtime.

use super::run::{Settings, log, run};
use crate::notebook::children::ControllerConfig;
use clap::{Args, Parser};
use std::net::SocketAddr;
use std::process::ExitCode;

/// Flags of `jupyflux controller`.
#[derive(Debug, Args)]
pub struct ControllerArgs {
    /// The children's settings and the Environment's defaults (`render` writes them into the Deployment).
    #[command(flatten)]
    pub config: ControllerConfig,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    #[arg(long, value_name = "ADDRESS", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Watch notebooks (and their children) in this namespace only; repeat for several (default: all
    /// namespaces). The rendered Deployment passes the environment's notebook namespaces.
    #[arg(
        long = "watch-namespace",
        alias = "namespace",
        value_name = "NAMESPACE"
    )]
    pub watch_namespaces: Vec<String>,
    /// Elect a leader among the replicas with the Lease `jupyflux-controller` in this namespace; only the leader
    /// reconciles (the rendered Deployment passes its own namespace and runs two replicas). Without it the
    /// controller reconciles at once: run one replica.
    #[arg(long, value_name = "NAMESPACE")]
    pub leader_election_namespace: Option<String>,
    /// This replica's name in the Lease and in its events (default: `$POD_NAME`, which the rendered Deployment
    /// sets from the pod's name, else `$HOSTNAME`).
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
}

/// The command line of the controller-only binary `jupyflux-controller` (what the image's Deployment runs): the
/// flags of `jupyflux controller`, and nothing of the other subcommands, so that their code (rendering, chart
/// validation, import, diff) is not linked into it and never paged in (BENCHMARKS.md, "Controller").
#[derive(Debug, Parser)]
#[command(
    name = "jupyflux-controller",
    version,
    about = "Run the in-cluster jupyflux controller: apply each Notebook's children, report its status (what `jupyflux controller` runs).",
    after_help = "Endpoints: /healthz, /readyz (once notebooks can be listed), /metrics (Prometheus) on --listen.\n\nExamples:\n  jupyflux-controller\n  jupyflux-controller --watch-namespace notebooks --default-host notebooks.example.org"
)]
pub struct ControllerCli {
    /// The same flags as `jupyflux controller`.
    #[command(flatten)]
    pub args: ControllerArgs,
}

/// The replica's identity: the flag, else `$POD_NAME`, else `$HOSTNAME`, else `jupyflux-<process id>`.
fn identity(flag: Option<String>) -> String {
    let from_env = |name: &str| std::env::var(name).ok();
    [flag, from_env("POD_NAME"), from_env("HOSTNAME")]
        .into_iter()
        .flatten()
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| format!("jupyflux-{}", std::process::id()))
}

/// How often memory freed after a burst of reconciles is handed back to the system.
pub const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Hand the memory glibc keeps after a burst (the first sync, a resync of every notebook) back to the system,
/// every [`TRIM_EVERY`]: cheap when there is nothing to give back, and what keeps the idle footprint at the live
/// heap (BENCHMARKS.md, "Controller").
pub async fn trim_memory() {
    loop {
        tokio::time::sleep(TRIM_EVERY).await;
        crate::memory::release_free_memory();
    }
}

/// Run the controller until it is stopped; exit code 1 when it cannot start.
pub fn run_command(args: ControllerArgs) -> ExitCode {
    let settings = Settings {
        config: args.config,
        listen: args.listen,
        namespaces: args.watch_namespaces,
        identity: identity(args.identity),
        leader_election: args.leader_election_namespace,
    };
    // The controller runs on one thread (below), so one arena serves it and the runtime's rare blocking threads,
    // and the idle footprint stays near the live heap (BENCHMARKS.md, "Controller").
    crate::memory::limit_arenas();
    // One thread, whatever the node's core count: the controller is I/O-bound and its CPU limit is half a core;
    // more workers would only add threads, their stacks and allocator arenas (memory), not throughput
    // (BENCHMARKS.md, "Controller").
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
