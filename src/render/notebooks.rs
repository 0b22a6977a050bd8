//! The `notebooks` layer: per notebook namespace, its Namespace and one `Notebook` custom resource per
//! definition, with the Environment's defaults written in so the controller needs nothing else.

use super::files::Files;
use super::object::{metadata, object};
use crate::model::{Environment, NotebookDefinition};
use crate::notebook::Notebook;
use crate::notebook::config::ControllerConfig;
use kube::Resource;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "notebooks";

/// Label naming the notebook definition an object belongs to.
pub const NOTEBOOK_LABEL: &str = "jupyflux.dev/notebook";

/// Render every notebook of the environment into `notebooks/<namespace>/`.
pub fn render(env: &Environment, files: &mut Files) {
    let config = ControllerConfig::of(&env.definition.spec);
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
            &custom_resource(&config, notebook),
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
pub fn custom_resource(config: &ControllerConfig, notebook: &NotebookDefinition) -> Value {
    let definition = &notebook.definition;
    let spec = config.defaults.apply(&definition.name, &definition.spec);
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
