//! `jupyflux diff`: what a change to the definitions does to the rendered objects, per environment.
//!
//! The comparison of two [`Tree`]s is pure ([`compare`]); reading the definitions at a Git revision lives in
//! [`git`], the command in [`command`], and the two report formats in [`text`] and [`markdown`].

pub mod command;
pub mod fields;
pub mod git;
pub mod markdown;
pub mod objects;
pub mod text;

use crate::output::Tree;
use fields::{FieldChange, field_changes};
use objects::{Object, ObjectId, UnreadableObject, by_environment};
use std::collections::BTreeSet;

/// What happened to one object.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectChange {
    Added {
        id: ObjectId,
        path: String,
        /// The new object, for reviewers to read.
        content: serde_json::Value,
    },
    Removed {
        id: ObjectId,
        path: String,
    },
    Changed {
        id: ObjectId,
        path: String,
        fields: Vec<FieldChange>,
    },
}

impl ObjectChange {
    pub fn id(&self) -> &ObjectId {
        match self {
            ObjectChange::Added { id, .. }
            | ObjectChange::Removed { id, .. }
            | ObjectChange::Changed { id, .. } => id,
        }
    }

    /// The file, when the identity does not already name it (objects without a name are known by their file).
    pub fn file_note(&self) -> Option<&str> {
        Some(self.path()).filter(|path| *path != self.id().name)
    }

    /// The file the object lives in (after the change; before it for a removed object).
    pub fn path(&self) -> &str {
        match self {
            ObjectChange::Added { path, .. }
            | ObjectChange::Removed { path, .. }
            | ObjectChange::Changed { path, .. } => path,
        }
    }
}

/// The changes in one environment, in object order.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentDiff {
    pub environment: String,
    pub changes: Vec<ObjectChange>,
}

impl EnvironmentDiff {
    fn count(&self, pick: fn(&ObjectChange) -> bool) -> usize {
        self.changes.iter().filter(|c| pick(c)).count()
    }
    pub fn added(&self) -> usize {
        self.count(|c| matches!(c, ObjectChange::Added { .. }))
    }
    pub fn removed(&self) -> usize {
        self.count(|c| matches!(c, ObjectChange::Removed { .. }))
    }
    pub fn changed(&self) -> usize {
        self.count(|c| matches!(c, ObjectChange::Changed { .. }))
    }
}

/// The whole comparison: every environment on either side, in name order (unchanged ones included,
/// with no changes, so a report can say they were looked at).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TreeDiff {
    pub environments: Vec<EnvironmentDiff>,
}

impl TreeDiff {
    pub fn is_empty(&self) -> bool {
        self.environments.iter().all(|e| e.changes.is_empty())
    }
}

/// Compare the objects of two rendered trees, environment by environment.
pub fn compare(before: &Tree, after: &Tree) -> Result<TreeDiff, UnreadableObject> {
    let mut before = by_environment(before)?;
    let mut after = by_environment(after)?;
    let names: BTreeSet<String> = before.keys().chain(after.keys()).cloned().collect();
    let environments = names
        .into_iter()
        .map(|environment| {
            let old = before.remove(&environment).unwrap_or_default();
            let mut new = after.remove(&environment).unwrap_or_default();
            let mut changes = Vec::new();
            for (id, old_objects) in old {
                let new_objects = new.remove(&id).unwrap_or_default();
                compare_occurrences(&id, old_objects, new_objects, &mut changes);
            }
            for (id, new_objects) in new {
                compare_occurrences(&id, Vec::new(), new_objects, &mut changes);
            }
            changes.sort_by(|a, b| a.id().cmp(b.id()).then(a.path().cmp(b.path())));
            EnvironmentDiff {
                environment,
                changes,
            }
        })
        .collect();
    Ok(TreeDiff { environments })
}

/// Pair the occurrences of one identity (almost always one on each side) in path order.
fn compare_occurrences(
    id: &ObjectId,
    old: Vec<Object>,
    new: Vec<Object>,
    changes: &mut Vec<ObjectChange>,
) {
    let mut new = new.into_iter();
    for before in old {
        match new.next() {
            Some(after) => {
                let fields = field_changes(&before.content, &after.content);
                if !fields.is_empty() {
                    changes.push(ObjectChange::Changed {
                        id: id.clone(),
                        path: after.path,
                        fields,
                    });
                }
            }
            None => changes.push(ObjectChange::Removed {
                id: id.clone(),
                path: before.path,
            }),
        }
    }
    for after in new {
        changes.push(ObjectChange::Added {
            id: id.clone(),
            path: after.path,
            content: after.content,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        let mut tree = Tree::new();
        for (path, text) in files {
            tree.insert(*path, *text);
        }
        tree
    }

    const NS_A: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n";
    const NS_B: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";

    #[test]
    fn added_removed_changed_and_moved() {
        let before = tree(&[
            ("generated/prod/a/namespace.yaml", NS_A),
            ("generated/prod/b/namespace.yaml", NS_B),
            ("generated/test/a/namespace.yaml", NS_A),
        ]);
        let after = tree(&[
            // moved file, same object: no change
            ("generated/prod/x/namespace.yaml", NS_A),
            (
                "generated/prod/b/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  labels: {x: y}\n",
            ),
            ("generated/new/a/namespace.yaml", NS_A),
        ]);
        let diff = compare(&before, &after).unwrap();
        let summary: Vec<(String, usize, usize, usize)> = diff
            .environments
            .iter()
            .map(|e| (e.environment.clone(), e.added(), e.removed(), e.changed()))
            .collect();
        assert_eq!(
            summary,
            [
                ("new".into(), 1, 0, 0),
                ("prod".into(), 0, 0, 1),
                ("test".into(), 0, 1, 0)
            ]
        );
        assert!(!diff.is_empty());
        assert!(compare(&before, &before).unwrap().is_empty());
    }
}
