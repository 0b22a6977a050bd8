//! Where a hub uses secrets: every secret reference of a hub, with the field it is written in and what consumes
//! it. Validation (store names, locations) and rendering (ExternalSecrets, `valuesFrom`, env) read the same list.

use super::hub::HubSpec;
use super::secret::{MaybeSecret, SecretRef};

/// What reads a secret once it is a Kubernetes Secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A chart value at a Helm `--set` path, fed to the HelmRelease through `valuesFrom`.
    ChartValue(String),
    /// An environment variable of the hub pod.
    HubEnv(String),
    /// An environment variable of every user's server.
    SingleuserEnv(String),
    /// An environment variable of the servers of one profile (its slug, the variable).
    ProfileEnv(String, String),
    /// An environment variable a rule sets in the servers it matches (the rule's name, the variable).
    RuleEnv(String, String),
    /// A value of a standalone notebook's Secret, read by the objects its controller creates.
    Notebook,
}

/// One secret reference of a hub.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretUse<'a> {
    /// The field path in the definition, e.g. `["spec", "auth", "github", "clientSecret"]`.
    pub field: Vec<String>,
    /// The key of the value in the Kubernetes Secret that External Secrets writes.
    pub secret_key: String,
    pub target: Target,
    pub reference: &'a SecretRef,
}

impl SecretUse<'_> {
    /// Whether External Secrets reads the value from a store (else it is in an existing Kubernetes Secret).
    pub fn from_store(&self) -> bool {
        self.reference.in_store().is_some()
    }

    /// The Kubernetes Secret and key that hold the value in the cluster: the existing Secret a reference names, or
    /// `made` — the Secret the secrets layer's ExternalSecret writes — under the use's `secret_key`.
    pub fn in_cluster(&self, made: impl FnOnce() -> String) -> (String, String) {
        match self.reference.existing() {
            Some(existing) => (existing.secret.clone(), existing.key.clone()),
            None => (made(), self.secret_key.clone()),
        }
    }
}

/// The chart paths of the chart's own secrets (z2jh 4.x reads these before generating its own).
pub const PROXY_TOKEN_PATH: &str = "hub.config.ConfigurableHTTPProxy.auth_token";
pub const COOKIE_SECRET_PATH: &str = "hub.config.JupyterHub.cookie_secret";
pub const CRYPT_KEEPER_KEY_PATH: &str = "hub.config.CryptKeeper.keys[0]";
/// The chart path of an external hub database's URL.
pub const DATABASE_URL_PATH: &str = "hub.db.url";

pub(crate) fn field(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

impl HubSpec {
    /// Every secret reference of the hub, in definition order.
    pub fn secret_uses(&self) -> Vec<SecretUse<'_>> {
        let mut uses = Vec::new();
        let mut chart = |path: &[&str], secret_key: &str, target: String, reference| {
            uses.push(SecretUse {
                field: field(path),
                secret_key: secret_key.to_owned(),
                target: Target::ChartValue(target),
                reference,
            })
        };
        if let Some(authenticator) = self.auth.authenticator()
            && let (Some(client), Some(section)) =
                (authenticator.client(), authenticator.config_section())
        {
            let name = authenticator.field();
            chart(
                &["spec", "auth", name, "clientId"],
                "oauth-client-id",
                format!("hub.config.{section}.client_id"),
                client.id,
            );
            chart(
                &["spec", "auth", name, "clientSecret"],
                "oauth-client-secret",
                format!("hub.config.{section}.client_secret"),
                client.secret,
            );
        }
        if let Some(secrets) = &self.secrets {
            for (name, key, path, reference) in [
                (
                    "proxyToken",
                    "proxy-token",
                    PROXY_TOKEN_PATH,
                    &secrets.proxy_token,
                ),
                (
                    "cookieSecret",
                    "cookie-secret",
                    COOKIE_SECRET_PATH,
                    &secrets.cookie_secret,
                ),
                (
                    "cryptKeeperKey",
                    "crypt-keeper-key",
                    CRYPT_KEEPER_KEY_PATH,
                    &secrets.crypt_keeper_key,
                ),
            ] {
                chart(&["spec", "secrets", name], key, path.to_owned(), reference);
            }
        }
        if let Some((kind, db)) = self.database.as_ref().and_then(|d| d.external()) {
            chart(
                &["spec", "database", kind, "url"],
                "database-url",
                DATABASE_URL_PATH.to_owned(),
                &db.url,
            );
        }
        for (section, env, target) in [
            ("hub", &self.hub.env, Target::HubEnv as fn(String) -> Target),
            ("singleuser", &self.singleuser.env, Target::SingleuserEnv),
        ] {
            for (name, value) in env {
                if let MaybeSecret::Secret(reference) = value {
                    uses.push(SecretUse {
                        field: field(&["spec", section, "env", name]),
                        secret_key: format!("env-{name}"),
                        target: target(name.clone()),
                        reference,
                    });
                }
            }
        }
        for (index, profile) in self.profiles.iter().enumerate() {
            for (name, value) in &profile.env {
                if let MaybeSecret::Secret(reference) = value {
                    let index = index.to_string();
                    uses.push(SecretUse {
                        field: field(&["spec", "profiles", &index, "env", name]),
                        secret_key: format!("profile-{}-env-{name}", profile.slug),
                        target: Target::ProfileEnv(profile.slug.clone(), name.clone()),
                        reference,
                    });
                }
            }
        }
        for (index, rule) in self.rules.iter().enumerate() {
            for (name, value) in &rule.env {
                if let Some(reference) = value.secret() {
                    let index = index.to_string();
                    uses.push(SecretUse {
                        field: field(&["spec", "rules", &index, "env", name]),
                        secret_key: format!("rule-{}-env-{name}", rule.name),
                        target: Target::RuleEnv(rule.name.clone(), name.clone()),
                        reference,
                    });
                }
            }
        }
        uses
    }

    /// Whether the hub reads anything from a secret store (through the secrets layer's ExternalSecrets).
    pub fn uses_secrets(&self) -> bool {
        self.secret_uses().iter().any(SecretUse::from_store)
    }
}

/// The Kubernetes Secret that External Secrets writes for a consumer of a hub's secrets.
pub fn secret_name(hub: &str, target: &Target) -> String {
    match target {
        Target::ChartValue(_) => format!("{hub}-chart-secrets"),
        Target::HubEnv(_) => format!("{hub}-hub-env"),
        Target::SingleuserEnv(_) | Target::ProfileEnv(..) | Target::RuleEnv(..) => {
            format!("{hub}-singleuser-env")
        }
        Target::Notebook => crate::notebook::uses::secret_name(hub),
    }
}
