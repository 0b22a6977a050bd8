//! Image and resources changes to a running server, as pure functions: what the server's StatefulSet gets (the
//! spec, or with `updatePolicy: atNextStop` what a working session already runs), which changes are still
//! pending, and the `ChangesPending` condition that says so until they are applied.

use crate::notebook::NotebookStatus;
use crate::notebook::spec::{Condition, NotebookSpec, ServerRevision, UpdatePolicy};

/// The fields whose changes restart the server, as `status.pendingChanges` names them.
pub const IMAGE: &str = "image";
/// See [`IMAGE`].
pub const RESOURCES: &str = "resources";
/// Reason of `ChangesPending` while a working session keeps the old image or resources (`atNextStop`).
pub const AT_NEXT_STOP: &str = "AtNextStop";
/// Reason of `ChangesPending` while the server restarts with the changes.
pub const ROLLING_OUT: &str = "RollingOut";
/// Reason of `ChangesPending` while the server is stopped: the changes apply when it next starts.
pub const STOPPED: &str = "ServerStopped";
/// The condition type.
pub const CONDITION: &str = "ChangesPending";

/// The image and resources a spec asks for.
pub fn revision(spec: &NotebookSpec) -> ServerRevision {
    ServerRevision {
        image: spec.image.clone(),
        resources: spec.resources.clone(),
    }
}

/// The fields in which `wanted` differs from `running`, in a fixed order.
pub fn differences(wanted: &ServerRevision, running: &ServerRevision) -> Vec<String> {
    let mut fields = Vec::new();
    if wanted.image != running.image {
        fields.push(IMAGE.to_owned());
    }
    if wanted.resources != running.resources {
        fields.push(RESOURCES.to_owned());
    }
    fields
}

/// What the StatefulSet gets this time.
#[derive(Clone, Debug, PartialEq)]
pub struct Hold {
    /// The spec the children are made from (the notebook's, or its image and resources held back).
    pub spec: NotebookSpec,
    /// Whether changes are held back for a working session.
    pub deferred: bool,
}

/// The spec of the children: `spec`, unless its policy is `atNextStop`, the old status shows a working session
/// (phase `Running` with a known revision) and the server is not being stopped now: then the running image and
/// resources stay.
pub fn hold(spec: &NotebookSpec, old: Option<&NotebookStatus>, stopping: bool) -> Hold {
    let running = old
        .filter(|o| o.phase.as_deref() == Some(super::status::RUNNING))
        .and_then(|o| o.server.as_ref());
    match running {
        Some(running)
            if spec.update_policy == UpdatePolicy::AtNextStop
                && !stopping
                && !differences(&revision(spec), running).is_empty() =>
        {
            let mut held = spec.clone();
            held.image = running.image.clone();
            held.resources = running.resources.clone();
            Hold {
                spec: held,
                deferred: true,
            }
        }
        _ => Hold {
            spec: spec.clone(),
            deferred: false,
        },
    }
}

