//! The notebook `alice` of the controller scenarios: the object, its statuses, and the requests reconciling it
//! makes.

#![allow(dead_code)]
use crate::verifier::Verifier;
use jupyflux::notebook::Notebook;
use serde_json::{Value, json};

pub const T0: &str = "2026-01-01T00:00:00Z";
pub const T1: &str = "2026-01-01T01:00:00Z";
pub const URL: &str = "https://nb.example.org/notebooks/alice/";
pub const NS: &str = "/api/v1/namespaces/notebooks";
const APPS: &str = "/apis/apps/v1/namespaces/notebooks";
const NET: &str = "/apis/networking.k8s.io/v1/namespaces/notebooks";
const STATUS: &str = "/apis/jupyflux.dev/v1alpha1/namespaces/notebooks/notebooks/alice/status";

/// The notebook `alice` at `generation`, `spec` merged over a valid one, with `status` when not null.
pub fn notebook(generation: i64, spec: Value, status: Value) -> Notebook {
    let mut object = json!({
        "apiVersion": "jupyflux.dev/v1alpha1",
        "kind": "Notebook",
        "metadata": {"name": "alice", "namespace": "notebooks", "uid": "uid-alice", "generation": generation},
        "spec": {
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "owner": "alice",
            "storage": {"new": {"size": "1Gi"}},
            "routing": {"host": "nb.example.org", "pathPrefix": "/notebooks/alice",
                        "tls": {"secretName": "notebooks-tls"}},
            "auth": {"token": {"vault": "notebooks/alice#token"}},
        },
    });
    for (key, value) in spec.as_object().unwrap() {
        object["spec"][key] = value.clone();
    }
    if !status.is_null() {
        object["status"] = status;
    }
    serde_json::from_value(object).unwrap()
}

/// Conditions as written in a status: `[type, status, reason, lastTransitionTime]` each.
pub fn conditions<const N: usize>(wanted: [[&str; 4]; N]) -> Vec<Value> {
    wanted
        .iter()
        .map(|[kind, status, reason, time]| {
            json!({"type": kind, "status": status, "reason": reason, "lastTransitionTime": time})
        })
        .collect()
}

/// `status` with the messages left out (they are prose; the reasons are the contract).
pub fn without_messages(status: &Value) -> Value {
    let mut status = status.clone();
    for condition in status["conditions"].as_array_mut().into_iter().flatten() {
        condition.as_object_mut().unwrap().remove("message");
    }
    status
}

/// The status of a running notebook as the controller wrote it at `T0`, for `generation`.
pub fn running(generation: i64) -> Value {
    json!({
        "phase": "Running",
        "url": URL,
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "ServerReady",
             "message": "the notebook server is ready", "lastTransitionTime": T0},
            {"type": "Progressing", "status": "False", "reason": "RolloutComplete",
             "message": "the server runs the latest spec", "lastTransitionTime": T0},
            {"type": "Degraded", "status": "False", "reason": "AsExpected",
             "message": "the spec is valid", "lastTransitionTime": T0},
        ],
        "observedGeneration": generation,
        "server": {"image": "quay.io/jupyter/base-notebook:2025-01-13"},
    })
}

/// The StatefulSet as the server answers an apply: the applied object with `generation` and `status`.
pub fn stateful_set_answer(generation: i64, status: Value) -> impl FnOnce(&Value) -> Value {
    move |applied| {
        let mut answer = applied.clone();
        answer["metadata"]["generation"] = json!(generation);
        answer["status"] = status;
        answer
    }
}

/// The six children of `alice` in `children()`'s order: collection path, kind and name.
pub const CHILDREN: [(&str, &str, &str); 6] = [
    (
        "/api/v1/namespaces/notebooks/configmaps",
        "ConfigMap",
        "alice-start",
    ),
    (
        "/api/v1/namespaces/notebooks/persistentvolumeclaims",
        "PersistentVolumeClaim",
        "alice-home",
    ),
    (
        "/apis/apps/v1/namespaces/notebooks/statefulsets",
        "StatefulSet",
        "alice",
    ),
    ("/api/v1/namespaces/notebooks/services", "Service", "alice"),
    (
        "/apis/networking.k8s.io/v1/namespaces/notebooks/ingresses",
        "Ingress",
        "alice",
    ),
    (
        "/apis/networking.k8s.io/v1/namespaces/notebooks/networkpolicies",
        "NetworkPolicy",
        "alice",
    ),
];

/// The metadata of `name` as the controller leaves it: labelled as alice's, owned by her.
pub fn ours(name: &str) -> Value {
    json!({
        "name": name, "namespace": "notebooks",
        "labels": {"app.kubernetes.io/managed-by": "jupyflux",
                   "data-manager.informaticsmatters.com/instance": "alice"},
        "ownerReferences": [{"apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook", "name": "alice",
                             "uid": "uid-alice", "controller": true, "blockOwnerDeletion": true}],
    })
}

/// Expect the ownership check of every child (a list by name each, before any apply), answered by
/// `found(kind, name)`.
pub async fn expect_checks(verifier: &mut Verifier, found: impl Fn(&str, &str) -> Option<Value>) {
    for (path, kind, name) in CHILDREN {
        verifier.list(path, name, found(kind, name)).await;
    }
}

/// Expect the ownership checks answered with alice's own children, then the six applies: see [`applies`].
pub async fn expect_children(
    verifier: &mut Verifier,
    stateful_set: impl FnOnce(&Value) -> Value,
) -> Vec<Value> {
    expect_checks(verifier, |_, name| Some(ours(name))).await;
    applies(verifier, stateful_set).await
}

/// Expect the six child applies in `children()`'s order; answer the StatefulSet with `stateful_set`; return the
/// applied bodies.
pub async fn applies(
    verifier: &mut Verifier,
    stateful_set: impl FnOnce(&Value) -> Value,
) -> Vec<Value> {
    let echo = |body: &Value| body.clone();
    vec![
        verifier
            .apply(&format!("{NS}/configmaps/alice-start"), echo)
            .await,
        verifier
            .apply(&format!("{NS}/persistentvolumeclaims/alice-home"), echo)
            .await,
        verifier
            .apply(&format!("{APPS}/statefulsets/alice"), stateful_set)
            .await,
        verifier.apply(&format!("{NS}/services/alice"), echo).await,
        verifier
            .apply(&format!("{NET}/ingresses/alice"), echo)
            .await,
        verifier
            .apply(&format!("{NET}/networkpolicies/alice"), echo)
            .await,
    ]
}

/// Expect the status apply; answer with the notebook carrying it; return the applied body.
pub async fn expect_status(verifier: &mut Verifier, notebook: &Notebook) -> Value {
    let mut answer = serde_json::to_value(notebook).unwrap();
    verifier
        .apply(STATUS, move |body| {
            answer["status"] = body["status"].clone();
            answer
        })
        .await
}
