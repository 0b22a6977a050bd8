//! Culling against a mocked API server: an idle exit or the maximum age scales a notebook to zero with phase
//! `Culled` and `idleSince`; a culled notebook stays down without its pod being read; a spec change wakes it.

#[path = "controller/alice.rs"]
mod alice;
#[path = "controller/rbac.rs"]
mod rbac;
#[path = "controller/scenario.rs"]
mod scenario;
#[path = "controller/verifier.rs"]
mod verifier;

use alice::{T0, T1, URL, conditions, expect_children, expect_status, notebook, running};
use alice::{stateful_set_answer, without_messages};
use jupyflux::controller::RESYNC;
use jupyflux::controller::cull::Culled;
use jupyflux::controller::status::{Observation, culled};
use jupyflux::notebook::culling::CullReason;
use kube::runtime::controller::Action;
use scenario::{finish, run};
use serde_json::{Value, json};
use std::time::Duration;

const POD: &str = "/api/v1/namespaces/notebooks/pods/alice-0";

/// The server's pod: its container `notebook` running since `started`, and last stopped as `last` (if any).
fn pod(started: &str, last: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "alice-0", "namespace": "notebooks"},
        "status": {"containerStatuses": [{
            "name": "notebook", "image": "i", "imageID": "", "ready": true, "restartCount": 1,
            "state": {"running": {"startedAt": started}},
            "lastState": last,
        }]},
    })
}

fn idle_timeout() -> Value {
    json!({"culling": {"idleTimeout": 600}})
}

#[tokio::test]
async fn an_idle_exit_scales_the_notebook_to_zero() {
    let nb = notebook(1, idle_timeout(), running(1));
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let idle = json!({"terminated": {"exitCode": 0, "message": "idle\n", "finishedAt": T0}});
        verifier.get(POD, Some(pod(T1, idle))).await;
        let still_running = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(1, still_running)).await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(
            without_messages(&status["status"]),
            json!({
                "phase": "Culled",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "False", "IdleTimeout", T1],
                    ["Progressing", "True", "ScalingDown", T1],
                    ["Degraded", "False", "AsExpected", T0],
                ]),
                "observedGeneration": 1,
                "idleSince": T0,
                "server": {"image": "quay.io/jupyter/base-notebook:2025-01-13"},
            })
        );
        let event = verifier.event("notebooks", "IdleTimeout").await;
        assert_eq!(event["action"], "Stop");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_server_that_never_went_idle_keeps_running() {
    let nb = notebook(1, idle_timeout(), running(1));
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let crashed = json!({"terminated": {"exitCode": 1, "finishedAt": T0}});
        verifier.get(POD, Some(pod(T1, crashed))).await;
        let ready = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(1, ready)).await;
        assert_eq!(children[2]["spec"]["replicas"], 1);
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn max_age_is_checked_again_when_it_will_be_reached() {
    // Started half an hour before the clock (T1); one hour allowed: look again in 30 minutes.
    let nb = notebook(1, json!({"culling": {"maxAge": 3600}}), running(1));
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        verifier
            .get(POD, Some(pod("2026-01-01T00:30:00Z", Value::Null)))
            .await;
        let ready = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
        expect_children(&mut verifier, stateful_set_answer(1, ready)).await;
        verifier
    })
    .await;
    assert_eq!(
        result.unwrap(),
        Action::requeue(Duration::from_secs(30 * 60))
    );
    finish(ctx, server).await;
}

/// The status the controller wrote when it culled `alice` at `T0`, once scaled to zero.
fn culled_status(generation: i64) -> Value {
    let spec = notebook(generation, idle_timeout(), Value::Null).spec;
    let reason = Culled {
        reason: CullReason::Idle,
        since: Some(T0.into()),
    };
    let status = culled(
        None,
        &spec,
        "alice",
        Some(generation),
        &Observation::default(),
        &reason,
        T0,
    );
    serde_json::to_value(status).unwrap()
}

#[tokio::test]
async fn a_culled_notebook_stays_down_without_reading_its_pod() {
    let nb = notebook(1, idle_timeout(), culled_status(1));
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let down = json!({"replicas": 0, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(1, down)).await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        // Unchanged status: no status patch.
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_spec_change_wakes_a_culled_notebook() {
    let mut spec = idle_timeout();
    spec["image"] = json!("quay.io/jupyter/base-notebook:2025-02-01");
    let nb = notebook(2, spec, culled_status(1));
    let answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        verifier.get(POD, None).await;
        let fresh = json!({"replicas": 0, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(2, fresh)).await;
        assert_eq!(children[2]["spec"]["replicas"], 1);
        let status = expect_status(&mut verifier, &answer).await;
        assert_eq!(status["status"]["phase"], "Pending");
        assert_eq!(status["status"]["observedGeneration"], 2);
        assert_eq!(status["status"]["idleSince"], Value::Null);
        verifier.event("notebooks", "Starting").await;
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}
