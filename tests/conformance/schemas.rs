//! The reference schemas, each compiled once per test binary and shared between tests: Flux and
//! External Secrets CRDs, Kubernetes JSON schemas, kustomization.json, the z2jh values schema.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{Value, json};

use super::cel::presence_rules;
use super::environment::reference_dir;
use super::openapi::custom_resource_schema;

/// A compiled schema, or why there is none.
pub type Compiled = Result<Arc<Validator>, String>;

/// The reference data with a cache of compiled validators.
pub struct Schemas {
    root: PathBuf,
    cache: Mutex<HashMap<String, Arc<OnceLock<Compiled>>>>,
    object_meta: Value,
    chart_defaults: Value,
    chart_schema: Value,
}

/// The process-wide schemas (panics if the reference data is missing: callers check
/// `reference_available()` first).
pub fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| Schemas::load(reference_dir()))
}

/// Every violation of `instance`: (JSON pointer, message).
pub fn violations(validator: &Validator, instance: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(instance)
        .map(|error| (error.instance_path().to_string(), error.to_string()))
        .collect()
}

/// Compiles a draft-07 schema, ignoring any `$schema` it declares, with the presence rules of
/// `x-kubernetes-validations` as a keyword.
pub fn compile(schema: &Value) -> Compiled {
    jsonschema::draft7::options()
        .with_keyword("x-kubernetes-validations", presence_rules)
        .build(schema)
        .map(Arc::new)
        .map_err(|error| format!("schema does not compile: {error}"))
}

impl Schemas {
    fn load(root: PathBuf) -> Schemas {
        let k8s = read_json(&root.join(K8S_DIR).join("configmap-v1.json"));
        let object_meta = k8s["properties"]["metadata"].clone();
        let defaults_text = read_text(&root.join("z2jh/values.yaml"));
        let chart_defaults = serde_saphyr::from_str(&defaults_text)
            .unwrap_or_else(|e| panic!("z2jh/values.yaml does not parse: {e}"));
        let chart_schema = read_json(&root.join("z2jh/values.schema.json"));
        Schemas {
            root,
            cache: Mutex::default(),
            object_meta,
            chart_defaults,
            chart_schema,
        }
    }

    /// Flux or External Secrets custom resource, from its CRD in `crds/`.
    pub fn custom_resource(&self, api_version: &str, kind: &str) -> Compiled {
        self.cached(format!("crd {api_version} {kind}"), || {
            let (group, _) = api_version.split_once('/').unwrap_or(("", api_version));
            let crd = self.find_crd(group, kind)?;
            let schema = custom_resource_schema(&crd, api_version, kind, &self.object_meta)?;
            compile(&schema)
        })
    }

    /// A custom resource whose CRD is in the rendered tree itself (jupyflux's own CRD).
    pub fn custom_resource_from(&self, crd: &Value, api_version: &str, kind: &str) -> Compiled {
        let schema = custom_resource_schema(crd, api_version, kind, &self.object_meta)?;
        compile(&schema)
    }

    /// A core Kubernetes object, from `schemas/k8s/.../<kind>-<group>-<version>.json`.
    pub fn kubernetes(&self, api_version: &str, kind: &str) -> Compiled {
        let file = kubernetes_schema_file(api_version, kind);
        self.cached(format!("k8s {file}"), || {
            let path = self.root.join(K8S_DIR).join(&file);
            if !path.is_file() {
                return Err(format!("no schema file {K8S_DIR}/{file}"));
            }
            let mut schema = read_json(&path);
            if let Some(fields) = schema.as_object_mut() {
                fields.remove("$schema");
            }
            compile(&schema)
        })
    }

    /// `schemas/kustomization.json` (SchemaStore).
    pub fn kustomization(&self) -> Compiled {
        self.cached("kustomization".into(), || {
            compile(&read_json(&self.root.join("schemas/kustomization.json")))
        })
    }

    /// `z2jh/values.schema.json`, the JupyterHub chart's values schema.
    pub fn chart_values(&self) -> Compiled {
        self.cached("z2jh values".into(), || compile(&self.chart_schema))
    }

