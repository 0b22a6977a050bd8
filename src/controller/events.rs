//! Kubernetes Events on a notebook (what `kubectl describe notebook` shows): which events a status change or a
//! failed reconcile makes, as pure functions, and publishing them (events.k8s.io/v1 through kube's `Recorder`).
//! An event that cannot be published is logged and never fails the reconcile. Notes come from statuses and
//! redacted API messages only, so they hold no secret material.

use super::run::log;
use crate::notebook::NotebookStatus;
use crate::notebook::spec::Condition;
use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event, EventType, Recorder};

/// The longest note the API server takes (events.k8s.io/v1 `note`: 1 kB).
pub const MAX_NOTE: usize = 1024;
/// Reason of the event of a failed reconcile that is only retried.
pub const RECONCILE_FAILED: &str = "ReconcileFailed";
/// Reason of the event of `Degraded` going back to false.
pub const RECOVERED: &str = "Recovered";
/// Reason of the event of changes waiting to be applied.
pub const CHANGES_PENDING: &str = "ChangesPending";

/// One event before it is published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// `Warning`, else `Normal`.
    pub warning: bool,
    /// Why (a condition reason: `ServerReady`, `IdleTimeout`, `ImmutableField`, ...).
    pub reason: String,
    /// What the controller did or failed to do (`Start`, `Stop`, `Apply`, `Reconcile`).
    pub action: &'static str,
    /// The human-readable text, at most [`MAX_NOTE`] bytes.
    pub note: String,
}

impl Note {
    fn new(warning: bool, reason: &str, action: &'static str, note: &str) -> Note {
        Note {
            warning,
            reason: reason.to_owned(),
            action,
            note: truncate(note, MAX_NOTE),
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn find<'a>(status: Option<&'a NotebookStatus>, kind: &str) -> Option<&'a Condition> {
    status?.conditions.iter().find(|c| c.kind == kind)
}

fn same(a: Option<&Condition>, b: Option<&Condition>) -> bool {
    let key = |c: Option<&Condition>| c.map(|c| (c.status.clone(), c.reason.clone()));
    key(a) == key(b)
}

/// What the server does in `phase`.
fn action(phase: Option<&str>) -> &'static str {
    match phase {
        Some("Running" | "Pending") => "Start",
        Some("Hibernated" | "Culled") => "Stop",
        _ => "Apply",
    }
}

/// The events of going from `old` to `new`: one for a new phase or `Ready` reason (a `Warning` for `Failed`), one
/// for `Degraded` turning true or changing reason (`Warning`) or back to false ([`RECOVERED`]), one when the
/// pending changes change. An unchanged status makes none, so a settled notebook adds no event.
pub fn changes(old: Option<&NotebookStatus>, new: &NotebookStatus) -> Vec<Note> {
    let mut notes = Vec::new();
    let phase = new.phase.as_deref();
    let (old_ready, ready) = (find(old, "Ready"), find(Some(new), "Ready"));
    let moved = old.and_then(|o| o.phase.as_deref()) != phase || !same(old_ready, ready);
    if moved && let Some(ready) = ready {
        let warning = phase == Some("Failed");
        let reason = ready.reason.as_deref().unwrap_or("Unknown");
        let message = ready.message.as_deref().unwrap_or_default();
        let note = format!("{}: {message}", phase.unwrap_or("Unknown"));
        notes.push(Note::new(warning, reason, action(phase), &note));
    }
    let (old_degraded, degraded) = (find(old, "Degraded"), find(Some(new), "Degraded"));
    if !same(old_degraded, degraded)
        && let Some(degraded) = degraded
    {
        let message = degraded.message.as_deref().unwrap_or_default();
        if degraded.status == "True" {
            let reason = degraded.reason.as_deref().unwrap_or("Unknown");
            notes.push(Note::new(true, reason, "Apply", message));
        } else if old_degraded.is_some_and(|c| c.status == "True") {
            notes.push(Note::new(false, RECOVERED, "Apply", message));
        }
    }
    let old_pending = old
        .map(|o| o.pending_changes.as_slice())
        .unwrap_or_default();
    if !new.pending_changes.is_empty() && new.pending_changes != old_pending {
        let message = find(Some(new), "ChangesPending")
            .and_then(|c| c.message.clone())
            .unwrap_or_default();
        let note = format!("{}: {message}", new.pending_changes.join(", "));
        notes.push(Note::new(false, CHANGES_PENDING, "Apply", &note));
    }
    notes
}

