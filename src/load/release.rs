//! Checks of a hub's chart source, Flux release settings and Pod Security level: one source of the chart, a URL
//! Flux can fetch, a chart major whose pods the namespace's Pod Security level admits, no namespace created behind
//! Git's back, `valuesFrom` keys and paths Flux accepts, and dependencies that are not jupyflux's own layers.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::chart_source::GENERATIONS;
use crate::model::hub::HubSpec;
use crate::model::release::{KUSTOMIZATION_NAMESPACE, is_target_path, is_values_key};
use crate::model::{Definition, Environment};

/// Validate the chart, release and Pod Security settings of `hub`.
pub fn validate(env: &Environment, hub: &Definition<HubSpec>, node: &Node, report: &mut Reporter) {
    let name = &hub.name;
    let spec = &hub.spec;
    let at = |path: &[&str]| {
        let mut full = vec!["spec"];
        full.extend(path);
        loc_at(node, &full)
    };
    let chart = &spec.chart;
    if chart.repository.is_some() && chart.source_ref.is_some() {
        report.at(
            at(&["chart", "sourceRef"]),
            format!("Hub `{name}`: spec.chart has both repository and sourceRef"),
            Some("choose one: `repository` (jupyflux renders a HelmRepository for it) or `sourceRef` (an existing HelmRepository or OCIRepository)".into()),
        );
    }
    if let Some(url) = &chart.repository
        && !["https://", "http://", "oci://"]
            .iter()
            .any(|s| url.starts_with(s))
    {
        report.at(
            at(&["chart", "repository"]),
            format!("Hub `{name}`: chart repository `{url}` is not a URL Flux can fetch charts from"),
            Some("write https://host/path/ (a Helm repository) or oci://registry/path (an OCI registry)".into()),
        );
    }
    pod_security(hub, node, report);
    if spec.release.install.create_namespace == Some(true) {
        report.at(
            at(&["release", "install", "createNamespace"]),
            format!("Hub `{name}`: Helm must not create the hub's namespace"),
            Some("remove createNamespace: jupyflux renders the hub's Namespace (with its Pod Security labels), or say `namespace: {name: …, managed: false}` for one that exists".into()),
        );
    }
    let ns = hub.namespace();
    for (i, dependency) in spec.release.depends_on.iter().enumerate() {
        let same_namespace = dependency.namespace.as_deref().is_none_or(|n| n == ns);
        if same_namespace && dependency.name.as_str() == hub.name {
            report.at(
                at(&["release", "dependsOn", &i.to_string(), "name"]),
                format!("Hub `{name}`: its HelmRelease cannot depend on itself"),
                Some("name other HelmReleases here (e.g. a database operator's)".into()),
            );
        }
    }
    for (i, from) in spec.values_from.iter().enumerate() {
        let index = i.to_string();
        if let Some(key) = from.values_key.as_deref().filter(|k| !is_values_key(k)) {
            report.at(
                at(&["valuesFrom", &index, "valuesKey"]),
                format!("Hub `{name}`: valuesKey `{key}` is not a data key Flux accepts"),
                Some("use letters, digits, `-`, `_` and `.`, e.g. values.yaml".into()),
            );
        }
        if let Some(path) = from.target_path.as_deref().filter(|p| !is_target_path(p)) {
            report.at(
                at(&["valuesFrom", &index, "targetPath"]),
                format!("Hub `{name}`: targetPath `{path}` is not a chart path Flux accepts"),
                Some("a dotted path with [N] indexes, e.g. hub.config.GenericOAuthenticator.client_secret".into()),
            );
        }
    }
    let flux_ns = env.definition.spec.flux.namespace.as_str();
    for (i, dependency) in spec.depends_on.iter().enumerate() {
        let namespace = dependency
            .namespace
            .as_deref()
            .unwrap_or(KUSTOMIZATION_NAMESPACE);
        if namespace == flux_ns && dependency.name.starts_with("jupyflux-") {
            report.at(
                at(&["dependsOn", &i.to_string(), "name"]),
                format!("Hub `{name}`: Kustomization `{}` is one of jupyflux's own layers", dependency.name),
                Some("jupyflux orders its layers itself; name Kustomizations made outside jupyflux (e.g. a storage operator's)".into()),
            );
        }
    }
}

