//! Idle culling and maximum age, decided purely from what the controller observed of a notebook's pod. Jupyter
//! shuts itself down when idle (the start script passes the timeouts and leaves `idle` as the container's
//! termination message); the controller then scales the notebook to zero until its spec next changes.

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
}

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
        let Some(server) = server else {
            return PodObservation::default();
        };
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
}

impl CullReason {
    /// The reason a condition names (`IdleTimeout` for anything it does not know).
    pub fn from_reason(reason: &str) -> CullReason {
        if reason == CullReason::MaxAge.as_str() {
            CullReason::MaxAge
        } else {
            CullReason::Idle
        }
    }

    /// The condition reason.
    pub fn as_str(self) -> &'static str {
        match self {
            CullReason::Idle => "IdleTimeout",
            CullReason::MaxAge => "MaxAgeReached",
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

/// Cull or keep, given the culling settings, the pod as observed, and the time now.
pub fn decide(culling: &Culling, pod: &PodObservation, now: Timestamp) -> Decision {
    if culling.idle_timeout.is_some()
        && let Some(since) = pod.idle_exit_at
    {
        return Decision::Cull {
            reason: CullReason::Idle,
            since,
        };
    }
    let (Some(Seconds(max_age)), Some(started)) = (culling.max_age, pod.started_at) else {
        return Decision::Keep {
            recheck_after: None,
        };
    };
    let age = SignedDuration::from_secs(i64::try_from(max_age).unwrap_or(i64::MAX));
    let deadline = started.saturating_add(age).unwrap_or(Timestamp::MAX);
    if now >= deadline {
        Decision::Cull {
            reason: CullReason::MaxAge,
            since: deadline,
        }
    } else {
        let left = now.duration_until(deadline);
        Decision::Keep {
            recheck_after: Some(Duration::from_secs(left.as_secs().max(1) as u64)),
        }
    }
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
        }
    }

    #[test]
    fn an_idle_exit_culls_only_with_an_idle_timeout() {
        let pod = PodObservation {
            started_at: Some(at("2026-01-01T10:00:00Z")),
            idle_exit_at: Some(at("2026-01-01T11:00:00Z")),
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
            idle_exit_at: None,
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

    #[test]
    fn jupyter_gets_the_idle_timeout_for_server_kernels_and_terminals() {
        assert!(jupyter_flags(&culling(None, Some(10))).is_empty());
        let flags = jupyter_flags(&culling(Some(900), None));
        assert!(flags.contains(&"--ServerApp.shutdown_no_activity_timeout=900".to_owned()));
        assert!(flags.contains(&"--MappingKernelManager.cull_idle_timeout=900".to_owned()));
    }
}
