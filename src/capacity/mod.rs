//! Capacity: which node pools a user server can be scheduled on, how many fit a node, and what one costs per
//! hour. Pure: a [`Demand`] against a [`NodePool`] is a [`Fit`] or the reason it is [`Unfit`], as the Kubernetes
//! scheduler decides — by requests (guarantees), after what daemonsets request; limits only say how far a node
//! is overcommitted.

pub mod command;
pub mod demand;
pub mod report;

use crate::model::node_pool::{NodePool, Taint};
use crate::model::profile::{MatchExpression, Toleration};
use std::collections::BTreeMap;
use std::fmt;

pub use demand::{Server, Subject, servers};

/// What one user server asks of a node: requests and limits of its container, and where it may run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Demand {
    /// CPU request in millicores (the guarantee; Kubernetes takes the limit when only a limit is set).
    pub cpu_request: u64,
    pub cpu_limit: Option<u64>,
    /// Memory request in bytes.
    pub memory_request: u64,
    pub memory_limit: Option<u64>,
    /// GPUs: a whole number, request and limit at once.
    pub gpus: u32,
    pub tolerations: Vec<Toleration>,
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity: alternative terms (one must hold), each a list of expressions that all must.
    pub affinity: Vec<Vec<MatchExpression>>,
}

/// Why a server cannot run on a pool's nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum Unfit {
    /// A `NoSchedule` or `NoExecute` taint of the pool that no toleration of the server matches.
    Untolerated(Taint),
    /// The node selector requires label `key` = `value`; the pool's nodes have `found` (or lack the label).
    Selector {
        key: String,
        value: String,
        found: Option<String>,
    },
    /// No term of the required node affinity holds on the pool's labels; the first expression that fails.
    Affinity(MatchExpression),
    /// The server requests more of `resource` than one node has free after the daemonsets.
    TooBig {
        resource: &'static str,
        request: String,
        free: String,
    },
    /// The daemonsets take every pod slot of a node (`maxPods`).
    NoPodSlots,
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unfit::Untolerated(taint) => write!(f, "no toleration of taint `{taint}`"),
            Unfit::Selector {
                key,
                value,
                found: Some(found),
            } => write!(
                f,
                "nodeSelector `{key}: {value}`, nodes have `{key}: {found}`"
            ),
            Unfit::Selector { key, value, .. } => {
                write!(f, "nodeSelector `{key}: {value}`, nodes lack label `{key}`")
            }
            Unfit::Affinity(e) => write!(
                f,
                "required node affinity `{} {} [{}]` does not hold",
                e.key,
                e.operator,
                e.values.join(", ")
            ),
            Unfit::TooBig {
                resource,
                request,
                free,
            } => write!(f, "requests {request} {resource}, a node has {free} free"),
            Unfit::NoPodSlots => f.write_str("daemonsets take every pod slot of a node"),
        }
    }
}

/// How a server fits one pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Servers one node holds by their requests (what the scheduler places).
    pub per_node: u32,
    /// Servers one node holds with each using its limits (no overcommit); `None` when CPU or memory has no
    /// limit (a server may use a whole node).
    pub per_node_at_limit: Option<u32>,
    /// Price of a node-hour shared by `per_node` servers.
    pub cost_per_user_hour: Option<f64>,
    /// Servers the pool holds at once (`count` × `per_node`).
    pub users: Option<u64>,
}

/// Millicores of a CPU quantity.
pub fn millicores(value: f64) -> u64 {
    (value * 1000.0).round().max(0.0) as u64
}

/// Bytes of a memory quantity.
pub fn bytes(value: f64) -> u64 {
    value.round().max(0.0) as u64
}

/// Whether `demand` can be placed on `pool` (taints, node selector, required affinity), ignoring resources.
pub fn placement(demand: &Demand, pool: &NodePool) -> Result<(), Unfit> {
    for taint in pool.taints.iter().filter(|t| t.effect.excludes()) {
        if !demand.tolerations.iter().any(|t| tolerates(t, taint)) {
            return Err(Unfit::Untolerated(taint.clone()));
        }
    }
    for (key, value) in &demand.node_selector {
        let found = pool.labels.get(key);
        if found != Some(value) {
            return Err(Unfit::Selector {
                key: key.clone(),
                value: value.clone(),
                found: found.cloned(),
            });
        }
    }
    if !demand.affinity.is_empty() {
        let mut first_failure = None;
        for term in &demand.affinity {
            match term.iter().find(|e| !holds(e, &pool.labels)) {
                None => return Ok(()),
                Some(e) => {
                    first_failure.get_or_insert_with(|| e.clone());
                }
            }
        }
        return Err(Unfit::Affinity(first_failure.expect("a failing term")));
    }
    Ok(())
}

