//! Recognising a document: its `apiVersion`, `kind` and `metadata.name`, checked before anything else.

use super::node::{Loc, Node, Value};
use super::report::Reporter;
use crate::diagnostic::did_you_mean;
use crate::model::{API_VERSION, Kind, is_dns_label};

/// A document whose identity is known and valid.
#[derive(Clone, Debug)]
pub struct Identified {
    pub kind: Kind,
    pub name: String,
    /// Where `metadata.name` is written (for duplicate reports).
    pub name_loc: Loc,
    pub node: Node,
}

/// Check a document's identity; report what is wrong and return `None` if it cannot be used.
pub fn identify(node: Node, report: &mut Reporter) -> Option<Identified> {
    let Value::Map(_) = node.value else {
        report.at(
            node.loc,
            format!(
                "a definition must be a mapping, found {}",
                node.value.describe()
            ),
            Some(skeleton()),
        );
        return None;
    };
    let api_version = required_str(&node, "apiVersion", node.loc, report);
    let kind_name = required_str(&node, "kind", node.loc, report);
    let metadata = node.get("metadata");
    let name = match metadata {
        Some(m) => required_str(m, "name", m.loc, report),
        None => {
            report.at(
                node.loc,
                "missing required field `metadata`",
                Some("add `metadata: {name: <name>}`".into()),
            );
            None
        }
    };

    if let Some((version, loc)) = &api_version
        && version != API_VERSION
    {
        report.at(
            *loc,
            format!("unsupported apiVersion `{version}`"),
            Some(format!("use `apiVersion: {API_VERSION}`")),
        );
    }
    let kind = kind_name.as_ref().and_then(|(k, loc)| {
        let kind = Kind::from_name(k);
        if kind.is_none() {
            let names = Kind::ALL.map(Kind::name);
            let help = match did_you_mean(k, names) {
                Some(near) => format!("did you mean `{near}`? kinds: {}", names.join(", ")),
                None => format!("kinds: {}", names.join(", ")),
            };
            report.at(*loc, format!("unknown kind `{k}`"), Some(help));
        }
        kind
    });
    if let Some((name, loc)) = &name
        && !is_dns_label(name)
    {
        report.at(
            *loc,
            format!("name `{name}` is not a DNS-1123 label"),
            Some("use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters".into()),
        );
        return None;
    }
    if let (Some(kind), Some(metadata)) = (kind, metadata)
        && !namespace_fits(kind, metadata, report)
    {
        return None;
    }
    match (api_version, kind, name) {
        (Some((v, _)), Some(kind), Some((name, name_loc))) if v == API_VERSION => {
            Some(Identified {
                kind,
                name,
                name_loc,
                node,
            })
        }
        _ => None,
    }
}

/// A `Notebook` needs `metadata.namespace` (a DNS-1123 label); the other kinds have none.
fn namespace_fits(kind: Kind, metadata: &Node, report: &mut Reporter) -> bool {
    match (kind, metadata.get("namespace")) {
        (Kind::Notebook, None) => {
            report.at(
                metadata.loc,
                "missing required field `namespace`: a Notebook is created in a namespace",
                Some("add `namespace: <namespace>` to `metadata`".into()),
            );
            false
        }
        (Kind::Notebook, Some(ns)) => match &ns.value {
            Value::Str(name) if is_dns_label(name) => true,
            other => {
                report.at(
                    ns.loc,
                    format!("namespace {} is not a DNS-1123 label", other.describe()),
                    Some("use lowercase letters, digits and `-`, at most 63 characters".into()),
                );
                false
            }
        },
        (_, Some(ns)) => {
            report.at(
                ns.loc,
                format!(
                    "{} {} has no namespace",
                    if kind == Kind::Image { "an" } else { "a" },
                    kind.name()
                ),
                Some("remove `metadata.namespace`; only a Notebook has one".into()),
            );
            false
        }
        (_, None) => true,
    }
}

fn required_str(
    node: &Node,
    key: &str,
    parent: Loc,
    report: &mut Reporter,
) -> Option<(String, Loc)> {
    match node.get(key) {
        Some(Node {
            value: Value::Str(s),
            loc,
        }) => Some((s.clone(), *loc)),
        Some(other) => {
            report.at(
                other.loc,
                format!("`{key}` must be a string, found {}", other.value.describe()),
                None,
            );
            None
        }
        None => {
            report.at(
                parent,
                format!("missing required field `{key}`"),
                Some(skeleton()),
            );
            None
        }
    }
}

fn skeleton() -> String {
    format!(
        "a definition looks like: apiVersion: {API_VERSION} / kind: Hub / metadata: {{name: research}} / spec: {{...}}"
    )
}
