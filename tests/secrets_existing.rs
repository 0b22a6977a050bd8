//! `{secret, key}`: secrets made outside jupyflux (SOPS, sealed-secrets, by hand) are read where they are — no
//! ExternalSecret, no store — and `validate` lists every Secret that must exist. Shown on the `existing-secrets`
//! fixture and small edits of it.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use jupyflux::load::{Sources, load_sources};
use jupyflux::render::{Options, render_with};
use serde_json::Value;

fn fixture() -> Sources {
    harness::valid_fixture("existing-secrets")
}

fn edited(from: &str, to: &str) -> Sources {
    harness::valid_fixture_with("existing-secrets", from, to)
}

/// Every rendered file (previews of the notebooks' children included), by path.
fn rendered(sources: &Sources) -> Vec<(String, String)> {
    let model = load_sources(sources).unwrap_or_else(|p| panic!("{p}"));
    let tree = render_with(
        &model,
        Options {
            expand_notebooks: true,
        },
    );
    tree.iter()
        .map(|(path, bytes)| (path.to_owned(), String::from_utf8(bytes.to_vec()).unwrap()))
        .collect()
}

fn file<'a>(files: &'a [(String, String)], path: &str) -> &'a str {
    files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("no {path}"))
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

#[test]
fn existing_secrets_are_read_where_they_are_and_nothing_is_made_for_them() {
    let files = rendered(&fixture());
    let made: Vec<&str> = files
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| {
            p.contains("/secrets/") || p.contains("externalsecret") || p.contains("secretstore")
        })
        .collect();
    assert!(made.is_empty(), "nothing reads a store, yet: {made:?}");

    let release = yaml(file(&files, "generated/lab/hubs/course/helmrelease.yaml"));
    let from: Vec<(String, String, String)> = release["spec"]["valuesFrom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_owned();
            (text("name"), text("valuesKey"), text("targetPath"))
        })
        .collect();
    for expected in [
        (
            "github-oauth",
            "client-secret",
            "hub.config.GitHubOAuthenticator.client_secret",
        ),
        (
            "hub-chart-secrets",
            "proxy-token",
            "hub.config.ConfigurableHTTPProxy.auth_token",
        ),
        (
            "hub-chart-secrets",
            "crypt-keeper-key",
            "hub.config.CryptKeeper.keys[0]",
        ),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(from.contains(&expected), "{expected:?} not in {from:?}");
    }
    let env = &release["spec"]["values"]["singleuser"]["extraEnv"]["COURSE_API_KEY"];
    assert_eq!(
        env["valueFrom"]["secretKeyRef"],
        serde_json::json!({"name": "course-api", "key": "key"})
    );

    let pods = yaml(file(
        &files,
        "generated/lab/notebooks/notebooks/carol.preview/statefulset-carol.yaml",
    ));
    let env = &pods["spec"]["template"]["spec"]["containers"][0]["env"];
    let from_secret = |name: &str| {
        env.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["valueFrom"]["secretKeyRef"].clone())
    };
    assert_eq!(
        from_secret("JUPYTER_TOKEN"),
        Some(serde_json::json!({"name": "carol-token", "key": "token"}))
    );
    assert_eq!(
        from_secret("S3_SECRET_KEY"),
        Some(serde_json::json!({"name": "carol-s3", "key": "secret-key"}))
    );
}

