//! What the controller creates for a notebook, as a pure function: start-script ConfigMap, PVC (new storage),
//! StatefulSet, Service, Ingress and NetworkPolicy, plus an oauth2-proxy sidecar for OIDC.

use super::culling::is_culled;
use super::proxy::{EMAILS_KEY, PROXY_PORT, emails_file, sidecar};
use super::script::{JUPYTER_PORT, sha256, start_script};
use super::security;
use super::spec::{Notebook, NotebookAuth, NotebookSpec, NotebookStorage, VolumePolicy};
use super::uses::{TOKEN_KEY, env_key, generated_token_secret, locate};
use crate::model::environment::Tls;
use crate::model::quantity::Bounds;
use crate::model::secret::MaybeSecret;
use crate::render::object::{metadata, object};
use serde_json::{Map, Value, json};

/// Label that tells a notebook's pods apart (the Squonk2 Data Manager's).
pub const INSTANCE_LABEL: &str = "data-manager.informaticsmatters.com/instance";
/// Pod template annotation holding the sha256 of the ConfigMap's data (start script, admitted emails).
pub const CONFIG_HASH: &str = "jupyflux.dev/config-sha256";

pub use super::config::ControllerConfig;

/// The objects of `notebook`, in a fixed order; scaled to zero when hibernated or culled (see `culling`). Its spec is expected with defaults written in (as rendered).
pub fn children(notebook: &Notebook, config: &ControllerConfig) -> Vec<Value> {
    let name = notebook.metadata.name.as_deref().unwrap_or_default();
    let ns = notebook.metadata.namespace.as_deref();
    let spec = &notebook.spec;
    let labels = [(INSTANCE_LABEL, name)];
    let meta = |object_name: &str| metadata(object_name, ns, &labels);
    let prefix = base_url(name, spec);
    let mut data = Map::new();
    data.insert("start.sh".into(), json!(start_script(name, spec, &prefix)));
    if let Some(NotebookAuth::Oidc(login)) = &spec.auth
        && let Some(emails) = emails_file(login, spec.owner())
    {
        data.insert(EMAILS_KEY.into(), json!(emails));
    }
    let config_hash = sha256(&Value::Object(data.clone()).to_string());
    let port = if oidc(spec) { PROXY_PORT } else { JUPYTER_PORT };

    let mut objects = vec![object(
        "v1",
        "ConfigMap",
        meta(&format!("{name}-start")),
        json!({"data": data}),
    )];
    if let Some(NotebookStorage::New(volume)) = &spec.home() {
        let mut claim = json!({
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": volume.size.as_str()}},
        });
        if let Some(class) = &volume.storage_class {
            claim["storageClassName"] = json!(class);
        }
        let mut pvc_meta = meta(&format!("{name}-home"));
        let policy = match volume.policy {
            VolumePolicy::Retain => "retain",
            VolumePolicy::Delete => "delete",
        };
        pvc_meta["annotations"] = json!({"jupyflux.dev/volume-policy": policy});
        objects.push(object(
            "v1",
            "PersistentVolumeClaim",
            pvc_meta,
            json!({"spec": claim}),
        ));
    }
    objects.push(object(
        "apps/v1",
        "StatefulSet",
        meta(name),
        json!({"spec": stateful_set(name, spec, &config_hash, config, is_culled(notebook))}),
    ));
    objects.push(object(
        "v1",
        "Service",
        meta(name),
        json!({"spec": {
            "selector": {INSTANCE_LABEL: name},
            "ports": [{"name": "http", "port": 80, "targetPort": port, "protocol": "TCP"}],
        }}),
    ));
    objects.push(ingress(name, spec, &prefix, meta(name)));
    objects.push(object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        meta(name),
        json!({"spec": {
            "podSelector": {"matchLabels": {INSTANCE_LABEL: name}},
            "policyTypes": ["Ingress"],
            "ingress": [{
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": config.ingress_namespace}}},
                    {"podSelector": {}},
                ],
                "ports": [{"protocol": "TCP", "port": port}],
            }],
        }}),
    ));
    objects
}

