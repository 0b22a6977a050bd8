//! `jupyflux import`: every real public HelmRelease of the corpus in `fixtures/real-world/` imports, renders, and
//! renders back the chart values it had — leaf by leaf, except the deliberate changes and what needs a person.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use jupyflux::import::{Input, Options, import};
use jupyflux::load::Sources;
use serde_json::Value;
use std::path::Path;

fn corpus() -> Vec<(String, String)> {
    let dir = repo().join("fixtures/real-world");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn rendered_values(root: &Path, env: &str, hub: &str) -> Value {
    let text =
        std::fs::read_to_string(root.join(format!("generated/{env}/hubs/{hub}/helmrelease.yaml")))
            .unwrap();
    let release: Value = serde_saphyr::from_str(&text).unwrap();
    release["spec"]["values"].clone()
}

#[test]
fn every_release_of_the_corpus_imports_renders_and_keeps_its_values() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 8,
        "the corpus has {} releases",
        corpus.len()
    );
    let (mut typed, mut raw) = (0, 0);
    let mut table = String::new();
    for (name, text) in &corpus {
        let scratch = Scratch {
            dir: tempfile::tempdir().unwrap(),
        };
        scratch.write("in.yaml", text);
        let out = scratch.jupyflux(&["import", "in.yaml", "--env", "prod"]);
        assert!(
            out.status.success(),
            "{name}: import failed\n{}",
            stderr(&out)
        );
        let out = scratch.jupyflux(&["render"]);
        assert!(
            out.status.success(),
            "{name}: render after import failed\n{}",
            stderr(&out)
        );

        let inputs = [Input {
            path: "in.yaml".into(),
            text: text.clone(),
        }];
        let imported = import(
            &inputs,
            &Sources::default(),
            &Options {
                env: Some("prod".into()),
            },
        )
        .unwrap();
        for hub in &imported.hubs {
            assert_eq!(
                rendered_values(scratch.path(), "prod", &hub.name),
                hub.rendered,
                "{name}: the values on disk are the ones import compared"
            );
            assert!(
                hub.unexplained.is_empty(),
                "{name}: values differ from the original: {:?}",
                hub.unexplained
            );
            typed += hub.typed_leaves;
            raw += hub.raw_leaves;
            table.push_str(&format!(
                "{name:48} chart {:10} typed {:3} / {:3}  needs a person {:2}\n",
                hub.chart_version,
                hub.typed_leaves,
                hub.typed_leaves + hub.raw_leaves,
                hub.needs_leaves
            ));
        }
    }
    let share = typed as f64 / (typed + raw) as f64;
    println!(
        "{table}overall: {typed} of {} leaves typed ({:.1}%)",
        typed + raw,
        share * 100.0
    );
    assert!(
        share >= MIN_TYPED_SHARE,
        "{table}typed share {share:.3} below {MIN_TYPED_SHARE}"
    );
}

/// The share of the corpus's chart values that land in typed fields today (95.6%) must stay at least the goal of
/// issue #13, 95%: a change that loses typed coverage below it fails.
const MIN_TYPED_SHARE: f64 = 0.95;

