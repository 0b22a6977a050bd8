//! Checks of every hub and notebook of an environment against the Environment's `policy`: the rules
//! ([`crate::model::policy_rules`]) placed at the file, line and column of the field that breaks them.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::Environment;
use crate::model::policy_rules::{hub_problems, notebook_problems};
use crate::notebook::Problem;

/// Check every hub and notebook of `env` against its policy; the nodes are in the order of `env.hubs` and
/// `env.notebooks`.
pub fn validate(
    env: &Environment,
    hub_nodes: &[&Node],
    notebook_nodes: &[&Node],
    report: &mut Reporter,
) {
    let Some(policy) = &env.definition.spec.policy else {
        return;
    };
    for (hub, node) in env.hubs.iter().zip(hub_nodes) {
        let what = format!("Hub `{}`", hub.name);
        place(&what, hub_problems(policy, hub, &env.name), node, report);
    }
    let proxy = env.definition.spec.controller.oauth2_proxy_image.as_str();
    for (notebook, node) in env.notebooks.iter().zip(notebook_nodes) {
        let what = format!(
            "Notebook `{}/{}`",
            notebook.namespace, notebook.definition.name
        );
        let problems = notebook_problems(policy, &notebook.definition.spec, proxy, &env.name);
        place(&what, problems, node, report);
    }
}

/// Report `problems` of the definition `what` at their fields in `node`.
fn place(what: &str, problems: Vec<Problem>, node: &Node, report: &mut Reporter) {
    for problem in problems {
        let loc = loc_at(node, &problem.path);
        report.at(
            loc,
            format!("{what}: {}", problem.message),
            Some(problem.help),
        );
    }
}
