//! The user servers of an environment as [`Demand`]s: every hub profile × size (as the profile's own users and
//! groups get it, after the rules), a hub without profiles as its single-user defaults, and every notebook.

use super::{Demand, bytes, millicores};
use crate::model::hub::HubSpec;
use crate::model::profile::{MatchExpression, Toleration};
use crate::model::quantity::{Memory, Quantity};
use crate::model::selection::{Selection, Sourced};
use crate::model::{Definition, Environment};
use crate::notebook::NotebookSpec;
use crate::notebook::children::DEFAULT_LIMITS;
use std::collections::BTreeMap;

/// The chart's `singleuser.memory.guarantee`, which applies while nothing sets another guarantee.
pub const CHART_MEMORY_GUARANTEE: &str = "1G";

/// What the sidecars of a server's pod add to it, in millicores and bytes. Kubernetes requests a container's
/// limit when it sets no request; a sidecar without a limit counts with its request at limit too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sidecars {
    pub cpu_request: u64,
    pub cpu_limit: u64,
    pub memory_request: u64,
    pub memory_limit: u64,
}

impl Sidecars {
    /// The sum of `containers`' requests and limits.
    pub fn of(containers: &[k8s_openapi::api::core::v1::Container]) -> Sidecars {
        let mut total = Sidecars::default();
        for container in containers {
            let resources = container.resources.as_ref();
            let requests = resources.and_then(|r| r.requests.as_ref());
            let limits = resources.and_then(|r| r.limits.as_ref());
            for (key, request, limit) in [
                ("cpu", &mut total.cpu_request, &mut total.cpu_limit),
                ("memory", &mut total.memory_request, &mut total.memory_limit),
            ] {
                let scale = |v: f64| {
                    if key == "cpu" {
                        millicores(v)
                    } else {
                        bytes(v)
                    }
                };
                let l = amount_of(limits, key).map(scale);
                let r = amount_of(requests, key).map(scale).or(l).unwrap_or(0);
                *request += r;
                *limit += l.unwrap_or(r);
            }
        }
        total
    }

    /// The oauth2-proxy in front of an OIDC notebook.
    pub fn oauth2_proxy() -> Sidecars {
        let [(cpu_request, memory_request), (cpu_limit, memory_limit)] =
            crate::notebook::proxy::PROXY_RESOURCES;
        let cpu = |q: &str| millicores(Quantity::parse(q).expect("a quantity").value());
        let memory = |q: &str| bytes(Quantity::parse(q).expect("a quantity").value());
        Sidecars {
            cpu_request: cpu(cpu_request),
            cpu_limit: cpu(cpu_limit),
            memory_request: memory(memory_request),
            memory_limit: memory(memory_limit),
        }
    }

    /// `demand` with the sidecars' requests and limits added (a server without a limit stays unbounded).
    pub fn added_to(self, mut demand: Demand) -> Demand {
        demand.cpu_request += self.cpu_request;
        demand.memory_request += self.memory_request;
        demand.cpu_limit = demand.cpu_limit.map(|l| l + self.cpu_limit);
        demand.memory_limit = demand.memory_limit.map(|l| l + self.memory_limit);
        demand
    }
}

/// The amount of `key` in a container's requests or limits.
fn amount_of(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    key: &str,
) -> Option<f64> {
    map.and_then(|m| m.get(key))
        .and_then(|q| Quantity::parse(&q.0).ok())
        .map(|q| q.value())
}

/// The sidecars of a hub's servers with `profile`: its own `extraContainers` when it has some (KubeSpawner
/// replaces the list), else `singleuser.extraContainers`.
pub fn hub_sidecars(spec: &HubSpec, profile: Option<&crate::model::profile::Profile>) -> Sidecars {
    match profile {
        Some(p) if !p.extra_containers.is_empty() => Sidecars::of(&p.extra_containers),
        _ => Sidecars::of(&spec.singleuser.extra_containers),
    }
}

/// The sidecars of a notebook's pod: the oauth2-proxy when it logs in with OIDC.
pub fn notebook_sidecars(spec: &NotebookSpec) -> Sidecars {
    match spec.auth {
        Some(crate::notebook::spec::NotebookAuth::Oidc(_)) => Sidecars::oauth2_proxy(),
        _ => Sidecars::default(),
    }
}

/// What a server is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A hub's spawn-page entry (`None`: the hub has no profiles, the single-user defaults) with one size, and
    /// with one choice of one of its options when that choice sets resources (`(option, choice)` keys; the
    /// other options at their defaults).
    Profile {
        hub: String,
        profile: Option<String>,
        size: Option<String>,
        choice: Option<(String, String)>,
    },
    /// A standalone notebook.
    Notebook { namespace: String, name: String },
}

