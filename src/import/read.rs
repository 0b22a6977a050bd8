//! Reading what `jupyflux import` is given: Flux HelmReleases of the `jupyterhub` chart (v2, v2beta2, v2beta1),
//! the HelmRepository / OCIRepository they install from, and the ConfigMaps their `valuesFrom` names, from any
//! number of multi-document files. Flux's own order is kept: `valuesFrom` entries in order, inline values last.

use super::leaves::{Path, Step, put};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::load::node::parse_options;
use crate::render::overrides::merge;
use serde_json::Value;

/// The HelmRelease API versions import reads.
pub const RELEASE_VERSIONS: [&str; 3] = [
    "helm.toolkit.fluxcd.io/v2",
    "helm.toolkit.fluxcd.io/v2beta2",
    "helm.toolkit.fluxcd.io/v2beta1",
];

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: String,
    pub text: String,
}

/// A HelmRelease of the jupyterhub chart, with what it refers to resolved where the inputs hold it.
#[derive(Clone, Debug)]
pub struct Release {
    /// Where it was read (`file`, document number from 1).
    pub file: String,
    pub document: usize,
    pub api_version: String,
    pub name: String,
    /// The namespace the chart installs into (`targetNamespace`, else the release's own).
    pub namespace: Option<String>,
    /// The whole HelmRelease as read.
    pub object: Value,
    /// `spec.chart.spec.version` (or the OCIRepository's tag / semver), as written.
    pub chart_version: Option<String>,
    /// The source it installs from, when named.
    pub source: Option<SourceRef>,
    /// The source object itself, when it is among the inputs.
    pub source_object: Option<Value>,
    /// The chart values as Flux computes them from what the inputs hold: resolved `valuesFrom`, then `values`.
    pub values: Value,
    /// `valuesFrom` entries that could not be resolved from the inputs (Secrets, ConfigMaps kept elsewhere).
    pub unresolved: Vec<Value>,
}

/// A Flux source named by `sourceRef` / `chartRef`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRef {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// Every jupyterhub HelmRelease of `inputs`; documents of other kinds are context (sources, ConfigMaps).
pub fn releases(inputs: &[Input]) -> Result<Vec<Release>, Diagnostics> {
    let mut problems = Diagnostics::default();
    let mut documents: Vec<(String, usize, Value)> = Vec::new();
    for input in inputs {
        match serde_saphyr::from_multiple_with_options::<Value>(&input.text, parse_options()) {
            Ok(docs) => documents.extend(
                docs.into_iter()
                    .enumerate()
                    .filter(|(_, d)| d.is_object())
                    .map(|(i, d)| (input.path.clone(), i + 1, d)),
            ),
            Err(e) => {
                let position = e.location().map(|l| (l.line() as u32, l.column() as u32));
                let text = e.to_string();
                let message = text
                    .rsplit_once(" at line ")
                    .map_or(text.as_str(), |(m, _)| m);
                problems.push(
                    Diagnostic::new(
                        Location {
                            file: input.path.clone(),
                            position,
                        },
                        format!(
                            "not valid YAML: {}",
                            crate::diagnostic::shown_within(message, 240, 160)
                        ),
                    )
                    .with_help("import reads Flux HelmRelease manifests as they are committed"),
                );
            }
        }
    }
    let context: Vec<&Value> = documents.iter().map(|(_, _, d)| d).collect();
    let mut found = Vec::new();
    for (file, document, object) in &documents {
        let api_version = text(object, &["apiVersion"]);
        let kind = text(object, &["kind"]);
        if kind != Some("HelmRelease")
            || !api_version.is_some_and(|v| v.starts_with("helm.toolkit.fluxcd.io/"))
        {
            continue;
        }
        let api_version = api_version.unwrap_or_default();
        let at = Location {
            file: file.clone(),
            position: None,
        };
        if !RELEASE_VERSIONS.contains(&api_version) {
            problems.push(
                Diagnostic::new(at, format!("document {document}: HelmRelease apiVersion {api_version} is not one import reads"))
                    .with_help(format!("one of {}", RELEASE_VERSIONS.join(", "))),
            );
            continue;
        }
        match release(file, *document, api_version, object, &context) {
            Ok(Some(release)) => found.push(release),
            Ok(None) => {}
            Err(message) => problems.push(Diagnostic::new(
                at,
                format!("document {document}: {message}"),
            )),
        }
    }
    if found.is_empty() && problems.is_empty() {
        problems.push(
            Diagnostic::new(
                Location { file: inputs.first().map_or_else(String::new, |i| i.path.clone()), position: None },
                "no HelmRelease of the jupyterhub chart in the given files",
            )
            .with_help("give the file(s) holding a `kind: HelmRelease` with `chart: jupyterhub` (and its HelmRepository and ConfigMaps)"),
        );
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems.finish())
    }
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, k| v.get(k))
        .and_then(Value::as_str)
}

