//! `jupyflux controller`: expands each `Notebook` custom resource into its children by server-side apply and
//! reports what it sees in the notebook's status. Decisions are pure ([`reconcile::plan`], [`status`]); this
//! module only sequences the API calls ([`apply`]).

pub mod apply;
pub mod backoff;
pub mod command;
pub mod cull;
pub mod decode;
pub mod error;
pub mod events;
pub mod health;
pub mod lasting;
pub mod leader;
pub mod metrics;
pub mod ownership;
pub mod pending;
pub mod reconcile;
pub mod routes;
pub mod run;
pub mod shutdown;
pub mod status;
pub mod token;

pub use error::{Error, Result};

use crate::notebook::children::ControllerConfig;
use crate::notebook::hibernate;
use crate::notebook::uses::generated_token_secret as token_secret;
use crate::notebook::{Notebook, NotebookStatus};
use backoff::Backoff;
use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::{ApiResource, DynamicObject};
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::Store;
use kube::{Client, Resource, ResourceExt};
use metrics::Metrics;
use ownership::{Known, Ownership};
use reconcile::Plan;
use routes::Claim;
use serde_json::Value;
use status::Observation;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use token::Token;

/// How often a settled notebook is reconciled anyway: a safety net for missed watch events.
pub const RESYNC: Duration = Duration::from_secs(3600);
/// How soon a notebook in a conflict (a child name or its route taken) looks again: the other party is not
/// watched, so its going away triggers nothing.
pub const CONFLICT_RECHECK: Duration = Duration::from_secs(60);

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
    /// Children seen to be their notebook's, so they are not checked again.
    pub known: Known,
    /// The watched notebooks (one store per watched namespace), for the routes they claim.
    pub notebooks: RwLock<Vec<Store<DynamicObject>>>,
    /// The current time in RFC 3339 (a parameter so tests get fixed transition times).
    pub clock: fn() -> String,
    /// Publishes the events of failed reconciles, counting repeats of the same one into its series.
    pub recorder: Recorder,
    /// Who reports the events (the replica).
    pub reporter: Reporter,
}

/// The `reportingController` of the controller's events.
pub const REPORTING_CONTROLLER: &str = "jupyflux.dev/controller";

/// The reporter of the events of the replica `identity` (its pod name; the controller's name when none).
pub fn reporter(identity: Option<String>) -> Reporter {
    Reporter {
        controller: REPORTING_CONTROLLER.to_owned(),
        instance: identity,
    }
}

impl Context {
    /// A context with the wall clock, no metrics and no failures yet.
    pub fn new(client: Client, config: ControllerConfig) -> Self {
        Context {
            metrics: Arc::default(),
            backoff: Backoff::default(),
            known: Known::default(),
            notebooks: RwLock::default(),
            clock: now,
            recorder: Recorder::new(client.clone(), reporter(None)),
            reporter: reporter(None),
            client,
            config,
        }
    }

    /// Consult `store` (a controller's notebooks) for route conflicts.
    pub fn watch_notebooks(&self, store: Store<DynamicObject>) {
        self.notebooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(store);
    }

    /// The routes claimed by every watched notebook that is not being deleted.
    fn claims(&self) -> Vec<Claim> {
        let stores = self.notebooks.read().unwrap_or_else(|e| e.into_inner());
        stores
            .iter()
            .flat_map(Store::state)
            .filter(|object| object.metadata.deletion_timestamp.is_none())
            .map(|object| Claim::of(&object, &self.config))
            .collect()
    }
}

/// The current time in RFC 3339, to the second (as Kubernetes writes times).
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `namespace/name` of a notebook.
fn key(object: &DynamicObject) -> String {
    format!(
        "{}/{}",
        object.namespace().unwrap_or_default(),
        object.name_any()
    )
}