impl Subject {
    /// The server in a sentence, its hub and entry apart by `separator`: `Hub `h`: profile `p` size `s``.
    pub fn describe(&self, separator: &str) -> String {
        match self {
            Subject::Profile {
                hub,
                profile,
                size,
                choice,
            } => {
                let mut text = format!("Hub `{hub}`{separator}");
                match profile {
                    Some(slug) => text.push_str(&format!("profile `{slug}`")),
                    None => text.push_str("the single-user server"),
                }
                if let Some(size) = size {
                    text.push_str(&format!(" size `{size}`"));
                }
                if let Some((option, choice)) = choice {
                    text.push_str(&format!(" {option} `{choice}`"));
                }
                text
            }
            Subject::Notebook { namespace, name } => format!("Notebook `{namespace}/{name}`"),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(": "))
    }
}

/// One kind of user server, where it is defined, and what it asks of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    pub subject: Subject,
    /// Index of its hub in `Environment::hubs`, or of its notebook in `Environment::notebooks`.
    pub index: usize,
    /// Path of the entry in its definition (where a problem about it is reported).
    pub path: Vec<String>,
    pub demand: Demand,
}

/// Every kind of user server of `env`, hubs first (in name order, entries in file order), then notebooks.
pub fn servers(env: &Environment) -> Vec<Server> {
    let mut servers = Vec::new();
    for (index, hub) in env.hubs.iter().enumerate() {
        hub_servers(hub, index, &mut servers);
    }
    for (index, notebook) in env.notebooks.iter().enumerate() {
        let definition = &notebook.definition;
        servers.push(Server {
            subject: Subject::Notebook {
                namespace: notebook.namespace.clone(),
                name: definition.name.clone(),
            },
            index,
            path: vec!["spec".into(), "resources".into()],
            demand: notebook_sidecars(&definition.spec).added_to(notebook_demand(&definition.spec)),
        });
    }
    servers
}

fn hub_servers(hub: &Definition<HubSpec>, index: usize, servers: &mut Vec<Server>) {
    let spec = &hub.spec;
    let subject = |profile: Option<&str>, size: Option<&str>| Subject::Profile {
        hub: hub.name.clone(),
        profile: profile.map(str::to_owned),
        size: size.map(str::to_owned),
        choice: None,
    };
    if spec.profiles.is_empty() {
        let selection = Selection::of(spec, "", &[], None, &BTreeMap::new());
        servers.push(Server {
            subject: subject(None, None),
            index,
            path: vec!["spec".into(), "singleuser".into()],
            demand: hub_sidecars(spec, None).added_to(hub_demand(&selection)),
        });
        return;
    }
    for (i, profile) in spec.profiles.iter().enumerate() {
        // As the entry's own audience gets it: its first user (if it names users) in its groups.
        let user = profile.users.first().map_or("", String::as_str);
        let path = |rest: &[String]| {
            let mut path = vec!["spec".to_owned(), "profiles".to_owned(), i.to_string()];
            path.extend_from_slice(rest);
            path
        };
        let sizes: Vec<(usize, &str)> = profile
            .sizes
            .iter()
            .enumerate()
            .filter(|(_, s)| spec.size(s).is_some())
            .map(|(j, s)| (j, s.as_str()))
            .collect();
        if sizes.is_empty() {
            let selection =
                Selection::of(spec, user, &profile.groups, Some(profile), &BTreeMap::new());
            servers.push(Server {
                subject: subject(Some(&profile.slug), None),
                index,
                path: path(&[]),
                demand: hub_sidecars(spec, Some(profile)).added_to(hub_demand(&selection)),
            });
        }
        for (j, size) in &sizes {
            let picks = BTreeMap::from([("size".to_owned(), (*size).to_owned())]);
            let selection = Selection::of(spec, user, &profile.groups, Some(profile), &picks);
            servers.push(Server {
                subject: subject(Some(&profile.slug), Some(size)),
                index,
                path: path(&["sizes".to_owned(), j.to_string()]),
                demand: hub_sidecars(spec, Some(profile)).added_to(hub_demand(&selection)),
            });
        }
        // A choice that sets resources is a server of its own (with each size), the other options at their
        // defaults; a default choice is already in the rows above.
        let size_picks: Vec<Option<&str>> = if sizes.is_empty() {
            vec![None]
        } else {
            sizes.iter().map(|(_, s)| Some(*s)).collect()
        };
        for (j, option) in profile.options.iter().enumerate() {
            for (k, choice) in option.choices.iter().enumerate() {
                if choice.default || choice.resources.is_empty() {
                    continue;
                }
                for size in &size_picks {
                    let mut picks = BTreeMap::from([(option.key.clone(), choice.key.clone())]);
                    if let Some(size) = size {
                        picks.insert("size".to_owned(), (*size).to_owned());
                    }
                    let selection =
                        Selection::of(spec, user, &profile.groups, Some(profile), &picks);
                    servers.push(Server {
                        subject: Subject::Profile {
                            hub: hub.name.clone(),
                            profile: Some(profile.slug.clone()),
                            size: size.map(str::to_owned),
                            choice: Some((option.key.clone(), choice.key.clone())),
                        },
                        index,
                        path: path(&[
                            "options".to_owned(),
                            j.to_string(),
                            "choices".to_owned(),
                            k.to_string(),
                            "resources".to_owned(),
                        ]),
                        demand: hub_sidecars(spec, Some(profile)).added_to(hub_demand(&selection)),
                    });
                }
            }
        }
    }
}

