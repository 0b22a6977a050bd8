//! The authenticator under `hub.config`: its class, who may log in, and — for GitHub, GitLab and generic OAuth
//! (CILogon: `super::cilogon`) — its settings, typed when its client credentials come from a Secret through `valuesFrom` (they become
//! `{secret, key}` references). Credentials written in the values are secrets a person must move (the report
//! says how); until then the authenticator is imported by class and its settings stay under `values`.

use super::{Builder, Context, Part};
use crate::model::auth::NATIVE_CLASS;
use serde_json::{Map, Value, json};

/// The OAuth authenticators jupyflux types: the field under `spec.auth`, the `hub.config` section, and the
/// `authenticator_class` names that choose it (entry point, short and full class paths).
const OAUTH: [(&str, &str, &[&str]); 3] = [
    (
        "github",
        "GitHubOAuthenticator",
        &[
            "github",
            "oauthenticator.GitHubOAuthenticator",
            "oauthenticator.github.GitHubOAuthenticator",
        ],
    ),
    (
        "gitlab",
        "GitLabOAuthenticator",
        &[
            "gitlab",
            "oauthenticator.GitLabOAuthenticator",
            "oauthenticator.gitlab.GitLabOAuthenticator",
        ],
    ),
    (
        "generic",
        "GenericOAuthenticator",
        &[
            "generic-oauth",
            "oauthenticator.generic.GenericOAuthenticator",
            "oauthenticator.GenericOAuthenticator",
        ],
    ),
];

pub fn lift(values: &Value, context: &Context<'_>) -> Vec<Part> {
    let mut b = Builder::new(values, "hub.config authenticator");
    let class = b
        .peek(&["hub", "config", "JupyterHub", "authenticator_class"])
        .and_then(Value::as_str);
    let oauth = class.and_then(|class| OAUTH.iter().find(|(_, _, names)| names.contains(&class)));
    if let Some((field, section, _)) = oauth
        && let Some(settings) = oauth_settings(&mut b, field, section, context)
    {
        b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
        b.field(&["auth", field], settings);
        chart_secrets(&mut b, context);
    } else if class.is_some_and(|c| super::cilogon::NAMES.contains(&c))
        && let Some(settings) = super::cilogon::settings(&mut b, context)
    {
        b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
        b.field(&["auth", "cilogon"], settings);
        chart_secrets(&mut b, context);
    } else {
        match class {
            // The chart's default: chosen explicitly in the definition.
            None => {
                b.field(&["auth", "dummy"], json!({}));
                b.adds(&["hub", "config", "JupyterHub", "authenticator_class"]);
            }
            Some("dummy") => {
                b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
                b.field(&["auth", "dummy"], json!({}));
            }
            Some(NATIVE_CLASS | "native") => {
                b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
                let settings = native(&mut b);
                b.field(&["auth", "native"], settings);
            }
            Some(class) => {
                b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
                b.field(&["auth", "other"], json!({"class": class}));
            }
        }
    }
    for (key, field) in [
        ("allow_all", "allowAll"),
        ("auto_login", "autoLogin"),
        ("enable_auth_state", "enableAuthState"),
        ("refresh_pre_spawn", "refreshPreSpawn"),
        ("delete_invalid_users", "deleteInvalidUsers"),
    ] {
        if let Some(v) = b
            .peek(&["hub", "config", "Authenticator", key])
            .filter(|v| v.is_boolean())
        {
            b.take(&["hub", "config", "Authenticator", key]);
            b.field(&["auth", field], v.clone());
        }
    }
    if let Some(v) = b
        .peek(&["hub", "config", "JupyterHub", "admin_access"])
        .filter(|v| v.is_boolean())
    {
        b.take(&["hub", "config", "JupyterHub", "admin_access"]);
        b.field(&["auth", "adminAccess"], v.clone());
    }
    for (key, field) in [
        ("admin_users", "adminUsers"),
        ("allowed_users", "allowedUsers"),
    ] {
        if let Some(users) = b.peek(&["hub", "config", "Authenticator", key])
            && users
                .as_array()
                .is_some_and(|u| u.iter().all(Value::is_string))
        {
            b.take(&["hub", "config", "Authenticator", key]);
            b.field(&["auth", field], users.clone());
        }
    }
    b.finish().into_iter().collect()
}

