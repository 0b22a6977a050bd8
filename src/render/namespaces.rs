//! Every Namespace object of an environment, each rendered into exactly one layer: the first, in the order Flux
//! applies them, that puts objects there (a layer after it depends on it). A namespace a definition says exists
//! already (`managed: false`, the Environment's `existingNamespaces`) is never rendered, so never pruned.

use super::files::Files;
use super::layout::Layout;
use super::object::HUB_LABEL;
use super::object::{metadata, object};
use super::{controller, notebooks, secrets};
use crate::model::hub::HubSpec;
use crate::model::{Definition, Environment};
use crate::notebook::security::{self, PodSecurityLevel};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where one Namespace object is rendered, from which definitions, and the object.
struct Home {
    /// Path under `generated/<env>/`.
    path: String,
    sources: Vec<String>,
    object: Value,
}

/// Render the Namespace of every namespace the environment owns, once, into the layer that owns it.
/// The quotas of the environment go beside the Namespace objects ([`super::quotas`]).
pub fn render(env: &Environment, layout: &Layout, files: &mut Files) {
    let homes = homes(env, layout);
    if !env.definition.spec.quotas.is_empty() {
        let paths = homes
            .iter()
            .map(|(ns, home)| (ns.clone(), home.path.clone()))
            .collect();
        super::quotas::render(env, layout, &paths, files);
    }
    for home in homes.into_values() {
        files.object(&home.path, &home.sources, &home.object);
    }
}

/// The owned namespaces, by name: each claimed by the first layer that needs it.
fn homes(env: &Environment, layout: &Layout) -> BTreeMap<String, Home> {
    let spec = &env.definition.spec;
    let mut homes: BTreeMap<String, Home> = BTreeMap::new();
    // The object is built only for a namespace not claimed yet (one notebook namespace's level reads every
    // notebook of the environment).
    let mut claim = |ns: &str, path: String, sources: &[String], object: &dyn Fn() -> Value| {
        homes.entry(ns.to_owned()).or_insert_with(|| Home {
            path,
            sources: sources.to_vec(),
            object: object(),
        });
    };
    if controller::renders(env) {
        let ns = spec.controller.namespace.as_str();
        let path = format!("{}/namespace.yaml", controller::LAYER);
        claim(ns, path, &env.definition.sources, &|| restricted(ns));
    }
    let managed = |ns: &str| !spec.existing_namespaces.iter().any(|e| e == ns);
    let owned_hubs = || env.hubs.iter().filter(|hub| hub.namespace_managed());
    // Hubs and notebooks that read secrets get their namespace in the secrets layer, which their layers wait for.
    for hub in owned_hubs().filter(|hub| hub.spec.uses_secrets()) {
        let ns = hub.namespace();
        let path = format!(
            "{}/namespace.yaml",
            layout.namespace_dir(secrets::LAYER, &ns)
        );
        claim(&ns, path, &hub.sources, &|| hub_namespace(hub));
    }
    for (ns, readers) in secrets::notebook_readers(env) {
        if managed(ns) {
            let mut sources: Vec<String> = Vec::new();
            for source in readers.iter().flat_map(|(n, _)| &n.definition.sources) {
                if !sources.contains(source) {
                    sources.push(source.clone());
                }
            }
            let path = format!(
                "{}/namespace.yaml",
                layout.namespace_dir(secrets::LAYER, ns)
            );
            claim(ns, path, &sources, &|| notebook_namespace(env, ns));
        }
    }
    for hub in owned_hubs().filter(|hub| !hub.spec.uses_secrets()) {
        let path = format!("hubs/{}/namespace.yaml", hub.name);
        claim(&hub.namespace(), path, &hub.sources, &|| hub_namespace(hub));
    }
    for notebook in &env.notebooks {
        let ns = notebook.namespace.as_str();
        if managed(ns) {
            let path = format!(
                "{}/namespace.yaml",
                layout.namespace_dir(notebooks::LAYER, ns)
            );
            let object = || notebook_namespace(env, ns);
            claim(ns, path, &notebook.definition.sources, &object);
        }
    }
    homes
}

