//! Every generated document parses back into its typed form: k8s-openapi for core objects, typed Flux and
//! Kustomize structs (unknown fields rejected) for the rest.
#![allow(dead_code)] // The typed structs exist to be parsed (strictly), not read.

mod harness;

use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolume, PersistentVolumeClaim, ResourceQuota,
    ServiceAccount,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Object<S> {
    api_version: String,
    kind: String,
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HelmReleaseSpec {
    release_name: String,
    interval: String,
    timeout: String,
    #[serde(default)]
    max_history: Option<u32>,
    /// From a HelmRepository: `chart`; from an OCIRepository: `chartRef`.
    #[serde(default)]
    chart: Option<HelmChartTemplate>,
    #[serde(default)]
    chart_ref: Option<CrossNamespaceRef>,
    #[serde(default)]
    depends_on: Vec<CrossNamespaceRef>,
    install: Value,
    upgrade: Value,
    #[serde(default)]
    uninstall: Option<Value>,
    drift_detection: DriftDetection,
    #[serde(default)]
    values: Option<Value>,
    #[serde(default)]
    values_from: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DriftDetection {
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelmChartTemplate {
    spec: HelmChartSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HelmChartSpec {
    chart: String,
    version: String,
    source_ref: CrossNamespaceRef,
    interval: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrossNamespaceRef {
    #[serde(default)]
    kind: Option<String>,
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelmRepositorySpec {
    interval: String,
    #[serde(default)]
    r#type: Option<String>,
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GitRepositorySpec {
    interval: String,
    url: String,
    r#ref: Value,
    #[serde(default)]
    secret_ref: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FluxKustomizationSpec {
    interval: String,
    retry_interval: String,
    timeout: String,
    path: String,
    prune: bool,
    wait: bool,
    source_ref: CrossNamespaceRef,
    #[serde(default)]
    depends_on: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KustomizeFile {
    api_version: String,
    kind: String,
    resources: Vec<String>,
    #[serde(default)]
    patches: Vec<KustomizePatch>,
}

/// A hub's Kustomize patch (`spec.patches`): a target selector and the patch text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KustomizePatch {
    target: Value,
    patch: String,
}

fn parse<T: DeserializeOwned>(path: &str, text: &str) {
    if let Err(e) = serde_saphyr::from_str::<T>(text) {
        panic!(
            "{path} does not parse as {}: {e}",
            std::any::type_name::<T>()
        );
    }
}

#[test]
fn every_generated_document_parses_into_its_type() {
    let mut dirs: Vec<_> = harness::cases("valid")
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    dirs.push(harness::repo());
    let mut checked = 0;
    for dir in dirs {
        for (path, bytes) in harness::render(&dir).iter() {
            let text = std::str::from_utf8(bytes).unwrap();
            let head: Value = serde_saphyr::from_str(text).unwrap();
            let kind = (
                head["apiVersion"].as_str().unwrap_or(""),
                head["kind"].as_str().unwrap_or(""),
            );
            match kind {
                ("v1", "Namespace") => parse::<Namespace>(path, text),
                ("v1", "ServiceAccount") => parse::<ServiceAccount>(path, text),
                ("v1", "ConfigMap") => parse::<ConfigMap>(path, text),
                // A hub's extra objects.
                ("v1", "PersistentVolume") => parse::<PersistentVolume>(path, text),
                ("v1", "PersistentVolumeClaim") => parse::<PersistentVolumeClaim>(path, text),
                ("v1", "ResourceQuota") => parse::<ResourceQuota>(path, text),
                ("v1", "LimitRange") => parse::<LimitRange>(path, text),
                ("helm.toolkit.fluxcd.io/v2", "HelmRelease") => {
                    parse::<Object<HelmReleaseSpec>>(path, text)
                }
                ("source.toolkit.fluxcd.io/v1", "HelmRepository") => {
                    parse::<Object<HelmRepositorySpec>>(path, text)
                }
                ("source.toolkit.fluxcd.io/v1", "GitRepository") => {
                    parse::<Object<GitRepositorySpec>>(path, text)
                }
                ("kustomize.toolkit.fluxcd.io/v1", "Kustomization") => {
                    parse::<Object<FluxKustomizationSpec>>(path, text)
                }
                ("kustomize.config.k8s.io/v1beta1", "Kustomization") => {
                    parse::<KustomizeFile>(path, text)
                }
                // Kinds added by later capabilities are checked by the conformance suite against real schemas.
                _ if !matches!(
                    kind.0,
                    "v1" | "helm.toolkit.fluxcd.io/v2" | "kustomize.toolkit.fluxcd.io/v1"
                ) =>
                {
                    continue;
                }
                other => panic!("{path}: no typed form for {other:?}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} documents checked");
}
