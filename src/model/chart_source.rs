//! Which Zero to JupyterHub chart a hub installs: an exact version, from a Helm repository (HTTP or OCI) or from a
//! Flux source that exists already, and what each chart major ships (JupyterHub, OAuthenticator, the lowest Pod
//! Security level its pods run under).

use super::names::{DnsLabel, DnsSubdomain};
use crate::diagnostic::HELP_SEPARATOR;
use crate::notebook::security::PodSecurityLevel;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, de};
use std::borrow::Cow;
use std::fmt;

/// The chart repository every hub is installed from unless its definition says otherwise.
pub const CHART_REPOSITORY: &str = "https://hub.jupyter.org/helm-chart/";

/// The chart version and where the chart comes from.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Chart {
    /// Exact chart version, e.g. `"4.3.2"` (ranges would let output drift). With an `OCIRepository` source:
    /// the version that OCIRepository serves.
    pub version: ChartVersion,
    /// Helm repository URL: `https://…` (default: the JupyterHub chart repository) or `oci://…`. Not with
    /// `sourceRef`.
    #[serde(default)]
    pub repository: Option<String>,
    /// An existing Flux source of the chart (e.g. one shared in `flux-system`): no HelmRepository is rendered.
    #[serde(default)]
    pub source_ref: Option<SourceRef>,
    /// The chart's values schema, relative to the repository root, for `jupyflux validate` to check the chart
    /// values against: a `values.schema.json` (with the chart's `values.yaml` beside it, if there), a chart
    /// directory or a chart `.tgz` as `helm pull` downloads it. Not used by `render`.
    #[serde(default)]
    pub schema: Option<String>,
}

impl Chart {
    /// The repository URL jupyflux renders a HelmRepository for (none with `sourceRef`).
    pub fn repository_url(&self) -> Option<&str> {
        match (&self.source_ref, &self.repository) {
            (Some(_), _) => None,
            (None, Some(url)) => Some(url),
            (None, None) => Some(CHART_REPOSITORY),
        }
    }
}

/// A Flux source of the chart that jupyflux does not render.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SourceRef {
    /// `HelmRepository` (the chart `jupyterhub` at `version`) or `OCIRepository` (the chart it serves).
    pub kind: SourceKind,
    pub name: DnsSubdomain,
    /// Namespace of the source (default: the hub's).
    #[serde(default)]
    pub namespace: Option<DnsLabel>,
}

/// The kinds of Flux source a hub's chart can come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum SourceKind {
    HelmRepository,
    OCIRepository,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::HelmRepository => "HelmRepository",
            SourceKind::OCIRepository => "OCIRepository",
        }
    }
}

/// An exact chart version: `MAJOR.MINOR.PATCH`, optionally with a `-pre-release` and `+build` (what Helm resolves
/// to exactly one release). Read from a string or, when YAML made one, a number (and then refused as inexact).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartVersion {
    text: String,
    major: u64,
}

