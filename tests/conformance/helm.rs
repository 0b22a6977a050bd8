//! The values a HelmRelease installs its chart with (chart defaults, then `valuesFrom` in order,
//! then inline `values`), validated against the chart's values schema: the Zero to JupyterHub
//! reference for chart `jupyterhub`.

use serde_json::{Map, Value};

use super::environment::display_path;
use super::manifests::{Document, Tree};
use super::report::Report;
use super::schemas::{schemas, violations};
use jupyflux::chart_values::{coalesce, merge_maps, parse_path, placeholder, schema_at, set_path};

const JUPYTERHUB_CHART: &str = "jupyterhub";
/// The chart version `../shared/reference/z2jh` was taken from (its Chart.yaml says
/// `0.0.1-set.by.chartpress`; the tag is 4.4.0).
const REFERENCE_CHART_VERSION: &str = "4.4.0";

/// Validates the merged chart values of one HelmRelease, or notes why they cannot be checked.
pub fn check_chart_values(release: &Document, tree: &Tree, report: &mut Report) {
    let file = display_path(&release.file);
    let who = release.identity();
    let chart = release.str_at("/spec/chart/spec/chart");
    // A hub's release from an OCIRepository (`chartRef`) names no chart, but jupyflux only renders z2jh releases.
    let hub = release
        .str_at("/metadata/labels/jupyflux.dev~1hub")
        .is_some();
    let chart = chart
        .or((hub && release.str_at("/spec/chartRef/kind").is_some()).then_some(JUPYTERHUB_CHART));
    if chart != Some(JUPYTERHUB_CHART) {
        let chart = chart.unwrap_or("(from chartRef)");
        report.note(format!(
            "{file}: {who}: values not checked: no schema for chart {chart}"
        ));
        return;
    }
    let version = release.str_at("/spec/chart/spec/version");
    if let Some(version) = version.filter(|v| *v != REFERENCE_CHART_VERSION) {
        report.note(format!(
            "{file}: {who}: chart {version} checked against the {REFERENCE_CHART_VERSION} values schema"
        ));
    }
    let Some(user) = user_values(release, tree, report) else {
        return;
    };
    let merged = coalesce(user, schemas().chart_defaults());
    let validator = match schemas().chart_values() {
        Ok(validator) => validator,
        Err(why) => return report.violation(&file, &who, "/spec/values", &why),
    };
    for (pointer, message) in violations(&validator, &merged) {
        report.violation(&file, &who, &format!("chart values {pointer}"), &message);
    }
    report.count("chart values");
}

/// `valuesFrom` in order, then inline `values` (Flux's merge). `None` (after reporting why) when
/// the values cannot be known.
fn user_values(release: &Document, tree: &Tree, report: &mut Report) -> Option<Value> {
    let file = display_path(&release.file);
    let who = release.identity();
    let mut values = Value::Object(Map::new());
    let mut complete = true;
    let references = release.value["spec"]["valuesFrom"].as_array();
    for (index, reference) in references.into_iter().flatten().enumerate() {
        let pointer = format!("/spec/valuesFrom/{index}");
        match values_from(reference, release, tree) {
            Ok(Some(Source::Document(document))) => merge_maps(&mut values, document),
            Ok(Some(Source::AtPath(path, value))) => match parse_path(&path) {
                Ok(path) => {
                    let value = value
                        .unwrap_or_else(|| placeholder(schema_at(schemas().chart_schema(), &path)));
                    set_path(&mut values, &path, value);
                }
                Err(message) => {
                    report.violation(&file, &who, &format!("{pointer}/targetPath"), &message);
                    complete = false;
                }
            },
            Ok(None) => {}
            Err(Problem::Unknowable(why)) => {
                report.note(format!("{file}: {who}: chart values not checked: {why}"));
                complete = false;
            }
            Err(Problem::Broken(message)) => {
                report.violation(&file, &who, &pointer, &message);
                complete = false;
            }
        }
    }
    merge_maps(&mut values, release.value["spec"]["values"].clone());
    complete.then_some(values)
}

/// What one `valuesFrom` entry contributes.
enum Source {
    /// A YAML document merged at the root.
    Document(Value),
    /// A value at a `targetPath` (`None`: a Secret's, unknown here).
    AtPath(String, Option<Value>),
}

enum Problem {
    Unknowable(String),
    Broken(String),
}

fn values_from(
    reference: &Value,
    release: &Document,
    tree: &Tree,
) -> Result<Option<Source>, Problem> {
    let kind = reference["kind"].as_str().unwrap_or_default();
    let name = reference["name"].as_str().unwrap_or_default();
    let key = reference["valuesKey"].as_str().unwrap_or("values.yaml");
    let optional = reference["optional"] == true;
    let target_path = reference["targetPath"].as_str().map(str::to_owned);
    if kind == "Secret" {
        return match target_path {
            Some(path) => Ok(Some(Source::AtPath(path, None))),
            None => Err(Problem::Unknowable(format!(
                "values come from Secret {name}"
            ))),
        };
    }
    let found = tree.config_maps.iter().find(|c| {
        let same_namespace = match (&c.namespace, &release.namespace) {
            (Some(theirs), Some(ours)) => theirs == ours,
            _ => true,
        };
        c.name == name && same_namespace
    });
    let text = match found {
        Some(config_map) => {
            if let Some(why) = &config_map.unreachable {
                return Err(Problem::Broken(why.clone()));
            }
            config_map.data.get(key)
        }
        None => None,
    };
    let Some(text) = text else {
        let what = match found {
            Some(_) => format!("ConfigMap {name} has no key {key}"),
            None => format!("ConfigMap {name} is not in this tree (same namespace)"),
        };
        return if optional {
            Ok(None)
        } else {
            Err(Problem::Broken(what))
        };
    };
    if let Some(path) = target_path {
        return Ok(Some(Source::AtPath(path, Some(Value::from(text.as_str())))));
    }
    match serde_saphyr::from_str::<Value>(text) {
        Ok(document @ Value::Object(_)) => Ok(Some(Source::Document(document))),
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(Problem::Broken(format!(
            "ConfigMap {name} key {key} is not a YAML map"
        ))),
        Err(e) => Err(Problem::Broken(format!(
            "ConfigMap {name} key {key}: invalid YAML: {e}"
        ))),
    }
}
