//! Host + path conflicts between notebooks at run time: two notebooks whose Ingresses claim the same host and path
//! would split one URL between two servers. The earlier notebook (by `creationTimestamp`, then namespace and
//! name) keeps the route; a later one is `Degraded` with reason `RouteConflict` and gets no Ingress.

use crate::notebook::children::ControllerConfig;
use kube::api::DynamicObject;
use kube::{Resource, ResourceExt};

/// The route a notebook claims, and what orders it against another claiming the same one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// RFC 3339 creation time (empty for an object not stored yet, which sorts first).
    pub created: String,
    pub namespace: String,
    pub name: String,
    /// The Ingress host; none matches every host, which is a route of its own.
    pub host: Option<String>,
    /// The path prefix without a trailing `/`.
    pub path: String,
}

impl Claim {
    /// The claim of a stored notebook, read leniently from its raw spec (an undecodable notebook still claims
    /// what it names), with the controller's default host and the default path prefix filled in.
    pub fn of(object: &DynamicObject, config: &ControllerConfig) -> Claim {
        let name = object.name_any();
        let routing = &object.data["spec"]["routing"];
        let host = routing["host"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| config.defaults.host.clone());
        let path = routing["pathPrefix"]
            .as_str()
            .map_or_else(|| format!("/notebooks/{name}"), str::to_owned);
        Claim {
            created: object
                .meta()
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            namespace: object.namespace().unwrap_or_default(),
            host,
            path: normalized(&path),
            name,
        }
    }

    fn order(&self) -> (&str, &str, &str) {
        (&self.created, &self.namespace, &self.name)
    }

    fn same_route(&self, other: &Claim) -> bool {
        self.host == other.host && self.path == other.path
    }

    fn same_notebook(&self, other: &Claim) -> bool {
        self.namespace == other.namespace && self.name == other.name
    }
}

fn normalized(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/" } else { trimmed }.to_owned()
}

/// The notebook that holds `mine`'s route before it, if any: the earliest other claim of the same host and path
/// that orders before `mine`.
pub fn holder<'a>(mine: &Claim, all: impl IntoIterator<Item = &'a Claim>) -> Option<&'a Claim> {
    all.into_iter()
        .filter(|other| !other.same_notebook(mine) && other.same_route(mine))
        .filter(|other| other.order() < mine.order())
        .min_by(|a, b| a.order().cmp(&b.order()))
}

/// The `Degraded` message of a notebook whose route `holder` holds.
pub fn message(mine: &Claim, holder: &Claim) -> String {
    format!(
        "host {} path {} is already routed to notebook {}/{}; no Ingress was applied",
        mine.host.as_deref().unwrap_or("(any)"),
        mine.path,
        holder.namespace,
        holder.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(created: &str, ns: &str, name: &str, host: Option<&str>, path: &str) -> Claim {
        Claim {
            created: created.into(),
            namespace: ns.into(),
            name: name.into(),
            host: host.map(str::to_owned),
            path: normalized(path),
        }
    }

    #[test]
    fn the_later_claim_of_a_route_loses() {
        let first = claim("2026-01-01T00:00:00Z", "b", "first", Some("h"), "/x");
        let later = claim("2026-01-02T00:00:00Z", "a", "later", Some("h"), "/x/");
        let all = [first.clone(), later.clone()];
        assert_eq!(holder(&first, &all), None);
        assert_eq!(holder(&later, &all), Some(&first));
        assert!(message(&later, &first).contains("notebook b/first"));
    }

    #[test]
    fn same_time_orders_by_namespace_then_name() {
        let t = "2026-01-01T00:00:00Z";
        let a = claim(t, "ns", "a", None, "/x");
        let b = claim(t, "ns", "b", None, "/x");
        let other_ns = claim(t, "aa", "z", None, "/x");
        let all = [a.clone(), b.clone(), other_ns.clone()];
        assert_eq!(holder(&other_ns, &all), None);
        assert_eq!(holder(&a, &all), Some(&other_ns));
        assert_eq!(holder(&b, &all), Some(&other_ns));
    }

    #[test]
    fn different_hosts_or_paths_do_not_conflict() {
        let t = "2026-01-01T00:00:00Z";
        let all = [
            claim(t, "ns", "a", Some("h"), "/x"),
            claim(t, "ns", "b", Some("g"), "/x"),
            claim(t, "ns", "c", None, "/x"),
            claim(t, "ns", "d", Some("h"), "/x/y"),
        ];
        for mine in &all {
            assert_eq!(holder(mine, &all), None, "{mine:?}");
        }
    }
}
