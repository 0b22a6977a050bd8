//! The Flux side of a hub's HelmRelease: where the chart comes from (a HelmRepository jupyflux renders, or an
//! existing HelmRepository / OCIRepository), how Flux reconciles it, and the `valuesFrom` of objects managed
//! elsewhere. `super::hub` puts these together with the chart values.

use super::object::{metadata, object};
use crate::model::chart_source::SourceKind;
use crate::model::hub::HubSpec;
use crate::model::release::{Duration, KUSTOMIZATION_NAMESPACE, Release};
use crate::model::{Definition, Model};
use crate::output::verify::Declared;
use serde_json::{Map, Value, json};

/// Name of the HelmRepository of the chart, in each hub's namespace.
pub const REPOSITORY_NAME: &str = "jupyterhub";

/// The chart's name in its repository.
const CHART: &str = "jupyterhub";

/// The HelmRepository jupyflux renders for the hub's chart, unless the hub names an existing source.
pub fn repository(hub: &Definition<HubSpec>, ns: &str, labels: &[(&str, &str)]) -> Option<Value> {
    let url = hub.spec.chart.repository_url()?;
    let mut spec = json!({"interval": "12h"});
    if url.starts_with("oci://") {
        spec["type"] = json!("oci");
    }
    spec["url"] = json!(url);
    Some(object(
        "source.toolkit.fluxcd.io/v1",
        "HelmRepository",
        metadata(REPOSITORY_NAME, Some(ns), labels),
        json!({"spec": spec}),
    ))
}

/// The HelmRelease's `spec` up to its values: release name, intervals, the chart's source, dependencies,
/// remediation and drift detection.
pub fn spec(hub: &Definition<HubSpec>, ns: &str) -> Map<String, Value> {
    let release = &hub.spec.release;
    let mut spec = Map::new();
    spec.insert("releaseName".into(), json!(hub.name));
    spec.insert("interval".into(), json!(release.interval.as_str()));
    spec.insert("timeout".into(), json!(release.timeout.as_str()));
    if let Some(history) = release.max_history {
        spec.insert("maxHistory".into(), json!(history));
    }
    let (key, chart) = chart(hub, ns);
    spec.insert(key.into(), chart);
    if !release.depends_on.is_empty() {
        let refs: Vec<Value> = release
            .depends_on
            .iter()
            .map(|r| reference(&r.name, r.namespace.as_deref()))
            .collect();
        spec.insert("dependsOn".into(), Value::Array(refs));
    }
    spec.insert("install".into(), install(release));
    spec.insert("upgrade".into(), upgrade(release));
    if let Some(uninstall) = &release.uninstall {
        let mut values = Map::new();
        if let Some(keep) = uninstall.keep_history {
            values.insert("keepHistory".into(), json!(keep));
        }
        with_timeout(&mut values, uninstall.timeout.as_ref());
        spec.insert("uninstall".into(), Value::Object(values));
    }
    spec.insert(
        "driftDetection".into(),
        json!({"mode": release.drift_detection.as_str()}),
    );
    spec
}

/// `chart` (from a HelmRepository) or `chartRef` (an OCIRepository, which pins the version itself).
fn chart(hub: &Definition<HubSpec>, ns: &str) -> (&'static str, Value) {
    let chart = &hub.spec.chart;
    let (kind, name, namespace) = match &chart.source_ref {
        Some(source) => (
            source.kind,
            source.name.as_str(),
            source.namespace.as_deref().unwrap_or(ns),
        ),
        None => (SourceKind::HelmRepository, REPOSITORY_NAME, ns),
    };
    let source = json!({"kind": kind.as_str(), "name": name, "namespace": namespace});
    match kind {
        SourceKind::OCIRepository => ("chartRef", source),
        SourceKind::HelmRepository => (
            "chart",
            json!({"spec": {
                "chart": CHART,
                "version": chart.version.as_str(),
                "sourceRef": source,
                "interval": "12h",
            }}),
        ),
    }
}

fn install(release: &Release) -> Value {
    let install = &release.install;
    let mut values = Map::new();
    with_timeout(&mut values, install.timeout.as_ref());
    if install.disable_wait {
        values.insert("disableWait".into(), json!(true));
    }
    values.insert("remediation".into(), json!({"retries": install.retries}));
    Value::Object(values)
}

fn upgrade(release: &Release) -> Value {
    let upgrade = &release.upgrade;
    let mut values = Map::new();
    with_timeout(&mut values, upgrade.timeout.as_ref());
    values.insert("cleanupOnFail".into(), json!(upgrade.cleanup_on_fail));
    let mut remediation = json!({"retries": upgrade.retries});
    if let Some(last) = upgrade.remediate_last_failure {
        remediation["remediateLastFailure"] = json!(last);
    }
    remediation["strategy"] = json!(upgrade.strategy.as_str());
    values.insert("remediation".into(), remediation);
    Value::Object(values)
}

fn with_timeout(values: &mut Map<String, Value>, timeout: Option<&Duration>) {
    if let Some(timeout) = timeout {
        values.insert("timeout".into(), json!(timeout.as_str()));
    }
}

/// A `{name, namespace}` reference (the namespace only when given).
pub fn reference(name: &str, namespace: Option<&str>) -> Value {
    let mut reference = json!({"name": name});
    if let Some(namespace) = namespace {
        reference["namespace"] = json!(namespace);
    }
    reference
}

/// The hub's own `valuesFrom` entries (objects managed elsewhere), in file order.
pub fn values_from(hub: &Definition<HubSpec>) -> Vec<Value> {
    hub.spec
        .values_from
        .iter()
        .map(|from| {
            let mut entry = json!({"kind": from.kind.as_str(), "name": from.name.as_str()});
            if let Some(key) = &from.values_key {
                entry["valuesKey"] = json!(key);
            }
            if let Some(path) = &from.target_path {
                entry["targetPath"] = json!(path);
            }
            if from.optional {
                entry["optional"] = json!(true);
            }
            entry
        })
        .collect()
}

/// The objects the model's hubs say are made outside jupyflux (chart sources, `valuesFrom` objects, Kustomizations
/// to wait for), for checking the rendered tree's references.
pub fn declared_elsewhere(model: &Model) -> Declared {
    let mut declared = Declared::default();
    for env in &model.environments {
        let name = env.name.as_str();
        for hub in &env.hubs {
            let ns = hub.namespace();
            if let Some(source) = &hub.spec.chart.source_ref {
                let namespace = source.namespace.as_deref().unwrap_or(&ns);
                declared.insert(name, source.kind.as_str(), namespace, &source.name);
            }
            for from in &hub.spec.values_from {
                declared.insert(name, from.kind.as_str(), &ns, &from.name);
            }
            for dependency in &hub.spec.depends_on {
                let namespace = dependency
                    .namespace
                    .as_deref()
                    .unwrap_or(KUSTOMIZATION_NAMESPACE);
                declared.insert(name, "Kustomization", namespace, &dependency.name);
            }
        }
        // Secrets that `{secret, key}` references name.
        for secret in crate::model::required::of_environment(env) {
            declared.insert(name, "Secret", &secret.namespace, &secret.secret);
        }
    }
    declared
}
