//! Hub authentication: the authenticators a hub can choose (exactly one), and who may log in.

use super::cilogon::CILogonOAuth;
use super::secret::SecretRef;
use schemars::JsonSchema;
use serde::Deserialize;

/// Authentication: exactly one authenticator, plus user lists.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    /// JupyterHub's dummy authenticator: any password works. Only for trials; must be chosen explicitly.
    #[serde(default)]
    pub dummy: Option<Dummy>,
    /// Log in with GitHub (an OAuth app).
    #[serde(default)]
    pub github: Option<GitHubOAuth>,
    /// Log in with GitLab (gitlab.com or your own instance).
    #[serde(default)]
    pub gitlab: Option<GitLabOAuth>,
    /// Log in with any OAuth 2 / OpenID Connect provider (Keycloak, Dex, Entra ID, ...).
    #[serde(default)]
    pub generic: Option<GenericOAuth>,
    /// Log in through the identity providers CILogon federates (universities, laboratories, ORCID, …).
    #[serde(default)]
    pub cilogon: Option<CILogonOAuth>,
    /// Users sign up on the hub and log in with a password stored hashed in the hub database
    /// (NativeAuthenticator).
    #[serde(default)]
    pub native: Option<NativeAuth>,
    /// An authenticator jupyflux has no typed fields for (LDAP, a custom class): its
    /// `authenticator_class`; its settings stay under `values` (`hub.config.<Class>`), its secrets in a Secret
    /// the values read (never in Git).
    #[serde(default)]
    pub other: Option<OtherAuthenticator>,
    /// Users with admin rights in the hub.
    #[serde(default)]
    pub admin_users: Vec<String>,
    /// Users allowed to log in (in addition to admins); empty means whoever the authenticator lets in.
    #[serde(default)]
    pub allowed_users: Vec<String>,
    /// Groups whose members may log in (generic: the groups claim; GitLab: GitLab groups).
    #[serde(default)]
    pub allowed_groups: Vec<String>,
    /// Groups whose members are admins (generic OAuth/OIDC only).
    #[serde(default)]
    pub admin_groups: Vec<String>,
    /// Let in everyone the authenticator accepts (`Authenticator.allow_all`; OAuthenticator 16+ lets nobody in
    /// without an allow rule).
    #[serde(default)]
    pub allow_all: Option<bool>,
    /// Skip the login page and go straight to the provider (`Authenticator.auto_login`).
    #[serde(default)]
    pub auto_login: Option<bool>,
    /// Also go straight to the provider when another application sends a user who is not logged in to the hub's
    /// OAuth authorize page (`Authenticator.auto_login_oauth2_authorize`).
    #[serde(default)]
    pub auto_login_oauth2_authorize: Option<bool>,
    /// Keep the provider's tokens in the hub database, encrypted (`Authenticator.enable_auth_state`).
    #[serde(default)]
    pub enable_auth_state: Option<bool>,
    /// Refresh the user's tokens before each spawn (`Authenticator.refresh_pre_spawn`).
    #[serde(default)]
    pub refresh_pre_spawn: Option<bool>,
    /// Delete users the authenticator no longer accepts at startup (`Authenticator.delete_invalid_users`).
    #[serde(default)]
    pub delete_invalid_users: Option<bool>,
    /// Whether admins may open other users' servers (`JupyterHub.admin_access`).
    #[serde(default)]
    pub admin_access: Option<bool>,
    /// The name on the login button of an OAuth authenticator (`login_service`, e.g. `SKA-IAM`).
    #[serde(default)]
    pub login_service: Option<String>,
    /// The OAuth callback URL registered with the provider, when users do not reach the hub at its own host
    /// (a front proxy, a path prefix). Default: `https://<host>/hub/oauth_callback`.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Where an OAuth authenticator sends users after they log out of the hub, e.g. the provider's logout page
    /// (`logout_redirect_url`).
    #[serde(default)]
    pub logout_redirect_url: Option<String>,
}

/// Settings of the dummy authenticator (none).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Dummy {}

