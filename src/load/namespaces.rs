//! Checks of the namespaces an environment's definitions run in: none owns a namespace that is Kubernetes', Flux's,
//! the notebook controller's or `default`; an existing namespace is used only where a definition says it exists
//! (a hub's `namespace: {name, managed: false}`, the Environment's `existingNamespaces` for notebooks); a hub's
//! namespace is its own.

use super::node::{Loc, Node};
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::namespace::{Reserved, cluster_reserved, reserved};
use crate::model::{Environment, EnvironmentSpec};
use std::collections::BTreeMap;

/// Why a namespace that every cluster has may not be owned: what rendering it would do.
const NOT_OURS: &str = "exists in every cluster and is not jupyflux's to own (it would be rendered with the \
                        restricted Pod Security level into a `prune: true` Flux layer)";

/// Validate the namespaces of an environment; the nodes are the merged documents in the order of `env`'s lists.
pub fn validate(
    env: &Environment,
    env_node: &Node,
    hub_nodes: &[&Node],
    notebook_nodes: &[&Node],
    report: &mut Reporter,
) {
    let spec = &env.definition.spec;
    let controller = spec.controller.namespace.as_str();
    if let Some(why) = cluster_reserved(spec, controller) {
        let whose = match why {
            Reserved::Shared => "exists in every cluster".to_owned(),
            Reserved::System(owner) => format!("is {owner}"),
        };
        report.at(
            loc_at(env_node, &["spec", "controller", "namespace"]),
            format!("the notebook controller's namespace `{controller}` {whose}; the controller layer would own it (render it in a `prune: true` Flux layer)"),
            Some("give the controller a namespace of its own, e.g. `jupyflux-system`".into()),
        );
    }
    for (field, list, what) in [
        (
            "existingNamespaces",
            &spec.existing_namespaces,
            "notebooks may not run there",
        ),
        (
            "notebookNamespaces",
            &spec.notebook_namespaces,
            "the Data Manager may not launch notebooks there",
        ),
    ] {
        for (i, ns) in list.iter().enumerate() {
            if let Some(Reserved::System(owner)) = reserved(spec, ns) {
                report.at(
                    loc_at(env_node, &["spec", field, &i.to_string()]),
                    format!("{field}: namespace `{ns}` is {owner}; {what}"),
                    Some(format!("remove `{ns}` from spec.{field}")),
                );
            }
        }
    }
    hubs(env, spec, hub_nodes, report);
    notebooks(env, spec, notebook_nodes, report);
}

fn hubs(env: &Environment, spec: &EnvironmentSpec, nodes: &[&Node], report: &mut Reporter) {
    for (hub, node) in env.hubs.iter().zip(nodes) {
        let ns = hub.namespace();
        let managed = hub.namespace_managed();
        let loc = match hub.spec.namespace {
            Some(_) => loc_at(node, &["spec", "namespace"]),
            None => loc_at(node, &["metadata", "name"]),
        };
        let own = if reserved(spec, &hub.name).is_some() {
            "jupyterhub"
        } else {
            hub.name.as_str()
        };
        let who = format!("Hub `{}`", hub.name);
        let opt_out = format!(
            "give the hub a namespace of its own (`namespace: {own}`), or say that `{ns}` exists: `namespace: {{name: {ns}, managed: false}}`"
        );
        let usage = Use {
            who: &who,
            ns: &ns,
            managed,
            loc,
        };
        usage.check(spec, &format!("`namespace: {own}`"), &opt_out, report);
        let system = matches!(reserved(spec, &ns), Some(Reserved::System(_)));
        if managed && !system && spec.existing_namespaces.iter().any(|e| *e == ns.as_str()) {
            report.at(
                loc,
                format!("{who} owns namespace `{ns}`, which the Environment's existingNamespaces says exists already"),
                Some(format!("say `namespace: {{name: {ns}, managed: false}}`, or remove `{ns}` from existingNamespaces")),
            );
        }
    }
}

fn notebooks(env: &Environment, spec: &EnvironmentSpec, nodes: &[&Node], report: &mut Reporter) {
    let hubs: BTreeMap<String, &str> = env
        .hubs
        .iter()
        .rev()
        .map(|h| (h.namespace(), h.name.as_str()))
        .collect();
    for (notebook, node) in env.notebooks.iter().zip(nodes) {
        let ns = notebook.namespace.as_str();
        let name = &notebook.definition.name;
        let loc = loc_at(node, &["metadata", "namespace"]);
        let who = format!("Notebook `{name}`");
        let managed = !spec.existing_namespaces.iter().any(|e| e == ns);
        let opt_out = format!(
            "put the notebook in a namespace of its own, or list `{ns}` under the Environment's spec.existingNamespaces to run there without owning it"
        );
        let usage = Use {
            who: &who,
            ns,
            managed,
            loc,
        };
        usage.check(spec, "a namespace of its own", &opt_out, report);
        // Each layer labels and owns its namespaces, and a hub's chart names its objects as it likes.
        if let Some(hub) = hubs.get(ns) {
            report.at(
                loc,
                format!("{who}: namespace `{ns}` is Hub `{hub}`'s"),
                Some("put standalone notebooks in a namespace of their own".into()),
            );
        }
    }
}

/// A hub or notebook running in a namespace.
struct Use<'a> {
    /// `Hub `research``, for messages.
    who: &'a str,
    ns: &'a str,
    /// Whether jupyflux would own (render) the namespace.
    managed: bool,
    loc: Loc,
}

impl Use<'_> {
    /// Report the use when the namespace is reserved: always for Kubernetes', Flux's or the controller's; for
    /// `default` when it would be owned. `own` says where to go instead, `opt_out` how to say it exists.
    fn check(&self, spec: &EnvironmentSpec, own: &str, opt_out: &str, report: &mut Reporter) {
        let (who, ns) = (self.who, self.ns);
        match reserved(spec, ns) {
            Some(Reserved::System(owner)) => report.at(
                self.loc,
                format!("{who}: namespace `{ns}` is {owner}; no hub or notebook may run there"),
                Some(format!("use {own}")),
            ),
            Some(Reserved::Shared) if self.managed => report.at(
                self.loc,
                format!("{who}: namespace `{ns}` {NOT_OURS}"),
                Some(opt_out.to_owned()),
            ),
            _ => {}
        }
    }
}
