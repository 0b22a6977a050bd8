//! The import report, as a person reads it: per hub what became typed, what stayed under `values`, what
//! jupyflux changes on purpose (one line each) and what needs a person.

use super::fidelity::Difference;
use super::{HubImport, Imported};
use std::fmt::Write;

/// The report of an import.
pub fn render_report(imported: &Imported) -> String {
    let mut out = String::new();
    if let Some(path) = &imported.environment {
        let _ = writeln!(out, "created {path} (check its domain)");
    }
    for hub in &imported.hubs {
        hub_report(&mut out, hub);
    }
    let typed: usize = imported.hubs.iter().map(|h| h.typed_leaves).sum();
    let raw: usize = imported.hubs.iter().map(|h| h.raw_leaves).sum();
    if imported.hubs.len() > 1 {
        let _ = writeln!(
            out,
            "\nall hubs: {typed} of {} chart values typed ({})",
            typed + raw,
            percent(typed, typed + raw)
        );
    }
    out
}

/// `n / total` as a percentage with one decimal.
pub fn percent(n: usize, total: usize) -> String {
    if total == 0 {
        return "100.0%".into();
    }
    format!("{:.1}%", n as f64 * 100.0 / total as f64)
}

fn hub_report(out: &mut String, hub: &HubImport) {
    let total = hub.typed_leaves + hub.raw_leaves;
    let _ = writeln!(
        out,
        "\nHub `{}` ← {} (chart {}) → {}",
        hub.name, hub.from, hub.chart_version, hub.file
    );
    let _ = writeln!(
        out,
        "  typed: {} of {total} chart values ({}): {}",
        hub.typed_leaves,
        percent(hub.typed_leaves, total),
        if hub.typed.is_empty() {
            "nothing".to_owned()
        } else {
            hub.typed.join(", ")
        }
    );
    if hub.dropped_leaves > 0 {
        let _ = writeln!(
            out,
            "  left out on purpose: {} values (listed below)",
            hub.dropped_leaves
        );
    }
    if !hub.raw.is_empty() {
        let shown: Vec<String> = hub.raw.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "  kept under values ({} values): {}",
            hub.raw_leaves,
            shown.join(", ")
        );
    }
    for (what, why) in &hub.refused {
        let _ = writeln!(out, "  not typed: {what}: {why}");
    }
    if !hub.deliberate.is_empty() || !hub.release_changes.is_empty() {
        let _ = writeln!(out, "  jupyflux changes on purpose:");
        for change in &hub.release_changes {
            let _ = writeln!(out, "    {change}");
        }
        let mut seen = Vec::new();
        for (path, why) in &hub.deliberate {
            if !seen.contains(&why) {
                seen.push(why);
                let _ = writeln!(out, "    {path}: {why}");
            }
        }
    }
    if !hub.needs.is_empty() || !hub.notes.is_empty() {
        let _ = writeln!(out, "  needs a person:");
        for need in &hub.needs {
            let _ = writeln!(out, "    {}: {}", need.path, need.why);
        }
        for note in &hub.notes {
            let _ = writeln!(out, "    {note}");
        }
    }
    for d in &hub.unexplained {
        if let Difference::Unexplained { path, .. } = d {
            let _ = writeln!(out, "  differs from the original (please report): {path}");
        }
    }
}
