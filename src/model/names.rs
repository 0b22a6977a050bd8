//! Names Kubernetes accepts, checked when a definition is read: DNS-1123 labels (namespaces) and DNS-1123
//! subdomains (claims, storage classes, secrets, issuers). A name that would make the API server reject the
//! rendered object, or smuggle a second value into a joined annotation (`kube-system:default`), never loads.

use super::{is_dns_label, is_dns_subdomain};
use crate::diagnostic::HELP_SEPARATOR;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::borrow::Cow;
use std::fmt;

/// What Kubernetes accepts as a DNS-1123 label (its `IsDNS1123Label`).
pub const LABEL_PATTERN: &str = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
/// A DNS-1123 subdomain (Kubernetes' `IsDNS1123Subdomain`) whose dot-separated parts are labels, as in DNS.
pub const SUBDOMAIN_PATTERN: &str =
    "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";

/// A string newtype that only holds names one rule accepts; reads from and writes to a plain string.
macro_rules! checked_name {
    ($(#[$doc:meta])* $name:ident, $accepts:path, $what:literal, $pattern:expr, $max:literal, $help:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The name, or why Kubernetes would reject it (message and help, as [`de::Error::custom`] reads them).
            pub fn parse(text: &str) -> Result<Self, String> {
                if $accepts(text) {
                    Ok($name(text.to_owned()))
                } else {
                    Err(format!(
                        "`{text}` is not {}{HELP_SEPARATOR}{}",
                        $what, $help
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn inline_schema() -> bool {
                true
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({"type": "string", "pattern": $pattern, "maxLength": $max})
            }
        }
    };
}

checked_name!(
    /// A DNS-1123 label: a namespace (lowercase letters, digits and `-`, at most 63 characters).
    DnsLabel,
    is_dns_label,
    "a DNS-1123 label, which Kubernetes requires here",
    LABEL_PATTERN,
    63,
    "use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters, e.g. `research`"
);

checked_name!(
    /// A DNS-1123 subdomain: the name of a claim, storage class, secret or issuer.
    DnsSubdomain,
    is_dns_subdomain,
    "a DNS-1123 subdomain, which Kubernetes requires of this name",
    SUBDOMAIN_PATTERN,
    253,
    "use lowercase letters, digits, `-` and `.`, each part starting and ending with a letter or digit, at most 253 characters, e.g. `fast-ssd`"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_refuse_paths_and_joined_lists() {
        assert_eq!(DnsLabel::parse("research").unwrap().as_str(), "research");
        for bad in [
            "../../etc",
            "a/b",
            "kube-system:default",
            "Default",
            "",
            "a.b",
        ] {
            let error = DnsLabel::parse(bad).unwrap_err();
            assert!(error.contains("is not a DNS-1123 label"), "{bad}: {error}");
            assert!(error.contains(HELP_SEPARATOR), "{bad}: {error}");
        }
    }

    #[test]
    fn subdomains_allow_dots() {
        assert!(DnsSubdomain::parse("wildcard.example-tls").is_ok());
        for bad in ["data/claim", "Fast", "a..b", "-a", "ssd_fast"] {
            assert!(DnsSubdomain::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_schemas_accept_exactly_what_the_checks_accept() {
        let label = jsonschema::validator_for(
            &DnsLabel::json_schema(&mut SchemaGenerator::default()).to_value(),
        )
        .unwrap();
        let subdomain = jsonschema::validator_for(
            &DnsSubdomain::json_schema(&mut SchemaGenerator::default()).to_value(),
        )
        .unwrap();
        let long = "a".repeat(64);
        for text in [
            "a",
            "a-b",
            "0",
            "a.b",
            "-a",
            "a-",
            "A",
            "a_b",
            "a..b",
            "a:b",
            long.as_str(),
        ] {
            let value = serde_json::json!(text);
            assert_eq!(
                label.is_valid(&value),
                DnsLabel::parse(text).is_ok(),
                "{text}"
            );
            assert_eq!(
                subdomain.is_valid(&value),
                DnsSubdomain::parse(text).is_ok(),
                "{text}"
            );
        }
    }
}
