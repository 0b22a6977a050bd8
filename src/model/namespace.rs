//! Which namespaces a hub or notebook may run in, and which of them jupyflux owns (renders a Namespace object for,
//! in a `prune: true` layer) rather than uses as they are.

use super::environment::EnvironmentSpec;
use super::names::DnsLabel;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A hub's namespace: `research` (jupyflux creates and owns it) or `{name: default, managed: false}` (it exists
/// already: no Namespace object is rendered for it and Flux never prunes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubNamespace {
    pub name: DnsLabel,
    /// Whether jupyflux renders (and so Flux owns and may prune) the Namespace object.
    pub managed: bool,
}

/// The long form of [`HubNamespace`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Explicit {
    name: DnsLabel,
    #[serde(default = "managed_by_default")]
    managed: bool,
}

fn managed_by_default() -> bool {
    true
}

impl<'de> Deserialize<'de> for HubNamespace {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HubNamespace;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a namespace name, or `{name: NAME, managed: false}` for an existing one",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HubNamespace, E> {
                let name = DnsLabel::parse(v).map_err(E::custom)?;
                Ok(HubNamespace {
                    name,
                    managed: true,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<HubNamespace, A::Error> {
                let explicit = Explicit::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(HubNamespace {
                    name: explicit.name,
                    managed: explicit.managed,
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for HubNamespace {
    fn schema_name() -> Cow<'static, str> {
        "HubNamespace".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let name = generator.subschema_for::<DnsLabel>();
        json_schema!({
            "description": "A namespace jupyflux creates and owns, or `{name, managed: false}`: an existing one it only uses.",
            "anyOf": [
                name,
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name"],
                    "properties": {
                        "name": name,
                        "managed": {
                            "description": "false: the namespace exists already; no Namespace object is rendered and Flux never prunes it.",
                            "type": "boolean",
                            "default": true,
                        },
                    },
                },
            ],
        })
    }
}

/// Why a namespace is not a hub's or notebook's to own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    /// `default`: it may be used, when a definition says it exists (`managed: false`), never owned.
    Shared,
    /// Kubernetes', Flux's or the notebook controller's: never used by a hub or notebook.
    System(&'static str),
}

/// Namespaces every cluster has that belong to Kubernetes itself.
const KUBERNETES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// Whether a hub or notebook may not own `namespace` in an environment, and why.
pub fn reserved(env: &EnvironmentSpec, namespace: &str) -> Option<Reserved> {
    cluster_reserved(env, namespace).or_else(|| {
        (env.controller.namespace == namespace)
            .then_some(Reserved::System("the notebook controller's"))
    })
}

/// Whether `namespace` belongs to the cluster (Kubernetes, Flux) rather than to anything jupyflux renders,
/// the notebook controller included.
pub fn cluster_reserved(env: &EnvironmentSpec, namespace: &str) -> Option<Reserved> {
    if namespace == "default" {
        Some(Reserved::Shared)
    } else if KUBERNETES.contains(&namespace) {
        Some(Reserved::System("Kubernetes' own"))
    } else if namespace == "flux-system" || env.flux.namespace == namespace {
        Some(Reserved::System("Flux's"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(yaml: serde_json::Value) -> EnvironmentSpec {
        let mut spec = serde_json::json!({"domain": "example.org"});
        spec.as_object_mut()
            .unwrap()
            .extend(yaml.as_object().unwrap().clone());
        serde_json::from_value(spec).unwrap()
    }

    #[test]
    fn short_and_long_forms() {
        let short: HubNamespace = serde_json::from_value(serde_json::json!("research")).unwrap();
        assert_eq!((short.name.as_str(), short.managed), ("research", true));
        let long: HubNamespace =
            serde_json::from_value(serde_json::json!({"name": "default", "managed": false}))
                .unwrap();
        assert_eq!((long.name.as_str(), long.managed), ("default", false));
        for bad in [
            serde_json::json!("a/b"),
            serde_json::json!({"name": "x", "owned": false}),
            serde_json::json!({"managed": false}),
        ] {
            assert!(
                serde_json::from_value::<HubNamespace>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn reserved_namespaces_follow_the_environment() {
        let spec = env(
            serde_json::json!({"flux": {"namespace": "gitops"}, "controller": {"namespace": "nbctl"}}),
        );
        assert_eq!(reserved(&spec, "default"), Some(Reserved::Shared));
        for system in [
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "flux-system",
            "gitops",
            "nbctl",
        ] {
            assert!(
                matches!(reserved(&spec, system), Some(Reserved::System(_))),
                "{system}"
            );
        }
        assert_eq!(reserved(&spec, "research"), None);
        assert_eq!(reserved(&spec, "jupyflux-system"), None);
    }
}
