//! Culling (idle, maximum age, stuck starting, failing), decided purely from what the controller observed of a
//! notebook's pod. Jupyter shuts itself down when idle (the start script passes the timeouts and leaves `idle` as
//! the container's termination message); the controller then scales the notebook to zero until its spec next
//! changes. Its storage is kept.

use super::spec::{Culling, Notebook};
use crate::model::seconds::Seconds;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// The termination message the start script leaves when Jupyter stopped for lack of activity.
pub const IDLE_MESSAGE: &str = "idle";
/// The phase of a culled notebook.
pub const CULLED: &str = "Culled";

/// What the controller saw of the notebook's server container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodObservation {
    /// When the current server container started.
    pub started_at: Option<Timestamp>,
    /// When the server last stopped for being idle (its termination message was [`IDLE_MESSAGE`]).
    pub idle_exit_at: Option<Timestamp>,
    /// Since when the pod has not been ready (its `Ready` condition's transition, else its creation); `None`
    /// while it is ready or when there is no pod.
    pub not_ready_since: Option<Timestamp>,
    /// Whether the server is failing rather than starting: its container waits in a back-off or on a bad
    /// configuration, or last exited with an error, or the pod failed.
    pub failing: bool,
}

/// The waiting reasons of a server container that is failing, not starting.
pub const FAILING_REASONS: [&str; 7] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// The name of the server's container in the pod (the other is the oauth2-proxy sidecar).
pub const SERVER_CONTAINER: &str = "notebook";

impl PodObservation {
    /// What the notebook's pod says: when its server started, and when it last stopped for being idle.
    pub fn of(pod: &Pod) -> PodObservation {
        let server = pod
            .status
            .as_ref()
            .and_then(|status| status.container_statuses.as_ref())
            .and_then(|statuses| statuses.iter().find(|c| c.name == SERVER_CONTAINER));
        let ready = pod
            .status
            .as_ref()
            .and_then(|status| status.conditions.as_ref())
            .and_then(|conditions| conditions.iter().find(|c| c.type_ == "Ready"));
        let not_ready_since = match ready {
            Some(condition) if condition.status == "True" => None,
            Some(condition) => condition
                .last_transition_time
                .as_ref()
                .or(pod.metadata.creation_timestamp.as_ref())
                .map(|time| time.0),
            None => pod.metadata.creation_timestamp.as_ref().map(|time| time.0),
        };
        let pod_failed = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed");
        let Some(server) = server else {
            return PodObservation {
                not_ready_since,
                failing: pod_failed,
                ..PodObservation::default()
            };
        };
        let waiting = server
            .state
            .as_ref()
            .and_then(|state| state.waiting.as_ref())
            .and_then(|waiting| waiting.reason.as_deref());
        let crashed = |state: Option<&k8s_openapi::api::core::v1::ContainerState>| {
            state
                .and_then(|state| state.terminated.as_ref())
                .is_some_and(|terminated| terminated.exit_code != 0)
        };
        let failing = pod_failed
            || waiting.is_some_and(|reason| FAILING_REASONS.contains(&reason))
            || crashed(server.state.as_ref())
            || (not_ready_since.is_some() && crashed(server.last_state.as_ref()));
        let started_at = server
            .state
            .as_ref()
            .and_then(|state| state.running.as_ref())
            .and_then(|running| running.started_at.as_ref())
            .map(|time| time.0);
        let idle_exit_at = [server.state.as_ref(), server.last_state.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|state| state.terminated.as_ref())
            .filter(|terminated| {
                terminated.exit_code == 0
                    && terminated.message.as_deref().map(str::trim) == Some(IDLE_MESSAGE)
            })
            .filter_map(|terminated| terminated.finished_at.as_ref().map(|time| time.0))
            .max();
        PodObservation {
            started_at,
            idle_exit_at,
            not_ready_since,
            failing,
        }
    }
}

/// Why a notebook was culled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CullReason {
    /// No kernel, terminal or request for `culling.idleTimeout` seconds.
    Idle,
    /// Running for `culling.maxAge` seconds.
    MaxAge,
    /// Not ready for `culling.maxStarting` seconds.
    MaxStarting,
    /// Failing for `culling.maxFailed` seconds.
    MaxFailed,
}

impl CullReason {
    /// The reason a condition names (`IdleTimeout` for anything it does not know).
    pub fn from_reason(reason: &str) -> CullReason {
        [
            CullReason::MaxAge,
            CullReason::MaxStarting,
            CullReason::MaxFailed,
        ]
        .into_iter()
        .find(|known| known.as_str() == reason)
        .unwrap_or(CullReason::Idle)
    }

    /// The condition reason.
    pub fn as_str(self) -> &'static str {
        match self {
            CullReason::Idle => "IdleTimeout",
            CullReason::MaxAge => "MaxAgeReached",
            CullReason::MaxStarting => "StartTimeout",
            CullReason::MaxFailed => "FailureTimeout",
        }
    }
}

