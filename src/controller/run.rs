//! The run loop: one kube-rs `Controller` over notebooks per watched namespace (or one over all), each owning
//! the notebooks' children, the health endpoint beside them, and a bounded stop on SIGTERM or SIGINT
//! ([`shutdown`](super::shutdown)).

use super::error::{Error, Result};
use super::leader::{self, Elector, LEASE_NAME};
use super::shutdown::{self, GRACE, Stopped, signalled};
use super::{Context, error_policy, health, now, reconcile, reporter};
use crate::notebook::Notebook;
use crate::notebook::children::ControllerConfig;
use crate::render::object::MANAGED_BY;
use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::runtime::events::Recorder;
use kube::runtime::{Controller, WatchStreamExt, controller, reflector, watcher};
use kube::{Api, Client, Resource};
use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Reconciles running at once (per watched namespace): enough to keep the API server busy, few enough that a
/// first sync of thousands of notebooks does not hold thousands of half-built objects in memory at once (the
/// memory a burst takes is not given back to the system: BENCHMARKS.md, "Controller").
pub const CONCURRENCY: u16 = 8;

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
    /// This replica's name (its pod's): the holder it writes in the Lease and the instance of its events.
    pub identity: String,
    /// The namespace of the Lease when replicas elect a leader; `None`: reconcile at once (one replica).
    pub leader_election: Option<String>,
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

/// The annotation `kubectl apply` keeps a copy of the whole applied object in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drop from a watched notebook what no reconcile reads — its `managedFields` and `kubectl apply`'s copy of
/// it — before it enters the controller's cache: together often larger than the notebook itself.
pub fn trim(notebook: &mut DynamicObject) {
    let metadata = &mut notebook.metadata;
    metadata.managed_fields = None;
    if let Some(annotations) = &mut metadata.annotations {
        annotations.remove(LAST_APPLIED);
        if annotations.is_empty() {
            metadata.annotations = None;
        }
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
    let mut ctx = Context::new(client.clone(), settings.config);
    ctx.reporter = reporter(Some(settings.identity.clone()));
    ctx.recorder = Recorder::new(client.clone(), ctx.reporter.clone());
    let ctx = Arc::new(ctx);
    let ready = Arc::new(AtomicBool::new(false));
    let server = tokio::spawn(health::serve(listener, ctx.metrics.clone(), ready.clone()));
    let trimming = tokio::spawn(super::command::trim_memory());
    let scopes: Vec<Option<&str>> = if settings.namespaces.is_empty() {
        vec![None]
    } else {
        settings
            .namespaces
            .iter()
            .map(|ns| Some(ns.as_str()))
            .collect()
    };
    let lists = scopes.iter().map(|ns| notebooks(&client, *ns)).collect();
    // A follower is ready too (it can take over at once): readiness does not wait for the lease.
    let readiness = tokio::spawn(mark_ready(lists, ready));
    let (stop_election, stop) = watch::channel(false);
    let mut leading = None;
    if let Some(namespace) = &settings.leader_election {
        let (sender, mut receiver) = watch::channel(false);
        let elector = Elector::new(client.clone(), namespace, &settings.identity);
        let election = tokio::spawn(leader::lead(elector, sender, stop));
        log(format_args!(
            "{} waits to lead (Lease {namespace}/{LEASE_NAME})",
            settings.identity
        ));
        tokio::select! {
            led = receiver.wait_for(|leads| *leads) => {
                if led.is_err() {
                    return Err(Error::LeadershipLost(LEASE_NAME));
                }
            }
            () = signalled(signals.clone(), 1) => {
                election.abort();
                readiness.abort();
                server.abort();
                trimming.abort();
                log("stopped while waiting to lead");
                return Ok(());
            }
        }
        leading = Some((receiver, election));
    }

    // Only objects jupyflux renders carry the managed-by label: the owned watches skip everything else.
    let children = watcher::Config::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));
    let mut streams = Vec::new();
    for ns in &scopes {
        let resource = ApiResource::erase::<Notebook>(&());
        // `Controller::new_with`'s own reflector, with what no reconcile reads dropped before a notebook is
        // cached (kube-rs' advice for memory): the cache holds every watched notebook for the process's life.
        let writer = reflector::store::Writer::new(resource.clone());
        let store = writer.as_reader();
        let notebooks = watcher(notebooks(&client, *ns), watcher::Config::default())
            .modify(trim)
            .reflect(writer)
            .applied_objects();
        let controller = Controller::for_stream_with(notebooks, store, resource)
            .with_config(controller::Config::default().concurrency(CONCURRENCY))
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
    // Readiness lists notebooks itself, not `controller.store().wait_until_ready()`: the store's readiness wakes
    // only one waiter, and the controller's own runner is already waiting on it.
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
    // A leader that loses the lease stops reconciling at once (dropping the work) and exits, to be restarted as a
    // follower: another replica may be leading already.
    let lost = async {
        match &mut leading {
            Some((receiver, _)) => {
                let _ = receiver.wait_for(|leads| !*leads).await;
            }
            None => std::future::pending().await,
        }
    };
    let mut lost_lease = false;
    let work = async {
        tokio::select! {
            () = work => {}
            () = lost => lost_lease = true,
        }
    };
    let stopped = shutdown::run_until_stopped(work, signals, GRACE).await;
    readiness.abort();
    server.abort();
    trimming.abort();
    if lost_lease {
        return Err(Error::LeadershipLost(LEASE_NAME));
    }
    if let Some((_, election)) = leading {
        stop_election.send_replace(true);
        let _ = tokio::time::timeout(Duration::from_secs(3), election).await;
    }
    log(match stopped {
        Stopped::Finished => "stopped",
        Stopped::GraceOver => "stopped: running reconciles did not finish within the grace period",
        Stopped::Forced => "stopped at once on a second signal",
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trimming_keeps_what_reconciles_read() {
        let mut notebook: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
            "metadata": {
                "name": "nb", "namespace": "ns", "uid": "u1", "generation": 2,
                "annotations": {LAST_APPLIED: "{\"spec\":{}}", "jupyflux.dev/hibernate": "true"},
                "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
                                   "fieldsV1": {"f:spec": {}}}],
            },
            "spec": {"image": "quay.io/jupyter/base-notebook"},
        }))
        .unwrap();
        let mut expected = notebook.clone();
        trim(&mut notebook);
        assert_eq!(notebook.metadata.managed_fields, None);
        let annotations = notebook.metadata.annotations.clone().unwrap();
        assert_eq!(
            annotations.keys().collect::<Vec<_>>(),
            ["jupyflux.dev/hibernate"]
        );
        // Everything else is untouched.
        expected.metadata.managed_fields = None;
        expected.metadata.annotations = Some(annotations);
        assert_eq!(notebook.metadata, expected.metadata);
        assert_eq!(notebook.data, expected.data);
        // Without other annotations the map goes too.
        let mut bare: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
            "metadata": {"name": "nb", "annotations": {LAST_APPLIED: "{}"}},
        }))
        .unwrap();
        trim(&mut bare);
        assert_eq!(bare.metadata.annotations, None);
    }
}
