//! The capacity report of one environment: every user server against every node pool, printed as a table for a
//! terminal, Markdown for a merge request, or JSON for scripts.

use super::{Demand, Fit, Server, Unfit, cpu_text, fit, memory_text, servers};
use crate::explain::tenant::{self, Tenant};
use crate::model::Environment;
use crate::model::node_pool::NodePool;
use serde_json::{Value, json};
use std::fmt::Write;

/// One server and how it fits each pool (in the order the Environment lists them).
pub struct Row<'a> {
    pub server: Server,
    pub pools: Vec<(&'a NodePool, Result<Fit, Unfit>)>,
}

impl Row<'_> {
    /// Whether no pool can run the server.
    pub fn fits_nowhere(&self) -> bool {
        !self.pools.is_empty() && self.pools.iter().all(|(_, f)| f.is_err())
    }
}

/// Every server of `env` against every pool.
pub fn rows(env: &Environment) -> Vec<Row<'_>> {
    let pools = &env.definition.spec.node_pools;
    servers(env)
        .into_iter()
        .map(|server| Row {
            pools: pools.iter().map(|p| (p, fit(&server.demand, p))).collect(),
            server,
        })
        .collect()
}

fn requests(d: &Demand) -> String {
    let mut text = format!(
        "{} CPU, {}",
        cpu_text(d.cpu_request),
        memory_text(d.memory_request)
    );
    if d.gpus > 0 {
        let _ = write!(text, ", {} GPU", d.gpus);
    }
    text
}

fn limits(d: &Demand) -> String {
    let cpu = d.cpu_limit.map_or("none".into(), cpu_text);
    let memory = d.memory_limit.map_or("none".into(), memory_text);
    format!("{cpu} CPU, {memory}")
}

fn money(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.4}"))
}

