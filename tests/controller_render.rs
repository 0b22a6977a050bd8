//! What `render` writes for the controller and its namespaces: least-privilege RBAC where the controller watches,
//! its NetworkPolicy, the Pod Security level a notebook namespace needs, and Vault roles per namespace.

use jupyflux::load::{Sources, load_sources};
use jupyflux::output::Tree;
use serde_json::Value;

const VAULT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: vault}\nspec:\n  server: https://vault.example.org:8200\n  path: secret\n  auth: {kubernetes: {role: \"nb-{namespace}\"}}\n";

fn environment(extra: &str) -> String {
    format!(
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {{name: dev}}\nspec:\n  domain: dev.example.org\n  secretStore: vault\n  notebookNamespaces: [data-manager]\n{extra}"
    )
}

fn notebook(name: &str, ns: &str, security: &str) -> String {
    format!(
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Notebook\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  image: quay.io/jupyter/base-notebook:2025-01-13\n  owner: {name}\n  storage: {{new: {{size: 1Gi}}}}\n  routing: {{}}\n  auth: {{token: {{vault: \"nb/{name}#token\"}}}}\n  securityContext: {security}\n"
    )
}

fn render(files: &[(&str, &str)]) -> Tree {
    let sources = Sources::from_files(files);
    jupyflux::render::render(&load_sources(&sources).unwrap_or_else(|e| panic!("{e}")))
}

fn object(tree: &Tree, path: &str) -> Value {
    let bytes = tree.get(path).unwrap_or_else(|| panic!("no {path}"));
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

fn fleet(env_extra: &str) -> Tree {
    let env = environment(env_extra);
    let alice = notebook("alice", "team-a", "{}");
    let root = notebook("rooty", "team-b", "{runAsUser: 0, allowPrivileged: true}");
    let privileged = notebook(
        "priv",
        "team-c",
        "{privileged: true, allowPrivileged: true}",
    );
    render(&[
        ("overlays/dev/environment.yaml", &env),
        ("overlays/base/vault.yaml", VAULT),
        ("overlays/base/alice.yaml", &alice),
        ("overlays/base/rooty.yaml", &root),
        ("overlays/base/priv.yaml", &privileged),
    ])
}

#[test]
fn the_controller_watches_and_may_write_only_in_its_namespaces() {
    let tree = fleet("");
    let deployment = object(&tree, "generated/dev/controller/deployment.yaml");
    let args: Vec<&str> = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|a| a.starts_with("--watch-namespace="))
        .collect();
    assert_eq!(
        args,
        [
            "--watch-namespace=data-manager",
            "--watch-namespace=team-a",
            "--watch-namespace=team-b",
            "--watch-namespace=team-c"
        ]
    );
    // Git notebook namespaces: the Role beside the notebooks; an existing namespace: in the controller layer.
    for ns in ["team-a", "team-b", "team-c"] {
        let role = object(&tree, &format!("generated/dev/notebooks/{ns}/role.yaml"));
        assert_eq!(role["metadata"]["namespace"], ns);
        let binding = object(
            &tree,
            &format!("generated/dev/notebooks/{ns}/rolebinding.yaml"),
        );
        assert_eq!(binding["subjects"][0]["namespace"], "jupyflux-system");
    }
    let role = object(&tree, "generated/dev/controller/role-data-manager.yaml");
    assert_eq!(role["metadata"]["namespace"], "data-manager");
    assert!(
        tree.get("generated/dev/controller/rolebinding-data-manager.yaml")
            .is_some()
    );
    assert!(
        !tree.paths().any(|p| p.contains("clusterrole")),
        "nothing cluster-wide"
    );
    // The notebooks layer waits for the CRD, not for the controller (whose readiness needs their Roles).
    let sync = object(&tree, "flux/dev/kustomization-notebooks-team-a.yaml");
    let depends: Vec<&str> = sync["spec"]["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(depends, ["jupyflux-crds", "jupyflux-secrets-team-a"]);
    assert!(
        tree.get("generated/dev/crds/customresourcedefinition.yaml")
            .is_some()
    );
}

#[test]
fn the_controller_admits_metrics_only_from_the_named_namespace() {
    let closed = object(&fleet(""), "generated/dev/controller/networkpolicy.yaml");
    assert_eq!(
        closed["spec"]["policyTypes"],
        serde_json::json!(["Ingress"])
    );
    assert_eq!(closed["spec"]["ingress"], serde_json::json!([]));
    let open = object(
        &fleet("  controller: {metricsFrom: monitoring}\n"),
        "generated/dev/controller/networkpolicy.yaml",
    );
    let rule = &open["spec"]["ingress"][0];
    assert_eq!(
        rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
    assert_eq!(rule["ports"][0]["port"], 8080);
}

#[test]
fn a_namespace_allows_exactly_what_its_notebooks_opted_in_to() {
    let tree = fleet("");
    for (ns, level) in [
        ("team-a", "restricted"),
        ("team-b", "baseline"),
        ("team-c", "privileged"),
    ] {
        // These notebooks read secrets, so the secrets layer creates their namespaces.
        let namespace = object(&tree, &format!("generated/dev/secrets/{ns}/namespace.yaml"));
        let labels = &namespace["metadata"]["labels"];
        assert_eq!(labels["pod-security.kubernetes.io/enforce"], level, "{ns}");
        assert_eq!(
            labels["pod-security.kubernetes.io/audit"], "restricted",
            "{ns}"
        );
    }
}

#[test]
fn each_namespace_logs_in_to_vault_with_a_role_of_its_own() {
    let tree = fleet("");
    for ns in ["team-a", "team-b", "team-c"] {
        let store = object(
            &tree,
            &format!("generated/dev/secrets/{ns}/secretstore-vault.yaml"),
        );
        assert_eq!(
            store["spec"]["provider"]["vault"]["auth"]["kubernetes"]["role"],
            format!("nb-{ns}")
        );
    }
}

#[test]
fn the_shipped_example_uses_one_vault_role_per_namespace() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree =
        jupyflux::render::render(&jupyflux::load::load(root).unwrap_or_else(|e| panic!("{e}")));
    let mut roles = std::collections::BTreeMap::new();
    for path in tree.paths().filter(|p| p.contains("/secretstore-")) {
        let store = object(&tree, path);
        let role = store["spec"]["provider"]["vault"]["auth"]["kubernetes"]["role"].clone();
        let ns = store["metadata"]["namespace"].clone();
        let env = path.split('/').nth(1).unwrap().to_owned();
        if let Some(other) = roles.insert((env, role.to_string()), ns.clone()) {
            panic!("{path}: Vault role {role} is shared by namespaces {other} and {ns}");
        }
    }
    assert!(roles.len() >= 6, "{roles:?}");
}

#[test]
fn the_deployment_runs_the_controller_only_binary_with_flags_both_entry_points_take() {
    use clap::Parser;
    use jupyflux::controller::command::ControllerCli;
    let tree = fleet("");
    let deployment = object(&tree, "generated/dev/controller/deployment.yaml");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["command"],
        serde_json::json!(["/usr/local/bin/jupyflux-controller"])
    );
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_ne!(args.first(), Some(&"controller"), "no subcommand: {args:?}");
    // The controller-only binary takes them…
    let alone =
        ControllerCli::try_parse_from(std::iter::once("jupyflux-controller").chain(args.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        alone.args.leader_election_namespace.as_deref(),
        Some("jupyflux-system")
    );
    assert_eq!(alone.args.watch_namespaces.len(), 4);
    // …and so does `jupyflux controller`, into the same settings.
    let cli =
        jupyflux::cli::Cli::try_parse_from(["jupyflux", "controller"].into_iter().chain(args))
            .unwrap_or_else(|e| panic!("{e}"));
    let jupyflux::cli::Command::Controller(sub) = cli.command else {
        panic!("not the controller subcommand");
    };
    assert_eq!(format!("{sub:?}"), format!("{:?}", alone.args));
}
