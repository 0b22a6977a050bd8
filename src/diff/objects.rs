//! The objects of a rendered tree, grouped by environment and identified as Kubernetes identifies them.

use crate::output::Tree;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Who an object is: apiVersion, kind, namespace and name. Files without `metadata.name`
/// (Kustomize's `kustomization.yaml`) are identified by their path instead.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub api_version: String,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind)?;
        if let Some(namespace) = &self.namespace {
            write!(f, "{namespace}/")?;
        }
        write!(f, "{} ({})", self.name, self.api_version)
    }
}

/// One rendered object: the file it lives in and its content.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub path: String,
    pub content: Value,
}

/// The objects of one environment (`generated/<env>/**` and `flux/<env>/**`). The same identity may
/// occur more than once (e.g. a Namespace in two layers); occurrences are kept in path order.
pub type Objects = BTreeMap<ObjectId, Vec<Object>>;

/// A rendered file that is not a YAML object (a jupyflux bug, but a diff must still say so).
#[derive(Debug, thiserror::Error)]
#[error("{path}: not a YAML object: {reason}")]
pub struct UnreadableObject {
    pub path: String,
    pub reason: String,
}

/// Split a tree into environments and their objects.
pub fn by_environment(tree: &Tree) -> Result<BTreeMap<String, Objects>, UnreadableObject> {
    let mut environments: BTreeMap<String, Objects> = BTreeMap::new();
    for (path, bytes) in tree.iter() {
        let Some(env) = path.split('/').nth(1) else {
            continue;
        };
        let content = parse(path, bytes)?;
        let id = identify(path, &content);
        environments
            .entry(env.to_owned())
            .or_default()
            .entry(id)
            .or_default()
            .push(Object {
                path: path.to_owned(),
                content,
            });
    }
    Ok(environments)
}

fn parse(path: &str, bytes: &[u8]) -> Result<Value, UnreadableObject> {
    let unreadable = |reason: String| UnreadableObject {
        path: path.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| unreadable(e.to_string()))?;
    let content: Value = serde_saphyr::from_str(text).map_err(|e| unreadable(e.to_string()))?;
    if content.is_object() {
        Ok(content)
    } else {
        Err(unreadable("the document is not a mapping".into()))
    }
}

fn identify(path: &str, content: &Value) -> ObjectId {
    let text = |pointer: &str| {
        content
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    ObjectId {
        api_version: text("/apiVersion").unwrap_or_default(),
        kind: text("/kind").unwrap_or_default(),
        namespace: text("/metadata/namespace"),
        name: text("/metadata/name").unwrap_or_else(|| path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_objects_and_kustomizations() {
        let mut tree = Tree::new();
        tree.insert(
            "generated/prod/hubs/a/helmrelease.yaml",
            "# header\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: a\n  namespace: a\n",
        );
        tree.insert(
            "generated/prod/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- hubs\n",
        );
        let envs = by_environment(&tree).unwrap();
        let ids: Vec<String> = envs["prod"].keys().map(ToString::to_string).collect();
        assert_eq!(
            ids,
            [
                "HelmRelease a/a (helm.toolkit.fluxcd.io/v2)",
                "Kustomization generated/prod/kustomization.yaml (kustomize.config.k8s.io/v1beta1)"
            ]
        );
    }

    #[test]
    fn a_scalar_file_is_reported() {
        let mut tree = Tree::new();
        tree.insert("generated/prod/x.yaml", "just text\n");
        let error = by_environment(&tree).unwrap_err();
        assert_eq!(error.path, "generated/prod/x.yaml");
    }
}
