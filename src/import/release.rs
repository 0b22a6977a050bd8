//! The Flux side of an imported hub, from the HelmRelease itself (not its values): the chart and where it comes
//! from, how Flux reconciles it (`spec.release`), values from objects managed elsewhere (`spec.valuesFrom`), and
//! the Pod Security level the chart version needs.

use super::read::Release;
use serde_json::{Map, Value, json};

/// The newest chart version jupyflux knows; an unpinned chart is pinned to it (and the report says so).
pub const KNOWN_CHART: &str = "4.4.0";

/// The HelmRelease-level fields of the Hub's spec, with notes for a person and the changes jupyflux makes.
pub struct Lifted {
    pub spec: Value,
    pub notes: Vec<String>,
    pub changes: Vec<String>,
}

pub fn lift(release: &Release) -> Lifted {
    let mut notes = Vec::new();
    let mut changes = Vec::new();
    let mut spec = json!({"chart": chart(release, &mut notes)});
    let major = spec["chart"]["version"]
        .as_str()
        .and_then(|v| v.split('.').next()?.parse::<u64>().ok());
    if major.is_some_and(|m| m < 4) {
        spec["podSecurity"] = json!("baseline");
        changes.push(format!(
            "podSecurity: baseline — chart {} runs pods that the restricted Pod Security profile refuses (upgrade to chart 4 for restricted)",
            spec["chart"]["version"].as_str().unwrap_or_default()
        ));
    }
    if let Some(ns) = &release.namespace {
        spec["namespace"] = json!({"name": ns, "managed": false});
        notes.push(format!(
            "namespace `{ns}` exists already: the definition says `managed: false`, so jupyflux never creates, relabels or prunes it"
        ));
    }
    let original = release.object.get("spec").cloned().unwrap_or_default();
    let effective_name = original
        .get("releaseName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(
            || match original.get("targetNamespace").and_then(Value::as_str) {
                Some(target) => format!("{target}-{}", release.name),
                None => release.name.clone(),
            },
        );
    if effective_name != release.name {
        notes.push(format!(
            "the Helm release is named `{effective_name}` today and jupyflux names it `{}`: Helm would install a second release; rename the Hub or migrate the release",
            release.name
        ));
    }
    let settings = settings(&original, &mut changes, &mut notes);
    if !settings.is_empty() {
        spec["release"] = Value::Object(settings);
    }
    let values_from: Vec<Value> = release.unresolved.iter().map(values_from).collect();
    if !values_from.is_empty() {
        spec["valuesFrom"] = json!(values_from);
    }
    Lifted {
        spec,
        notes,
        changes,
    }
}

fn chart(release: &Release, notes: &mut Vec<String>) -> Value {
    let version = release.chart_version.as_deref().unwrap_or("");
    let exact = !version.is_empty()
        && version
            .trim_start_matches('v')
            .starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        && version.split('.').count() >= 3;
    let version = if exact {
        version.trim_start_matches('v').to_owned()
    } else {
        notes.push(format!(
            "the chart version `{}` is not an exact version: pinned to {KNOWN_CHART} (the newest jupyflux knows); check it",
            if version.is_empty() { "(none)" } else { version }
        ));
        KNOWN_CHART.to_owned()
    };
    let mut chart = json!({"version": version});
    let source_kind = release.source.as_ref().map(|s| s.kind.as_str());
    match (&release.source_object, &release.source) {
        (Some(object), _) if object.get("kind").and_then(Value::as_str) == Some("HelmRepository") => {
            if let Some(url) = object.pointer("/spec/url").and_then(Value::as_str)
                && url.trim_end_matches('/') != crate::model::hub::CHART_REPOSITORY.trim_end_matches('/')
            {
                chart["repository"] = json!(url);
            }
        }
        (_, Some(source)) if matches!(source_kind, Some("HelmRepository" | "OCIRepository")) => {
            let mut reference = json!({"kind": source.kind, "name": source.name});
            if let Some(ns) = &source.namespace {
                reference["namespace"] = json!(ns);
            }
            chart["sourceRef"] = reference;
        }
        (_, Some(source)) => notes.push(format!(
            "the chart comes from a {} `{}`: jupyflux installs from the JupyterHub chart repository instead (or name a HelmRepository/OCIRepository in chart.sourceRef)",
            source.kind, source.name
        )),
        (_, None) => {}
    }
    chart
}

