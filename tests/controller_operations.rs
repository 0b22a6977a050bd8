//! What operators see and do, against a mocked API server (every request asserted): a lasting apply error shown
//! as `Degraded` with its reason and a Warning event; stop and start with the hibernate annotation; an image
//! change held back for a working session (`updatePolicy: atNextStop`) and listed as pending; a server stuck
//! starting or failing culled after `maxStarting` / `maxFailed`.

#[path = "controller/alice.rs"]
mod alice;
#[path = "controller/rbac.rs"]
mod rbac;
#[path = "controller/scenario.rs"]
mod scenario;
#[path = "controller/verifier.rs"]
mod verifier;

use alice::{
    NS, T0, T1, URL, applies, conditions, expect_checks, expect_children, expect_status, notebook,
    ours, running, stateful_set_answer, without_messages,
};
use http::StatusCode;
use jupyflux::controller::{Error, RESYNC, error_policy};
use kube::runtime::controller::Action;
use scenario::{finish, run};
use serde_json::{Value, json};
use std::time::Duration;

const APPS: &str = "/apis/apps/v1/namespaces/notebooks";
const POD: &str = "/api/v1/namespaces/notebooks/pods/alice-0";
const NEW_IMAGE: &str = "quay.io/jupyter/base-notebook:2025-02-01";
const OLD_IMAGE: &str = "quay.io/jupyter/base-notebook:2025-01-13";

fn ready() -> Value {
    json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1})
}

/// Reconcile `alice` (running, generation 2) whose StatefulSet apply the server refuses with `code` and
/// `message`; the status and event written must carry `reason`.
async fn refused(code: StatusCode, message: &'static str, reason: &'static str) {
    let nb = notebook(2, json!({"image": NEW_IMAGE}), running(1));
    let answer = nb.clone();
    let (result, ctx, server) = run(nb.clone(), |mut verifier| async move {
        expect_checks(&mut verifier, |_, name| Some(ours(name))).await;
        let echo = |body: &Value| body.clone();
        verifier
            .apply(&format!("{NS}/configmaps/alice-start"), echo)
            .await;
        verifier
            .apply(&format!("{NS}/persistentvolumeclaims/alice-home"), echo)
            .await;
        verifier
            .refuse(&format!("{APPS}/statefulsets/alice"), code, message)
            .await;
        let status = expect_status(&mut verifier, &answer).await;
        let status = &status["status"];
        // What the notebook was (running at the old image), at the new generation, degraded with the reason.
        assert_eq!(
            without_messages(status),
            json!({
                "phase": "Running",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "True", "ServerReady", T0],
                    ["Progressing", "False", "RolloutComplete", T0],
                    ["Degraded", "True", reason, T1],
                ]),
                "observedGeneration": 2,
                "server": {"image": OLD_IMAGE},
            })
        );
        let said = status["conditions"][2]["message"].as_str().unwrap();
        assert!(
            !said.contains("\"alice\""),
            "quoted values are blanked: {said}"
        );
        let event = verifier.event("notebooks", reason).await;
        assert_eq!(event["type"], "Warning");
        assert_eq!(event["note"].as_str(), Some(said));
        verifier
    })
    .await;
    let error = result.expect_err("the apply was refused");
    assert!(
        matches!(&error, Error::Kube(kube::Error::Api(s)) if s.code == code.as_u16()),
        "{error}"
    );
    // Still retried with backoff: the error may be fixed outside the notebook (RBAC, quota).
    let action = error_policy(scenario::untyped(&nb), &error, ctx.clone());
    assert_eq!(action, Action::requeue(Duration::from_secs(5)));
    finish(ctx, server).await;
}

#[tokio::test]
async fn an_immutable_field_is_degraded_with_its_reason() {
    let message = r#"StatefulSet.apps "alice" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"#;
    refused(StatusCode::UNPROCESSABLE_ENTITY, message, "ImmutableField").await;
}

