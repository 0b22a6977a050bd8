//! Which objects a Kustomize patch applies to: `group`, `version`, `kind`, `name` and `namespace` are anchored
//! regular expressions (`name: hub` is `^(?:hub)$`, `name: hub-.*` any hub), `labelSelector` and
//! `annotationSelector` are Kubernetes label selectors (`a=b`, `a!=b`, `a in (x, y)`, `a notin (x)`, `a`, `!a`).

use regex::Regex;
use serde_json::{Map, Value};

/// A parsed `target`.
#[derive(Debug)]
pub struct Target {
    /// `(field, pattern)` for group, version, kind, name, namespace.
    patterns: Vec<(&'static str, Regex)>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

const PATTERN_FIELDS: [&str; 5] = ["group", "version", "kind", "name", "namespace"];

/// One requirement of a label selector.
#[derive(Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Target {
    /// Read a `target` map; `Err` names the field that is wrong.
    pub fn parse(target: &Map<String, Value>) -> Result<Target, String> {
        let mut patterns = Vec::new();
        let mut labels = Vec::new();
        let mut annotations = Vec::new();
        for (field, value) in target {
            let Some(text) = value.as_str() else {
                return Err(format!("target.{field} must be a string"));
            };
            if text.is_empty() {
                continue;
            }
            match field.as_str() {
                "labelSelector" => {
                    labels = selector(text).map_err(|e| format!("target.labelSelector: {e}"))?
                }
                "annotationSelector" => {
                    annotations =
                        selector(text).map_err(|e| format!("target.annotationSelector: {e}"))?
                }
                other => {
                    let Some(name) = PATTERN_FIELDS.iter().find(|f| **f == other) else {
                        return Err(format!(
                            "target has an unknown field `{other}` (fields: {}, labelSelector, annotationSelector)",
                            PATTERN_FIELDS.join(", ")
                        ));
                    };
                    let regex = Regex::new(&format!("^(?:{text})$"))
                        .map_err(|e| format!("target.{other} is not a regular expression: {e}"))?;
                    patterns.push((*name, regex));
                }
            }
        }
        Ok(Target {
            patterns,
            labels,
            annotations,
        })
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let meta = &object["metadata"];
        let field = |name: &str| match name {
            "group" => group,
            "version" => version,
            "kind" => object["kind"].as_str().unwrap_or_default(),
            "name" => meta["name"].as_str().unwrap_or_default(),
            _ => meta["namespace"].as_str().unwrap_or_default(),
        };
        self.patterns
            .iter()
            .all(|(name, regex)| regex.is_match(field(name)))
            && self.labels.iter().all(|r| r.matches(&meta["labels"]))
            && self
                .annotations
                .iter()
                .all(|r| r.matches(&meta["annotations"]))
    }
}

impl Requirement {
    fn matches(&self, map: &Value) -> bool {
        let get = |key: &str| map.get(key).and_then(Value::as_str);
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v),
            Requirement::NotEquals(k, v) => get(k) != Some(v),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
        }
    }
}

/// Parse a label selector: requirements separated by commas outside parentheses.
fn selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or("unbalanced `)`")?,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(requirement).collect()
}

fn requirement(part: &str) -> Result<Requirement, String> {
    let part = part.trim();
    let key = |k: &str| -> Result<String, String> {
        let k = k.trim();
        let valid = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        valid
            .then(|| k.to_owned())
            .ok_or_else(|| format!("`{k}` is not a label key"))
    };
    if let Some((k, v)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(key(k)?, v.trim().to_owned()));
    }
    if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(Requirement::Equals(key(k)?, v.trim().to_owned()));
    }
    for (word, negated) in [(" notin ", true), (" in ", false)] {
        if let Some((k, set)) = part.split_once(word) {
            let set = set.trim();
            let inner = set
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| format!("`{set}` is not a set such as (a, b)"))?;
            let values = inner.split(',').map(|v| v.trim().to_owned()).collect();
            return Ok(if negated {
                Requirement::NotIn(key(k)?, values)
            } else {
                Requirement::In(key(k)?, values)
            });
        }
    }
    match part.strip_prefix('!') {
        Some(k) => Ok(Requirement::Absent(key(k)?)),
        None => Ok(Requirement::Exists(key(part)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(value: Value) -> Result<Target, String> {
        Target::parse(value.as_object().unwrap())
    }

    #[test]
    fn fields_are_anchored_regular_expressions() {
        let release = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "research", "namespace": "lab", "labels": {"tier": "hub", "team": "a"}}});
        let namespace =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}});
        let selected = |t: Value| target(t).unwrap().matches(&release);
        assert!(selected(json!({"kind": "HelmRelease", "name": "research"})));
        assert!(!selected(json!({"name": "research-x"})));
        assert!(!selected(json!({"name": "search"})));
        assert!(selected(
            json!({"name": "res.*", "group": "helm.toolkit.fluxcd.io", "version": "v2"})
        ));
        assert!(selected(json!({"namespace": "lab|other"})));
        assert!(selected(
            json!({"labelSelector": "tier=hub,team in (a, b),!gone"})
        ));
        assert!(!selected(json!({"labelSelector": "tier!=hub"})));
        assert!(!selected(json!({"labelSelector": "team notin (a)"})));
        assert!(selected(json!({"labelSelector": "team"})));
        assert!(!selected(json!({"annotationSelector": "x=y"})));
        assert!(
            target(json!({"kind": "Namespace", "group": ""}))
                .unwrap()
                .matches(&namespace)
        );
        assert!(
            target(json!({"nmae": "x"}))
                .unwrap_err()
                .contains("unknown field `nmae`")
        );
        assert!(
            target(json!({"name": "("}))
                .unwrap_err()
                .contains("regular expression")
        );
        assert!(target(json!({"labelSelector": "a in b"})).is_err());
    }
}
