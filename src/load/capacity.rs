//! Checks of an Environment's `nodePools`, and that every profile, size and notebook fits one of them (else
//! its server never spawns). Without node pools nothing is checked.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::capacity::{Subject, fit, servers};
use crate::model::Environment;
use std::collections::BTreeSet;

/// Validate `env`'s node pools and the fit of its servers; `hub_nodes` and `notebook_nodes` are the merged
/// documents in the order of `env.hubs` and `env.notebooks`.
pub fn validate(
    env: &Environment,
    env_node: &Node,
    hub_nodes: &[&Node],
    notebook_nodes: &[&Node],
    report: &mut Reporter,
) {
    let pools = &env.definition.spec.node_pools;
    if pools.is_empty() {
        return;
    }
    let mut names = BTreeSet::new();
    let mut sound = true;
    for (i, pool) in pools.iter().enumerate() {
        let at = |field: &str| loc_at(env_node, &["spec", "nodePools", &i.to_string(), field]);
        if !names.insert(pool.name.as_str()) {
            sound = false;
            report.at(
                at("name"),
                format!(
                    "Environment `{}`: node pool `{}` is defined twice",
                    env.name,
                    pool.name.as_str()
                ),
                Some("give each pool its own name".into()),
            );
        }
        if pool
            .price_per_hour
            .is_some_and(|p| !(p.is_finite() && p >= 0.0))
        {
            sound = false;
            report.at(
                at("pricePerHour"),
                format!(
                    "Environment `{}`: node pool `{}` has a negative price",
                    env.name,
                    pool.name.as_str()
                ),
                Some("write the price of one node for one hour, zero or more, e.g. `0.38`".into()),
            );
        }
        for (what, reserved, allocatable) in [
            (
                "cpu",
                pool.reserved.cpu.as_ref().map(|q| q.value()),
                pool.cpu.value(),
            ),
            (
                "memory",
                pool.reserved.memory.as_ref().map(|m| m.quantity().value()),
                pool.memory.quantity().value(),
            ),
        ] {
            if reserved.is_some_and(|r| r >= allocatable) {
                sound = false;
                report.at(
                    loc_at(env_node, &["spec", "nodePools", &i.to_string(), "reserved", what]),
                    format!(
                        "Environment `{}`: node pool `{}` reserves all its allocatable {what} for daemonsets",
                        env.name,
                        pool.name.as_str()
                    ),
                    Some(format!("`reserved.{what}` is what daemonsets request on each node: less than `{what}`")),
                );
            }
        }
    }
    if !sound {
        return;
    }
    for server in servers(env) {
        let results: Vec<_> = pools.iter().map(|p| (p, fit(&server.demand, p))).collect();
        if results.iter().any(|(_, f)| f.is_ok()) {
            continue;
        }
        let node = match server.subject {
            Subject::Profile { .. } => hub_nodes.get(server.index),
            Subject::Notebook { .. } => notebook_nodes.get(server.index),
        };
        let Some(node) = node else { continue };
        let reasons: Vec<String> = results
            .iter()
            .filter_map(|(p, f)| {
                f.as_ref()
                    .err()
                    .map(|e| format!("pool `{}`: {e}", p.name.as_str()))
            })
            .collect();
        report.at(
            loc_at(node, &server.path),
            format!(
                "{} fits no node pool of environment `{}`: its server would never spawn",
                server.subject, env.name
            ),
            Some(format!(
                "{}; lower its resources, fix its tolerations or node selector, or add a node pool it fits",
                reasons.join("; ")
            )),
        );
    }
}
