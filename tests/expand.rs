//! `jupyflux expand`: the children the controller creates for a Notebook manifest (from Git, or as the Data
//! Manager creates one), with an Environment's defaults; deterministic; bad manifests get file:line:column errors.

mod harness;

use harness::{jupyflux, repo, stderr, stdout};

const DATA_MANAGER: &str = "fixtures/data-manager/notebook.yaml";

#[test]
fn a_data_manager_notebook_expands_with_the_environments_defaults() {
    let out = jupyflux(&repo(), &["expand", "--env", "production", DATA_MANAGER]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let kinds: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect();
    assert_eq!(
        kinds,
        [
            "ConfigMap",
            "StatefulSet",
            "Service",
            "Ingress",
            "NetworkPolicy"
        ]
    );
    let name = "instance-5e0a3c2d-1b7f-4e8a-9c6d-2f1e0b9a8c7d";
    for fact in [
        format!("# Also Secret {name}-token: a token the controller generates"),
        "  - host: jupyter.example.org".to_owned(),
        format!("      - path: /{name}"),
        "          subPath: project-a1b2c3d4-e5f6-7890-abcd-ef1234567890".to_owned(),
        "          claimName: data-manager-project-claim".to_owned(),
        "        runAsUser: 1001".to_owned(),
        format!("        data-manager.informaticsmatters.com/instance: {name}"),
        "      cp -R -u \"$seed\"/. \"$HOME\"/".to_owned(),
    ] {
        assert!(text.contains(&fact), "missing `{fact}` in:\n{text}");
    }
    // Deterministic: the same bytes every time.
    let again = jupyflux(&repo(), &["expand", "--env", "production", DATA_MANAGER]);
    assert_eq!(stdout(&again), text);
    // Another Environment, other defaults.
    let staging = stdout(&jupyflux(
        &repo(),
        &["expand", "--env", "staging", DATA_MANAGER],
    ));
    assert!(
        staging.contains("  - host: staging.jupyter.example.org"),
        "{staging}"
    );
}

#[test]
fn a_git_definition_expands_too() {
    let out = jupyflux(
        &repo(),
        &[
            "expand",
            "--env",
            "production",
            "overlays/base/notebook-alice.yaml",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("name: oauth2-proxy"), "{text}");
    assert!(!text.contains("# Also Secret"), "{text}");
    assert!(text.contains("kind: PersistentVolumeClaim"), "{text}");
}

#[test]
fn a_bad_manifest_gets_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nb.yaml");
    std::fs::write(
        &file,
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Notebook\nmetadata: {name: nb}\nspec:\n  image: busybox\n  project: {claimName: c, id: p}\n  securityContext: {runAsUser: 0}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = jupyflux(&repo(), &["expand", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{path}:5:10: error: spec.image")),
        "{err}"
    );

    std::fs::write(
        &file,
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Notebook\nmetadata: {name: nb}\nspec:\n  image: quay.io/jupyter/base-notebook:2025-01-13\n  project: {claimName: c, id: p}\n  securityContext: {runAsUser: 0}\n",
    )
    .unwrap();
    let err = stderr(&jupyflux(&repo(), &["expand", path]));
    assert!(
        err.contains(&format!("{path}:7:32: error: spec.securityContext.runAsUser: runAsUser 0 runs the notebook as root")),
        "{err}"
    );
    assert!(err.contains("  help: "), "{err}");

    std::fs::write(&file, "kind: Hub\nmetadata: {name: x}\nspec: [\n").unwrap();
    let err = stderr(&jupyflux(&repo(), &["expand", path]));
    assert!(
        err.contains(&format!("{path}:")) && err.contains("error: not YAML"),
        "{err}"
    );

    let out = jupyflux(&repo(), &["expand", "--env", "nowhere", DATA_MANAGER]);
    assert_eq!(out.status.code(), Some(2));
}