/// NativeAuthenticator's settings (`hub.config.NativeAuthenticator`); unset ones keep its defaults.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NativeAuth {
    /// Whether people may sign up (`enable_signup`; default true).
    #[serde(default)]
    pub enable_signup: Option<bool>,
    /// Whether a sign-up is authorized without an admin's approval (`open_signup`; default false).
    #[serde(default)]
    pub open_signup: Option<bool>,
    /// Refuse the most common passwords (`check_common_password`; default false).
    #[serde(default)]
    pub check_common_password: Option<bool>,
    /// The shortest password accepted (`minimum_password_length`; default 1).
    #[serde(default)]
    pub minimum_password_length: Option<u32>,
    /// Failed logins before a user must wait (`allowed_failed_logins`; default 0: no limit).
    #[serde(default)]
    pub allowed_failed_logins: Option<u32>,
    /// Seconds a user waits after too many failed logins (`seconds_before_next_try`; default 600).
    #[serde(default)]
    pub seconds_before_next_try: Option<u32>,
    /// Ask for an email address on sign-up (`ask_email_on_signup`; default false).
    #[serde(default)]
    pub ask_email_on_signup: Option<bool>,
}

/// NativeAuthenticator's class.
pub const NATIVE_CLASS: &str = "nativeauthenticator.NativeAuthenticator";

impl NativeAuth {
    /// The settings written, as `hub.config.NativeAuthenticator` takes them.
    pub fn settings(&self) -> serde_json::Map<String, serde_json::Value> {
        let flags = [
            ("enable_signup", self.enable_signup),
            ("open_signup", self.open_signup),
            ("check_common_password", self.check_common_password),
            ("ask_email_on_signup", self.ask_email_on_signup),
        ];
        let numbers = [
            ("minimum_password_length", self.minimum_password_length),
            ("allowed_failed_logins", self.allowed_failed_logins),
            ("seconds_before_next_try", self.seconds_before_next_try),
        ];
        let flags = flags
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), serde_json::Value::from(v?))));
        let numbers = numbers
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), serde_json::Value::from(v?))));
        flags.chain(numbers).collect()
    }
}

/// An authenticator configured through chart values.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct OtherAuthenticator {
    /// JupyterHub's `authenticator_class`: an entry-point name (`native`, `ldapauthenticator`) or a Python
    /// class (`oauthenticator.cilogon.CILogonOAuthenticator`).
    pub class: String,
}

/// GitHub OAuth (`GitHubOAuthenticator`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GitHubOAuth {
    pub client_id: SecretRef,
    pub client_secret: SecretRef,
    /// GitHub organizations (or `org:team`) whose members may log in.
    #[serde(default)]
    pub allowed_organizations: Vec<String>,
}

/// GitLab OAuth (`GitLabOAuthenticator`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GitLabOAuth {
    pub client_id: SecretRef,
    pub client_secret: SecretRef,
    /// The GitLab instance (default: the authenticator's, https://gitlab.com).
    #[serde(default)]
    pub gitlab_url: Option<String>,
    /// GitLab groups whose members may log in.
    #[serde(default)]
    pub allowed_groups: Vec<String>,
}

/// Generic OAuth 2 / OIDC (`GenericOAuthenticator`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GenericOAuth {
    pub client_id: SecretRef,
    pub client_secret: SecretRef,
    /// The provider's authorization endpoint.
    pub authorize_url: String,
    /// The provider's token endpoint.
    pub token_url: String,
    /// The provider's userinfo endpoint.
    pub userdata_url: String,
    /// OAuth scopes to request (default: the authenticator's).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The claim holding the user name (default: the authenticator's, `username`).
    #[serde(default)]
    pub username_claim: Option<String>,
    /// The claim holding the user's groups (default `groups`), read for allowedGroups, adminGroups and profiles.
    #[serde(default)]
    pub groups_claim: Option<String>,
    /// Extra query parameters of the userinfo request (`userdata_params`).
    #[serde(default)]
    pub userdata_params: std::collections::BTreeMap<String, String>,
    /// How the access token is sent to the userinfo endpoint (`userdata_token_method`; the authenticator's
    /// default is `GET`).
    #[serde(default)]
    pub userdata_token_method: Option<TokenMethod>,
}

/// The HTTP method of the userinfo request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TokenMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

impl TokenMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenMethod::Get => "GET",
            TokenMethod::Post => "POST",
        }
    }
}

/// The claim holding groups when a generic provider does not name one.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";

