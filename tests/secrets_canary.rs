//! Secret material never comes back out: a canary planted in every place a secret can be written by mistake
//! (a malformed reference's value or key, a literal where a reference belongs, secret keys in `values` and
//! `patches`, passwords in URLs) appears in no output of `render`, `render --check`, `validate`, `diff` or
//! `explain`, and in no written file. Each plant is also reported, at its line.

mod harness;

use harness::{copy_dir, jupyflux, repo, stderr, stdout};
use std::path::Path;
use std::process::Command;

/// Every planted value contains this; no output may.
const CANARY: &str = "qz7canary";

/// `(file, text to replace, replacement, what the report says at that place)`.
const PLANTS: &[(&str, &str, &str, &str)] = &[
    (
        "overlays/base/hub-research.yaml",
        "clientSecret: {vault: \"jupyterhub/research/oauth#client-secret\"}",
        "clientSecret: {vault: \"qz7canary-no-hash\"}",
        "malformed secret reference",
    ),
    (
        "overlays/base/hub-research.yaml",
        "cookieSecret: {vault: \"jupyterhub/research/chart#cookie-secret\"}",
        "cookieSecret: {qz7canary-as-key: x}",
        "unknown field in a secret reference",
    ),
    (
        "overlays/base/hub-research.yaml",
        "proxyToken: {vault: \"jupyterhub/research/chart#proxy-token\"}",
        "proxyToken: qz7canary-literal",
        "plaintext secret",
    ),
    (
        "overlays/base/hub-research.yaml",
        "cryptKeeperKey: {vault: \"jupyterhub/research/chart#crypt-keeper-key\"}",
        "cryptKeeperKey: {key: [qz7canary-in-list], property: p}",
        "must be a string, found a list",
    ),
    (
        "overlays/base/hub-research.yaml",
        "DATA_SECRET_KEY: {vault: \"jupyterhub/research/data#secret-key\"}",
        "DATA_SECRET_KEY: {vault: \"qz7canary-env#\", store: 7}",
        "must be a string, found a number",
    ),
    (
        "overlays/base/hub-research.yaml",
        "    version: \"4.3.2\"\n",
        "    version: \"4.3.2\"\n    repository: https://mirror:qz7canary-chart@charts.example.org/\n",
        "URL with a password",
    ),
    (
        "overlays/base/hub-research.yaml",
        "  singleuser:\n",
        "  values:\n    hub:\n      config:\n        JupyterHub: {cookie_secret: qz7canary-values}\n        CryptKeeper: {keys: [qz7canary-crypt]}\n      db: {url: \"postgresql://hub:qz7canary-db@db/hub\"}\n    proxy: {secretToken: qz7canary-proxy, https: {enabled: true}}\n  patches:\n    - target: {kind: HelmRelease}\n      patch: |\n        - {op: add, path: /spec/values/hub/config/GenericOAuthenticator/client_secret, value: qz7canary-patch}\n  singleuser:\n",
        "plaintext secret in spec.values",
    ),
    (
        "overlays/staging/environment.yaml",
        "url: https://git.example.org/platform/jupyter-fleet.git",
        "url: https://deploy:qz7canary-git@git.example.org/platform/jupyter-fleet.git",
        "URL with a password",
    ),
    (
        "overlays/base/vault.yaml",
        "server: https://vault.example.org:8200",
        "server: https://root:qz7canary-vault@vault.example.org:8200",
        "URL with a password",
    ),
    (
        "overlays/base/notebook-project.yaml",
        "token: {vault: \"jupyter/notebooks/project-a1b2c3#token\"}",
        "token: {vault: \"#qz7canary-notebook\"}",
        "malformed secret reference",
    ),
    (
        "overlays/base/notebook-alice.yaml",
        "clientId: {vault: \"jupyter/notebooks#client-id\"}",
        "clientId: qz7canary-notebook-literal",
        "plaintext secret",
    ),
];

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// Every file under `root` outside `overlays/` and `.git/`, with its bytes.
fn outputs(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if entry.file_type().is_file() && !rel.starts_with("overlays") && !rel.starts_with(".git") {
            files.push((rel, std::fs::read(entry.path()).unwrap()));
        }
    }
    files
}

#[test]
fn planted_secrets_appear_in_no_output_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["overlays", "generated", "flux"] {
        copy_dir(&repo().join(sub), &root.join(sub));
    }
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "shipped"]);
    for (file, from, to, _) in PLANTS {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: `{from}` not found");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let before = outputs(root);

    let render = jupyflux(root, &["render"]);
    let report = stderr(&render);
    assert_eq!(render.status.code(), Some(1), "{report}");
    for (file, _, _, expected) in PLANTS {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("{file}:")) && l.contains(expected)),
            "{file}: no `{expected}` reported:\n{report}"
        );
    }

    for args in [
        &["render"][..],
        &["render", "--check"],
        &["validate"],
        &["diff", "--base", "HEAD"],
        &["diff", "--base", "HEAD", "--format", "markdown"],
        &[
            "explain", "--env", "staging", "--hub", "research", "--user", "ada",
        ],
    ] {
        let out = jupyflux(root, args);
        assert!(!out.status.success(), "{args:?} succeeded");
        for (stream, text) in [("stdout", stdout(&out)), ("stderr", stderr(&out))] {
            assert!(
                !text.contains(CANARY),
                "jupyflux {args:?} repeats a planted secret on {stream}:\n{text}"
            );
        }
    }
    let after = outputs(root);
    assert!(before == after, "a failed command changed the output");
    for (path, bytes) in after {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(CANARY),
            "{path} holds a planted secret"
        );
    }
}

#[test]
fn long_names_are_shortened_in_messages() {
    let long = format!("{}-tail-never-shown", "n".repeat(80));
    let hub = format!(
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: {long}}}\nspec:\n  {long}: 1\n"
    );
    let env = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org}\n";
    let sources = jupyflux::load::Sources::from_files(&[
        ("overlays/base/hub.yaml", &hub),
        ("overlays/dev/environment.yaml", env),
    ]);
    let problems = jupyflux::load::load_sources(&sources)
        .unwrap_err()
        .to_string();
    assert!(!problems.contains("tail-never-shown"), "{problems}");
    assert!(
        problems.contains(&format!("`{}…`", "n".repeat(32))),
        "{problems}"
    );
}
