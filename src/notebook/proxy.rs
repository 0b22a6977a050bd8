//! The oauth2-proxy sidecar of an OIDC notebook: a login in front of the server that admits only the owner, the
//! allowed emails and the allowed groups, never everyone the issuer knows.

use super::children::{ControllerConfig, secret_env};
use super::script::JUPYTER_PORT;
use super::security::restricted;
use super::spec::Oidc;
use super::uses::{OIDC_KEYS, locate};
use serde_json::{Value, json};

/// The port of the oauth2-proxy sidecar.
pub const PROXY_PORT: u16 = 4180;
/// What the oauth2-proxy sidecar requests and may use: CPU and memory requests, then limits (`capacity` and the
/// quota checks count them with the server).
pub const PROXY_RESOURCES: [(&str, &str); 2] = [("10m", "32Mi"), ("200m", "128Mi")];
/// The user of the oauth2-proxy image (distroless `nonroot`).
const PROXY_USER: i64 = 65532;
/// The key, in the notebook's ConfigMap, of the admitted email addresses (one a line).
pub const EMAILS_KEY: &str = "authenticated-emails";
/// Where the notebook's ConfigMap is mounted in both containers.
pub const CONFIG_DIR: &str = "/etc/jupyflux";

/// The content of the admitted-emails file, `None` when the login admits by group only.
pub fn emails_file(oidc: &Oidc, owner: &str) -> Option<String> {
    let emails = oidc.admitted_emails(owner);
    (!emails.is_empty()).then(|| emails.iter().map(|email| format!("{email}\n")).collect())
}

/// The sidecar container of notebook `notebook`, proxying to the server on the loopback interface under `prefix`.
pub fn sidecar(
    oidc: &Oidc,
    owner: &str,
    prefix: &str,
    notebook: &str,
    config: &ControllerConfig,
) -> Value {
    let mut args = vec![
        "--provider=oidc".to_owned(),
        format!("--oidc-issuer-url={}", oidc.issuer_url),
        format!("--upstream=http://127.0.0.1:{JUPYTER_PORT}{prefix}"),
        format!("--http-address=0.0.0.0:{PROXY_PORT}"),
        format!("--proxy-prefix={}/oauth2", prefix.trim_end_matches('/')),
    ];
    if emails_file(oidc, owner).is_some() {
        args.push(format!(
            "--authenticated-emails-file={CONFIG_DIR}/{EMAILS_KEY}"
        ));
    } else {
        // Groups alone: any email, but only members of the groups below.
        args.push("--email-domain=*".to_owned());
    }
    args.extend(
        oidc.allowed_groups
            .iter()
            .map(|group| format!("--allowed-group={group}")),
    );
    args.extend(["--reverse-proxy=true", "--skip-provider-button=true"].map(String::from));
    let env = |name: &str, index: usize| {
        let reference = [&oidc.client_id, &oidc.client_secret, &oidc.cookie_secret][index];
        let (secret, key) = locate(notebook, reference, OIDC_KEYS[index]);
        secret_env(name, &secret, &key)
    };
    let mut security = restricted();
    security["readOnlyRootFilesystem"] = json!(true);
    // Its own identity (the image's non-root user), whatever user the server runs as (root with the opt-in).
    security["runAsUser"] = json!(PROXY_USER);
    security["runAsGroup"] = json!(PROXY_USER);
    json!({
        "name": "oauth2-proxy",
        "image": config.oauth2_proxy_image,
        "args": args,
        "env": [
            env("OAUTH2_PROXY_CLIENT_ID", 0),
            env("OAUTH2_PROXY_CLIENT_SECRET", 1),
            env("OAUTH2_PROXY_COOKIE_SECRET", 2),
        ],
        "ports": [{"name": "http", "containerPort": PROXY_PORT, "protocol": "TCP"}],
        // oauth2-proxy answers `/ping` whatever its `--proxy-prefix`.
        "readinessProbe": {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 10},
        "resources": {
            "requests": {"cpu": PROXY_RESOURCES[0].0, "memory": PROXY_RESOURCES[0].1},
            "limits": {"cpu": PROXY_RESOURCES[1].0, "memory": PROXY_RESOURCES[1].1},
        },
        "securityContext": security,
        "volumeMounts": [{"name": "start", "mountPath": CONFIG_DIR, "readOnly": true}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc(emails: &[&str], groups: &[&str]) -> Oidc {
        serde_json::from_value(json!({
            "issuerUrl": "https://login.example.org",
            "clientId": {"vault": "a#b"}, "clientSecret": {"vault": "a#c"}, "cookieSecret": {"vault": "a#d"},
            "allowedEmails": emails, "allowedGroups": groups,
        }))
        .unwrap()
    }

    fn args(oidc: &Oidc, owner: &str) -> Vec<String> {
        let sidecar = sidecar(oidc, owner, "/nb/", "s", &ControllerConfig::default());
        serde_json::from_value(sidecar["args"].clone()).unwrap()
    }

    #[test]
    fn an_email_owner_is_the_only_one_admitted() {
        let login = oidc(&[], &[]);
        assert_eq!(
            emails_file(&login, "Alice@Example.org").as_deref(),
            Some("alice@example.org\n")
        );
        let args = args(&login, "alice@example.org");
        assert!(args.contains(&format!(
            "--authenticated-emails-file={CONFIG_DIR}/{EMAILS_KEY}"
        )));
        assert!(
            !args.iter().any(|arg| arg.starts_with("--email-domain")),
            "{args:?}"
        );
    }

    #[test]
    fn allowed_emails_join_the_owner_sorted_and_once() {
        let login = oidc(
            &["carol@example.org", "bob@example.org", "carol@example.org"],
            &[],
        );
        assert_eq!(
            emails_file(&login, "bob@example.org").unwrap(),
            "bob@example.org\ncarol@example.org\n"
        );
    }

    #[test]
    fn groups_alone_admit_any_email_of_their_members_only() {
        let login = oidc(&[], &["research", "admins"]);
        assert_eq!(emails_file(&login, "alice"), None);
        let args = args(&login, "alice");
        assert!(args.contains(&"--email-domain=*".to_owned()));
        assert!(args.contains(&"--allowed-group=research".to_owned()));
        assert!(args.contains(&"--allowed-group=admins".to_owned()));
    }
}
