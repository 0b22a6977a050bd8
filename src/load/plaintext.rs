//! Secret material written as text where no typed field guards it: credentials in URLs (`user:password@`)
//! anywhere in a definition, and literal values under secret-looking keys in a hub's `values`, `extraObjects` and
//! `patches`.
//!
//! These checks read the documents as written (before merging), so each problem is reported once, in the file
//! that holds it. A message names where the secret is and what to use instead, never the secret.

use super::node::{Loc, Node, Value, parse_options};
use super::report::Reporter;
use crate::diagnostic::shown;

/// Check one document as written.
pub fn check(document: &Node, report: &mut Reporter) {
    let mut path = Vec::new();
    urls(document, &mut path, report);
    let kind = document.get("kind").and_then(Node::as_str);
    let Some(spec) = document.get("spec") else {
        return;
    };
    if kind == Some("SecretStore")
        && let Some(provider) = spec.get("provider")
    {
        literals_in(provider, Vec::new(), "spec.provider", report, |_| {
            "a store's own credentials live in a Kubernetes Secret the provider names (e.g. `secretRef: {name: <Secret>, key: <key>}`), never in Git; see docs/secrets.md".into()
        });
    }
    if kind != Some("Hub") {
        return;
    }
    if let Some(values) = spec.get("values") {
        literals_in(values, Vec::new(), "spec.values", report, instead);
    }
    if let Some(Value::Seq(profiles)) = spec.get("profiles").map(|p| &p.value) {
        for (i, profile) in profiles.iter().enumerate() {
            if let Some(spawner) = profile.get("spawner") {
                let place = format!("spec.profiles[{i}].spawner");
                literals_in(spawner, Vec::new(), &place, report, instead);
            }
        }
    }
    if let Some(Value::Map(files)) = spec
        .get("singleuser")
        .and_then(|s| s.get("extraFiles"))
        .map(|f| &f.value)
    {
        for entry in files {
            let path = vec![entry.key.to_string()];
            literals_in(
                &entry.value,
                path,
                "spec.singleuser.extraFiles",
                report,
                |_| {
                    "a file's content is in Git: keep secrets out of it (mount a Secret the secrets layer writes through `storage.extraVolumes`); see docs/secrets.md".into()
                },
            );
        }
    }
    if let Some(objects) = spec.get("extraObjects") {
        literals_in(objects, Vec::new(), "spec.extraObjects", report, |_| {
            "secrets come from a secret store, never from Git: reference them from a typed field (`{vault: \"path#property\"}`, `{secret: NAME, key: KEY}`), or keep the object out of Git; see docs/secrets.md".into()
        });
    }
    if let Some(Value::Seq(patches)) = spec.get("patches").map(|p| &p.value) {
        for (i, patch) in patches.iter().enumerate() {
            if let Some(text) = patch.get("patch") {
                patch_text(i, text, report);
            }
        }
    }
}

/// Report every literal secret below `node` (whose path so far is `path`), found in `place` of the definition,
/// with the help `help` gives for its path. The value is never shown.
fn literals_in(
    node: &Node,
    mut path: Vec<String>,
    place: &str,
    report: &mut Reporter,
    help: impl Fn(&[String]) -> String,
) {
    secret_keys(node, &mut path, &mut |path, loc| {
        report.at(
            loc,
            format!(
                "plaintext secret in {place} at `{}` (value not shown)",
                shown(&path.join("."))
            ),
            Some(help(path)),
        );
    });
}

/// What to write instead of a literal at `path` of the chart values.
fn instead(path: &[String]) -> String {
    let joined = path.join(".").to_ascii_lowercase();
    let field = if joined.contains("cookie") {
        "`spec.secrets.cookieSecret: {vault: \"<key>#cookie-secret\"}`"
    } else if joined.contains("cryptkeeper") || joined.contains("crypt_keeper") {
        "`spec.secrets.cryptKeeperKey: {vault: \"<key>#crypt-keeper-key\"}`"
    } else if joined.contains("proxy") || joined.contains("auth_token") {
        "`spec.secrets.proxyToken: {vault: \"<key>#proxy-token\"}`"
    } else if joined.contains("oauthenticator") || joined.contains("client_secret") {
        "`spec.auth.<generic|github|gitlab>.clientSecret: {vault: \"<key>#client-secret\"}`"
    } else if joined.starts_with("hub.db") {
        "`spec.database.postgres.url: {vault: \"<key>#url\"}` (the whole URL, password included, in Vault)"
    } else if joined.starts_with("hub.") && joined.contains("env") {
        "`spec.hub.env.<NAME>: {vault: \"<key>#<property>\"}`"
    } else if joined.contains("extraenv") || joined.contains("env") {
        "`spec.singleuser.env.<NAME>: {vault: \"<key>#<property>\"}`"
    } else {
        "a typed field with a secret reference (spec.secrets, spec.auth, spec.database, spec.hub.env, spec.singleuser.env)"
    };
    format!(
        "secrets come from a secret store or an existing Secret, never from Git: use {field} (or `{{secret: NAME, key: KEY}}`); see docs/secrets.md"
    )
}

