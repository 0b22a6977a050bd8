//! The run loop: one kube-rs `Controller` over notebooks per watched namespace (or one over all), each owning
//! the notebooks' children, the health endpoint beside them, and a bounded stop on SIGTERM or SIGINT
//! ([`shutdown`](super::shutdown)).

use super::error::{Error, Result};
use super::shutdown::{self, GRACE, Stopped, signalled};
use super::{Context, error_policy, health, now, reconcile};
use crate::notebook::Notebook;
use crate::notebook::children::ControllerConfig;
use crate::render::object::MANAGED_BY;
use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::runtime::{Controller, controller, watcher};
use kube::{Api, Client, Resource};
use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

/// The pause between attempts to list notebooks before the controller is ready.
const READY_RETRY: Duration = Duration::from_secs(5);

/// What `jupyflux controller` was started with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The children's cluster-wide settings.
    pub config: ControllerConfig,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    pub listen: SocketAddr,
    /// Watch only these namespaces (default, when empty: all).
    pub namespaces: Vec<String>,
}

/// One line on standard error, with the time.
pub fn log(message: impl Display) {
    eprintln!("{} {message}", now());
}

/// `Api::all`, or `Api::namespaced` when the controller watches one namespace.
fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The notebooks of `namespace` (all when none), untyped: each is decoded on its own in `reconcile`.
pub fn notebooks(client: &Client, namespace: Option<&str>) -> Api<DynamicObject> {
    let resource = ApiResource::erase::<Notebook>(&());
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

/// Set `ready` once notebooks can be listed in every watched namespace: the API server answers, the CRD is
/// installed and RBAC allows it (the controllers' watches start with the same list). The list is untyped, so an
/// undecodable notebook does not keep the controller unready. Retried every few seconds until then.
pub async fn mark_ready(lists: Vec<Api<DynamicObject>>, ready: Arc<AtomicBool>) {
    for notebooks in lists {
        while let Err(error) = notebooks.list(&ListParams::default().limit(1)).await {
            log(format_args!("cannot list notebooks yet: {error}"));
            tokio::time::sleep(READY_RETRY).await;
        }
    }
    ready.store(true, Ordering::Relaxed);
    log("notebooks can be listed; ready");
}

/// Run until SIGTERM or SIGINT: the first stops taking new work and lets running reconciles finish for at most
/// [`GRACE`]; a second stops at once.
pub async fn run(settings: Settings) -> Result<()> {
    let signals = shutdown::listen()?;
    let client = Client::try_default().await.map_err(Error::Client)?;
    let listener = TcpListener::bind(settings.listen).await?;
    let ctx = Arc::new(Context::new(client.clone(), settings.config));
    let ready = Arc::new(AtomicBool::new(false));
    let server = tokio::spawn(health::serve(listener, ctx.metrics.clone(), ready.clone()));

    let scopes: Vec<Option<&str>> = if settings.namespaces.is_empty() {
        vec![None]
    } else {
        settings
            .namespaces
            .iter()
            .map(|ns| Some(ns.as_str()))
            .collect()
    };
    // Only objects jupyflux renders carry the managed-by label: the owned watches skip everything else.
    let children = watcher::Config::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));
    let mut streams = Vec::new();
    for ns in &scopes {
        let resource = ApiResource::erase::<Notebook>(&());
        let controller = Controller::new_with(
            notebooks(&client, *ns),
            watcher::Config::default(),
            resource,
        )
        .owns(api::<ConfigMap>(&client, *ns), children.clone())
        .owns(api::<PersistentVolumeClaim>(&client, *ns), children.clone())
        .owns(api::<StatefulSet>(&client, *ns), children.clone())
        .owns(api::<Service>(&client, *ns), children.clone())
        .owns(api::<Ingress>(&client, *ns), children.clone())
        .owns(api::<NetworkPolicy>(&client, *ns), children.clone())
        .graceful_shutdown_on(signalled(signals.clone(), 1));
        ctx.watch_notebooks(controller.store());
        streams.push(controller.run(reconcile, error_policy, ctx.clone()).boxed());
    }
    // Not `controller.store().wait_until_ready()`: the store's readiness wakes only one waiter, and the
    // controller's own runner is already waiting on it.
    let lists = scopes.iter().map(|ns| notebooks(&client, *ns)).collect();
    let readiness = tokio::spawn(mark_ready(lists, ready));
    let watched: Vec<&str> = scopes
        .iter()
        .map(|ns| ns.unwrap_or("all namespaces"))
        .collect();
    log(format_args!(
        "watching notebooks in {}; health and metrics on {}",
        watched.join(", "),
        settings.listen
    ));
    let work = futures::stream::select_all(streams).for_each(|result| async move {
        match result {
            // Logged by `error_policy`, with the retry delay.
            Ok(_) | Err(controller::Error::ReconcilerFailed(..)) => {}
            Err(error) => log(format_args!("controller: {error}")),
        }
    });
    let stopped = shutdown::run_until_stopped(work, signals, GRACE).await;
    readiness.abort();
    server.abort();
    log(match stopped {
        Stopped::Finished => "stopped",
        Stopped::GraceOver => "stopped: running reconciles did not finish within the grace period",
        Stopped::Forced => "stopped at once on a second signal",
    });
    Ok(())
}
