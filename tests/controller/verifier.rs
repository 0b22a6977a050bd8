//! A mocked API server in the style of controller-rs's `ApiServerVerifier`: each expected request is checked
//! (method, path, query, content type, body) and answered with a canned response, in order.

#![allow(dead_code)]

use http::{Method, Request, Response, StatusCode};
use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// How long any step may take before the test fails instead of hanging.
pub const TIMEOUT: Duration = Duration::from_secs(10);

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;
type Reply = tower_test::mock::SendResponse<Response<Body>>;

/// Await `future`, failing the test after [`TIMEOUT`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {TIMEOUT:?}"))
}

/// A client whose every request goes to the returned verifier, checked against the production RBAC.
pub fn client() -> (Client, Verifier) {
    client_in("production")
}

/// A client whose every request goes to the returned verifier, checked against the RBAC of environment `env`.
pub fn client_in(env: &'static str) -> (Client, Verifier) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (Client::new(service, "default"), Verifier { handle, env })
}

/// One request as received.
#[derive(Debug)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: String,
    pub body: Value,
}

/// The server side of the mocked API.
pub struct Verifier {
    handle: Handle,
    /// The environment whose rendered RBAC every request must be allowed by.
    env: &'static str,
}

impl Verifier {
    /// The next request and the way to answer it.
    async fn next(&mut self) -> (Call, Reply) {
        let (request, reply) = within("the next request", self.handle.next_request())
            .await
            .expect("the client closed before the expected request");
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.expect("request body");
        let query = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let watch = parts.uri.query().is_some_and(|q| q.contains("watch=true"));
        crate::rbac::assert_allowed(self.env, &parts.method, parts.uri.path(), watch);
        let call = Call {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query,
            content_type: parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            body: if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).expect("a JSON body")
            },
        };
        (call, reply)
    }

    /// Expect a forced server-side apply by `jupyflux` to `path`; answer with `answer(body)`; return the body.
    pub async fn apply(&mut self, path: &str, answer: impl FnOnce(&Value) -> Value) -> Value {
        let (call, reply) = self.next().await;
        assert_apply(&call, path);
        reply.send_response(json_response(StatusCode::OK, &answer(&call.body)));
        call.body
    }

    /// Expect a GET of `path`; answer with `object`, or with 404 Not Found when there is none.
    pub async fn get(&mut self, path: &str, object: Option<Value>) {
        let (call, reply) = self.next().await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&Method::GET, path),
            "{call:#?}"
        );
        reply.send_response(match object {
            Some(object) => json_response(StatusCode::OK, &object),
            None => status_response(StatusCode::NOT_FOUND, "not found"),
        });
    }

    /// Expect a list of the collection `path` narrowed to `name` (`fieldSelector=metadata.name=<name>`); answer
    /// with a list holding an object of `metadata` when there is one.
    pub async fn list(&mut self, path: &str, name: &str, metadata: Option<Value>) {
        let (call, reply) = self.next().await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&Method::GET, path),
            "{call:#?}"
        );
        assert_eq!(
            call.query.get("fieldSelector").map(String::as_str),
            Some(format!("metadata.name%3D{name}").as_str()),
            "{call:#?}"
        );
        let items: Vec<Value> = metadata
            .into_iter()
            .map(|m| json!({"metadata": m}))
            .collect();
        let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items});
        reply.send_response(json_response(StatusCode::OK, &list));
    }

    /// Expect a create (POST) to the collection `path`; answer 201 with the body, or with an API error of `code`
    /// when given; return the body.
    pub async fn create(&mut self, path: &str, fail: Option<StatusCode>) -> Value {
        let (call, reply) = self.next().await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&Method::POST, path),
            "{call:#?}"
        );
        reply.send_response(match fail {
            Some(code) => status_response(code, &format!("mocked {code}")),
            None => json_response(StatusCode::CREATED, &call.body),
        });
        call.body
    }

    /// Expect an event (events.k8s.io/v1) about a notebook in `ns` with `reason`: a create, or the merge patch
    /// that counts a repeat of the same event; answer with the event; return its body.
    pub async fn event(&mut self, ns: &str, reason: &str) -> Value {
        let (call, reply) = self.next().await;
        let collection = format!("/apis/events.k8s.io/v1/namespaces/{ns}/events");
        let repeat = call.method == Method::PATCH;
        if repeat {
            assert!(
                call.path.starts_with(&format!("{collection}/")),
                "{call:#?}"
            );
            assert_eq!(
                call.content_type, "application/merge-patch+json",
                "{call:#?}"
            );
        } else {
            assert_eq!(
                (&call.method, call.path.as_str()),
                (&Method::POST, collection.as_str()),
                "{call:#?}"
            );
        }
        assert_eq!(call.body["reason"], reason, "{call:#?}");
        assert_eq!(call.body["regarding"]["kind"], "Notebook", "{call:#?}");
        assert_eq!(
            call.body["reportingController"], "jupyflux.dev/controller",
            "{call:#?}"
        );
        let code = if repeat {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        reply.send_response(json_response(code, &call.body));
        call.body
    }

    /// Expect the events of `reasons`, in order, about notebooks in `ns`; return their bodies.
    pub async fn events(&mut self, ns: &str, reasons: &[&str]) -> Vec<Value> {
        let mut bodies = Vec::new();
        for reason in reasons {
            bodies.push(self.event(ns, reason).await);
        }
        bodies
    }

    /// Expect a GET of `path`; answer with an API error of `code` whose message is `message`.
    pub async fn get_fails(&mut self, path: &str, code: StatusCode, message: &str) {
        let (call, reply) = self.next().await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&Method::GET, path),
            "{call:#?}"
        );
        reply.send_response(status_response(code, message));
    }

    /// Expect a forced server-side apply to `path`; answer with an API error of `code` and `message`.
    pub async fn refuse(&mut self, path: &str, code: StatusCode, message: &str) {
        let (call, reply) = self.next().await;
        assert_apply(&call, path);
        reply.send_response(status_response(code, message));
    }

    /// Expect a request of `method` to `path`; answer `code` with `answer(body)`; return the body.
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        code: StatusCode,
        answer: impl FnOnce(&Value) -> Value,
    ) -> Value {
        let (call, reply) = self.next().await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&method, path),
            "{call:#?}"
        );
        reply.send_response(json_response(code, &answer(&call.body)));
        call.body
    }

    /// Expect a forced server-side apply to `path`; answer with an API error of `code`.
    pub async fn fail(&mut self, path: &str, code: StatusCode) {
        let (call, reply) = self.next().await;
        assert_apply(&call, path);
        reply.send_response(status_response(code, &format!("mocked {code}")));
    }

    /// Answer every further request with a 500 naming it (so the reconcile fails at once instead of hanging),
    /// until the client is dropped; then fail the test if there was any.
    pub async fn finish(mut self) {
        let mut unexpected = Vec::new();
        while let Some((request, reply)) =
            within("closing the client", self.handle.next_request()).await
        {
            let what = format!("unexpected request {} {}", request.method(), request.uri());
            reply.send_response(status_response(StatusCode::INTERNAL_SERVER_ERROR, &what));
            unexpected.push(what);
        }
        assert!(unexpected.is_empty(), "{unexpected:#?}");
    }
}

/// The `reason` Kubernetes gives a status code (`NotFound`, not `Not Found`).
fn reason(code: StatusCode) -> String {
    match code {
        StatusCode::INTERNAL_SERVER_ERROR => "InternalError".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or_default()
            .replace(' ', ""),
    }
}

/// An API error answer (a `Status` object).
pub fn status_response(code: StatusCode, message: &str) -> Response<Body> {
    let status = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason(code), "code": code.as_u16(),
    });
    json_response(code, &status)
}

fn assert_apply(call: &Call, path: &str) {
    assert_eq!(
        (&call.method, call.path.as_str()),
        (&Method::PATCH, path),
        "{call:?}"
    );
    assert_eq!(
        call.query.get("fieldManager").map(String::as_str),
        Some("jupyflux"),
        "{call:?}"
    );
    assert_eq!(
        call.query.get("force").map(String::as_str),
        Some("true"),
        "{call:?}"
    );
    assert_eq!(
        call.content_type, "application/apply-patch+yaml",
        "{call:?}"
    );
}

fn json_response(code: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}
