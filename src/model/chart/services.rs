//! JupyterHub services and roles (the chart's `hub.services` and `hub.loadRoles`): programs and web services
//! that use the hub's API, and the permissions (scopes) granted to them, to users and to groups.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A JupyterHub service, as `c.JupyterHub.services` takes it (its name is the key). An API token is never
/// written here: the chart generates one for each service.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubService {
    /// Where the hub's proxy reaches the service, e.g. `http://grader.lab.svc.cluster.local:8888`; it is then
    /// served at `/services/<name>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A program the hub runs beside itself (a managed service), e.g. `[python3, /srv/cull.py, --every=600]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Whether users skip the OAuth confirmation page when logging in to the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_no_confirm: Option<bool>,
    /// Whether the service is listed in the hub's Services menu (JupyterHub's default: yes, when it has a URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<bool>,
    /// Environment variables of a managed service (text only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
}

/// A JupyterHub role (its name is the key): scopes, and who has them.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HubRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JupyterHub scopes, e.g. `read:users:activity`, `delete:servers`, `access:servers!group=staff`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// User names with the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Group names with the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Services with the role: names of `hub.services`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

/// JupyterHub's scope names (JupyterHub 4 and 5, `jupyterhub/scopes.py`); `custom:` scopes are a service's own.
pub const SCOPES: &[&str] = &[
    "(no_scope)",
    "self",
    "inherit",
    "admin-ui",
    "admin:users",
    "admin:auth_state",
    "users",
    "delete:users",
    "list:users",
    "read:users",
    "read:users:name",
    "read:users:groups",
    "read:users:activity",
    "users:activity",
    "read:roles",
    "read:roles:users",
    "read:roles:services",
    "read:roles:groups",
    "admin:servers",
    "admin:server_state",
    "servers",
    "read:servers",
    "delete:servers",
    "access:servers",
    "admin:groups",
    "groups",
    "list:groups",
    "read:groups",
    "read:groups:name",
    "delete:groups",
    "list:services",
    "read:services",
    "read:services:name",
    "access:services",
    "read:hub",
    "proxy",
    "shutdown",
    "read:metrics",
    "tokens",
    "read:tokens",
    "shares",
    "read:shares",
    "users:shares",
    "read:users:shares",
    "groups:shares",
    "read:groups:shares",
];

/// Why `scope` is not one JupyterHub knows: a known name or `custom:…`, optionally filtered by `!user`,
/// `!server`, `!user=<name>`, `!group=<name>`, `!server=<user>/<server>` or `!service=<name>`.
pub fn scope_problem(scope: &str) -> Option<String> {
    let (base, filter) = match scope.split_once('!') {
        Some((base, filter)) => (base, Some(filter)),
        None => (scope, None),
    };
    let custom = base.strip_prefix("custom:").is_some_and(|c| !c.is_empty());
    if !SCOPES.contains(&base) && !custom {
        return Some(format!("`{base}` is not a JupyterHub scope"));
    }
    let filter = filter?;
    let known = match filter.split_once('=') {
        Some((kind, value)) => {
            matches!(kind, "user" | "group" | "server" | "service") && !value.is_empty()
        }
        None => matches!(filter, "user" | "server"),
    };
    (!known).then(|| format!("`!{filter}` in scope `{scope}` is not a JupyterHub scope filter"))
}

#[cfg(test)]
mod tests {
    use super::scope_problem;

    #[test]
    fn scopes_jupyterhub_knows() {
        for fine in [
            "read:users:activity",
            "delete:servers",
            "access:servers!group=staff",
            "read:users!user",
            "custom:grader:read",
        ] {
            assert_eq!(scope_problem(fine), None, "{fine}");
        }
        assert_eq!(
            scope_problem("read:user").unwrap(),
            "`read:user` is not a JupyterHub scope"
        );
        assert!(
            scope_problem("servers!team=a")
                .unwrap()
                .contains("`!team=a`")
        );
    }
}
