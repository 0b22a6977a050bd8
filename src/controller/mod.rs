//! `jupyflux controller`: expands each `Notebook` custom resource into its children by server-side apply and
//! reports what it sees in the notebook's status. Decisions are pure ([`reconcile::plan`], [`status`]); this
//! module only sequences the API calls ([`apply`]).

pub mod apply;
pub mod backoff;
pub mod command;
pub mod cull;
pub mod error;
pub mod health;
pub mod metrics;
pub mod reconcile;
pub mod run;
pub mod status;

pub use error::{Error, Result};

use crate::notebook::children::ControllerConfig;
use crate::notebook::{Notebook, NotebookStatus};
use backoff::Backoff;
use kube::runtime::controller::Action;
use kube::{Client, ResourceExt};
use metrics::Metrics;
use reconcile::Plan;
use status::Observation;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a settled notebook is reconciled anyway: a safety net for missed watch events.
pub const RESYNC: Duration = Duration::from_secs(3600);

/// What every reconcile shares.
pub struct Context {
    /// The API client.
    pub client: Client,
    /// The cluster-wide settings of the children.
    pub config: ControllerConfig,
    /// The counters `/metrics` reports.
    pub metrics: Arc<Metrics>,
    /// Consecutive failures per notebook.
    pub backoff: Backoff,
    /// The current time in RFC 3339 (a parameter so tests get fixed transition times).
    pub clock: fn() -> String,
}

impl Context {
    /// A context with the wall clock, no metrics and no failures yet.
    pub fn new(client: Client, config: ControllerConfig) -> Self {
        Context {
            client,
            config,
            metrics: Arc::default(),
            backoff: Backoff::default(),
            clock: now,
        }
    }
}

/// The current time in RFC 3339, to the second (as Kubernetes writes times).
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `namespace/name` of a notebook.
fn key(notebook: &Notebook) -> String {
    format!(
        "{}/{}",
        notebook.namespace().unwrap_or_default(),
        notebook.name_any()
    )
}

/// Bring one notebook's children and status in line with its spec.
///
/// A settled notebook costs one server-side apply per child (the server compares; an unchanged apply writes
/// nothing and triggers no watch event) and no status patch: the status is patched only when the computed one
/// differs from the stored one.
pub async fn reconcile(notebook: Arc<Notebook>, ctx: Arc<Context>) -> Result<Action> {
    let started = Instant::now();
    let result = reconcile_notebook(&notebook, &ctx).await;
    ctx.metrics.reconciled(started.elapsed());
    if result.is_ok() {
        ctx.backoff.succeeded(&key(&notebook));
    }
    result
}

async fn reconcile_notebook(notebook: &Notebook, ctx: &Context) -> Result<Action> {
    let generation = notebook.metadata.generation;
    let old = notebook.status.as_ref();
    let now = (ctx.clock)();
    if notebook.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let check = cull::check(notebook, &ctx.client, &now).await?;
    let seen = match &check.culled {
        Some(_) => cull::marked(notebook),
        None => notebook.clone(),
    };
    match reconcile::plan(&seen, &ctx.config)? {
        Plan::Deleting => Ok(Action::await_change()),
        Plan::Invalid(problems) => {
            let wanted = status::invalid(old, generation, &problems, &now);
            update_status(notebook, ctx, &wanted).await?;
            Ok(Action::await_change())
        }
        Plan::Apply { spec, children } => {
            let namespace = notebook.namespace().unwrap_or_default();
            let mut observation = Observation::default();
            for child in &children {
                let applied = apply::child(&ctx.client, &namespace, child).await?;
                if child["kind"] == "StatefulSet" {
                    observation = Observation::of(&apply::stateful_set(applied)?);
                }
            }
            let name = notebook.name_any();
            let wanted = match &check.culled {
                Some(culled) => {
                    status::culled(old, &spec, &name, generation, &observation, culled, &now)
                }
                None => status::observed(old, &spec, &name, generation, &observation, &now),
            };
            update_status(notebook, ctx, &wanted).await?;
            let after = check.recheck_after.map_or(RESYNC, |left| left.min(RESYNC));
            Ok(Action::requeue(after))
        }
    }
}

/// Patch the status to `wanted` unless it already is.
async fn update_status(notebook: &Notebook, ctx: &Context, wanted: &NotebookStatus) -> Result<()> {
    if notebook.status.as_ref() == Some(wanted) {
        return Ok(());
    }
    let namespace = notebook.namespace().unwrap_or_default();
    apply::status(&ctx.client, &namespace, &notebook.name_any(), wanted).await
}

/// After a failed reconcile: count it and retry with a per-notebook exponential backoff ([`backoff::delay`]).
pub fn error_policy(notebook: Arc<Notebook>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.failed();
    let delay = ctx.backoff.failed(&key(&notebook));
    run::log(format_args!(
        "{}: {error}; retrying in {}s",
        key(&notebook),
        delay.as_secs()
    ));
    Action::requeue(delay)
}