/// NativeAuthenticator's typed settings under `hub.config.NativeAuthenticator` (others stay under `values`).
fn native(b: &mut Builder<'_>) -> Value {
    let mut settings = Map::new();
    for (key, field, number) in [
        ("enable_signup", "enableSignup", false),
        ("open_signup", "openSignup", false),
        ("check_common_password", "checkCommonPassword", false),
        ("ask_email_on_signup", "askEmailOnSignup", false),
        ("minimum_password_length", "minimumPasswordLength", true),
        ("allowed_failed_logins", "allowedFailedLogins", true),
        ("seconds_before_next_try", "secondsBeforeNextTry", true),
    ] {
        let keys = ["hub", "config", "NativeAuthenticator", key];
        if let Some(v) = b
            .peek(&keys)
            .filter(|v| if number { v.is_u64() } else { v.is_boolean() })
        {
            b.take(&keys);
            settings.insert(field.into(), v.clone());
        }
    }
    Value::Object(settings)
}

/// The typed settings of OAuth authenticator `field` (section `section`), when both client credentials come from
/// a Secret; every value of the section it types is consumed.
fn oauth_settings<'v>(
    b: &mut Builder<'v>,
    field: &str,
    section: &str,
    context: &Context<'_>,
) -> Option<Value> {
    let path = |key: &str| format!("hub.config.{section}.{key}");
    let id = context.secret_at(&path("client_id"))?;
    let secret = context.secret_at(&path("client_secret"))?;
    let keys = |key: &'static str| ["hub", "config", section, key];
    let text = |b: &Builder<'v>, key: &'static str| text_at(b, &keys(key));
    let mut settings = Map::new();
    if field == "generic" {
        // Required by the typed field: without them the authenticator stays untyped.
        for (key, name) in [
            ("authorize_url", "authorizeUrl"),
            ("token_url", "tokenUrl"),
            ("userdata_url", "userdataUrl"),
        ] {
            settings.insert(name.into(), json!(text(b, key)?));
        }
    }
    settings.insert("clientId".into(), b.secret_reference(id));
    settings.insert("clientSecret".into(), b.secret_reference(secret));
    for key in ["authorize_url", "token_url", "userdata_url"] {
        if field == "generic" {
            b.take(&keys(key));
        }
    }
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    match field {
        "github" => {
            if let Some(orgs) = b
                .peek(&keys("allowed_organizations"))
                .filter(|v| strings(v))
            {
                b.take(&keys("allowed_organizations"));
                settings.insert("allowedOrganizations".into(), orgs.clone());
            }
        }
        "gitlab" => {
            if let Some(url) = text(b, "gitlab_url") {
                b.take(&keys("gitlab_url"));
                settings.insert("gitlabUrl".into(), json!(url));
            }
            if let Some(groups) = b
                .peek(&keys("allowed_gitlab_groups"))
                .filter(|v| strings(v))
            {
                b.take(&keys("allowed_gitlab_groups"));
                settings.insert("allowedGroups".into(), groups.clone());
            }
        }
        _ => generic(b, section, &mut settings),
    }
    for (key, name) in [
        ("allowed_groups", "allowedGroups"),
        ("admin_groups", "adminGroups"),
    ] {
        if field != "gitlab"
            && let Some(groups) = b.peek(&keys(key)).filter(|v| strings(v))
        {
            b.take(&keys(key));
            b.field(&["auth", name], groups.clone());
        }
    }
    if let Some(service) = text(b, "login_service") {
        b.take(&keys("login_service"));
        b.field(&["auth", "loginService"], json!(service));
    }
    if let Some(callback) = text(b, "oauth_callback_url") {
        b.take(&keys("oauth_callback_url"));
        let derived = context
            .host
            .map(|h| format!("https://{h}/hub/oauth_callback"));
        if derived.as_deref() != Some(callback) {
            b.field(&["auth", "callbackUrl"], json!(callback));
        }
    }
    Some(Value::Object(settings))
}

