//! Checks of the Environment's `quotas`: each limits a namespace a hub or notebook of the environment runs in,
//! one jupyflux owns unless the quota says the namespace exists already, and holds at least one server of the
//! biggest kind that runs there (else that server never starts: the API server refuses its pod).

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::capacity::Demand;
use crate::capacity::demand::Subject;
use crate::model::Environment;
use crate::model::hub::{HubSpec, StorageKind};
use crate::model::quantity::{Quantity, bound_problems};
use crate::model::quota::{Quota, Server};
use crate::notebook::spec::NotebookStorage;

/// The chart's default size of a user's volume.
const CHART_VOLUME: &str = "10Gi";

/// A kind of server that may run in a quota's namespace: what it is called in messages, and what it takes.
struct Candidate {
    what: String,
    server: Server,
}

/// Validate every quota of the environment; `env_node` is the merged Environment document.
pub fn validate(env: &Environment, env_node: &Node, report: &mut Reporter) {
    let spec = &env.definition.spec;
    let servers = crate::capacity::demand::servers(env);
    for (ns, quota) in &spec.quotas {
        let ns = ns.as_str();
        let at = |field: &[&str]| {
            let mut path = vec!["spec", "quotas", ns];
            path.extend_from_slice(field);
            loc_at(env_node, &path)
        };
        let hub = env.hubs.iter().find(|h| h.namespace() == ns);
        let notebooks: Vec<_> = env.notebooks.iter().filter(|n| n.namespace == ns).collect();
        if hub.is_none() && notebooks.is_empty() {
            let mut used: Vec<String> = env.hubs.iter().map(|h| h.namespace()).collect();
            used.extend(env.notebooks.iter().map(|n| n.namespace.clone()));
            used.sort();
            used.dedup();
            report.at(
                at(&[]),
                format!(
                    "quota of namespace `{ns}`: no hub or notebook of environment `{}` runs there",
                    env.name
                ),
                Some(format!(
                    "quotas limit the namespaces of this environment's hubs and notebooks: {}",
                    list(&used)
                )),
            );
            continue;
        }
        let managed = match hub {
            Some(hub) => hub.namespace_managed(),
            None => !spec.existing_namespaces.iter().any(|e| e == ns),
        };
        if !managed && !quota.existing_namespace {
            report.at(
                at(&[]),
                format!("quota of namespace `{ns}`: the namespace exists already and jupyflux does not own it; a ResourceQuota and LimitRange there would bind everything else running in it"),
                Some(format!("say `existingNamespace: true` in spec.quotas.{ns} to limit it anyway, or remove the quota")),
            );
        }
        if managed && quota.existing_namespace {
            report.at(
                at(&["existingNamespace"]),
                format!("quota of namespace `{ns}`: `existingNamespace: true`, but jupyflux owns the namespace (renders its Namespace object)"),
                Some("remove `existingNamespace`".into()),
            );
        }
        if quota.servers == Some(0) {
            report.at(
                at(&["servers"]),
                format!("quota of namespace `{ns}`: `servers: 0` cannot hold even one server"),
                Some("allow at least 1 server, or remove the quota".into()),
            );
        }
        if let Some(hub) = hub
            && quota.servers.is_some()
            && quota.hub_other_pods(&hub.spec).is_none()
        {
            report.at(
                at(&["servers"]),
                format!("quota of namespace `{ns}`: Hub `{}`'s image pullers put a pod on every node into the namespace, and the quota's `pods` counts them: how many to leave them is not known", hub.name),
                Some("set `otherPods`: 2 × the nodes the pullers run on + 5 (hub, proxy, user scheduler's 2, hook awaiter), or turn the pullers off in the Hub: `prePuller: {enabled: false}`".into()),
            );
        }
        for (field, message, help) in
            bound_problems(quota.defaults.cpu.as_ref(), quota.defaults.memory.as_ref())
        {
            report.at(
                at(&["defaults", field[0], field[1]]),
                format!(
                    "quota of namespace `{ns}`, defaults.{}: {message}",
                    field[0]
                ),
                Some(help.into()),
            );
        }
        // Every kind of server that runs in the namespace, as `capacity` sees it: the rules matching each
        // profile's own users and groups applied, sidecars counted.
        let candidates: Vec<Candidate> = servers
            .iter()
            .filter_map(|server| {
                let storage = match &server.subject {
                    Subject::Profile { .. } => {
                        let definition = &env.hubs[server.index];
                        if definition.namespace() != ns {
                            return None;
                        }
                        hub_storage(&definition.spec)
                    }
                    Subject::Notebook { namespace, .. } => {
                        if namespace != ns {
                            return None;
                        }
                        match &env.notebooks[server.index].definition.spec.storage {
                            Some(NotebookStorage::New(volume)) => Some(volume.size.value()),
                            _ => None,
                        }
                    }
                };
                let what = match &server.subject {
                    Subject::Profile {
                        hub, profile: None, ..
                    } => format!("Hub `{hub}`"),
                    subject => subject.describe(" "),
                };
                Some(Candidate {
                    what,
                    server: takes(quota, &server.demand, storage),
                })
            })
            .collect();
        // One problem per field: the first of the biggest servers that does not fit.
        for (field, holds, needs) in quota.misfits(&biggest(&candidates)) {
            let worst = candidates.iter().find(|c| {
                quota
                    .misfits(&c.server)
                    .iter()
                    .any(|(f, _, n)| *f == field && *n == needs)
            });
            let what = worst.map_or("a server", |c| c.what.as_str());
            report.at(
                at(&[field]),
                format!("quota of namespace `{ns}`: {field} {holds} cannot hold even one server of {what}, which takes up to {needs}"),
                Some(format!("raise spec.quotas.{ns}.{field} to at least {needs}, or give that server less")),
            );
        }
    }
}

/// A server taking, of each resource, the most any candidate takes.
fn biggest(all: &[Candidate]) -> Server {
    let mut max = Server::default();
    for c in all {
        max.cpu = max.cpu.max(c.server.cpu);
        max.memory = max.memory.max(c.server.memory);
        max.gpus = max.gpus.max(c.server.gpus);
        max.storage = max.storage.max(c.server.storage);
    }
    max
}

/// The volume of each user of a hub: its `singleuser.storage.capacity` (the chart's 10Gi when unset) when the
/// chart makes one per user.
fn hub_storage(spec: &HubSpec) -> Option<f64> {
    let storage = &spec.singleuser.storage;
    match storage.kind {
        StorageKind::Dynamic => Some(
            storage
                .capacity
                .clone()
                .unwrap_or_else(|| Quantity::parse(CHART_VOLUME).expect("a quantity"))
                .value(),
        ),
        _ => None,
    }
}

/// What a server asking `demand` (its whole pod) takes of the quota ([`Quota::server`]).
fn takes(quota: &Quota, demand: &Demand, storage: Option<f64>) -> Server {
    let cores = |millicores: u64| millicores as f64 / 1000.0;
    quota.server(
        (cores(demand.cpu_request), demand.cpu_limit.map(cores)),
        (
            demand.memory_request as f64,
            demand.memory_limit.map(|b| b as f64),
        ),
        demand.gpus,
        storage,
    )
}

/// `a`, `b`, `c`, or `none`.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
