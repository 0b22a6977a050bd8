//! Secret references: where in Vault a secret lives. A literal where a secret is expected is an error, so
//! plaintext secrets never enter Git through jupyflux.

use crate::diagnostic::HELP_SEPARATOR;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Where a secret's value comes from. A literal where a secret is expected is an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretRef {
    /// Read by External Secrets from a secret store: `key` (the path in the store) and `property` (a field of
    /// that secret), through `store` (default: the Environment's `secretStore`).
    Store(StoreRef),
    /// A Kubernetes Secret that already exists in the consumer's namespace (made by SOPS and Flux's decryption,
    /// sealed-secrets, or by hand): read straight from there, no ExternalSecret.
    Kubernetes(KubernetesSecretRef),
}

/// A secret in an External Secrets store, as ESO's `remoteRef` names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreRef {
    pub store: Option<String>,
    pub key: String,
    /// A field of the secret; without it, the whole secret's value (a plain-text secret in AWS or Google).
    pub property: Option<String>,
}

/// A key of an existing Kubernetes Secret in the consumer's namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KubernetesSecretRef {
    /// The Secret's name.
    pub secret: String,
    /// The key in its `data`.
    pub key: String,
}

/// What to write instead of a literal (the help of every secret-reference error).
pub const REFERENCE_FORMS: &str = "write a reference instead: {vault: \"path/in/kv#property\"} \
     (the Environment's secretStore), {store: <store>, key: path/in/store, property: <property>}, or \
     {secret: <existing Kubernetes Secret>, key: <its key>}";

const FIELDS: &[&str] = &["vault", "store", "key", "property", "secret"];

impl SecretRef {
    /// Parse the short form `key#property`.
    pub fn parse_short(text: &str) -> Result<SecretRef, String> {
        match text.split_once('#') {
            Some((key, property))
                if !key.trim().is_empty()
                    && !property.trim().is_empty()
                    && !property.contains('#') =>
            {
                Ok(SecretRef::Store(StoreRef {
                    store: None,
                    key: key.to_owned(),
                    property: Some(property.to_owned()),
                }))
            }
            _ => Err(format!(
                "malformed secret reference (value not shown): the short form is `<key>#<property>` with both parts non-empty{HELP_SEPARATOR}\
                 e.g. {{vault: \"jupyter/research#client-secret\"}}: the secret `jupyter/research` in the store's KV mount, its field `client-secret`"
            )),
        }
    }

    /// The store this reference reads from, given the environment's default; `None` for an existing Kubernetes
    /// Secret (or when neither names one).
    pub fn store_or<'a>(&'a self, default: Option<&'a str>) -> Option<&'a str> {
        match self {
            SecretRef::Store(r) => r.store.as_deref().or(default),
            SecretRef::Kubernetes(_) => None,
        }
    }

    /// The existing Kubernetes Secret this reference names, if it names one.
    pub fn existing(&self) -> Option<&KubernetesSecretRef> {
        match self {
            SecretRef::Kubernetes(r) => Some(r),
            SecretRef::Store(_) => None,
        }
    }

    /// The store reference, if the value comes through External Secrets.
    pub fn in_store(&self) -> Option<&StoreRef> {
        match self {
            SecretRef::Store(r) => Some(r),
            SecretRef::Kubernetes(_) => None,
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Store(r) => {
                if let Some(store) = &r.store {
                    write!(f, "{store}:")?;
                }
                match &r.property {
                    Some(property) => write!(f, "{}#{property}", r.key),
                    None => write!(f, "{}", r.key),
                }
            }
            SecretRef::Kubernetes(r) => write!(f, "Secret {} key {}", r.secret, r.key),
        }
    }
}

/// The error for a literal where a secret is expected. The value itself is never repeated (it may be a real secret).
fn plaintext<E: de::Error>(what: &str) -> E {
    E::custom(format!(
        "plaintext secret: found {what} where a secret reference is expected (value not shown){HELP_SEPARATOR}{REFERENCE_FORMS}"
    ))
}

struct SecretRefVisitor;

