//! The chart's `cull` section: stopping idle servers.

use schemars::JsonSchema;
use serde::Deserialize;

/// Stopping idle servers (the chart's jupyterhub-idle-culler).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Culling {
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Seconds of inactivity before a server is stopped.
    #[serde(default)]
    pub timeout: Option<u64>,
    /// Seconds between checks.
    #[serde(default)]
    pub every: Option<u64>,
    /// Seconds after which a server is stopped even when active.
    #[serde(default)]
    pub max_age: Option<u64>,
    /// Also remove idle users (not only their servers).
    #[serde(default)]
    pub users: Option<bool>,
    /// Also stop idle named servers (`cull.removeNamedServers`).
    #[serde(default)]
    pub remove_named_servers: Option<bool>,
}

pub(crate) fn enabled() -> bool {
    true
}