fn release(
    file: &str,
    document: usize,
    api_version: &str,
    object: &Value,
    context: &[&Value],
) -> Result<Option<Release>, String> {
    let spec = object.get("spec").ok_or("HelmRelease without spec")?;
    let name = text(object, &["metadata", "name"]).ok_or("HelmRelease without metadata.name")?;
    let own_namespace = text(object, &["metadata", "namespace"]);
    let chart_spec = spec.get("chart").and_then(|c| c.get("spec"));
    let (chart, chart_version, source) = match (chart_spec, spec.get("chartRef")) {
        (Some(chart), _) => {
            let source = chart.get("sourceRef").map(|s| source_ref(s, own_namespace));
            (
                text(chart, &["chart"]).map(str::to_owned),
                chart.get("version").map(scalar_text),
                source,
            )
        }
        (None, Some(reference)) => (None, None, Some(source_ref(reference, own_namespace))),
        (None, None) => {
            return Err("HelmRelease names no chart (neither spec.chart nor spec.chartRef)".into());
        }
    };
    let source_object = source
        .as_ref()
        .and_then(|s| find(context, &s.kind, &s.name, s.namespace.as_deref()));
    // A chartRef to an OCIRepository: the chart is whatever that repository serves.
    let chart = chart.or_else(|| {
        source_object
            .and_then(|o| text(o, &["spec", "url"]))
            .and_then(|u| u.rsplit('/').next().map(str::to_owned))
    });
    let chart_version = chart_version.or_else(|| {
        source_object
            .and_then(|o| o.get("spec"))
            // OCIRepository: spec.ref.tag / semver; HelmChart: spec.version.
            .and_then(|s| {
                s.get("ref")
                    .and_then(|r| r.get("tag").or(r.get("semver")))
                    .or(s.get("version"))
            })
            .map(scalar_text)
    });
    let is_jupyterhub = match (&chart, &source) {
        (Some(chart), _) => chart == "jupyterhub",
        // A chartRef whose target is not among the inputs: take it, the values decide.
        (None, Some(_)) => true,
        (None, None) => false,
    };
    if !is_jupyterhub {
        return Ok(None);
    }
    let namespace = text(spec, &["targetNamespace"])
        .or(own_namespace)
        .map(str::to_owned);
    let mut values = Value::Object(Default::default());
    let mut unresolved = Vec::new();
    for entry in spec
        .get("valuesFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match resolve(entry, context, own_namespace)? {
            Some(from) => merge(&mut values, &from),
            None => unresolved.push(entry.clone()),
        }
    }
    if let Some(inline) = spec.get("values") {
        merge(&mut values, inline);
    }
    Ok(Some(Release {
        file: file.to_owned(),
        document,
        api_version: api_version.to_owned(),
        name: name.to_owned(),
        namespace,
        object: object.clone(),
        chart_version,
        source,
        source_object: source_object.cloned(),
        values,
        unresolved,
    }))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn source_ref(reference: &Value, own_namespace: Option<&str>) -> SourceRef {
    SourceRef {
        kind: text(reference, &["kind"])
            .unwrap_or("HelmRepository")
            .to_owned(),
        name: text(reference, &["name"]).unwrap_or_default().to_owned(),
        namespace: text(reference, &["namespace"])
            .or(own_namespace)
            .map(str::to_owned),
    }
}

fn find<'a>(
    context: &[&'a Value],
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> Option<&'a Value> {
    context.iter().copied().find(|d| {
        text(d, &["kind"]) == Some(kind)
            && text(d, &["metadata", "name"]) == Some(name)
            && (namespace.is_none()
                || text(d, &["metadata", "namespace"]).is_none()
                || text(d, &["metadata", "namespace"]) == namespace)
    })
}