#[tokio::test]
async fn a_forbidden_apply_is_degraded_with_its_reason() {
    let message = r#"statefulsets.apps "alice" is forbidden: User "system:serviceaccount:jupyflux-system:jupyflux-controller" cannot patch resource "statefulsets""#;
    refused(StatusCode::FORBIDDEN, message, "Forbidden").await;
}

#[tokio::test]
async fn an_exceeded_quota_is_degraded_with_its_reason() {
    let message = r#"statefulsets.apps "alice" is forbidden: exceeded quota: compute, requested: limits.memory=4Gi, used: limits.memory=30Gi, limited: limits.memory=32Gi"#;
    refused(StatusCode::FORBIDDEN, message, "QuotaExceeded").await;
}

/// `alice` with the hibernate annotation set to `value`.
fn annotated(
    generation: i64,
    spec: Value,
    status: Value,
    value: &str,
) -> jupyflux::notebook::Notebook {
    let mut nb = notebook(generation, spec, status);
    nb.metadata.annotations =
        Some([("jupyflux.dev/hibernate".to_owned(), value.to_owned())].into());
    nb
}

#[tokio::test]
async fn the_hibernate_annotation_stops_the_server_and_keeps_its_storage() {
    let nb = annotated(1, json!({}), running(1), "true");
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let children = expect_children(&mut verifier, stateful_set_answer(1, ready())).await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        // The home volume is still applied (kept), and not owned: it survives even a deletion.
        assert_eq!(children[1]["kind"], "PersistentVolumeClaim");
        assert_eq!(children[1]["metadata"]["ownerReferences"], Value::Null);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(status["status"]["phase"], "Hibernated");
        let event = verifier.event("notebooks", "Hibernated").await;
        assert_eq!(event["action"], "Stop");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_hibernated_notebook_with_culling_stays_down_without_reading_its_pod() {
    // Hibernated by annotation, with every culling setting: its pod is not read, its replicas stay 0.
    let culling =
        json!({"culling": {"idleTimeout": "1h", "maxStarting": "10m", "maxFailed": "5m"}});
    let nb = annotated(1, culling, Value::Null, "true");
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let down = json!({"replicas": 0});
        let children = expect_children(&mut verifier, stateful_set_answer(1, down)).await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(status["status"]["phase"], "Hibernated");
        verifier.event("notebooks", "Hibernated").await;
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn removing_the_annotation_starts_the_server_again() {
    let mut hibernated = running(1);
    hibernated["phase"] = json!("Hibernated");
    let nb = annotated(1, json!({}), hibernated, "false");
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let children = expect_children(
            &mut verifier,
            stateful_set_answer(1, json!({"replicas": 0})),
        )
        .await;
        assert_eq!(children[2]["spec"]["replicas"], 1);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(status["status"]["phase"], "Pending");
        verifier.event("notebooks", "Starting").await;
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn at_next_stop_keeps_a_working_session_and_lists_the_change_as_pending() {
    let spec = json!({"image": NEW_IMAGE, "updatePolicy": "atNextStop"});
    let nb = notebook(2, spec, running(1));
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let children = expect_children(&mut verifier, stateful_set_answer(1, ready())).await;
        // The running server keeps its image: no restart.
        assert_eq!(
            children[2]["spec"]["template"]["spec"]["containers"][0]["image"],
            OLD_IMAGE
        );
        assert_eq!(children[2]["spec"]["replicas"], 1);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(
            without_messages(&status["status"]),
            json!({
                "phase": "Running",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "True", "ServerReady", T0],
                    ["Progressing", "False", "RolloutComplete", T0],
                    ["Degraded", "False", "AsExpected", T0],
                    ["ChangesPending", "True", "AtNextStop", T1],
                ]),
                "observedGeneration": 2,
                "pendingChanges": ["image"],
                "server": {"image": OLD_IMAGE},
            })
        );
        let event = verifier.event("notebooks", "ChangesPending").await;
        assert_eq!(event["type"], "Normal");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_held_back_change_is_applied_when_the_server_stops() {
    // The pending image change, then the notebook is hibernated: the StatefulSet gets the new image at zero
    // replicas, and the change stays pending until the server next runs.
    let spec = json!({"image": NEW_IMAGE, "updatePolicy": "atNextStop"});
    let mut status = running(2);
    status["pendingChanges"] = json!(["image"]);
    let nb = annotated(2, spec, status, "true");
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let down = json!({"replicas": 0, "observedGeneration": 2});
        let children = expect_children(&mut verifier, stateful_set_answer(2, down)).await;
        assert_eq!(
            children[2]["spec"]["template"]["spec"]["containers"][0]["image"],
            NEW_IMAGE
        );
        assert_eq!(children[2]["spec"]["replicas"], 0);
        let status = expect_status(&mut verifier, &answer).await;
        let status = &status["status"];
        assert_eq!(status["phase"], "Hibernated");
        assert_eq!(status["pendingChanges"], json!(["image"]));
        assert_eq!(status["conditions"][3]["reason"], "ServerStopped");
        verifier.event("notebooks", "Hibernated").await;
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

/// The server's pod, created at `T0`, not ready since `since`, its container waiting for `reason`.
fn stuck_pod(since: &str, reason: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "alice-0", "namespace": "notebooks", "creationTimestamp": T0},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": since}],
            "containerStatuses": [{"name": "notebook", "image": "i", "imageID": "", "ready": false,
                                   "restartCount": 0, "state": {"waiting": {"reason": reason}}}],
        },
    })
}

