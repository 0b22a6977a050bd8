//! A time span given in whole seconds, written as a number of seconds (`3600`) or a duration (`1h`, `30m`,
//! `90s`, `1h30m`), read the same wherever jupyflux takes one; the chart and the controller get seconds.

use crate::diagnostic::HELP_SEPARATOR;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::borrow::Cow;
use std::fmt;

/// Whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seconds(pub u64);

/// The pattern of the duration form: `<number><unit>` parts, units `h`, `m`, `s`.
pub const SECONDS_PATTERN: &str = r"^([0-9]+(h|m|s))+$";

impl Seconds {
    /// `1h30m` as 5400 seconds, or why it is not a duration.
    pub fn parse(text: &str) -> Result<Seconds, String> {
        let refused = || {
            format!(
                "`{text}` is not a duration{HELP_SEPARATOR}write whole seconds (`3600`) or a duration with the units h, m and s: 1h, 30m, 90s, 1h30m (no spaces, no days)"
            )
        };
        if text.is_empty() {
            return Err(refused());
        }
        let mut total: u64 = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let unit = rest[digits..].chars().next();
            let factor = match unit {
                Some('h') => 3600,
                Some('m') => 60,
                Some('s') => 1,
                _ => return Err(refused()),
            };
            let number: u64 = rest[..digits].parse().map_err(|_| refused())?;
            total = number
                .checked_mul(factor)
                .and_then(|n| total.checked_add(n))
                .ok_or_else(refused)?;
            rest = &rest[digits + 1..];
        }
        Ok(Seconds(total))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("whole seconds (3600) or a duration (1h, 30m, 90s)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                Ok(Seconds(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                u64::try_from(v).map(Seconds).map_err(|_| {
                    E::custom(format!(
                        "`{v}` is a negative time{HELP_SEPARATOR}write whole seconds (`3600`) or a duration (1h, 30m, 90s)"
                    ))
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Seconds, E> {
                Seconds::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Written as whole seconds (what the Notebook resource carries).
impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl JsonSchema for Seconds {
    fn schema_name() -> Cow<'static, str> {
        "Seconds".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Whole seconds (3600) or a duration: 1h, 30m, 90s, 1h30m.",
            "x-kubernetes-int-or-string": true,
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": SECONDS_PATTERN},
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_are_seconds() {
        for (text, seconds) in [
            ("90s", 90),
            ("30m", 1800),
            ("1h", 3600),
            ("1h30m", 5400),
            ("0s", 0),
        ] {
            assert_eq!(Seconds::parse(text), Ok(Seconds(seconds)), "{text}");
        }
        let from_yaml = |y: &str| serde_saphyr::from_str::<Seconds>(y).map_err(|e| e.to_string());
        assert_eq!(from_yaml("7200"), Ok(Seconds(7200)));
        assert_eq!(from_yaml("2h"), Ok(Seconds(7200)));
        for bad in [
            "",
            "1d",
            "1.5h",
            "h",
            "10",
            "1h 30m",
            "-5s",
            "99999999999999999999h",
        ] {
            let error = Seconds::parse(bad).unwrap_err();
            assert!(error.contains("is not a duration"), "{bad}: {error}");
        }
        assert!(from_yaml("-5").unwrap_err().contains("negative"));
    }
}