/// The event of a failed reconcile that is retried: `description` is already secret-free (see
/// [`lasting::describe`](super::lasting::describe)).
pub fn failure(description: &str) -> Note {
    Note::new(true, RECONCILE_FAILED, "Reconcile", description)
}

/// Publish `notes` about `regarding`; a failure is logged, not returned.
pub async fn publish(recorder: &Recorder, regarding: &ObjectReference, notes: Vec<Note>) {
    for note in notes {
        let event = Event {
            type_: if note.warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: note.reason,
            note: Some(note.note),
            action: note.action.to_owned(),
            secondary: None,
        };
        if let Err(error) = recorder.publish(&event, regarding).await {
            let name = regarding.name.as_deref().unwrap_or_default();
            log(format_args!("{name}: cannot record an event: {error}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(phase: &str, ready: (&str, &str), degraded: (&str, &str)) -> NotebookStatus {
        let condition = |kind: &str, (status, reason): (&str, &str)| Condition {
            kind: kind.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(format!("{reason} message")),
            last_transition_time: None,
        };
        NotebookStatus {
            phase: Some(phase.into()),
            conditions: vec![condition("Ready", ready), condition("Degraded", degraded)],
            ..NotebookStatus::default()
        }
    }

    fn summary(notes: &[Note]) -> Vec<String> {
        notes
            .iter()
            .map(|n| {
                let kind = if n.warning { "Warning" } else { "Normal" };
                format!("{kind} {} {}: {}", n.reason, n.action, n.note)
            })
            .collect()
    }

    #[test]
    fn a_new_phase_makes_one_event_and_an_unchanged_status_none() {
        let pending = status("Pending", ("False", "Starting"), ("False", "AsExpected"));
        let running = status("Running", ("True", "ServerReady"), ("False", "AsExpected"));
        assert_eq!(
            summary(&changes(None, &pending)),
            ["Normal Starting Start: Pending: Starting message"]
        );
        assert_eq!(
            summary(&changes(Some(&pending), &running)),
            ["Normal ServerReady Start: Running: ServerReady message"]
        );
        assert!(changes(Some(&running), &running).is_empty());
    }

    #[test]
    fn degraded_warns_and_recovery_is_told() {
        let running = status("Running", ("True", "ServerReady"), ("False", "AsExpected"));
        let forbidden = status("Running", ("True", "ServerReady"), ("True", "Forbidden"));
        assert_eq!(
            summary(&changes(Some(&running), &forbidden)),
            ["Warning Forbidden Apply: Forbidden message"]
        );
        assert_eq!(
            summary(&changes(Some(&forbidden), &running)),
            ["Normal Recovered Apply: AsExpected message"]
        );
        let failed = status("Failed", ("False", "InvalidSpec"), ("True", "InvalidSpec"));
        assert_eq!(
            summary(&changes(None, &failed)),
            [
                "Warning InvalidSpec Apply: Failed: InvalidSpec message",
                "Warning InvalidSpec Apply: InvalidSpec message"
            ]
        );
    }

    #[test]
    fn a_culled_notebook_is_told_why() {
        let running = status("Running", ("True", "ServerReady"), ("False", "AsExpected"));
        let culled = status("Culled", ("False", "IdleTimeout"), ("False", "AsExpected"));
        assert_eq!(
            summary(&changes(Some(&running), &culled)),
            ["Normal IdleTimeout Stop: Culled: IdleTimeout message"]
        );
    }

    #[test]
    fn pending_changes_are_told_once() {
        let running = status("Running", ("True", "ServerReady"), ("False", "AsExpected"));
        let mut pending = running.clone();
        pending.pending_changes = vec!["image".into()];
        assert_eq!(
            summary(&changes(Some(&running), &pending)),
            ["Normal ChangesPending Apply: image: "]
        );
        assert!(changes(Some(&pending), &pending).is_empty());
    }

    #[test]
    fn notes_are_cut_to_the_api_limit() {
        let long = "é".repeat(MAX_NOTE);
        let note = failure(&long);
        assert!(note.note.len() <= MAX_NOTE);
        assert!(note.note.ends_with('…'));
        assert_eq!(failure("short").note, "short");
    }
}
