//! The capacity math against hand-worked nodes.

use super::*;
use crate::model::node_pool::NodePool;

fn pool(yaml: &str) -> NodePool {
    serde_saphyr::from_str(yaml).unwrap()
}

fn toleration(key: &str, operator: &str, value: Option<&str>, effect: Option<&str>) -> Toleration {
    Toleration {
        key: Some(key.to_owned()).filter(|k| !k.is_empty()),
        operator: Some(operator.to_owned()),
        value: value.map(str::to_owned),
        effect: effect.map(str::to_owned),
        toleration_seconds: None,
    }
}

fn demand(cpu: u64, memory_gi: u64) -> Demand {
    Demand {
        cpu_request: cpu,
        memory_request: memory_gi << 30,
        ..Demand::default()
    }
}

#[test]
fn servers_fit_by_request_after_the_daemonsets() {
    // 8 CPUs less 500m reserved = 7500m: 3 servers of 2 CPUs; 32Gi less 2Gi = 30Gi: 7 of 4Gi. CPU decides.
    let p = pool(
        "{name: cpu, cpu: 8, memory: 32Gi, reserved: {cpu: 500m, memory: 2Gi}, pricePerHour: 0.9, count: 10}",
    );
    let mut d = demand(2000, 4);
    d.cpu_limit = Some(4000);
    d.memory_limit = Some(8 << 30);
    let f = fit(&d, &p).unwrap();
    assert_eq!(f.per_node, 3);
    // At their limits: 7500m / 4000m = 1, 30Gi / 8Gi = 3.
    assert_eq!(f.per_node_at_limit, Some(1));
    assert_eq!(f.cost_per_user_hour, Some(0.3));
    assert_eq!(f.users, Some(30));
    // Memory decides when CPU is small; no limit, no figure at the limit.
    let f = fit(&demand(100, 4), &p).unwrap();
    assert_eq!((f.per_node, f.per_node_at_limit), (7, None));
}

#[test]
fn pod_slots_bound_tiny_servers() {
    let p = pool("{name: cpu, cpu: 64, memory: 256Gi, maxPods: 30, reserved: {pods: 8}}");
    assert_eq!(fit(&demand(10, 0), &p).unwrap().per_node, 22);
    let full = pool("{name: cpu, cpu: 64, memory: 256Gi, maxPods: 8, reserved: {pods: 8}}");
    assert_eq!(fit(&demand(10, 0), &full), Err(Unfit::NoPodSlots));
}

#[test]
fn gpus_are_whole_and_need_a_gpu_pool() {
    let gpu = pool("{name: gpu, cpu: 16, memory: 64Gi, gpus: 4}");
    let mut d = demand(1000, 4);
    d.gpus = 3;
    assert_eq!(
        fit(&d, &gpu).unwrap().per_node,
        1,
        "3 of 4 GPUs leave one idle"
    );
    d.gpus = 2;
    assert_eq!(fit(&d, &gpu).unwrap().per_node, 2);
    let cpu = pool("{name: cpu, cpu: 16, memory: 64Gi}");
    assert_eq!(
        fit(&d, &cpu).unwrap_err().to_string(),
        "requests 2 GPUs, a node has 0 free"
    );
}

#[test]
fn a_request_above_a_node_does_not_fit() {
    let p = pool("{name: cpu, cpu: 4, memory: 16Gi, reserved: {memory: 1536Mi}}");
    assert_eq!(
        fit(&demand(1000, 16), &p).unwrap_err().to_string(),
        "requests 16Gi memory, a node has 14.5Gi free"
    );
    assert_eq!(
        fit(&demand(4500, 1), &p).unwrap_err().to_string(),
        "requests 4500m CPU, a node has 4 free"
    );
}

