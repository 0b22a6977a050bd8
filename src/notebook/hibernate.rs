//! Stop and start without a Git commit: the annotation `jupyflux.dev/hibernate: "true"` hibernates a notebook as
//! `spec.hibernated` does. Set with a field manager of its own (not one starting with `kubectl`, whose fields
//! Flux's kustomize-controller takes over), Flux's server-side apply of the Notebook leaves it alone unless the
//! manifest in Git sets it too (docs/notebooks.md, "Operations").

use super::spec::Notebook;

/// The annotation that hibernates a notebook while it is `"true"`.
pub const HIBERNATE_ANNOTATION: &str = "jupyflux.dev/hibernate";

/// Whether the notebook's annotations ask for hibernation (`"true"`, any case; anything else does not).
pub fn requested(notebook: &Notebook) -> bool {
    notebook
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(HIBERNATE_ANNOTATION))
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// The notebook as the controller acts on it: hibernated when its spec or the annotation says so.
pub fn honoured(notebook: &Notebook) -> Notebook {
    let mut seen = notebook.clone();
    seen.spec.hibernated |= requested(notebook);
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(annotation: Option<&str>, hibernated: bool) -> Notebook {
        let mut notebook: Notebook = serde_json::from_value(serde_json::json!({
            "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
            "metadata": {"name": "alice", "namespace": "nb"},
            "spec": {"image": "quay.io/jupyter/base-notebook:2025-01-13", "hibernated": hibernated},
        }))
        .unwrap();
        if let Some(value) = annotation {
            notebook.metadata.annotations =
                Some([(HIBERNATE_ANNOTATION.to_owned(), value.to_owned())].into());
        }
        notebook
    }

    #[test]
    fn the_annotation_hibernates_only_when_true() {
        for (annotation, spec, expected) in [
            (None, false, false),
            (Some("true"), false, true),
            (Some("True"), false, true),
            (Some("false"), false, false),
            (Some("yes"), false, false),
            (Some(""), false, false),
            (Some("false"), true, true),
            (None, true, true),
        ] {
            let seen = honoured(&with(annotation, spec));
            assert_eq!(seen.spec.hibernated, expected, "{annotation:?} {spec}");
        }
    }
}