impl<'de> Visitor<'de> for SecretRefVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a secret reference {vault: \"key#property\"}, {store, key, property} or {secret, key}",
        )
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<SecretRef, E> {
        Err(plaintext("a string"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretRef, E> {
        Err(plaintext("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretRef, E> {
        Err(plaintext("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretRef, E> {
        Err(plaintext("a number"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretRef, E> {
        Err(plaintext("a boolean"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<SecretRef, A::Error> {
        Err(plaintext("a list"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<SecretRef, E> {
        Err(E::custom(format!(
            "empty secret reference{HELP_SEPARATOR}{REFERENCE_FORMS}"
        )))
    }

    /// Nothing written inside a reference is ever repeated in an error: a malformed reference is often a
    /// secret pasted into the wrong place.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
        let (mut vault, mut store, mut key, mut property, mut secret) =
            (None, None, None, None, None);
        while let Some(field) = map.next_key::<Part>()? {
            let slot = match field {
                Part::Text(name) if name == "vault" => &mut vault,
                Part::Text(name) if name == "store" => &mut store,
                Part::Text(name) if name == "key" => &mut key,
                Part::Text(name) if name == "property" => &mut property,
                Part::Text(name) if name == "secret" => &mut secret,
                other => {
                    let near = match &other {
                        Part::Text(name) => {
                            crate::diagnostic::did_you_mean(name, FIELDS.iter().copied())
                        }
                        Part::Other(_) => None,
                    };
                    let help = match near {
                        Some(near) => format!(
                            "did you mean `{near}`? a secret reference has the fields {}",
                            FIELDS.join(", ")
                        ),
                        None => format!(
                            "a secret reference has the fields {}; {REFERENCE_FORMS}",
                            FIELDS.join(", ")
                        ),
                    };
                    return Err(de::Error::custom(format!(
                        "unknown field in a secret reference (name not shown){HELP_SEPARATOR}{help}"
                    )));
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(
                    "a field of the secret reference is given twice",
                ));
            }
            *slot = Some(map.next_value::<Part>()?);
        }
        let text = |part: Option<Part>, field: &str| -> Result<Option<String>, A::Error> {
            match part {
                None => Ok(None),
                Some(Part::Text(text)) => Ok(Some(text)),
                Some(Part::Other(what)) => Err(de::Error::custom(format!(
                    "`{field}` of a secret reference must be a string, found {what} (value not shown){HELP_SEPARATOR}{REFERENCE_FORMS}"
                ))),
            }
        };
        let (vault, store) = (text(vault, "vault")?, text(store, "store")?);
        let (key, property) = (text(key, "key")?, text(property, "property")?);
        if let Some(secret) = text(secret, "secret")? {
            return kubernetes(
                secret,
                key,
                vault.is_some() || store.is_some() || property.is_some(),
            );
        }
        let long_form = store.is_some() || key.is_some() || property.is_some();
        match (vault, key, property) {
            (Some(_), _, _) if long_form => Err(de::Error::custom(format!(
                "a secret reference has either `vault` (short form) or `store`/`key`/`property` (long form), not both{HELP_SEPARATOR}{REFERENCE_FORMS}"
            ))),
            (Some(short), None, None) => SecretRef::parse_short(&short).map_err(de::Error::custom),
            (None, Some(key), property)
                if !key.is_empty() && property.as_ref().is_none_or(|p| !p.is_empty()) =>
            {
                Ok(SecretRef::Store(StoreRef {
                    store,
                    key,
                    property,
                }))
            }
            _ => Err(de::Error::custom(format!(
                "incomplete secret reference: the long form needs a non-empty `key` (and `property`, when given, non-empty){HELP_SEPARATOR}{REFERENCE_FORMS}"
            ))),
        }
    }
}

/// `{secret, key}`: both present, the name a Kubernetes Secret name, the key a Secret data key, nothing else
/// beside them. Like every reference error, nothing written in it is repeated (a secret may have been pasted).
fn kubernetes<E: de::Error>(
    secret: String,
    key: Option<String>,
    other: bool,
) -> Result<SecretRef, E> {
    const FORM: &str = "{secret: <Secret in the same namespace>, key: <key of its data>}";
    if other {
        return Err(E::custom(format!(
            "a reference to an existing Kubernetes Secret has only `secret` and `key`{HELP_SEPARATOR}write {FORM}"
        )));
    }
    let Some(key) = key else {
        return Err(E::custom(format!(
            "a reference to an existing Kubernetes Secret names no `key`{HELP_SEPARATOR}write {FORM}"
        )));
    };
    if !crate::model::is_dns_subdomain(&secret) {
        return Err(E::custom(format!(
            "`secret` of a secret reference is not a Kubernetes Secret name (value not shown){HELP_SEPARATOR}a Secret name is lowercase letters, digits, `-` and `.`, at most 253 characters"
        )));
    }
    if !is_data_key(&key) {
        return Err(E::custom(format!(
            "`key` of a secret reference is not a key of a Secret's data (value not shown){HELP_SEPARATOR}a key is letters, digits, `-`, `_` and `.`, at most 253 characters"
        )));
    }
    Ok(SecretRef::Kubernetes(KubernetesSecretRef { secret, key }))
}

/// A valid key of a Secret's or ConfigMap's `data` (Kubernetes' `IsConfigMapKey`).
pub fn is_data_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A key or value inside a secret reference: text, or what else it is (never the value itself, which an error
/// could repeat).
enum Part {
    Text(String),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Part;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Part, E> {
                Ok(Part::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Part, E> {
                Ok(Part::Text(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Part, E> {
                Ok(Part::Other("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Part, E> {
                Ok(Part::Other("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Part, E> {
                Ok(Part::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Part, E> {
                Ok(Part::Other("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Part, E> {
                Ok(Part::Other("null"))
            }
            fn visit_none<E: de::Error>(self) -> Result<Part, E> {
                Ok(Part::Other("null"))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Part, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Part, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Part::Other("a list"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Part::Other("a mapping"))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretRefVisitor)
    }
}

/// Written in the long form, `{store, key, property}` or `{secret, key}`, which reads back the same.
impl serde::Serialize for SecretRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        match self {
            SecretRef::Store(r) => {
                if let Some(store) = &r.store {
                    map.serialize_entry("store", store)?;
                }
                map.serialize_entry("key", &r.key)?;
                if let Some(property) = &r.property {
                    map.serialize_entry("property", property)?;
                }
            }
            SecretRef::Kubernetes(r) => {
                map.serialize_entry("secret", &r.secret)?;
                map.serialize_entry("key", &r.key)?;
            }
        }
        map.end()
    }
}

/// `key` is in both long forms; one description (and no pattern) for both, so that a CRD's merged schema
/// (properties outside `oneOf`) fits either.
const KEY_DESCRIPTION: &str = "With `store`/`property`: the path of the secret in the store. With `secret`: the key in that Secret's data.";

impl JsonSchema for SecretRef {
    fn schema_name() -> Cow<'static, str> {
        "SecretRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Where a secret comes from: a secret store read by External Secrets, or an existing Kubernetes Secret. Literal values are rejected: plaintext secrets never enter Git.",
            "oneOf": [
                {
                    "type": "object",
                    "description": "Short form `key#property`, read through the Environment's secretStore.",
                    "properties": {"vault": {"type": "string", "pattern": "^[^#]+#[^#]+$"}},
                    "required": ["vault"],
                    "additionalProperties": false,
                },
                {
                    "type": "object",
                    "properties": {
                        "store": {"type": "string", "description": "A secret store (default: the Environment's secretStore)."},
                        "key": {"type": "string", "minLength": 1, "description": KEY_DESCRIPTION},
                        "property": {"type": "string", "minLength": 1, "description": "Field of the secret (default: the whole secret's value)."},
                    },
                    "required": ["key"],
                    "additionalProperties": false,
                },
                {
                    "type": "object",
                    "description": "A key of an existing Kubernetes Secret in the same namespace (SOPS, sealed-secrets, made by hand): no ExternalSecret is rendered.",
                    "properties": {
                        "secret": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "maxLength": 253, "description": "The Secret's name."},
                        "key": {"type": "string", "minLength": 1, "description": KEY_DESCRIPTION},
                    },
                    "required": ["secret", "key"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

/// A value that is either plain text or a secret (e.g. an environment variable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MaybeSecret {
    Literal(String),
    Secret(SecretRef),
}

impl<'de> Deserialize<'de> for MaybeSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeSecret;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a secret reference {vault: \"key#property\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MaybeSecret, E> {
                Ok(MaybeSecret::Literal(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MaybeSecret, A::Error> {
                SecretRef::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(MaybeSecret::Secret)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl serde::Serialize for MaybeSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MaybeSecret::Literal(text) => s.serialize_str(text),
            MaybeSecret::Secret(reference) => serde::Serialize::serialize(reference, s),
        }
    }
}

impl JsonSchema for MaybeSecret {
    fn schema_name() -> Cow<'static, str> {
        "MaybeSecret".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let secret = generator.subschema_for::<SecretRef>();
        json_schema!({"anyOf": [{"type": "string"}, secret]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_splits_key_and_property() {
        let SecretRef::Store(r) = SecretRef::parse_short("jupyter/research#client-id").unwrap()
        else {
            panic!("the short form is a store reference")
        };
        assert_eq!(
            (r.key.as_str(), r.property.as_deref().unwrap_or_default()),
            ("jupyter/research", "client-id")
        );
        assert_eq!(
            SecretRef::Store(r).to_string(),
            "jupyter/research#client-id"
        );
        for bad in ["no-hash", "#p", "k#", "a#b#c", " # "] {
            assert!(
                SecretRef::parse_short(bad)
                    .unwrap_err()
                    .contains("malformed"),
                "{bad}"
            );
        }
    }

    #[test]
    fn schema_offers_both_forms() {
        let schema = serde_json::to_value(schemars::schema_for!(crate::model::HubSpec)).unwrap();
        let secret = &schema["$defs"]["SecretRef"]["oneOf"];
        assert_eq!(secret[0]["required"], serde_json::json!(["vault"]));
        assert_eq!(secret[1]["required"], serde_json::json!(["key"]));
        assert_eq!(secret[2]["required"], serde_json::json!(["secret", "key"]));
    }
}