/// What to do about culling now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Scale to zero: idle or old since `since`.
    Cull {
        reason: CullReason,
        since: Timestamp,
    },
    /// Keep running; look again after this long (the time left before `maxAge`), or on the next change.
    Keep { recheck_after: Option<Duration> },
}

/// Cull or keep, given the culling settings, the pod as observed, and the time now. An idle exit culls at once;
/// otherwise the first deadline reached (failing for `maxFailed`, not ready for `maxStarting`, running for
/// `maxAge`) culls, and before any is reached the notebook is looked at again when the nearest will be.
pub fn decide(culling: &Culling, pod: &PodObservation, now: Timestamp) -> Decision {
    if culling.idle_timeout.is_some()
        && let Some(since) = pod.idle_exit_at
    {
        return Decision::Cull {
            reason: CullReason::Idle,
            since,
        };
    }
    let not_ready = |failing: bool| pod.not_ready_since.filter(|_| pod.failing == failing);
    let deadlines = [
        (CullReason::MaxFailed, culling.max_failed, not_ready(true)),
        (
            CullReason::MaxStarting,
            culling.max_starting,
            not_ready(false),
        ),
        (CullReason::MaxAge, culling.max_age, pod.started_at),
    ];
    let mut recheck_after: Option<Duration> = None;
    for (reason, limit, since) in deadlines {
        let (Some(Seconds(limit)), Some(since)) = (limit, since) else {
            continue;
        };
        let limit = SignedDuration::from_secs(i64::try_from(limit).unwrap_or(i64::MAX));
        let deadline = since.saturating_add(limit).unwrap_or(Timestamp::MAX);
        if now >= deadline {
            return Decision::Cull {
                reason,
                since: deadline,
            };
        }
        let left = now.duration_until(deadline);
        let left = Duration::from_secs(left.as_secs().max(1) as u64);
        recheck_after = Some(recheck_after.map_or(left, |earlier| earlier.min(left)));
    }
    Decision::Keep { recheck_after }
}

/// Whether the notebook stays culled: it was culled at its current generation (a spec change wakes it).
pub fn is_culled(notebook: &Notebook) -> bool {
    let status = notebook.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some(CULLED)
        && status.and_then(|s| s.observed_generation) == notebook.metadata.generation
        && notebook.metadata.generation.is_some()
}