/// A notebook's (or the controller's) namespace, held to the restricted Pod Security Standard.
pub fn restricted(ns: &str) -> Value {
    namespace(
        ns,
        &[
            ("pod-security.kubernetes.io/enforce", "restricted"),
            ("pod-security.kubernetes.io/audit", "restricted"),
        ],
    )
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
    namespace(
        ns,
        &[
            ("pod-security.kubernetes.io/enforce", level.as_str()),
            ("pod-security.kubernetes.io/audit", "restricted"),
        ],
    )
}

/// The hub's Namespace, enforcing its Pod Security level (`spec.podSecurity`, restricted by default) and warning
/// at it; audited against restricted in any case.
pub fn hub_namespace(hub: &Definition<HubSpec>) -> Value {
    let level = hub.spec.pod_security.as_str();
    namespace(
        &hub.namespace(),
        &[
            (HUB_LABEL, hub.name.as_str()),
            ("pod-security.kubernetes.io/enforce", level),
            ("pod-security.kubernetes.io/audit", "restricted"),
            ("pod-security.kubernetes.io/warn", level),
        ],
    )
}

fn namespace(name: &str, labels: &[(&str, &str)]) -> Value {
    object("v1", "Namespace", metadata(name, None, labels), json!({}))
}

#[cfg(test)]
mod tests {
    use crate::load::{Sources, load_sources};
    use std::sync::Arc;

    const ENVIRONMENT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org, secretStore: vault}\n";
    const VAULT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: vault}\nspec: {server: https://vault.example.org, path: secret, auth: {kubernetes: {role: nb}}}\n";
    const NOTEBOOK: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Notebook\nmetadata: {name: nb, namespace: work}\nspec:\n  image: quay.io/jupyter/base-notebook:2025-01-13\n  owner: ann\n  storage: {new: {size: 1Gi}}\n  routing: {}\n  auth: {token: {vault: \"nb#token\"}}\n";

    /// The paths of the Namespace objects named `name` in the rendered environment.
    fn rendered(env: &crate::model::Environment, name: &str) -> Vec<String> {
        let tree = super::super::render_environment(env, super::super::Options::default());
        tree.iter()
            .filter(|(_, bytes)| {
                let text = std::str::from_utf8(bytes).unwrap();
                text.contains("\nkind: Namespace\n")
                    && text.contains(&format!("\n  name: {name}\n"))
            })
            .map(|(path, _)| path.to_owned())
            .collect()
    }

    #[test]
    fn a_namespace_two_layers_need_is_rendered_by_the_first() {
        let sources = Sources::from_files(&[
            ("overlays/base/notebook.yaml", NOTEBOOK),
            ("overlays/base/vault.yaml", VAULT),
            ("overlays/dev/environment.yaml", ENVIRONMENT),
        ]);
        let mut model = load_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
        let env = &mut model.environments[0];
        // It reads a secret: the secrets layer, which the notebooks layer waits for, has its Namespace.
        assert_eq!(
            rendered(env, "work"),
            ["generated/dev/secrets/work/namespace.yaml"]
        );
        // Loading refuses a notebook in the controller's namespace; were one to get through, the controller layer
        // would still be the only one rendering that Namespace.
        let mut moved = (*env.notebooks[0]).clone();
        moved.namespace = "jupyflux-system".into();
        env.notebooks = vec![Arc::new(moved)];
        assert_eq!(
            rendered(env, "jupyflux-system"),
            ["generated/dev/controller/namespace.yaml"]
        );
    }

    #[test]
    fn a_namespace_said_to_exist_is_not_rendered() {
        let environment = ENVIRONMENT.replace(
            "secretStore: vault",
            "secretStore: vault, existingNamespaces: [work]",
        );
        let sources = Sources::from_files(&[
            ("overlays/base/notebook.yaml", NOTEBOOK),
            ("overlays/base/vault.yaml", VAULT),
            ("overlays/dev/environment.yaml", &environment),
        ]);
        let model = load_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
        assert!(rendered(&model.environments[0], "work").is_empty());
    }
}