/// How `demand` fits `pool`: placement, then servers per node by requests and by limits, and the price.
pub fn fit(demand: &Demand, pool: &NodePool) -> Result<Fit, Unfit> {
    placement(demand, pool)?;
    let free_cpu = millicores(pool.cpu.value()).saturating_sub(
        pool.reserved
            .cpu
            .as_ref()
            .map_or(0, |q| millicores(q.value())),
    );
    let free_memory = bytes(pool.memory.quantity().value()).saturating_sub(
        pool.reserved
            .memory
            .as_ref()
            .map_or(0, |m| bytes(m.quantity().value())),
    );
    let free_pods = pool.max_pods.saturating_sub(pool.reserved.pods);
    if free_pods == 0 {
        return Err(Unfit::NoPodSlots);
    }
    let too_big = |resource, request: String, free: String| Unfit::TooBig {
        resource,
        request,
        free,
    };
    if demand.cpu_request > free_cpu {
        return Err(too_big(
            "CPU",
            cpu_text(demand.cpu_request),
            cpu_text(free_cpu),
        ));
    }
    if demand.memory_request > free_memory {
        return Err(too_big(
            "memory",
            memory_text(demand.memory_request),
            memory_text(free_memory),
        ));
    }
    if demand.gpus > pool.gpus {
        return Err(too_big(
            "GPUs",
            demand.gpus.to_string(),
            pool.gpus.to_string(),
        ));
    }
    let gpu_slots = (demand.gpus > 0).then(|| u64::from(pool.gpus / demand.gpus));
    let count = |cpu: u64, memory: u64| -> u32 {
        [
            Some(u64::from(free_pods)),
            (cpu > 0).then(|| free_cpu / cpu),
            (memory > 0).then(|| free_memory / memory),
            gpu_slots,
        ]
        .into_iter()
        .flatten()
        .min()
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    let per_node = count(demand.cpu_request, demand.memory_request);
    let per_node_at_limit = match (demand.cpu_limit, demand.memory_limit) {
        (Some(cpu), Some(memory)) => Some(count(cpu.max(demand.cpu_request), memory)),
        _ => None,
    };
    Ok(Fit {
        per_node,
        per_node_at_limit,
        cost_per_user_hour: pool.price_per_hour.map(|p| p / f64::from(per_node)),
        users: pool.count.map(|c| u64::from(c) * u64::from(per_node)),
    })
}

/// Kubernetes' `ToleratesTaint`.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect.name() {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        _ => {
            !key.is_empty()
                && toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
    }
}

/// Whether a node selector requirement holds for `labels`.
fn holds(expression: &MatchExpression, labels: &BTreeMap<String, String>) -> bool {
    let label = labels.get(&expression.key);
    let number = |s: &str| s.parse::<i64>().ok();
    let compare = |ordering: std::cmp::Ordering| {
        let found = label.and_then(|l| number(l));
        let bound = expression.values.first().and_then(|v| number(v));
        matches!((found, bound), (Some(f), Some(b)) if f.cmp(&b) == ordering)
    };
    match expression.operator.as_str() {
        "In" => label.is_some_and(|l| expression.values.contains(l)),
        "NotIn" => label.is_none_or(|l| !expression.values.contains(l)),
        "Exists" => label.is_some(),
        "DoesNotExist" => label.is_none(),
        "Gt" => compare(std::cmp::Ordering::Greater),
        "Lt" => compare(std::cmp::Ordering::Less),
        _ => false,
    }
}

/// Millicores as Kubernetes writes CPU: `2`, `500m`.
pub fn cpu_text(millicores: u64) -> String {
    if millicores.is_multiple_of(1000) {
        (millicores / 1000).to_string()
    } else {
        format!("{millicores}m")
    }
}

/// Bytes in the largest binary unit that keeps two decimals: `4Gi`, `1.5Gi`, `512Mi`.
pub fn memory_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            let text = format!("{value:.2}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            return format!("{text}{unit}");
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests;
