//! The `notebooks` layer: per notebook namespace, its Namespace and one `Notebook` custom resource per
//! definition, with the Environment's defaults written in so the controller needs nothing else.

use super::files::Files;
use super::object::{metadata, object};
use crate::model::{Environment, NotebookDefinition};
use crate::notebook::Notebook;
use crate::notebook::config::ControllerConfig;
use crate::notebook::security::{self, PodSecurityLevel};
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
        let first = namespaces.insert(ns);
        if first && !owned.contains(ns) {
            files.object(
                &format!("{dir}/namespace.yaml"),
                sources,
                &notebook_namespace(env, ns),
            );
        }
        // The controller's Role, in the layer that creates or waits for the namespace.
        if first {
            super::access::render_role(env, ns, (&dir, ""), sources, files);
        }
        files.object(
            &format!("{dir}/{}.yaml", notebook.definition.name),
            sources,
            &custom_resource(&config, notebook),
        );
    }
}

/// A namespace held to the restricted Pod Security Standard.
pub fn namespace_object(ns: &str) -> Value {
    namespace_at(ns, PodSecurityLevel::Restricted)
}

/// The Namespace of notebook namespace `ns`: restricted, unless one of its notebooks opts in to root
/// (`baseline`) or a privileged container (`privileged`); audited against restricted in any case.
pub fn notebook_namespace(env: &Environment, ns: &str) -> Value {
    let level = env
        .notebooks
        .iter()
        .filter(|n| n.namespace == ns)
        .map(|n| security::level(&n.definition.spec.security_context))
        .max()
        .unwrap_or(PodSecurityLevel::Restricted);
    namespace_at(ns, level)
}

fn namespace_at(ns: &str, level: PodSecurityLevel) -> Value {
    object(
        "v1",
        "Namespace",
        metadata(
            ns,
            None,
            &[
                ("pod-security.kubernetes.io/enforce", level.as_str()),
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
