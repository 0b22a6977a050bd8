//! Rules of a hub (Open Data Hub singleuser-profiles semantics): settings matched by user, group and image and
//! applied at spawn, in file order (later wins), on top of whichever profile (menu entry) the user chose.

use super::image::Image;
use super::profile::{NodeAffinity, Resources, Toleration};
use super::secret::{MaybeSecret, SecretRef};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// One rule: whom it matches, and what it sets in their server after the chosen profile's settings.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Rule {
    /// Identifier (lowercase letters, digits and `-`), unique in the hub; `explain` names it.
    pub name: String,
    /// What the rule is for (not rendered).
    #[serde(default)]
    pub description: Option<String>,
    /// Users the rule matches; with `groups` empty too: every user.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups (from the authenticator) the rule matches.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Images the rule matches: the image the server starts once the profile and its choices are applied;
    /// empty: every image.
    #[serde(default)]
    pub images: Vec<Image>,
    /// Environment variables, set over what the profile set: text, a secret reference, or
    /// `{configMap: NAME, key: KEY}` (a ConfigMap in the hub's namespace).
    #[serde(default)]
    pub env: BTreeMap<String, EnvValue>,
    /// CPU, memory, GPUs and other resources; each bound set here wins over the profile's and the size's.
    #[serde(default)]
    pub resources: Resources,
    /// Tolerations added to the user's pod.
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Node labels the user's pod requires: each expression is added to every required term, replacing one
    /// with the same key.
    #[serde(default)]
    pub node_affinity: NodeAffinity,
}

impl Rule {
    /// Whether the rule matches this user (by name or group) starting `image`.
    pub fn matches(&self, user: &str, groups: &[String], image: &Image) -> bool {
        let for_user = (self.users.is_empty() && self.groups.is_empty())
            || self.users.iter().any(|u| u == user)
            || self.groups.iter().any(|g| groups.contains(g));
        for_user && (self.images.is_empty() || self.images.contains(image))
    }

    /// Whether the rule changes nothing (a mistake `validate` reports).
    pub fn is_empty(&self) -> bool {
        self.env.is_empty()
            && self.resources.is_empty()
            && self.tolerations.is_empty()
            && self.node_affinity.required.is_empty()
    }
}

/// The value of a rule's environment variable.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvValue {
    /// Text or a secret reference, as everywhere else.
    Value(MaybeSecret),
    /// A key of a ConfigMap in the hub's namespace (`configMapKeyRef`).
    ConfigMap(ConfigMapKey),
}

impl EnvValue {
    /// The secret reference, when the value is one.
    pub fn secret(&self) -> Option<&SecretRef> {
        match self {
            EnvValue::Value(MaybeSecret::Secret(reference)) => Some(reference),
            _ => None,
        }
    }
}

/// A key of an existing ConfigMap.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ConfigMapKey {
    /// The ConfigMap's name, in the hub's namespace.
    pub config_map: String,
    pub key: String,
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EnvValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a secret reference, or {configMap: NAME, key: KEY}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Value(MaybeSecret::Literal(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvValue, A::Error> {
                // Buffered, so the first key can decide the form; both forms are small maps.
                let mut entries = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<serde_json::Value>()?;
                    entries.insert(key, value);
                }
                let value = serde_json::Value::Object(entries);
                if value.get("configMap").is_some() {
                    ConfigMapKey::deserialize(value)
                        .map(EnvValue::ConfigMap)
                        .map_err(|e| de::Error::custom(format!("ConfigMap reference: {e}")))
                } else {
                    SecretRef::deserialize(value)
                        .map(|r| EnvValue::Value(MaybeSecret::Secret(r)))
                        .map_err(de::Error::custom)
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for EnvValue {
    fn schema_name() -> Cow<'static, str> {
        "RuleEnvValue".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<MaybeSecret>();
        let config_map = generator.subschema_for::<ConfigMapKey>();
        json_schema!({"anyOf": [value, config_map]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> Rule {
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn env_takes_text_secrets_and_config_map_keys() {
        let rule = rule(concat!(
            "{name: globals, env: {A: text, B: {secret: creds, key: token},",
            " C: {configMap: settings, key: endpoint}}}",
        ));
        assert_eq!(
            rule.env["A"],
            EnvValue::Value(MaybeSecret::Literal("text".into()))
        );
        assert!(rule.env["B"].secret().is_some());
        assert_eq!(
            rule.env["C"],
            EnvValue::ConfigMap(ConfigMapKey {
                config_map: "settings".into(),
                key: "endpoint".into()
            })
        );
    }

    #[test]
    fn a_config_map_reference_needs_its_key() {
        let error = serde_saphyr::from_str::<Rule>("{name: r, env: {C: {configMap: settings}}}")
            .unwrap_err()
            .to_string();
        assert!(error.contains("key"), "{error}");
    }

    #[test]
    fn matching_by_user_group_and_image() {
        let everyone = rule("{name: all}");
        let image = Image::parse("quay.io/jupyter/base-notebook:2025-03-17").unwrap();
        let other = Image::parse("quay.io/jupyter/pytorch-notebook:2025-03-17").unwrap();
        assert!(everyone.matches("ada", &[], &image));
        let gpu =
            rule("{name: gpu, groups: [gpu], images: [quay.io/jupyter/base-notebook:2025-03-17]}");
        assert!(gpu.matches("ada", &["gpu".into()], &image));
        assert!(!gpu.matches("ada", &["gpu".into()], &other));
        assert!(!gpu.matches("ada", &[], &image));
        let ada = rule("{name: ada, users: [ada]}");
        assert!(ada.matches("ada", &[], &other) && !ada.matches("bob", &[], &other));
    }
}
