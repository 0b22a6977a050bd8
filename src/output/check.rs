//! `render --check`: compare without writing, and show a unified diff of everything that is stale.

use super::plan::{Change, Plan};
use super::tree::Tree;
use similar::TextDiff;

/// A unified diff (disk → rendered) of every stale, missing or extra file in `plan`; empty when up to date.
pub fn diff(plan: &Plan, tree: &Tree) -> String {
    let mut out = String::new();
    for change in plan.stale() {
        let (path, old, new): (&str, &[u8], &[u8]) = match change {
            Change::Create { path } => (path, b"", tree.get(path).unwrap_or_default()),
            Change::Update { path, old } => (path, old, tree.get(path).unwrap_or_default()),
            Change::Remove { path, old } => (path, old, b""),
            Change::Foreign { .. } => continue,
        };
        let old = String::from_utf8_lossy(old);
        let new = String::from_utf8_lossy(new);
        let text = TextDiff::from_lines(old.as_ref(), new.as_ref());
        let (a, b) = match change {
            Change::Create { .. } => ("/dev/null".to_owned(), format!("b/{path}")),
            Change::Remove { .. } => (format!("a/{path}"), "/dev/null".to_owned()),
            _ => (format!("a/{path}"), format!("b/{path}")),
        };
        out.push_str(
            &text
                .unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string(),
        );
    }
    out
}
