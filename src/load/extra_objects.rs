//! Checks of the objects a hub brings along (`spec.extraObjects`): each names an API version jupyflux emits, a
//! kind and a DNS subdomain name, sits in the hub's namespace (or none, when cluster-scoped), is not a kind jupyflux renders
//! itself or a Secret, and is the only object of its file; a cluster-scoped object belongs to one hub only.

use super::node::{Loc, Node};
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::extra_objects::{file_name, identity, is_cluster_scoped, refused};
use crate::model::hub::HubSpec;
use crate::model::{Definition, Environment, is_dns_subdomain};
use crate::output::verify::ALLOWED_API_VERSIONS;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The API of `kustomization.yaml` files, never an object of its own.
const KUSTOMIZE_CONFIG: &str = "kustomize.config.k8s.io/v1beta1";

/// Validate the extra objects of every hub of `env`; `hub_nodes` are the hubs' documents in the same order.
pub fn validate(env: &Environment, hub_nodes: &[&Node], report: &mut Reporter) {
    let mut cluster_wide: BTreeMap<(String, String), (&str, Loc)> = BTreeMap::new();
    for (hub, node) in env.hubs.iter().zip(hub_nodes) {
        let mut files: BTreeMap<String, Loc> = BTreeMap::new();
        for (i, extra) in hub.spec.extra_objects.iter().enumerate() {
            let index = i.to_string();
            let at = |path: &[&str]| {
                let mut full = vec!["spec", "extraObjects", index.as_str()];
                full.extend(path);
                loc_at(node, &full)
            };
            if !object(hub, extra, &at, report) {
                continue;
            }
            let Some((kind, name)) = identity(extra) else {
                continue;
            };
            let loc = at(&["metadata", "name"]);
            let file = file_name(kind, name);
            if let Some(first) = files.get(&file) {
                let first = report.location(*first);
                report.at(
                    loc,
                    format!(
                        "Hub `{}`: a second extra {kind} named `{name}` (both would be {file})",
                        hub.name
                    ),
                    Some(format!(
                        "give each object its own name (the first is at {first})"
                    )),
                );
                continue;
            }
            files.insert(file, loc);
            if is_cluster_scoped(kind) {
                let key = (kind.to_owned(), name.to_owned());
                match cluster_wide.get(&key) {
                    Some((other, first)) => {
                        let first = report.location(*first);
                        report.at(
                            loc,
                            format!("Hub `{}`: {kind} `{name}` is cluster-scoped and Hub `{other}` already brings one of that name", hub.name),
                            Some(format!("a cluster has one {kind} of each name: rename one (the other is at {first})")),
                        );
                    }
                    None => {
                        cluster_wide.insert(key, (hub.name.as_str(), loc));
                    }
                }
            }
        }
    }
}

