//! CILogon (`CILogonOAuthenticator`, OAuthenticator 16+): users log in through the identity providers CILogon
//! federates, each allowed by its entity ID with the claim their user name comes from.

use super::secret::SecretRef;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// OAuthenticator's CILogon class, whose `hub.config` section holds the settings unless `configClass` names a
/// subclass.
pub const CILOGON_CLASS: &str = "CILogonOAuthenticator";

/// The environment variables CILogonOAuthenticator reads its client credentials from when `client_id` /
/// `client_secret` are unset (its `client_id_env` / `client_secret_env`).
pub const CLIENT_ID_ENV: &str = "CILOGON_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "CILOGON_CLIENT_SECRET";

/// Log in with CILogon.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CILogonOAuth {
    /// The OAuth client ID. Unset (with `clientSecret`): the authenticator reads the hub's environment variable
    /// `CILOGON_CLIENT_ID`, which `hub.env` must then set.
    #[serde(default)]
    pub client_id: Option<SecretRef>,
    /// The OAuth client secret. Unset (with `clientId`): read from the hub's `CILOGON_CLIENT_SECRET`, which
    /// `hub.env` must set from a secret reference.
    #[serde(default)]
    pub client_secret: Option<SecretRef>,
    /// The identity providers users may log in with, by CILogon entity ID (`https://idp.example.edu/idp/shibboleth`,
    /// see https://cilogon.org/idplist); at least one (`allowed_idps`).
    pub allowed_idps: BTreeMap<String, CILogonIdp>,
    /// The traitlets class whose `hub.config` section gets the settings, when the hub's own configuration (a
    /// `jupyterhub_config.d` file, the hub image) defines a subclass of CILogonOAuthenticator and selects it
    /// (e.g. `PurdueCILogonOAuthenticator`). The hub's `Authenticator` settings (`adminUsers`, `autoLogin`,
    /// `enableAuthState`, …) go to that section too. jupyflux cannot see that class: without it, these settings
    /// configure nothing. Default: `CILogonOAuthenticator`.
    #[serde(default)]
    pub config_class: Option<String>,
}

/// What one identity provider's users get (`allowed_idps.<entity ID>`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CILogonIdp {
    /// The claim of CILogon's userinfo that is the user name, e.g. `eppn` or `email`
    /// (`username_derivation.username_claim`).
    pub username_claim: String,
    /// Let in every user of this provider (`allow_all`).
    #[serde(default)]
    pub allow_all: Option<bool>,
    /// Let in the users of these domains (`allowed_domains`; wildcards as `*.example.edu`).
    #[serde(default)]
    pub allowed_domains: Vec<String>,
}

impl CILogonOAuth {
    /// The `hub.config` section of the settings.
    pub fn section(&self) -> &str {
        self.config_class.as_deref().unwrap_or(CILOGON_CLASS)
    }

    /// `allowed_idps` as the authenticator takes it.
    pub fn allowed_idps_value(&self) -> Value {
        let idps: Map<String, Value> = self
            .allowed_idps
            .iter()
            .map(|(entity, idp)| {
                let mut value =
                    json!({"username_derivation": {"username_claim": idp.username_claim}});
                if let Some(all) = idp.allow_all {
                    value["allow_all"] = json!(all);
                }
                if !idp.allowed_domains.is_empty() {
                    value["allowed_domains"] = json!(idp.allowed_domains);
                }
                (entity.clone(), value)
            })
            .collect();
        Value::Object(idps)
    }

    /// Whether some identity provider lets users in by itself (`allowAll`, or `allowedDomains`).
    pub fn admits_by_provider(&self) -> bool {
        self.allowed_idps
            .values()
            .any(|idp| idp.allow_all == Some(true) || !idp.allowed_domains.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_idps_render_as_the_authenticator_takes_them() {
        let cilogon: CILogonOAuth = serde_saphyr::from_str(
            "allowedIdps:\n  https://idp.example.edu/idp/shibboleth: {usernameClaim: eppn, allowAll: true}\n  http://google.com/accounts/o8/id: {usernameClaim: email, allowedDomains: [example.org]}\nconfigClass: LabCILogonOAuthenticator\n",
        )
        .unwrap();
        assert_eq!(cilogon.section(), "LabCILogonOAuthenticator");
        assert_eq!(
            cilogon.allowed_idps_value(),
            json!({
                "http://google.com/accounts/o8/id": {"username_derivation": {"username_claim": "email"}, "allowed_domains": ["example.org"]},
                "https://idp.example.edu/idp/shibboleth": {"username_derivation": {"username_claim": "eppn"}, "allow_all": true},
            })
        );
        assert!(cilogon.admits_by_provider());
    }
}