/// The cells of each line: one per server and pool it fits, or one saying it fits none.
fn cells(rows: &[Row<'_>]) -> Vec<[String; 8]> {
    let mut lines = Vec::new();
    for row in rows {
        let d = &row.server.demand;
        let head = [row.server.subject.to_string(), requests(d), limits(d)];
        let fitting: Vec<_> = row
            .pools
            .iter()
            .filter_map(|(p, f)| f.as_ref().ok().map(|f| (p, f)))
            .collect();
        if fitting.is_empty() {
            let why: Vec<String> = row
                .pools
                .iter()
                .filter_map(|(p, f)| {
                    f.as_ref()
                        .err()
                        .map(|e| format!("{}: {e}", p.name.as_str()))
                })
                .collect();
            let [a, b, c] = head;
            lines.push([
                a,
                b,
                c,
                "NONE".into(),
                why.join("; "),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        for (pool, f) in fitting {
            let [a, b, c] = head.clone();
            lines.push([
                a,
                b,
                c,
                pool.name.to_string(),
                f.per_node.to_string(),
                f.per_node_at_limit
                    .map_or("no limit".into(), |n| n.to_string()),
                money(f.cost_per_user_hour),
                f.users.map_or("-".into(), |n| n.to_string()),
            ]);
        }
    }
    lines
}

const HEADER: [&str; 8] = [
    "SERVER",
    "REQUESTS",
    "LIMITS",
    "POOL",
    "PER NODE",
    "AT LIMIT",
    "COST/USER-HOUR",
    "USERS",
];

/// A table with aligned columns.
pub fn text(env: &Environment, rows: &[Row<'_>]) -> String {
    let mut out = format!("Environment `{}`\n", env.name);
    if env.definition.spec.node_pools.is_empty() {
        out.push_str(
            "no nodePools: add them to the Environment to check capacity (docs/capacity.md)\n",
        );
        out.push_str(&quotas_text(&tenant::all(env)));
        return out;
    }
    let lines = cells(rows);
    let mut widths = HEADER.map(str::len);
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut print = |cells: &[&str]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    print(&HEADER);
    for line in &lines {
        print(&line.each_ref().map(String::as_str));
    }
    out.push_str(&quotas_text(&tenant::all(env)));
    out
}

/// The quotas of the environment, one paragraph per namespace: what all its servers together may use at most.
fn quotas_text(quotas: &[Tenant]) -> String {
    let mut out = String::new();
    for quota in quotas {
        let _ = writeln!(
            out,
            "\nQuota of namespace `{}` (all its pods together, at most):",
            quota.namespace
        );
        let width = quota
            .rows
            .iter()
            .map(|(what, _)| what.chars().count())
            .max()
            .unwrap_or(0);
        for (what, most) in &quota.rows {
            let _ = writeln!(out, "  {what:<width$}  {most}");
        }
    }
    out
}

/// A Markdown table per environment.
pub fn markdown(env: &Environment, rows: &[Row<'_>]) -> String {
    let mut out = format!("### Capacity of `{}`\n\n", env.name);
    if env.definition.spec.node_pools.is_empty() {
        out.push_str("No `nodePools`.\n");
    } else {
        let _ = writeln!(out, "| {} |", HEADER.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(HEADER.len()));
        for line in cells(rows) {
            let escaped = line.map(|c| c.replace('|', "\\|"));
            let _ = writeln!(out, "| {} |", escaped.join(" | "));
        }
    }
    for quota in tenant::all(env) {
        let _ = writeln!(
            out,
            "\nQuota of namespace `{}` (all its pods together, at most):\n\n| what | at most |\n|---|---|",
            quota.namespace
        );
        for (what, most) in &quota.rows {
            let _ = writeln!(out, "| {what} | {most} |");
        }
    }
    out
}

/// One JSON object: the pools and, per server, its requests, limits and each pool's fit or reason.
pub fn json(env: &Environment, rows: &[Row<'_>]) -> Value {
    let pools: Vec<Value> = env
        .definition
        .spec
        .node_pools
        .iter()
        .map(|p| {
            json!({
                "name": p.name.as_str(), "cpu": p.cpu.as_str(), "memory": p.memory.to_string(), "gpus": p.gpus,
                "pricePerHour": p.price_per_hour, "count": p.count,
            })
        })
        .collect();
    let servers: Vec<Value> = rows
        .iter()
        .map(|row| {
            let d = &row.server.demand;
            let mut server = match &row.server.subject {
                super::Subject::Profile {
                    hub,
                    profile,
                    size,
                    choice,
                } => {
                    let mut server = json!({"hub": hub, "profile": profile, "size": size});
                    if let Some((option, choice)) = choice {
                        server["option"] = json!(option);
                        server["choice"] = json!(choice);
                    }
                    server
                }
                super::Subject::Notebook { namespace, name } => {
                    json!({"notebook": name, "namespace": namespace})
                }
            };
            server["requests"] = json!({"cpu": cpu_text(d.cpu_request), "memory": memory_text(d.memory_request), "gpus": d.gpus});
            server["limits"] = json!({"cpu": d.cpu_limit.map(cpu_text), "memory": d.memory_limit.map(memory_text), "gpus": d.gpus});
            server["pools"] = row
                .pools
                .iter()
                .map(|(p, f)| match f {
                    Ok(f) => json!({
                        "pool": p.name.as_str(), "fits": true, "perNode": f.per_node,
                        "perNodeAtLimit": f.per_node_at_limit, "costPerUserHour": f.cost_per_user_hour,
                        "users": f.users,
                    }),
                    Err(e) => json!({"pool": p.name.as_str(), "fits": false, "reason": e.to_string()}),
                })
                .collect();
            server["fits"] = json!(!row.fits_nowhere());
            server
        })
        .collect();
    let quotas: Vec<Value> = tenant::all(env).iter().map(Tenant::json).collect();
    json!({"environment": env.name, "pools": pools, "servers": servers, "quotas": quotas})
}
