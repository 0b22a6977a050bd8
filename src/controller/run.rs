//! The run loop: a kube-rs `Controller` over notebooks that owns their children, the health endpoint beside
//! it, and a graceful stop on SIGTERM or SIGINT.

use super::error::{Error, Result};
use super::{Context, error_policy, health, now, reconcile};
use crate::notebook::Notebook;
use crate::notebook::children::ControllerConfig;
use crate::render::object::MANAGED_BY;
use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::ListParams;
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
    /// Watch only this namespace (default: all).
    pub namespace: Option<String>,
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

/// Set `ready` once notebooks can be listed: the API server answers, the CRD is installed and RBAC allows it
/// (the controller's watch starts with the same list). Retried every few seconds until then.
async fn mark_ready(notebooks: Api<Notebook>, ready: Arc<AtomicBool>) {
    loop {
        match notebooks.list(&ListParams::default().limit(1)).await {
            Ok(_) => {
                ready.store(true, Ordering::Relaxed);
                log("notebooks can be listed; ready");
                return;
            }
            Err(error) => {
                log(format_args!("cannot list notebooks yet: {error}"));
                tokio::time::sleep(READY_RETRY).await;
            }
        }
    }
}

/// Run until SIGTERM or SIGINT (a second signal forces the stop).
pub async fn run(settings: Settings) -> Result<()> {
    let client = Client::try_default().await.map_err(Error::Client)?;
    let listener = TcpListener::bind(settings.listen).await?;
    let ctx = Arc::new(Context::new(client.clone(), settings.config));
    let ready = Arc::new(AtomicBool::new(false));
    let server = tokio::spawn(health::serve(listener, ctx.metrics.clone(), ready.clone()));

    let ns = settings.namespace.as_deref();
    // Only objects jupyflux renders carry the managed-by label: the owned watches skip everything else.
    let children = watcher::Config::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));
    let controller = Controller::new(api::<Notebook>(&client, ns), watcher::Config::default())
        .owns(api::<ConfigMap>(&client, ns), children.clone())
        .owns(api::<PersistentVolumeClaim>(&client, ns), children.clone())
        .owns(api::<StatefulSet>(&client, ns), children.clone())
        .owns(api::<Service>(&client, ns), children.clone())
        .owns(api::<Ingress>(&client, ns), children.clone())
        .owns(api::<NetworkPolicy>(&client, ns), children)
        .shutdown_on_signal();
    // Not `controller.store().wait_until_ready()`: the store's readiness wakes only one waiter, and the
    // controller's own runner is already waiting on it.
    tokio::spawn(mark_ready(api::<Notebook>(&client, ns), ready));
    log(format_args!(
        "watching notebooks in {}; health and metrics on {}",
        ns.unwrap_or("all namespaces"),
        settings.listen
    ));
    controller
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                // Logged by `error_policy`, with the retry delay.
                Ok(_) | Err(controller::Error::ReconcilerFailed(..)) => {}
                Err(error) => log(format_args!("controller: {error}")),
            }
        })
        .await;
    server.abort();
    log("stopped");
    Ok(())
}
