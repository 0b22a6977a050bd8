//! The checks `jupyflux validate` runs after loading, on each hub's rendered objects: its `spec.patches`
//! applied as Kustomize would ([`crate::patch`]), and its chart values checked against the chart's
//! `values.schema.json` when `spec.chart.schema` names one ([`crate::chart_values`]). `render` does not run
//! them: they read chart files and cost more than rendering. Problems point at the hub's definition file.

mod objects;
mod values;

pub use objects::{apply_patches, hub_objects, release};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::node::{Loc, Node};
use crate::load::{Located, loc_at};
use crate::model::Model;
use crate::output::Tree;
use std::path::Path;

/// Every problem the checks find in `model` (loaded from `root` with [`crate::load::load_located`]) and its
/// rendered `tree`, sorted.
pub fn check(root: &Path, model: &Model, located: &Located, tree: &Tree) -> Diagnostics {
    let mut problems = Diagnostics::default();
    let mut charts = values::Charts::new(root);
    for env in &model.environments {
        for hub in &env.hubs {
            let Some(node) = located.hubs.get(&(env.name.clone(), hub.name.clone())) else {
                continue;
            };
            let at = |loc: Loc| located.location(loc);
            let mut objects = hub_objects(tree, &env.name, &hub.name);
            for (index, error) in apply_patches(hub, &mut objects) {
                let index = index.to_string();
                let loc = loc_at(node, &["spec", "patches", &index]);
                let message = format!("Hub `{}`, spec.patches[{index}]: {error}", hub.name);
                problems.push(Diagnostic::new(at(loc), message).with_help(error.help()));
            }
            if let Some(release) = release(&objects, &hub.name) {
                charts.check(hub, release, node, &at, &mut problems);
            }
        }
    }
    problems.finish()
}

/// The location of the key `path` ends with (of the item, in a list), when the whole path exists.
fn key_loc(node: &Node, path: &[&str]) -> Option<Loc> {
    let (last, parents) = path.split_last()?;
    let mut parent = node;
    for key in parents {
        parent = parent.get(key)?;
    }
    match parent.entry(last) {
        Some(entry) => Some(entry.key_loc),
        None => parent.get(last).map(|n| n.loc),
    }
}
