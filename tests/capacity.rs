//! `jupyflux capacity` and the fit check as a platform team meets them: which pools each profile and notebook of
//! the shipped example runs on, how many per node and at what cost, and a profile that fits no pool refused.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use serde_json::Value;

fn example() -> Scratch {
    Scratch::of_overlays(&repo())
}

/// The JSON report of `production`.
fn production(scratch: &Scratch) -> Value {
    let out = scratch.jupyflux(&["capacity", "--env", "production", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all: Value = serde_json::from_str(&stdout(&out)).unwrap();
    all[0].clone()
}

/// The server of `production` whose fields match `keys`.
fn server<'a>(report: &'a Value, keys: &[(&str, &str)]) -> &'a Value {
    report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| keys.iter().all(|(k, v)| s[k] == *v))
        .unwrap_or_else(|| panic!("no server {keys:?} in {report:#}"))
}

fn pool<'a>(server: &'a Value, name: &str) -> &'a Value {
    server["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == name)
        .unwrap()
}

#[test]
fn the_gpu_profile_runs_only_on_the_gpu_pool_two_per_node() {
    let report = production(&example());
    let gpu = server(&report, &[("hub", "research"), ("profile", "gpu")]);
    // 1 GPU each on 2-GPU nodes: GPUs decide (CPU 15890m - 600m holds 3 of 4 CPUs, memory 55Gi 3 of 16Gi).
    let on_gpu = pool(gpu, "gpu");
    assert_eq!(on_gpu["perNode"], 2);
    // At their limits (8 CPUs, 32Gi) one node holds one.
    assert_eq!(on_gpu["perNodeAtLimit"], 1);
    assert_eq!(on_gpu["costPerUserHour"], 1.65 / 2.0);
    assert_eq!(on_gpu["users"], 8, "4 nodes × 2");
    let on_cpu = pool(gpu, "cpu");
    assert_eq!(on_cpu["fits"], false);
    assert_eq!(on_cpu["reason"], "requests 1 GPUs, a node has 0 free");
}

#[test]
fn cpu_servers_stay_off_the_tainted_gpu_pool_and_pack_by_guarantee() {
    let report = production(&example());
    let small = server(&report, &[("profile", "python"), ("size", "small")]);
    // 7910m - 400m = 7510m for 500m guarantees: 15; 29Gi - 1.5Gi = 27.5Gi for 1Gi: 27. CPU decides.
    assert_eq!(pool(small, "cpu")["perNode"], 15);
    // At the limits (2 CPUs, 4Gi): 3 by CPU.
    assert_eq!(pool(small, "cpu")["perNodeAtLimit"], 3);
    assert_eq!(pool(small, "cpu")["users"], 300);
    let tainted = pool(small, "gpu");
    assert_eq!(tainted["fits"], false);
    assert!(
        tainted["reason"]
            .as_str()
            .unwrap()
            .contains("nvidia.com/gpu=present:NoSchedule"),
        "{tainted}"
    );
    let large = server(&report, &[("profile", "python"), ("size", "large")]);
    assert_eq!(
        pool(large, "cpu")["perNode"],
        3,
        "2 CPUs each: 7510m / 2000m"
    );
    let notebook = server(&report, &[("notebook", "alice-analysis")]);
    // 500m and 1Gi, and its OIDC login proxy's 10m and 32Mi: 7510m / 510m = 14 (15 without the sidecar).
    assert_eq!(notebook["requests"]["cpu"], "510m");
    assert_eq!(pool(notebook, "cpu")["perNode"], 14);
    assert_eq!(notebook["fits"], true);
}

