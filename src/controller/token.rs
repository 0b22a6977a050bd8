//! The generated token of a notebook without `auth`: a random token in the Secret `<name>-token`, owned by the
//! notebook (so it goes with it), created once and never rewritten, never logged, never in the status unless the
//! Environment opts in (`dataManager.tokenInUrl`), and then read back from the Secret, not remembered.

use super::error::Result;
use super::ownership::{Known, Ownership, ownership};
use crate::notebook::children::INSTANCE_LABEL;
use crate::notebook::uses::{TOKEN_KEY, generated_token_secret};
use crate::render::object::MANAGED_BY;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, PostParams};
use kube::{Client, ResourceExt};
use std::collections::BTreeMap;

/// Bytes of randomness in a token (shown as 48 hex digits).
const TOKEN_BYTES: usize = 24;

/// A fresh random token from the operating system's source.
pub fn random_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system has a random source");
    hex::encode(bytes)
}

/// The Secret holding `token` for notebook `name` in `namespace`, owned by it.
pub fn secret(namespace: &str, name: &str, owner: &OwnerReference, token: &str) -> Secret {
    let labels = [
        (MANAGED_BY.0, MANAGED_BY.1),
        (INSTANCE_LABEL, name),
        ("app.kubernetes.io/name", "jupyflux-notebook"),
    ];
    Secret {
        metadata: ObjectMeta {
            name: Some(generated_token_secret(name)),
            namespace: Some(namespace.to_owned()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            owner_references: Some(vec![owner.clone()]),
            ..ObjectMeta::default()
        },
        type_: Some("Opaque".into()),
        data: Some(BTreeMap::from([(
            TOKEN_KEY.to_owned(),
            ByteString(token.as_bytes().to_vec()),
        )])),
        ..Secret::default()
    }
}

/// What the controller knows of a notebook's generated token after [`ensure`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// The Secret exists; its token was not read (no `read_back`).
    Unread,
    /// The Secret is the notebook's and holds this token.
    Read(String),
    /// A Secret of that name exists and is not the notebook's (only seen with `read_back`): it is left alone.
    Foreign,
}

/// Make sure the token Secret of notebook `owner` exists; with `read_back`, return its token (for the status URL).
///
/// Without `read_back` the controller only creates: a 409 means the Secret exists (the name is reserved for the
/// notebook's token), and a Secret once seen is not asked for again (so a settled notebook costs no request). With
/// it, the Secret is read first (one GET per reconcile), created only when missing, and a Secret of that name that
/// is not the notebook's (labels and owner reference, as for children) is reported, not used.
pub async fn ensure(
    client: &Client,
    namespace: &str,
    owner: &OwnerReference,
    known: &Known,
    read_back: bool,
) -> Result<Token> {
    let name = owner.name.as_str();
    let secret_name = generated_token_secret(name);
    let api = Api::<Secret>::namespaced(client.clone(), namespace);
    if read_back {
        if let Some(existing) = api.get_opt(&secret_name).await? {
            let mine = ownership(Some(&existing.metadata), "Secret", name, &owner.uid);
            return Ok(match (mine, token_of(&existing)) {
                (Ownership::Ours, Some(token)) => Token::Read(token),
                (Ownership::Ours, None) => Token::Unread,
                _ => Token::Foreign,
            });
        }
    } else if known.is_ours("Secret", namespace, &secret_name, &owner.uid) {
        return Ok(Token::Unread);
    }
    let token = random_token();
    match api
        .create(
            &PostParams::default(),
            &secret(namespace, name, owner, &token),
        )
        .await
    {
        Ok(created) => {
            known.remember("Secret", namespace, &created.name_any(), &owner.uid);
            Ok(if read_back {
                Token::Read(token)
            } else {
                Token::Unread
            })
        }
        Err(kube::Error::Api(status)) if status.code == 409 && !read_back => {
            known.remember("Secret", namespace, &secret_name, &owner.uid);
            Ok(Token::Unread)
        }
        Err(error) => Err(error.into()),
    }
}

/// The token in `secret`, if it holds one as text.
fn token_of(secret: &Secret) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(TOKEN_KEY)?;
    String::from_utf8(bytes.0.clone())
        .ok()
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * TOKEN_BYTES);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_secret_is_owned_and_labelled() {
        let owner = OwnerReference {
            name: "nb".into(),
            uid: "u".into(),
            ..OwnerReference::default()
        };
        let secret = secret("ns", "nb", &owner, "t0k3n");
        assert_eq!(secret.metadata.name.as_deref(), Some("nb-token"));
        assert_eq!(secret.metadata.owner_references, Some(vec![owner]));
        assert_eq!(token_of(&secret).as_deref(), Some("t0k3n"));
        let labels = secret.metadata.labels.unwrap();
        assert_eq!(labels[INSTANCE_LABEL], "nb");
    }
}