    /// `z2jh/values.yaml`, the chart's default values.
    pub fn chart_defaults(&self) -> &Value {
        &self.chart_defaults
    }

    /// The uncompiled z2jh values schema (to look up the type at a path).
    pub fn chart_schema(&self) -> &Value {
        &self.chart_schema
    }

    /// API server rules for names, namespaces, label and annotation keys and label values,
    /// which the OpenAPI schemas do not express.
    pub fn object_names(&self, dns_label_name: bool) -> Compiled {
        self.cached(format!("object names {dns_label_name}"), || {
            compile(&object_name_rules(dns_label_name))
        })
    }

    fn cached(&self, key: String, build: impl FnOnce() -> Compiled) -> Compiled {
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(cache.entry(key).or_default())
        };
        cell.get_or_init(build).clone()
    }

    /// The CRD defining `group`'s `kind`: `<group>_<plural>.yaml`, else any file naming the kind.
    fn find_crd(&self, group: &str, kind: &str) -> Result<Value, String> {
        let dir = match group {
            "external-secrets.io" => "crds/external-secrets",
            _ => "crds/flux",
        };
        let dir = self.root.join(dir);
        let guess = dir.join(format!("{group}_{}.yaml", plural(kind)));
        let candidates = std::iter::once(guess).chain(sorted_files(&dir));
        for path in candidates.filter(|p| p.is_file()) {
            let crd: Value = serde_saphyr::from_str(&read_text(&path))
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            if crd["spec"]["group"] == group && crd["spec"]["names"]["kind"] == kind {
                return Ok(crd);
            }
        }
        Err(format!("no CRD for {kind} in group {group}"))
    }
}

const K8S_DIR: &str = "schemas/k8s/v1.32.2-standalone-strict";

/// `apps/v1 Deployment` → `deployment-apps-v1.json`; `v1 Service` → `service-v1.json`;
/// `networking.k8s.io/v1 Ingress` → `ingress-networking-v1.json`.
fn kubernetes_schema_file(api_version: &str, kind: &str) -> String {
    let kind = kind.to_lowercase();
    match api_version.split_once('/') {
        Some((group, version)) => {
            let group = group.split('.').next().unwrap_or(group);
            format!("{kind}-{group}-{version}.json")
        }
        None => format!("{kind}-{api_version}.json"),
    }
}

fn plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    }
}

fn object_name_rules(dns_label_name: bool) -> Value {
    const LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    const QUALIFIED: &str = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
    let subdomain = format!("{LABEL}(\\.{LABEL})*");
    let name = if dns_label_name {
        json!({"type": "string", "maxLength": 63, "pattern": format!("^{LABEL}$")})
    } else {
        json!({"type": "string", "maxLength": 253, "pattern": format!("^{subdomain}$")})
    };
    let key = json!({
        "pattern": format!("^({subdomain}/)?{QUALIFIED}$"),
        "not": {"pattern": "^([^/]{254,}/|(.*/)?[^/]{64,}$)"},
    });
    json!({
        "type": "object",
        "required": ["metadata"],
        "properties": {"metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": name,
                "namespace": {"type": "string", "maxLength": 63, "pattern": format!("^{LABEL}$")},
                "labels": {
                    "type": "object",
                    "propertyNames": key,
                    "additionalProperties": {
                        "type": "string",
                        "maxLength": 63,
                        "pattern": format!("^({QUALIFIED})?$"),
                    },
                },
                "annotations": {"type": "object", "propertyNames": key},
            },
        }},
    })
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read_text(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_file_names_follow_the_kubernetes_json_schema_layout() {
        assert_eq!(
            kubernetes_schema_file("apps/v1", "Deployment"),
            "deployment-apps-v1.json"
        );
        assert_eq!(kubernetes_schema_file("v1", "Service"), "service-v1.json");
        assert_eq!(
            kubernetes_schema_file("rbac.authorization.k8s.io/v1", "ClusterRole"),
            "clusterrole-rbac-v1.json"
        );
        assert_eq!(plural("HelmRepository"), "helmrepositories");
        assert_eq!(plural("SecretStore"), "secretstores");
    }
}
