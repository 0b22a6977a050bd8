//! The `controller` layer: what every notebook needs before it can exist: the `Notebook` CRD (with the Data
//! Manager's annotations) and the controller that expands notebooks, with least-privilege RBAC.

use super::files::Files;
use super::object::{metadata, object};
use crate::model::Environment;
use crate::notebook::config::ControllerConfig;
use crate::notebook::crd::crd;
use serde_json::{Value, json};

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "controller";

/// Name of the controller's ServiceAccount, ClusterRole, ClusterRoleBinding and Deployment.
const NAME: &str = "jupyflux-controller";
/// The port of the controller's health endpoints (`/healthz`, `/readyz`) and metrics.
const PORT: u16 = 8080;

/// Whether the environment has the layer: it has notebooks or lets the Data Manager launch them.
pub fn renders(env: &Environment) -> bool {
    !env.notebooks.is_empty() || !env.definition.spec.notebook_namespaces.is_empty()
}

/// Render the layer (its Namespace comes from [`super::namespaces`]).
pub fn render(env: &Environment, files: &mut Files) {
    let spec = &env.definition.spec;
    if !renders(env) {
        return;
    }
    let sources = &env.definition.sources;
    let ns = spec.controller.namespace.as_str();
    let labels = [("app.kubernetes.io/name", NAME)];
    let mut put = |file: &str, value: &Value| {
        files.object(&format!("{LAYER}/{file}.yaml"), sources, value);
    };
    put("customresourcedefinition", &crd(&spec.notebook_namespaces));
    put(
        "serviceaccount",
        &object(
            "v1",
            "ServiceAccount",
            metadata(NAME, Some(ns), &labels),
            json!({}),
        ),
    );
    put(
        "clusterrole",
        &object(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            metadata(NAME, None, &labels),
            json!({"rules": rules()}),
        ),
    );
    put(
        "clusterrolebinding",
        &object(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            metadata(NAME, None, &labels),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
                "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}],
            }),
        ),
    );
    put(
        "deployment",
        &object(
            "apps/v1",
            "Deployment",
            metadata(NAME, Some(ns), &labels),
            json!({"spec": deployment_spec(spec.controller.image.as_str(), &ControllerConfig::of(spec))}),
        ),
    );
}

/// Only what `jupyflux controller` calls: watch notebooks and apply their status; watch and server-side apply the
/// children (an apply that creates needs `create`); read a culled notebook's pod. Nothing is deleted by the
/// controller (the garbage collector follows owner references) and it records no events.
pub fn rules() -> Value {
    const APPLY: [&str; 4] = ["list", "watch", "create", "patch"];
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
    ])
}

/// One replica of `jupyflux controller`, non-root, read-only, no capabilities (restricted Pod Security).
fn deployment_spec(image: &str, config: &ControllerConfig) -> Value {
    let mut args = vec!["controller".to_owned()];
    args.extend(config.args());
    let selector = json!({"app.kubernetes.io/name": NAME});
    let probe =
        |path: &str| json!({"httpGet": {"path": path, "port": "http"}, "periodSeconds": 10});
    json!({
        "replicas": 1,
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": selector},
            "spec": {
                "serviceAccountName": NAME,
                "securityContext": {
                    "runAsNonRoot": true,
                    "runAsUser": 65532,
                    "runAsGroup": 65532,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [{
                    "name": "controller",
                    "image": image,
                    "args": args,
                    "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
                    "livenessProbe": probe("/healthz"),
                    "readinessProbe": probe("/readyz"),
                    "resources": {
                        "requests": {"cpu": "50m", "memory": "64Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                    "securityContext": {
                        "allowPrivilegeEscalation": false,
                        "readOnlyRootFilesystem": true,
                        "capabilities": {"drop": ["ALL"]},
                    },
                }],
            },
        },
    })
}