#[test]
fn the_table_and_markdown_show_one_line_per_server_and_pool() {
    let scratch = example();
    let before = scratch.snapshot_files();
    let out = scratch.jupyflux(&["capacity", "--env", "production"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let gpu_line = text
        .lines()
        .find(|l| l.contains("profile `gpu`"))
        .unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = gpu_line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells[3..], ["gpu", "2", "1", "0.8250", "8"], "{gpu_line}");
    let md =
        stdout(&scratch.jupyflux(&["capacity", "--env", "production", "--format", "markdown"]));
    assert!(md.contains("| SERVER | REQUESTS |"), "{md}");
    assert!(md.contains("| gpu | 2 | 1 | 0.8250 | 8 |"), "{md}");
    assert_eq!(scratch.snapshot_files(), before, "capacity writes nothing");
    // Without pools there is nothing to check.
    let staging = stdout(&scratch.jupyflux(&["capacity", "--env", "staging"]));
    assert!(staging.contains("no nodePools"), "{staging}");
    let unknown = scratch.jupyflux(&["capacity", "--env", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_profile_that_fits_no_pool_is_an_error_where_it_is_defined() {
    let scratch = example();
    // Smaller GPU nodes: 30Gi allocatable less 2Gi reserved cannot hold the GPU profile's 16Gi twice, still once.
    let env = scratch.read("overlays/production/environment.yaml");
    scratch.write(
        "overlays/production/environment.yaml",
        &env.replace("memory: 57Gi", "memory: 17Gi"),
    );
    let before = scratch.snapshot_files();
    for command in [&["validate"][..], &["render"]] {
        let out = scratch.jupyflux(command);
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        let err = stderr(&out);
        assert!(
            err.contains("overlays/base/hub-research.yaml:60:7: error: Hub `research`: profile `gpu` fits no node pool of environment `production`: its server would never spawn"),
            "{err}"
        );
        assert!(
            err.contains("pool `gpu`: requests 16Gi memory, a node has 15Gi free"),
            "{err}"
        );
        assert!(
            err.contains("pool `cpu`: requests 1 GPUs, a node has 0 free"),
            "{err}"
        );
    }
    assert_eq!(scratch.snapshot_files(), before, "nothing written");
}

#[test]
fn beside_the_pools_capacity_shows_what_each_quota_lets_a_tenant_use_at_most() {
    let scratch = example();
    let quota = |report: &Value| -> Vec<(String, String)> {
        let quotas = report["quotas"].as_array().unwrap();
        assert_eq!(quotas.len(), 1, "{quotas:#?}");
        assert_eq!(quotas[0]["namespace"], "notebooks");
        quotas[0]["atMost"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["what"].as_str().unwrap().to_owned(),
                    r["most"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let rows = quota(&production(&scratch));
    assert!(
        rows.contains(&("servers at once".into(), "10".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("cpu, requests and limits".into(), "16".into())),
        "{rows:?}"
    );
    let text = stdout(&scratch.jupyflux(&["capacity", "--env", "production"]));
    let section = text
        .split("Quota of namespace `notebooks`")
        .nth(1)
        .unwrap_or_else(|| panic!("no quota section in {text}"));
    assert!(
        section
            .lines()
            .any(|l| l.split_whitespace().eq(["servers", "at", "once", "10"])),
        "{section}"
    );
    let md =
        stdout(&scratch.jupyflux(&["capacity", "--env", "production", "--format", "markdown"]));
    assert!(md.contains("| servers at once | 10 |"), "{md}");
    // The figures are the definition's, not fixed: a bigger quota shows as bigger.
    let env = scratch
        .read("overlays/production/environment.yaml")
        .replace("servers: 10", "servers: 12");
    scratch.write("overlays/production/environment.yaml", &env);
    let rows = quota(&production(&scratch));
    assert!(
        rows.contains(&("servers at once".into(), "12".into())),
        "{rows:?}"
    );
    // An environment without quotas shows none.
    let staging = scratch.jupyflux(&["capacity", "--env", "staging", "--format", "json"]);
    let staging: Value = serde_json::from_str(&stdout(&staging)).unwrap();
    assert_eq!(staging[0]["quotas"], serde_json::json!([]));
}

/// An option choice that sets resources is a server of its own: a GPU choice inside a CPU profile fits no pool
/// and is refused where it is written; one inside the GPU profile is counted with its own GPUs.
#[test]
fn an_option_choice_with_resources_is_a_server_of_its_own() {
    let choice = |gpus: u32| {
        format!(
            "      options:\n        - key: accelerator\n          name: Accelerator\n          choices:\n            - {{key: one, name: One, default: true}}\n            - {{key: more, name: More, resources: {{gpus: {gpus}}}}}\n"
        )
    };
    let scratch = example();
    let hub = scratch.read("overlays/base/hub-research.yaml");
    let python = "      default: true\n      sizes: [small, large]\n";
    let in_python = hub.replace(python, &format!("{python}{}", choice(1)));
    assert_ne!(in_python, hub);
    scratch.write("overlays/base/hub-research.yaml", &in_python);
    let out = scratch.jupyflux(&["validate", "--env", "production"]);
    assert_eq!(out.status.code(), Some(1));
    let problems = stderr(&out);
    assert!(
        problems.contains("overlays/base/hub-research.yaml:65:50: error: Hub `research`: profile `python` size `small` accelerator `more` fits no node pool of environment `production`"),
        "{problems}"
    );

    let gpu = "      groups: [gpu-users]\n";
    let in_gpu = hub.replace(gpu, &format!("{gpu}{}", choice(2)));
    assert_ne!(in_gpu, hub);
    scratch.write("overlays/base/hub-research.yaml", &in_gpu);
    let report = production(&scratch);
    let more = server(&report, &[("profile", "gpu"), ("choice", "more")]);
    assert_eq!(more["option"], "accelerator");
    assert_eq!(more["requests"]["gpus"], 2);
    assert_eq!(pool(more, "gpu")["perNode"], 1, "2 GPUs of a node's 2");
    let one = report["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["profile"] == "gpu" && s.get("choice").is_none())
        .unwrap();
    assert_eq!(
        one["requests"]["gpus"], 1,
        "the default choice keeps the profile's one GPU"
    );
}