/// The chart major's pods must run under the namespace's Pod Security level (checked for an existing namespace
/// too: its labels are someone else's, but the level the definition states is what the hub is held to).
fn pod_security(hub: &Definition<HubSpec>, node: &Node, report: &mut Reporter) {
    let name = &hub.name;
    let version = &hub.spec.chart.version;
    let level = hub.spec.pod_security;
    let loc = loc_at(node, &["spec", "chart", "version"]);
    let Some(generation) = version.generation() else {
        let oldest = GENERATIONS[0].chart_major;
        report.at(
            loc,
            format!("Hub `{name}`: chart {version} is older than jupyflux renders values for (chart {oldest}.x and later)"),
            Some("upgrade the chart to 4.x, e.g. \"4.3.2\"".into()),
        );
        return;
    };
    if level < generation.pod_security {
        let needs = generation.pod_security.as_str();
        report.at(
            loc,
            format!(
                "Hub `{name}`: chart {version} renders hub, proxy, image-puller and user-scheduler pods that the {} Pod Security level refuses (chart {}.x runs under {needs} at best)",
                level.as_str(),
                generation.chart_major,
            ),
            Some(format!(
                "upgrade the chart to 4.x (e.g. \"4.3.2\"; its pods meet restricted), or set `podSecurity: {needs}` on the hub"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    /// The problems of a hub whose spec has `chart` and ends with `extra` (YAML indented under `spec:`).
    fn problems(chart: &str, extra: &str) -> String {
        crate::load::hub_problems(&format!(
            "  chart: {chart}\n  auth: {{dummy: {{}}}}\n  singleuser:\n    image: quay.io/jupyter/base-notebook:2025-03-17\n{extra}"
        ))
    }

    #[test]
    fn an_older_chart_needs_baseline() {
        let text = problems("{version: \"3.3.6\"}", "");
        assert!(
            text.contains("hub.yaml:5:20: error: Hub `lab`: chart 3.3.6 renders hub, proxy, image-puller and user-scheduler pods that the restricted Pod Security level refuses"),
            "{text}"
        );
        assert!(text.contains("upgrade the chart to 4.x"), "{text}");
        assert!(text.contains("`podSecurity: baseline`"), "{text}");
        assert_eq!(
            problems("{version: \"3.3.6\"}", "  podSecurity: baseline\n"),
            ""
        );
        assert_eq!(
            problems("{version: '4.3.3-0.dev.git.7285.h2e426380'}", ""),
            ""
        );
        let text = problems("{version: \"0.11.1\"}", "  podSecurity: privileged\n");
        assert!(
            text.contains("chart 0.11.1 is older than jupyflux renders values for"),
            "{text}"
        );
    }

    #[test]
    fn ranges_are_refused_where_they_are_written() {
        let text = problems("{version: \"^4\"}", "");
        assert!(
            text.contains("hub.yaml:5:20: error: Hub `lab`, spec.chart.version: chart version `^4` is not an exact version"),
            "{text}"
        );
        let text = problems("{version: 4.3}", "");
        assert!(
            text.contains("chart version `4.3` is not an exact version"),
            "{text}"
        );
    }

    #[test]
    fn one_chart_source_that_flux_can_fetch() {
        let text = problems(
            "{version: \"4.3.2\", repository: \"hub.jupyter.org\", sourceRef: {kind: HelmRepository, name: jupyterhub}}",
            "",
        );
        assert!(
            text.contains("spec.chart has both repository and sourceRef"),
            "{text}"
        );
        assert!(
            text.contains(
                "chart repository `hub.jupyter.org` is not a URL Flux can fetch charts from"
            ),
            "{text}"
        );
    }

    #[test]
    fn release_settings_are_checked_in_place() {
        let text = problems(
            "{version: \"4.3.2\"}",
            "  release:\n    interval: 30 min\n    install: {createNamespace: true}\n    dependsOn: [{name: lab}]\n  valuesFrom: [{kind: ConfigMap, name: extra, valuesKey: \"a b\", targetPath: \"a=b\"}]\n  dependsOn: [{name: jupyflux-secrets}]\n",
        );
        assert!(
            text.contains("hub.yaml:10:15: error: Hub `lab`, spec.release.interval: `30 min` is not a Flux duration"),
            "{text}"
        );
        // A document that does not read stops at its typing errors; the rest is checked once it reads.
        let text = problems(
            "{version: \"4.3.2\"}",
            "  release:\n    install: {createNamespace: true}\n    dependsOn: [{name: lab}]\n  valuesFrom: [{kind: ConfigMap, name: extra, valuesKey: \"a b\", targetPath: \"a=b\"}]\n  dependsOn: [{name: jupyflux-secrets}]\n",
        );
        for expected in [
            "hub.yaml:10:32: error: Hub `lab`: Helm must not create the hub's namespace",
            "hub.yaml:11:24: error: Hub `lab`: its HelmRelease cannot depend on itself",
            "error: Hub `lab`: valuesKey `a b` is not a data key Flux accepts",
            "error: Hub `lab`: targetPath `a=b` is not a chart path Flux accepts",
            "hub.yaml:13:22: error: Hub `lab`: Kustomization `jupyflux-secrets` is one of jupyflux's own layers",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }
}