#[test]
fn a_hub_mixing_a_store_and_existing_secrets_gets_external_secrets_for_the_store_ones_only() {
    let mut sources = edited(
        "COURSE_API_KEY: {secret: course-api, key: key}",
        "COURSE_API_KEY: {vault: \"jupyterhub/course/api#key\"}",
    );
    let env = sources
        .files
        .iter_mut()
        .find(|f| f.text.contains("kind: Environment"))
        .unwrap();
    env.text.push_str("  secretStore: platform\n");
    sources.files[0].text.push_str(
        "---\napiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata:\n  name: platform\nspec:\n  server: https://vault.example.org\n  path: secret\n  auth:\n    kubernetes: {role: jupyterhub}\n",
    );
    let files = rendered(&sources);
    let external: Vec<&(String, String)> = files
        .iter()
        .filter(|(p, _)| p.contains("externalsecret"))
        .collect();
    assert_eq!(
        external.len(),
        1,
        "{:?}",
        external.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let (path, text) = external[0];
    assert_eq!(
        path,
        "generated/lab/secrets/course-hub/externalsecret-course-singleuser-env.yaml"
    );
    let data = &yaml(text)["spec"]["data"];
    assert_eq!(data.as_array().unwrap().len(), 1, "{text}");
    assert_eq!(data[0]["remoteRef"]["key"], "jupyterhub/course/api");
    let release = file(&files, "generated/lab/hubs/course/helmrelease.yaml");
    assert!(release.contains("name: github-oauth"), "{release}");
    assert!(!release.contains("course-chart-secrets"), "{release}");
}

#[test]
fn validate_lists_the_secrets_that_must_exist_per_namespace() {
    let scratch = Scratch::of_overlays(&repo().join("fixtures/valid/existing-secrets"));
    let out = scratch.jupyflux(&["validate", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], true);
    let listed: Vec<(String, String, Vec<String>)> = report["requiredSecrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let keys = s["keys"].as_array().unwrap();
            (
                s["namespace"].as_str().unwrap().to_owned(),
                s["secret"].as_str().unwrap().to_owned(),
                keys.iter()
                    .map(|k| k.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let expected = |ns: &str, secret: &str, keys: &[&str]| {
        (
            ns.to_owned(),
            secret.to_owned(),
            keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        listed,
        vec![
            expected("course-hub", "course-api", &["key"]),
            expected(
                "course-hub",
                "github-oauth",
                &["client-id", "client-secret"]
            ),
            expected(
                "course-hub",
                "hub-chart-secrets",
                &["cookie-secret", "crypt-keeper-key", "proxy-token"]
            ),
            expected("notebooks", "carol-s3", &["secret-key"]),
            expected("notebooks", "carol-token", &["token"]),
        ]
    );
    let users = &report["requiredSecrets"][1]["usedBy"];
    assert_eq!(users[0], "Hub `course`: spec.auth.github.clientId");

    let text = stdout(&scratch.jupyflux(&["validate"]));
    assert!(
        text.contains("lab: Secret course-hub/github-oauth keys client-id, client-secret"),
        "{text}"
    );
}

#[test]
fn malformed_references_to_existing_secrets_are_errors_that_repeat_nothing() {
    let pasted = "ghp_s3cr3tT0k3n";
    for (to, expected) in [
        ("{secret: github-oauth}", "names no `key`"),
        (
            "{secret: github-oauth, key: client-id, property: x}",
            "has only `secret` and `key`",
        ),
        (
            "{secret: \"ghp_s3cr3tT0k3n\", key: client-id}",
            "is not a Kubernetes Secret name",
        ),
        (
            "{secret: github-oauth, key: \"ghp_s3cr3tT0k3n/x\"}",
            "is not a key of a Secret's data",
        ),
    ] {
        let sources = edited("{secret: github-oauth, key: client-id}", to);
        let problems = load_sources(&sources).unwrap_err().to_string();
        assert!(
            problems.contains("overlays/base/hub.yaml:13:"),
            "{to}: {problems}"
        );
        assert!(problems.contains(expected), "{to}: {problems}");
        assert!(!problems.contains(pasted), "{to} repeated: {problems}");
    }
}

#[test]
fn validate_lists_the_secrets_and_config_maps_hub_rules_read() {
    let scratch = Scratch::of_overlays(&repo().join("fixtures/valid/hub-profile-rules"));
    let out = scratch.jupyflux(&["validate", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        report["requiredConfigMaps"],
        serde_json::json!([{
            "environment": "lab", "namespace": "teach", "configMap": "course-settings",
            "keys": ["s3-endpoint"], "usedBy": ["Hub `teach`: spec.rules.0.env.S3_ENDPOINT"],
        }])
    );
    assert_eq!(report["requiredSecrets"][0]["secret"], "grader");
    assert_eq!(
        report["requiredSecrets"][0]["usedBy"][0],
        "Hub `teach`: spec.rules.3.env.GRADER_TOKEN"
    );
    let text = stdout(&scratch.jupyflux(&["validate"]));
    assert!(
        text.contains("lab: ConfigMap teach/course-settings keys s3-endpoint"),
        "{text}"
    );
}
