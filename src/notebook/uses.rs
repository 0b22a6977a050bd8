//! Where a notebook uses secrets: its token or OIDC credentials and its secret `env`, all in one Secret
//! (`<name>-notebook-secrets`) that the secrets layer has External Secrets write.

use super::spec::{NotebookAuth, NotebookSpec};
use crate::model::secret::{MaybeSecret, SecretRef};
use crate::model::usage::{SecretUse, Target, field};

/// The key of Jupyter's token in the notebook's Secret.
pub const TOKEN_KEY: &str = "token";
/// The keys of the OIDC client id, client secret and cookie secret in the notebook's Secret.
pub const OIDC_KEYS: [&str; 3] = ["oidc-client-id", "oidc-client-secret", "oidc-cookie-secret"];

/// The Secret holding a notebook's secret values.
pub fn secret_name(notebook: &str) -> String {
    format!("{notebook}-notebook-secrets")
}

/// The Secret and key holding one of notebook `notebook`'s secret values: the existing Kubernetes Secret a
/// reference names, else the notebook's own Secret (written by External Secrets) under `key`.
pub fn locate(notebook: &str, reference: &SecretRef, key: &str) -> (String, String) {
    match reference.existing() {
        Some(existing) => (existing.secret.clone(), existing.key.clone()),
        None => (secret_name(notebook), key.to_owned()),
    }
}

/// The Secret the controller generates the token of a notebook without `auth` into (owned by the notebook).
pub fn generated_token_secret(notebook: &str) -> String {
    format!("{notebook}-token")
}

/// The key of the secret environment variable `name` in the notebook's Secret.
pub fn env_key(name: &str) -> String {
    format!("env-{name}")
}

impl NotebookSpec {
    /// Every secret reference of the notebook, in definition order.
    pub fn secret_uses(&self) -> Vec<SecretUse<'_>> {
        let mut uses = Vec::new();
        let mut push = |path: &[&str], secret_key: String, reference| {
            uses.push(SecretUse {
                field: field(path),
                secret_key,
                target: Target::Notebook,
                reference,
            })
        };
        match &self.auth {
            None => {}
            Some(NotebookAuth::Token(reference)) => {
                push(&["spec", "auth", "token"], TOKEN_KEY.into(), reference)
            }
            Some(NotebookAuth::Oidc(oidc)) => {
                let references = [&oidc.client_id, &oidc.client_secret, &oidc.cookie_secret];
                let fields = ["clientId", "clientSecret", "cookieSecret"];
                for ((name, key), reference) in fields.into_iter().zip(OIDC_KEYS).zip(references) {
                    push(&["spec", "auth", "oidc", name], key.into(), reference);
                }
            }
        }
        for (name, value) in &self.env {
            if let MaybeSecret::Secret(reference) = &**value {
                push(&["spec", "env", name], env_key(name), reference);
            }
        }
        uses
    }
}