/// Reconcile a pending `alice` with `culling` whose pod is `pod`; expect it culled for `reason`.
async fn culled_for(culling: Value, pod: Value, reason: &'static str) {
    let mut pending = running(1);
    pending["phase"] = json!("Pending");
    let nb = notebook(1, json!({"culling": culling}), pending);
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        verifier.get(POD, Some(pod)).await;
        let children = expect_children(
            &mut verifier,
            stateful_set_answer(1, json!({"replicas": 1})),
        )
        .await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        // The home volume stays (retained, not owned).
        assert_eq!(children[1]["metadata"]["ownerReferences"], Value::Null);
        let status = expect_status(&mut verifier, &answer).await;
        let status = &status["status"];
        assert_eq!(status["phase"], "Culled");
        assert_eq!(status["conditions"][0]["reason"], reason);
        let event = verifier.event("notebooks", reason).await;
        assert_eq!(event["action"], "Stop");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_server_stuck_starting_is_culled_after_max_starting() {
    // Not ready since T0, the clock at T1 (an hour later), 30 minutes allowed.
    culled_for(
        json!({"maxStarting": "30m"}),
        stuck_pod(T0, "ContainerCreating"),
        "StartTimeout",
    )
    .await;
}

#[tokio::test]
async fn a_failing_server_is_culled_after_max_failed() {
    culled_for(
        json!({"maxFailed": "45m"}),
        stuck_pod(T0, "CrashLoopBackOff"),
        "FailureTimeout",
    )
    .await;
}

#[tokio::test]
async fn a_server_starting_within_max_starting_is_looked_at_again_at_the_deadline() {
    // Not ready for 10 minutes of the 30 allowed: kept, looked at again in 20 minutes.
    let nb = notebook(1, json!({"culling": {"maxStarting": "30m"}}), Value::Null);
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        verifier
            .get(
                POD,
                Some(stuck_pod("2026-01-01T00:50:00Z", "ContainerCreating")),
            )
            .await;
        expect_checks(&mut verifier, |_, name| Some(ours(name))).await;
        let children = applies(
            &mut verifier,
            stateful_set_answer(1, json!({"replicas": 1})),
        )
        .await;
        assert_eq!(children[2]["spec"]["replicas"], 1);
        expect_status(&mut verifier, &answer).await;
        verifier.event("notebooks", "Starting").await;
        verifier
    })
    .await;
    assert_eq!(
        result.unwrap(),
        Action::requeue(Duration::from_secs(20 * 60))
    );
    finish(ctx, server).await;
}
