//! Reading one stored `Notebook` at a time: the controller watches notebooks as untyped objects, so one it cannot
//! decode (written before the CRD was strict, or by a client that skipped validation) is reported on its own
//! status instead of failing the list that every other notebook arrives in.

use crate::notebook::{Notebook, NotebookStatus};
use kube::api::DynamicObject;

/// Why a stored notebook is not a [`Notebook`]: the field (`spec.storage.new.policy`) and what is wrong with it,
/// with every quoted value blanked out (a value may be a secret someone wrote where a reference belongs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecodable {
    /// The dotted path of the offending field, from the object's root (`.` when the object itself is wrong).
    pub field: String,
    /// What is wrong, without the value.
    pub problem: String,
}

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// The notebook in `object`, or which field keeps it from being one.
pub fn notebook(object: &DynamicObject) -> Result<Notebook, Undecodable> {
    let value = serde_json::to_value(object).map_err(|e| Undecodable {
        field: ".".into(),
        problem: redact(&e.to_string()),
    })?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = error.path().to_string();
        Undecodable {
            field,
            problem: redact(&error.into_inner().to_string()),
        }
    })
}

/// The status stored on `object`, read leniently (an unreadable status counts as none: it is rewritten).
pub fn status(object: &DynamicObject) -> Option<NotebookStatus> {
    let status = object.data.get("status")?;
    serde_json::from_value(status.clone()).ok()
}

/// `message` with the text between backticks or double quotes replaced by `…`, up to `, expected` (serde's list
/// of what would be right, which is the type's and safe to show). A message never repeats what was written.
pub fn redact(message: &str) -> String {
    let (found, expected) = match message.find(", expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in found.chars() {
        match open {
            Some(quote) if c == quote => {
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None if c == '`' || c == '"' => {
                out.push(c);
                out.push('…');
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    if open.is_some() {
        out.push(open.unwrap_or('`'));
    }
    out.push_str(expected);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(spec: serde_json::Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
            "metadata": {"name": "bad", "namespace": "notebooks", "uid": "u"},
            "spec": spec,
            "status": {"phase": "Running"},
        }))
        .unwrap()
    }

    fn valid() -> serde_json::Value {
        json!({
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "owner": "alice",
            "storage": {"new": {"size": "1Gi"}},
            "routing": {},
            "auth": {"token": {"vault": "notebooks/alice#token"}},
        })
    }

    #[test]
    fn a_valid_notebook_decodes() {
        let nb = notebook(&object(valid())).unwrap();
        assert_eq!(nb.spec.owner(), "alice");
        assert_eq!(
            status(&object(valid())).unwrap().phase.as_deref(),
            Some("Running")
        );
    }

    #[test]
    fn the_offending_field_is_named_and_its_value_not_shown() {
        let mut spec = valid();
        spec["storage"]["new"]["policy"] = json!("shred-it");
        let error = notebook(&object(spec)).unwrap_err();
        assert_eq!(error.field, "spec.storage.new.policy");
        assert!(!error.problem.contains("shred-it"), "{error}");
        assert!(error.problem.contains("`retain`"), "{error}");

        let mut spec = valid();
        spec["image"] = json!("busybox");
        let error = notebook(&object(spec)).unwrap_err();
        assert_eq!(error.field, "spec.image");
        assert!(!error.problem.contains("busybox"), "{error}");

        let mut spec = valid();
        spec["env"] = json!({"PASSWORD": {"vault": "hunter2-no-hash"}});
        let error = notebook(&object(spec)).unwrap_err();
        assert_eq!(error.field, "spec.env.PASSWORD");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("invalid type: string \"s3cret\", expected a map"),
            "invalid type: string \"…\", expected a map"
        );
        assert_eq!(
            redact("unknown variant `x`, expected `a` or `b`"),
            "unknown variant `…`, expected `a` or `b`"
        );
        assert_eq!(redact("dangling `quote"), "dangling `…`");
    }
}
