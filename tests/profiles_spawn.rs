//! Profiles mean one thing: what `jupyflux explain` says a user gets is what the rendered spawner configuration
//! gives them at spawn. For several users, every entry they see and every choice of it, the hub's rendered chart
//! values run in the real KubeSpawner (7.0.0, as the Zero to JupyterHub 4.x hub image ships it, installed by
//! `.ci/install-tools.sh` into `target/tools/kubespawner`): the generated `hub.extraConfig` (the per-user entry
//! filter and the rules' `modify_pod_hook`) under `python3`, KubeSpawner loading the chosen entry and choices and
//! building the pod. The pod's image, env, resources, tolerations, node selector and required node affinity must
//! equal `explain --format json`'s.

mod harness;

use harness::{repo, valid_fixture};
use jupyflux::explain::{Request, explain, json};
use jupyflux::load::load_sources;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The venv's python, or `None` (skip with one notice) when it is not installed and `CI` is unset.
fn spawner_python() -> Option<PathBuf> {
    let python = std::env::var_os("JUPYFLUX_SPAWNER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/tools/kubespawner/bin/python"));
    if python.is_file() {
        return Some(python);
    }
    let why = format!(
        "KubeSpawner not installed at {} (run `bash .ci/install-tools.sh`)",
        python.display()
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "{why} (CI is set, so this is a failure, not a skip)"
    );
    eprintln!("skipped: {why}");
    None
}

/// For each user (name, groups), every entry they see with every choice (and no choice at all: the preselected
/// entry), the pod KubeSpawner makes and what `explain` says, compared. Returns the number of cases compared.
fn spawn_matches_explain(
    sources: &jupyflux::load::Sources,
    env: &str,
    hub: &str,
    users: &[(&str, &[&str])],
) -> usize {
    let Some(python) = spawner_python() else {
        return 0;
    };
    let model = load_sources(sources).unwrap_or_else(|e| panic!("{e}"));
    let env = model
        .environments
        .iter()
        .find(|e| e.name == env)
        .expect("environment");
    let hub = env.hubs.iter().find(|h| h.name == hub).expect("hub");
    let values = jupyflux::render::chart::values(env, hub);
    let mut cases = Vec::new();
    for (user, groups) in users {
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        let request = Request {
            user,
            groups: &groups,
            image: None,
        };
        let explained = json(&explain(env, hub, &request));
        assert_ne!(explained["login"]["admitted"], "no", "{user} can log in");
        for entry in explained["entries"].as_array().expect("entries") {
            let mut servers = vec![entry.clone()];
            servers.extend(
                entry["variants"]
                    .as_array()
                    .expect("variants")
                    .iter()
                    .cloned(),
            );
            for server in servers {
                let mut options = json!({});
                if let Some(slug) = entry["slug"].as_str() {
                    options["profile"] = json!(slug);
                }
                for (option, choice) in server["choices"].as_object().expect("choices") {
                    options[option] = choice.clone();
                }
                cases.push(
                    json!({"user": user, "groups": groups, "options": options, "expected": server}),
                );
            }
            if entry["preselected"] == true {
                // Nothing chosen: KubeSpawner starts the preselected entry with its default choices.
                cases.push(
                    json!({"user": user, "groups": groups, "options": {}, "expected": entry}),
                );
            }
        }
    }
    let input = json!({"values": values, "cases": cases});
    let mut child = Command::new(python)
        .arg(repo().join("tests/spawn/harness.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("input written");
    let out = child.wait_with_output().expect("python finishes");
    assert!(
        out.status.success(),
        "the spawner configuration failed in KubeSpawner:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON results");
    assert_eq!(results.len(), cases.len());
    for (case, result) in cases.iter().zip(&results) {
        assert_eq!(
            result["actual"], result["expected"],
            "user {} with {}: the pod (left) differs from what explain says (right)",
            case["user"], case["options"]
        );
    }
    results.len()
}

#[test]
fn entries_and_rules_spawn_what_explain_says() {
    let compared = spawn_matches_explain(
        &valid_fixture("hub-profile-rules"),
        "lab",
        "teach",
        &[
            ("ada", &["gpu-users"]),
            ("bob", &["students"]),
            ("carol", &["students", "gpu-users"]),
            ("dan", &[]),
        ],
    );
    // 4 users; ada sees 4 entries, bob and dan 2, carol 3, each with its choices: the comparison ran for real.
    assert!(compared == 0 || compared >= 20, "{compared} cases");
}

#[test]
fn restricted_entries_spawn_what_explain_says() {
    spawn_matches_explain(
        &valid_fixture("hub-gpu-profiles"),
        "lab",
        "ml",
        &[("ada", &[]), ("bob", &[]), ("eve", &["ml-training"])],
    );
}

#[test]
fn the_shipped_example_spawns_what_explain_says() {
    let sources = jupyflux::load::read_sources(&repo()).unwrap_or_else(|e| panic!("{e}"));
    for env in ["staging", "production"] {
        spawn_matches_explain(
            &sources,
            env,
            "research",
            &[
                ("ada", &[]),
                ("grace", &["researchers", "gpu-users"]),
                ("tim", &["teaching"]),
            ],
        );
    }
}