/// Jupyter's own idle shutdown and kernel/terminal culling for `idle_timeout` seconds.
pub fn jupyter_flags(culling: &Culling) -> Vec<String> {
    let Some(Seconds(timeout)) = culling.idle_timeout else {
        return Vec::new();
    };
    vec![
        format!("--ServerApp.shutdown_no_activity_timeout={timeout}"),
        format!("--MappingKernelManager.cull_idle_timeout={timeout}"),
        format!(
            "--MappingKernelManager.cull_interval={}",
            timeout.clamp(1, 60)
        ),
        format!("--TerminalManager.cull_inactive_timeout={timeout}"),
        format!("--TerminalManager.cull_interval={}", timeout.clamp(1, 60)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn culling(idle: Option<u64>, max_age: Option<u64>) -> Culling {
        Culling {
            idle_timeout: idle.map(Seconds),
            max_age: max_age.map(Seconds),
            ..Culling::default()
        }
    }

    #[test]
    fn an_idle_exit_culls_only_with_an_idle_timeout() {
        let pod = PodObservation {
            started_at: Some(at("2026-01-01T10:00:00Z")),
            idle_exit_at: Some(at("2026-01-01T11:00:00Z")),
            ..PodObservation::default()
        };
        let now = at("2026-01-01T11:00:05Z");
        assert_eq!(
            decide(&culling(Some(3600), None), &pod, now),
            Decision::Cull {
                reason: CullReason::Idle,
                since: at("2026-01-01T11:00:00Z")
            }
        );
        assert_eq!(
            decide(&culling(None, None), &pod, now),
            Decision::Keep {
                recheck_after: None
            }
        );
    }

    #[test]
    fn max_age_culls_at_the_deadline_and_rechecks_before_it() {
        let pod = PodObservation {
            started_at: Some(at("2026-01-01T10:00:00Z")),
            ..PodObservation::default()
        };
        let rule = culling(None, Some(7200));
        assert_eq!(
            decide(&rule, &pod, at("2026-01-01T11:30:00Z")),
            Decision::Keep {
                recheck_after: Some(Duration::from_secs(1800))
            }
        );
        assert_eq!(
            decide(&rule, &pod, at("2026-01-01T12:00:00Z")),
            Decision::Cull {
                reason: CullReason::MaxAge,
                since: at("2026-01-01T12:00:00Z")
            }
        );
    }

    #[test]
    fn the_pod_tells_start_and_idle_exit_of_the_server_container_only() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "status": {"containerStatuses": [
                {"name": "oauth2-proxy", "image": "p", "imageID": "", "ready": true, "restartCount": 0,
                 "lastState": {"terminated": {"exitCode": 0, "message": "idle", "finishedAt": "2026-01-01T09:00:00Z"}}},
                {"name": "notebook", "image": "n", "imageID": "", "ready": true, "restartCount": 1,
                 "state": {"running": {"startedAt": "2026-01-01T11:00:01Z"}},
                 "lastState": {"terminated": {"exitCode": 0, "message": "idle\n", "finishedAt": "2026-01-01T11:00:00Z"}}},
            ]},
        }))
        .unwrap();
        assert_eq!(
            PodObservation::of(&pod),
            PodObservation {
                started_at: Some(at("2026-01-01T11:00:01Z")),
                idle_exit_at: Some(at("2026-01-01T11:00:00Z")),
                ..PodObservation::default()
            }
        );
        let crashed: Pod = serde_json::from_value(serde_json::json!({
            "status": {"containerStatuses": [
                {"name": "notebook", "image": "n", "imageID": "", "ready": false, "restartCount": 1,
                 "lastState": {"terminated": {"exitCode": 1, "message": "idle", "finishedAt": "2026-01-01T11:00:00Z"}}},
            ]},
        }))
        .unwrap();
        assert_eq!(PodObservation::of(&crashed).idle_exit_at, None);
    }

    fn pod(ready: &str, since: &str, waiting: Option<&str>) -> Pod {
        let state = match waiting {
            Some(reason) => serde_json::json!({"waiting": {"reason": reason}}),
            None => serde_json::json!({"running": {"startedAt": since}}),
        };
        serde_json::from_value(serde_json::json!({
            "metadata": {"creationTimestamp": "2026-01-01T09:00:00Z"},
            "status": {
                "conditions": [{"type": "Ready", "status": ready, "lastTransitionTime": since}],
                "containerStatuses": [{"name": "notebook", "image": "n", "imageID": "", "ready": false,
                                       "restartCount": 0, "state": state}],
            },
        }))
        .unwrap()
    }

    #[test]
    fn the_pod_tells_whether_it_is_starting_or_failing() {
        let starting = PodObservation::of(&pod(
            "False",
            "2026-01-01T10:00:00Z",
            Some("ContainerCreating"),
        ));
        assert_eq!(starting.not_ready_since, Some(at("2026-01-01T10:00:00Z")));
        assert!(!starting.failing);
        let failing = PodObservation::of(&pod(
            "False",
            "2026-01-01T10:00:00Z",
            Some("ImagePullBackOff"),
        ));
        assert!(failing.failing);
        let ready = PodObservation::of(&pod("True", "2026-01-01T10:00:00Z", None));
        assert_eq!(ready.not_ready_since, None);
        let unscheduled: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"creationTimestamp": "2026-01-01T09:00:00Z"},
            "status": {"phase": "Pending"},
        }))
        .unwrap();
        let unscheduled = PodObservation::of(&unscheduled);
        assert_eq!(
            unscheduled.not_ready_since,
            Some(at("2026-01-01T09:00:00Z"))
        );
        assert!(!unscheduled.failing);
    }

    #[test]
    fn starting_and_failing_too_long_cull_and_rechecks_take_the_nearest_deadline() {
        let rule = Culling {
            max_starting: Some(Seconds(600)),
            max_failed: Some(Seconds(300)),
            max_age: Some(Seconds(7200)),
            ..Culling::default()
        };
        let since = at("2026-01-01T10:00:00Z");
        let starting = PodObservation {
            not_ready_since: Some(since),
            ..PodObservation::default()
        };
        let failing = PodObservation {
            failing: true,
            ..starting.clone()
        };
        let later = |secs: i64| {
            since
                .saturating_add(SignedDuration::from_secs(secs))
                .unwrap()
        };
        assert_eq!(
            decide(&rule, &starting, later(500)),
            Decision::Keep {
                recheck_after: Some(Duration::from_secs(100))
            }
        );
        assert_eq!(
            decide(&rule, &starting, later(600)),
            Decision::Cull {
                reason: CullReason::MaxStarting,
                since: later(600)
            }
        );
        assert_eq!(
            decide(&rule, &failing, later(500)),
            Decision::Cull {
                reason: CullReason::MaxFailed,
                since: later(300)
            }
        );
        // Failing is not starting: only `maxFailed` counts for it, and the reverse.
        let only_starting = Culling {
            max_starting: Some(Seconds(60)),
            ..Culling::default()
        };
        assert_eq!(
            decide(&only_starting, &failing, later(500)),
            Decision::Keep {
                recheck_after: None
            }
        );
        for reason in [
            CullReason::MaxStarting,
            CullReason::MaxFailed,
            CullReason::MaxAge,
        ] {
            assert_eq!(CullReason::from_reason(reason.as_str()), reason);
        }
    }

    #[test]
    fn jupyter_gets_the_idle_timeout_for_server_kernels_and_terminals() {
        assert!(jupyter_flags(&culling(None, Some(10))).is_empty());
        let flags = jupyter_flags(&culling(Some(900), None));
        assert!(flags.contains(&"--ServerApp.shutdown_no_activity_timeout=900".to_owned()));
        assert!(flags.contains(&"--MappingKernelManager.cull_idle_timeout=900".to_owned()));
    }
}
