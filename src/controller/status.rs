//! A notebook's status as a pure function of its old status, its spec and what the controller observed.

use super::cull::Culled;
use crate::notebook::culling::CULLED;
use crate::notebook::spec::{Condition, NotebookSpec};
use crate::notebook::{NotebookStatus, Problem};
use k8s_openapi::api::apps::v1::StatefulSet;

/// Phase of a notebook whose server pod is not ready yet.
pub const PENDING: &str = "Pending";
/// Phase of a notebook whose server is ready.
pub const RUNNING: &str = "Running";
/// Phase of a notebook scaled to zero.
pub const HIBERNATED: &str = "Hibernated";
/// Phase of a notebook whose spec the controller cannot apply.
pub const FAILED: &str = "Failed";
/// Reason of the conditions of an invalid spec.
pub const INVALID_SPEC: &str = "InvalidSpec";
/// Reason of the conditions of a stored notebook that is not a `Notebook` (a field of the wrong shape).
pub const UNDECODABLE: &str = "Undecodable";
/// Reason of the conditions of a notebook whose child name is taken by an object that is not its own.
pub const CONFLICT: &str = "Conflict";
/// Reason of `Degraded` of a notebook whose host and path an earlier notebook holds.
pub const ROUTE_CONFLICT: &str = "RouteConflict";

/// What the controller saw of the notebook's StatefulSet (the server answers an apply with the object).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// Server pods that exist (`status.replicas`).
    pub replicas: i32,
    /// Server pods that are ready (`status.readyReplicas`).
    pub ready_replicas: i32,
    /// Server pods at the latest pod template (`status.updatedReplicas`).
    pub updated_replicas: i32,
    /// Whether the StatefulSet controller has seen the latest spec (`status.observedGeneration` ≥ `generation`).
    pub current: bool,
}

impl Observation {
    /// What `stateful_set` tells about the server.
    pub fn of(stateful_set: &StatefulSet) -> Self {
        let status = stateful_set.status.clone().unwrap_or_default();
        let generation = stateful_set.metadata.generation.unwrap_or_default();
        Observation {
            replicas: status.replicas,
            ready_replicas: status.ready_replicas.unwrap_or_default(),
            updated_replicas: status.updated_replicas.unwrap_or_default(),
            current: status.observed_generation.unwrap_or_default() >= generation,
        }
    }
}

/// One condition before its transition time is decided: status, reason, message.
type Wanted = (&'static str, &'static str, String);

/// The status of a valid notebook: phase, URL and conditions from the observation.
pub fn observed(
    old: Option<&NotebookStatus>,
    spec: &NotebookSpec,
    name: &str,
    generation: Option<i64>,
    observation: &Observation,
    now: &str,
) -> NotebookStatus {
    let (phase, ready, progressing) = if spec.hibernated {
        let progressing = scaling_down(observation, HIBERNATED);
        let ready = (
            "False",
            HIBERNATED,
            "hibernated: scaled to zero, storage kept".to_owned(),
        );
        (HIBERNATED, ready, progressing)
    } else if observation.current
        && observation.ready_replicas >= 1
        && observation.updated_replicas >= 1
    {
        let ready = (
            "True",
            "ServerReady",
            "the notebook server is ready".to_owned(),
        );
        let progressing = (
            "False",
            "RolloutComplete",
            "the server runs the latest spec".to_owned(),
        );
        (RUNNING, ready, progressing)
    } else {
        let message = format!(
            "waiting for the server pod: {} ready, {} updated of 1",
            observation.ready_replicas, observation.updated_replicas
        );
        let ready = ("False", "Starting", message.clone());
        (PENDING, ready, ("True", "RollingOut", message))
    };
    let degraded = ("False", "AsExpected", "the spec is valid".to_owned());
    build(
        old,
        phase,
        url(spec, name),
        [ready, progressing, degraded],
        generation,
        now,
    )
}

/// `Progressing` of a notebook going to zero replicas: true while a pod still runs, else false with `reason`.
fn scaling_down(observation: &Observation, reason: &'static str) -> Wanted {
    if observation.replicas > 0 {
        (
            "True",
            "ScalingDown",
            "stopping the server; its storage is kept".to_owned(),
        )
    } else {
        ("False", reason, "scaled to zero".to_owned())
    }
}

