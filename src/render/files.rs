//! Collecting one environment's rendered objects as files, and listing them in `kustomization.yaml` files.

use super::object::{guard_substitution, mentions_variable};
use crate::output::Sink;
use crate::output::emit;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The rendered files of one output root (`generated/<env>` or `flux/<env>`), each handed to a [`Sink`] as soon as
/// it is made; only the paths stay, for the `kustomization.yaml` files.
pub struct Files<'s> {
    root: String,
    /// Every file's path relative to the root.
    paths: BTreeSet<String>,
    sink: &'s mut dyn Sink,
    /// Fields besides `resources` of a directory's `kustomization.yaml` (e.g. `patches`), by directory.
    kustomize: BTreeMap<String, Map<String, Value>>,
}

impl<'s> Files<'s> {
    pub fn new(root: impl Into<String>, sink: &'s mut dyn Sink) -> Self {
        Files {
            root: root.into(),
            paths: BTreeSet::new(),
            sink,
            kustomize: BTreeMap::new(),
        }
    }

    /// Add one object as `<root>/<path>`, with a header naming the definitions it came from. Objects with
    /// `${` in their text are kept from Flux post-build substitution.
    pub fn object(&mut self, path: &str, sources: &[String], value: &Value) {
        let text = if mentions_variable(value) {
            let mut value = value.clone();
            guard_substitution(&mut value);
            emit::document(sources, &value)
        } else {
            emit::document(sources, value)
        };
        let full = format!("{}/{path}", self.root);
        assert!(
            self.paths.insert(path.to_owned()),
            "two renderers produced {full}"
        );
        self.sink.put(full, text.into_bytes());
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
        for path in &self.paths {
            let mut relative = path.as_str();
            while let Some((dir, _)) = relative.rsplit_once('/') {
                if !dirs.insert(dir) {
                    break;
                }
                relative = dir;
            }
        }
        dirs
    }

    /// Add a `kustomization.yaml` to every directory (the root included), listing its files and subdirectories.
    pub fn with_kustomizations(mut self) {
        let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for relative in &self.paths {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Tree;

    #[test]
    fn every_directory_lists_its_files_and_subdirectories() {
        let mut tree = Tree::new();
        let mut files = Files::new("generated/dev", &mut tree);
        files.object("hubs/a/helmrelease.yaml", &[], &json!({}));
        files.object("hubs/a/namespace.yaml", &[], &json!({}));
        files.object("hubs/b/namespace.yaml", &[], &json!({}));
        files.with_kustomizations();
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
        let mut tree = Tree::new();
        let mut files = Files::new("generated/dev", &mut tree);
        files.object("hubs/a/helmrelease.yaml", &[], &json!({}));
        files.kustomize(
            "hubs/a",
            "patches",
            json!([{"patch": "x", "target": {"kind": "HelmRelease"}}]),
        );
        files.with_kustomizations();
        let text = String::from_utf8(
            tree.get("generated/dev/hubs/a/kustomization.yaml")
                .unwrap()
                .to_vec(),
        )
        .unwrap();
        assert!(text.ends_with("resources:\n- helmrelease.yaml\npatches:\n- patch: x\n  target:\n    kind: HelmRelease\n"), "{text}");
    }
}