/// `status` with `server`, `pendingChanges` and `ChangesPending` settled: a ready server (phase `Running`) runs
/// what `hold` gave it; the changes of `spec` it does not run are pending, with the reason why.
pub fn settle(
    mut status: NotebookStatus,
    old: Option<&NotebookStatus>,
    spec: &NotebookSpec,
    hold: &Hold,
    now: &str,
) -> NotebookStatus {
    let phase = status.phase.as_deref();
    if phase == Some(super::status::RUNNING) {
        status.server = Some(revision(&hold.spec));
    }
    status.pending_changes = status
        .server
        .as_ref()
        .map(|running| differences(&revision(spec), running))
        .unwrap_or_default();
    status.conditions.retain(|c| c.kind != CONDITION);
    if status.pending_changes.is_empty() {
        return status;
    }
    let fields = status.pending_changes.join(" and ");
    let (reason, message) = if hold.deferred {
        let message = format!(
            "the {fields} change waits for the server to stop (updatePolicy atNextStop): culled or hibernated"
        );
        (AT_NEXT_STOP, message)
    } else if matches!(phase, Some("Hibernated" | "Culled")) {
        let message = format!("the {fields} change applies when the server next starts");
        (STOPPED, message)
    } else {
        let message = format!("the server restarts with the {fields} change");
        (ROLLING_OUT, message)
    };
    let previous = old
        .into_iter()
        .flat_map(|o| &o.conditions)
        .find(|c| c.kind == CONDITION && c.status == "True");
    status.conditions.push(Condition {
        kind: CONDITION.to_owned(),
        status: "True".to_owned(),
        reason: Some(reason.to_owned()),
        message: Some(message),
        last_transition_time: previous
            .and_then(|c| c.last_transition_time.clone())
            .or_else(|| Some(now.to_owned())),
    });
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::status::{HIBERNATED, PENDING, RUNNING};

    const T0: &str = "2026-01-01T00:00:00Z";

    fn spec(image: &str, policy: UpdatePolicy) -> NotebookSpec {
        let mut spec: NotebookSpec = serde_json::from_value(serde_json::json!({
            "image": format!("quay.io/jupyter/base-notebook:{image}"),
        }))
        .unwrap();
        spec.update_policy = policy;
        spec
    }

    fn status(phase: &str, server: Option<&NotebookSpec>) -> NotebookStatus {
        NotebookStatus {
            phase: Some(phase.into()),
            server: server.map(revision),
            ..NotebookStatus::default()
        }
    }

    #[test]
    fn a_working_session_keeps_its_image_with_at_next_stop() {
        let old_spec = spec("2025-01-13", UpdatePolicy::AtNextStop);
        let new_spec = spec("2025-02-01", UpdatePolicy::AtNextStop);
        let old = status(RUNNING, Some(&old_spec));
        let held = hold(&new_spec, Some(&old), false);
        assert!(held.deferred);
        assert_eq!(held.spec.image, old_spec.image);
        let settled = settle(status(RUNNING, None), Some(&old), &new_spec, &held, T0);
        assert_eq!(settled.pending_changes, [IMAGE]);
        assert_eq!(settled.server, Some(revision(&old_spec)));
        let condition = settled.conditions.last().unwrap();
        assert_eq!(
            (condition.kind.as_str(), condition.reason.as_deref()),
            (CONDITION, Some(AT_NEXT_STOP))
        );
        // Stopping now (culled or hibernated): nothing is held back; pending until the server starts again.
        let stopping = hold(&new_spec, Some(&old), true);
        assert!(!stopping.deferred);
        assert_eq!(stopping.spec, new_spec);
        let mut down = status(HIBERNATED, None);
        down.server = old.server.clone();
        let settled = settle(down, Some(&old), &new_spec, &stopping, T0);
        assert_eq!(settled.pending_changes, [IMAGE]);
        assert_eq!(settled.conditions[0].reason.as_deref(), Some(STOPPED));
    }

    #[test]
    fn immediate_changes_are_pending_until_the_server_is_ready_with_them() {
        let old_spec = spec("2025-01-13", UpdatePolicy::Immediate);
        let new_spec = spec("2025-02-01", UpdatePolicy::Immediate);
        let old = status(RUNNING, Some(&old_spec));
        let held = hold(&new_spec, Some(&old), false);
        assert!(!held.deferred);
        assert_eq!(held.spec, new_spec);
        let mut rolling = status(PENDING, None);
        rolling.server = old.server.clone();
        let rolling = settle(rolling, Some(&old), &new_spec, &held, T0);
        assert_eq!(rolling.pending_changes, [IMAGE]);
        assert_eq!(rolling.conditions[0].reason.as_deref(), Some(ROLLING_OUT));
        let done = settle(status(RUNNING, None), Some(&rolling), &new_spec, &held, T0);
        assert!(done.pending_changes.is_empty());
        assert!(done.conditions.is_empty());
        assert_eq!(done.server, Some(revision(&new_spec)));
    }

    #[test]
    fn a_server_not_running_takes_changes_at_once() {
        let old_spec = spec("2025-01-13", UpdatePolicy::AtNextStop);
        let new_spec = spec("2025-02-01", UpdatePolicy::AtNextStop);
        for old in [status(PENDING, Some(&old_spec)), status(RUNNING, None)] {
            assert!(!hold(&new_spec, Some(&old), false).deferred, "{old:?}");
        }
        assert!(!hold(&new_spec, None, false).deferred);
        let mut resources = new_spec.clone();
        resources.resources.memory =
            Some(serde_json::from_value(serde_json::json!({"limit": "2Gi"})).unwrap());
        assert_eq!(
            differences(&revision(&resources), &revision(&old_spec)),
            [IMAGE, RESOURCES]
        );
    }
}
