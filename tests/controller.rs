//! `jupyflux controller`'s reconcile against a mocked API server: the exact requests of each scenario, their key
//! body facts, the status written, and the requeue decided.

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
use jupyflux::controller::{Error, RESYNC, error_policy, reconcile};
use kube::runtime::controller::Action;
use scenario::{context, finish, run, serve, untyped};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use verifier::{client, within};

#[tokio::test]
async fn a_new_notebook_gets_its_children_and_a_pending_status() {
    let nb = notebook(1, json!({}), Value::Null);
    let status_answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let fresh = stateful_set_answer(1, json!({"replicas": 0}));
        // Nothing of that name exists yet: every child is checked, then applied.
        expect_checks(&mut verifier, |_, _| None).await;
        let children = applies(&mut verifier, fresh).await;
        let kinds: Vec<&str> = children.iter().map(|c| c["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["ConfigMap", "PersistentVolumeClaim", "StatefulSet", "Service", "Ingress", "NetworkPolicy"]
        );
        let owner = json!([{"apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook", "name": "alice",
                            "uid": "uid-alice", "controller": true, "blockOwnerDeletion": true}]);
        for child in &children {
            let refs = &child["metadata"]["ownerReferences"];
            if child["kind"] == "PersistentVolumeClaim" {
                // Retained by default: not owned, so the garbage collector leaves it.
                assert_eq!(refs, &Value::Null, "{child}");
                assert_eq!(child["metadata"]["annotations"]["jupyflux.dev/volume-policy"], "retain");
            } else {
                assert_eq!(refs, &owner, "{child}");
            }
        }
        assert_eq!(children[2]["spec"]["replicas"], 1);
        let status = expect_status(&mut verifier, &status_answer).await;
        assert_eq!((&status["apiVersion"], &status["kind"]), (&json!("jupyflux.dev/v1alpha1"), &json!("Notebook")));
        assert_eq!(
            without_messages(&status["status"]),
            json!({
                "phase": "Pending",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "False", "Starting", T1],
                    ["Progressing", "True", "RollingOut", T1],
                    ["Degraded", "False", "AsExpected", T1],
                ]),
                "observedGeneration": 1,
            })
        );
        let event = verifier.event("notebooks", "Starting").await;
        assert_eq!(event["type"], "Normal");
        assert_eq!(event["action"], "Start");
        assert_eq!(
            (&event["regarding"]["name"], &event["regarding"]["uid"]),
            (&json!("alice"), &json!("uid-alice"))
        );
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    assert!(
        ctx.metrics
            .render()
            .contains("jupyflux_reconciles_total 1\n")
    );
    assert_eq!(ctx.metrics.failures(), 0);
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_settled_notebook_is_applied_again_but_its_status_is_not_patched() {
    let nb = notebook(1, json!({}), running(1));
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let ready = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
        expect_children(&mut verifier, stateful_set_answer(1, ready)).await;
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    // Exactly the six applies: `finish` fails on any further request (a status patch would be one).
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_new_image_is_applied_and_the_new_generation_observed() {
    let image = "quay.io/jupyter/base-notebook:2025-02-01";
    let nb = notebook(2, json!({"image": image}), running(1));
    let status_answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        // The StatefulSet controller has not caught up with the new template yet.
        let rolling = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 0, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(2, rolling)).await;
        assert_eq!(children[2]["spec"]["template"]["spec"]["containers"][0]["image"], image);
        let status = expect_status(&mut verifier, &status_answer).await;
        assert_eq!(
            without_messages(&status["status"]),
            json!({
                "phase": "Pending",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "False", "Starting", T1],
                    ["Progressing", "True", "RollingOut", T1],
                    ["Degraded", "False", "AsExpected", T0],
                    ["ChangesPending", "True", "RollingOut", T1],
                ]),
                "observedGeneration": 2,
                "pendingChanges": ["image"],
                "server": {"image": "quay.io/jupyter/base-notebook:2025-01-13"},
            })
        );
        let events = verifier.events("notebooks", &["Starting", "ChangesPending"]).await;
        assert_eq!(events[1]["note"].as_str().unwrap().split(':').next(), Some("image"));
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_hibernated_notebook_scales_to_zero() {
    let nb = notebook(3, json!({"hibernated": true}), running(2));
    let status_answer = nb.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let stopping = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 3});
        let children = expect_children(&mut verifier, stateful_set_answer(3, stopping)).await;
        assert_eq!(children[2]["spec"]["replicas"], 0);
        let status = expect_status(&mut verifier, &status_answer).await;
        assert_eq!(
            without_messages(&status["status"]),
            json!({
                "phase": "Hibernated",
                "url": URL,
                "conditions": conditions([
                    ["Ready", "False", "Hibernated", T1],
                    ["Progressing", "True", "ScalingDown", T1],
                    ["Degraded", "False", "AsExpected", T0],
                ]),
                "observedGeneration": 3,
                "server": {"image": "quay.io/jupyter/base-notebook:2025-01-13"},
            })
        );
        let event = verifier.event("notebooks", "Hibernated").await;
        assert_eq!(event["action"], "Stop");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_deleting_notebook_is_not_applied() {
    let mut nb = notebook(1, json!({}), running(1));
    nb.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        T1.parse().unwrap(),
    ));
    let (result, ctx, server) = run(nb, |verifier| async move { verifier }).await;
    assert_eq!(result.unwrap(), Action::await_change());
    // No request at all: the owned children go with the garbage collector, a retained volume stays.
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_volume_with_the_delete_policy_is_owned() {
    let nb = notebook(
        1,
        json!({"storage": {"new": {"size": "1Gi", "policy": "delete"}}}),
        running(1),
    );
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let ready = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
        let children = expect_children(&mut verifier, stateful_set_answer(1, ready)).await;
        assert_eq!(children[1]["metadata"]["ownerReferences"][0]["uid"], "uid-alice");
        assert_eq!(children[1]["metadata"]["annotations"]["jupyflux.dev/volume-policy"], "delete");
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn conflicts_and_server_errors_are_requeued_with_a_growing_backoff() {
    let nb = untyped(&notebook(1, json!({}), Value::Null));
    let (client, verifier) = client();
    let ctx = context(client);
    let server = serve(verifier, |mut verifier| async move {
        let found = |_: &str, name: &str| Some(ours(name));
        expect_checks(&mut verifier, found).await;
        verifier
            .fail(
                &format!("{NS}/configmaps/alice-start"),
                StatusCode::CONFLICT,
            )
            .await;
        let event = verifier.event("notebooks", "ReconcileFailed").await;
        assert_eq!(event["type"], "Warning");
        assert!(
            event["note"]
                .as_str()
                .unwrap()
                .starts_with("Conflict (409): mocked"),
            "{event}"
        );
        // A failed reconcile forgets what it knew: the children are checked again.
        expect_checks(&mut verifier, found).await;
        let echo = |body: &Value| body.clone();
        verifier
            .apply(&format!("{NS}/configmaps/alice-start"), echo)
            .await;
        verifier
            .fail(
                &format!("{NS}/persistentvolumeclaims/alice-home"),
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .await;
        // The same event again: counted in its series (a merge patch), not a new event.
        let repeat = verifier.event("notebooks", "ReconcileFailed").await;
        assert_eq!(repeat["series"]["count"], 2);
        verifier
    });
    for (code, delay) in [(409, 5), (500, 10)] {
        let error = within("reconcile", reconcile(nb.clone(), ctx.clone()))
            .await
            .expect_err("the API failed");
        assert!(
            matches!(&error, Error::Kube(kube::Error::Api(status)) if status.code == code),
            "{error:?}"
        );
        let action = error_policy(nb.clone(), &error, ctx.clone());
        assert_eq!(action, Action::requeue(Duration::from_secs(delay)));
    }
    assert_eq!(ctx.metrics.failures(), 2);
    assert!(
        ctx.metrics
            .render()
            .contains("jupyflux_reconcile_failures_total 2\n")
    );
    finish(ctx, server).await;
}

#[tokio::test]
async fn an_invalid_spec_is_degraded_and_nothing_is_applied() {
    let root = json!({"securityContext": {"runAsUser": 0}});
    let nb = notebook(4, root.clone(), running(3));
    let status_answer = nb.clone();
    let written = Arc::new(Mutex::new(Value::Null));
    let keep = written.clone();
    let (result, ctx, server) = run(nb, |mut verifier| async move {
        let status = expect_status(&mut verifier, &status_answer).await;
        let status = &status["status"];
        *keep.lock().unwrap() = status.clone();
        assert_eq!(
            without_messages(status),
            json!({
                "phase": "Failed",
                "conditions": conditions([
                    ["Ready", "False", "InvalidSpec", T1],
                    ["Progressing", "False", "InvalidSpec", T0],
                    ["Degraded", "True", "InvalidSpec", T1],
                ]),
                "observedGeneration": 4,
                "server": {"image": "quay.io/jupyter/base-notebook:2025-01-13"},
            })
        );
        let message = status["conditions"][2]["message"].as_str().unwrap();
        assert!(
            message.starts_with(
                "spec.securityContext.runAsUser: runAsUser 0 runs the notebook as root"
            ),
            "{message}"
        );
        let events = verifier
            .events("notebooks", &["InvalidSpec", "InvalidSpec"])
            .await;
        assert_eq!(
            [&events[0]["type"], &events[1]["type"]],
            ["Warning", "Warning"]
        );
        verifier
    })
    .await;
    assert_eq!(result.unwrap(), Action::await_change());
    finish(ctx, server).await;

    // Reconciled again with the status it wrote stored: nothing to do, not even a status patch.
    let written = written.lock().unwrap().clone();
    let (result, ctx, server) = run(
        notebook(4, root, written),
        |verifier| async move { verifier },
    )
    .await;
    assert_eq!(result.unwrap(), Action::await_change());
    finish(ctx, server).await;
}