/// Keys whose value is a secret, compared lowercase without `_`, `-` and `.`: the key ends with one of these.
const SECRET_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "secretkey",
    "privatekey",
    "apikey",
    "cryptokey",
    "credentials",
];

/// Keys that end like a secret but name one (or a setting about one).
const NOT_SECRETS: &[&str] = &["existingsecret", "usesecret", "secretname"];

pub fn is_secret_key(key: &str) -> bool {
    let normal: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    !NOT_SECRETS.contains(&normal.as_str()) && SECRET_SUFFIXES.iter().any(|s| normal.ends_with(s))
}

/// A string that holds a secret when it sits under a secret key: not empty, not a Flux `${…}` placeholder.
pub fn is_literal(text: &str) -> bool {
    let t = text.trim();
    let placeholder = t.starts_with("${") && t.ends_with('}') && t.matches("${").count() == 1;
    !t.is_empty() && !placeholder
}

/// Walk chart values (or a patch) and call `found` with the path and location of every literal secret:
/// a string under a secret-looking key (or in a list under one, like `CryptKeeper.keys`), an
/// `{name: <SECRET_NAME>, value: <text>}` environment entry, every value of a Secret's `data`/`stringData`,
/// and any private key block.
fn secret_keys(node: &Node, path: &mut Vec<String>, found: &mut dyn FnMut(&[String], Loc)) {
    match &node.value {
        Value::Str(text) if text.contains("PRIVATE KEY-----") => found(path, node.loc),
        Value::Map(entries) => {
            let secret_object = node.get("kind").and_then(Node::as_str) == Some("Secret");
            if let (Some(name), Some(value)) = (node.get("name"), node.get("value"))
                && name.as_str().is_some_and(is_secret_key)
                && value.as_str().is_some_and(is_literal)
            {
                path.push(name.as_str().unwrap_or_default().to_owned());
                found(path, value.loc);
                path.pop();
            }
            for entry in entries {
                path.push(entry.key.to_string());
                let keys = path.len() >= 2
                    && path[path.len() - 2].eq_ignore_ascii_case("cryptkeeper")
                    && entry.key == "keys";
                let whole = secret_object && matches!(entry.key.as_str(), "data" | "stringData");
                if whole || keys || is_secret_key(&entry.key) {
                    literals(&entry.value, path, whole, found);
                } else {
                    secret_keys(&entry.value, path, found);
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                secret_keys(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Every literal string in a value under a secret key; `every` takes the strings of a nested mapping too
/// (a Secret's `data`).
fn literals(
    node: &Node,
    path: &mut Vec<String>,
    every: bool,
    found: &mut dyn FnMut(&[String], Loc),
) {
    match &node.value {
        Value::Str(text) if is_literal(text) => found(path, node.loc),
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                match item.value {
                    Value::Str(_) => literals(item, path, every, found),
                    _ => secret_keys(item, path, found),
                }
                path.pop();
            }
        }
        Value::Map(entries) if every => {
            for entry in entries {
                path.push(entry.key.to_string());
                literals(&entry.value, path, every, found);
                path.pop();
            }
        }
        Value::Map(_) => secret_keys(node, path, found),
        _ => {}
    }
}

/// A Kustomize patch is text: read it as YAML (a strategic-merge patch, or a JSON 6902 list of operations) and
/// look for secrets in it. Problems point at the `patch` field.
fn patch_text(index: usize, text: &Node, report: &mut Reporter) {
    let Some(source) = text.as_str() else {
        return;
    };
    let documents: Vec<Node> =
        serde_saphyr::from_multiple_with_options(source, parse_options()).unwrap_or_default();
    let mut problems: Vec<String> = Vec::new();
    for document in &documents {
        let mut path = Vec::new();
        secret_keys(document, &mut path, &mut |path, _| {
            problems.push(path.join("."));
        });
        if let Value::Seq(operations) = &document.value {
            for operation in operations {
                let (Some(target), Some(value)) = (
                    operation.get("path").and_then(Node::as_str),
                    operation.get("value"),
                ) else {
                    continue;
                };
                let last = target.rsplit('/').next().unwrap_or_default();
                if is_secret_key(last) && value.as_str().is_some_and(is_literal) {
                    problems.push(target.to_owned());
                }
            }
        }
    }
    if has_password_url(source) {
        problems.push("a URL with a password".to_owned());
    }
    for at in problems {
        report.at(
            text.loc,
            format!(
                "plaintext secret in spec.patches[{index}].patch at `{}` (value not shown)",
                shown(&at)
            ),
            Some(
                "a patch must not carry secrets: take them from Vault through a typed field with a secret \
                 reference, e.g. spec.singleuser.env.<NAME>: {vault: \"<key>#<property>\"}; see docs/secrets.md"
                    .into(),
            ),
        );
    }
}

/// Report every string in `node` that holds a URL with a password.
fn urls(node: &Node, path: &mut Vec<String>, report: &mut Reporter) {
    match &node.value {
        Value::Str(text) if has_password_url(text) => report.at(
            node.loc,
            format!(
                "URL with a password at `{}` (credentials not shown)",
                shown(&path.join("."))
            ),
            Some(url_help(path)),
        ),
        Value::Map(entries) => {
            for entry in entries {
                path.push(entry.key.to_string());
                urls(&entry.value, path, report);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                urls(item, path, report);
                path.pop();
            }
        }
        _ => {}
    }
}

fn url_help(path: &[String]) -> String {
    let joined = path.join(".");
    let what = if joined.ends_with("source.url") {
        "Flux reads Git credentials from a Secret: name it in `spec.source.secretRef` and write the URL without them"
    } else if joined.contains("server") {
        "Vault logs in with Kubernetes auth (spec.auth.kubernetes): write the server URL without credentials"
    } else if joined.contains("db") || joined.contains("database") {
        "put the whole database URL in Vault: `spec.database.postgres.url: {vault: \"<key>#url\"}`"
    } else {
        "write the URL without `user:password@`; a credential comes from Vault through a secret reference (docs/secrets.md)"
    };
    format!("credentials must not be in Git; {what}")
}

/// Whether `text` contains a URL `scheme://user:password@host` with a password that is not a `${…}`
/// placeholder (Flux post-build substitution fills those in the cluster).
pub fn has_password_url(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let scheme_ok = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let after = &rest[at + 3..];
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        if scheme_ok
            && let Some((userinfo, _host)) = authority.rsplit_once('@')
            && let Some((_user, password)) = userinfo.split_once(':')
            && is_literal(password)
        {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_passwords() {
        for bad in [
            "https://ann:hunter2@git.example.org/org/repo",
            "postgresql+psycopg2://hub:pw@db:5432/hub",
            "c.JupyterHub.db_url = 'mysql://root:x@db/hub'",
            "see https://example.org and https://u:p@example.org",
        ] {
            assert!(has_password_url(bad), "{bad}");
        }
        for good in [
            "https://git.example.org/org/repo",
            "ssh://git@github.com/org/repo",
            "https://user:${GIT_TOKEN}@git.example.org/repo",
            "https://example.org/path?a=b:c@d",
            "https://user:@host/",
            "alice@example.org",
        ] {
            assert!(!has_password_url(good), "{good}");
        }
    }

    /// The paths of the literal secrets in chart values written as YAML.
    fn found(values: &str) -> Vec<String> {
        let node: Node = serde_saphyr::from_str_with_options(values, parse_options()).unwrap();
        let mut paths = Vec::new();
        secret_keys(&node, &mut Vec::new(), &mut |path, _| {
            paths.push(path.join("."))
        });
        paths
    }

    #[test]
    fn literal_secrets_in_chart_values() {
        let values = "hub:\n  config:\n    JupyterHub: {cookie_secret: abc, admin_access: true}\n    CryptKeeper: {keys: [k1, '${K2}']}\n    GenericOAuthenticator: {token_url: https://x/token, client_secret: ''}\n  extraEnv:\n    - {name: API_TOKEN, value: t0k}\n    - {name: LOG_LEVEL, value: debug}\n  existingSecret: hub-secret\nproxy: {secretToken: '${PROXY_TOKEN}', https: {secretName: tls, port: 443}}\nsingleuser: {extraEnv: {DB_PASSWORD: pw, GITHUB_TOKEN: 12345}}\nextra: {kind: Secret, stringData: {anything: x}}\n";
        assert_eq!(
            found(values),
            [
                "hub.config.JupyterHub.cookie_secret",
                "hub.config.CryptKeeper.keys.0",
                "hub.extraEnv.0.API_TOKEN",
                "singleuser.extraEnv.DB_PASSWORD",
                "extra.stringData.anything",
            ]
        );
    }

    #[test]
    fn each_environment_points_to_its_typed_field() {
        let path = |p: &str| -> Vec<String> { p.split('.').map(str::to_owned).collect() };
        assert!(instead(&path("hub.extraEnv.API_TOKEN")).contains("spec.hub.env.<NAME>"));
        assert!(
            instead(&path("singleuser.extraEnv.DB_PASSWORD"))
                .contains("spec.singleuser.env.<NAME>")
        );
    }

    #[test]
    fn secret_keys_without_false_positives() {
        for key in [
            "client_secret",
            "password",
            "token",
            "auth_token",
            "api_token",
            "cookie_secret",
            "secretToken",
            "secret_key",
            "private_key",
            "cookieSecret",
            "GITHUB_TOKEN",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "token_url",
            "secretName",
            "existingSecret",
            "tokenUrl",
            "secrets",
            "keys",
            "username",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
        assert!(!is_literal(""));
        assert!(!is_literal("${COOKIE_SECRET}"));
    }
}