/// The authenticator a hub uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Authenticator<'a> {
    Dummy,
    GitHub(&'a GitHubOAuth),
    GitLab(&'a GitLabOAuth),
    Generic(&'a GenericOAuth),
    CILogon(&'a CILogonOAuth),
    Native(&'a NativeAuth),
    Other(&'a OtherAuthenticator),
}

/// An OAuth client's credentials.
pub struct OAuthClient<'a> {
    pub id: &'a SecretRef,
    pub secret: &'a SecretRef,
}

impl Auth {
    /// The field names under `spec.auth` that choose an authenticator.
    pub const CHOICES: [&'static str; 7] = [
        "dummy", "github", "gitlab", "generic", "cilogon", "native", "other",
    ];

    /// Every authenticator written (valid definitions have exactly one).
    pub fn chosen(&self) -> Vec<Authenticator<'_>> {
        let dummy = self.dummy.as_ref().map(|_| Authenticator::Dummy);
        let github = self.github.as_ref().map(Authenticator::GitHub);
        let gitlab = self.gitlab.as_ref().map(Authenticator::GitLab);
        let generic = self.generic.as_ref().map(Authenticator::Generic);
        let cilogon = self.cilogon.as_ref().map(Authenticator::CILogon);
        let native = self.native.as_ref().map(Authenticator::Native);
        let other = self.other.as_ref().map(Authenticator::Other);
        [dummy, github, gitlab, generic, cilogon, native, other]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The authenticator, when exactly one is chosen.
    pub fn authenticator(&self) -> Option<Authenticator<'_>> {
        match self.chosen().as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// Whether a user may log in, as far as the definition tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// They may, and why.
    Yes(String),
    /// They may not, and why.
    No(String),
    /// It depends on something the definition does not hold (an organization's members, a custom class).
    Depends(String),
}

impl Auth {
    /// Whether `user` (in `groups`) may log in: admins always; then `allowAll`, `allowedUsers` and
    /// `allowedGroups`; OAuthenticator 16 and later (every chart jupyflux supports) lets nobody else in.
    pub fn admits(&self, user: &str, groups: &[String]) -> Admission {
        let in_any = |wanted: &[String]| groups.iter().find(|g| wanted.contains(g)).cloned();
        if self.admin_users.iter().any(|u| u == user) {
            return Admission::Yes("an admin (adminUsers)".into());
        }
        if let Some(group) = in_any(&self.admin_groups) {
            return Admission::Yes(format!("an admin (adminGroups: {group})"));
        }
        if self.allow_all == Some(true) {
            return Admission::Yes("allowAll: whoever the authenticator accepts".into());
        }
        if self.allowed_users.iter().any(|u| u == user) {
            return Admission::Yes("in allowedUsers".into());
        }
        if let Some(group) = in_any(&self.allowed_groups) {
            return Admission::Yes(format!("in allowedGroups ({group})"));
        }
        let gitlab_groups = self.gitlab.as_ref().map(|g| g.allowed_groups.as_slice());
        if let Some(group) = gitlab_groups.and_then(in_any) {
            return Admission::Yes(format!("in the GitLab group {group}"));
        }
        match self.authenticator() {
            Some(Authenticator::GitHub(github)) if !github.allowed_organizations.is_empty() => {
                Admission::Depends(format!(
                    "only members of the GitHub organizations {} may log in",
                    github.allowed_organizations.join(", ")
                ))
            }
            Some(Authenticator::Dummy) if self.allowed_users.is_empty() && self.allowed_groups.is_empty() => {
                Admission::Depends("the dummy authenticator: JupyterHub's allow rules decide (set allowAll or allowedUsers)".into())
            }
            Some(Authenticator::CILogon(cilogon)) if cilogon.admits_by_provider() => {
                Admission::Depends(
                    "CILogon decides: every user of an identity provider with allowAll, and of an allowedDomains domain"
                        .into(),
                )
            }
            Some(Authenticator::Other(other)) => Admission::Depends(format!(
                "the authenticator `{}` decides (its settings are under values)",
                other.class
            )),
            _ => Admission::No(
                "not an admin, not in allowedUsers or allowedGroups, and allowAll is not set".into(),
            ),
        }
    }
}

impl<'a> Authenticator<'a> {
    /// JupyterHub's `authenticator_class` entry-point name.
    pub fn class(self) -> &'a str {
        match self {
            Authenticator::Other(other) => &other.class,
            Authenticator::Dummy => "dummy",
            Authenticator::GitHub(_) => "github",
            Authenticator::GitLab(_) => "gitlab",
            Authenticator::Generic(_) => "generic-oauth",
            Authenticator::CILogon(_) => "cilogon",
            Authenticator::Native(_) => NATIVE_CLASS,
        }
    }

    /// The OAuth authenticator's traitlets class configured under `hub.config` (none for the others).
    pub fn config_section(self) -> Option<&'a str> {
        match self {
            Authenticator::Dummy | Authenticator::Native(_) | Authenticator::Other(_) => None,
            Authenticator::GitHub(_) => Some("GitHubOAuthenticator"),
            Authenticator::GitLab(_) => Some("GitLabOAuthenticator"),
            Authenticator::Generic(_) => Some("GenericOAuthenticator"),
            Authenticator::CILogon(c) => Some(c.section()),
        }
    }

    /// The field name under `spec.auth`.
    pub fn field(self) -> &'static str {
        match self {
            Authenticator::Dummy => "dummy",
            Authenticator::GitHub(_) => "github",
            Authenticator::GitLab(_) => "gitlab",
            Authenticator::Generic(_) => "generic",
            Authenticator::CILogon(_) => "cilogon",
            Authenticator::Native(_) => "native",
            Authenticator::Other(_) => "other",
        }
    }

    /// Which of `allowedGroups` / `adminGroups` this authenticator can enforce.
    pub fn supports_groups(self) -> (bool, bool) {
        match self {
            Authenticator::Generic(_) => (true, true),
            Authenticator::GitLab(_) => (true, false),
            Authenticator::Dummy
            | Authenticator::GitHub(_)
            | Authenticator::CILogon(_)
            | Authenticator::Native(_)
            | Authenticator::Other(_) => (false, false),
        }
    }

    /// The key in `auth_state["oauth_user"]` holding the user's groups, for authenticators that have one.
    pub fn groups_claim(self) -> Option<&'a str> {
        match self {
            Authenticator::Generic(g) => {
                Some(g.groups_claim.as_deref().unwrap_or(DEFAULT_GROUPS_CLAIM))
            }
            _ => None,
        }
    }

    /// The OAuth client credentials, for OAuth authenticators.
    pub fn client(self) -> Option<OAuthClient<'a>> {
        match self {
            Authenticator::Dummy | Authenticator::Native(_) | Authenticator::Other(_) => None,
            Authenticator::GitHub(g) => Some(OAuthClient {
                id: &g.client_id,
                secret: &g.client_secret,
            }),
            Authenticator::GitLab(g) => Some(OAuthClient {
                id: &g.client_id,
                secret: &g.client_secret,
            }),
            Authenticator::Generic(g) => Some(OAuthClient {
                id: &g.client_id,
                secret: &g.client_secret,
            }),
            // Unset, the authenticator reads them from the hub's environment (`hub.env`).
            Authenticator::CILogon(c) => Some(OAuthClient {
                id: c.client_id.as_ref()?,
                secret: c.client_secret.as_ref()?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(yaml: &str) -> Auth {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn who_may_log_in() {
        let generic = "generic: {clientId: {secret: s, key: a}, clientSecret: {secret: s, key: b}, authorizeUrl: https://i/a, tokenUrl: https://i/t, userdataUrl: https://i/u}\n";
        let hub = auth(&format!(
            "{generic}adminUsers: [root]\nallowedUsers: [ada]\nallowedGroups: [students]\nadminGroups: [staff]\n"
        ));
        let groups = |g: &[&str]| g.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            hub.admits("root", &[]),
            Admission::Yes("an admin (adminUsers)".into())
        );
        assert_eq!(
            hub.admits("ada", &[]),
            Admission::Yes("in allowedUsers".into())
        );
        assert_eq!(
            hub.admits("bob", &groups(&["students"])),
            Admission::Yes("in allowedGroups (students)".into())
        );
        assert!(matches!(
            hub.admits("bob", &groups(&["staff"])),
            Admission::Yes(_)
        ));
        assert!(matches!(
            hub.admits("eve", &groups(&["visitors"])),
            Admission::No(_)
        ));
        let open = auth(&format!("{generic}allowAll: true\n"));
        assert!(matches!(open.admits("eve", &[]), Admission::Yes(_)));
        let github = auth(
            "github: {clientId: {secret: s, key: a}, clientSecret: {secret: s, key: b}, allowedOrganizations: [lab]}\n",
        );
        assert!(matches!(github.admits("eve", &[]), Admission::Depends(_)));
    }
}
