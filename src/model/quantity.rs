//! Kubernetes resource quantities (`500m`, `2`, `4Gi`), checked when read and converted to what the chart wants.

use crate::diagnostic::HELP_SEPARATOR;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, de};
use std::fmt;

/// A Kubernetes quantity, as written (`500m`, `1.5`, `4Gi`, `10G`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[schemars(
    schema_with = "string_or_number",
    description = "A Kubernetes quantity: a number with an optional suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)"
)]
pub struct Quantity(String);

/// A Kubernetes quantity as [`Quantity::parse`] reads it (the exponent limited to 9 digits, which `i32` holds).
pub const QUANTITY_PATTERN: &str = r"^(\+?([0-9]+\.?[0-9]*|\.[0-9]+)|-(0+\.?0*|\.0+))([eE][+-]?[0-9]{1,9}|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$";

/// A memory size as [`Memory::parse`] reads it: a unit is required (`4` would be 4 bytes).
pub const MEMORY_PATTERN: &str = r"^\+?([0-9]+\.?[0-9]*|\.[0-9]+)(k|K|M|G|T|Ki|Mi|Gi|Ti)$";

/// Quantities are read from strings or, as YAML allows (`limit: 2`), plain numbers; the pattern (for strings)
/// and the minimum (for numbers) let an editor flag `4GB` or `-1`.
fn string_or_number(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "number"], "pattern": QUANTITY_PATTERN, "minimum": 0})
}

/// Memory is text with a unit.
fn memory_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "pattern": MEMORY_PATTERN})
}

const BINARY: [(&str, f64); 6] = [
    ("Ki", 1024.0),
    ("Mi", 1048576.0),
    ("Gi", 1073741824.0),
    ("Ti", 1099511627776.0),
    ("Pi", 1125899906842624.0),
    ("Ei", 1152921504606846976.0),
];
const DECIMAL: [(&str, f64); 8] = [
    ("m", 1e-3),
    ("", 1.0),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

impl Quantity {
    /// Parse a quantity; the error says what is wrong and what a valid one looks like.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::value_of(text).map(|_| Quantity(text.to_owned()))
    }

    /// The quantity's value as a number (`500m` → 0.5, `1Ki` → 1024).
    pub fn value(&self) -> f64 {
        Self::value_of(&self.0).expect("validated on parse")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn value_of(text: &str) -> Result<f64, String> {
        let bad = || {
            format!(
                "`{text}` is not a Kubernetes quantity: write a number with an optional suffix, \
                 e.g. 500m, 2, 512Mi, 4Gi, 10G (no spaces)"
            )
        };
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let digits = number.strip_prefix(['+', '-']).unwrap_or(number);
        if digits.is_empty()
            || digits.contains(['+', '-'])
            || digits.matches('.').count() > 1
            || digits == "."
        {
            return Err(bad());
        }
        let base: f64 = number.parse().map_err(|_| bad())?;
        if base < 0.0 {
            return Err(format!(
                "`{text}` is negative; a resource quantity must be zero or more"
            ));
        }
        let multiplier =
            if let Some(exp) = suffix.strip_prefix(['e', 'E']).filter(|e| !e.is_empty()) {
                let exp: i32 = exp.parse().map_err(|_| bad())?;
                10f64.powi(exp)
            } else if let Some((_, m)) = BINARY
                .iter()
                .chain(DECIMAL.iter())
                .find(|(s, _)| *s == suffix)
            {
                *m
            } else {
                return Err(bad());
            };
        Ok(base * multiplier)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as 500m, 2 or 4Gi")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A quantity that renders back exactly as it was written: a YAML number stays a number (`cpu: 0.5`), text stays
/// text (`cpu: 100m`), so chart values made from it match what a hand-written values file would hold.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(
    schema_with = "string_or_number",
    description = "A Kubernetes quantity, kept as written: a number with an optional suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)"
)]
pub struct QuantityValue {
    quantity: Quantity,
    /// The number as written, when it was one.
    number: Option<serde_json::Number>,
}

impl QuantityValue {
    pub fn quantity(&self) -> &Quantity {
        &self.quantity
    }

    fn from_number(number: serde_json::Number) -> Result<Self, String> {
        Ok(QuantityValue {
            quantity: Quantity::parse(&number.to_string())?,
            number: Some(number),
        })
    }
}

impl fmt::Display for QuantityValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.quantity.as_str())
    }
}

impl Amount for QuantityValue {
    fn amount(&self) -> f64 {
        self.quantity.value()
    }
}

