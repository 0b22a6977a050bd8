//! Two notebooks in Git may not claim the same host and path: one Ingress would take the other's traffic. (The
//! controller checks the same at run time, for notebooks created outside Git.)

use super::node::{Loc, Node};
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::Environment;
use crate::notebook::config::ControllerConfig;
use std::collections::BTreeMap;

/// Report every notebook whose host and path prefix (defaults filled in, as rendered) an earlier one claims.
pub fn notebook_routes(env: &Environment, notebook_nodes: &[&Node], report: &mut Reporter) {
    let defaults = ControllerConfig::of(&env.name, &env.definition.spec).defaults;
    let mut claimed: BTreeMap<(String, String), (&str, Loc)> = BTreeMap::new();
    for (notebook, node) in env.notebooks.iter().zip(notebook_nodes) {
        let name = notebook.definition.name.as_str();
        let routing = defaults.apply(name, &notebook.definition.spec).routing;
        let host = routing.host.unwrap_or_default().to_ascii_lowercase();
        let path = routing.path_prefix.unwrap_or_default();
        let key = (host, path.trim_end_matches('/').to_owned());
        let loc = loc_at(node, &["spec", "routing", "pathPrefix"]);
        match claimed.get(&key) {
            Some((other, other_loc)) => {
                let at = report.location(*other_loc);
                let shown = if key.0.is_empty() { "any host" } else { &key.0 };
                report.at(
                    loc,
                    format!(
                        "Notebook `{name}`: host `{shown}` and path `{path}` are already Notebook `{other}`'s ({at})"
                    ),
                    Some("give each notebook its own `routing.pathPrefix` or `routing.host`".into()),
                );
            }
            None => {
                claimed.insert(key, (name, loc));
            }
        }
    }
}
