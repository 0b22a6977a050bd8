//! `Image` definitions and the fields that name them: each build context hashed once, and every
//! `{fromImage: NAME}` replaced by `repository:tag` before hubs and notebooks are typed, so everything after
//! loading (policy, capacity, rules, rendering) sees an ordinary pinned reference.

use super::node::{Node, Value};
use super::report::Reporter;
use super::validate::{field_path, loc_at};
use super::{Contribution, Merged, typed};
use crate::images::context::{ContextError, Repository};
use crate::model::image_definition::{BuiltImage, FROM_IMAGE, ImageSpec, ImageUse, UNRESOLVED_TAG};
use crate::model::{Kind, is_dns_label};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The fields of a hub that may name an `Image` (`*`: every item of a list).
const HUB_FIELDS: &[&[&str]] = &[
    &["spec", "singleuser", "image"],
    &["spec", "profiles", "*", "images", "*"],
    &[
        "spec", "profiles", "*", "options", "*", "choices", "*", "image",
    ],
    &["spec", "rules", "*", "images", "*"],
];

/// The fields of a notebook that may name an `Image`.
const NOTEBOOK_FIELDS: &[&[&str]] = &[&["spec", "image"]];

/// Tags already computed, by context and exclusions: environments sharing an `Image` hash it once.
#[derive(Default)]
pub struct Tags {
    known: BTreeMap<(String, Vec<String>), Result<String, ContextError>>,
}

impl Tags {
    fn tag(&mut self, repository: &Repository, spec: &ImageSpec) -> Result<String, ContextError> {
        let key = (spec.context.clone(), spec.exclude.clone());
        self.known
            .entry(key)
            .or_insert_with(|| repository.tag(&spec.context, &spec.exclude))
            .clone()
    }
}

/// Read the environment's `Image` definitions, hash their contexts, and replace every `{fromImage: NAME}` of
/// its hubs and notebooks; returns the images with what uses them.
pub fn resolve(
    env: &str,
    merged: &mut Merged<'_>,
    repository: &Repository,
    tags: &mut Tags,
    report: &mut Reporter,
) -> Vec<BuiltImage> {
    let mut images: Vec<(BuiltImage, bool)> = Vec::new();
    // Images whose definition is not even readable (reported): naming one is no second problem.
    let mut unreadable: Vec<&str> = Vec::new();
    for ((kind, name), doc) in merged.iter() {
        if *kind != Kind::Image {
            continue;
        }
        let Some(definition) = typed::<ImageSpec>(*kind, name, doc, report) else {
            unreadable.push(name);
            continue;
        };
        let valid = check(name, &definition.spec, &doc.node, report);
        let tag = match tags.tag(repository, &definition.spec) {
            Ok(tag) => Some(tag),
            Err(e) => {
                report.at(
                    loc_at(&doc.node, &["spec", "context"]),
                    format!("Image `{name}`: {e}"),
                    Some(help(&e)),
                );
                None
            }
        };
        let usable = valid && tag.is_some();
        let image = BuiltImage {
            definition,
            tag: tag.unwrap_or_else(|| UNRESOLVED_TAG.to_owned()),
            used_by: Vec::new(),
        };
        images.push((image, usable));
    }
    let unreadable: Vec<String> = unreadable.into_iter().map(str::to_owned).collect();
    for ((kind, name), doc) in merged.iter_mut() {
        let fields = match kind {
            Kind::Hub => HUB_FIELDS,
            Kind::Notebook => NOTEBOOK_FIELDS,
            _ => continue,
        };
        let mut found = Vec::new();
        for pattern in fields {
            matches(&doc.node, pattern, &mut Vec::new(), &mut found);
        }
        if found.is_empty() {
            continue;
        }
        // Only a definition naming an image is copied (a base notebook is otherwise shared by environments).
        let doc: &mut Contribution = Cow::to_mut(doc);
        let namespace = doc
            .node
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned();
        for path in found {
            let Some(node) = node_mut(&mut doc.node, &path) else {
                continue;
            };
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            let field = field_path(&parts);
            let what = format!("{} `{name}`, {field}", kind.name());
            let Some(wanted) = reference(node, &what, report) else {
                node.value = Value::Str(format!("{FROM_IMAGE}:{UNRESOLVED_TAG}"));
                continue;
            };
            let reference = match images.iter_mut().find(|(i, _)| i.definition.name == wanted) {
                Some((image, usable)) => {
                    image.used_by.push(ImageUse {
                        kind: *kind,
                        name: name.clone(),
                        namespace: namespace.clone(),
                        field,
                    });
                    if *usable {
                        image.reference()
                    } else {
                        format!("{}:{UNRESOLVED_TAG}", image.definition.spec.repository)
                    }
                }
                None if unreadable.contains(&wanted) => format!("{FROM_IMAGE}:{UNRESOLVED_TAG}"),
                None => {
                    let names: Vec<&str> = images
                        .iter()
                        .map(|(i, _)| i.definition.name.as_str())
                        .collect();
                    report.at(
                        node.loc,
                        format!("{what}: no Image `{wanted}` in environment `{env}`"),
                        Some(if names.is_empty() {
                            format!("define it: `kind: Image`, `metadata: {{name: {wanted}}}`, `spec: {{repository: …, context: …}}` (docs/images.md)")
                        } else {
                            format!("name one of this environment's Images: {}", names.join(", "))
                        }),
                    );
                    format!("{FROM_IMAGE}:{UNRESOLVED_TAG}")
                }
            };
            node.value = Value::Str(reference);
        }
    }
    images.into_iter().map(|(image, _)| image).collect()
}

