//! The controller in a shared cluster, against a mocked API server: an undecodable notebook is reported on its own
//! while the others carry on, a child name taken by someone else's object is left alone, a route held by an
//! earlier notebook gets no second Ingress, and readiness lists only the watched namespaces.

#[path = "controller/alice.rs"]
mod alice;
#[path = "controller/rbac.rs"]
mod rbac;
#[path = "controller/scenario.rs"]
mod scenario;
#[path = "controller/verifier.rs"]
mod verifier;

use alice::{
    CHILDREN, T0, T1, applies, conditions, expect_checks, expect_status, notebook, ours,
    stateful_set_answer, without_messages,
};
use jupyflux::controller::run::{mark_ready, notebooks};
use jupyflux::controller::{CONFLICT_RECHECK, RESYNC, reconcile};
use jupyflux::notebook::Notebook;
use kube::api::{ApiResource, DynamicObject};
use kube::runtime::controller::Action;
use kube::runtime::reflector::store::Writer;
use kube::runtime::watcher::Event;
use scenario::{context, finish, serve, untyped};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use verifier::{client, within};

const NOTEBOOKS: &str = "/apis/jupyflux.dev/v1alpha1/namespaces/notebooks/notebooks";

/// `bob`, stored before the CRD was strict: a volume policy the type does not know, and a secret-looking value.
fn undecodable_bob() -> Arc<DynamicObject> {
    let object = json!({
        "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
        "metadata": {"name": "bob", "namespace": "notebooks", "uid": "uid-bob", "generation": 2},
        "spec": {
            "image": "quay.io/jupyter/base-notebook:2025-01-13", "owner": "bob",
            "storage": {"new": {"size": "1Gi", "policy": "hunter2"}},
            "routing": {}, "auth": {"token": {"vault": "notebooks/bob#token"}},
        },
    });
    Arc::new(serde_json::from_value(object).unwrap())
}

