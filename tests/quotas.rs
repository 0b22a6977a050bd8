//! Quotas as code: the Environment's `quotas` render a ResourceQuota and LimitRange beside the namespace's
//! Namespace object (or, asked for, into an existing namespace's layer), count the pods beside the servers, and a
//! change to a quota changes only its own objects.

mod harness;

use serde_json::Value;

/// The rendered objects of `kind` in a tree: path → object.
fn objects(tree: &jupyflux::output::Tree, kind: &str) -> Vec<(String, Value)> {
    tree.iter()
        .filter(|(path, _)| path.starts_with("generated/") && path.ends_with(".yaml"))
        .filter_map(|(path, bytes)| {
            let object: Value = serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).ok()?;
            (object["kind"] == kind).then(|| (path.to_owned(), object))
        })
        .collect()
}

fn render(sources: &jupyflux::load::Sources) -> jupyflux::output::Tree {
    let model = jupyflux::load::load_sources(sources).unwrap_or_else(|e| panic!("{e}"));
    jupyflux::render::render(&model)
}

/// `minimal` with its hub's pullers off and `quota` as the hub namespace's quota.
fn minimal_with(hub_extra: &str, quota: &str) -> jupyflux::load::Sources {
    let mut sources = harness::valid_fixture_with(
        "minimal",
        "domain: dev.example.org",
        &format!("domain: dev.example.org\n  quotas:\n    trial: {quota}"),
    );
    for file in &mut sources.files {
        file.text = file
            .text
            .replace("  singleuser:\n", &format!("{hub_extra}  singleuser:\n"));
    }
    sources
}

#[test]
fn the_shipped_quota_sits_beside_its_namespace() {
    let tree = harness::render(&harness::repo());
    let quotas = objects(&tree, "ResourceQuota");
    let ours: Vec<_> = quotas
        .iter()
        .filter(|(_, o)| o["metadata"]["name"] == "jupyflux-quota")
        .collect();
    assert_eq!(ours.len(), 1, "{quotas:?}");
    let (path, quota) = ours[0];
    assert_eq!(quota["metadata"]["namespace"], "notebooks");
    let hard = &quota["spec"]["hard"];
    assert_eq!(hard["pods"], "10");
    assert_eq!(hard["requests.cpu"], hard["limits.cpu"]);
    assert_eq!(hard["limits.memory"], "48Gi");
    // The Namespace object of `notebooks` is in the same directory, so in the same Flux layer.
    let dir = path.rsplit_once('/').unwrap().0;
    let namespaces = objects(&tree, "Namespace");
    let home = namespaces
        .iter()
        .find(|(_, o)| o["metadata"]["name"] == "notebooks" && o["metadata"]["namespace"].is_null())
        .map(|(p, _)| p.rsplit_once('/').unwrap().0.to_owned());
    assert_eq!(home.as_deref(), Some(dir));
    let ranges = objects(&tree, "LimitRange");
    assert_eq!(ranges.len(), 1);
    assert_eq!(ranges[0].0, format!("{dir}/limitrange.yaml"));
    let limits = &ranges[0].1["spec"]["limits"][0];
    assert_eq!(limits["type"], "Container");
    assert_eq!(limits["default"]["cpu"], "1");
    assert_eq!(limits["defaultRequest"]["memory"], "256Mi");
    // Both are listed in the layer's kustomization.
    let kustomization =
        std::str::from_utf8(tree.get(&format!("{dir}/kustomization.yaml")).unwrap()).unwrap();
    assert!(
        kustomization.contains("resourcequota.yaml") && kustomization.contains("limitrange.yaml")
    );
}

