//! CILogon under `hub.config`: the section holding `allowed_idps` (OAuthenticator's `CILogonOAuthenticator`, or a
//! subclass the hub's own configuration defines and selects — then its section also holds the `Authenticator`
//! settings), with client credentials from a `valuesFrom` Secret or the hub's `CILOGON_CLIENT_*` environment.

use super::{Builder, Context};
use crate::model::cilogon::{CILOGON_CLASS, CLIENT_ID_ENV, CLIENT_SECRET_ENV};
use serde_json::{Map, Value, json};

/// The `authenticator_class` names that choose CILogon.
pub const NAMES: [&str; 3] = [
    "cilogon",
    "oauthenticator.CILogonOAuthenticator",
    "oauthenticator.cilogon.CILogonOAuthenticator",
];

/// The `Authenticator` settings a subclass's section may hold, and their fields under `spec.auth`.
const AUTHENTICATOR_KEYS: [(&str, &str, Kind); 8] = [
    ("admin_users", "adminUsers", Kind::Names),
    ("allowed_users", "allowedUsers", Kind::Names),
    ("allow_all", "allowAll", Kind::Flag),
    ("auto_login", "autoLogin", Kind::Flag),
    (
        "auto_login_oauth2_authorize",
        "autoLoginOauth2Authorize",
        Kind::Flag,
    ),
    ("enable_auth_state", "enableAuthState", Kind::Flag),
    ("refresh_pre_spawn", "refreshPreSpawn", Kind::Flag),
    ("delete_invalid_users", "deleteInvalidUsers", Kind::Flag),
];

#[derive(Clone, Copy)]
enum Kind {
    Flag,
    Names,
}

/// The typed `auth.cilogon`, when the values hold one section with `allowed_idps` the typed field can say and
/// client credentials it can reference; what it types is consumed.
pub fn settings(b: &mut Builder<'_>, context: &Context<'_>) -> Option<Value> {
    let section = section(b)?;
    let keys = |key: &'static str| ["hub", "config", section.as_str(), key];
    let idps = allowed_idps(b.peek(&keys("allowed_idps"))?)?;
    let mut settings = Map::new();
    settings.insert("allowedIdps".into(), idps);
    let path = |key: &str| format!("hub.config.{section}.{key}");
    match (
        context.secret_at(&path("client_id")),
        context.secret_at(&path("client_secret")),
    ) {
        (Some(id), Some(secret)) => {
            settings.insert("clientId".into(), b.secret_reference(id));
            settings.insert("clientSecret".into(), b.secret_reference(secret));
        }
        (None, None) => env_credentials(b)?,
        _ => return None,
    }
    b.take(&keys("allowed_idps"));
    if section != CILOGON_CLASS {
        settings.insert("configClass".into(), json!(section));
        b.review(format!(
            "auth.cilogon.configClass: {section} — the settings configure only a class of that name, which the hub's own configuration must define and select (a jupyterhub_config.d file or the hub image: the chart loads those after hub.config, whose authenticator_class says cilogon)"
        ));
        for (key, field, kind) in AUTHENTICATOR_KEYS {
            let fits = |v: &&Value| match kind {
                Kind::Flag => v.is_boolean(),
                Kind::Names => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            };
            if let Some(value) = b.peek(&keys(key)).filter(fits) {
                b.take(&keys(key));
                b.field(&["auth", field], value.clone());
            }
        }
    }
    for (key, field) in [
        ("login_service", "loginService"),
        ("logout_redirect_url", "logoutRedirectUrl"),
    ] {
        if let Some(text) = b.peek(&keys(key)).and_then(Value::as_str) {
            b.take(&keys(key));
            b.field(&["auth", field], json!(text));
        }
    }
    if let Some(callback) = b.peek(&keys("oauth_callback_url")).and_then(Value::as_str) {
        b.take(&keys("oauth_callback_url"));
        let derived = context
            .host
            .map(|h| format!("https://{h}/hub/oauth_callback"));
        if derived.as_deref() != Some(callback) {
            b.field(&["auth", "callbackUrl"], json!(callback));
        }
    }
    // Like every OAuth authenticator jupyflux types, the callback URL is written (the hub's own by default).
    b.adds(&keys("oauth_callback_url"));
    Some(Value::Object(settings))
}

/// The section of `hub.config` holding `allowed_idps`: `CILogonOAuthenticator`'s, else the one other section (a
/// subclass, named with a capital letter as traitlets takes class sections) that has it.
fn section(b: &Builder<'_>) -> Option<String> {
    let config = b.peek(&["hub", "config"])?.as_object()?;
    let holding: Vec<&String> = config
        .iter()
        .filter(|(_, section)| section.get("allowed_idps").is_some())
        .map(|(name, _)| name)
        .collect();
    match holding.as_slice() {
        [one] if one.starts_with(|c: char| c.is_ascii_uppercase()) => Some((*one).clone()),
        _ => None,
    }
}