/// The status of a culled notebook: scaled to zero (its storage kept) until its spec next changes; `idleSince`
/// says since when.
pub fn culled(
    old: Option<&NotebookStatus>,
    spec: &NotebookSpec,
    name: &str,
    generation: Option<i64>,
    observation: &Observation,
    culled: &Culled,
    now: &str,
) -> NotebookStatus {
    let reason = culled.reason.as_str();
    let progressing = scaling_down(observation, reason);
    let ready = (
        "False",
        reason,
        "culled: change the spec, or hibernate it and wake it (spec.hibernated or the jupyflux.dev/hibernate \
         annotation), to start it again"
            .to_owned(),
    );
    let degraded = ("False", "AsExpected", "the spec is valid".to_owned());
    let mut status = build(
        old,
        CULLED,
        url(spec, name),
        [ready, progressing, degraded],
        generation,
        now,
    );
    status.idle_since.clone_from(&culled.since);
    status
}

/// The status of a notebook whose spec has `problems`: `Failed`, `Degraded` with every problem in its message.
pub fn invalid(
    old: Option<&NotebookStatus>,
    generation: Option<i64>,
    problems: &[Problem],
    now: &str,
) -> NotebookStatus {
    let message = problems
        .iter()
        .map(|p| format!("spec.{}: {} ({})", p.path.join("."), p.message, p.help))
        .collect::<Vec<_>>()
        .join("; ");
    failed(old, generation, INVALID_SPEC, message, now)
}

/// The status of a notebook of which nothing was applied, for `reason` ([`INVALID_SPEC`], [`UNDECODABLE`],
/// [`CONFLICT`]): phase `Failed`, not ready, `Degraded` with `message`.
pub fn failed(
    old: Option<&NotebookStatus>,
    generation: Option<i64>,
    reason: &'static str,
    message: String,
    now: &str,
) -> NotebookStatus {
    let not_applied = match reason {
        INVALID_SPEC => "the spec is invalid; nothing was applied",
        UNDECODABLE => "the spec cannot be read; nothing was applied",
        CONFLICT => "an object the notebook needs belongs to someone else; nothing was applied",
        _ => "the API server refused an object of the notebook; see Degraded",
    };
    build(
        old,
        FAILED,
        None,
        [
            ("False", reason, not_applied.to_owned()),
            ("False", reason, not_applied.to_owned()),
            ("True", reason, message),
        ],
        generation,
        now,
    )
}

/// `status` (of a notebook whose children were applied) with `Degraded=True` for `reason` and no URL: the
/// server runs but is not routed ([`ROUTE_CONFLICT`]).
pub fn degraded(
    old: Option<&NotebookStatus>,
    mut status: NotebookStatus,
    reason: &'static str,
    message: String,
    now: &str,
) -> NotebookStatus {
    status.url = None;
    with_degraded(old, status, reason, message, now)
}

/// The status of a notebook whose apply the API server refuses for a lasting `reason` (an immutable field, RBAC,
/// a quota: see `lasting`): what it was, at the new generation, with `Degraded=True` and the server's message;
/// phase `Failed` when it had no status yet.
pub fn refused(
    old: Option<&NotebookStatus>,
    generation: Option<i64>,
    reason: &'static str,
    message: String,
    now: &str,
) -> NotebookStatus {
    match old.filter(|o| o.phase.is_some() && o.conditions.len() >= 3) {
        Some(previous) => {
            let mut status = previous.clone();
            status.observed_generation = generation;
            with_degraded(old, status, reason, message, now)
        }
        None => failed(old, generation, reason, message, now),
    }
}

fn with_degraded(
    old: Option<&NotebookStatus>,
    mut status: NotebookStatus,
    reason: &'static str,
    message: String,
    now: &str,
) -> NotebookStatus {
    for slot in &mut status.conditions {
        if slot.kind == "Degraded" {
            *slot = condition(old, "Degraded", ("True", reason, message.clone()), now);
        }
    }
    status
}

/// The address of the server: `https://<host><prefix>/` (`http` without TLS); none without a host.
pub fn url(spec: &NotebookSpec, name: &str) -> Option<String> {
    let host = spec.routing.host.as_deref().filter(|h| !h.is_empty())?;
    let scheme = if spec.routing.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let prefix = spec
        .routing
        .path_prefix
        .clone()
        .unwrap_or_else(|| format!("/notebooks/{name}"));
    Some(format!(
        "{scheme}://{host}{}/",
        prefix.trim_end_matches('/')
    ))
}