impl Serialize for QuantityValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.number {
            Some(number) => number.serialize(s),
            None => s.serialize_str(self.quantity.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for QuantityValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = QuantityValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as 500m, 2 or 4Gi")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QuantityValue, E> {
                Quantity::parse(v)
                    .map(|quantity| QuantityValue {
                        quantity,
                        number: None,
                    })
                    .map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuantityValue, E> {
                QuantityValue::from_number(v.into()).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuantityValue, E> {
                QuantityValue::from_number(v.into()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<QuantityValue, E> {
                let number = serde_json::Number::from_f64(v)
                    .ok_or_else(|| E::custom(format!("`{v}` is not a Kubernetes quantity")))?;
                QuantityValue::from_number(number).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Memory of a user's server. KubeSpawner's `ByteSpecification` (JupyterHub's) reads only the suffixes K, M, G and
/// T, and reads them as binary (1024-based): `4G` is 4 GiB. Definitions may also write Ki, Mi, Gi and Ti, which
/// mean the same sizes; they are rendered as K, M, G and T ([`Memory::spawner_value`]), since KubeSpawner refuses
/// `4Gi`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[schemars(
    schema_with = "memory_schema",
    description = "Memory: a number with suffix K, M, G, T, Ki, Mi, Gi or Ti (e.g. 512Mi, 4G)"
)]
pub struct Memory(Quantity);

/// The least memory a notebook server is given: below it, a number was almost certainly meant with a unit.
const MEBIBYTE: f64 = 1048576.0;

impl Memory {
    pub fn parse(text: &str) -> Result<Self, String> {
        let quantity = Quantity::parse(text)?;
        let number_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(number_end);
        let suffix = if suffix == "k" { "K" } else { suffix };
        if suffix.is_empty() {
            return Err(format!(
                "memory `{text}` has no unit, so it means {text} bytes{HELP_SEPARATOR}write the unit, e.g. `{}`",
                with_unit(number)
            ));
        }
        if !["K", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"].contains(&suffix) {
            return Err(format!(
                "`{text}` is not a memory size JupyterHub understands: use a suffix K, M, G, T, Ki, Mi, Gi or Ti (e.g. 512Mi, 4G)"
            ));
        }
        if quantity.value() < MEBIBYTE {
            return Err(format!(
                "memory `{text}` is less than 1Mi, too little for a server to start{HELP_SEPARATOR}write a size such as `512Mi` or `4Gi`"
            ));
        }
        Ok(Memory(quantity))
    }

    /// The value in KubeSpawner's notation: suffix K, M, G or T, binary (`4Gi` → `4G`, `4096k` → `4096K`).
    pub fn spawner_value(&self) -> String {
        let text = self.0.as_str().replace('k', "K");
        text.strip_suffix('i').map(str::to_owned).unwrap_or(text)
    }

    /// The same size as a Kubernetes quantity, as the pod gets it (KubeSpawner's `4G` is `4Gi`).
    pub fn kubernetes_value(&self) -> String {
        format!("{}i", self.spawner_value())
    }

    pub fn quantity(&self) -> &Quantity {
        &self.0
    }
}

/// What a memory size written without a unit most likely meant: bytes (`2147483648` → `2Gi`) when it is that
/// large, else mebibytes (`512` → `512Mi`) or, for small numbers, gibibytes (`4` → `4Gi`).
fn with_unit(number: &str) -> String {
    let bytes: f64 = number.parse().unwrap_or(0.0);
    let gibibyte = MEBIBYTE * 1024.0;
    if bytes >= gibibyte && bytes % gibibyte == 0.0 {
        format!("{}Gi", bytes / gibibyte)
    } else if bytes >= MEBIBYTE {
        format!("{}Mi", (bytes / MEBIBYTE).ceil())
    } else if bytes >= 64.0 {
        format!("{number}Mi")
    } else {
        format!("{number}Gi")
    }
}

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// A resource amount that can be compared with another of its kind.
pub trait Amount: fmt::Display {
    fn amount(&self) -> f64;
}

impl Amount for Quantity {
    fn amount(&self) -> f64 {
        self.value()
    }
}

impl Amount for Memory {
    fn amount(&self) -> f64 {
        self.0.value()
    }
}

impl<'de> Deserialize<'de> for Memory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let quantity = Quantity::deserialize(deserializer)?;
        Memory::parse(quantity.as_str()).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_quantities() {
        for (text, value) in [
            ("500m", 0.5),
            ("2", 2.0),
            ("1.5", 1.5),
            ("1Ki", 1024.0),
            ("4G", 4e9),
            ("1e3", 1000.0),
        ] {
            assert_eq!(Quantity::parse(text).unwrap().value(), value, "{text}");
        }
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        for text in ["2 GB", "GB", "1.2.3", "", "4gi", "1x", "-1", "1e"] {
            assert!(Quantity::parse(text).is_err(), "{text} should be rejected");
        }
        assert!(Quantity::parse("2 GB").unwrap_err().contains("e.g. 500m"));
    }

    #[test]
    fn quantity_values_render_as_written() {
        let value = |yaml: &str| -> serde_json::Value {
            let parsed: QuantityValue = serde_json::from_str(yaml).unwrap();
            serde_json::to_value(parsed).unwrap()
        };
        assert_eq!(value("0.5"), serde_json::json!(0.5));
        assert_eq!(value("2"), serde_json::json!(2));
        assert_eq!(value("\"100m\""), serde_json::json!("100m"));
        assert_eq!(value("\"2\""), serde_json::json!("2"));
        assert!(serde_json::from_str::<QuantityValue>("-1").is_err());
        assert!(serde_json::from_str::<QuantityValue>("\"1 cpu\"").is_err());
    }

    #[test]
    fn memory_uses_spawner_suffixes() {
        assert_eq!(Memory::parse("512Mi").unwrap().spawner_value(), "512M");
        assert_eq!(Memory::parse("4096k").unwrap().spawner_value(), "4096K");
        assert_eq!(Memory::parse("1.5Gi").unwrap().spawner_value(), "1.5G");
        // KubeSpawner's G is binary: the pod gets Gi.
        assert_eq!(Memory::parse("4G").unwrap().kubernetes_value(), "4Gi");
        assert_eq!(Memory::parse("4Gi").unwrap().kubernetes_value(), "4Gi");
        assert!(Memory::parse("500m").is_err());
        assert!(Memory::parse("1Pi").is_err());
    }

    #[test]
    fn memory_needs_a_unit_and_at_least_a_mebibyte() {
        let error = Memory::parse("4").unwrap_err();
        assert!(error.contains("has no unit"), "{error}");
        assert!(
            error.ends_with(&format!("{HELP_SEPARATOR}write the unit, e.g. `4Gi`")),
            "{error}"
        );
        for (bytes, meant) in [("2147483648", "2Gi"), ("1572864", "2Mi"), ("512", "512Mi")] {
            let error = Memory::parse(bytes).unwrap_err();
            assert!(error.ends_with(&format!("e.g. `{meant}`")), "{error}");
        }
        for small in ["1023Ki", "1M", "0Mi", "0.5Mi"] {
            assert!(
                Memory::parse(small).unwrap_err().contains("less than 1Mi"),
                "{small}"
            );
        }
        for ok in ["1Mi", "2M", "1024Ki"] {
            assert!(Memory::parse(ok).is_ok(), "{ok}");
        }
    }
}

/// A guaranteed amount and a limit of a resource.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Bounds<Q> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarantee: Option<Q>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Q>,
}

impl<Q: Amount> Bounds<Q> {
    /// Why the guarantee cannot be met: it is more than the limit (the API server rejects such a pod).
    pub fn excess(&self) -> Option<String> {
        exceeds("guarantee", self.guarantee.as_ref(), self.limit.as_ref())
    }
}

/// `low` (called `what`) above `limit`: what the API server rejects, said as `<what> X is more than the limit Y`.
pub fn exceeds<Q: Amount>(what: &str, low: Option<&Q>, limit: Option<&Q>) -> Option<String> {
    match (low, limit) {
        (Some(low), Some(limit)) if low.amount() > limit.amount() => {
            Some(format!("{what} {low} is more than the limit {limit}"))
        }
        _ => None,
    }
}

/// A guarantee above its limit in `cpu` or `memory`: the field to change (`["memory", "guarantee"]`), what is
/// wrong, and what would be right.
pub fn bound_problems(
    cpu: Option<&Bounds<Quantity>>,
    memory: Option<&Bounds<Memory>>,
) -> Vec<([&'static str; 2], String, &'static str)> {
    const HELP: &str = "lower the guarantee to at most the limit, or raise the limit";
    let cpu = cpu
        .and_then(Bounds::excess)
        .map(|e| (["cpu", "guarantee"], format!("cpu {e}"), HELP));
    let memory = memory
        .and_then(Bounds::excess)
        .map(|e| (["memory", "guarantee"], format!("memory {e}"), HELP));
    cpu.into_iter().chain(memory).collect()
}
