//! `jupyflux values` (a hub's chart values, secrets shown as where they come from) and the checks `validate`
//! runs on each hub's rendered objects: its `spec.patches` applied, its values against the chart's schema.

mod harness;

use harness::{Scratch, repo, stderr, stdout, z2jh_reference};

/// The minimal fixture with `extra` appended to its hub's `spec` (the hub file ends inside `spec`).
fn minimal_with(extra: &str) -> Scratch {
    let scratch = Scratch::of(&repo().join("fixtures/valid/minimal"));
    let hub = scratch.read("overlays/base/hub.yaml");
    scratch.write("overlays/base/hub.yaml", &format!("{hub}{extra}"));
    scratch
}

#[test]
fn values_show_secrets_as_their_source_and_are_deterministic() {
    let scratch = Scratch::of_overlays(&repo());
    let args = ["values", "--env", "production", "--hub", "research"];
    let out = scratch.jupyflux(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "# Chart values of Hub research in environment production (chart jupyterhub 4.3.2)"
        ),
        "{text}"
    );
    for line in [
        "auth_token: <from Secret research-chart-secrets key proxy-token>",
        "cookie_secret: <from Secret research-chart-secrets key cookie-secret>",
        "- <from Secret research-chart-secrets key crypt-keeper-key>",
        "client_secret: <from Secret research-chart-secrets key oauth-client-secret>",
        "limit: 8G",
    ] {
        assert!(text.contains(line), "lacks `{line}`:\n{text}");
    }
    assert_eq!(stdout(&scratch.jupyflux(&args)), text);
}

