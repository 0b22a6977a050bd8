//! Leaf-by-leaf comparison of the chart values a HelmRelease had with the ones jupyflux renders for its import:
//! every difference is either a deliberate change (a safe default, one line each), a value a person must supply,
//! or unexplained — which makes import give up typing the part it came from.

use super::leaves::{Path, leaves};
use super::lift::Part;
use super::person::Needs;
use serde_json::Value;
use std::collections::BTreeSet;

/// Values jupyflux always renders on purpose, and why (the path's keys, indices skipped; `*` any one key).
pub const DELIBERATE: &[(&[&str], &str)] = &[
    (
        &["proxy", "service", "type"],
        "the proxy's Service is ClusterIP: users come in through the Ingress or route, no cloud load balancer",
    ),
    (
        &["singleuser", "cloudMetadata", "blockWithIptables"],
        "false: no privileged iptables init container; the chart's NetworkPolicy blocks the metadata server instead",
    ),
    (
        &["hub", "config", "KubeSpawner", "pod_security_context"],
        "user pods meet the hub's Pod Security profile (restricted unless `podSecurity` says otherwise)",
    ),
    (
        &["hub", "config", "KubeSpawner", "container_security_context"],
        "user pods meet the hub's Pod Security profile (restricted unless `podSecurity` says otherwise)",
    ),
    (
        &["singleuser", "extraContainers", "securityContext"],
        "sidecars meet the hub's Pod Security profile (restricted: no privilege escalation, all capabilities dropped)",
    ),
    (
        &[
            "singleuser",
            "profileList",
            "kubespawner_override",
            "extra_containers",
            "securityContext",
        ],
        "sidecars meet the hub's Pod Security profile (restricted: no privilege escalation, all capabilities dropped)",
    ),
    (
        &["singleuser", "defaultUrl"],
        "users land on /lab unless singleuser.defaultUrl says otherwise",
    ),
    (
        &["singleuser", "storage", "type"],
        "the storage type is written explicitly (the chart's default, dynamic)",
    ),
    (
        &["singleuser", "storage", "capacity"],
        "the volume size is written explicitly (the chart's default, 10Gi)",
    ),
    (
        &["hub", "config", "JupyterHub", "authenticator_class"],
        "the authenticator is chosen explicitly (the chart's default, dummy)",
    ),
    (
        &[
            "singleuser",
            "profileList",
            "kubespawner_override",
            "tolerations",
        ],
        "a profile's tolerations keep the chart's user-pod tolerations in front (KubeSpawner replaces the list, which would drop them)",
    ),
    (
        &["singleuser", "profileList", "default"],
        "a menu entry's `default: false` is left out (KubeSpawner's default)",
    ),
    (
        &[
            "singleuser",
            "profileList",
            "profile_options",
            "*",
            "choices",
            "*",
            "default",
        ],
        "a choice's `default: false` is left out (KubeSpawner's default)",
    ),
    (
        &["singleuser", "storage", "static", "subPath"],
        "each user's directory on the claim is written explicitly (the chart's default, {username})",
    ),
    (
        &["hub", "config", "*", "oauth_callback_url"],
        "the OAuth callback URL is derived from the hub's host",
    ),
];

/// How one differing leaf is explained.
#[derive(Clone, Debug, PartialEq)]
pub enum Difference {
    /// jupyflux renders it on purpose.
    Deliberate { path: Path, why: String },
    /// Taken out for a person to decide.
    Person,
    /// Nothing explains it.
    Unexplained {
        path: Path,
        original: Option<Value>,
        rendered: Option<Value>,
    },
}

/// The differences between `original` and `rendered` chart values.
pub fn compare(
    original: &Value,
    rendered: &Value,
    parts: &[&Part],
    needs: &[Needs],
) -> Vec<Difference> {
    let before = leaves(original);
    let after = leaves(rendered);
    let paths: BTreeSet<&Path> = before.keys().chain(after.keys()).collect();
    let mut differences = Vec::new();
    for path in paths {
        let (was, now) = (before.get(path), after.get(path));
        if was == now {
            continue;
        }
        differences.push(explain(path, was, now, parts, needs));
    }
    differences
}

fn explain(
    path: &Path,
    was: Option<&Value>,
    now: Option<&Value>,
    parts: &[&Part],
    needs: &[Needs],
) -> Difference {
    if needs.iter().any(|n| path.starts_with(&n.path)) {
        return Difference::Person;
    }
    if was.is_none()
        && let Some(part) = parts
            .iter()
            .find(|p| p.adds.iter().any(|a| path.starts_with(a)))
    {
        return Difference::Deliberate {
            path: path.clone(),
            why: format!("written by the typed {}", part.what),
        };
    }
    if now.is_none()
        && let Some((_, why)) = parts
            .iter()
            .flat_map(|p| &p.drops)
            .find(|(d, _)| path.starts_with(d))
    {
        return Difference::Deliberate {
            path: path.clone(),
            why: why.clone(),
        };
    }
    if let Some((_, why)) = DELIBERATE.iter().find(|(keys, _)| matches(path, keys)) {
        return Difference::Deliberate {
            path: path.clone(),
            why: (*why).to_owned(),
        };
    }
    Difference::Unexplained {
        path: path.clone(),
        original: was.cloned(),
        rendered: now.cloned(),
    }
}

/// Whether `path`'s keys (indices skipped) start with `pattern` (`*` matches any one key).
fn matches(path: &Path, pattern: &[&str]) -> bool {
    let keys: Vec<&str> = path
        .0
        .iter()
        .filter_map(|s| match s {
            super::leaves::Step::Key(k) => Some(k.as_str()),
            super::leaves::Step::Index(_) => None,
        })
        .collect();
    keys.len() >= pattern.len() && pattern.iter().zip(&keys).all(|(p, k)| *p == "*" || p == k)
}

/// The parts an unexplained difference at `path` may come from: those that consume or add at, above or below it.
pub fn culprits<'p>(path: &Path, parts: &[&'p Part]) -> Vec<&'p Part> {
    parts
        .iter()
        .copied()
        .filter(|p| {
            p.consumed
                .iter()
                .chain(&p.adds)
                .any(|c| path.starts_with(c) || c.starts_with(path))
        })
        .collect()
}
