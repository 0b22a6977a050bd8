//! The chart's `cull` section: stopping idle servers.

use crate::model::seconds::Seconds;
use schemars::JsonSchema;
use serde::Deserialize;

/// Stopping idle servers (the chart's jupyterhub-idle-culler).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Culling {
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Inactivity before a server is stopped (`3600` or `1h`).
    #[serde(default)]
    pub timeout: Option<Seconds>,
    /// Time between checks (`600` or `10m`).
    #[serde(default)]
    pub every: Option<Seconds>,
    /// Age after which a server is stopped even when active.
    #[serde(default)]
    pub max_age: Option<Seconds>,
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
