//! What the controller will create for a notebook: `notebook::children`, snapshotted for three kinds of notebook.

use jupyflux::notebook::children::{ControllerConfig, children};
use jupyflux::notebook::{Notebook, NotebookSpec};
use jupyflux::output::emit::yaml;
use serde_json::{Value, json};

fn notebook(name: &str, spec: Value) -> Notebook {
    let mut base = json!({
        "image": "quay.io/jupyter/scipy-notebook:2025-01-13",
        "owner": "alice",
        "routing": {"host": "notebooks.example.org", "pathPrefix": format!("/notebooks/{name}"),
                    "tls": {"clusterIssuer": "letsencrypt"}, "ingressClass": "nginx"},
        "auth": {"token": {"vault": "notebooks/alice#token"}},
    });
    for (key, value) in spec.as_object().unwrap() {
        base[key] = value.clone();
    }
    let spec: NotebookSpec = serde_json::from_value(base).unwrap();
    let mut notebook = Notebook::new(name, spec);
    notebook.metadata.namespace = Some("notebooks".into());
    notebook
}

fn text(notebook: &Notebook) -> String {
    children(notebook, &ControllerConfig::default())
        .iter()
        .map(yaml)
        .collect::<Vec<_>>()
        .join("---\n")
}

fn new_volume_with_oidc() -> Notebook {
    notebook(
        "alice",
        json!({
            "resources": {"cpu": {"guarantee": "500m", "limit": "2"}, "memory": {"guarantee": "1Gi", "limit": "4Gi"}},
            "storage": {"new": {"size": "10Gi", "storageClass": "standard"}},
            "auth": {"oidc": {
                "issuerUrl": "https://login.example.org/realms/research",
                "clientId": {"vault": "notebooks/oidc#client-id"},
                "clientSecret": {"vault": "notebooks/oidc#client-secret"},
                "cookieSecret": {"vault": "notebooks/oidc#cookie-secret"},
                "allowedEmails": ["alice@example.org"],
            }},
            "env": {"PROJECT": "folding", "API_KEY": {"vault": "notebooks/alice#api-key"}},
        }),
    )
}

#[test]
fn new_volume_and_oidc() {
    insta::assert_snapshot!(text(&new_volume_with_oidc()));
}

#[test]
fn existing_claim() {
    let notebook = notebook(
        "project-a1b2",
        json!({
            "securityContext": {"runAsUser": 1001, "runAsGroup": 1001},
            "storage": {"existingClaim": {"claimName": "project-claim", "subPath": "project-a1b2"}},
            "labels": {"team": "chemistry"},
            "culling": {"idleTimeout": 3600, "maxAge": 86400},
        }),
    );
    insta::assert_snapshot!(text(&notebook));
}

#[test]
fn hibernated() {
    let notebook = notebook(
        "sleepy",
        json!({"storage": {"new": {"size": "1Gi"}}, "hibernated": true}),
    );
    let objects = children(&notebook, &ControllerConfig::default());
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    assert_eq!(set["spec"]["replicas"], 0);
    insta::assert_snapshot!(text(&notebook));
}

#[test]
fn changing_the_image_changes_only_the_stateful_set() {
    let before = new_volume_with_oidc();
    let mut after = before.clone();
    after.spec.image =
        jupyflux::model::image::PinnedImage::parse("quay.io/jupyter/scipy-notebook:2025-02-01")
            .unwrap();
    let config = ControllerConfig::default();
    let (a, b) = (children(&before, &config), children(&after, &config));
    assert_eq!(a.len(), b.len());
    let changed: Vec<&Value> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| &x["kind"])
        .collect();
    assert_eq!(changed, [&json!("StatefulSet")]);
}