#[test]
fn a_hub_namespace_leaves_room_for_the_hubs_own_pods() {
    let off = "  prePuller: {enabled: false}\n";
    let pods = |tree: &jupyflux::output::Tree| {
        let quotas = objects(tree, "ResourceQuota");
        assert_eq!(quotas.len(), 1);
        assert_eq!(quotas[0].0, "generated/dev/hubs/trial/resourcequota.yaml");
        quotas[0].1["spec"]["hard"]["pods"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(pods(&render(&minimal_with(off, "{servers: 3}"))), "7");
    let no_scheduler = format!("{off}  userScheduler: {{enabled: false}}\n");
    assert_eq!(
        pods(&render(&minimal_with(&no_scheduler, "{servers: 3}"))),
        "5"
    );
    // The pullers on: only an explicit count will do.
    assert_eq!(
        pods(&render(&minimal_with("", "{servers: 3, otherPods: 20}"))),
        "23"
    );
    let problems = match jupyflux::load::load_sources(&minimal_with("", "{servers: 3}")) {
        Ok(_) => panic!("the pullers' pods are not counted"),
        Err(p) => p.to_string(),
    };
    assert!(problems.contains("image pullers"), "{problems}");
    // Without CPU or memory there is nothing for a LimitRange to default.
    assert!(objects(&render(&minimal_with(off, "{servers: 3}")), "LimitRange").is_empty());
}

#[test]
fn an_existing_namespace_gets_a_quota_only_when_asked() {
    let with = |quota: &str| {
        harness::valid_fixture_with(
            "namespaces-unmanaged",
            "existingNamespaces: [team-data]",
            &format!("existingNamespaces: [team-data]\n  quotas:\n    team-data: {quota}"),
        )
    };
    let problems = match jupyflux::load::load_sources(&with("{cpu: \"4\"}")) {
        Ok(_) => panic!("a quota on an existing namespace needs `existingNamespace: true`"),
        Err(p) => p.to_string(),
    };
    assert!(problems.contains("existingNamespace: true"), "{problems}");
    let tree = render(&with("{cpu: \"4\", existingNamespace: true}"));
    let quotas = objects(&tree, "ResourceQuota");
    assert_eq!(quotas.len(), 1);
    // No Namespace object: the notebooks layer of the namespace holds the quota.
    assert_eq!(
        quotas[0].0,
        "generated/dev/notebooks/team-data/resourcequota.yaml"
    );
    assert_eq!(quotas[0].1["spec"]["hard"]["limits.cpu"], "4");
}

#[test]
fn a_quota_too_small_for_one_server_is_refused_where_it_is_written() {
    let problems = match jupyflux::load::load_sources(&minimal_with(
        "  prePuller: {enabled: false}\n",
        "{memory: 512Mi}",
    )) {
        Ok(_) => panic!("no server fits"),
        Err(p) => p.to_string(),
    };
    // The default limit of a server without one (the LimitRange's 1Gi) does not fit in 512Mi.
    assert!(
        problems.contains("overlays/dev/environment.yaml:8:")
            && problems.contains(
                "memory 512Mi cannot hold even one server of Hub `trial`, which takes up to 1Gi"
            ),
        "{problems}"
    );
}

/// What a server takes is its whole pod as it spawns: the rules matching its users raise it, and its sidecars
/// add to it.
#[test]
fn rules_and_sidecars_count_in_what_a_server_takes() {
    let problems = |hub_extra: &str, singleuser_extra: &str| {
        let mut sources = minimal_with(
            &format!("  prePuller: {{enabled: false}}\n{hub_extra}"),
            "{cpu: \"2\"}",
        );
        for file in &mut sources.files {
            file.text = file.text.replace(
                "  singleuser:\n",
                &format!("  singleuser:\n{singleuser_extra}"),
            );
        }
        match jupyflux::load::load_sources(&sources) {
            Ok(_) => String::new(),
            Err(p) => p.to_string(),
        }
    };
    // Within the quota alone: a 1 CPU limit.
    let fits = "  sizes:\n    - {name: s, displayName: S, cpu: {limit: \"1\"}}\n  profiles:\n    - {name: Lab, slug: lab, sizes: [s]}\n";
    assert_eq!(problems(fits, ""), "");
    // A rule for everyone raises the limit to 3 CPUs at spawn.
    let ruled =
        format!("{fits}  rules:\n    - {{name: more, resources: {{cpu: {{limit: \"3\"}}}}}}\n");
    let refused = problems(&ruled, "");
    assert!(
        refused.contains("cpu 2 cannot hold even one server of Hub `trial` profile `lab` size `s`, which takes up to 3"),
        "{refused}"
    );
    // A sidecar limited to 1500m brings the 1-CPU server to 2.5.
    let sidecar = "    extraContainers:\n      - {name: s, image: \"quay.io/jupyter/base-notebook:2025-01-13\", resources: {limits: {cpu: 1500m, memory: 64Mi}}}\n";
    let refused = problems(fits, sidecar);
    assert!(refused.contains("which takes up to 2500m"), "{refused}");
}

#[test]
fn changing_a_quota_changes_only_its_objects() {
    let scratch = harness::Scratch::of_overlays(&harness::repo());
    assert!(scratch.jupyflux(&["render", "--quiet"]).status.success());
    let before = scratch.snapshot_files();
    let env = scratch.read("overlays/production/environment.yaml");
    assert!(env.contains("      servers: 10\n"));
    scratch.write(
        "overlays/production/environment.yaml",
        &env.replace("      servers: 10\n", "      servers: 12\n"),
    );
    assert!(scratch.jupyflux(&["render", "--quiet"]).status.success());
    let after = scratch.snapshot_files();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(path, bytes)| {
            !path.starts_with("overlays/")
                && before.iter().find(|(p, _)| p == path).map(|(_, b)| b) != Some(bytes)
        })
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        changed,
        ["generated/production/secrets/notebooks/resourcequota.yaml"]
    );
    assert!(
        scratch
            .read("generated/production/secrets/notebooks/resourcequota.yaml")
            .contains("pods: \"12\"")
    );
}

#[test]
fn explain_shows_what_the_tenant_may_use_at_most() {
    let sources = minimal_with(
        "  prePuller: {enabled: false}\n",
        "{servers: 3, cpu: \"6\", memory: 12Gi}",
    );
    let model = jupyflux::load::load_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
    let env = &model.environments[0];
    let request = jupyflux::explain::Request {
        user: "ann",
        groups: &[],
        image: None,
    };
    let explanation = jupyflux::explain::explain(env, &env.hubs[0], &request);
    let text = jupyflux::explain::text(&explanation);
    assert!(text.contains("quota of namespace `trial`"), "{text}");
    for (what, most) in [
        ("servers at once", "3"),
        ("pods (servers + other pods)", "7"),
        ("cpu, requests and limits", "6"),
        ("memory, requests and limits", "12Gi"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(what) && l.trim_end().ends_with(most)),
            "{what} {most}:\n{text}"
        );
    }
    let json = jupyflux::explain::json(&explanation);
    assert_eq!(json["quota"]["namespace"], "trial");
    assert_eq!(json["quota"]["atMost"][0]["most"], "3");
}
