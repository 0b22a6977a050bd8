//! Checks that need more than one field or more than one definition: names, hosts, versions, conflicts.

use super::node::{Loc, Node};
use super::report::Reporter;
use crate::model::auth::Auth;
use crate::model::hub::{Bounds, HubSpec, bound_problems};
use crate::model::quantity::{Memory, Quantity};
use crate::model::{Definition, Environment, is_dns_subdomain};
use crate::notebook::NotebookSpec;
use std::collections::BTreeMap;

/// The location of the value at `path` in a document, or of the nearest parent that exists.
pub fn loc_at<S: AsRef<str>>(node: &Node, path: &[S]) -> Loc {
    let mut current = node;
    for key in path {
        match current.get(key.as_ref()) {
            Some(next) => current = next,
            None => break,
        }
    }
    current.loc
}

/// Validate an assembled environment; `hub_nodes` are the merged hub documents in the order of `env.hubs`.
pub fn environment(env: &Environment, env_node: &Node, hub_nodes: &[&Node], report: &mut Reporter) {
    let spec = &env.definition.spec;
    if !is_dns_subdomain(&spec.domain) {
        report.at(
            loc_at(env_node, &["spec", "domain"]),
            format!(
                "Environment `{}`: domain `{}` is not a DNS name",
                env.name, spec.domain
            ),
            Some("write a lowercase DNS name such as staging.example.org".into()),
        );
    }
    if let Some(version) = &spec.kubernetes_version
        && !is_minor_version(version)
    {
        report.at(
            loc_at(env_node, &["spec", "kubernetesVersion"]),
            format!("kubernetesVersion `{version}` is not a Kubernetes minor version"),
            Some("write it quoted as \"1.<minor>\", e.g. \"1.33\"".into()),
        );
    }
    if let Some(source) = &spec.source
        && !["https://", "http://", "ssh://"]
            .iter()
            .any(|p| source.url.starts_with(p))
    {
        report.at(
            loc_at(env_node, &["spec", "source", "url"]),
            format!("source url `{}` is not a URL Flux can clone", source.url),
            Some("use https://host/org/repo or ssh://git@host/org/repo".into()),
        );
    }
    let mut namespaces: BTreeMap<String, (&str, Loc)> = BTreeMap::new();
    let mut hosts: BTreeMap<String, (&str, Loc)> = BTreeMap::new();
    for (hub, node) in env.hubs.iter().zip(hub_nodes) {
        self::hub(env, hub, node, report);
        let ns = hub.namespace();
        let ns_loc = loc_at(node, &["spec", "namespace"]);
        claim(&mut namespaces, ns, &hub.name, ns_loc, "namespace", report);
        let host = env.hub_host(hub);
        claim(
            &mut hosts,
            host,
            &hub.name,
            loc_at(node, &["spec", "host"]),
            "host",
            report,
        );
        let extra_hosts = hub.spec.expose.ingress.iter().flat_map(|i| &i.hosts);
        for (i, extra) in extra_hosts.enumerate() {
            let loc = loc_at(
                node,
                &["spec", "expose", "ingress", "hosts", &i.to_string()],
            );
            if !is_dns_subdomain(extra) {
                report.at(
                    loc,
                    format!(
                        "Hub `{}`: ingress host `{extra}` is not a DNS name",
                        hub.name
                    ),
                    Some("write a lowercase DNS name such as lab.example.org".into()),
                );
            }
            claim(&mut hosts, extra.clone(), &hub.name, loc, "host", report);
        }
    }
}

/// Report what [`crate::notebook::validate`] finds in a notebook, at the fields' positions.
pub fn notebook(notebook: &Definition<NotebookSpec>, node: &Node, report: &mut Reporter) {
    // In Git a notebook says whose it is and how users log in: the run-time defaults (no owner, a generated
    // token) are for notebooks an API such as the Data Manager creates.
    let spec = &notebook.spec;
    for (field, missing, help) in [
        (
            "owner",
            spec.owner.is_none(),
            "add `owner: <user>`: the user the notebook belongs to",
        ),
        (
            "auth",
            spec.auth.is_none(),
            "add `auth: {token: {vault: \"<key>#token\"}}` or `auth: {oidc: {...}}`; only notebooks created at run time get a generated token",
        ),
    ] {
        if missing {
            report.at(
                loc_at(node, &["spec"]),
                format!("Notebook `{}`: spec.{field} is missing", notebook.name),
                Some(help.into()),
            );
        }
    }
    for problem in crate::notebook::validate(&notebook.spec) {
        let mut path = vec!["spec".to_owned()];
        path.extend(problem.path);
        let field: Vec<&str> = path.iter().map(String::as_str).collect();
        report.at(
            loc_at(node, &path),
            format!(
                "Notebook `{}`, {}: {}",
                notebook.name,
                field_path(&field),
                problem.message
            ),
            Some(problem.help),
        );
    }
}

