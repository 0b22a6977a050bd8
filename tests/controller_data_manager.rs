//! A notebook the Squonk2 Data Manager creates at run time (`fixtures/data-manager/notebook.yaml`: image,
//! resources, securityContext, project and labels, nothing else), reconciled against a mocked API server with the
//! shipped Environments' defaults: its children (the project claim as home at the project's sub-path, its user and
//! group, the instance label, `/<name>` on the default host), the generated token Secret owned by it, and the
//! status URL the Data Manager reads — with the token only where the Environment opts in.

#[path = "controller/alice.rs"]
mod alice;
#[path = "controller/rbac.rs"]
mod rbac;
#[path = "controller/scenario.rs"]
mod scenario;
#[path = "controller/verifier.rs"]
mod verifier;

use alice::{T1, conditions, stateful_set_answer, without_messages};
use http::StatusCode;
use jupyflux::controller::{Context, RESYNC, reconcile};
use jupyflux::notebook::Notebook;
use jupyflux::notebook::children::ControllerConfig;
use kube::runtime::controller::Action;
use scenario::{finish, serve, untyped};
use serde_json::{Value, json};
use std::sync::Arc;
use verifier::{Verifier, client_in, within};

const NAME: &str = "instance-5e0a3c2d-1b7f-4e8a-9c6d-2f1e0b9a8c7d";
const CORE: &str = "/api/v1/namespaces/data-manager";
const APPS: &str = "/apis/apps/v1/namespaces/data-manager";
const NET: &str = "/apis/networking.k8s.io/v1/namespaces/data-manager";
const PROJECT: &str = "project-a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/// The fixture as the API server stores it: with a uid and a generation.
fn notebook() -> Notebook {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/data-manager/notebook.yaml"
    );
    let mut object: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    object["metadata"]["uid"] = json!("uid-dm");
    object["metadata"]["generation"] = json!(1);
    serde_json::from_value(object).unwrap()
}

/// The controller's configuration as `render` writes it for environment `env` of the shipped example.
fn config(env: &str) -> ControllerConfig {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = jupyflux::load::load(root).unwrap_or_else(|p| panic!("{p}"));
    let environment = model.environments.iter().find(|e| e.name == env).unwrap();
    ControllerConfig::of(&environment.name, &environment.definition.spec)
}

fn at_t1() -> String {
    T1.to_owned()
}