/// Bring one notebook's children and status in line with its spec.
///
/// A settled notebook costs one server-side apply per child (the server compares; an unchanged apply writes
/// nothing and triggers no watch event) and no status patch: the status is patched only when the computed one
/// differs from the stored one. The notebook arrives untyped: one that does not decode is reported as
/// `Undecodable` on its own status.
pub async fn reconcile(object: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action> {
    let started = Instant::now();
    let result = reconcile_object(&object, &ctx).await;
    ctx.metrics.reconciled(started.elapsed());
    match &result {
        Ok(_) => ctx.backoff.succeeded(&key(&object)),
        Err(error) => {
            if let Some(uid) = &object.metadata.uid {
                ctx.known.forget(uid);
            }
            // A lasting error is told by its `Degraded` event (once); a transient one on every failure (the
            // recorder counts repeats into one event's series).
            if lasting::classify(error).is_none() {
                let note = events::failure(&lasting::describe(error));
                events::publish(&ctx.recorder, &reference(&object), vec![note]).await;
            }
        }
    }
    result
}

/// The reference of events about `object`.
fn reference(object: &DynamicObject) -> ObjectReference {
    object.object_ref(&ApiResource::erase::<Notebook>(&()))
}

async fn reconcile_object(object: &DynamicObject, ctx: &Context) -> Result<Action> {
    if object.metadata.deletion_timestamp.is_some() {
        if let Some(uid) = &object.metadata.uid {
            ctx.known.forget(uid);
        }
        return Ok(Action::await_change());
    }
    match decode::notebook(object) {
        Ok(notebook) => reconcile_notebook(&notebook, ctx).await,
        Err(undecodable) => {
            let old = decode::status(object);
            let now = (ctx.clock)();
            let generation = object.metadata.generation;
            let message =
                format!("{undecodable} (fix the field; the CRD rejects it in new writes)");
            let wanted =
                status::failed(old.as_ref(), generation, status::UNDECODABLE, message, &now);
            update_status(object, old.as_ref(), ctx, &wanted).await?;
            Ok(Action::await_change())
        }
    }
}

async fn reconcile_notebook(notebook: &Notebook, ctx: &Context) -> Result<Action> {
    let generation = notebook.metadata.generation;
    let old = notebook.status.as_ref();
    let now = (ctx.clock)();
    let object = as_object(notebook)?;
    // The hibernate annotation counts as `spec.hibernated` (a stop without a Git commit).
    let notebook = &hibernate::honoured(notebook);
    let check = cull::check(notebook, &ctx.client, &now).await?;
    let seen = match &check.culled {
        Some(_) => cull::marked(notebook),
        None => notebook.clone(),
    };
    // With `updatePolicy: atNextStop` a working session keeps its image and resources until it stops.
    let stopping = seen.spec.hibernated || check.culled.is_some();
    let hold = pending::hold(&notebook.spec, old, stopping);
    let mut held = seen;
    held.spec = hold.spec.clone();
    match reconcile::plan(&held, &ctx.config)? {
        Plan::Deleting => Ok(Action::await_change()),
        Plan::Invalid(problems) => {
            let wanted = status::invalid(old, generation, &problems, &now);
            update_status(&object, old, ctx, &wanted).await?;
            Ok(Action::await_change())
        }
        Plan::Apply { spec, children } => {
            let namespace = notebook.namespace().unwrap_or_default();
            let name = notebook.name_any();
            let mine = Claim::of(&object, &ctx.config);
            let route_holder = routes::holder(&mine, &ctx.claims()).cloned();
            let children: Vec<Value> = children
                .into_iter()
                .filter(|child| route_holder.is_none() || child["kind"] != "Ingress")
                .collect();
            let uid = notebook.metadata.uid.clone().unwrap_or_default();
            if let Some(taken) = foreign_child(ctx, &namespace, &name, &uid, &children).await? {
                let message = format!(
                    "{taken} exists and is not this notebook's (no owner reference to it, or not labelled \
                     app.kubernetes.io/managed-by=jupyflux for it); it was left alone: rename the notebook or \
                     remove the object"
                );
                let wanted = status::failed(old, generation, status::CONFLICT, message, &now);
                update_status(&object, old, ctx, &wanted).await?;
                return Ok(Action::requeue(CONFLICT_RECHECK));
            }
            // A notebook without `auth` logs in with a generated token: its Secret exists before the pod needs it.
            let token = match spec.auth {
                None => {
                    let owner = reconcile::owner_reference(notebook)?;
                    let read_back = ctx.config.token_in_url;
                    let ensured =
                        token::ensure(&ctx.client, &namespace, &owner, &ctx.known, read_back).await;
                    refused_unless_ok(ensured, &object, ctx, &now).await?
                }
                Some(_) => Token::Unread,
            };
            if token == Token::Foreign {
                let secret = token_secret(&name);
                let message = format!(
                    "Secret/{secret} exists and is not this notebook's (no owner reference to it, or not labelled \
                     app.kubernetes.io/managed-by=jupyflux for it); it was left alone: rename the notebook or \
                     remove the Secret"
                );
                let wanted = status::failed(old, generation, status::CONFLICT, message, &now);
                update_status(&object, old, ctx, &wanted).await?;
                return Ok(Action::requeue(CONFLICT_RECHECK));
            }
            let mut observation = Observation::default();
            for child in &children {
                let applied = apply::child(&ctx.client, &namespace, child).await;
                let applied = refused_unless_ok(applied, &object, ctx, &now).await?;
                let (kind, child_name) = kind_and_name(child);
                ctx.known.remember(kind, &namespace, child_name, &uid);
                if kind == "StatefulSet" {
                    observation = Observation::of(&apply::stateful_set(applied)?);
                }
            }
            let mut wanted = match &check.culled {
                Some(culled) => {
                    status::culled(old, &spec, &name, generation, &observation, culled, &now)
                }
                None => status::observed(old, &spec, &name, generation, &observation, &now),
            };
            wanted = pending::settle(wanted, old, &notebook.spec, &hold, &now);
            if let Token::Read(token) = &token {
                wanted.url = wanted.url.map(|url| status::with_token(&url, token));
            }
            let mut after = check.recheck_after.map_or(RESYNC, |left| left.min(RESYNC));
            if let Some(holder) = &route_holder {
                let message = routes::message(&mine, holder);
                wanted = status::degraded(old, wanted, status::ROUTE_CONFLICT, message, &now);
                after = after.min(CONFLICT_RECHECK);
            }
            update_status(&object, old, ctx, &wanted).await?;
            Ok(Action::requeue(after))
        }
    }
}

/// `result`'s value; on a lasting API error (see [`lasting`]) the notebook's status first shows it as `Degraded`
/// with its reason. The error is returned either way, so the notebook is retried with backoff.
async fn refused_unless_ok<T>(
    result: Result<T>,
    object: &DynamicObject,
    ctx: &Context,
    now: &str,
) -> Result<T> {
    let error = match result {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Some(lasting) = lasting::classify(&error) {
        let old = decode::status(object);
        let generation = object.metadata.generation;
        let wanted = status::refused(
            old.as_ref(),
            generation,
            lasting.reason,
            lasting.message,
            now,
        );
        update_status(object, old.as_ref(), ctx, &wanted).await?;
    }
    Err(error)
}

fn kind_and_name(child: &Value) -> (&str, &str) {
    (
        child["kind"].as_str().unwrap_or_default(),
        child["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

/// The first of `children` whose name is taken by an object that is not the notebook's, as `Kind/name`. Every
/// child is checked before any is applied, so a conflict leaves the notebook with nothing half-applied; children
/// already known to be the notebook's are not read again.
async fn foreign_child(
    ctx: &Context,
    namespace: &str,
    notebook: &str,
    uid: &str,
    children: &[Value],
) -> Result<Option<String>> {
    for child in children {
        let (kind, name) = kind_and_name(child);
        if ctx.known.is_ours(kind, namespace, name, uid) {
            continue;
        }
        let existing = apply::existing(&ctx.client, namespace, kind, name).await?;
        match ownership::ownership(existing.as_ref(), kind, notebook, uid) {
            Ownership::Absent => {}
            Ownership::Ours => ctx.known.remember(kind, namespace, name, uid),
            Ownership::Foreign => return Ok(Some(format!("{kind}/{name}"))),
        }
    }
    Ok(None)
}

/// The notebook as the untyped object the route check reads.
fn as_object(notebook: &Notebook) -> Result<DynamicObject> {
    serde_json::to_value(notebook)
        .and_then(serde_json::from_value)
        .map_err(|source| Error::Decode {
            kind: "Notebook",
            source,
        })
}

/// Patch the status of `object` to `wanted` unless it (`old`) already is, then record the events of the change.
async fn update_status(
    object: &DynamicObject,
    old: Option<&NotebookStatus>,
    ctx: &Context,
    wanted: &NotebookStatus,
) -> Result<()> {
    if old == Some(wanted) {
        return Ok(());
    }
    let namespace = object.namespace().unwrap_or_default();
    apply::status(&ctx.client, &namespace, &object.name_any(), wanted).await?;
    let notes = events::changes(old, wanted);
    if !notes.is_empty() {
        // A recorder of its own: a state change does not repeat, and the shared recorder keeps every event it
        // published for six minutes (4 MiB for a first sync of 1,000 notebooks: BENCHMARKS.md).
        let once = Recorder::new(ctx.client.clone(), ctx.reporter.clone());
        events::publish(&once, &reference(object), notes).await;
    }
    Ok(())
}

/// After a failed reconcile: count it and retry with a per-notebook exponential backoff ([`backoff::delay`]).
pub fn error_policy(object: Arc<DynamicObject>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.failed();
    let delay = ctx.backoff.failed(&key(&object));
    run::log(format_args!(
        "{}: {error}; retrying in {}s",
        key(&object),
        delay.as_secs()
    ));
    Action::requeue(delay)
}
