//! The authenticator under `hub.config`: its class, its OAuth settings besides the client credentials (those come
//! from the secret store through `valuesFrom`), and who may log in.

use super::profiles;
use crate::model::auth::{Auth, Authenticator};
use crate::model::profile::Profile;
use serde_json::{Map, Value, json};

/// The authenticator's part of `hub.config`: `JupyterHub.authenticator_class`, its own section, `Authenticator`.
pub fn merge_into(
    config: &mut Map<String, Value>,
    auth: &Auth,
    hub_profiles: &[Profile],
    host: &str,
) {
    if let Some(authenticator) = auth.authenticator() {
        config.insert(
            "JupyterHub".into(),
            json!({"authenticator_class": authenticator.class()}),
        );
        if let Some(section) = authenticator.config_section() {
            let reads_groups = profiles::filters_by_claim(hub_profiles, Some(authenticator));
            config.insert(
                section.into(),
                oauth(authenticator, auth, reads_groups, host),
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
    if profiles::filters_by_claim(hub_profiles, auth.authenticator()) {
        // The filter reads the groups claim from auth state (encrypted with the CryptKeeper key from Vault).
        authenticator.insert("enable_auth_state".into(), json!(true));
    }
    if !authenticator.is_empty() {
        config.insert("Authenticator".into(), Value::Object(authenticator));
    }
}

/// The settings of an OAuth authenticator besides its client credentials (those come from Vault via `valuesFrom`).
/// `reads_groups`: the profile filter reads the groups claim, so the authenticator must name it.
fn oauth(authenticator: Authenticator<'_>, auth: &Auth, reads_groups: bool, host: &str) -> Value {
    let mut values = json!({"oauth_callback_url": format!("https://{host}/hub/oauth_callback")});
    match authenticator {
        Authenticator::Dummy | Authenticator::Other(_) => {}
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
                values["username_claim"] = json!(claim);
            }
            if reads_groups
                || !auth.allowed_groups.is_empty()
                || !auth.admin_groups.is_empty()
                || generic.groups_claim.is_some()
            {
                values["claim_groups_key"] = json!(authenticator.groups_claim());
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
