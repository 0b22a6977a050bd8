//! The rendered RBAC against the calls the controller makes: every request a scenario sees must be one that the
//! Role of its namespace (or, cluster-wide, a ClusterRole) allows, as `render` writes them for the shipped
//! example, so the roles cannot miss a verb the controller needs.

use http::Method;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The environment of the shipped example whose RBAC the requests are checked against by default.
const ENV: &str = "production";
const SUBJECT: &str = "jupyflux-controller";

type Rules = BTreeMap<Option<String>, Vec<Value>>;

/// The rules granted to the controller's ServiceAccount in environment `env`, by namespace (`None`:
/// cluster-wide), as rendered.
fn rendered_in(env: &str) -> &'static Rules {
    static RULES: OnceLock<BTreeMap<String, Rules>> = OnceLock::new();
    let all = RULES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let model = jupyflux::load::load(root).unwrap_or_else(|p| panic!("{p}"));
        let tree = jupyflux::render::render(&model);
        model
            .environments
            .iter()
            .map(|e| (e.name.clone(), rules_of(&tree, &e.name)))
            .collect()
    });
    &all[env]
}

fn rendered() -> &'static Rules {
    rendered_in(ENV)
}

fn rules_of(tree: &jupyflux::output::Tree, env: &str) -> Rules {
    {
        let prefix = format!("generated/{env}/");
        let objects: Vec<Value> = tree
            .iter()
            .filter(|(path, _)| path.starts_with(&prefix))
            .map(|(_, bytes)| serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap())
            .collect();
        let role = |kind: &str, ns: &Value, name: &Value| {
            objects.iter().find(|o| {
                o["kind"] == kind
                    && &o["metadata"]["namespace"] == ns
                    && &o["metadata"]["name"] == name
            })
        };
        let mut rules: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
        for binding in &objects {
            let kind = binding["kind"].as_str().unwrap_or_default();
            if !matches!(kind, "RoleBinding" | "ClusterRoleBinding")
                || !binding["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["name"] == SUBJECT)
            {
                continue;
            }
            let ns = &binding["metadata"]["namespace"];
            let reference = &binding["roleRef"];
            let granted = match reference["kind"].as_str().unwrap() {
                "Role" => role("Role", ns, &reference["name"]),
                _ => role("ClusterRole", &Value::Null, &reference["name"]),
            }
            .unwrap_or_else(|| {
                panic!(
                    "{kind} {} binds a role that is not rendered",
                    binding["metadata"]["name"]
                )
            });
            rules
                .entry(ns.as_str().map(str::to_owned))
                .or_default()
                .extend(granted["rules"].as_array().unwrap().iter().cloned());
        }
        rules
    }
}

/// The namespace, API group, resource (with subresource) and verb of a request to `path`.
pub fn request(
    method: &Method,
    path: &str,
    watch: bool,
) -> (Option<String>, String, String, &'static str) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let namespace = match parts.as_slice() {
        ["api", _, "namespaces", ns, _, ..] | ["apis", _, _, "namespaces", ns, _, ..] => {
            Some(ns.to_string())
        }
        _ => None,
    };
    let (group, resource, verb) = access(method, path, watch);
    (namespace, group, resource, verb)
}

/// The API group, resource (with subresource) and verb of a request to `path`.
pub fn access(method: &Method, path: &str, watch: bool) -> (String, String, &'static str) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => panic!("not an API path: {path}"),
    };
    let rest = match rest {
        ["namespaces", _ns, rest @ ..] => rest,
        rest => rest,
    };
    let (resource, named) = match rest {
        [resource] => (resource.to_string(), false),
        [resource, _name] => (resource.to_string(), true),
        [resource, _name, sub] => (format!("{resource}/{sub}"), true),
        _ => panic!("unexpected API path: {path}"),
    };
    let verb = match (method.as_str(), named, watch) {
        ("GET", true, _) => "get",
        ("GET", false, true) => "watch",
        ("GET", false, false) => "list",
        ("PATCH", _, _) => "patch",
        ("POST", _, _) => "create",
        ("PUT", _, _) => "update",
        ("DELETE", _, _) => "delete",
        (other, _, _) => panic!("unexpected method {other} for {path}"),
    };
    (group.to_owned(), resource, verb)
}