#[test]
fn values_of_an_unknown_environment_or_hub_list_the_known_ones() {
    let scratch = Scratch::of_overlays(&repo());
    let out = scratch.jupyflux(&["values", "--env", "qa", "--hub", "research"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("no environment `qa` under overlays/ (environments: production, staging)"),
        "{}",
        stderr(&out)
    );
    let out = scratch.jupyflux(&["values", "--env", "staging", "--hub", "ml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no hub `ml` in environment `staging` (hubs: research)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn values_are_shown_after_the_patches_with_whole_documents_in_the_header() {
    let scratch = minimal_with(concat!(
        "  values:\n",
        "    singleuser: {startTimeout: 600}\n",
        "  patches:\n",
        "    - target: {kind: HelmRelease, name: trial}\n",
        "      patch: |\n",
        "        - {op: add, path: /spec/values/debug, value: {enabled: true}}\n",
        "        - {op: add, path: /spec/valuesFrom, value: [{kind: ConfigMap, name: site-values}]}\n",
    ));
    let out = scratch.jupyflux(&["values", "--env", "dev", "--hub", "trial"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("# Also merged, in order, under these values (whole values documents, not shown):\n#   ConfigMap site-values key values.yaml\n"),
        "{text}"
    );
    assert!(text.contains("startTimeout: 600\n"), "{text}");
    assert!(text.ends_with("debug:\n  enabled: true\n"), "{text}");
}

#[test]
fn validate_applies_each_patch_and_locates_those_that_fail() {
    let scratch = minimal_with(concat!(
        "  patches:\n",
        // 13: applies (kustomize agrees: see the conformance test of the patch engine)
        "    - target: {kind: HelmRelease, name: tri.*}\n",
        "      patch: |\n",
        "        - {op: add, path: /spec/suspend, value: true}\n",
        // 16: selects nothing
        "    - target: {kind: HelmRelease, name: other}\n",
        "      patch: |\n",
        "        - {op: add, path: /spec/suspend, value: true}\n",
        // 19: a failing test
        "    - target: {kind: HelmRelease}\n",
        "      patch: |\n",
        "        - {op: test, path: /spec/interval, value: 1h}\n",
        // 22: a replace of a missing path
        "    - target: {kind: HelmRelease}\n",
        "      patch: |\n",
        "        - {op: replace, path: /spec/values/nothere/x, value: 1}\n",
        // 25: neither kind of patch
        "    - target: {kind: HelmRelease}\n",
        "      patch: |\n",
        "        spec: {suspend: false}\n",
    ));
    let out = scratch.jupyflux(&["validate"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for line in [
        "overlays/base/hub.yaml:16:7: error: Hub `trial`, spec.patches[1]: its target selects none of the hub's objects (HelmRelease trial/trial, HelmRepository trial/jupyterhub, Namespace trial)",
        "overlays/base/hub.yaml:19:7: error: Hub `trial`, spec.patches[2]: it does not apply to HelmRelease trial/trial: operation 0 (test /spec/interval): the value is \"30m\", not \"1h\"",
        "overlays/base/hub.yaml:22:7: error: Hub `trial`, spec.patches[3]: it does not apply to HelmRelease trial/trial: operation 0 (replace /spec/values/nothere/x): /spec/values/nothere does not exist",
        "overlays/base/hub.yaml:25:7: error: Hub `trial`, spec.patches[4]: the patch does not parse: a strategic merge patch needs `kind`",
        "4 problems found",
    ] {
        assert!(err.contains(line), "lacks `{line}`:\n{err}");
    }
    assert!(!err.contains("spec.patches[0]"), "{err}");
    // `render` does not apply patches: it stays as fast as it was and writes them for Kustomize.
    let render = scratch.jupyflux(&["render", "--quiet"]);
    assert!(render.status.success(), "{}", stderr(&render));
}

#[test]
fn the_fixture_patches_apply() {
    for fixture in ["hub-oidc-groups", "minimal"] {
        let scratch = Scratch::of(&repo().join("fixtures/valid").join(fixture));
        let out = scratch.jupyflux(&["validate"]);
        assert!(out.status.success(), "{fixture}: {}", stderr(&out));
    }
}

/// The minimal fixture naming `schema` as its chart's values schema (at line 8 of its hub file), with `extra`
/// appended to its hub's `spec` (from line 13), and the reference chart's files under `charts/`.
fn with_schema(reference: &std::path::Path, schema: &str, extra: &str) -> Scratch {
    let scratch = minimal_with(extra);
    let hub = scratch.read("overlays/base/hub.yaml").replace(
        "    version: \"4.3.2\"\n",
        &format!("    version: \"4.3.2\"\n    schema: {schema}\n"),
    );
    scratch.write("overlays/base/hub.yaml", &hub);
    let read = |name: &str| std::fs::read_to_string(reference.join(name)).unwrap();
    for name in ["values.yaml", "values.schema.json"] {
        scratch.write(&format!("charts/z2jh/{name}"), &read(name));
    }
    scratch.write("schemas/values.schema.json", &read("values.schema.json"));
    for version in ["4.3.2", "4.4.0"] {
        let chart = format!("apiVersion: v2\nname: jupyterhub\nversion: {version}\n");
        let files = [
            ("jupyterhub/Chart.yaml", chart.as_str()),
            ("jupyterhub/values.yaml", &read("values.yaml")),
            ("jupyterhub/values.schema.json", &read("values.schema.json")),
        ];
        let path = scratch
            .path()
            .join(format!("charts/jupyterhub-{version}.tgz"));
        std::fs::write(path, tgz(&files)).unwrap();
    }
    scratch
}

fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

const TYPO: &str = concat!(
    "  values:\n",
    "    singleuser:\n",
    "      memroy: {limit: 1G}\n",
    "    hub:\n",
    "      concurrentSpawnLimit: many\n",
);

#[test]
fn validate_checks_the_values_against_the_chart_schema_of_a_directory_a_tgz_or_a_lone_schema() {
    let Some(reference) = z2jh_reference() else {
        return;
    };
    for schema in [
        "charts/z2jh",
        "charts/jupyterhub-4.3.2.tgz",
        "schemas/values.schema.json",
    ] {
        let scratch = with_schema(&reference, schema, TYPO);
        let out = scratch.jupyflux(&["validate"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{schema}: {err}");
        for line in [
            format!("overlays/base/hub.yaml:15:7: error: Hub `trial`: chart values: additional property `memroy` is not allowed at singleuser (values.schema.json of `{schema}`)"),
            "  help: did you mean `memory`? Rename spec.values.singleuser.memroy, or remove it".to_owned(),
            "overlays/base/hub.yaml:17:7: error: Hub `trial`: chart values: \"many\" is not of types \"null\", \"integer\" at hub.concurrentSpawnLimit".to_owned(),
            "2 problems found".to_owned(),
        ] {
            assert!(err.contains(&line), "{schema}: lacks `{line}`:\n{err}");
        }
        // Only `validate` reads the schema: `render` is unaffected.
        let render = scratch.jupyflux(&["render", "--quiet"]);
        assert!(render.status.success(), "{schema}: {}", stderr(&render));
    }
    let valid = with_schema(
        &reference,
        "charts/jupyterhub-4.3.2.tgz",
        "  values: {singleuser: {startTimeout: 600}}\n",
    );
    let out = valid.jupyflux(&["validate"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_problem_that_spec_values_only_partly_writes_points_at_the_values_key() {
    let Some(reference) = z2jh_reference() else {
        return;
    };
    let scratch = with_schema(
        &reference,
        "charts/z2jh",
        concat!(
            "  values:\n",
            "    singleuser: {startTimeout: 600}\n",
            "  patches:\n",
            "    - target: {kind: HelmRelease}\n",
            "      patch: |\n",
            "        - {op: add, path: /spec/values/singleuser/memroy, value: {}}\n",
        ),
    );
    let err = stderr(&scratch.jupyflux(&["validate"]));
    assert!(
        err.contains("overlays/base/hub.yaml:13:3: error: Hub `trial`: chart values: additional property `memroy` is not allowed at singleuser"),
        "{err}"
    );
}

#[test]
fn a_chart_of_another_version_or_a_path_outside_the_repository_is_refused() {
    let Some(reference) = z2jh_reference() else {
        return;
    };
    let scratch = with_schema(&reference, "charts/jupyterhub-4.4.0.tgz", "");
    let err = stderr(&scratch.jupyflux(&["validate"]));
    assert!(
        err.contains("overlays/base/hub.yaml:8:13: error: Hub `trial`, spec.chart.schema: `charts/jupyterhub-4.4.0.tgz` is chart version `4.4.0`, but the hub installs `4.3.2`"),
        "{err}"
    );
    let scratch = with_schema(&reference, "../z2jh/values.schema.json", "");
    let err = stderr(&scratch.jupyflux(&["validate"]));
    assert!(
        err.contains(
            "spec.chart.schema: `../z2jh/values.schema.json` is not a path inside the repository"
        ),
        "{err}"
    );
}
