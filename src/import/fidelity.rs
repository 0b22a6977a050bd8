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
        &["proxy", "https", "hosts"],
        "the hub's host: the chart runs its Traefik pod (Let's Encrypt, TCP ports) only when proxy.https.hosts names one",
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
        &[
            "singleuser",
            "profileList",
            "kubespawner_override",
            "container_security_context",
            "allowPrivilegeEscalation",
        ],
        PRIVILEGED_PROFILE,
    ),
    (
        &[
            "singleuser",
            "profileList",
            "kubespawner_override",
            "container_security_context",
            "privileged",
        ],
        PRIVILEGED_PROFILE,
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
        &["hub", "config", "KubeSpawner", "profile_list"],
        "moved to singleuser.profileList (same effect: the chart applies hub.config last, and without singleuser.profileList nothing else sets KubeSpawner.profile_list)",
    ),
    (
        &["hub", "config", "JupyterHub", "admin_users"],
        "moved to hub.config.Authenticator.admin_users (same effect: JupyterHub uses its deprecated admin_users only when the authenticator's is empty)",
    ),
    (
        &["hub", "config", "JupyterHub", "allow_named_servers"],
        "moved to hub.allowNamedServers (same effect: the chart sets JupyterHub.allow_named_servers from it, and hub.config only repeated it)",
    ),
    (
        &["hub", "config", "JupyterHub", "named_server_limit_per_user"],
        "moved to hub.namedServerLimitPerUser (same effect: the chart sets JupyterHub.named_server_limit_per_user from it, and hub.config only repeated it)",
    ),
];

/// Why a profile running privileged (or letting processes escalate) says so in its container security context.
const PRIVILEGED_PROFILE: &str = "a profile's privileged / allow_privilege_escalation is written in its container security context too: \
     the one jupyflux sets for every server (without privilege escalation) wins over both, and Kubernetes refuses a privileged container that may not escalate";

/// Values the chart reads the same way in another place, and that place: moved there before lifting when it is
/// empty (each is in [`DELIBERATE`], with why the effect is the same).
const MOVES: &[(&[&str], &[&str])] = &[
    (
        &["hub", "config", "KubeSpawner", "profile_list"],
        &["singleuser", "profileList"],
    ),
    (
        &["hub", "config", "JupyterHub", "admin_users"],
        &["hub", "config", "Authenticator", "admin_users"],
    ),
    (
        &["hub", "config", "JupyterHub", "allow_named_servers"],
        &["hub", "allowNamedServers"],
    ),
    (
        &["hub", "config", "JupyterHub", "named_server_limit_per_user"],
        &["hub", "namedServerLimitPerUser"],
    ),
];

/// Move values to where the chart reads them with the same effect, before lifting (a profile list under
/// `hub.config.KubeSpawner` becomes `singleuser.profileList`, …), each only when its new place is empty. Returns
/// each move, as a deliberate change.
pub fn normalise(values: &mut Value) -> Vec<Difference> {
    let mut moved = Vec::new();
    for (from, to) in MOVES {
        let (from, to_path) = (Path::keys(from), Path::keys(to));
        if super::leaves::get(values, &to_path).is_some() {
            continue;
        }
        let Some(value) = super::leaves::take(values, &from) else {
            continue;
        };
        super::leaves::put(values, &to_path, value);
        let why = DELIBERATE
            .iter()
            .find(|(keys, _)| matches(&from, keys))
            .map_or("", |(_, why)| why);
        moved.push(Difference::Deliberate {
            path: from,
            why: why.to_owned(),
        });
    }
    moved
}

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
        if was == now || whole_number_written_whole(was, now) {
            continue;
        }
        differences.push(explain(path, was, now, parts, needs));
    }
    differences
}

/// Whether `was` is a float without a fraction (`2.0`) and `now` the same whole number (`2`): jupyflux writes whole
/// numbers whole, which every reader of these values takes the same (a KubeSpawner `Float` accepts `2`, a
/// Kubernetes quantity `2` is `2.0`). The other way (a whole number written as a float) stays a difference.
fn whole_number_written_whole(was: Option<&Value>, now: Option<&Value>) -> bool {
    match (was, now) {
        (Some(Value::Number(was)), Some(Value::Number(now))) => {
            was.is_f64()
                && !now.is_f64()
                && was
                    .as_f64()
                    .is_some_and(|w| w.fract() == 0.0 && Some(w) == now.as_f64())
        }
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_float_without_a_fraction_equals_its_whole_number_one_way_only() {
        let (float, whole) = (json!(2.0), json!(2));
        assert!(whole_number_written_whole(Some(&float), Some(&whole)));
        assert!(!whole_number_written_whole(Some(&whole), Some(&float)));
        assert!(!whole_number_written_whole(Some(&json!(2.5)), Some(&whole)));
        assert!(!whole_number_written_whole(Some(&float), Some(&json!("2"))));
        let differences = compare(
            &json!({"cpu": 2.0, "mem": 1}),
            &json!({"cpu": 2, "mem": 1.0}),
            &[],
            &[],
        );
        assert_eq!(differences.len(), 1, "{differences:?}");
    }

    #[test]
    fn a_profile_list_in_hub_config_moves_to_singleuser_unless_that_has_one() {
        let mut values =
            json!({"hub": {"config": {"KubeSpawner": {"profile_list": [{"display_name": "A"}]}}}});
        let moved = normalise(&mut values);
        assert_eq!(
            values,
            json!({"singleuser": {"profileList": [{"display_name": "A"}]}})
        );
        assert!(
            matches!(&moved[..], [Difference::Deliberate { why, .. }] if why.contains("same effect"))
        );
        let mut both = json!({
            "hub": {"config": {"KubeSpawner": {"profile_list": [{"display_name": "A"}]}}},
            "singleuser": {"profileList": [{"display_name": "B"}]},
        });
        let before = both.clone();
        assert!(normalise(&mut both).is_empty());
        assert_eq!(both, before);
    }
}