/// `spec.release` from the HelmRelease's settings; what Flux defaulted and jupyflux sets differently is listed.
fn settings(
    original: &Value,
    changes: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Map<String, Value> {
    let mut release = Map::new();
    let get = |p: &str| original.pointer(p).cloned();
    for (from, to) in [
        ("/interval", "interval"),
        ("/timeout", "timeout"),
        ("/maxHistory", "maxHistory"),
    ] {
        if let Some(v) = get(from) {
            release.insert(to.into(), v);
        }
    }
    let mut install = Map::new();
    for (from, to) in [
        ("/install/remediation/retries", "retries"),
        ("/install/timeout", "timeout"),
        ("/install/disableWait", "disableWait"),
    ] {
        if let Some(v) = get(from) {
            install.insert(to.into(), v);
        }
    }
    if get("/install/createNamespace").is_some() {
        notes.push(
            "install.createNamespace dropped: the namespace exists (or jupyflux renders it)".into(),
        );
    }
    let mut upgrade = Map::new();
    for (from, to) in [
        ("/upgrade/remediation/retries", "retries"),
        ("/upgrade/remediation/strategy", "strategy"),
        (
            "/upgrade/remediation/remediateLastFailure",
            "remediateLastFailure",
        ),
        ("/upgrade/cleanupOnFail", "cleanupOnFail"),
        ("/upgrade/timeout", "timeout"),
    ] {
        if let Some(v) = get(from) {
            upgrade.insert(to.into(), v);
        }
    }
    let mut uninstall = Map::new();
    for (from, to) in [
        ("/uninstall/keepHistory", "keepHistory"),
        ("/uninstall/timeout", "timeout"),
    ] {
        if let Some(v) = get(from) {
            uninstall.insert(to.into(), v);
        }
    }
    if get("/install/remediation/retries").is_none() {
        changes.push("HelmRelease install: 3 retries (Flux's default: none)".into());
    }
    if get("/upgrade/remediation/retries").is_none() {
        changes.push("HelmRelease upgrade: 3 retries, rolled back on failure, cleanupOnFail (Flux's default: none)".into());
    }
    match get("/driftDetection/mode") {
        Some(mode) => {
            release.insert("driftDetection".into(), mode);
        }
        None => changes.push("HelmRelease driftDetection: enabled — Flux corrects changes made in the cluster (Flux's default: disabled)".into()),
    }
    if let Some(Value::Array(deps)) = get("/dependsOn") {
        release.insert("dependsOn".into(), json!(deps));
    }
    for (key, section) in [
        ("install", install),
        ("upgrade", upgrade),
        ("uninstall", uninstall),
    ] {
        if !section.is_empty() {
            release.insert(key.into(), Value::Object(section));
        }
    }
    release
}

/// A `valuesFrom` entry import could not read: kept as a reference to the object managed elsewhere.
fn values_from(entry: &Value) -> Value {
    let mut out = Map::new();
    for key in ["kind", "name", "valuesKey", "targetPath", "optional"] {
        if let Some(v) = entry.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// The HelmRelease's unresolved `valuesFrom` entries that read one key of a Secret into one chart value.
pub fn values_from_secrets(release: &Release) -> Vec<super::lift::ValuesFromSecret> {
    let text = |entry: &Value, key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
    release
        .unresolved
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            text(entry, "kind").as_deref() == Some("Secret")
                && entry.get("optional").and_then(Value::as_bool) != Some(true)
        })
        .filter_map(|(index, entry)| {
            Some(super::lift::ValuesFromSecret {
                index,
                target_path: text(entry, "targetPath")?,
                secret: text(entry, "name")?,
                key: text(entry, "valuesKey")?,
            })
        })
        .collect()
}
