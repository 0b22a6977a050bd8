//! Reading `overlays/`: files → located YAML → merged per environment → typed, validated model.
//!
//! Every directory under `overlays/` except `base/` is an environment; it sees all of `base/` plus its own files.
//! A document in an environment with the same kind and name as one in base is merged over it.

mod capacity;
mod cilogon;
pub mod classify;
pub mod de;
pub mod discover;
mod extra_objects;
mod hub_settings;
mod image_refs;
mod images;
mod load_balancer;
pub mod merge;
mod namespaces;
pub mod node;
pub mod plaintext;
pub(crate) mod pod_security;
mod policy;
mod profiles;
mod quotas;
mod release;
pub mod report;
mod routes;
mod rules;
mod secrets;
mod sections;
mod services;
mod sidecars;
mod singleuser;
mod validate;

pub use validate::loc_at as validate_loc;

pub use discover::{SourceFile, Sources, read_sources};
pub use validate::{field_path, loc_at};

use crate::diagnostic::Diagnostics;
use crate::model::secret_store::SecretStoreSpec;
use crate::model::{
    Definition, Document, Environment, EnvironmentSpec, HubSpec, Kind, Model, NotebookDefinition,
    VaultStoreSpec, is_dns_label,
};
use classify::{Identified, identify};
use node::{FileId, Loc, Node, parse_options};
use report::Reporter;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Read and validate the definitions under `<root>/overlays/`.
pub fn load(root: &Path) -> Result<Model, Diagnostics> {
    load_owned(read_sources(root)?, None).map(|(model, _)| model)
}

/// [`load`], keeping each hub's merged document with its locations for the checks `validate` runs on the
/// rendered output ([`crate::checks`]).
pub fn load_located(root: &Path) -> Result<(Model, Located), Diagnostics> {
    let mut located = Located::default();
    let (model, files) = load_owned(read_sources(root)?, Some(&mut located))?;
    located.files = files;
    Ok((model, located))
}

/// Where each hub's fields are: its merged document (every value with its file, line and column).
#[derive(Debug, Default)]
pub struct Located {
    /// The definition files, by [`node::FileId`].
    files: Vec<String>,
    /// Each hub's merged document, by environment and hub name.
    pub hubs: BTreeMap<(String, String), Node>,
}

impl Located {
    /// A location as problems name it.
    pub fn location(&self, loc: Loc) -> crate::diagnostic::Location {
        crate::diagnostic::Location {
            file: self
                .files
                .get(loc.file.0 as usize)
                .cloned()
                .unwrap_or_default(),
            position: Some((loc.line, loc.column)),
        }
    }
}

/// A document that contributed to a definition, kept with where it came from.
#[derive(Clone)]
struct Contribution {
    node: Node,
    name_loc: Loc,
    files: Vec<FileId>,
}

/// The documents of one scope (`base/` or one environment), keyed by kind and name.
type Scope = BTreeMap<(Kind, String), Contribution>;

/// A definition of one environment: base's document as it is (borrowed, not copied per environment), or one
/// the environment defines or merges over base.
type Merged<'a> = BTreeMap<(Kind, String), Cow<'a, Contribution>>;

/// Validate definitions already read into memory. The result does not depend on the order of `sources.files`.
pub fn load_sources(sources: &Sources) -> Result<Model, Diagnostics> {
    load_owned(sources.clone(), None).map(|(model, _)| model)
}

/// Tests: load hub `lab` of environment `dev` (`dev.example.org`, secrets from VaultStore `vault`) whose spec is
/// `spec` (YAML indented under `spec:`, so the spec's first line is line 5 of `overlays/base/hub.yaml`).
#[cfg(test)]
pub fn load_hub_spec(spec: &str) -> Result<Model, Diagnostics> {
    let hub = format!(
        "apiVersion: jupyflux.dev/v1alpha1\nkind: Hub\nmetadata: {{name: lab}}\nspec:\n{spec}"
    );
    let env = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org, secretStore: vault}\n";
    let vault = "apiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: vault}\nspec: {server: https://vault.example.org, path: secret, auth: {kubernetes: {role: hub}}}\n";
    load_sources(&Sources::from_files(&[
        ("overlays/base/hub.yaml", &hub),
        ("overlays/base/vault.yaml", vault),
        ("overlays/dev/environment.yaml", env),
    ]))
}

