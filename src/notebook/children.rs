//! What the controller creates for a notebook, as a pure function: start-script ConfigMap, PVC (new storage),
//! StatefulSet, Service, Ingress and NetworkPolicy, plus an oauth2-proxy sidecar for OIDC.

use super::culling::is_culled;
use super::proxy::{EMAILS_KEY, PROXY_PORT, emails_file, sidecar};
use super::script::{JUPYTER_PORT, sha256, start_script};
use super::spec::{Notebook, NotebookAuth, NotebookSpec, NotebookStorage, VolumePolicy};
use super::uses::{TOKEN_KEY, env_key, secret_name};
use crate::model::environment::Tls;
use crate::model::hub::Bounds;
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
    if let NotebookAuth::Oidc(login) = &spec.auth
        && let Some(emails) = emails_file(login, &spec.owner)
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
    if let NotebookStorage::New(volume) = &spec.storage {
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
    matches!(spec.auth, NotebookAuth::Oidc(_))
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

/// The restricted-profile container security context.
pub(super) fn restricted() -> Value {
    json!({
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

fn stateful_set(
    name: &str,
    spec: &NotebookSpec,
    config_hash: &str,
    config: &ControllerConfig,
    culled: bool,
) -> Value {
    let secret = secret_name(name);
    let mut env = Vec::new();
    if let NotebookAuth::Token(_) = spec.auth {
        env.push(secret_env("JUPYTER_TOKEN", &secret, TOKEN_KEY));
    }
    for (var, value) in &spec.env {
        env.push(match value {
            MaybeSecret::Literal(text) => json!({"name": var, "value": text}),
            MaybeSecret::Secret(_) => secret_env(var, &secret, &env_key(var)),
        });
    }
    let resources = resources(spec);
    let mut home = json!({"name": "home", "mountPath": "/home/jovyan"});
    let claim = match &spec.storage {
        NotebookStorage::New(_) => format!("{name}-home"),
        NotebookStorage::ExistingClaim(existing) => {
            if let Some(sub_path) = &existing.sub_path {
                home["subPath"] = json!(sub_path);
            }
            existing.claim_name.to_string()
        }
    };
    let mut containers = vec![json!({
        "name": "notebook",
        "image": spec.image.to_string(),
        "command": ["/bin/bash", "/etc/jupyflux/start.sh"],
        "env": env,
        "ports": [{"name": "jupyter", "containerPort": JUPYTER_PORT, "protocol": "TCP"}],
        "resources": resources,
        "securityContext": restricted(),
        "volumeMounts": [home, {"name": "start", "mountPath": "/etc/jupyflux", "readOnly": true}],
    })];
    if let NotebookAuth::Oidc(login) = &spec.auth {
        let prefix = base_url(name, spec);
        containers.push(sidecar(login, &spec.owner, &prefix, &secret, config));
    }
    let security = &spec.security_context;
    let mut labels = json!(spec.labels);
    labels[INSTANCE_LABEL] = json!(name);
    let mut annotations = json!(spec.annotations);
    annotations[CONFIG_HASH] = json!(config_hash);
    let mut pod = json!({
        "securityContext": {
            "runAsNonRoot": true,
            "runAsUser": security.run_as_user,
            "runAsGroup": security.run_as_group,
            "fsGroup": security.fs_group,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
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

/// Requests from the guarantees, limits from the limits.
fn resources(spec: &NotebookSpec) -> Value {
    let r = &spec.resources;
    let mut resources = Map::new();
    for (field, guarantee) in [("requests", true), ("limits", false)] {
        let mut values = Map::new();
        if let Some(cpu) = r.cpu.as_ref().and_then(|b| bound(b, guarantee)) {
            values.insert("cpu".into(), json!(cpu.as_str()));
        }
        if let Some(memory) = r.memory.as_ref().and_then(|b| bound(b, guarantee)) {
            values.insert("memory".into(), json!(memory.quantity().as_str()));
        }
        if !values.is_empty() {
            resources.insert(field.into(), Value::Object(values));
        }
    }
    Value::Object(resources)
}

fn bound<Q>(bounds: &Bounds<Q>, guarantee: bool) -> Option<&Q> {
    if guarantee {
        bounds.guarantee.as_ref()
    } else {
        bounds.limit.as_ref()
    }
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
        None => {}
    }
    object(
        "networking.k8s.io/v1",
        "Ingress",
        meta,
        json!({"spec": body}),
    )
}