/// The values one `valuesFrom` entry contributes, when its ConfigMap is among the inputs.
fn resolve(
    entry: &Value,
    context: &[&Value],
    namespace: Option<&str>,
) -> Result<Option<Value>, String> {
    let kind = text(entry, &["kind"]).unwrap_or_default();
    let name = text(entry, &["name"]).unwrap_or_default();
    if kind != "ConfigMap" {
        return Ok(None);
    }
    let Some(config_map) = find(context, kind, name, namespace) else {
        return Ok(None);
    };
    let key = text(entry, &["valuesKey"]).unwrap_or("values.yaml");
    let Some(data) = text(config_map, &["data", key]) else {
        return Ok(None);
    };
    match text(entry, &["targetPath"]) {
        Some(target) => {
            let mut values = Value::Object(Default::default());
            put(
                &mut values,
                &set_path(target),
                Value::String(data.to_owned()),
            );
            Ok(Some(values))
        }
        None => serde_saphyr::from_str_with_options::<Value>(data, parse_options())
            .map(Some)
            .map_err(|e| format!("ConfigMap {name} key {key} is not valid YAML values: {e}")),
    }
}

/// A Helm `--set` path (`a.b`, escaped dots `a\.b`) as key steps; indices are not used by import.
pub fn set_path(path: &str) -> Path {
    let mut steps = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => key.extend(chars.next()),
            '.' => steps.push(Step::Key(std::mem::take(&mut key))),
            c => key.push(c),
        }
    }
    steps.push(Step::Key(key));
    Path(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Vec<Release> {
        releases(&[Input {
            path: "in.yaml".into(),
            text: text.into(),
        }])
        .unwrap()
    }

    #[test]
    fn values_are_what_flux_computes_configmaps_in_order_then_inline_values() {
        let releases = read(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base, namespace: hub}\ndata:\n  values.yaml: |\n    singleuser: {defaultUrl: /tree, cpu: {limit: 2}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: hub}\ndata:\n  url: /lab\n---\napiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata: {name: lab, namespace: hub}\nspec:\n  chart: {spec: {chart: jupyterhub, version: \"3.1.0\", sourceRef: {kind: HelmRepository, name: jupyterhub}}}\n  valuesFrom:\n    - {kind: ConfigMap, name: base}\n    - {kind: ConfigMap, name: extra, valuesKey: url, targetPath: singleuser.defaultUrl}\n    - {kind: Secret, name: creds, valuesKey: secret, targetPath: hub.cookieSecret}\n  values:\n    singleuser: {cpu: {limit: 4}}\n",
        );
        let [release] = releases.as_slice() else {
            panic!("one release")
        };
        assert_eq!(
            release.values,
            json!({"singleuser": {"defaultUrl": "/lab", "cpu": {"limit": 4}}})
        );
        assert_eq!(
            release.unresolved,
            [
                json!({"kind": "Secret", "name": "creds", "valuesKey": "secret", "targetPath": "hub.cookieSecret"})
            ]
        );
        assert_eq!(release.chart_version.as_deref(), Some("3.1.0"));
        assert_eq!(
            release.source,
            Some(SourceRef {
                kind: "HelmRepository".into(),
                name: "jupyterhub".into(),
                namespace: Some("hub".into())
            })
        );
    }

    #[test]
    fn a_chart_ref_to_an_oci_repository_takes_its_chart_and_tag() {
        let releases = read(
            "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: jupyterhub, namespace: flux-system}\nspec: {url: oci://ghcr.io/example/charts/jupyterhub, ref: {tag: 4.3.2}}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: lab, namespace: jupyter}\nspec:\n  targetNamespace: hubs\n  chartRef: {kind: OCIRepository, name: jupyterhub, namespace: flux-system}\n",
        );
        let [release] = releases.as_slice() else {
            panic!("one release")
        };
        assert_eq!(release.chart_version.as_deref(), Some("4.3.2"));
        assert_eq!(release.namespace.as_deref(), Some("hubs"));
        assert_eq!(
            release.source.as_ref().map(|s| s.kind.as_str()),
            Some("OCIRepository")
        );
        assert!(release.source_object.is_some());
    }

    #[test]
    fn other_charts_are_context_not_hubs() {
        let text = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: grafana}\nspec: {chart: {spec: {chart: grafana, version: 1.0.0}}}\n";
        let problems = releases(&[Input {
            path: "g.yaml".into(),
            text: text.into(),
        }])
        .unwrap_err();
        assert!(
            problems
                .to_string()
                .contains("no HelmRelease of the jupyterhub chart"),
            "{problems}"
        );
    }
}
