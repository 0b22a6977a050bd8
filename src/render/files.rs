//! Collecting one environment's rendered objects as files, and listing them in `kustomization.yaml` files.

use super::object::{guard_substitution, mentions_variable};
use crate::output::Tree;
use crate::output::emit;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The rendered files of one output root (`generated/<env>` or `flux/<env>`).
pub struct Files {
    root: String,
    tree: Tree,
    /// Fields besides `resources` of a directory's `kustomization.yaml` (e.g. `patches`), by directory.
    kustomize: BTreeMap<String, Map<String, Value>>,
}

impl Files {
    pub fn new(root: impl Into<String>) -> Self {
        Files {
            root: root.into(),
            tree: Tree::new(),
            kustomize: BTreeMap::new(),
        }
    }

    /// Add one object as `<root>/<path>`, with a header naming the definitions it came from. Objects with
    /// `${` in their text are kept from Flux post-build substitution.
    pub fn object(&mut self, path: &str, sources: &[String], value: &Value) {
        let mut text = if mentions_variable(value) {
            let mut value = value.clone();
            guard_substitution(&mut value);
            emit::document(sources, &value)
        } else {
            emit::document(sources, value)
        };
        // The tree holds every file until it is written: no spare capacity.
        text.shrink_to_fit();
        self.tree.insert(format!("{}/{path}", self.root), text);
    }

    /// Set a field of `<dir>/kustomization.yaml` besides `resources`, e.g. `patches`.
    pub fn kustomize(&mut self, dir: &str, field: &str, value: Value) {
        self.kustomize
            .entry(dir.to_owned())
            .or_default()
            .insert(field.to_owned(), value);
    }

    /// Every directory (relative to the root) that holds a file, directly or below.
    pub fn dirs(&self) -> std::collections::HashSet<&str> {
        let mut dirs = std::collections::HashSet::new();
        for path in self.tree.paths() {
            let mut relative = &path[self.root.len() + 1..];
            while let Some((dir, _)) = relative.rsplit_once('/') {
                if !dirs.insert(dir) {
                    break;
                }
                relative = dir;
            }
        }
        dirs
    }

    /// The tree, with a `kustomization.yaml` in every directory listing its files and subdirectories.
    pub fn with_kustomizations(mut self) -> Tree {
        let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in self.tree.paths() {
            let relative = &path[self.root.len() + 1..];
            let mut parent = String::new();
            let parts: Vec<&str> = relative.split('/').collect();
            for (i, part) in parts.iter().enumerate() {
                dirs.entry(parent.clone())
                    .or_default()
                    .insert((*part).to_owned());
                if i + 1 < parts.len() {
                    parent = if parent.is_empty() {
                        (*part).to_owned()
                    } else {
                        format!("{parent}/{part}")
                    };
                }
            }
        }
        for (dir, entries) in dirs {
            let resources: Vec<&String> = entries.iter().collect();
            let mut kustomization = json!({
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
            });
            if let Some(fields) = self.kustomize.remove(&dir) {
                kustomization
                    .as_object_mut()
                    .expect("an object")
                    .extend(fields);
            }
            let path = if dir.is_empty() {
                "kustomization.yaml".to_owned()
            } else {
                format!("{dir}/kustomization.yaml")
            };
            self.object(&path, &[], &kustomization);
        }
        self.tree
    }

    /// The tree as it is (for directories Flux reads without a kustomization, like `flux/<env>/`).
    pub fn into_tree(self) -> Tree {
        self.tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directory_lists_its_files_and_subdirectories() {
        let mut files = Files::new("generated/dev");
        files.object("hubs/a/helmrelease.yaml", &[], &json!({}));
        files.object("hubs/a/namespace.yaml", &[], &json!({}));
        files.object("hubs/b/namespace.yaml", &[], &json!({}));
        let tree = files.with_kustomizations();
        let text = |p: &str| String::from_utf8(tree.get(p).unwrap().to_vec()).unwrap();
        assert!(text("generated/dev/kustomization.yaml").ends_with("resources:\n- hubs\n"));
        assert!(text("generated/dev/hubs/kustomization.yaml").ends_with("resources:\n- a\n- b\n"));
        assert!(
            text("generated/dev/hubs/a/kustomization.yaml")
                .ends_with("resources:\n- helmrelease.yaml\n- namespace.yaml\n")
        );
    }

    #[test]
    fn a_directory_can_carry_extra_kustomization_fields() {
        let mut files = Files::new("generated/dev");
        files.object("hubs/a/helmrelease.yaml", &[], &json!({}));
        files.kustomize(
            "hubs/a",
            "patches",
            json!([{"patch": "x", "target": {"kind": "HelmRelease"}}]),
        );
        let tree = files.with_kustomizations();
        let text = String::from_utf8(
            tree.get("generated/dev/hubs/a/kustomization.yaml")
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(text.ends_with("resources:\n- helmrelease.yaml\npatches:\n- patch: x\n  target:\n    kind: HelmRelease\n"), "{text}");
    }
}