/// `url` carrying `token` as Jupyter reads it from a link (`?token=…`): only with the Environment's opt-in.
pub fn with_token(url: &str, token: &str) -> String {
    format!("{url}?token={token}")
}

/// The condition `kind` as `wanted`; its `lastTransitionTime` is the old one unless its status changed.
fn condition(
    old: Option<&NotebookStatus>,
    kind: &str,
    (status, reason, message): Wanted,
    now: &str,
) -> Condition {
    let previous = old
        .into_iter()
        .flat_map(|o| &o.conditions)
        .find(|c| c.kind == kind && c.status == status);
    Condition {
        kind: kind.to_owned(),
        status: status.to_owned(),
        reason: Some(reason.to_owned()),
        message: Some(message),
        last_transition_time: previous
            .and_then(|c| c.last_transition_time.clone())
            .or_else(|| Some(now.to_owned())),
    }
}

/// Assemble a status. A condition keeps its old `lastTransitionTime` unless its status changed; `idleSince` is
/// set only for a culled notebook (see [`culled`]); the running revision is carried over (`pending` settles it).
fn build(
    old: Option<&NotebookStatus>,
    phase: &str,
    url: Option<String>,
    [ready, progressing, degraded]: [Wanted; 3],
    generation: Option<i64>,
    now: &str,
) -> NotebookStatus {
    let conditions = [
        ("Ready", ready),
        ("Progressing", progressing),
        ("Degraded", degraded),
    ]
    .into_iter()
    .map(|(kind, wanted)| condition(old, kind, wanted, now))
    .collect();
    NotebookStatus {
        phase: Some(phase.to_owned()),
        url,
        conditions,
        observed_generation: generation,
        idle_since: None,
        pending_changes: Vec::new(),
        server: old.and_then(|o| o.server.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-01-01T00:00:00Z";
    const T1: &str = "2026-01-01T00:05:00Z";

    fn spec(extra: serde_json::Value) -> NotebookSpec {
        let mut spec = serde_json::json!({
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "owner": "alice",
            "storage": {"new": {"size": "1Gi"}},
            "routing": {"host": "nb.example.org", "pathPrefix": "/notebooks/alice/"},
            "auth": {"token": {"vault": "notebooks/alice#token"}},
        });
        merge(&mut spec, extra);
        serde_json::from_value(spec).unwrap()
    }

    fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
        match (into, from) {
            (serde_json::Value::Object(into), serde_json::Value::Object(from)) => {
                for (key, value) in from {
                    merge(into.entry(key).or_insert(serde_json::Value::Null), value);
                }
            }
            (into, from) => *into = from,
        }
    }

    fn ready() -> Observation {
        Observation {
            replicas: 1,
            ready_replicas: 1,
            updated_replicas: 1,
            current: true,
        }
    }

    fn summary(status: &NotebookStatus) -> Vec<String> {
        status
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{}={} {} @{}",
                    c.kind,
                    c.status,
                    c.reason.as_deref().unwrap_or_default(),
                    c.last_transition_time.as_deref().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn a_starting_server_is_pending_then_running() {
        let spec = spec(serde_json::json!({}));
        let pending = observed(None, &spec, "alice", Some(1), &Observation::default(), T0);
        assert_eq!(pending.phase.as_deref(), Some(PENDING));
        assert_eq!(
            pending.url.as_deref(),
            Some("http://nb.example.org/notebooks/alice/")
        );
        assert_eq!(pending.observed_generation, Some(1));
        assert_eq!(
            summary(&pending),
            [
                "Ready=False Starting @2026-01-01T00:00:00Z",
                "Progressing=True RollingOut @2026-01-01T00:00:00Z",
                "Degraded=False AsExpected @2026-01-01T00:00:00Z",
            ]
        );
        let running = observed(Some(&pending), &spec, "alice", Some(1), &ready(), T1);
        assert_eq!(running.phase.as_deref(), Some(RUNNING));
        // Ready and Progressing changed status at T1; Degraded did not, so it keeps T0.
        assert_eq!(
            summary(&running),
            [
                "Ready=True ServerReady @2026-01-01T00:05:00Z",
                "Progressing=False RolloutComplete @2026-01-01T00:05:00Z",
                "Degraded=False AsExpected @2026-01-01T00:00:00Z",
            ]
        );
    }

    #[test]
    fn an_unchanged_observation_gives_an_equal_status() {
        let spec = spec(serde_json::json!({}));
        let first = observed(None, &spec, "alice", Some(3), &ready(), T0);
        let again = observed(Some(&first), &spec, "alice", Some(3), &ready(), T1);
        assert_eq!(first, again);
    }

    #[test]
    fn a_stale_stateful_set_is_not_ready() {
        let spec = spec(serde_json::json!({}));
        let stale = Observation {
            current: false,
            ..ready()
        };
        let status = observed(None, &spec, "alice", Some(2), &stale, T0);
        assert_eq!(status.phase.as_deref(), Some(PENDING));
    }

    #[test]
    fn hibernation_scales_down_then_settles() {
        let spec = spec(
            serde_json::json!({"hibernated": true, "routing": {"tls": {"secretName": "tls"}}}),
        );
        let stopping = observed(None, &spec, "alice", Some(4), &ready(), T0);
        assert_eq!(stopping.phase.as_deref(), Some(HIBERNATED));
        assert_eq!(
            stopping.url.as_deref(),
            Some("https://nb.example.org/notebooks/alice/")
        );
        assert_eq!(
            summary(&stopping)[1],
            "Progressing=True ScalingDown @2026-01-01T00:00:00Z"
        );
        let stopped = observed(
            Some(&stopping),
            &spec,
            "alice",
            Some(4),
            &Observation::default(),
            T1,
        );
        assert_eq!(
            summary(&stopped),
            [
                "Ready=False Hibernated @2026-01-01T00:00:00Z",
                "Progressing=False Hibernated @2026-01-01T00:05:00Z",
                "Degraded=False AsExpected @2026-01-01T00:00:00Z",
            ]
        );
    }

    #[test]
    fn no_host_no_url() {
        let mut spec = spec(serde_json::json!({}));
        spec.routing.host = None;
        spec.routing.path_prefix = None;
        assert_eq!(url(&spec, "alice"), None);
        spec.routing.host = Some("nb.example.org".into());
        assert_eq!(
            url(&spec, "alice").as_deref(),
            Some("http://nb.example.org/notebooks/alice/")
        );
    }

    #[test]
    fn problems_make_it_failed_and_degraded() {
        let problems = [Problem {
            path: vec!["securityContext".into(), "runAsUser".into()],
            message: "runAsUser 0 runs the notebook as root".into(),
            help: "set allowPrivileged".into(),
        }];
        let running = observed(
            None,
            &spec(serde_json::json!({})),
            "alice",
            Some(1),
            &ready(),
            T0,
        );
        let status = invalid(Some(&running), Some(2), &problems, T1);
        assert_eq!(status.phase.as_deref(), Some(FAILED));
        assert_eq!(status.url, None);
        assert_eq!(status.observed_generation, Some(2));
        assert_eq!(
            summary(&status),
            [
                "Ready=False InvalidSpec @2026-01-01T00:05:00Z",
                "Progressing=False InvalidSpec @2026-01-01T00:00:00Z",
                "Degraded=True InvalidSpec @2026-01-01T00:05:00Z",
            ]
        );
        assert_eq!(
            status.conditions[2].message.as_deref(),
            Some(
                "spec.securityContext.runAsUser: runAsUser 0 runs the notebook as root (set allowPrivileged)"
            )
        );
    }

    #[test]
    fn idle_since_is_set_while_culled_only() {
        let spec = spec(serde_json::json!({"culling": {"idleTimeout": 600}}));
        let idle = Culled {
            reason: crate::notebook::culling::CullReason::Idle,
            since: Some(T0.into()),
        };
        let scaled_down = Observation::default();
        let status = culled(None, &spec, "alice", Some(1), &scaled_down, &idle, T1);
        assert_eq!(status.phase.as_deref(), Some("Culled"));
        assert_eq!(status.idle_since.as_deref(), Some(T0));
        let reasons: Vec<_> = status
            .conditions
            .iter()
            .map(|c| c.reason.as_deref().unwrap())
            .collect();
        assert_eq!(reasons, ["IdleTimeout", "IdleTimeout", "AsExpected"]);
        // Woken by a spec change: running again, no longer idle.
        let status = observed(Some(&status), &spec, "alice", Some(2), &ready(), T1);
        assert_eq!(status.idle_since, None);
    }
}