/// Whether the rendered RBAC allows `verb` on `group`/`resource` in `namespace` (`None`: cluster-wide), through
/// the Role there or a ClusterRole.
pub fn allowed(namespace: Option<&str>, group: &str, resource: &str, verb: &str) -> bool {
    allowed_in(ENV, namespace, group, resource, verb)
}

/// [`allowed`] in environment `env`.
pub fn allowed_in(
    env: &str,
    namespace: Option<&str>,
    group: &str,
    resource: &str,
    verb: &str,
) -> bool {
    let rendered = rendered_in(env);
    let cluster = rendered.get(&None).into_iter().flatten();
    let local = namespace
        .and_then(|ns| rendered.get(&Some(ns.to_owned())))
        .into_iter()
        .flatten();
    let has = |rule: &Value, field: &str, wanted: &str| {
        rule[field]
            .as_array()
            .is_some_and(|items| items.iter().any(|item| item == wanted))
    };
    cluster.chain(local).any(|rule| {
        has(rule, "apiGroups", group)
            && has(rule, "resources", resource)
            && has(rule, "verbs", verb)
    })
}

/// Panic unless the rendered RBAC allows the request; a server-side apply may create, so it needs `create` too.
pub fn assert_allowed(env: &str, method: &Method, path: &str, watch: bool) {
    let (ns, group, resource, verb) = request(method, path, watch);
    let ns = ns.as_deref();
    let allowed =
        |ns, group: &str, resource: &str, verb| allowed_in(env, ns, group, resource, verb);
    assert!(
        allowed(ns, &group, &resource, verb),
        "the controller's rendered RBAC does not allow {verb} on {group}/{resource} in {ns:?} ({method} {path})"
    );
    if verb == "patch" && !resource.contains('/') {
        assert!(
            allowed(ns, &group, &resource, "create"),
            "a server-side apply of {group}/{resource} may create it, but the RBAC in {ns:?} lacks create"
        );
    }
}

#[test]
fn requests_map_to_their_rbac_verbs() {
    let get = |path: &str| access(&Method::GET, path, false);
    assert_eq!(
        get("/api/v1/namespaces/nb/pods/a-0"),
        ("".into(), "pods".into(), "get")
    );
    assert_eq!(
        access(
            &Method::PATCH,
            "/apis/jupyflux.dev/v1alpha1/namespaces/nb/notebooks/a/status",
            false
        ),
        ("jupyflux.dev".into(), "notebooks/status".into(), "patch")
    );
    assert_eq!(
        access(&Method::GET, "/apis/apps/v1/statefulsets", true),
        ("apps".into(), "statefulsets".into(), "watch")
    );
    assert_eq!(
        request(
            &Method::GET,
            "/apis/apps/v1/namespaces/nb/statefulsets",
            true
        )
        .0
        .as_deref(),
        Some("nb")
    );
    assert_eq!(
        request(&Method::GET, "/apis/apps/v1/statefulsets", true).0,
        None
    );
}

#[test]
fn the_controller_may_write_only_in_the_watched_namespaces() {
    for ns in ["notebooks", "data-manager"] {
        assert!(allowed(Some(ns), "", "pods", "get"), "{ns}");
        assert!(allowed(Some(ns), "apps", "statefulsets", "patch"), "{ns}");
        assert!(!allowed(Some(ns), "", "pods", "delete"), "{ns}");
        assert!(!allowed(Some(ns), "", "secrets", "get"), "{ns}");
    }
    for ns in [
        None,
        Some("research"),
        Some("default"),
        Some("jupyflux-system"),
    ] {
        assert!(!allowed(ns, "apps", "statefulsets", "list"), "{ns:?}");
        assert!(!allowed(ns, "jupyflux.dev", "notebooks", "watch"), "{ns:?}");
    }
    assert!(
        rendered().get(&None).is_none(),
        "nothing is granted cluster-wide"
    );
}
