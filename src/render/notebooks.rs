//! The `notebooks` layer: per notebook namespace, one `Notebook` custom resource per definition, with the
//! Environment's defaults written in so the controller needs nothing else (the namespace's Namespace comes from
//! `super::namespaces`).

use super::files::Files;
use super::layout::Layout;
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

/// Render every notebook of the environment into `notebooks/<namespace>/` (a large namespace's into the
/// directories `layout` gives).
pub fn render(env: &Environment, layout: &Layout, files: &mut Files) {
    let config = ControllerConfig::of(&env.name, &env.definition.spec);
    let mut namespaces = BTreeSet::new();
    for notebook in &env.notebooks {
        let ns = notebook.namespace.as_str();
        let sources = &notebook.definition.sources;
        let name = notebook.definition.name.as_str();
        // The controller's Role, once per namespace, in the layer that creates or waits for the namespace.
        if namespaces.insert(ns) {
            let dir = layout.namespace_dir(LAYER, ns);
            super::access::render_role(env, ns, (&dir, ""), sources, files);
        }
        files.object(
            &format!("{}/{name}.yaml", layout.notebook_dir(LAYER, ns, name)),
            sources,
            &custom_resource(&config, notebook),
        );
    }
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