/// Tests: the problems (empty when none) of hub `lab` whose spec is `spec` (see [`load_hub_spec`]).
#[cfg(test)]
pub fn hub_problems(spec: &str) -> String {
    load_hub_spec(spec)
        .err()
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// Tests: [`load_hub_spec`] of chart 4.3.2 with the dummy authenticator, then `spec_tail`.
#[cfg(test)]
pub fn load_test_hub(spec_tail: &str) -> Result<Model, Diagnostics> {
    load_hub_spec(&format!(
        "  chart: {{version: \"4.3.2\"}}\n  auth: {{dummy: {{}}}}\n{spec_tail}"
    ))
}

/// Tests: the problems of [`load_test_hub`].
#[cfg(test)]
pub fn test_hub_problems(spec_tail: &str) -> String {
    load_test_hub(spec_tail)
        .err()
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// [`load_sources`], freeing each text once it is parsed (the documents, then the model, are what stays); with
/// `located`, each hub's merged document is kept there, and the file table is returned too.
fn load_owned(
    mut sources: Sources,
    mut located: Option<&mut Located>,
) -> Result<(Model, Vec<String>), Diagnostics> {
    sources.files.sort_by(|a, b| a.path.cmp(&b.path));
    // Parsing is most of loading and files are independent: parse on every core, then file in order.
    let parsed = crate::parallel::map(&sources.files, 16, parse_file);
    sources
        .files
        .iter_mut()
        .for_each(|f| f.text = String::new());
    let files: Vec<&SourceFile> = sources.files.iter().collect();
    let mut environments = sources.environments.clone();
    environments.sort();
    environments.dedup();

    let mut report = Reporter::new(&files);
    let mut base = Scope::new();
    let mut scopes: BTreeMap<&str, Scope> = environments
        .iter()
        .map(|e| (e.as_str(), Scope::new()))
        .collect();

    for (index, (file, parsed)) in files.iter().zip(parsed).enumerate() {
        let id = FileId(index as u32);
        let Some(dir) = file.path.split('/').nth(1) else {
            continue;
        };
        let documents = match parsed {
            Ok(mut documents) => {
                documents.iter_mut().for_each(|d| d.set_file(id));
                documents
            }
            Err((line, column, message)) => {
                report.at(
                    Loc {
                        file: id,
                        line,
                        column,
                    },
                    format!("invalid YAML: {message}"),
                    Some("fix the YAML syntax; nothing from this file was read".into()),
                );
                continue;
            }
        };
        for document in documents {
            plaintext::check(&document, &mut report);
            // A document with a bad name is not used, but the rest of it is still checked: every problem at once.
            let spare = badly_named(&document).then(|| document.clone());
            let Some(doc) = identify(document, &mut report) else {
                if let Some(node) = spare {
                    check_unused(&node, &mut report);
                }
                continue;
            };
            let scope = if dir == "base" {
                &mut base
            } else {
                scopes.entry(dir).or_default()
            };
            add(scope, doc, id, &mut report);
        }
    }

    let mut model = Model::default();
    let mut shared = Shared::default();
    let mut tags = image_refs::Tags::default();
    for (env, scope) in scopes {
        if !is_dns_label(env) {
            report.whole(
                &format!("overlays/{env}"),
                format!("environment directory `{env}` is not a DNS-1123 label"),
                Some("rename it with lowercase letters, digits and `-`".into()),
            );
            continue;
        }
        let keep = located.as_deref_mut();
        let context = Context {
            shared: &mut shared,
            repository: &sources.repository,
            tags: &mut tags,
        };
        if let Some(environment) = assemble(env, &base, scope, context, keep, &mut report) {
            model.environments.push(environment);
        }
    }
    for ((kind, name), doc) in &base {
        if *kind == Kind::Environment && !environments.contains(name) {
            report.at(
                doc.name_loc,
                format!("Environment `{name}` in base matches no environment directory"),
                Some(format!(
                    "an Environment applies to the directory overlays/<name>/; existing: {}",
                    environments.join(", ")
                )),
            );
        }
    }
    let problems = report.problems.finish();
    if problems.is_empty() {
        // The file table outlives loading only for `validate`'s checks.
        let table = match located {
            Some(_) => files.iter().map(|f| f.path.clone()).collect(),
            None => Vec::new(),
        };
        Ok((model, table))
    } else {
        Err(problems)
    }
}

/// Whether a document names itself with a string that is not a valid name ([`identify`] drops it).
fn badly_named(document: &Node) -> bool {
    document
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .is_some_and(|name| !is_dns_label(name))
}

/// Report the problems of the typed fields of a document that cannot be used (its name is wrong).
fn check_unused(node: &Node, report: &mut Reporter) {
    let Some(kind) = node
        .get("kind")
        .and_then(Node::as_str)
        .and_then(Kind::from_name)
    else {
        return;
    };
    let name = node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let errors = match kind {
        Kind::Environment => de::from_node::<Document<EnvironmentSpec>>(node).err(),
        Kind::Hub => de::from_node::<Document<HubSpec>>(node).err(),
        Kind::VaultStore => de::from_node::<Document<VaultStoreSpec>>(node).err(),
        Kind::SecretStore => de::from_node::<Document<SecretStoreSpec>>(node).err(),
        Kind::Notebook => de::from_node::<Document<crate::notebook::NotebookSpec>>(node).err(),
        Kind::Image => {
            de::from_node::<Document<crate::model::image_definition::ImageSpec>>(node).err()
        }
    };
    let what = format!("{} `{name}`", kind.name());
    for e in errors.unwrap_or_default() {
        report.de_error(&what, e);
    }
}

/// Parse every document of a file; a syntax error comes back as its line, column and message.
fn parse_file(file: &SourceFile) -> Result<Vec<Node>, (u32, u32, String)> {
    match serde_saphyr::from_multiple_with_options::<Node>(&file.text, parse_options()) {
        Ok(mut documents) => {
            documents.retain(|d| d.value != node::Value::Null);
            Ok(documents)
        }
        Err(e) => {
            let (line, column) = e
                .location()
                .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
            let text = e.to_string();
            let message = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(m, _)| m);
            // The parser quotes keys and text it stumbled on; a key may be a secret pasted in the wrong place.
            let message = match message.split_once("duplicate mapping key") {
                Some((before, _)) => {
                    format!("{before}duplicate mapping key (name not shown); keep one of them")
                }
                None => crate::diagnostic::shown_within(message, 240, 160).into_owned(),
            };
            Err((line, column, message))
        }
    }
}

fn add(scope: &mut Scope, doc: Identified, file: FileId, report: &mut Reporter) {
    let key = (doc.kind, doc.name);
    if let Some(first) = scope.get(&key) {
        let first_at = report.location(first.name_loc);
        report.at(
            doc.name_loc,
            format!("duplicate {} `{}`: defined twice in the same directory", key.0.name(), key.1),
            Some(format!("first defined at {first_at}; rename one, or keep one and put per-environment changes in overlays/<environment>/")),
        );
        return;
    }
    scope.insert(
        key,
        Contribution {
            node: doc.node,
            name_loc: doc.name_loc,
            files: vec![file],
        },
    );
}

/// Typed base notebooks that no environment changed, read once and shared by every environment.
type Shared = BTreeMap<String, Arc<NotebookDefinition>>;

/// What loading one environment shares with the others.
struct Context<'a> {
    /// Base notebooks already typed.
    shared: &'a mut Shared,
    /// Where `Image` build contexts are read from.
    repository: &'a crate::images::context::Repository,
    /// Build contexts already hashed.
    tags: &'a mut image_refs::Tags,
}

