//! Whether an existing object is this notebook's to apply over. The controller never takes over an object it did
//! not create: a Notebook named `hub` in a hub's namespace must not rewrite the hub's Service `hub`.
//!
//! An object is the notebook's when it carries `app.kubernetes.io/managed-by=jupyflux` and the notebook's
//! instance label, and an owner reference to the notebook's uid — or, for the home volume (a retained one has no
//! owner), no controller owner reference at all. Checking costs a GET per child, so a child once seen to be the
//! notebook's (found so, or created by an apply) is remembered and not read again; the memory is per process.

use crate::notebook::children::INSTANCE_LABEL;
use crate::render::object::MANAGED_BY;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::HashMap;
use std::sync::Mutex;

/// What an existing object is to a notebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// No such object: the apply creates it.
    Absent,
    /// The notebook's own: apply over it.
    Ours,
    /// Someone else's: leave it alone.
    Foreign,
}

/// Decide what `existing` (its metadata, if it exists) is to the notebook `name` with `uid`, for a child of `kind`.
pub fn ownership(existing: Option<&ObjectMeta>, kind: &str, name: &str, uid: &str) -> Ownership {
    let Some(meta) = existing else {
        return Ownership::Absent;
    };
    let labels = meta.labels.as_ref();
    let label = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    let labelled = label(MANAGED_BY.0) == Some(MANAGED_BY.1) && label(INSTANCE_LABEL) == Some(name);
    let owners = meta.owner_references.as_deref().unwrap_or_default();
    let owned = owners.iter().any(|o| o.uid == uid);
    let unowned_volume =
        kind == "PersistentVolumeClaim" && !owners.iter().any(|o| o.controller == Some(true));
    if labelled && (owned || unowned_volume) {
        Ownership::Ours
    } else {
        Ownership::Foreign
    }
}

/// Children known to be a notebook's: a hash of `kind/namespace/name` → a hash of the notebook's uid.
///
/// Hashes rather than the strings: six entries per notebook, 16 bytes each instead of two heap strings (the
/// controller's idle memory at 1,000 notebooks: BENCHMARKS.md, "Controller"). A false "ours" needs both 64-bit
/// hashes to collide with another child's and another notebook's at once; a stale entry only skips a read.
#[derive(Debug, Default)]
pub struct Known {
    children: Mutex<HashMap<u64, u64>>,
}

/// A 64-bit hash of `parts` (`DefaultHasher::new()`: the same keys for every instance).
fn hash(parts: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    hasher.finish()
}

impl Known {
    fn key(kind: &str, namespace: &str, name: &str) -> u64 {
        hash(&[kind, namespace, name])
    }

    /// Whether the child was seen to belong to the notebook with `uid`.
    pub fn is_ours(&self, kind: &str, namespace: &str, name: &str, uid: &str) -> bool {
        let children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.get(&Self::key(kind, namespace, name)) == Some(&hash(&[uid]))
    }

    /// Remember that the child belongs to the notebook with `uid`.
    pub fn remember(&self, kind: &str, namespace: &str, name: &str, uid: &str) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.insert(Self::key(kind, namespace, name), hash(&[uid]));
    }

    /// Forget every child of the notebook with `uid` (it is gone, or one of its applies failed).
    pub fn forget(&self, uid: &str) {
        let owner = hash(&[uid]);
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        children.retain(|_, known| *known != owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    use std::collections::BTreeMap;

    fn meta(labels: &[(&str, &str)], owner: Option<(&str, bool)>) -> ObjectMeta {
        ObjectMeta {
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            owner_references: owner.map(|(uid, controller)| {
                vec![OwnerReference {
                    uid: uid.into(),
                    controller: Some(controller),
                    ..OwnerReference::default()
                }]
            }),
            ..ObjectMeta::default()
        }
    }

    const OURS: [(&str, &str); 2] = [(MANAGED_BY.0, MANAGED_BY.1), (INSTANCE_LABEL, "hub")];

    #[test]
    fn only_labelled_and_owned_objects_are_ours() {
        let decide = |m: &ObjectMeta, kind| ownership(Some(m), kind, "hub", "uid-hub");
        assert_eq!(ownership(None, "Service", "hub", "u"), Ownership::Absent);
        assert_eq!(
            decide(&meta(&OURS, Some(("uid-hub", true))), "Service"),
            Ownership::Ours
        );
        // The hub chart's Service `hub`: Helm's labels, no owner.
        let helm = meta(&[("app.kubernetes.io/managed-by", "Helm")], None);
        assert_eq!(decide(&helm, "Service"), Ownership::Foreign);
        // Our labels but another notebook's (an older one of the same name) or nobody's.
        assert_eq!(
            decide(&meta(&OURS, Some(("uid-old", true))), "Service"),
            Ownership::Foreign
        );
        assert_eq!(decide(&meta(&OURS, None), "Service"), Ownership::Foreign);
        // Owned by us but not labelled as ours (someone pointed an owner reference at us).
        let unlabelled = meta(&[(MANAGED_BY.0, MANAGED_BY.1)], Some(("uid-hub", true)));
        assert_eq!(decide(&unlabelled, "Service"), Ownership::Foreign);
    }

    #[test]
    fn a_retained_volume_has_no_owner_and_is_still_ours() {
        let decide = |m: &ObjectMeta| ownership(Some(m), "PersistentVolumeClaim", "hub", "uid-hub");
        assert_eq!(decide(&meta(&OURS, None)), Ownership::Ours);
        assert_eq!(
            decide(&meta(&OURS, Some(("uid-other", true)))),
            Ownership::Foreign
        );
        assert_eq!(decide(&meta(&[], None)), Ownership::Foreign);
    }

    #[test]
    fn known_children_are_per_notebook_uid() {
        let known = Known::default();
        known.remember("Service", "ns", "a", "u1");
        assert!(known.is_ours("Service", "ns", "a", "u1"));
        assert!(!known.is_ours("Service", "ns", "a", "u2"));
        assert!(!known.is_ours("ConfigMap", "ns", "a", "u1"));
        known.forget("u1");
        assert!(!known.is_ours("Service", "ns", "a", "u1"));
    }
}
