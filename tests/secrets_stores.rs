//! `SecretStore`: any External Secrets provider, or an existing ClusterSecretStore — each rule shown on a small
//! edit of the `secret-stores` fixture (whose rendered stores the conformance suite checks against ESO's CRDs).

mod harness;

use jupyflux::load::{Sources, load_sources};

fn fixture() -> Sources {
    harness::valid_fixture("secret-stores")
}

/// The problems of the fixture with `from` replaced by `to` (which must change something).
fn problems_after(from: &str, to: &str) -> String {
    harness::problems_with("secret-stores", from, to)
}

#[test]
fn a_provider_is_one_that_external_secrets_knows() {
    let problems = problems_after("    gcpsm:\n", "    gcpsn:\n");
    assert!(
        problems.contains("overlays/base/stores.yaml:28:7:"),
        "{problems}"
    );
    assert!(
        problems.contains("SecretStore `gcp`: unknown External Secrets provider `gcpsn`"),
        "{problems}"
    );
    assert!(problems.contains("did you mean `gcpsm`?"), "{problems}");
}

#[test]
fn a_store_is_a_provider_or_a_cluster_store_not_both() {
    let problems = problems_after(
        "  clusterSecretStore: platform-aws\n",
        "  clusterSecretStore: platform-aws\n  provider: {fake: {data: []}}\n",
    );
    assert!(
        problems
            .contains("SecretStore `shared` needs exactly one of provider and clusterSecretStore"),
        "{problems}"
    );
    let problems = problems_after("    azurekv:\n", "    fake: {data: []}\n    azurekv:\n");
    assert!(
        problems
            .contains("SecretStore `azure`: provider needs exactly one External Secrets provider"),
        "{problems}"
    );
}

#[test]
fn a_credential_written_into_a_provider_is_refused_and_not_repeated() {
    let problems = problems_after(
        "          connectTokenSecretRef: {name: onepassword-connect-token, key: token}\n",
        "          connectToken: \"ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9\"\n",
    );
    assert!(
        problems.contains(
            "plaintext secret in spec.provider at `onepassword.auth.secretRef.connectToken`"
        ),
        "{problems}"
    );
    assert!(!problems.contains("ops_eyJ"), "{problems}");
}

#[test]
fn references_name_existing_stores_of_either_kind() {
    let problems = problems_after("{store: gcp, ", "{store: gpc, ");
    assert!(
        problems.contains("Hub `research`: unknown secret store `gpc`"),
        "{problems}"
    );
    assert!(problems.contains("did you mean `gcp`?"), "{problems}");
    let vault = "---\napiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: gcp}\nspec: {server: https://vault.example.org, path: secret, auth: {kubernetes: {role: r}}}\n";
    let problems = problems_after(
        "  clusterSecretStore: platform-aws\n",
        &format!("  clusterSecretStore: platform-aws\n{vault}"),
    );
    assert!(
        problems.contains("SecretStore `gcp` has the name of a VaultStore"),
        "{problems}"
    );
}

#[test]
fn a_store_reference_without_property_reads_the_whole_secret() {
    let model = load_sources(&fixture()).unwrap_or_else(|p| panic!("{p}"));
    let tree = jupyflux::render::render(&model);
    let text = String::from_utf8(
        tree.get("generated/lab/secrets/research/externalsecret-research-chart-secrets.yaml")
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    let external: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let proxy = external["spec"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["secretKey"] == "proxy-token")
        .unwrap();
    assert_eq!(
        proxy["remoteRef"],
        serde_json::json!({"key": "jupyterhub-research-proxy-token"})
    );
    assert_eq!(proxy["sourceRef"]["storeRef"]["name"], "gcp");
    assert_eq!(external["spec"]["secretStoreRef"]["name"], "aws");
}

#[test]
fn validate_lists_the_credentials_each_store_reads_in_the_namespaces_using_it() {
    let model = load_sources(&fixture()).unwrap_or_else(|p| panic!("{p}"));
    let listed: Vec<(String, String, String, Vec<String>)> =
        jupyflux::model::required::required_secrets(&model)
            .into_iter()
            .map(|s| (s.namespace, s.secret, s.keys.join(","), s.used_by))
            .collect();
    assert_eq!(
        listed,
        [
            (
                "research".to_owned(),
                "bitwarden-access-token".to_owned(),
                "token".to_owned(),
                vec!["SecretStore `bitwarden`: spec.provider.bitwardensecretsmanager.auth.secretRef.credentials".to_owned()]
            ),
            (
                "research".to_owned(),
                "onepassword-connect-token".to_owned(),
                "token".to_owned(),
                vec!["SecretStore `onepassword`: spec.provider.onepassword.auth.secretRef.connectTokenSecretRef".to_owned()]
            ),
        ]
    );
}