fn oidc(spec: &NotebookSpec) -> bool {
    matches!(spec.auth, Some(NotebookAuth::Oidc(_)))
}

/// The server's base URL: its path prefix (default `/notebooks/<name>`).
fn base_url(name: &str, spec: &NotebookSpec) -> String {
    spec.routing
        .path_prefix
        .clone()
        .unwrap_or_else(|| format!("/notebooks/{name}"))
}

pub(super) fn secret_env(name: &str, secret: &str, key: &str) -> Value {
    json!({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
}

/// The limits of a notebook server whose spec sets neither a limit nor a guarantee: every container has limits.
pub const DEFAULT_LIMITS: (&str, &str) = ("2", "4Gi");

/// Ready once Jupyter answers: `<prefix>/api` (public, and an unauthenticated request is no activity for
/// culling); with OIDC the server listens on the loopback interface only, so a TCP connect from inside.
fn readiness(prefix: &str, oidc: bool) -> Value {
    let mut probe = if oidc {
        json!({"exec": {"command": ["/bin/bash", "-c", format!("exec 3<>/dev/tcp/127.0.0.1/{JUPYTER_PORT}")]}})
    } else {
        let path = format!("{}/api", prefix.trim_end_matches('/'));
        json!({"httpGet": {"path": path, "port": "jupyter"}})
    };
    probe["periodSeconds"] = json!(10);
    probe["failureThreshold"] = json!(3);
    probe
}

fn stateful_set(
    name: &str,
    spec: &NotebookSpec,
    config_hash: &str,
    config: &ControllerConfig,
    culled: bool,
) -> Value {
    let mut env = Vec::new();
    match &spec.auth {
        Some(NotebookAuth::Token(token)) => {
            let (secret, key) = locate(name, token, TOKEN_KEY);
            env.push(secret_env("JUPYTER_TOKEN", &secret, &key));
        }
        // The token the controller generated (`reconcile` creates the Secret before the StatefulSet).
        None => env.push(secret_env(
            "JUPYTER_TOKEN",
            &generated_token_secret(name),
            TOKEN_KEY,
        )),
        Some(NotebookAuth::Oidc(_)) => {}
    }
    for (var, value) in &spec.env {
        env.push(match &**value {
            MaybeSecret::Literal(text) => json!({"name": var, "value": text}),
            MaybeSecret::Secret(reference) => {
                let (secret, key) = locate(name, reference, &env_key(var));
                secret_env(var, &secret, &key)
            }
        });
    }
    let resources = resources(spec);
    let mut home = json!({"name": "home", "mountPath": "/home/jovyan"});
    let claim = match spec.home() {
        Some(NotebookStorage::ExistingClaim(existing)) => {
            if let Some(sub_path) = &existing.sub_path {
                home["subPath"] = json!(sub_path);
            }
            existing.claim_name.to_string()
        }
        // A spec without a home is invalid: `validate` reports it before anything is created.
        Some(NotebookStorage::New(_)) | None => format!("{name}-home"),
    };
    let prefix = base_url(name, spec);
    let mut containers = vec![json!({
        "name": "notebook",
        "image": spec.image.to_string(),
        "command": ["/bin/bash", "/etc/jupyflux/start.sh"],
        "env": env,
        "ports": [{"name": "jupyter", "containerPort": JUPYTER_PORT, "protocol": "TCP"}],
        "readinessProbe": readiness(&prefix, oidc(spec)),
        "resources": resources,
        "securityContext": security::server_container(&spec.security_context),
        "volumeMounts": [home, {"name": "start", "mountPath": "/etc/jupyflux", "readOnly": true}],
    })];
    if let Some(NotebookAuth::Oidc(login)) = &spec.auth {
        containers.push(sidecar(login, spec.owner(), &prefix, name, config));
    }
    let mut labels = json!(spec.labels);
    labels[INSTANCE_LABEL] = json!(name);
    let mut annotations = json!(spec.annotations);
    annotations[CONFIG_HASH] = json!(config_hash);
    let mut pod = json!({
        "securityContext": security::pod(&spec.security_context),
        "automountServiceAccountToken": false,
        "containers": containers,
        "volumes": [
            {"name": "home", "persistentVolumeClaim": {"claimName": claim}},
            {"name": "start", "configMap": {"name": format!("{name}-start"), "defaultMode": 0o555}},
        ],
    });
    if !spec.node_selector.is_empty() {
        pod["nodeSelector"] = json!(spec.node_selector);
    }
    if !spec.tolerations.is_empty() {
        pod["tolerations"] = json!(spec.tolerations);
    }
    if let Some(affinity) = &spec.affinity {
        pod["affinity"] = json!(affinity);
    }
    json!({
        "replicas": if spec.hibernated || culled { 0 } else { 1 },
        "serviceName": name,
        "selector": {"matchLabels": {INSTANCE_LABEL: name}},
        "template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod},
    })
}

/// Requests from the guarantees; limits from the limits, else the guarantee (never below the request), else
/// [`DEFAULT_LIMITS`].
fn resources(spec: &NotebookSpec) -> Value {
    let r = &spec.resources;
    let cpu = r.cpu.as_ref().map(|b| bounds(b, |q| q.as_str()));
    let memory = r
        .memory
        .as_ref()
        .map(|b| bounds(b, |m| m.quantity().as_str()));
    let (cpu, memory) = (cpu.unwrap_or_default(), memory.unwrap_or_default());
    let mut requests = Map::new();
    for (resource, guarantee) in [("cpu", cpu.0), ("memory", memory.0)] {
        if let Some(guarantee) = guarantee {
            requests.insert(resource.into(), json!(guarantee));
        }
    }
    let limits = json!({
        "cpu": cpu.1.or(cpu.0).unwrap_or(DEFAULT_LIMITS.0),
        "memory": memory.1.or(memory.0).unwrap_or(DEFAULT_LIMITS.1),
    });
    let mut resources = Map::new();
    if !requests.is_empty() {
        resources.insert("requests".into(), Value::Object(requests));
    }
    resources.insert("limits".into(), limits);
    Value::Object(resources)
}

/// The guarantee and the limit of `bounds`, as text.
fn bounds<Q>(bounds: &Bounds<Q>, text: impl Fn(&Q) -> &str) -> (Option<&str>, Option<&str>) {
    (
        bounds.guarantee.as_ref().map(&text),
        bounds.limit.as_ref().map(&text),
    )
}

fn ingress(name: &str, spec: &NotebookSpec, prefix: &str, mut meta: Value) -> Value {
    let routing = &spec.routing;
    let host = routing.host.clone().unwrap_or_default();
    let mut body = json!({"rules": [{"host": host, "http": {"paths": [{
        "path": prefix,
        "pathType": "Prefix",
        "backend": {"service": {"name": name, "port": {"name": "http"}}},
    }]}}]});
    if let Some(class) = &routing.ingress_class {
        body["ingressClassName"] = json!(class);
    }
    match &routing.tls {
        Some(Tls::ClusterIssuer(issuer)) => {
            meta["annotations"] = json!({"cert-manager.io/cluster-issuer": issuer});
            body["tls"] = json!([{"hosts": [host], "secretName": format!("{name}-tls")}]);
        }
        Some(Tls::SecretName(secret)) => {
            body["tls"] = json!([{"hosts": [host], "secretName": secret}]);
        }
        Some(Tls::DefaultCertificate(_)) => {
            body["tls"] = json!([{"hosts": [host]}]);
        }
        None => {}
    }
    object(
        "networking.k8s.io/v1",
        "Ingress",
        meta,
        json!({"spec": body}),
    )
}
