//! The Flux side of a hub: how its HelmRelease reconciles (`spec.release`), values read from objects managed
//! elsewhere (`spec.valuesFrom`), and the Flux Kustomizations the hub waits for (`spec.dependsOn`).

use super::names::{DnsLabel, DnsSubdomain};
use crate::diagnostic::HELP_SEPARATOR;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, de};
use std::borrow::Cow;
use std::fmt;

/// A Flux (Go) duration: `30m`, `1h`, `90s`, `1h30m`, `500ms` — what the Flux CRDs accept
/// (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duration(String);

/// The pattern of the Flux CRDs' duration fields.
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";

impl Duration {
    /// The duration, or why Flux would refuse it (message and help, as [`de::Error::custom`] reads them).
    pub fn parse(text: &str) -> Result<Self, String> {
        if is_duration(text) {
            Ok(Duration(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not a Flux duration{HELP_SEPARATOR}write numbers with the units h, m, s or ms, e.g. \
                 30m, 1h, 90s, 1h30m (no spaces, no days)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` matches [`DURATION_PATTERN`]: one or more `<number><unit>` parts.
fn is_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let whole = digits(rest);
        if whole == 0 {
            return false;
        }
        rest = &rest[whole..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = digits(fraction);
            if n == 0 {
                return false;
            }
            rest = &fraction[n..];
        }
        let unit = ["ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "pattern": DURATION_PATTERN})
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn duration(text: &str) -> Duration {
    Duration::parse(text).expect("a valid default duration")
}

/// How Flux reconciles the hub's HelmRelease. The defaults are jupyflux's: every 30 minutes, 10 minutes per
/// Helm action, three retries with rollback, and drift detection on.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Release {
    /// How often Flux reconciles the release (default `30m`).
    #[serde(default = "default_interval")]
    pub interval: Duration,
    /// How long one Helm action may take (default `10m`).
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// Helm release revisions kept (Flux's default 5; `0`: unlimited).
    #[serde(default)]
    pub max_history: Option<u32>,
    /// The first installation.
    #[serde(default)]
    pub install: Install,
    /// Upgrades.
    #[serde(default)]
    pub upgrade: Upgrade,
    /// Uninstalling (when the hub is removed from Git).
    #[serde(default)]
    pub uninstall: Option<Uninstall>,
    /// What Flux does when the cluster differs from the release: `enabled` (correct it, the default), `warn`
    /// (report it) or `disabled`.
    #[serde(default)]
    pub drift_detection: DriftDetection,
    /// Other HelmReleases that must be ready first (namespace default: the hub's).
    #[serde(default)]
    pub depends_on: Vec<FluxRef>,
}

impl Default for Release {
    fn default() -> Self {
        Release {
            interval: default_interval(),
            timeout: default_timeout(),
            max_history: None,
            install: Install::default(),
            upgrade: Upgrade::default(),
            uninstall: None,
            drift_detection: DriftDetection::default(),
            depends_on: Vec::new(),
        }
    }
}

fn default_interval() -> Duration {
    duration("30m")
}

fn default_timeout() -> Duration {
    duration("10m")
}

fn default_retries() -> i32 {
    3
}

/// Settings of the first installation.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Install {
    /// Attempts after a failed install, each after an uninstall (default 3; negative: without end).
    #[serde(default = "default_retries")]
    pub retries: i32,
    /// Time for the install (default: `release.timeout`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Refused: jupyflux renders the hub's Namespace itself (or uses an existing one, `managed: false`).
    #[serde(default)]
    pub create_namespace: Option<bool>,
    /// Do not wait for the chart's resources to be ready.
    #[serde(default)]
    pub disable_wait: bool,
}

impl Default for Install {
    fn default() -> Self {
        Install {
            retries: default_retries(),
            timeout: None,
            create_namespace: None,
            disable_wait: false,
        }
    }
}

/// Settings of upgrades.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Upgrade {
    /// Attempts after a failed upgrade, each after the remediation `strategy` (default 3; negative: without end).
    #[serde(default = "default_retries")]
    pub retries: i32,
    /// Time for an upgrade (default: `release.timeout`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Delete the new resources of a failed upgrade (default true).
    #[serde(default = "yes")]
    pub cleanup_on_fail: bool,
    /// How a failed upgrade is remediated: `rollback` (default) or `uninstall`.
    #[serde(default)]
    pub strategy: UpgradeStrategy,
    /// Remediate the last failure too, when the retries are used up.
    #[serde(default)]
    pub remediate_last_failure: Option<bool>,
}

impl Default for Upgrade {
    fn default() -> Self {
        Upgrade {
            retries: default_retries(),
            timeout: None,
            cleanup_on_fail: true,
            strategy: UpgradeStrategy::default(),
            remediate_last_failure: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// The remediation of a failed upgrade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UpgradeStrategy {
    #[default]
    Rollback,
    Uninstall,
}

impl UpgradeStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeStrategy::Rollback => "rollback",
            UpgradeStrategy::Uninstall => "uninstall",
        }
    }
}

/// Settings of the uninstall.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Uninstall {
    /// Keep the Helm release history after the uninstall.
    #[serde(default)]
    pub keep_history: Option<bool>,
    /// Time for the uninstall (default: `release.timeout`).
    #[serde(default)]
    pub timeout: Option<Duration>,
}

/// Flux's drift detection mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DriftDetection {
    /// Correct what differs from the release.
    #[default]
    Enabled,
    /// Only report it.
    Warn,
    Disabled,
}

impl DriftDetection {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftDetection::Enabled => "enabled",
            DriftDetection::Warn => "warn",
            DriftDetection::Disabled => "disabled",
        }
    }
}

/// A Flux object by name and, optionally, namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct FluxRef {
    pub name: DnsSubdomain,
    #[serde(default)]
    pub namespace: Option<DnsLabel>,
}

/// The namespace of a Flux Kustomization a hub names under `spec.dependsOn` without one.
pub const KUSTOMIZATION_NAMESPACE: &str = "flux-system";

/// Chart values from a ConfigMap or Secret managed outside jupyflux, applied after jupyflux's own.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ValuesFrom {
    pub kind: ValuesKind,
    /// The object, in the hub's namespace.
    pub name: DnsSubdomain,
    /// The key holding the values (Flux's default `values.yaml`), or the single value with `targetPath`.
    #[serde(default)]
    pub values_key: Option<String>,
    /// The chart path the value is set at (`hub.config.X.y`); without it the key holds a YAML document of values.
    #[serde(default)]
    pub target_path: Option<String>,
    /// Go on when the object does not exist.
    #[serde(default)]
    pub optional: bool,
}

/// The kinds `valuesFrom` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ValuesKind {
    ConfigMap,
    Secret,
}

impl ValuesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValuesKind::ConfigMap => "ConfigMap",
            ValuesKind::Secret => "Secret",
        }
    }
}

/// Whether `key` is a data key Flux accepts for `valuesKey` (`^[\-._a-zA-Z0-9]+$`, at most 253 characters).
pub fn is_values_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// Whether `path` is a `targetPath` Flux accepts: letters, digits, `_-.\/` and `[N]` indexes, at most 250.
pub fn is_target_path(path: &str) -> bool {
    let mut rest = path;
    if rest.is_empty() || rest.len() > 250 {
        return false;
    }
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let Some(end) = rest.find(']') else {
                return false;
            };
            let index = &rest[1..end];
            if index.is_empty() || index.len() > 5 || !index.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest = &rest[end + 1..];
        } else if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '\\' | '/') {
            rest = &rest[1..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_flux_pattern() {
        for ok in ["30m", "1h", "90s", "1h30m", "500ms", "1.5h", "2h45m30s"] {
            assert!(Duration::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "30", "m", "1d", "30 m", "1h-", "1.h", ".5h", "30M", "1µs",
        ] {
            let error = Duration::parse(bad).unwrap_err();
            assert!(error.contains("is not a Flux duration"), "{bad}: {error}");
        }
    }

    #[test]
    fn values_keys_and_target_paths() {
        assert!(is_values_key("values.yaml"));
        assert!(!is_values_key("values yaml"));
        for ok in ["hub.config.X.y", "a.b[0].c", "a\\.b", "x/y"] {
            assert!(is_target_path(ok), "{ok}");
        }
        for bad in ["", "a b", "a[x]", "a[123456]", "a[1", "a=b"] {
            assert!(!is_target_path(bad), "{bad}");
        }
    }
}