/// Record that `owner` uses `value`; report when another hub already does.
fn claim<'a>(
    seen: &mut BTreeMap<String, (&'a str, Loc)>,
    value: String,
    owner: &'a str,
    loc: Loc,
    what: &str,
    report: &mut Reporter,
) {
    if let Some((other, other_loc)) = seen.get(&value) {
        let at = report.location(*other_loc);
        report.at(
            loc,
            format!("Hub `{owner}` uses {what} `{value}`, which Hub `{other}` already uses"),
            Some(format!(
                "give each hub its own {what} (the other is set at {at})"
            )),
        );
    } else {
        seen.insert(value, (owner, loc));
    }
}

fn hub(env: &Environment, hub: &Definition<HubSpec>, node: &Node, report: &mut Reporter) {
    let spec = &hub.spec;
    let name = &hub.name;
    if name.len() > 53 {
        report.at(
            loc_at(node, &["metadata", "name"]),
            format!("Hub name `{name}` is longer than 53 characters"),
            Some("Helm release names are limited to 53 characters; shorten it".into()),
        );
    }
    let host = env.hub_host(hub);
    if !is_dns_subdomain(&host) {
        report.at(
            loc_at(node, &["spec", "host"]),
            format!("Hub `{name}`: host `{host}` is not a DNS name"),
            Some("write a lowercase DNS name such as research.example.org".into()),
        );
    }
    super::release::validate(env, hub, node, report);
    let chosen = spec.auth.chosen();
    if chosen.len() != 1 {
        let (message, at) = match chosen.get(1) {
            None => ("no authenticator chosen".to_owned(), vec!["spec", "auth"]),
            Some(second) => (
                format!(
                    "more than one authenticator chosen ({})",
                    chosen
                        .iter()
                        .map(|a| a.field())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                vec!["spec", "auth", second.field()],
            ),
        };
        report.at(
            loc_at(node, &at),
            format!("Hub `{name}`: {message}"),
            Some(format!(
                "choose exactly one under spec.auth: {} (dummy: any password works, for trials only)",
                Auth::CHOICES.join(", ")
            )),
        );
    }
    for var in spec.singleuser.env.keys() {
        if !is_env_name(var) {
            report.at(
                loc_at(node, &["spec", "singleuser", "env", var.as_str()]),
                format!("Hub `{name}`: `{var}` is not an environment variable name"),
                Some("use letters, digits and `_`, not starting with a digit".into()),
            );
        }
    }
    for (field, users) in [
        ("adminUsers", &spec.auth.admin_users),
        ("allowedUsers", &spec.auth.allowed_users),
        ("allowedGroups", &spec.auth.allowed_groups),
        ("adminGroups", &spec.auth.admin_groups),
    ] {
        if users.iter().any(|u| u.trim().is_empty()) {
            report.at(
                loc_at(node, &["spec", "auth", field]),
                format!("Hub `{name}`: empty name in {field}"),
                None,
            );
        }
    }
    let user = &spec.singleuser;
    let at = ["spec", "singleuser"];
    bounds(
        name,
        node,
        &at,
        user.cpu.as_ref(),
        user.memory.as_ref(),
        report,
    );
    super::profiles::validate(name, spec, node, report);
    super::rules::validate(name, spec, node, report);
    super::hub_settings::validate(name, spec, node, report);
    super::sections::validate(name, spec, node, report);
    super::images::validate(name, spec, node, report);
    super::pod_security::check_host_paths(name, spec, node, report);
    if !spec.singleuser.default_url.starts_with('/') {
        report.at(
            loc_at(node, &["spec", "singleuser", "defaultUrl"]),
            format!(
                "Hub `{name}`: defaultUrl `{}` must be a path",
                spec.singleuser.default_url
            ),
            Some("e.g. /lab or /tree".into()),
        );
    }
}

/// Report a guarantee above its limit in the `cpu` and `memory` under `path` of hub `hub`'s document.
pub(super) fn bounds(
    hub: &str,
    node: &Node,
    path: &[&str],
    cpu: Option<&Bounds<Quantity>>,
    memory: Option<&Bounds<Memory>>,
    report: &mut Reporter,
) {
    for (field, message, help) in bound_problems(cpu, memory) {
        let mut at = path.to_vec();
        at.extend(field);
        report.at(
            loc_at(node, &at),
            format!("Hub `{hub}`, {}: {message}", field_path(&at)),
            Some(help.into()),
        );
    }
}

/// A path as messages write it: `spec.sizes[0].memory`, not `spec.sizes.0.memory`.
pub fn field_path(path: &[&str]) -> String {
    let mut text = String::new();
    for part in path {
        if part.bytes().all(|b| b.is_ascii_digit()) {
            text.push_str(&format!("[{part}]"));
        } else {
            if !text.is_empty() {
                text.push('.');
            }
            text.push_str(part);
        }
    }
    text
}

pub(super) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_minor_version(v: &str) -> bool {
    let mut parts = v.split('.');
    matches!((parts.next(), parts.next(), parts.next()), (Some("1"), Some(m), None) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_minor_version("1.33"));
        assert!(!is_minor_version("1.3.3") || !is_minor_version("2.1"));
    }
}
