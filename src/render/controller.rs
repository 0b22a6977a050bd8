//! The `controller` layer: what every notebook needs before it can exist: the `Notebook` CRD (with the Data
//! Manager's annotations, in a layer of its own) and the controller that expands notebooks: its namespace,
//! ServiceAccount, NetworkPolicy, Deployment (two replicas electing a leader with a Lease, a PodDisruptionBudget
//! keeping one), the Role for its Lease, and the Roles of watched namespaces that exist before jupyflux.

use super::access::{
    LABELS, NAME, RBAC, git_namespaces, leader_election_rules, render_role, watched_namespaces,
};
use super::files::Files;
use super::object::{metadata, object};
use crate::model::Environment;
use crate::notebook::config::ControllerConfig;
use crate::notebook::crd::crd;
use serde_json::{Value, json};

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "controller";
/// The layer of the `Notebook` CRD, first of all: the notebooks layer needs the CRD, not a running controller
/// (so the controller, whose readiness needs the Roles rendered beside the notebooks, never holds them back).
pub const CRDS_LAYER: &str = "crds";

/// The port of the controller's health endpoints (`/healthz`, `/readyz`) and metrics.
const PORT: u16 = 8080;

/// Whether the environment has the layers: it has notebooks or lets the Data Manager launch them.
pub fn renders(env: &Environment) -> bool {
    !env.notebooks.is_empty() || !env.definition.spec.notebook_namespaces.is_empty()
}

/// Render the layers (the controller's Namespace comes from [`super::namespaces`]).
pub fn render(env: &Environment, files: &mut Files) {
    let spec = &env.definition.spec;
    let watched = watched_namespaces(env);
    if !renders(env) {
        return;
    }
    let sources = &env.definition.sources;
    let ns = spec.controller.namespace.as_str();
    files.object(
        &format!("{CRDS_LAYER}/customresourcedefinition.yaml"),
        sources,
        &crd(&spec.notebook_namespaces),
    );
    let mut put = |file: &str, value: &Value| {
        files.object(&format!("{LAYER}/{file}.yaml"), sources, value);
    };
    put(
        "serviceaccount",
        &object(
            "v1",
            "ServiceAccount",
            metadata(NAME, Some(ns), &LABELS),
            json!({}),
        ),
    );
    put(
        "networkpolicy",
        &object(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            metadata(NAME, Some(ns), &LABELS),
            json!({"spec": network_policy(spec.controller.metrics_from.as_deref())}),
        ),
    );
    let mut args = ControllerConfig::of(&env.name, spec).args();
    args.extend(watched.iter().map(|w| format!("--watch-namespace={w}")));
    args.push(format!("--leader-election-namespace={ns}"));
    // Named apart from the Role of a watched namespace, which may be this one.
    let election = format!("{NAME}-leader-election");
    let election_meta = || metadata(&election, Some(ns), &LABELS);
    put(
        "role-leader-election",
        &object(
            RBAC,
            "Role",
            election_meta(),
            json!({"rules": leader_election_rules()}),
        ),
    );
    put(
        "rolebinding-leader-election",
        &object(
            RBAC,
            "RoleBinding",
            election_meta(),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": election},
                "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}],
            }),
        ),
    );
    put(
        "poddisruptionbudget",
        &object(
            "policy/v1",
            "PodDisruptionBudget",
            metadata(NAME, Some(ns), &LABELS),
            json!({"spec": {"maxUnavailable": 1, "selector": {"matchLabels": {LABELS[0].0: LABELS[0].1}}}}),
        ),
    );
    put(
        "deployment",
        &object(
            "apps/v1",
            "Deployment",
            metadata(NAME, Some(ns), &LABELS),
            json!({"spec": deployment_spec(spec.controller.image.as_str(), args)}),
        ),
    );
    let in_git = git_namespaces(env);
    for other in watched.difference(&in_git) {
        render_role(env, other, (LAYER, &format!("-{other}")), sources, files);
    }
}

/// Ingress: only the metrics and health port, only from `metrics_from` (nothing without it). Kubelet probes come
/// from the node, which most CNIs do not subject to NetworkPolicy. Egress is not restricted: the API server's
/// address is the cluster's (endpoints behind the `kubernetes` Service, often host or cloud addresses), which a
/// portable NetworkPolicy cannot name.
fn network_policy(metrics_from: Option<&str>) -> Value {
    let ingress: Vec<Value> = metrics_from
        .map(|from| {
            json!({
                "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": from}}}],
                "ports": [{"protocol": "TCP", "port": PORT}],
            })
        })
        .into_iter()
        .collect();
    json!({
        "podSelector": {"matchLabels": {LABELS[0].0: LABELS[0].1}},
        "policyTypes": ["Ingress"],
        "ingress": ingress,
    })
}

/// The image's controller-only binary (`src/bin/jupyflux-controller.rs`; the Dockerfile installs it beside
/// `jupyflux`): `jupyflux controller` without the rest of the CLI, for a smaller idle footprint
/// (BENCHMARKS.md, "Controller"). It takes the same flags.
pub const COMMAND: &str = "/usr/local/bin/jupyflux-controller";

/// Two replicas of [`COMMAND`] (one leads, the other stands by; preferably on different nodes), non-root,
/// read-only, no capabilities (restricted Pod Security). `POD_NAME` is each replica's identity.
fn deployment_spec(image: &str, args: Vec<String>) -> Value {
    let selector = json!({LABELS[0].0: LABELS[0].1});
    let probe =
        |path: &str| json!({"httpGet": {"path": path, "port": "http"}, "periodSeconds": 10});
    json!({
        "replicas": 2,
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": selector},
            "spec": {
                "serviceAccountName": NAME,
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": selector},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }]}},
                "securityContext": {
                    "runAsNonRoot": true,
                    "runAsUser": 65532,
                    "runAsGroup": 65532,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [{
                    "name": "controller",
                    "image": image,
                    "command": [COMMAND],
                    "args": args,
                    "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
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