/// Merge one environment over base and read its typed definitions.
fn assemble(
    env: &str,
    base: &Scope,
    own: Scope,
    context: Context<'_>,
    located: Option<&mut Located>,
    report: &mut Reporter,
) -> Option<Environment> {
    let Context {
        shared,
        repository,
        tags,
    } = context;
    let mut merged: Merged<'_> = base
        .iter()
        .map(|(key, doc)| (key.clone(), Cow::Borrowed(doc)))
        .collect();
    for (key, doc) in own {
        match merged.remove(&key) {
            Some(below) => {
                let below = below.into_owned();
                let mut files = below.files;
                files.extend(doc.files);
                let node = merge::merge(below.node, doc.node);
                merged.insert(
                    key,
                    Cow::Owned(Contribution {
                        node,
                        name_loc: doc.name_loc,
                        files,
                    }),
                );
            }
            None => {
                merged.insert(key, Cow::Owned(doc));
            }
        }
    }

    let images = image_refs::resolve(env, &mut merged, repository, tags, report);
    let mut definition = None;
    let mut hubs = Vec::new();
    let mut nodes = Vec::new();
    let mut vault_stores = Vec::new();
    let mut store_nodes = Vec::new();
    let mut secret_stores = Vec::new();
    let mut secret_store_nodes = Vec::new();
    let mut notebooks = Vec::new();
    let mut notebook_nodes = Vec::new();
    for ((kind, name), doc) in &merged {
        match kind {
            Kind::Environment if name != env => {
                if doc
                    .files
                    .iter()
                    .any(|f| report.file(*f).starts_with(&format!("overlays/{env}/")))
                {
                    report.at(
                        doc.name_loc,
                        format!("the Environment in overlays/{env}/ is named `{name}`"),
                        Some(format!("name it after its directory: `name: {env}`")),
                    );
                }
            }
            Kind::Environment => definition = typed::<EnvironmentSpec>(*kind, name, doc, report),
            Kind::Hub => {
                if let Some(hub) = typed::<HubSpec>(*kind, name, doc, report) {
                    nodes.push(&doc.node);
                    hubs.push(hub);
                }
            }
            Kind::VaultStore => {
                if let Some(store) = typed::<VaultStoreSpec>(*kind, name, doc, report) {
                    store_nodes.push(&doc.node);
                    vault_stores.push(store);
                }
            }
            Kind::SecretStore => {
                if let Some(store) = typed::<SecretStoreSpec>(*kind, name, doc, report) {
                    secret_store_nodes.push(&doc.node);
                    secret_stores.push(store);
                }
            }
            Kind::Image => {}
            Kind::Notebook => {
                let from_base = matches!(doc, Cow::Borrowed(_));
                if let Some(notebook) = from_base.then(|| shared.get(name)).flatten() {
                    notebook_nodes.push(&doc.node);
                    notebooks.push(Arc::clone(notebook));
                } else if let Some((definition, namespace)) =
                    typed_in_namespace(*kind, name, doc, report)
                {
                    validate::notebook(&definition, &doc.node, report);
                    notebook_nodes.push(&doc.node);
                    let notebook = Arc::new(NotebookDefinition {
                        namespace,
                        definition,
                    });
                    if from_base {
                        shared.insert(name.clone(), Arc::clone(&notebook));
                    }
                    notebooks.push(notebook);
                }
            }
        }
    }
    let Some(definition) = definition else {
        if !merged.contains_key(&(Kind::Environment, env.to_owned())) {
            report.whole(
                &format!("overlays/{env}"),
                format!("environment `{env}` has no Environment document"),
                Some(format!(
                    "add overlays/{env}/environment.yaml with `kind: Environment` and `metadata: {{name: {env}}}` (spec.domain is required)"
                )),
            );
        }
        return None;
    };
    let environment = Environment {
        name: env.to_owned(),
        definition,
        hubs,
        vault_stores,
        secret_stores,
        notebooks,
        images,
    };
    let env_node = &merged[&(Kind::Environment, env.to_owned())].node;
    validate::environment(&environment, env_node, &nodes, report);
    namespaces::validate(&environment, env_node, &nodes, &notebook_nodes, report);
    quotas::validate(&environment, env_node, report);
    extra_objects::validate(&environment, &nodes, report);
    routes::notebook_routes(&environment, &notebook_nodes, report);
    capacity::validate(&environment, env_node, &nodes, &notebook_nodes, report);
    policy::validate(&environment, &nodes, &notebook_nodes, report);
    secrets::validate(
        &environment,
        env_node,
        &nodes,
        &store_nodes,
        &secret_store_nodes,
        &notebook_nodes,
        report,
    );
    if let Some(located) = located {
        for (hub, node) in environment.hubs.iter().zip(&nodes) {
            let key = (env.to_owned(), hub.name.clone());
            located.hubs.insert(key, (*node).clone());
        }
    }
    Some(environment)
}

