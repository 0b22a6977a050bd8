//! A small Kustomize patch engine, so `validate` can apply a hub's `spec.patches` to its rendered objects and
//! report a patch that does not parse, selects nothing or does not apply — before `kustomize build` (and Flux)
//! would fail on it. It implements what Kustomize's `patches` field does with an inline patch: the target
//! selector ([`target`]), JSON 6902 patches ([`json6902`]) and strategic merge patches ([`strategic`]).

pub mod json6902;
pub mod strategic;
pub mod target;

use serde_json::{Map, Value};
use strategic::Outcome;
use target::Target;

/// A patch text, read.
#[derive(Debug)]
pub enum Parsed {
    /// A list of operations.
    Json6902(Vec<json6902::Operation>),
    /// One or more documents merged in turn.
    Strategic(Vec<Value>),
}

/// Why a patch cannot be applied.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum PatchError {
    #[error("its target is wrong: {0}")]
    Target(String),
    #[error("the patch does not parse: {0}")]
    Parse(String),
    #[error("its target selects none of the hub's objects ({0})")]
    NoMatch(String),
    #[error("it does not apply to {object}: {why}")]
    Failed { object: String, why: String },
}

impl PatchError {
    /// What would be right, for a `help:` line.
    pub fn help(&self) -> &'static str {
        match self {
            PatchError::Target(_) | PatchError::NoMatch(_) => {
                "select objects by kind, name (a regular expression), namespace, group, version, labelSelector or annotationSelector"
            }
            PatchError::Parse(_) => {
                "write a JSON 6902 patch (a list of {op, path, value} operations) or a strategic merge patch (a map with kind, metadata.name and the fields to change)"
            }
            PatchError::Failed { .. } => {
                "`jupyflux values` and the rendered generated/<env>/hubs/<hub>/ show what the patch applies to"
            }
        }
    }
}

/// Read a patch text as Kustomize does: a YAML list of operations is a JSON 6902 patch, a map (or several
/// documents) with `kind` and `metadata.name` a strategic merge patch.
pub fn parse(text: &str) -> Result<Parsed, PatchError> {
    let parse_error = |why: String| PatchError::Parse(why);
    let documents: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, crate::load::node::parse_options())
            .map_err(|e| parse_error(format!("not YAML: {}", first_line(&e.to_string()))))?;
    let documents: Vec<Value> = documents.into_iter().filter(|d| !d.is_null()).collect();
    match documents.as_slice() {
        [] => Err(parse_error("it is empty".into())),
        [list @ Value::Array(_)] => json6902::parse(list)
            .map(Parsed::Json6902)
            .map_err(|e| parse_error(format!("as a JSON 6902 patch, {e}"))),
        maps if maps.iter().all(Value::is_object) => {
            for map in maps {
                strategic::check(map).map_err(parse_error)?;
            }
            Ok(Parsed::Strategic(documents))
        }
        _ => Err(parse_error(
            "it is neither a list of operations nor a map (or maps)".into(),
        )),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// `Kind namespace/name` of an object, for messages.
pub fn identity(object: &Value) -> String {
    let meta = &object["metadata"];
    let name = meta["name"].as_str().unwrap_or("?");
    let kind = object["kind"].as_str().unwrap_or("?");
    match meta["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// Apply one patch to the objects it selects (in their order; an object a strategic merge patch deletes is
/// removed). Returns how many objects it selected; on an error the objects are unchanged.
pub fn apply(
    objects: &mut Vec<Value>,
    target: &Map<String, Value>,
    text: &str,
) -> Result<usize, PatchError> {
    let selector = Target::parse(target).map_err(PatchError::Target)?;
    let patch = parse(text)?;
    let selected: Vec<usize> = (0..objects.len())
        .filter(|i| selector.matches(&objects[*i]))
        .collect();
    if selected.is_empty() {
        let names: Vec<String> = objects.iter().map(identity).collect();
        return Err(PatchError::NoMatch(names.join(", ")));
    }
    let mut result = objects.clone();
    let mut deleted = Vec::new();
    for &i in &selected {
        let object = &mut result[i];
        let failed = |why: String| PatchError::Failed {
            object: identity(&objects[i]),
            why,
        };
        match &patch {
            Parsed::Json6902(operations) => json6902::apply(object, operations).map_err(failed)?,
            Parsed::Strategic(documents) => {
                for document in documents {
                    if strategic::apply(object, document).map_err(failed)? == Outcome::Deleted {
                        deleted.push(i);
                        break;
                    }
                }
            }
        }
    }
    for i in deleted.into_iter().rev() {
        result.remove(i);
    }
    *objects = result;
    Ok(selected.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objects() -> Vec<Value> {
        vec![
            json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
                "metadata": {"name": "jupyterhub", "namespace": "lab"}, "spec": {"interval": "12h"}}),
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": {"name": "lab", "namespace": "lab"}, "spec": {"interval": "30m"}}),
        ]
    }

    fn target(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_json_patch_and_a_strategic_merge_patch_apply_to_what_they_select() {
        let mut objects = objects();
        let json_patch = "- op: add\n  path: /spec/suspend\n  value: true\n";
        assert_eq!(
            apply(
                &mut objects,
                &target(json!({"kind": "HelmRelease"})),
                json_patch
            ),
            Ok(1)
        );
        assert_eq!(objects[1]["spec"]["suspend"], json!(true));
        let merge = "kind: Any\nmetadata: {name: any}\nspec: {interval: 1h}\n";
        assert_eq!(
            apply(&mut objects, &target(json!({"namespace": "lab"})), merge),
            Ok(2)
        );
        assert_eq!(objects[0]["spec"]["interval"], "1h");
        assert_eq!(
            objects[1]["spec"],
            json!({"interval": "1h", "suspend": true})
        );
        let delete = "kind: HelmRepository\nmetadata: {name: x}\n$patch: delete\n";
        assert_eq!(
            apply(
                &mut objects,
                &target(json!({"kind": "HelmRepository"})),
                delete
            ),
            Ok(1)
        );
        assert_eq!(objects.len(), 1);
    }

    #[test]
    fn a_patch_that_selects_nothing_does_not_parse_or_fails_leaves_the_objects_alone() {
        let mut objects = objects();
        let before = objects.clone();
        let add = "- {op: add, path: /spec/x, value: 1}";
        assert_eq!(
            apply(
                &mut objects,
                &target(json!({"kind": "HelmRelease", "name": "other"})),
                add
            ),
            Err(PatchError::NoMatch(
                "HelmRepository lab/jupyterhub, HelmRelease lab/lab".into()
            ))
        );
        let error = apply(
            &mut objects,
            &target(json!({})),
            "- {op: test, path: /kind, value: HelmRelease}",
        );
        assert_eq!(
            error.unwrap_err().to_string(),
            "it does not apply to HelmRepository lab/jupyterhub: operation 0 (test /kind): the value is \"HelmRepository\", not \"HelmRelease\""
        );
        for text in ["spec: {a: 1}", "- op: add\n  path: [", "", "just text"] {
            let error = apply(&mut objects, &target(json!({})), text).unwrap_err();
            assert!(matches!(error, PatchError::Parse(_)), "{text}: {error}");
        }
        assert_eq!(objects, before);
    }
}
