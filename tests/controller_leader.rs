//! Leader election against a mocked API server (every request asserted, and allowed by the rendered Role of the
//! controller's namespace): the Lease is created when there is none and renewed by its holder; another replica
//! follows while the holder renews and takes over only once the record has not changed for the lease's
//! duration; a lost race is not leadership; a leader that finds another holder steps down; a stopping leader
//! releases the lease.

#[path = "controller/rbac.rs"]
mod rbac;
#[path = "controller/verifier.rs"]
mod verifier;

use http::{Method, StatusCode};
use jupyflux::controller::leader::{Elector, LEASE_NAME, lead};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use verifier::{Verifier, client, within};

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/jupyflux-system/leases";

fn path() -> String {
    format!("{LEASES}/{LEASE_NAME}")
}

/// The Lease as stored: held by `holder`, renewed at `renewed`, at `version`.
fn lease(holder: Option<&str>, renewed: &str, version: &str) -> Value {
    json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": LEASE_NAME, "namespace": "jupyflux-system", "resourceVersion": version},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15, "renewTime": renewed,
                 "acquireTime": "2026-01-01T00:00:00.000000Z", "leaseTransitions": 2},
    })
}

/// The API server as a task running `scenario`, then checking that nothing else was asked.
fn serve<F>(verifier: Verifier, scenario: impl FnOnce(Verifier) -> F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = Verifier> + Send + 'static,
{
    let scenario = scenario(verifier);
    tokio::spawn(async move { scenario.await.finish().await })
}

async fn finish(server: tokio::task::JoinHandle<()>) {
    if let Err(error) = within("the API server", server).await {
        std::panic::resume_unwind(error.into_panic());
    }
}

const R1: &str = "2026-01-01T00:00:01.000000Z";
const R2: &str = "2026-01-01T00:00:03.000000Z";

#[tokio::test]
async fn a_missing_lease_is_created_then_renewed_by_its_holder() {
    let (client, verifier) = client();
    let server = serve(verifier, |mut verifier| async move {
        verifier.get(&path(), None).await;
        let created = verifier
            .call(Method::POST, LEASES, StatusCode::CREATED, |body| {
                let mut stored = body.clone();
                stored["metadata"]["resourceVersion"] = json!("1");
                stored
            })
            .await;
        assert_eq!(created["metadata"]["name"], LEASE_NAME);
        assert_eq!(created["spec"]["holderIdentity"], "controller-a");
        assert_eq!(created["spec"]["leaseDurationSeconds"], 15);
        assert!(
            created["spec"]["renewTime"].is_string() && created["spec"]["acquireTime"].is_string()
        );
        let mut stored = created.clone();
        stored["metadata"]["resourceVersion"] = json!("1");
        verifier.get(&path(), Some(stored)).await;
        let renewed = verifier
            .call(Method::PUT, &path(), StatusCode::OK, |body| body.clone())
            .await;
        // A renewal writes over the version it read (optimistic concurrency) and keeps the holder.
        assert_eq!(renewed["metadata"]["resourceVersion"], "1");
        assert_eq!(renewed["spec"]["holderIdentity"], "controller-a");
        assert_eq!(
            renewed["spec"]["acquireTime"],
            created["spec"]["acquireTime"]
        );
        verifier
    });
    let mut elector = Elector::new(client, "jupyflux-system", "controller-a");
    let now = Instant::now();
    assert!(
        within("create", elector.try_acquire_or_renew(now))
            .await
            .unwrap()
    );
    let later = now + Duration::from_secs(2);
    assert!(
        within("renew", elector.try_acquire_or_renew(later))
            .await
            .unwrap()
    );
    drop(elector);
    finish(server).await;
}

#[tokio::test]
async fn another_holder_is_followed_while_it_renews_and_taken_over_once_it_stops() {
    let (client, verifier) = client();
    let server = serve(verifier, |mut verifier| async move {
        verifier
            .get(&path(), Some(lease(Some("controller-b"), R1, "5")))
            .await;
        // Renewed by b since: the record changed, so its 15 s start again.
        verifier
            .get(&path(), Some(lease(Some("controller-b"), R2, "6")))
            .await;
        // Unchanged for 14 s by a's clock: still b's.
        verifier
            .get(&path(), Some(lease(Some("controller-b"), R2, "6")))
            .await;
        // Unchanged for 15 s: taken over, over the version read.
        verifier
            .get(&path(), Some(lease(Some("controller-b"), R2, "6")))
            .await;
        let taken = verifier
            .call(Method::PUT, &path(), StatusCode::OK, |body| body.clone())
            .await;
        assert_eq!(taken["metadata"]["resourceVersion"], "6");
        assert_eq!(taken["spec"]["holderIdentity"], "controller-a");
        assert_eq!(taken["spec"]["leaseTransitions"], 3);
        assert_ne!(taken["spec"]["renewTime"], R2);
        verifier
    });
    let mut elector = Elector::new(client, "jupyflux-system", "controller-a");
    let t0 = Instant::now();
    let at = |secs: u64| t0 + Duration::from_secs(secs);
    for (secs, leads) in [(0, false), (20, false), (34, false), (35, true)] {
        let result = within("a round", elector.try_acquire_or_renew(at(secs))).await;
        assert_eq!(result.unwrap(), leads, "at {secs} s");
    }
    drop(elector);
    finish(server).await;
}

#[tokio::test]
async fn a_lost_race_for_the_lease_is_not_leadership() {
    let (client, verifier) = client();
    let server = serve(verifier, |mut verifier| async move {
        verifier.get(&path(), Some(lease(None, R1, "7"))).await;
        // A free lease: both replicas write over version 7; the API server lets one win, the other gets 409.
        verifier
            .call(Method::PUT, &path(), StatusCode::CONFLICT, |_| {
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": "the object has been modified", "reason": "Conflict", "code": 409})
            })
            .await;
        verifier
    });
    let mut elector = Elector::new(client, "jupyflux-system", "controller-a");
    let result = within("a round", elector.try_acquire_or_renew(Instant::now())).await;
    assert!(!result.unwrap());
    drop(elector);
    finish(server).await;
}

#[tokio::test(start_paused = true)]
async fn a_leader_that_finds_another_holder_steps_down() {
    let (client, verifier) = client();
    let (leading, mut watching) = watch::channel(false);
    let mut observer = watching.clone();
    let (_stop, stop) = watch::channel(false);
    let server = serve(verifier, |mut verifier| async move {
        verifier.get(&path(), None).await;
        verifier
            .call(Method::POST, LEASES, StatusCode::CREATED, |body| {
                body.clone()
            })
            .await;
        observer.wait_for(|leads| *leads).await.unwrap();
        // Taken over by b (say a's renewals did not get through for longer than the lease).
        verifier
            .get(&path(), Some(lease(Some("controller-b"), R2, "9")))
            .await;
        verifier
    });
    let elector = Elector::new(client, "jupyflux-system", "controller-a");
    within("leading", lead(elector, leading, stop)).await;
    // `lead` returned: the replica must stop reconciling.
    assert!(!*watching.borrow_and_update());
    finish(server).await;
}

#[tokio::test(start_paused = true)]
async fn a_stopping_leader_releases_the_lease() {
    let (client, verifier) = client();
    let (leading, watching) = watch::channel(false);
    let mut observer = watching.clone();
    let (stop_sender, stop) = watch::channel(false);
    let server = serve(verifier, |mut verifier| async move {
        verifier.get(&path(), None).await;
        verifier
            .call(Method::POST, LEASES, StatusCode::CREATED, |body| {
                let mut stored = body.clone();
                stored["metadata"]["resourceVersion"] = json!("3");
                stored
            })
            .await;
        observer.wait_for(|leads| *leads).await.unwrap();
        stop_sender.send_replace(true);
        verifier
            .get(&path(), Some(lease(Some("controller-a"), R2, "4")))
            .await;
        let released = verifier
            .call(Method::PUT, &path(), StatusCode::OK, |body| body.clone())
            .await;
        assert_eq!(released["spec"]["holderIdentity"], Value::Null);
        assert_eq!(released["metadata"]["resourceVersion"], "4");
        verifier
    });
    let elector = Elector::new(client, "jupyflux-system", "controller-a");
    within("leading", lead(elector, leading, stop)).await;
    assert!(*watching.borrow());
    finish(server).await;
}