/// Read a merged document as its typed definition, reporting every problem.
fn typed<S: DeserializeOwned>(
    kind: Kind,
    name: &str,
    doc: &Contribution,
    report: &mut Reporter,
) -> Option<Definition<S>> {
    typed_in_namespace(kind, name, doc, report).map(|(definition, _)| definition)
}

/// [`typed`], with `metadata.namespace` (empty when absent; `classify` checked which kinds have one).
fn typed_in_namespace<S: DeserializeOwned>(
    kind: Kind,
    name: &str,
    doc: &Contribution,
    report: &mut Reporter,
) -> Option<(Definition<S>, String)> {
    match de::from_node::<Document<S>>(&doc.node) {
        Ok(document) => {
            let mut sources: Vec<String> = Vec::new();
            for f in &doc.files {
                let path = report.file(*f);
                if !sources.iter().any(|s| s == path) {
                    sources.push(path.to_owned());
                }
            }
            let definition = Definition {
                name: document.metadata.name,
                sources,
                spec: document.spec,
            };
            Some((definition, document.metadata.namespace.unwrap_or_default()))
        }
        Err(errors) => {
            let what = format!("{} `{name}`", kind.name());
            errors.into_iter().for_each(|e| report.de_error(&what, e));
            None
        }
    }
}
