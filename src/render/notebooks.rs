//! The `notebooks` layer: per notebook namespace, its Namespace and one `Notebook` custom resource per
//! definition, with the Environment's defaults written in so the controller needs nothing else.

use super::files::Files;
use super::object::{metadata, object};
use crate::model::{Environment, NotebookDefinition};
use crate::notebook::{Notebook, NotebookSpec};
use kube::Resource;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "notebooks";

/// Label naming the notebook definition an object belongs to.
pub const NOTEBOOK_LABEL: &str = "jupyflux.dev/notebook";

/// Render every notebook of the environment into `notebooks/<namespace>/`.
pub fn render(env: &Environment, files: &mut Files) {
    let mut namespaces = BTreeSet::new();
    let owned = super::secrets::owned_namespaces(env);
    for notebook in &env.notebooks {
        let ns = notebook.namespace.as_str();
        let sources = &notebook.definition.sources;
        let dir = format!("{LAYER}/{ns}");
        // A namespace that reads secrets is created by the secrets layer, which this one waits for.
        if namespaces.insert(ns) && !owned.contains(ns) {
            files.object(
                &format!("{dir}/namespace.yaml"),
                sources,
                &namespace_object(ns),
            );
        }
        files.object(
            &format!("{dir}/{}.yaml", notebook.definition.name),
            sources,
            &custom_resource(env, notebook),
        );
    }
}

/// A notebook namespace, held to the restricted Pod Security Standard.
pub fn namespace_object(ns: &str) -> Value {
    object(
        "v1",
        "Namespace",
        metadata(
            ns,
            None,
            &[
                ("pod-security.kubernetes.io/enforce", "restricted"),
                ("pod-security.kubernetes.io/audit", "restricted"),
            ],
        ),
        json!({}),
    )
}

/// The `Notebook` object of a definition, its spec completed with the Environment's defaults.
pub fn custom_resource(env: &Environment, notebook: &NotebookDefinition) -> Value {
    let definition = &notebook.definition;
    let spec = with_defaults(env, &definition.name, &definition.spec);
    object(
        &Notebook::api_version(&()),
        &Notebook::kind(&()),
        metadata(
            &definition.name,
            Some(&notebook.namespace),
            &[(NOTEBOOK_LABEL, definition.name.as_str())],
        ),
        json!({"spec": spec}),
    )
}

/// The spec with routing and storage defaults filled in.
pub fn with_defaults(env: &Environment, name: &str, spec: &NotebookSpec) -> NotebookSpec {
    let defaults = &env.definition.spec;
    let mut spec = spec.clone();
    let routing = &mut spec.routing;
    routing.host.get_or_insert_with(|| defaults.domain.clone());
    routing
        .path_prefix
        .get_or_insert_with(|| format!("/notebooks/{name}"));
    if routing.tls.is_none() {
        routing.tls = defaults.ingress.tls.clone();
    }
    if routing.ingress_class.is_none() {
        routing.ingress_class = defaults.ingress.class_name.clone();
    }
    if let crate::notebook::spec::NotebookStorage::New(volume) = &mut spec.storage
        && volume.storage_class.is_none()
    {
        volume.storage_class = defaults.storage_class.clone();
    }
    spec
}