/// Check one object; `false` when it lacks what is needed to place it (the checks after that are skipped).
fn object(
    hub: &Definition<HubSpec>,
    extra: &Map<String, Value>,
    at: &dyn Fn(&[&str]) -> Loc,
    report: &mut Reporter,
) -> bool {
    let name = &hub.name;
    let text = |key: &str| {
        extra
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let meta = extra.get("metadata").and_then(Value::as_object);
    let object_name = meta.and_then(|m| m.get("name")).and_then(Value::as_str);
    let mut complete = true;
    for (field, present, example) in [
        (
            "apiVersion",
            text("apiVersion").is_some(),
            "`apiVersion: v1`",
        ),
        (
            "kind",
            text("kind").is_some(),
            "`kind: PersistentVolumeClaim`",
        ),
        (
            "metadata.name",
            object_name.is_some(),
            "`metadata: {name: shared-data}`",
        ),
    ] {
        if !present {
            report.at(
                at(&[]),
                format!("Hub `{name}`: an extra object without {field}"),
                Some(format!(
                    "every Kubernetes object names its {field}, e.g. {example}"
                )),
            );
            complete = false;
        }
    }
    if let Some(api) = text("apiVersion")
        && (!ALLOWED_API_VERSIONS.contains(&api) || api == KUSTOMIZE_CONFIG)
    {
        let allowed: Vec<&str> = ALLOWED_API_VERSIONS
            .into_iter()
            .filter(|a| *a != KUSTOMIZE_CONFIG)
            .collect();
        report.at(
            at(&["apiVersion"]),
            format!("Hub `{name}`: jupyflux does not render objects of apiVersion `{api}`"),
            Some(format!(
                "jupyflux renders only generally available APIs it checks: {}",
                allowed.join(", ")
            )),
        );
        complete = false;
    }
    let Some(kind) = text("kind") else {
        return false;
    };
    if let Some(instead) = refused(kind) {
        report.at(
            at(&["kind"]),
            format!("Hub `{name}`: jupyflux does not take a {kind} as an extra object"),
            Some(instead.to_owned()),
        );
        complete = false;
    }
    if let Some(object_name) = object_name
        && !is_dns_subdomain(object_name)
    {
        report.at(
            at(&["metadata", "name"]),
            format!("Hub `{name}`: extra {kind} name `{object_name}` is not a DNS-1123 subdomain"),
            Some("use lowercase letters, digits, `-` and `.`, e.g. `shared-data`".into()),
        );
        complete = false;
    }
    let ns = hub.namespace();
    let quoted = |v: &Value| {
        v.as_str()
            .map_or_else(|| v.to_string(), |s| format!("`{s}`"))
    };
    match meta.and_then(|m| m.get("namespace")) {
        None => {}
        Some(given) if is_cluster_scoped(kind) => {
            report.at(
                at(&["metadata", "namespace"]),
                format!(
                    "Hub `{name}`: {kind} is cluster-scoped and takes no namespace (found {})",
                    quoted(given)
                ),
                Some("remove metadata.namespace".into()),
            );
        }
        Some(given) if given.as_str() != Some(ns.as_str()) => {
            report.at(
                at(&["metadata", "namespace"]),
                format!("Hub `{name}`: extra {kind} is in namespace {}, not the hub's `{ns}`", quoted(given)),
                Some("remove metadata.namespace (the hub's is filled in), or move the object out of the hub".into()),
            );
        }
        Some(_) => {}
    }
    complete
}

#[cfg(test)]
mod tests {
    use crate::load::{Sources, load_sources};

    const ENVIRONMENT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org}\n";

    fn hub(name: &str, extra: &str) -> String {
        format!(
            "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: {name}}}\nspec:\n  chart: {{version: \"4.3.2\"}}\n  auth: {{dummy: {{}}}}\n  singleuser:\n    image: quay.io/jupyter/base-notebook:2025-03-17\n  extraObjects:\n{extra}"
        )
    }

    fn problems(files: &[(&str, &str)]) -> String {
        let mut all = files.to_vec();
        all.push(("overlays/dev/environment.yaml", ENVIRONMENT));
        match load_sources(&Sources::from_files(&all)) {
            Ok(_) => String::new(),
            Err(problems) => problems.to_string(),
        }
    }

    #[test]
    fn each_object_is_complete_placed_and_allowed() {
        let extra = "    - {apiVersion: cert-manager.io/v1, kind: Certificate, metadata: {name: tls}}\n    - {apiVersion: v1, kind: Secret, metadata: {name: token}}\n    - {kind: ConfigMap, metadata: {name: Bad_Name}}\n    - {apiVersion: v1, kind: PersistentVolume, metadata: {name: data, namespace: lab}}\n    - {apiVersion: v1, kind: ResourceQuota, metadata: {name: quota, namespace: other}}\n    - {apiVersion: v1, kind: ResourceQuota, metadata: {name: quota}}\n";
        let text = problems(&[("overlays/base/hub.yaml", &hub("lab", extra))]);
        for expected in [
            "hub.yaml:10:20: error: Hub `lab`: jupyflux does not render objects of apiVersion `cert-manager.io/v1`",
            "hub.yaml:11:30: error: Hub `lab`: jupyflux does not take a Secret as an extra object",
            "no secret material goes into Git",
            "hub.yaml:12:7: error: Hub `lab`: an extra object without apiVersion",
            "hub.yaml:12:42: error: Hub `lab`: extra ConfigMap name `Bad_Name` is not a DNS-1123 subdomain",
            "hub.yaml:13:82: error: Hub `lab`: PersistentVolume is cluster-scoped and takes no namespace",
            "hub.yaml:14:80: error: Hub `lab`: extra ResourceQuota is in namespace `other`, not the hub's `lab`",
            "hub.yaml:15:62: error: Hub `lab`: a second extra ResourceQuota named `quota` (both would be resourcequota-quota.yaml)",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }

    #[test]
    fn secret_values_in_extra_objects_are_reported_unseen() {
        let extra = "    - {apiVersion: v1, kind: ConfigMap, metadata: {name: mail}, data: {smtp_password: hunter2}}\n";
        let text = problems(&[("overlays/base/hub.yaml", &hub("lab", extra))]);
        assert!(
            text.contains("hub.yaml:10:87: error: plaintext secret in spec.extraObjects at `0.data.smtp_password` (value not shown)"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_cluster_scoped_object_belongs_to_one_hub() {
        let pv = "    - {apiVersion: v1, kind: PersistentVolume, metadata: {name: data}, spec: {capacity: {storage: 1Gi}}}\n";
        let text = problems(&[
            ("overlays/base/a.yaml", &hub("a", pv)),
            ("overlays/base/b.yaml", &hub("b", pv)),
        ]);
        assert!(
            text.contains("error: Hub `b`: PersistentVolume `data` is cluster-scoped and Hub `a` already brings one of that name"),
            "{text}"
        );
    }
}
