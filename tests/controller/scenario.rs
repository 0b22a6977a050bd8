//! Running one reconcile while a [`Verifier`] plays the API server: the context with a fixed clock, the server
//! task, and the check that it saw exactly the scenario.
#![allow(dead_code)]

use crate::alice::T1;
use crate::verifier::{Verifier, client, within};
use jupyflux::controller::{Context, Error, reconcile};
use jupyflux::notebook::Notebook;
use jupyflux::notebook::children::ControllerConfig;
use kube::api::DynamicObject;
use kube::runtime::controller::Action;
use std::sync::Arc;
use tokio::task::JoinHandle;

fn at_t1() -> String {
    T1.to_owned()
}

/// A context on `client` whose clock says `T1`.
pub fn context(client: kube::Client) -> Arc<Context> {
    let mut ctx = Context::new(client, ControllerConfig::default());
    ctx.clock = at_t1;
    Arc::new(ctx)
}

/// The API server as a task: `scenario`, then [`Verifier::finish`].
pub fn serve<F>(verifier: Verifier, scenario: impl FnOnce(Verifier) -> F) -> JoinHandle<()>
where
    F: Future<Output = Verifier> + Send + 'static,
{
    let scenario = scenario(verifier);
    tokio::spawn(async move { scenario.await.finish().await })
}

/// Reconcile `notebook` once while `scenario` plays the API server.
pub async fn run<F>(
    notebook: Notebook,
    scenario: impl FnOnce(Verifier) -> F,
) -> (Result<Action, Error>, Arc<Context>, JoinHandle<()>)
where
    F: Future<Output = Verifier> + Send + 'static,
{
    let (client, verifier) = client();
    let ctx = context(client);
    let server = serve(verifier, scenario);
    let result = within("reconcile", reconcile(untyped(&notebook), ctx.clone())).await;
    (result, ctx, server)
}

/// `notebook` as the controller receives it: an untyped object.
pub fn untyped(notebook: &Notebook) -> Arc<DynamicObject> {
    Arc::new(serde_json::from_value(serde_json::to_value(notebook).unwrap()).unwrap())
}

/// Drop the context (and so the client), then wait for the API server task, failing with its failure if any:
/// a missing expected request, a wrong one, or any request beyond the scenario.
pub async fn finish(ctx: Arc<Context>, server: JoinHandle<()>) {
    drop(ctx);
    if let Err(error) = within("the API server", server).await {
        std::panic::resume_unwind(error.into_panic());
    }
}
