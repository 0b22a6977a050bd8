//! Culling in a reconcile: whether a notebook stays culled (its status says so for its current generation) or is
//! to be culled now (its pod shows an idle exit, or it reached `maxAge`, `maxStarting` or `maxFailed`). The decision is `notebook::culling`'s;
//! this only fetches the pod it needs.

use super::apply;
use super::error::Result;
use crate::notebook::culling::{self, CULLED, CullReason, Decision, PodObservation, is_culled};
use crate::notebook::{Notebook, NotebookStatus};
use k8s_openapi::jiff::Timestamp;
use kube::{Client, ResourceExt};
use std::time::Duration;

/// A culled notebook: why, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Culled {
    /// Idle, or too old.
    pub reason: CullReason,
    /// RFC 3339 time of the idle exit or the maximum age (`status.idleSince`).
    pub since: Option<String>,
}

/// What culling means for this reconcile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Check {
    /// Culled (the children scale to zero), or not.
    pub culled: Option<Culled>,
    /// Reconcile again after this long (the time left before `maxAge`).
    pub recheck_after: Option<Duration>,
}

/// Culled already, culled now, or kept; the pod is read only when the spec asks for culling.
pub async fn check(notebook: &Notebook, client: &Client, now: &str) -> Result<Check> {
    if is_culled(notebook) {
        let status = notebook.status.as_ref();
        let reason = status
            .and_then(|s| s.conditions.iter().find(|c| c.kind == "Ready"))
            .and_then(|c| c.reason.as_deref())
            .map_or(CullReason::Idle, CullReason::from_reason);
        let since = status.and_then(|s| s.idle_since.clone());
        return Ok(Check {
            culled: Some(Culled { reason, since }),
            recheck_after: None,
        });
    }
    let spec = &notebook.spec;
    let asks = !spec.culling.is_empty();
    let Ok(now) = now.parse::<Timestamp>() else {
        return Ok(Check::default());
    };
    if spec.hibernated || !asks {
        return Ok(Check::default());
    }
    let namespace = notebook.namespace().unwrap_or_default();
    let pod_name = format!("{}-0", notebook.name_any());
    let pod = apply::pod(client, &namespace, &pod_name).await?;
    let observation = pod.as_ref().map(PodObservation::of).unwrap_or_default();
    Ok(match culling::decide(&spec.culling, &observation, now) {
        Decision::Cull { reason, since } => Check {
            culled: Some(Culled {
                reason,
                since: Some(since.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
            }),
            recheck_after: None,
        },
        Decision::Keep { recheck_after } => Check {
            culled: None,
            recheck_after,
        },
    })
}

/// The notebook as `children()` must see it when it is culled now: its status marks it culled at its
/// current generation, so its StatefulSet scales to zero.
pub fn marked(notebook: &Notebook) -> Notebook {
    let mut marked = notebook.clone();
    let status = marked.status.get_or_insert_with(NotebookStatus::default);
    status.phase = Some(CULLED.to_owned());
    status.observed_generation = notebook.metadata.generation;
    marked
}