/// The name a `{fromImage: NAME}` mapping gives, or the problem with the mapping.
fn reference(node: &Node, what: &str, report: &mut Reporter) -> Option<String> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let mut name = None;
    for entry in entries {
        if entry.key == FROM_IMAGE {
            match entry.value.as_str() {
                Some(text) if is_dns_label(text) => name = Some(text.to_owned()),
                _ => report.at(
                    entry.value.loc,
                    format!("{what}: `{FROM_IMAGE}` is not the name of an Image"),
                    Some(
                        "the `metadata.name` of an Image definition, e.g. `fromImage: pytorch-gpu`"
                            .into(),
                    ),
                ),
            }
        } else {
            report.at(
                entry.key_loc,
                format!("{what}: unknown field `{}` next to `{FROM_IMAGE}`", entry.key.as_str()),
                Some(format!("an image is `repository:tag` or `{{{FROM_IMAGE}: NAME}}` alone; the tag is the content hash of the Image's build context")),
            );
            return None;
        }
    }
    name
}

/// Problems of an `Image` spec other than its context's contents; whether it can be hashed.
fn check(name: &str, spec: &ImageSpec, node: &Node, report: &mut Reporter) -> bool {
    let mut valid = true;
    let repository = &spec.repository;
    let last = repository.rsplit('/').next().unwrap_or_default();
    let problem = if repository.is_empty()
        || repository.contains(char::is_whitespace)
        || repository.ends_with('/')
    {
        Some("is not an image repository")
    } else if last.contains(':') || repository.contains('@') {
        Some("has a tag or digest")
    } else {
        None
    };
    if let Some(problem) = problem {
        valid = false;
        report.at(
            loc_at(node, &["spec", "repository"]),
            format!("Image `{name}`: repository `{repository}` {problem}"),
            Some("the registry and repository alone, e.g. `registry.example.org/research/pytorch-gpu`: the tag is the content hash of the context".into()),
        );
    }
    for (i, exclude) in spec.exclude.iter().enumerate() {
        let trimmed = exclude.trim_matches('/');
        if trimmed.is_empty()
            || trimmed
                .split('/')
                .any(|p| p == ".." || p == "." || p.is_empty())
        {
            valid = false;
            report.at(
                loc_at(node, &["spec", "exclude", &i.to_string()]),
                format!("Image `{name}`: exclude `{exclude}` is not a path inside the context"),
                Some("a path relative to the context, e.g. `ops/`".into()),
            );
        }
    }
    valid
}

/// The help for a context that cannot be hashed.
fn help(error: &ContextError) -> String {
    match error {
        ContextError::NotADirectory(_) => "a directory of the repository, relative to its root (where overlays/ is), other than the root itself, e.g. `images/pytorch-gpu`".into(),
        ContextError::RepositoryRoot => "put what the image is built from in a directory of its own, e.g. `images/pytorch-gpu`".into(),
        ContextError::LinkedContext(_) => "name the directory the link points to, inside the repository".into(),
        ContextError::LinkEscapes { .. } => "make the link point inside the repository, or copy what it points to into the context".into(),
        ContextError::Special(_) => "remove it, or leave it out with `exclude`".into(),
        ContextError::NotUtf8(_) => "rename it with a UTF-8 name, or leave it out with `exclude`".into(),
        ContextError::TooLarge(_) => "leave out what the build does not need with `exclude`".into(),
        ContextError::Io { .. } => "check the context can be read".into(),
        ContextError::NoRepository => "load the definitions from a repository on disk".into(),
    }
}

/// Every concrete path of `node` matching `pattern` (`*` matching each item of a list) whose node is a mapping
/// with `fromImage`.
fn matches(node: &Node, pattern: &[&str], at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Some((first, rest)) = pattern.split_first() else {
        if node.entry(FROM_IMAGE).is_some() {
            out.push(at.clone());
        }
        return;
    };
    if *first == "*" {
        if let Value::Seq(items) = &node.value {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                matches(item, rest, at, out);
                at.pop();
            }
        }
    } else if let Some(child) = node.get(first) {
        at.push((*first).to_owned());
        matches(child, rest, at, out);
        at.pop();
    }
}

/// The node at a concrete path (keys, and indexes into lists).
fn node_mut<'a>(node: &'a mut Node, path: &[String]) -> Option<&'a mut Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match &mut node.value {
        Value::Seq(items) => items.get_mut(first.parse::<usize>().ok()?)?,
        Value::Map(entries) => &mut entries.iter_mut().find(|e| e.key == first.as_str())?.value,
        _ => return None,
    };
    node_mut(child, rest)
}