/// The five children (a project claim needs no volume of its own): collection, kind, name.
fn children() -> [(String, &'static str, String); 5] {
    [
        (
            format!("{CORE}/configmaps"),
            "ConfigMap",
            format!("{NAME}-start"),
        ),
        (
            format!("{APPS}/statefulsets"),
            "StatefulSet",
            NAME.to_owned(),
        ),
        (format!("{CORE}/services"), "Service", NAME.to_owned()),
        (format!("{NET}/ingresses"), "Ingress", NAME.to_owned()),
        (
            format!("{NET}/networkpolicies"),
            "NetworkPolicy",
            NAME.to_owned(),
        ),
    ]
}

/// Expect the ownership checks (nothing exists yet) and the five applies; return the applied bodies.
async fn expect_children(
    verifier: &mut Verifier,
    token: impl AsyncFnOnce(&mut Verifier),
) -> Vec<Value> {
    for (path, _, name) in children() {
        verifier.list(&path, &name, None).await;
    }
    token(verifier).await;
    let mut applied = Vec::new();
    for (path, kind, name) in children() {
        let answer: Box<dyn FnOnce(&Value) -> Value + Send> = if kind == "StatefulSet" {
            Box::new(stateful_set_answer(1, json!({"replicas": 0})))
        } else {
            Box::new(|body: &Value| body.clone())
        };
        applied.push(verifier.apply(&format!("{path}/{name}"), answer).await);
    }
    applied
}

/// Expect the status apply; return the status written.
async fn expect_status(verifier: &mut Verifier) -> Value {
    let mut answer = serde_json::to_value(notebook()).unwrap();
    let path =
        format!("/apis/jupyflux.dev/v1alpha1/namespaces/data-manager/notebooks/{NAME}/status");
    let body = verifier
        .apply(&path, move |body| {
            answer["status"] = body["status"].clone();
            answer
        })
        .await;
    body["status"].clone()
}

/// Reconcile the fixture once with environment `env`'s configuration while `scenario` plays the API server.
async fn reconcile_in<F>(
    env: &'static str,
    scenario: impl FnOnce(Verifier) -> F,
) -> (Action, Arc<Context>, tokio::task::JoinHandle<()>)
where
    F: Future<Output = Verifier> + Send + 'static,
{
    reconcile_notebook_in(env, notebook(), scenario).await
}

/// Reconcile `notebook` once with environment `env`'s configuration while `scenario` plays the API server.
async fn reconcile_notebook_in<F>(
    env: &'static str,
    notebook: Notebook,
    scenario: impl FnOnce(Verifier) -> F,
) -> (Action, Arc<Context>, tokio::task::JoinHandle<()>)
where
    F: Future<Output = Verifier> + Send + 'static,
{
    let (client, verifier) = client_in(env);
    let mut ctx = Context::new(client, config(env));
    ctx.clock = at_t1;
    let ctx = Arc::new(ctx);
    let server = serve(verifier, scenario);
    let result = within("reconcile", reconcile(untyped(&notebook), ctx.clone())).await;
    (result.unwrap(), ctx, server)
}

/// What `render` refuses in Git, the controller refuses at run time: the Data Manager's notebook with an image
/// from a registry production's policy does not allow is `Degraded` with the policy's message, and nothing is
/// applied (no children, no token Secret).
#[tokio::test]
async fn a_notebook_breaking_the_environments_policy_is_refused_and_nothing_applied() {
    let mut outlaw = notebook();
    outlaw.spec.image =
        jupyflux::model::image::PinnedImage::parse("docker.io/someone/miner:1").unwrap();
    let (action, ctx, server) = reconcile_notebook_in("production", outlaw, |mut verifier| async move {
        let status = expect_status(&mut verifier).await;
        assert_eq!(
            without_messages(&status),
            json!({
                "phase": "Failed",
                "conditions": conditions([
                    ["Ready", "False", "InvalidSpec", T1],
                    ["Progressing", "False", "InvalidSpec", T1],
                    ["Degraded", "True", "InvalidSpec", T1],
                ]),
                "observedGeneration": 1,
            })
        );
        let message = status["conditions"][2]["message"].as_str().unwrap();
        assert!(
            message.starts_with("spec.image: image `docker.io/someone/miner:1` is not from a registry the policy of environment `production` allows"),
            "{message}"
        );
        verifier.events("data-manager", &["InvalidSpec", "InvalidSpec"]).await;
        verifier
    })
    .await;
    assert_eq!(action, Action::await_change());
    finish(ctx, server).await;

    // Staging has no policy: the same notebook is started.
    let mut free = notebook();
    free.spec.image =
        jupyflux::model::image::PinnedImage::parse("docker.io/someone/miner:1").unwrap();
    let plan = jupyflux::controller::reconcile::plan(&free, &config("staging")).unwrap();
    assert!(
        matches!(plan, jupyflux::controller::reconcile::Plan::Apply { .. }),
        "{plan:?}"
    );
}

#[tokio::test]
async fn a_data_manager_notebook_gets_its_children_a_token_secret_and_a_url_without_the_token() {
    let (action, ctx, server) = reconcile_in("production", |mut verifier| async move {
        let mut secret = Value::Null;
        let children = expect_children(&mut verifier, async |verifier: &mut Verifier| {
            secret = verifier.create(&format!("{CORE}/secrets"), None).await;
        })
        .await;
        // The token Secret: owned by the notebook, labelled as its, holding a fresh random token.
        assert_eq!(secret["metadata"]["name"], format!("{NAME}-token"));
        assert_eq!(secret["metadata"]["ownerReferences"][0]["uid"], "uid-dm");
        assert_eq!(secret["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(secret["metadata"]["labels"]["data-manager.informaticsmatters.com/instance"], NAME);
        let token = secret["data"]["token"].as_str().unwrap();
        assert!(token.len() >= 40, "{token}");

        let stateful_set = &children[1];
        let pod = &stateful_set["spec"]["template"];
        // The Data Manager finds the pod by its instance label; its own labels are kept.
        assert_eq!(pod["metadata"]["labels"]["data-manager.informaticsmatters.com/instance"], NAME);
        assert_eq!(pod["metadata"]["labels"]["data-manager.informaticsmatters.com/owner"], "dmit-user");
        // Its user and group own the project's files.
        assert_eq!(pod["spec"]["securityContext"]["runAsUser"], 1001);
        assert_eq!(pod["spec"]["securityContext"]["runAsGroup"], 1001);
        assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);
        // The project claim is the home directory, at the project's directory.
        let container = &pod["spec"]["containers"][0];
        assert_eq!(
            container["volumeMounts"][0],
            json!({"name": "home", "mountPath": "/home/jovyan", "subPath": PROJECT})
        );
        assert_eq!(
            pod["spec"]["volumes"][0],
            json!({"name": "home", "persistentVolumeClaim": {"claimName": "data-manager-project-claim"}})
        );
        assert_eq!(
            container["env"][0],
            json!({"name": "JUPYTER_TOKEN", "valueFrom": {"secretKeyRef": {"name": format!("{NAME}-token"), "key": "token"}}})
        );
        // Served at /<name> on the Environment's host, with its TLS secret and ingress class.
        let ingress = &children[3]["spec"];
        assert_eq!(ingress["rules"][0]["host"], "jupyter.example.org");
        assert_eq!(ingress["rules"][0]["http"]["paths"][0]["path"], format!("/{NAME}"));
        assert_eq!(ingress["ingressClassName"], "nginx");
        assert!(ingress["tls"][0]["secretName"].is_string());
        for child in &children {
            assert_eq!(child["metadata"]["ownerReferences"][0]["uid"], "uid-dm", "{child}");
        }

        let status = expect_status(&mut verifier).await;
        assert_eq!(
            without_messages(&status),
            json!({
                "phase": "Pending",
                "url": format!("https://jupyter.example.org/{NAME}/"),
                "conditions": conditions([
                    ["Ready", "False", "Starting", T1],
                    ["Progressing", "True", "RollingOut", T1],
                    ["Degraded", "False", "AsExpected", T1],
                ]),
                "observedGeneration": 1,
            })
        );
        assert!(!status.to_string().contains(token), "the token is in the status");
        let event = verifier.event("data-manager", "Starting").await;
        assert!(!event.to_string().contains(token), "the token is in an event");
        verifier
    })
    .await;
    assert_eq!(action, Action::requeue(RESYNC));
    // Reconciled again, the Secret is known to exist: no create, and nothing else but the children and status.
    finish(ctx, server).await;
}

#[tokio::test]
async fn an_existing_token_secret_is_left_alone() {
    let (action, ctx, server) = reconcile_in("production", |mut verifier| async move {
        expect_children(&mut verifier, async |verifier: &mut Verifier| {
            // Created by an earlier controller process: 409, and the Secret is kept as it is.
            verifier
                .create(&format!("{CORE}/secrets"), Some(StatusCode::CONFLICT))
                .await;
        })
        .await;
        expect_status(&mut verifier).await;
        verifier.event("data-manager", "Starting").await;
        verifier
    })
    .await;
    assert_eq!(action, Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn with_the_opt_in_the_status_url_carries_the_token_read_from_the_secret() {
    let (action, ctx, server) = reconcile_in("staging", |mut verifier| async move {
        expect_children(&mut verifier, async |verifier: &mut Verifier| {
            let secret = json!({
                "apiVersion": "v1", "kind": "Secret",
                // The notebook's own, as the controller created it.
                "metadata": {
                    "name": format!("{NAME}-token"), "namespace": "data-manager",
                    "labels": {"app.kubernetes.io/managed-by": "jupyflux",
                               "data-manager.informaticsmatters.com/instance": NAME},
                    "ownerReferences": [{"apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook", "name": NAME,
                                         "uid": "uid-dm", "controller": true}],
                },
                // base64 of `s3cr3t-t0k3n`
                "data": {"token": "czNjcjN0LXQwazNu"},
            });
            verifier
                .get(&format!("{CORE}/secrets/{NAME}-token"), Some(secret))
                .await;
        })
        .await;
        let status = expect_status(&mut verifier).await;
        assert_eq!(
            status["url"],
            format!("https://staging.jupyter.example.org/{NAME}/?token=s3cr3t-t0k3n")
        );
        // The URL with the token is in the status only: never in an event.
        let event = verifier.event("data-manager", "Starting").await;
        assert!(!event.to_string().contains("s3cr3t-t0k3n"), "{event}");
        verifier
    })
    .await;
    assert_eq!(action, Action::requeue(RESYNC));
    finish(ctx, server).await;
}

#[tokio::test]
async fn with_the_opt_in_a_missing_secret_is_created_and_its_token_used() {
    let (action, ctx, server) = reconcile_in("staging", |mut verifier| async move {
        let mut token = String::new();
        expect_children(&mut verifier, async |verifier: &mut Verifier| {
            verifier
                .get(&format!("{CORE}/secrets/{NAME}-token"), None)
                .await;
            let secret = verifier.create(&format!("{CORE}/secrets"), None).await;
            token = secret["data"]["token"].as_str().unwrap().to_owned();
        })
        .await;
        let status = expect_status(&mut verifier).await;
        let url = status["url"].as_str().unwrap();
        let shown = url.split_once("?token=").unwrap().1;
        // The Secret's data is base64; the URL carries the token itself.
        assert_eq!(base64_decode(&token), shown);
        let event = verifier.event("data-manager", "Starting").await;
        assert!(!event.to_string().contains(shown), "{event}");
        verifier
    })
    .await;
    assert_eq!(action, Action::requeue(RESYNC));
    finish(ctx, server).await;
}

/// Standard base64 decoding of text (the test's only need, no crate for it).
fn base64_decode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|a| *a == byte).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn with_the_opt_in_a_token_secret_that_is_not_the_notebooks_is_a_conflict() {
    let (action, ctx, server) = reconcile_in("staging", |mut verifier| async move {
        for (path, _, name) in children() {
            verifier.list(&path, &name, None).await;
        }
        // Someone else's Secret under the token's name: never read into the URL, nothing applied.
        let planted = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{NAME}-token"), "namespace": "data-manager"},
            "data": {"token": "a25vd24="},
        });
        verifier
            .get(&format!("{CORE}/secrets/{NAME}-token"), Some(planted))
            .await;
        let status = expect_status(&mut verifier).await;
        assert_eq!(status["phase"], "Failed");
        assert!(status.get("url").is_none(), "{status}");
        let degraded = &status["conditions"][2];
        assert_eq!(
            (&degraded["type"], &degraded["reason"]),
            (&json!("Degraded"), &json!("Conflict"))
        );
        let message = degraded["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!(
                "Secret/{NAME}-token exists and is not this notebook's"
            )),
            "{message}"
        );
        verifier
            .events("data-manager", &["Conflict", "Conflict"])
            .await;
        verifier
    })
    .await;
    assert_eq!(
        action,
        Action::requeue(jupyflux::controller::CONFLICT_RECHECK)
    );
    finish(ctx, server).await;
}