#[test]
fn taints_exclude_unless_tolerated() {
    let p = pool(
        "{name: gpu, cpu: 8, memory: 32Gi, taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}, {key: spot, effect: PreferNoSchedule}]}",
    );
    let mut d = demand(1000, 1);
    assert_eq!(
        fit(&d, &p).unwrap_err().to_string(),
        "no toleration of taint `nvidia.com/gpu=present:NoSchedule`"
    );
    for (t, ok) in [
        (
            toleration("nvidia.com/gpu", "Exists", None, Some("NoSchedule")),
            true,
        ),
        (
            toleration("nvidia.com/gpu", "Equal", Some("present"), None),
            true,
        ),
        (
            toleration("nvidia.com/gpu", "Equal", Some("absent"), None),
            false,
        ),
        (
            toleration("nvidia.com/gpu", "Exists", None, Some("NoExecute")),
            false,
        ),
        (toleration("", "Exists", None, None), true),
        (toleration("other", "Exists", None, None), false),
    ] {
        d.tolerations = vec![t.clone()];
        assert_eq!(fit(&d, &p).is_ok(), ok, "{t:?}");
    }
}

#[test]
fn node_selector_and_required_affinity_match_labels_preferred_does_not_count() {
    let p = pool("{name: a, cpu: 8, memory: 32Gi, labels: {zone: a, gen: '3'}}");
    let mut d = demand(1000, 1);
    d.node_selector.insert("zone".into(), "b".into());
    assert_eq!(
        fit(&d, &p).unwrap_err().to_string(),
        "nodeSelector `zone: b`, nodes have `zone: a`"
    );
    d.node_selector.clear();
    let e = |key: &str, op: &str, values: &[&str]| MatchExpression {
        key: key.into(),
        operator: op.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    d.affinity = vec![vec![e("zone", "In", &["b", "c"])]];
    assert!(matches!(fit(&d, &p), Err(Unfit::Affinity(_))));
    // Terms are alternatives: a second term that holds admits the pool.
    d.affinity
        .push(vec![e("gen", "Gt", &["2"]), e("spot", "DoesNotExist", &[])]);
    assert!(fit(&d, &p).is_ok());
    d.affinity = vec![vec![e("zone", "NotIn", &["a"])]];
    assert!(fit(&d, &p).is_err());
    d.affinity = vec![vec![e("gen", "Lt", &["3"])]];
    assert!(fit(&d, &p).is_err());
}

#[test]
fn quantities_print_as_kubernetes_writes_them() {
    assert_eq!(cpu_text(2000), "2");
    assert_eq!(cpu_text(7910), "7910m");
    assert_eq!(memory_text(3 << 29), "1.5Gi");
    assert_eq!(memory_text(512 << 20), "512Mi");
}

#[test]
fn sidecars_count_with_the_server() {
    use super::demand::Sidecars;
    let containers: Vec<k8s_openapi::api::core::v1::Container> = serde_json::from_value(
        serde_json::json!([
            // A request and a limit.
            {"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}},
            // A limit only: Kubernetes requests the limit.
            {"name": "b", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},
            // A request only: counted with it at limit too.
            {"name": "c", "resources": {"requests": {"cpu": "50m"}}},
            // Nothing.
            {"name": "d"},
        ]),
    )
    .unwrap();
    let sidecars = Sidecars::of(&containers);
    assert_eq!(
        sidecars,
        Sidecars {
            cpu_request: 100 + 1000 + 50,
            cpu_limit: 500 + 1000 + 50,
            memory_request: (64 << 20) + (1 << 30),
            memory_limit: (256 << 20) + (1 << 30),
        }
    );
    let mut server = demand(2000, 4);
    server.cpu_limit = Some(4000);
    let with = sidecars.added_to(server.clone());
    assert_eq!(with.cpu_request, 2000 + 1150);
    assert_eq!(with.cpu_limit, Some(4000 + 1550));
    assert_eq!(with.memory_request, (4 << 30) + (64 << 20) + (1 << 30));
    assert_eq!(
        with.memory_limit, None,
        "a server without a memory limit stays unbounded"
    );
    // The oauth2-proxy in front of an OIDC notebook: 10m / 32Mi requested, 200m / 128Mi at most.
    let proxy = Sidecars::oauth2_proxy();
    assert_eq!(
        (
            proxy.cpu_request,
            proxy.memory_request,
            proxy.cpu_limit,
            proxy.memory_limit
        ),
        (10, 32 << 20, 200, 128 << 20)
    );
}
