//! The authenticator under `hub.config`: its class, its OAuth settings besides the client credentials (those come
//! from the secret store through `valuesFrom`), and who may log in — under the key names of the OAuthenticator
//! version the chart ships.

use super::spawn_config;
use crate::model::auth::{Auth, Authenticator};
use crate::model::chart_source::{ChartVersion, GENERATIONS};
use crate::model::hub::HubSpec;
use serde_json::{Map, Value, json};

/// The OAuthenticator settings whose names changed between the versions the chart majors ship
/// (`crate::model::chart_source::GENERATIONS`):
///
/// * OAuthenticator 16.0 deprecated `GenericOAuthenticator.username_key` for `username_claim` (changelog 16.0.0,
///   "Deprecations"; docs/source/how-to/migrations/upgrade-to-16.md): chart 3.x and later read `username_claim`,
///   1.x and 2.x (OAuthenticator 14, 15) only `username_key`.
/// * OAuthenticator 17.0 deprecated `GenericOAuthenticator.claim_groups_key` for `auth_state_groups_key`, a path
///   into auth state (`oauth_user.<claim>`), and made every group setting (`allowed_groups`, `admin_groups`, the
///   groups key) require `manage_groups: true`, refusing to start otherwise (jupyterhub/oauthenticator#735,
///   oauthenticator/generic.py). Chart 4.x ships OAuthenticator 17 (upgrade-3-to-4.md).
/// * `GitLabOAuthenticator.allowed_gitlab_groups` (OAuthenticator 0.12 and later) is the same in every chart major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Keys {
    oauthenticator: u64,
}

impl Keys {
    fn of(chart: &ChartVersion) -> Keys {
        let newest = &GENERATIONS[GENERATIONS.len() - 1];
        let generation = chart.generation().unwrap_or(newest);
        Keys {
            oauthenticator: generation.oauthenticator_major,
        }
    }

    /// The key naming the claim that holds the user name.
    fn username(self) -> &'static str {
        if self.oauthenticator >= 16 {
            "username_claim"
        } else {
            "username_key"
        }
    }

    /// Where the authenticator reads a user's groups from: the claim `claim` of the userdata.
    fn groups(self, claim: &str, values: &mut Value) {
        if self.oauthenticator >= 17 {
            values["manage_groups"] = json!(true);
            values["auth_state_groups_key"] = json!(format!("oauth_user.{claim}"));
        } else {
            values["claim_groups_key"] = json!(claim);
        }
    }
}

/// The authenticator's part of `hub.config`: `JupyterHub.authenticator_class`, its own section, `Authenticator`.
pub fn merge_into(
    config: &mut Map<String, Value>,
    spec: &HubSpec,
    host: &str,
    chart: &ChartVersion,
) {
    let auth = &spec.auth;
    if let Some(authenticator) = auth.authenticator() {
        config.insert(
            "JupyterHub".into(),
            json!({"authenticator_class": authenticator.class()}),
        );
        if let Authenticator::Native(native) = authenticator {
            let settings = native.settings();
            if !settings.is_empty() {
                config.insert("NativeAuthenticator".into(), Value::Object(settings));
            }
        }
        if let Some(section) = authenticator.config_section() {
            let reads_groups = spawn_config::reads_groups_claim(spec, Some(authenticator));
            config.insert(
                section.into(),
                oauth(authenticator, auth, reads_groups, host, Keys::of(chart)),
            );
        }
    }
    let mut authenticator = Map::new();
    if !auth.admin_users.is_empty() {
        authenticator.insert("admin_users".into(), json!(auth.admin_users));
    }
    if !auth.allowed_users.is_empty() {
        authenticator.insert("allowed_users".into(), json!(auth.allowed_users));
    }
    for (key, value) in [
        ("allow_all", auth.allow_all),
        ("auto_login", auth.auto_login),
        (
            "auto_login_oauth2_authorize",
            auth.auto_login_oauth2_authorize,
        ),
        ("enable_auth_state", auth.enable_auth_state),
        ("refresh_pre_spawn", auth.refresh_pre_spawn),
        ("delete_invalid_users", auth.delete_invalid_users),
    ] {
        if let Some(value) = value {
            authenticator.insert(key.into(), json!(value));
        }
    }
    if let Some(access) = auth.admin_access {
        let hub = config.entry("JupyterHub").or_insert_with(|| json!({}));
        hub["admin_access"] = json!(access);
    }
    if spawn_config::reads_groups_claim(spec, auth.authenticator()) {
        // The filter reads the groups claim from auth state (encrypted with the CryptKeeper key from Vault).
        authenticator.insert("enable_auth_state".into(), json!(true));
    }
    if authenticator.is_empty() {
        return;
    }
    match auth.authenticator() {
        // A subclass the hub's own configuration selects: its section holds every setting it reads.
        Some(Authenticator::CILogon(cilogon)) if cilogon.config_class.is_some() => {
            let section = config.entry(cilogon.section()).or_insert_with(|| json!({}));
            if let Some(section) = section.as_object_mut() {
                section.extend(authenticator);
            }
        }
        _ => {
            config.insert("Authenticator".into(), Value::Object(authenticator));
        }
    }
}