/// `allowed_idps` as the typed map, when each provider sets only what the typed field has.
fn allowed_idps(idps: &Value) -> Option<Value> {
    let mut typed = Map::new();
    for (entity, idp) in idps.as_object()? {
        let mut fields = Map::new();
        for (key, value) in idp.as_object()? {
            match key.as_str() {
                "username_derivation" => {
                    let derivation = value.as_object().filter(|d| d.len() == 1)?;
                    fields.insert(
                        "usernameClaim".into(),
                        json!(derivation.get("username_claim")?.as_str()?),
                    );
                }
                "allow_all" if value.is_boolean() => {
                    fields.insert("allowAll".into(), value.clone());
                }
                "allowed_domains"
                    if value
                        .as_array()
                        .is_some_and(|a| a.iter().all(Value::is_string)) =>
                {
                    fields.insert("allowedDomains".into(), value.clone());
                }
                _ => return None,
            }
        }
        fields.get("usernameClaim")?;
        typed.insert(entity.clone(), Value::Object(fields));
    }
    (!typed.is_empty()).then_some(Value::Object(typed))
}

/// Client credentials the authenticator reads from the hub's environment: both `CILOGON_CLIENT_*` from a Secret,
/// typed as `hub.env` references (the part carries them, so that it loads on its own).
fn env_credentials(b: &mut Builder<'_>) -> Option<()> {
    let mut references = Vec::new();
    for name in [CLIENT_ID_ENV, CLIENT_SECRET_ENV] {
        let reference = b
            .peek(&["hub", "extraEnv", name])?
            .get("valueFrom")?
            .get("secretKeyRef")?
            .as_object()
            .filter(|r| r.len() == 2)?;
        let (secret, key) = (
            reference.get("name")?.as_str()?,
            reference.get("key")?.as_str()?,
        );
        references.push((name, json!({"secret": secret, "key": key})));
    }
    for (name, reference) in references {
        b.take(&["hub", "extraEnv", name]);
        b.field(&["hub", "env", name], reference);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::auth::lift;
    use super::*;

    fn purdue() -> Value {
        json!({"hub": {
            "extraEnv": {
                "CILOGON_CLIENT_ID": {"valueFrom": {"secretKeyRef": {"name": "auth-secret", "key": "cilogon_client_id"}}},
                "CILOGON_CLIENT_SECRET": {"valueFrom": {"secretKeyRef": {"name": "auth-secret", "key": "cilogon_client_secret"}}},
            },
            "config": {
                "JupyterHub": {"authenticator_class": "cilogon"},
                "LabCILogonOAuthenticator": {
                    "auto_login": true,
                    "admin_users": ["ada"],
                    "allowed_idps": {"https://idp.example.edu/idp/shibboleth": {
                        "allow_all": true,
                        "username_derivation": {"username_claim": "eppn"},
                    }},
                },
            },
        }})
    }

    fn field(part: &super::super::Part, path: &[&str]) -> Option<Value> {
        part.fields
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn a_subclass_section_with_env_credentials_is_typed_with_its_class() {
        let context = Context {
            hub: "lab",
            host: Some("hub.example.edu"),
            secrets: &[],
        };
        let parts = lift(&purdue(), &context);
        let part = &parts[0];
        assert_eq!(
            field(part, &["auth", "cilogon"]),
            Some(json!({
                "allowedIdps": {"https://idp.example.edu/idp/shibboleth": {"usernameClaim": "eppn", "allowAll": true}},
                "configClass": "LabCILogonOAuthenticator",
            }))
        );
        assert_eq!(field(part, &["auth", "autoLogin"]), Some(json!(true)));
        assert_eq!(field(part, &["auth", "adminUsers"]), Some(json!(["ada"])));
        assert_eq!(
            field(part, &["hub", "env", "CILOGON_CLIENT_SECRET"]),
            Some(json!({"secret": "auth-secret", "key": "cilogon_client_secret"}))
        );
    }

    #[test]
    fn cilogon_stays_untyped_without_credentials_or_with_settings_it_cannot_say() {
        let context = Context {
            hub: "lab",
            host: None,
            secrets: &[],
        };
        let mut no_env = purdue();
        no_env["hub"]["extraEnv"] = json!({});
        let mut prefix = purdue();
        prefix["hub"]["config"]["LabCILogonOAuthenticator"]["allowed_idps"]["https://idp.example.edu/idp/shibboleth"]
            ["username_derivation"]["action"] = json!("prefix");
        for values in [no_env, prefix] {
            let parts = lift(&values, &context);
            assert_eq!(
                field(&parts[0], &["auth", "other"]),
                Some(json!({"class": "cilogon"}))
            );
        }
    }
}