/// Where an OAuth hub's chart secrets (proxy token, cookie secret, CryptKeeper key) come from, so that they
/// never change between installs: the Secret `valuesFrom` reads them from already, else `<hub>-chart-secrets`,
/// which a person creates with today's values (see [`CHART_SECRETS`]).
fn chart_secrets(b: &mut Builder<'_>, context: &Context<'_>) {
    use crate::model::usage::{COOKIE_SECRET_PATH, CRYPT_KEEPER_KEY_PATH, PROXY_TOKEN_PATH};
    let mut secrets = Map::new();
    let mut to_create = false;
    for (field, path, key) in [
        ("proxyToken", PROXY_TOKEN_PATH, "proxy-token"),
        ("cookieSecret", COOKIE_SECRET_PATH, "cookie-secret"),
        ("cryptKeeperKey", CRYPT_KEEPER_KEY_PATH, "crypt-keeper-key"),
    ] {
        let reference = match context.secret_at(path) {
            Some(from) => b.secret_reference(from),
            None => {
                to_create = true;
                json!({"secret": chart_secrets_name(context.hub), "key": key})
            }
        };
        secrets.insert(field.into(), reference);
    }
    b.field(&["secrets"], Value::Object(secrets));
    if to_create {
        b.review(format!(
            "the chart's own secrets are read from Secret `{}` (jupyflux never lets the chart invent them): {CHART_SECRETS}",
            chart_secrets_name(context.hub)
        ));
    }
}

/// The Secret an imported OAuth hub reads its chart secrets from, when the release named none.
fn chart_secrets_name(hub: &str) -> String {
    format!("{hub}-chart-secrets")
}

/// What a person does for [`chart_secrets_name`].
const CHART_SECRETS: &str = "create it in the hub's namespace with the keys proxy-token, cookie-secret and \
     crypt-keeper-key, copied from the values the chart generated (its Secret `hub`: hub.config.ConfigurableHTTPProxy.auth_token, \
     hub.config.JupyterHub.cookie_secret, hub.config.CryptKeeper.keys) so that users stay logged in and encrypted auth state stays readable";

fn text_at<'v>(b: &Builder<'v>, keys: &[&str]) -> Option<&'v str> {
    b.peek(keys).and_then(Value::as_str)
}