/// The settings of an OAuth authenticator besides its client credentials (those come from Vault via `valuesFrom`).
/// `reads_groups`: the profile filter reads the groups claim, so the authenticator must name it.
fn oauth(
    authenticator: Authenticator<'_>,
    auth: &Auth,
    reads_groups: bool,
    host: &str,
    keys: Keys,
) -> Value {
    let callback = match &auth.callback_url {
        Some(url) => url.clone(),
        None => format!("https://{host}/hub/oauth_callback"),
    };
    let mut values = json!({"oauth_callback_url": callback});
    if let Some(service) = &auth.login_service {
        values["login_service"] = json!(service);
    }
    if let Some(url) = &auth.logout_redirect_url {
        values["logout_redirect_url"] = json!(url);
    }
    match authenticator {
        Authenticator::Dummy | Authenticator::Native(_) | Authenticator::Other(_) => {}
        Authenticator::CILogon(cilogon) => {
            values["allowed_idps"] = cilogon.allowed_idps_value();
        }
        Authenticator::GitHub(github) => {
            if !github.allowed_organizations.is_empty() {
                values["allowed_organizations"] = json!(github.allowed_organizations);
            }
        }
        Authenticator::GitLab(gitlab) => {
            if let Some(url) = &gitlab.gitlab_url {
                values["gitlab_url"] = json!(url);
            }
            let groups: Vec<&String> = gitlab
                .allowed_groups
                .iter()
                .chain(&auth.allowed_groups)
                .collect();
            if !groups.is_empty() {
                values["allowed_gitlab_groups"] = json!(groups);
            }
        }
        Authenticator::Generic(generic) => {
            values["authorize_url"] = json!(generic.authorize_url);
            values["token_url"] = json!(generic.token_url);
            values["userdata_url"] = json!(generic.userdata_url);
            if !generic.scopes.is_empty() {
                values["scope"] = json!(generic.scopes);
            }
            if let Some(claim) = &generic.username_claim {
                values[keys.username()] = json!(claim);
            }
            if !generic.userdata_params.is_empty() {
                values["userdata_params"] = json!(generic.userdata_params);
            }
            if let Some(method) = generic.userdata_token_method {
                values["userdata_token_method"] = json!(method.as_str());
            }
            let wants_groups = reads_groups
                || !auth.allowed_groups.is_empty()
                || !auth.admin_groups.is_empty()
                || generic.groups_claim.is_some();
            if wants_groups && let Some(claim) = authenticator.groups_claim() {
                keys.groups(claim, &mut values);
            }
            if !auth.allowed_groups.is_empty() {
                values["allowed_groups"] = json!(auth.allowed_groups);
            }
            if !auth.admin_groups.is_empty() {
                values["admin_groups"] = json!(auth.admin_groups);
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_authenticator_settings_go_under_its_class() {
        let model = crate::load::load_hub_spec(
            "  chart: {version: \"4.3.2\"}\n  auth:\n    native: {enableSignup: false, minimumPasswordLength: 10}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let env = &model.environments[0];
        let config = &super::super::values(env, &env.hubs[0])["hub"]["config"];
        assert_eq!(
            config["JupyterHub"]["authenticator_class"],
            json!("nativeauthenticator.NativeAuthenticator")
        );
        assert_eq!(
            config["NativeAuthenticator"],
            json!({"enable_signup": false, "minimum_password_length": 10})
        );
    }

    #[test]
    fn cilogon_settings_go_under_its_class_and_a_subclass_gets_the_authenticator_ones_too() {
        let spec = |class: &str| {
            format!(
                "  chart: {{version: \"4.0.0\"}}\n  secrets: {{proxyToken: {{secret: c, key: p}}, cookieSecret: {{secret: c, key: c}}, cryptKeeperKey: {{secret: c, key: k}}}}\n  hub:\n    env: {{CILOGON_CLIENT_ID: {{secret: a, key: id}}, CILOGON_CLIENT_SECRET: {{secret: a, key: s}}}}\n  auth:\n    autoLogin: true\n    logoutRedirectUrl: https://idp.example.edu/logout\n    cilogon: {{allowedIdps: {{https://idp.example.edu/idp/shibboleth: {{usernameClaim: eppn, allowAll: true}}}}{class}}}\n"
            )
        };
        let config = |class: &str| {
            let model = crate::load::load_hub_spec(&spec(class)).unwrap_or_else(|e| panic!("{e}"));
            let env = &model.environments[0];
            super::super::values(env, &env.hubs[0])["hub"]["config"].clone()
        };
        let idps = json!({"https://idp.example.edu/idp/shibboleth": {"username_derivation": {"username_claim": "eppn"}, "allow_all": true}});
        let plain = config("");
        assert_eq!(plain["JupyterHub"]["authenticator_class"], "cilogon");
        assert_eq!(plain["CILogonOAuthenticator"]["allowed_idps"], idps);
        assert_eq!(
            plain["CILogonOAuthenticator"]["logout_redirect_url"],
            "https://idp.example.edu/logout"
        );
        assert_eq!(plain["Authenticator"], json!({"auto_login": true}));
        let sub = config(", configClass: LabCILogonOAuthenticator");
        assert!(sub.get("CILogonOAuthenticator").is_none() && sub.get("Authenticator").is_none());
        let section = &sub["LabCILogonOAuthenticator"];
        assert_eq!(section["allowed_idps"], idps);
        assert_eq!(section["auto_login"], true);
        // No client credentials in the values: the authenticator reads the hub's CILOGON_CLIENT_* variables.
        assert!(section.get("client_id").is_none());
    }

    #[test]
    fn key_names_follow_the_oauthenticator_the_chart_ships() {
        let keys = |v: &str| Keys::of(&ChartVersion::parse(v).unwrap());
        let groups = |v: &str| {
            let mut values = json!({});
            keys(v).groups("roles", &mut values);
            values
        };
        assert_eq!(keys("2.0.0").username(), "username_key");
        assert_eq!(keys("3.3.6").username(), "username_claim");
        assert_eq!(groups("3.3.6"), json!({"claim_groups_key": "roles"}));
        assert_eq!(
            groups("4.3.3-0.dev.git.7285.h2e426380"),
            json!({"manage_groups": true, "auth_state_groups_key": "oauth_user.roles"})
        );
    }
}