/// A quantity of a selection, as a number.
fn amount(value: &Option<Sourced<String>>) -> Option<f64> {
    value
        .as_ref()
        .and_then(|v| Quantity::parse(&v.value).ok())
        .map(|q| q.value())
}

/// What a hub's server asks: KubeSpawner sets the guarantees as requests and the limits as limits; without a CPU
/// guarantee Kubernetes requests the limit; the memory guarantee is the chart's 1G unless something sets one.
fn hub_demand(selection: &Selection<'_>) -> Demand {
    let cpu_limit = amount(&selection.cpu_limit).map(millicores);
    let cpu_request = amount(&selection.cpu_guarantee)
        .map(millicores)
        .or(cpu_limit)
        .unwrap_or(0);
    let memory_limit = amount(&selection.memory_limit).map(bytes);
    let chart = bytes(
        Memory::parse(CHART_MEMORY_GUARANTEE)
            .expect("memory")
            .quantity()
            .value(),
    );
    let memory_request = amount(&selection.memory_guarantee)
        .map(bytes)
        .unwrap_or_else(|| memory_limit.map_or(chart, |l| l.min(chart)));
    Demand {
        cpu_request,
        cpu_limit,
        memory_request,
        memory_limit,
        gpus: selection.gpus.as_ref().map_or(0, |g| g.value),
        tolerations: selection
            .tolerations
            .iter()
            .map(|t| t.value.clone())
            .collect(),
        node_selector: selection
            .node_selector
            .iter()
            .map(|(k, v)| (k.clone(), v.value.to_owned()))
            .collect(),
        affinity: selection
            .node_affinity
            .iter()
            .map(|term| term.iter().map(|e| e.value.clone()).collect())
            .collect(),
    }
}

/// What a notebook's server asks: requests from the guarantees (else the limits), limits from the limits (else
/// the guarantees, else the controller's defaults).
pub fn notebook_demand(spec: &NotebookSpec) -> Demand {
    let r = &spec.resources;
    let cpu = r.cpu.as_ref();
    let cpu_guarantee = cpu
        .and_then(|b| b.guarantee.as_ref())
        .map(|q| millicores(q.value()));
    let cpu_limit = cpu
        .and_then(|b| b.limit.as_ref())
        .map(|q| millicores(q.value()))
        .or(cpu_guarantee)
        .unwrap_or_else(|| millicores(Quantity::parse(DEFAULT_LIMITS.0).expect("cpu").value()));
    let memory = r.memory.as_ref();
    let value = |m: &Memory| bytes(m.quantity().value());
    let memory_guarantee = memory.and_then(|b| b.guarantee.as_ref()).map(value);
    let memory_limit = memory
        .and_then(|b| b.limit.as_ref())
        .map(value)
        .or(memory_guarantee)
        .unwrap_or_else(|| value(&Memory::parse(DEFAULT_LIMITS.1).expect("memory")));
    let affinity = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|required| {
            required
                .node_selector_terms
                .iter()
                .map(|term| {
                    term.match_expressions
                        .iter()
                        .flatten()
                        .map(|e| MatchExpression {
                            key: e.key.clone(),
                            operator: e.operator.clone(),
                            values: e.values.clone().unwrap_or_default(),
                        })
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    Demand {
        cpu_request: cpu_guarantee.unwrap_or(cpu_limit),
        cpu_limit: Some(cpu_limit),
        memory_request: memory_guarantee.unwrap_or(memory_limit),
        memory_limit: Some(memory_limit),
        gpus: 0,
        tolerations: spec
            .tolerations
            .iter()
            .map(|t| Toleration {
                key: t.key.clone(),
                operator: t.operator.clone(),
                value: t.value.clone(),
                effect: t.effect.clone(),
                toleration_seconds: t.toleration_seconds,
            })
            .collect(),
        node_selector: spec.node_selector.clone(),
        affinity,
    }
}