impl ChartVersion {
    /// The version, or why it is not an exact one (message and help, as [`de::Error::custom`] reads them).
    pub fn parse(text: &str) -> Result<Self, String> {
        let inexact = || {
            format!(
                "chart version `{text}` is not an exact version{HELP_SEPARATOR}pin one release, quoted, e.g. \
                 \"4.3.2\" (a pre-release such as \"4.3.3-0.dev.git.7285.h2e426380\" is fine); ranges such as `*`, \
                 `^4` or `4.x` let the deployed chart drift from what was reviewed"
            )
        };
        let (core, suffix) = match text.find(['-', '+']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if numbers.len() != 3 || !numbers.iter().all(numeric) {
            return Err(inexact());
        }
        let identifiers = |s: &str| {
            !s.is_empty()
                && s.split(['.', '+']).all(|id| {
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        if suffix.is_some_and(|s| !identifiers(s)) {
            return Err(inexact());
        }
        let major = numbers[0].parse().map_err(|_| inexact())?;
        Ok(ChartVersion {
            text: text.to_owned(),
            major,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn major(&self) -> u64 {
        self.major
    }

    /// What this chart ships, by its major (a major newer than jupyflux knows is taken as the newest it knows).
    pub fn generation(&self) -> Option<&'static Generation> {
        GENERATIONS
            .iter()
            .rev()
            .find(|g| self.major >= g.chart_major)
    }
}

impl<'de> Deserialize<'de> for ChartVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ChartVersion;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an exact chart version such as \"4.3.2\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChartVersion, E> {
                ChartVersion::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ChartVersion, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ChartVersion, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ChartVersion, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for ChartVersion {
    fn schema_name() -> Cow<'static, str> {
        "ChartVersion".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$",
        })
    }
}

impl fmt::Display for ChartVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What one major of the Zero to JupyterHub chart ships, and what that means for jupyflux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generation {
    pub chart_major: u64,
    /// The JupyterHub version(s) it ships.
    pub jupyterhub: &'static str,
    /// The OAuthenticator version(s) it ships, and the major jupyflux writes keys for.
    pub oauthenticator: &'static str,
    pub oauthenticator_major: u64,
    /// The lowest Pod Security level its hub, proxy, image-puller and user-scheduler pods run under.
    pub pod_security: PodSecurityLevel,
}

/// The chart majors jupyflux renders values for, oldest first. The versions are from the chart's changelog
/// ("Notable dependencies updated" of 2.0.0, 3.0.0 and 4.0.0; docs/source/changelog.md of
/// jupyterhub/zero-to-jupyterhub-k8s) and its upgrade guides (administrator/upgrading/upgrade-*-to-*.md): 1.2.0
/// ships JupyterHub 1.4.2 and OAuthenticator 14.2.0, 2.0.0 JupyterHub 3.0.0 and OAuthenticator 15.1.0, 3.0.0
/// JupyterHub 4.0.2 and OAuthenticator 16.0.4, 4.0.0 JupyterHub 5.2.1 and OAuthenticator 17.1.0. Majors 1 to 3
/// render pods without seccompProfile, runAsNonRoot or dropped capabilities on some containers: `baseline` at best.
pub const GENERATIONS: [Generation; 4] = [
    Generation {
        chart_major: 1,
        jupyterhub: "1.4",
        oauthenticator: "14",
        oauthenticator_major: 14,
        pod_security: PodSecurityLevel::Baseline,
    },
    Generation {
        chart_major: 2,
        jupyterhub: "3.0",
        oauthenticator: "15.1",
        oauthenticator_major: 15,
        pod_security: PodSecurityLevel::Baseline,
    },
    Generation {
        chart_major: 3,
        jupyterhub: "4.0",
        oauthenticator: "16.0",
        oauthenticator_major: 16,
        pod_security: PodSecurityLevel::Baseline,
    },
    Generation {
        chart_major: 4,
        jupyterhub: "5.2 – 5.5",
        oauthenticator: "17.1 – 17.4",
        oauthenticator_major: 17,
        pod_security: PodSecurityLevel::Restricted,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_versions_only() {
        for (ok, major) in [
            ("4.3.2", 4),
            ("4.3.3-0.dev.git.7285.h2e426380", 4),
            ("4.0.0-beta.1", 4),
            ("1.2.0+build.5", 1),
            ("10.0.0", 10),
        ] {
            assert_eq!(ChartVersion::parse(ok).unwrap().major(), major, "{ok}");
        }
        for bad in [
            "*", "^4", "~4.3.2", ">=4.0.0", "4.x", "4.3", "4", "4.3.*", "v4.3.2", "4.3.2-", "4..2",
            "",
        ] {
            let error = ChartVersion::parse(bad).unwrap_err();
            assert!(error.contains("is not an exact version"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_docs_table_has_a_row_per_generation() {
        let docs = include_str!("../../docs/hubs.md");
        for g in GENERATIONS {
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| {}.x | ", g.chart_major)))
                .unwrap_or_else(|| panic!("docs/hubs.md has no row for chart {}.x", g.chart_major));
            let cells: Vec<&str> = row.split(" | ").collect();
            assert!(cells[1].starts_with(g.jupyterhub), "{row}");
            assert!(cells[2].starts_with(g.oauthenticator), "{row}");
            assert_eq!(cells[3], g.pod_security.as_str(), "{row}");
        }
    }

    #[test]
    fn each_major_has_its_generation() {
        let of = |v: &str| {
            ChartVersion::parse(v)
                .unwrap()
                .generation()
                .map(|g| g.chart_major)
        };
        assert_eq!(of("0.11.1"), None);
        assert_eq!(of("1.2.0"), Some(1));
        assert_eq!(of("3.3.6"), Some(3));
        assert_eq!(of("4.4.1"), Some(4));
        assert_eq!(
            of("5.0.0"),
            Some(4),
            "a newer major is read as the newest known"
        );
    }
}
