//! The controller's typed errors: what can fail while reconciling a notebook or running the controller.

/// Everything that can go wrong in `jupyflux controller`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call to the Kubernetes API failed (conflict, server error, forbidden, connection lost, ...). The
    /// notebook is requeued with a backoff.
    #[error("Kubernetes API call failed: {0}")]
    Kube(#[from] kube::Error),
    /// No Kubernetes client could be made at start-up (no in-cluster service account and no kubeconfig).
    #[error("cannot configure the Kubernetes client: {0}")]
    Client(#[source] kube::Error),
    /// The notebook lacks a field every stored object has (`name`, `namespace` or `uid`), so its children
    /// cannot be named or owned.
    #[error("notebook has no metadata.{0}")]
    MissingMetadata(&'static str),
    /// `children()` produced an object of a kind the controller does not know how to apply (a jupyflux bug).
    #[error("child kind `{0}` is not one the controller manages")]
    UnknownKind(String),
    /// The API server answered an apply with an object that does not have the expected shape.
    #[error("unexpected {kind} from the API server: {source}")]
    Decode {
        /// The kind of the object that could not be read.
        kind: &'static str,
        /// Why it could not be read.
        source: serde_json::Error,
    },
    /// This replica led and lost the Lease (another replica holds it, or it could not renew it in time): it
    /// stopped reconciling and exits, to be restarted as a follower.
    #[error("lost leadership (Lease {0}); stopped reconciling")]
    LeadershipLost(&'static str),
    /// The health and metrics endpoint could not listen or serve.
    #[error("health endpoint: {0}")]
    Io(#[from] std::io::Error),
}

/// The result of a reconcile step.
pub type Result<T, E = Error> = std::result::Result<T, E>;
