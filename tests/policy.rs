//! The Environment's `policy` as a platform team meets it: the shipped example keeps images to one registry and
//! GPUs to one group, `explain` says so, and definitions that break a rule are refused where they break it.

mod harness;

use harness::{Scratch, errors_after, repo, stderr, stdout};

fn example() -> Scratch {
    Scratch::of_overlays(&repo())
}

#[test]
fn explain_says_which_rules_shaped_a_users_servers() {
    let scratch = example();
    let explain = |groups: &[&str]| {
        let mut args = vec![
            "explain",
            "--env",
            "production",
            "--hub",
            "research",
            "--user",
            "ada",
        ];
        for g in groups {
            args.extend(["--group", g]);
        }
        stdout(&scratch.jupyflux(&args))
    };
    let outsider = explain(&["researchers"]);
    assert!(
        outsider.contains(
            "policy: GPU entries are only for groups gpu-users; hidden from this user: gpu"
        ),
        "{outsider}"
    );
    assert!(
        outsider.contains("policy: images only from quay.io/jupyter"),
        "{outsider}"
    );
    let member = explain(&["gpu-users"]);
    assert!(
        member.contains("policy: GPU entries are only for groups gpu-users; this user is in one"),
        "{member}"
    );
    // Staging has no policy.
    let staging = stdout(&scratch.jupyflux(&[
        "explain", "--env", "staging", "--hub", "research", "--user", "ada",
    ]));
    assert!(!staging.contains("policy:"), "{staging}");
}

#[test]
fn a_gpu_profile_for_everyone_is_refused() {
    let err = errors_after(
        "overlays/base/hub-research.yaml",
        "      groups: [gpu-users]\n",
        "",
    );
    assert!(
        err.contains("overlays/base/hub-research.yaml:61:13: error: Hub `research`: GPU profile `gpu` is offered to every user; the policy keeps GPUs to groups gpu-users"),
        "{err}"
    );
}

#[test]
fn an_image_from_another_registry_is_refused() {
    let err = errors_after(
        "overlays/base/notebook-alice.yaml",
        "quay.io/jupyter/scipy-notebook:2025-01-13",
        "docker.io/library/python:3.13",
    );
    assert!(
        err.contains("Notebook `notebooks/alice-analysis`: image `docker.io/library/python:3.13` is not from a registry the policy of environment `production` allows"),
        "{err}"
    );
    assert!(
        err.contains("help: use an image from quay.io/jupyter"),
        "{err}"
    );
}

#[test]
fn a_notebook_without_limits_is_held_to_the_maximum_by_the_controllers_default() {
    let scratch = example();
    let env = "overlays/production/environment.yaml";
    let text = scratch.read(env);
    scratch.write(
        env,
        &text.replacen(
            "    gpuGroups: [gpu-users]\n",
            "    gpuGroups: [gpu-users]\n    maxPerServer: {cpu: \"1\", memory: 2Gi}\n",
            1,
        ),
    );
    let nb = "overlays/base/notebook-alice.yaml";
    let text = scratch.read(nb);
    let limits = "  resources:\n    cpu: {guarantee: 500m, limit: \"2\"}\n    memory: {guarantee: 1Gi, limit: 4Gi}\n";
    assert!(text.contains(limits), "{text}");
    scratch.write(nb, &text.replacen(limits, "", 1));
    let out = scratch.jupyflux(&["validate", "--env", "production"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for what in [
        "CPU limit the server gets the controller's default, 2, above the policy's maximum per server, 1",
        "memory limit the server gets the controller's default, 4Gi, above the policy's maximum per server, 2Gi",
    ] {
        assert!(
            err.contains(&format!(
                "Notebook `notebooks/alice-analysis`: without a {what}"
            )),
            "{err}"
        );
    }
    // The project notebook sets limits within the maximum: nothing is said of it.
    assert!(!err.contains("project-a1b2c3"), "{err}");
}

/// The login proxy in front of an OIDC notebook runs in its pod: its image is held to the registries too.
#[test]
fn the_oidc_login_proxy_image_must_come_from_an_allowed_registry() {
    let errors = errors_after(
        "overlays/production/environment.yaml",
        "quay.io/oauth2-proxy, ",
        "",
    );
    assert!(
        errors.contains("overlays/base/notebook-alice.yaml:20:7: error: Notebook `notebooks/alice-analysis`: its login proxy's image `quay.io/oauth2-proxy/oauth2-proxy:v7.8.1` (spec.controller.oauth2ProxyImage of the Environment) is not from a registry the policy of environment `production` allows"),
        "{errors}"
    );
    // An image built from the repository is held to them by its repository.
    let errors = errors_after(
        "overlays/production/environment.yaml",
        ", registry.example.org/research]",
        "]",
    );
    assert!(
        errors.contains("hub-research.yaml:65:16: error: Hub `research`: image `registry.example.org/research/py"),
        "{errors}"
    );
}
