//! Secret references: where in Vault a secret lives. A literal where a secret is expected is an error, so
//! plaintext secrets never enter Git through jupyflux.

use crate::diagnostic::HELP_SEPARATOR;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A secret in Vault: `key` (the path in the store's KV mount) and `property` (a field of that secret),
/// read through `store` (a `VaultStore`; default: the Environment's `secretStore`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretRef {
    pub store: Option<String>,
    pub key: String,
    pub property: String,
}

/// What to write instead of a literal (the help of every secret-reference error).
pub const REFERENCE_FORMS: &str = "write a reference to Vault instead: {vault: \"path/in/kv#property\"} \
     (the Environment's secretStore) or {store: <VaultStore>, key: path/in/kv, property: <property>}";

const FIELDS: &[&str] = &["vault", "store", "key", "property"];

impl SecretRef {
    /// Parse the short form `key#property`.
    pub fn parse_short(text: &str) -> Result<SecretRef, String> {
        match text.split_once('#') {
            Some((key, property))
                if !key.trim().is_empty()
                    && !property.trim().is_empty()
                    && !property.contains('#') =>
            {
                Ok(SecretRef {
                    store: None,
                    key: key.to_owned(),
                    property: property.to_owned(),
                })
            }
            _ => Err(format!(
                "malformed secret reference (value not shown): the short form is `<key>#<property>` with both parts non-empty{HELP_SEPARATOR}\
                 e.g. {{vault: \"jupyter/research#client-secret\"}}: the secret `jupyter/research` in the store's KV mount, its field `client-secret`"
            )),
        }
    }

    /// The `VaultStore` this reference reads from, given the environment's default.
    pub fn store_or<'a>(&'a self, default: Option<&'a str>) -> Option<&'a str> {
        self.store.as_deref().or(default)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(store) = &self.store {
            write!(f, "{store}:")?;
        }
        write!(f, "{}#{}", self.key, self.property)
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
        f.write_str("a secret reference {vault: \"key#property\"} or {store, key, property}")
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
        let (mut vault, mut store, mut key, mut property) = (None, None, None, None);
        while let Some(field) = map.next_key::<Part>()? {
            let slot = match field {
                Part::Text(name) if name == "vault" => &mut vault,
                Part::Text(name) if name == "store" => &mut store,
                Part::Text(name) if name == "key" => &mut key,
                Part::Text(name) if name == "property" => &mut property,
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
        let long_form = store.is_some() || key.is_some() || property.is_some();
        match (vault, key, property) {
            (Some(_), _, _) if long_form => Err(de::Error::custom(format!(
                "a secret reference has either `vault` (short form) or `store`/`key`/`property` (long form), not both{HELP_SEPARATOR}{REFERENCE_FORMS}"
            ))),
            (Some(short), None, None) => SecretRef::parse_short(&short).map_err(de::Error::custom),
            (None, Some(key), Some(property)) if !key.is_empty() && !property.is_empty() => {
                Ok(SecretRef {
                    store,
                    key,
                    property,
                })
            }
            _ => Err(de::Error::custom(format!(
                "incomplete secret reference: the long form needs non-empty `key` and `property`{HELP_SEPARATOR}{REFERENCE_FORMS}"
            ))),
        }
    }
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

/// Written in the long form, `{store, key, property}`, which reads back the same.
impl serde::Serialize for SecretRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        if let Some(store) = &self.store {
            map.serialize_entry("store", store)?;
        }
        map.serialize_entry("key", &self.key)?;
        map.serialize_entry("property", &self.property)?;
        map.end()
    }
}

impl JsonSchema for SecretRef {
    fn schema_name() -> Cow<'static, str> {
        "SecretRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A secret in Vault. Literal values are rejected: plaintext secrets never enter Git.",
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
                        "store": {"type": "string", "description": "A VaultStore (default: the Environment's secretStore)."},
                        "key": {"type": "string", "minLength": 1, "description": "Path of the secret in the store's KV mount."},
                        "property": {"type": "string", "minLength": 1, "description": "Field of the secret."},
                    },
                    "required": ["key", "property"],
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
        let r = SecretRef::parse_short("jupyter/research#client-id").unwrap();
        assert_eq!(
            (r.key.as_str(), r.property.as_str()),
            ("jupyter/research", "client-id")
        );
        assert_eq!(r.to_string(), "jupyter/research#client-id");
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
        assert_eq!(
            secret[1]["required"],
            serde_json::json!(["key", "property"])
        );
    }
}