/// Generic OAuth's own settings: scopes, the user-name claim (under the key the chart's OAuthenticator reads),
/// the userinfo request, and how groups are read.
fn generic(b: &mut Builder<'_>, section: &str, settings: &mut Map<String, Value>) {
    let keys = |key: &'static str| ["hub", "config", section, key];
    if let Some(scopes) = b
        .peek(&keys("scope"))
        .filter(|v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
    {
        b.take(&keys("scope"));
        settings.insert("scopes".into(), scopes.clone());
    }
    for key in ["username_claim", "username_key"] {
        if let Some(claim) = b.peek(&keys(key)).and_then(Value::as_str) {
            settings.insert("usernameClaim".into(), json!(claim));
            b.take(&keys(key));
        }
    }
    // OAuthenticator 16 renamed username_key to username_claim (the old name is a deprecated alias): jupyflux
    // writes the one the chart's OAuthenticator reads.
    let renamed = "username_key is the deprecated alias of username_claim (OAuthenticator 16+): written under the name the chart's OAuthenticator reads";
    b.drop_at(super::Path::keys(&keys("username_key")), renamed);
    b.adds(&keys("username_claim"));
    if let Some(params) = b.peek(&keys("userdata_params")).and_then(Value::as_object)
        && params.values().all(Value::is_string)
    {
        b.take(&keys("userdata_params"));
        settings.insert("userdataParams".into(), Value::Object(params.clone()));
    }
    if let Some(method) = b
        .peek(&keys("userdata_token_method"))
        .and_then(Value::as_str)
        .filter(|m| matches!(*m, "GET" | "POST"))
    {
        b.take(&keys("userdata_token_method"));
        settings.insert("userdataTokenMethod".into(), json!(method));
    }
    if b.peek(&keys("manage_groups")) == Some(&json!(true)) {
        // Rendered with the groups settings below (OAuthenticator 17 needs it for any of them).
        b.take(&keys("manage_groups"));
    }
    for key in ["auth_state_groups_key", "claim_groups_key"] {
        if let Some(claim) = b.peek(&keys(key)).and_then(Value::as_str) {
            let claim = claim.strip_prefix("oauth_user.").unwrap_or(claim);
            settings.insert("groupsClaim".into(), json!(claim));
            b.take(&keys(key));
        }
    }
    // With groups, jupyflux names the groups claim explicitly: the authenticator's default, `groups`.
    b.adds(&keys("auth_state_groups_key"));
    b.adds(&keys("claim_groups_key"));
    b.adds(&keys("manage_groups"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::lift::ValuesFromSecret;

    fn secret(index: usize, key: &str) -> ValuesFromSecret {
        ValuesFromSecret {
            index,
            target_path: format!("hub.config.GenericOAuthenticator.{key}"),
            secret: "oauth".into(),
            key: key.into(),
        }
    }

    fn generic_values() -> Value {
        json!({"hub": {"config": {
            "JupyterHub": {"authenticator_class": "generic-oauth"},
            "GenericOAuthenticator": {
                "authorize_url": "https://id.example.org/authorize",
                "token_url": "https://id.example.org/token",
                "userdata_url": "https://id.example.org/userinfo",
                "username_key": "preferred_username",
                "login_service": "Example ID",
                "oauth_callback_url": "https://example.org/jupyter/hub/oauth_callback",
            },
        }}})
    }

    #[test]
    fn generic_oauth_is_typed_when_its_credentials_come_from_a_secret() {
        let secrets = [secret(0, "client_id"), secret(1, "client_secret")];
        let context = Context {
            hub: "lab",
            host: Some("hub.example.org"),
            secrets: &secrets,
        };
        let parts = lift(&generic_values(), &context);
        let part = &parts[0];
        let field = |path: &[&str]| {
            part.fields
                .iter()
                .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
                .map(|(_, v)| v.clone())
        };
        let generic = field(&["auth", "generic"]).expect("typed generic OAuth");
        assert_eq!(
            generic["clientSecret"],
            json!({"secret": "oauth", "key": "client_secret"})
        );
        assert_eq!(generic["usernameClaim"], "preferred_username");
        assert_eq!(field(&["auth", "loginService"]), Some(json!("Example ID")));
        // Not the hub's own host: kept as it is.
        assert_eq!(
            field(&["auth", "callbackUrl"]),
            Some(json!("https://example.org/jupyter/hub/oauth_callback"))
        );
        assert_eq!(
            field(&["secrets"]).unwrap()["proxyToken"],
            json!({"secret": "lab-chart-secrets", "key": "proxy-token"})
        );
        assert_eq!(part.values_from, [0, 1]);
    }

    #[test]
    fn without_secret_credentials_an_oauth_authenticator_is_imported_by_class_only() {
        let context = Context {
            hub: "lab",
            host: None,
            secrets: &[secret(0, "client_id")],
        };
        let parts = lift(&generic_values(), &context);
        assert_eq!(
            parts[0].fields,
            [(
                vec!["auth".to_owned(), "other".to_owned()],
                json!({"class": "generic-oauth"})
            )]
        );
        assert!(parts[0].values_from.is_empty());
    }
}
