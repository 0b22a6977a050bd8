//! The merge-request comment form of a [`TreeDiff`]: a summary table, then one `<details>` per object.

use super::fields::{SHOWN_FIELDS, show, text_diff};
use super::{ObjectChange, TreeDiff};
use std::fmt::Write;

/// The Markdown report, `base` naming what the work tree is compared with.
pub fn report(diff: &TreeDiff, base: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### jupyflux diff against `{base}`\n");
    if diff.is_empty() {
        out.push_str("No changes to the rendered objects.\n");
        return out;
    }
    out.push_str("| environment | added | removed | changed |\n|---|---:|---:|---:|\n");
    for env in &diff.environments {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            env.environment,
            env.added(),
            env.removed(),
            env.changed()
        );
    }
    for env in diff.environments.iter().filter(|e| !e.changes.is_empty()) {
        let _ = writeln!(out, "\n#### {}\n", env.environment);
        for change in &env.changes {
            object_section(change, &mut out);
        }
    }
    out
}

fn object_section(change: &ObjectChange, out: &mut String) {
    let (mark, what) = match change {
        ObjectChange::Added { .. } => ("➕", "added".to_owned()),
        ObjectChange::Removed { .. } => ("➖", "removed".to_owned()),
        ObjectChange::Changed { fields, .. } => {
            ("✏️", format!("{} field(s) changed", fields.len()))
        }
    };
    let _ = writeln!(
        out,
        "<details><summary>{mark} <code>{}</code>: {what}</summary>\n",
        html(&change.id().to_string())
    );
    if let Some(path) = change.file_note() {
        let _ = writeln!(out, "File: `{path}`\n");
    }
    if let ObjectChange::Added { content, .. } = change {
        // The whole new object, as it is written (secrets are references: nothing here is secret).
        let yaml = crate::output::emit::yaml(content);
        let lines = yaml.lines().count();
        if lines <= SHOWN_LINES {
            let fence = "`".repeat(3.max(longest_backtick_run(&yaml) + 1));
            let _ = writeln!(out, "{fence}yaml\n{yaml}{fence}\n");
        } else {
            let _ = writeln!(
                out,
                "({lines} lines: read it in the merge request's files)\n"
            );
        }
    }
    if let ObjectChange::Changed { fields, .. } = change {
        out.push_str("| field | before | after |\n|---|---|---|\n");
        let mut texts = Vec::new();
        for field in fields.iter().take(SHOWN_FIELDS) {
            match text_diff(field) {
                Some(lines) => {
                    let _ = writeln!(
                        out,
                        "| {} | (text, below) | (text, below) |",
                        code(&field.path)
                    );
                    texts.push((&field.path, lines));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        code(&field.path),
                        value_cell(field.before.as_ref()),
                        value_cell(field.after.as_ref())
                    );
                }
            }
        }
        if fields.len() > SHOWN_FIELDS {
            let _ = writeln!(out, "\n… and {} more fields", fields.len() - SHOWN_FIELDS);
        }
        for (path, lines) in texts {
            let _ = writeln!(out, "\n{}:\n\n```diff\n{lines}```", code(path));
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
}

fn value_cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "*(absent)*".to_owned(),
        Some(v) => code(&show(Some(v))),
    }
}

/// Inline code that survives a table cell: pipes escaped, a fence longer than any backtick run inside.
fn code(text: &str) -> String {
    let text = text.replace('|', "\\|");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// An added object longer than this is not shown in full.
const SHOWN_LINES: usize = 200;

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_tables() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
    }
}
