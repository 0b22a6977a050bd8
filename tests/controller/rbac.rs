//! The rendered ClusterRole against the calls the controller makes: every request a scenario sees must be one the
//! role allows, so the role cannot miss a verb the controller needs.

use http::Method;
use serde_json::Value;

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

/// Whether the controller's ClusterRole (as `render` writes it) allows `verb` on `group`/`resource`.
pub fn allowed(group: &str, resource: &str, verb: &str) -> bool {
    let rules = jupyflux::render::controller::rules();
    let has = |rule: &Value, field: &str, wanted: &str| {
        rule[field]
            .as_array()
            .is_some_and(|items| items.iter().any(|item| item == wanted))
    };
    rules.as_array().unwrap().iter().any(|rule| {
        has(rule, "apiGroups", group)
            && has(rule, "resources", resource)
            && has(rule, "verbs", verb)
    })
}

/// Panic unless the ClusterRole allows the request; a server-side apply may create, so it needs `create` too.
pub fn assert_allowed(method: &Method, path: &str, watch: bool) {
    let (group, resource, verb) = access(method, path, watch);
    assert!(
        allowed(&group, &resource, verb),
        "the controller's ClusterRole does not allow {verb} on {group}/{resource} ({method} {path})"
    );
    if verb == "patch" && !resource.contains('/') {
        assert!(
            allowed(&group, &resource, "create"),
            "a server-side apply of {group}/{resource} may create it, but the ClusterRole lacks create"
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
    assert!(allowed("", "pods", "get"));
    assert!(!allowed("", "pods", "delete"));
    assert!(!allowed("", "secrets", "get"));
}
