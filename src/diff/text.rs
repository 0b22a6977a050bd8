//! The terminal report of a [`TreeDiff`]: counts per environment, then one line per object and field.

use super::fields::{SHOWN_FIELDS, summary, text_diff};
use super::{ObjectChange, TreeDiff};
use crate::style::Style;
use std::fmt::Write;

/// The report, `base` naming what the work tree is compared with.
pub fn report(diff: &TreeDiff, base: &str, style: Style) -> String {
    let mut out = String::new();
    if diff.is_empty() {
        let _ = writeln!(out, "no changes to the rendered objects since {base}");
        return out;
    }
    let _ = writeln!(out, "changes to the rendered objects since {base}:");
    for env in &diff.environments {
        let _ = writeln!(
            out,
            "{}: {} added, {} removed, {} changed",
            env.environment,
            env.added(),
            env.removed(),
            env.changed()
        );
    }
    for env in diff.environments.iter().filter(|e| !e.changes.is_empty()) {
        let _ = writeln!(out, "\n{}:", env.environment);
        for change in &env.changes {
            let line = |mark: char| match change.file_note() {
                Some(path) => format!("  {mark} {}  {path}", change.id()),
                None => format!("  {mark} {}", change.id()),
            };
            match change {
                ObjectChange::Added { .. } => {
                    let _ = writeln!(out, "{}", style.added(&line('+')));
                }
                ObjectChange::Removed { .. } => {
                    let _ = writeln!(out, "{}", style.removed(&line('-')));
                }
                ObjectChange::Changed { fields, .. } => {
                    let _ = writeln!(out, "{}", style.changed(&line('~')));
                    for field in fields.iter().take(SHOWN_FIELDS) {
                        let _ = writeln!(out, "      {}: {}", field.path, summary(field));
                        if let Some(lines) = text_diff(field) {
                            for text_line in style.unified_diff(&lines).lines() {
                                let _ = writeln!(out, "        {text_line}");
                            }
                        }
                    }
                    if fields.len() > SHOWN_FIELDS {
                        let _ = writeln!(
                            out,
                            "      … and {} more fields",
                            fields.len() - SHOWN_FIELDS
                        );
                    }
                }
            }
        }
    }
    out
}
