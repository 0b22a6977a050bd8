//! What import must not write and a person must decide: Flux `${VAR}` substitutions (jupyflux renders none),
//! Helm templates in values, and literal secrets (never written into a definition; the report names the secret
//! reference to create instead). Each is taken out of the values before lifting.

use super::leaves::{Path, Step, leaves, take};
use crate::load::plaintext::{has_password_url, is_literal, is_secret_key};
use serde_json::Value;

/// One value taken out, and what the person should do.
#[derive(Clone, Debug, PartialEq)]
pub struct Needs {
    pub path: Path,
    pub why: String,
}

/// Take every value that needs a person out of `values`.
pub fn take_out(values: &mut Value, hub: &str) -> Vec<Needs> {
    let mut needs: Vec<Needs> = Vec::new();
    for (path, leaf) in leaves(values) {
        let Some(why) = reason(&path, &leaf, hub) else {
            continue;
        };
        // A list is one value to Helm: a leaf inside one takes the whole list out.
        let first_index = path.0.iter().position(|s| matches!(s, Step::Index(_)));
        let whole = Path(path.0[..first_index.unwrap_or(path.0.len())].to_vec());
        if needs.iter().any(|n| whole.starts_with(&n.path)) {
            continue;
        }
        needs.push(Needs { path: whole, why });
    }
    for need in &needs {
        take(values, &need.path);
    }
    needs
}

fn reason(path: &Path, leaf: &Value, hub: &str) -> Option<String> {
    let text = leaf.as_str()?;
    let keys: Vec<&str> = path
        .0
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    // Where a Secret is named (`valueFrom.secretKeyRef`, a `secret` volume): a reference, whatever the names say.
    let reference_place = keys.iter().any(|k| {
        matches!(
            *k,
            "secretKeyRef" | "configMapKeyRef" | "secretRef" | "configMapRef" | "secretName"
        )
    }) || keys
        .windows(2)
        .any(|w| w[0] == "secret" && matches!(w[1], "items" | "defaultMode" | "optional"));
    let secret_place = !reference_place && keys.iter().any(|k| is_secret_key(k))
        || keys
            .windows(2)
            .any(|w| w[0].eq_ignore_ascii_case("cryptkeeper") && w[1] == "keys");
    if let Some(var) = variable(text) {
        let what = if secret_place { "a secret" } else { "a value" };
        return Some(format!(
            "Flux substitution `{var}` ({what} set by the cluster's postBuild.substitute): jupyflux renders no substitutions; write the value{} in the definition of each environment",
            if secret_place {
                " as a secret reference"
            } else {
                ""
            }
        ));
    }
    if text.contains("{{") {
        return Some("a Helm template (`{{ … }}`) in values: Helm does not template values; write the value it means".into());
    }
    if (secret_place && is_literal(text))
        || has_password_url(text)
        || text.contains("PRIVATE KEY-----")
    {
        return Some(format!(
            "a literal secret (not imported, value not shown): {}",
            reference_for(&keys, hub)
        ));
    }
    None
}

/// The `${NAME}` a text uses, if any.
fn variable(text: &str) -> Option<&str> {
    let start = text.find("${")?;
    let end = text[start..]
        .find('}')
        .map_or(text.len(), |e| start + e + 1);
    Some(&text[start..end])
}

/// The typed secret reference to create for a secret at `keys`.
fn reference_for(keys: &[&str], hub: &str) -> String {
    let joined = keys.join(".").to_ascii_lowercase();
    let (field, property) = if joined == "proxy.secrettoken" {
        ("spec.secrets.proxyToken", "proxy-token")
    } else if joined == "hub.cookiesecret" || joined.ends_with("cookie_secret") {
        ("spec.secrets.cookieSecret", "cookie-secret")
    } else if joined.contains("cryptkeeper") {
        ("spec.secrets.cryptKeeperKey", "crypt-keeper-key")
    } else if joined.ends_with("client_secret") {
        (
            "spec.auth.<generic|github|gitlab>.clientSecret",
            "client-secret",
        )
    } else if joined.starts_with("hub.db") {
        ("spec.database.<postgres|mysql>.url", "db-url")
    } else {
        ("a typed field with a secret reference", "<property>")
    };
    format!(
        "put it in a Kubernetes Secret (SOPS, sealed-secrets) and set {field}: {{secret: {hub}-secrets, key: {property}}}, \
         or in your secret store and set {field}: {{vault: \"jupyterhub/{hub}#{property}\"}}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_to_secrets_are_not_secrets() {
        let mut values = json!({"hub": {
            "extraEnv": {"CLIENT_SECRET": {"valueFrom": {"secretKeyRef": {"name": "auth", "key": "client_secret"}}}},
            "extraVolumes": [{"name": "token", "secret": {"secretName": "api-token", "items": [{"key": "token", "path": "token"}]}}],
        }});
        let before = values.clone();
        assert_eq!(take_out(&mut values, "lab"), []);
        assert_eq!(values, before);
    }

    #[test]
    fn variables_templates_and_literal_secrets_are_taken_out_with_a_reason() {
        let mut values = json!({
            "proxy": {"secretToken": "0123abcd", "service": {"type": "ClusterIP"}},
            "ingress": {"enabled": true, "hosts": ["jupyter.${SECRET_DOMAIN}"], "tls": [{"secretName": "{{ .Release.Name }}-tls"}]},
            "hub": {"config": {"GitHubOAuthenticator": {"client_secret": "${GH_SECRET}"}}},
        });
        let needs = take_out(&mut values, "lab");
        let shown: Vec<String> = needs.iter().map(|n| n.path.to_string()).collect();
        assert_eq!(
            shown,
            [
                "hub.config.GitHubOAuthenticator.client_secret",
                "ingress.hosts",
                "ingress.tls",
                "proxy.secretToken"
            ]
        );
        assert!(
            needs[0].why.contains("${GH_SECRET}") && needs[0].why.contains("secret reference"),
            "{}",
            needs[0].why
        );
        assert!(
            needs[3].why.contains("spec.secrets.proxyToken") && !needs[3].why.contains("0123abcd")
        );
        assert_eq!(
            values,
            json!({"proxy": {"service": {"type": "ClusterIP"}}, "ingress": {"enabled": true}})
        );
    }
}