#[test]
fn children_are_deterministic_and_restricted() {
    let notebook = new_volume_with_oidc();
    assert_eq!(text(&notebook), text(&notebook));
    let objects = children(&notebook, &ControllerConfig::default());
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    for container in set["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
    {
        let security = &container["securityContext"];
        assert_eq!(security["allowPrivilegeEscalation"], false);
        assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    }
    let pod_labels = &set["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        pod_labels["data-manager.informaticsmatters.com/instance"],
        "alice"
    );
}

#[test]
fn an_oidc_login_admits_only_the_listed_emails_and_a_change_rolls_the_pod() {
    let before = new_volume_with_oidc();
    let config = ControllerConfig::default();
    let objects = children(&before, &config);
    let map = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    assert_eq!(map["data"]["authenticated-emails"], "alice@example.org\n");
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    let proxy = &set["spec"]["template"]["spec"]["containers"][1];
    let args: Vec<&str> = proxy["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.contains(&"--authenticated-emails-file=/etc/jupyflux/authenticated-emails"));
    assert!(
        !args.iter().any(|a| a.starts_with("--email-domain")),
        "{args:?}"
    );

    let mut after = before.clone();
    let Some(jupyflux::notebook::spec::NotebookAuth::Oidc(login)) = &mut after.spec.auth else {
        unreachable!()
    };
    login.allowed_emails.push("bob@example.org".into());
    let hash = |objects: &[Value]| {
        let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
        set["spec"]["template"]["metadata"]["annotations"]["jupyflux.dev/config-sha256"].clone()
    };
    let changed = children(&after, &config);
    assert_ne!(hash(&objects), hash(&changed));
}

#[test]
fn a_notebook_culled_at_its_current_generation_stays_scaled_to_zero() {
    use jupyflux::notebook::NotebookStatus;
    let mut notebook = notebook("idle", json!({"storage": {"new": {"size": "1Gi"}}}));
    notebook.metadata.generation = Some(3);
    let replicas = |notebook: &Notebook| {
        let objects = children(notebook, &ControllerConfig::default());
        let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
        set["spec"]["replicas"].clone()
    };
    assert_eq!(replicas(&notebook), 1);
    notebook.status = Some(NotebookStatus {
        phase: Some("Culled".into()),
        observed_generation: Some(3),
        ..Default::default()
    });
    assert_eq!(replicas(&notebook), 0);
    // A spec change (a new generation) wakes it.
    notebook.metadata.generation = Some(4);
    assert_eq!(replicas(&notebook), 1);
}

#[test]
fn start_scripts_are_valid_bash() {
    let cases = [
        json!({"storage": {"new": {"size": "1Gi"}}}),
        json!({"storage": {"new": {"size": "1Gi"}}, "culling": {"idleTimeout": 600}}),
        json!({
            "storage": {"new": {"size": "1Gi"}},
            "culling": {"idleTimeout": 600},
            "auth": {"oidc": {
                "issuerUrl": "https://login.example.org",
                "clientId": {"vault": "a#b"}, "clientSecret": {"vault": "a#c"}, "cookieSecret": {"vault": "a#d"},
                "allowedGroups": ["research"],
            }},
        }),
    ];
    for spec in cases {
        let objects = children(&notebook("nb", spec.clone()), &ControllerConfig::default());
        let script = objects[0]["data"]["start.sh"].as_str().unwrap().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("start.sh");
        std::fs::write(&path, &script).unwrap();
        let out = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{spec}: {}\n{script}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every container of every pod template among `objects`.
fn containers(objects: &[Value]) -> Vec<Value> {
    objects
        .iter()
        .filter(|o| o["kind"] == "StatefulSet")
        .flat_map(|o| {
            let pod = &o["spec"]["template"]["spec"];
            let all = pod["containers"].as_array().unwrap().iter();
            all.chain(pod["initContainers"].as_array().into_iter().flatten())
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_container_has_limits_and_a_readiness_probe() {
    let oidc = new_volume_with_oidc();
    let bare = notebook("bare", json!({"storage": {"new": {"size": "1Gi"}}}));
    let guaranteed = notebook(
        "guaranteed",
        json!({"storage": {"new": {"size": "1Gi"}}, "resources": {"memory": {"guarantee": "3Gi"}}}),
    );
    for nb in [&oidc, &bare, &guaranteed] {
        let all = containers(&children(nb, &ControllerConfig::default()));
        assert!(!all.is_empty());
        for container in all {
            let limits = &container["resources"]["limits"];
            assert!(
                limits["cpu"].is_string() && limits["memory"].is_string(),
                "{container:#}"
            );
            assert!(container["readinessProbe"].is_object(), "{container:#}");
        }
    }
    // A guarantee without a limit is the limit: never a limit below the request.
    let server = &containers(&children(&guaranteed, &ControllerConfig::default()))[0];
    assert_eq!(server["resources"]["limits"]["memory"], "3Gi");
    assert_eq!(
        server["readinessProbe"]["httpGet"]["path"],
        "/notebooks/guaranteed/api"
    );
}

#[test]
fn allow_privileged_is_honoured_in_the_stateful_set() {
    let root = notebook(
        "root",
        json!({"storage": {"new": {"size": "1Gi"}},
               "securityContext": {"runAsUser": 0, "privileged": true, "allowPrivileged": true}}),
    );
    let objects = children(&root, &ControllerConfig::default());
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    let pod = &set["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsUser"], 0);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], false);
    let server = &pod["containers"][0]["securityContext"];
    assert_eq!(server["privileged"], true, "{server:#}");
    assert_eq!(server["runAsNonRoot"], false, "{server:#}");
    assert!(
        server.get("allowPrivilegeEscalation").is_none(),
        "{server:#}"
    );
}

#[test]
fn the_login_sidecar_keeps_its_own_non_root_user_beside_a_root_server() {
    let mut root = new_volume_with_oidc();
    root.spec.security_context.run_as_user = 0;
    root.spec.security_context.allow_privileged = true;
    let all = containers(&children(&root, &ControllerConfig::default()));
    let proxy = all.iter().find(|c| c["name"] == "oauth2-proxy").unwrap();
    assert_eq!(proxy["securityContext"]["runAsNonRoot"], true);
    assert_eq!(proxy["securityContext"]["runAsUser"], 65532);
}

#[test]
fn the_ingress_controllers_default_certificate_needs_no_secret() {
    let notebook = notebook(
        "plain",
        json!({
            "storage": {"new": {"size": "1Gi"}},
            "routing": {"host": "notebooks.example.org", "tls": {"defaultCertificate": true}},
        }),
    );
    let objects = children(&notebook, &ControllerConfig::default());
    let ingress = objects.iter().find(|o| o["kind"] == "Ingress").unwrap();
    assert_eq!(
        ingress["spec"]["tls"],
        json!([{"hosts": ["notebooks.example.org"]}])
    );
    assert!(
        ingress["metadata"].get("annotations").is_none(),
        "{ingress}"
    );
}