#[test]
fn secrets_and_substitutions_never_reach_a_definition_and_the_report_says_what_to_do() {
    let scratch = Scratch {
        dir: tempfile::tempdir().unwrap(),
    };
    scratch.write(
        "hub.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nmetadata: {name: lab, namespace: jupyter}\nspec:\n  interval: 10m\n  chart:\n    spec: {chart: jupyterhub, version: 4.4.0, sourceRef: {kind: HelmRepository, name: jupyterhub, namespace: flux-system}}\n  values:\n    proxy: {secretToken: 9f8e7d6c5b4a39281706f5e4d3c2b1a0}\n    hub:\n      config:\n        JupyterHub: {authenticator_class: dummy}\n        DummyAuthenticator: {password: hunter2-hunter2}\n    ingress: {enabled: true, hosts: [\"jupyter.${CLUSTER_DOMAIN}\"]}\n    singleuser: {image: {name: quay.io/jupyter/scipy-notebook, tag: \"2025-03-17\"}}\n",
    );
    let out = scratch.jupyflux(&["import", "hub.yaml", "--env", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let definition = scratch.read("overlays/dev/hub-lab.yaml");
    for secret in ["9f8e7d6c5b4a39281706f5e4d3c2b1a0", "hunter2-hunter2"] {
        assert!(
            !definition.contains(secret) && !report.contains(secret),
            "{secret} leaked:\n{definition}\n{report}"
        );
    }
    assert!(
        !definition.contains("${"),
        "a substitution reached the definition:\n{definition}"
    );
    assert!(
        report.contains("proxy.secretToken: a literal secret")
            && report.contains("spec.secrets.proxyToken"),
        "{report}"
    );
    assert!(
        report.contains("ingress.hosts: Flux substitution `${CLUSTER_DOMAIN}`"),
        "{report}"
    );
    assert!(
        definition.contains("image: quay.io/jupyter/scipy-notebook:2025-03-17"),
        "{definition}"
    );
    let out = scratch.jupyflux(&["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_latest_image_needs_the_hubs_opt_in_and_a_person_and_config_is_read_where_the_chart_reads_it() {
    let scratch = Scratch {
        dir: tempfile::tempdir().unwrap(),
    };
    scratch.write(
        "hub.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: lab, namespace: jupyter}\nspec:\n  chart: {spec: {chart: jupyterhub, version: 4.0.0}}\n  values:\n    hub:\n      config:\n        JupyterHub: {admin_users: [ada]}\n        KubeSpawner:\n          profile_list:\n            - {display_name: GPU, kubespawner_override: {cpu_limit: 2.0, supplemental_gids: [\"110\"]}}\n        c:\n          KubeSpawner: {start_timeout: 600}\n    singleuser: {image: {name: jupyter/base-notebook, tag: latest}}\n",
    );
    let out = scratch.jupyflux(&["import", "hub.yaml", "--env", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let definition = scratch.read("overlays/dev/hub-lab.yaml");
    assert!(
        definition.contains("movingTags: allow") && !definition.contains("values:"),
        "{definition}"
    );
    for expected in [
        "typed: 6 of 6",
        "singleuser.image: image `jupyter/base-notebook:latest` is tagged `latest` (allowed by `images: {movingTags: allow}`): pin a tag, then remove the opt-in",
        "hub.config.KubeSpawner.profile_list: moved to singleuser.profileList (same effect",
        "hub.config.JupyterHub.admin_users: moved to hub.config.Authenticator.admin_users",
        "hub.config.c.KubeSpawner.start_timeout: configures nothing",
    ] {
        assert!(report.contains(expected), "{expected}\n{report}");
    }
    let out = scratch.jupyflux(&["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Without the opt-in the same image is refused, naming the opt-in as the last resort.
    scratch.write(
        "overlays/dev/hub-lab.yaml",
        &definition.replace("movingTags: allow", "movingTags: refuse"),
    );
    let out = scratch.jupyflux(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let problems = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        problems.contains("tagged `latest`") && problems.contains("`images: {movingTags: allow}`"),
        "{problems}"
    );
}

#[test]
fn an_existing_definition_is_never_overwritten() {
    let scratch = Scratch::of_overlays(&repo());
    let text = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: research, namespace: research}\nspec:\n  chart: {spec: {chart: jupyterhub, version: 4.4.0}}\n  values: {}\n";
    scratch.write("in.yaml", text);
    let out = scratch.jupyflux(&["import", "in.yaml", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("a Hub `research`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_an_environment_import_asks_for_one() {
    let scratch = Scratch {
        dir: tempfile::tempdir().unwrap(),
    };
    scratch.write("in.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: lab}\nspec:\n  chart: {spec: {chart: jupyterhub, version: 4.4.0}}\n");
    let out = scratch.jupyflux(&["import", "in.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --env NAME"), "{}", stderr(&out));
}

/// The problems import reports for one input file `x.yaml` holding `text`.
fn refused(text: &str) -> String {
    let inputs = [Input {
        path: "x.yaml".into(),
        text: text.into(),
    }];
    let options = Options {
        env: Some("dev".into()),
    };
    import(&inputs, &Sources::default(), &options)
        .unwrap_err()
        .to_string()
}

#[test]
fn files_without_a_jupyterhub_release_or_with_an_unknown_api_version_are_refused() {
    let problems = refused(
        "apiVersion: helm.toolkit.fluxcd.io/v2beta3\nkind: HelmRelease\nmetadata: {name: lab}\nspec: {chart: {spec: {chart: jupyterhub}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n",
    );
    assert!(problems.contains("x.yaml: error: document 1: HelmRelease apiVersion helm.toolkit.fluxcd.io/v2beta3 is not one import reads"), "{problems}");
    let problems = refused("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n");
    assert!(
        problems.contains("no HelmRelease of the jupyterhub chart"),
        "{problems}"
    );
}

#[test]
fn links_and_special_files_are_refused_and_nothing_is_written() {
    let scratch = Scratch {
        dir: tempfile::tempdir().unwrap(),
    };
    scratch.write("real.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: lab}\nspec:\n  chart: {spec: {chart: jupyterhub, version: 4.4.0}}\n");
    std::os::unix::fs::symlink(
        scratch.path().join("real.yaml"),
        scratch.path().join("link.yaml"),
    )
    .unwrap();
    let out = scratch.jupyflux(&["import", "link.yaml", "--env", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("link.yaml"), "{}", stderr(&out));
    let fifo = scratch.path().join("fifo.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = scratch.jupyflux(&["import", "fifo.yaml", "--env", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a FIFO must be refused, not waited on"
    );
    assert!(
        !scratch.path().join("overlays").exists(),
        "nothing is written when an input is refused"
    );
}
