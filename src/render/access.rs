//! What the notebook controller may do, namespace by namespace: a Role and RoleBinding in each namespace it
//! watches (the `notebookNamespaces` and those of the notebooks in Git), and nothing cluster-wide.

use super::files::Files;
use super::object::{metadata, object};
use crate::controller::leader::LEASE_NAME;
use crate::model::Environment;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Name of the controller's ServiceAccount, Roles, RoleBindings and Deployment.
pub const NAME: &str = "jupyflux-controller";
/// Labels of every object of the controller.
pub const LABELS: [(&str, &str); 1] = [("app.kubernetes.io/name", NAME)];
pub(super) const RBAC: &str = "rbac.authorization.k8s.io/v1";

/// The namespaces the controller watches and may write in, sorted: the Environment's `notebookNamespaces` and
/// the namespace of every notebook defined in Git. Its Deployment gets one `--watch-namespace` for each.
pub fn watched_namespaces(env: &Environment) -> BTreeSet<&str> {
    let spec = &env.definition.spec;
    spec.notebook_namespaces
        .iter()
        .map(|n| n.as_str())
        .chain(env.notebooks.iter().map(|n| n.namespace.as_str()))
        .collect()
}

/// The namespaces of the notebooks in Git: their Role is rendered beside their Notebook objects, in the layer
/// that creates (or waits for) the namespace; the other watched namespaces exist before jupyflux (say the Data
/// Manager's), and their Role is rendered in the controller's layer.
pub fn git_namespaces(env: &Environment) -> BTreeSet<&str> {
    env.notebooks.iter().map(|n| n.namespace.as_str()).collect()
}

/// Only what `jupyflux controller` calls in a watched namespace: watch notebooks and apply their status; watch
/// and server-side apply the children (an apply that creates needs `create`); read a culled notebook's pod;
/// create the generated token Secret of a notebook without `auth` (create only: the controller never reads a
/// Secret, unless `token_in_url` asks it to read the token back into the status URL); record events about
/// notebooks (`create`, and `patch` to count a repeated one). Nothing is deleted by the controller (the garbage
/// collector follows owner references).
pub fn namespace_rules(token_in_url: bool) -> Value {
    const APPLY: [&str; 4] = ["list", "watch", "create", "patch"];
    let secrets = if token_in_url {
        json!(["create", "get"])
    } else {
        json!(["create"])
    };
    json!([
        {"apiGroups": ["jupyflux.dev"], "resources": ["notebooks"], "verbs": ["list", "watch"]},
        {"apiGroups": ["jupyflux.dev"], "resources": ["notebooks/status"], "verbs": ["patch"]},
        // `blockOwnerDeletion` on the children needs it where OwnerReferencesPermissionEnforcement is on.
        {"apiGroups": ["jupyflux.dev"], "resources": ["notebooks/finalizers"], "verbs": ["update"]},
        {"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": APPLY},
        {"apiGroups": [""], "resources": ["configmaps", "persistentvolumeclaims", "services"], "verbs": APPLY},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": APPLY},
        // Culling reads the server's container states of `<notebook>-0`.
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": secrets},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
    ])
}

/// What the controller may do in its own namespace: create its Lease, and read and renew that one only.
pub fn leader_election_rules() -> Value {
    json!([
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": [LEASE_NAME],
         "verbs": ["get", "update"]},
    ])
}

/// What the Squonk2 Data Manager may do with notebooks in a namespace it launches them in (its contract).
pub fn data_manager_rules() -> Value {
    json!([{
        "apiGroups": ["jupyflux.dev"],
        "resources": ["notebooks"],
        "verbs": ["get", "list", "watch", "create", "delete"],
    }])
}

/// Name of the Data Manager's Role and RoleBinding in a notebook namespace.
pub const DATA_MANAGER_ROLE: &str = "data-manager-application-jupyflux-notebooks";

/// Cluster-wide: nothing. With a `--watch-namespace` for every namespace it serves, the controller lists and
/// watches per namespace; it never reads the CRD (readiness is "notebooks can be listed"), nodes or namespaces,
/// so no ClusterRole is rendered. A run-time notebook outside the watched namespaces is not reconciled.
pub fn cluster_rules() -> Value {
    json!([])
}

/// The Role and RoleBinding of namespace `ns`, written as `<dir>/role<suffix>.yaml` and
/// `<dir>/rolebinding<suffix>.yaml`; in a `notebookNamespaces` entry also the Data Manager's, as
/// `<dir>/role-data-manager<suffix>.yaml` and `<dir>/rolebinding-data-manager<suffix>.yaml`.
pub fn render_role(
    env: &Environment,
    ns: &str,
    (dir, suffix): (&str, &str),
    sources: &[String],
    files: &mut Files,
) {
    let spec = &env.definition.spec;
    let controller_ns = spec.controller.namespace.as_str();
    let token_in_url = spec.data_manager.token_in_url;
    let mut put = |file: &str, name: &str, rules: Value, subject: (&str, &str)| {
        let role = object(
            RBAC,
            "Role",
            metadata(name, Some(ns), &LABELS),
            json!({"rules": rules}),
        );
        let binding = object(
            RBAC,
            "RoleBinding",
            metadata(name, Some(ns), &LABELS),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [{"kind": "ServiceAccount", "name": subject.0, "namespace": subject.1}],
            }),
        );
        files.object(&format!("{dir}/role{file}{suffix}.yaml"), sources, &role);
        files.object(
            &format!("{dir}/rolebinding{file}{suffix}.yaml"),
            sources,
            &binding,
        );
    };
    put(
        "",
        NAME,
        namespace_rules(token_in_url),
        (NAME, controller_ns),
    );
    if spec.notebook_namespaces.iter().any(|n| n.as_str() == ns) {
        let account = &spec.data_manager.service_account;
        let account_ns = account.namespace.as_ref().map_or(ns, |n| n.as_str());
        put(
            "-data-manager",
            DATA_MANAGER_ROLE,
            data_manager_rules(),
            (account.name.as_str(), account_ns),
        );
    }
}