#[tokio::test]
async fn an_undecodable_notebook_is_degraded_and_the_others_carry_on() {
    let (client, verifier) = client();
    let ctx = context(client);
    let alice = notebook(1, json!({}), Value::Null);
    let alice_answer = alice.clone();
    let server = serve(verifier, |mut verifier| async move {
        let status = verifier
            .apply(&format!("{NOTEBOOKS}/bob/status"), |body| {
                let mut answer = serde_json::to_value(&*undecodable_bob()).unwrap();
                answer["status"] = body["status"].clone();
                answer
            })
            .await;
        let status = &status["status"];
        assert_failed(
            status,
            "Undecodable",
            2,
            "spec.storage.new.policy: unknown variant",
        );
        assert!(!status.to_string().contains("hunter2"), "{status}");
        let events = verifier
            .events("notebooks", &["Undecodable", "Undecodable"])
            .await;
        assert!(!events[1].to_string().contains("hunter2"), "{events:?}");
        // alice, reconciled next, is not held up by bob.
        expect_checks(&mut verifier, |_, _| None).await;
        applies(
            &mut verifier,
            stateful_set_answer(1, json!({"replicas": 0})),
        )
        .await;
        let status = expect_status(&mut verifier, &alice_answer).await;
        assert_eq!(status["status"]["phase"], "Pending");
        verifier.event("notebooks", "Starting").await;
        verifier
    });
    let bad = within("reconcile bob", reconcile(undecodable_bob(), ctx.clone())).await;
    // Not an error: retrying cannot help, the next change of bob's spec reconciles it again.
    assert_eq!(bad.unwrap(), Action::await_change());
    let good = within("reconcile alice", reconcile(untyped(&alice), ctx.clone())).await;
    assert_eq!(good.unwrap(), Action::requeue(RESYNC));
    assert_eq!(ctx.metrics.failures(), 0);
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_child_name_taken_by_a_foreign_object_is_left_alone() {
    let (client, verifier) = client();
    let ctx = context(client);
    let alice = notebook(1, json!({}), Value::Null);
    let answer = alice.clone();
    let server = serve(verifier, |mut verifier| async move {
        // The hub chart's Service of that name: Helm's labels, no owner reference.
        let helm = json!({"name": "alice", "namespace": "notebooks",
                          "labels": {"app.kubernetes.io/managed-by": "Helm", "component": "hub"}});
        for (path, kind, name) in &CHILDREN[..4] {
            let found = (*kind == "Service").then(|| helm.clone());
            verifier.list(path, name, found).await;
        }
        // Nothing is applied: the status says why, naming the object.
        let status = expect_status(&mut verifier, &answer).await;
        let status = &status["status"];
        assert_failed(
            status,
            "Conflict",
            1,
            "Service/alice exists and is not this notebook's",
        );
        verifier
            .events("notebooks", &["Conflict", "Conflict"])
            .await;
        verifier
    });
    let result = within("reconcile", reconcile(untyped(&alice), ctx.clone())).await;
    assert_eq!(result.unwrap(), Action::requeue(CONFLICT_RECHECK));
    finish(ctx, server).await;
}

/// A notebook as the watch stores it, created at `created`.
fn stored(notebook: &Notebook, created: &str) -> DynamicObject {
    let mut object = serde_json::to_value(notebook).unwrap();
    object["metadata"]["creationTimestamp"] = json!(created);
    serde_json::from_value(object).unwrap()
}

#[tokio::test]
async fn the_later_of_two_notebooks_on_one_route_gets_no_ingress() {
    let (client, verifier) = client();
    let ctx = context(client);
    // bob, created first, routes the same host and path as alice.
    let mut bob = notebook(1, json!({}), Value::Null);
    bob.metadata.name = Some("bob".into());
    bob.metadata.uid = Some("uid-bob".into());
    let alice = notebook(1, json!({}), Value::Null);
    let mut writer = Writer::<DynamicObject>::new(ApiResource::erase::<Notebook>(&()));
    writer.apply_watcher_event(&Event::Apply(stored(&bob, T0)));
    writer.apply_watcher_event(&Event::Apply(stored(&alice, T1)));
    ctx.watch_notebooks(writer.as_reader());
    let answer = alice.clone();
    let server = serve(verifier, |mut verifier| async move {
        let without_ingress = CHILDREN.iter().filter(|(_, kind, _)| *kind != "Ingress");
        for (path, _, name) in without_ingress.clone() {
            verifier.list(path, name, Some(ours(name))).await;
        }
        let fresh = stateful_set_answer(1, json!({"replicas": 0}));
        let mut fresh = Some(fresh);
        for (path, kind, name) in without_ingress {
            let body = if *kind == "StatefulSet" {
                verifier
                    .apply(&format!("{path}/{name}"), fresh.take().unwrap())
                    .await
            } else {
                verifier
                    .apply(&format!("{path}/{name}"), |b| b.clone())
                    .await
            };
            assert_ne!(body["kind"], "Ingress");
        }
        let status = expect_status(&mut verifier, &answer).await;
        let status = &status["status"];
        assert_eq!(
            without_messages(status),
            json!({
                "phase": "Pending",
                "conditions": conditions([
                    ["Ready", "False", "Starting", T1],
                    ["Progressing", "True", "RollingOut", T1],
                    ["Degraded", "True", "RouteConflict", T1],
                ]),
                "observedGeneration": 1,
            })
        );
        let message = status["conditions"][2]["message"].as_str().unwrap();
        assert_eq!(
            message,
            "host nb.example.org path /notebooks/alice is already routed to notebook notebooks/bob; \
             no Ingress was applied"
        );
        let events = verifier
            .events("notebooks", &["Starting", "RouteConflict"])
            .await;
        assert_eq!(events[1]["type"], "Warning");
        verifier
    });
    let result = within(
        "reconcile",
        reconcile(Arc::new(stored(&alice, T1)), ctx.clone()),
    )
    .await;
    assert_eq!(result.unwrap(), Action::requeue(CONFLICT_RECHECK));
    finish(ctx, server).await;
}

#[tokio::test]
async fn readiness_lists_each_watched_namespace_untyped() {
    let (client, verifier) = client();
    let ready = Arc::new(AtomicBool::new(false));
    let server = serve(verifier, |mut verifier| async move {
        for ns in ["data-manager", "notebooks"] {
            // An undecodable notebook in the list does not keep the controller unready.
            let bob = serde_json::to_value(&*undecodable_bob()).unwrap();
            let list = json!({"apiVersion": "jupyflux.dev/v1alpha1", "kind": "NotebookList",
                              "metadata": {}, "items": [bob]});
            let path = format!("/apis/jupyflux.dev/v1alpha1/namespaces/{ns}/notebooks");
            verifier.get(&path, Some(list)).await;
        }
        verifier
    });
    let lists = ["data-manager", "notebooks"]
        .iter()
        .map(|ns| notebooks(&client, Some(ns)))
        .collect();
    within("readiness", mark_ready(lists, ready.clone())).await;
    assert!(ready.load(Ordering::Relaxed));
    drop(client);
    if let Err(error) = within("the API server", server).await {
        std::panic::resume_unwind(error.into_panic());
    }
}

#[tokio::test]
async fn children_seen_to_be_ours_are_not_looked_up_again() {
    let (client, verifier) = client();
    let ctx = context(client);
    let alice = notebook(1, json!({}), Value::Null);
    let answer = alice.clone();
    let server = serve(verifier, |mut verifier| async move {
        let pending = || stateful_set_answer(1, json!({"replicas": 0}));
        expect_checks(&mut verifier, |_, name| Some(ours(name))).await;
        applies(&mut verifier, pending()).await;
        expect_status(&mut verifier, &answer).await;
        verifier.event("notebooks", "Starting").await;
        // The second reconcile in the same process: the six applies and the status, no lookups.
        applies(&mut verifier, pending()).await;
        expect_status(&mut verifier, &answer).await;
        verifier.event("notebooks", "Starting").await;
        verifier
    });
    for _ in 0..2 {
        let result = within("reconcile", reconcile(untyped(&alice), ctx.clone())).await;
        assert_eq!(result.unwrap(), Action::requeue(RESYNC));
    }
    finish(ctx, server).await;
}

/// The status of a notebook the controller refuses: `Failed`, not ready, degraded for `reason`, at `generation`,
/// its message beginning with `message`.
fn assert_failed(status: &Value, reason: &str, generation: i64, message: &str) {
    assert_eq!(
        without_messages(status),
        json!({
            "phase": "Failed",
            "conditions": conditions([
                ["Ready", "False", reason, T1],
                ["Progressing", "False", reason, T1],
                ["Degraded", "True", reason, T1],
            ]),
            "observedGeneration": generation,
        })
    );
    let said = status["conditions"][2]["message"].as_str().unwrap();
    assert!(said.starts_with(message), "{said}");
}
