//! Checking values against a chart's `values.schema.json`, as Helm does before it installs, with messages that
//! name the values path (`singleuser.memroy`) rather than a JSON pointer.

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::Value;

/// One way the values break the schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// Where, as values path segments (a list index as its digits); for an unexpected key, the key itself.
    pub path: Vec<String>,
    /// What the schema says, naming the path.
    pub message: String,
    /// Whether the last key of `path` is one the schema does not allow (`additionalProperties: false`).
    pub unexpected: bool,
}

/// Every violation of `values` (already coalesced over the chart's defaults), sorted by path. With `defaults`
/// false (a lone schema without the chart's values.yaml) a missing required key is not reported: the chart's
/// defaults would supply it. `Err` when the schema does not compile.
pub fn violations(
    schema: &Value,
    values: &Value,
    defaults: bool,
) -> Result<Vec<Violation>, String> {
    let validator = jsonschema::options()
        .build(schema)
        .map_err(|e| format!("the schema does not compile: {e}"))?;
    let mut found = Vec::new();
    for error in validator.iter_errors(values) {
        let at: Vec<String> = error
            .instance_path()
            .segments()
            .map(|segment| match segment {
                LocationSegment::Property(key) => key.into_owned(),
                LocationSegment::Index(index) => index.to_string(),
            })
            .collect();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let mut path = at.clone();
                    path.push(key.clone());
                    let message = format!(
                        "additional property `{key}` is not allowed at {}",
                        dotted(&at)
                    );
                    found.push(Violation {
                        path,
                        message,
                        unexpected: true,
                    });
                }
            }
            ValidationErrorKind::Required { .. } if !defaults => {}
            _ => {
                let text = error.to_string();
                let text = crate::diagnostic::shown_within(&text, 240, 160);
                found.push(Violation {
                    message: format!("{text} at {}", dotted(&at)),
                    path: at,
                    unexpected: false,
                });
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// A values path as people write it: `hub.config.x`, `singleuser.profileList[0]`, `the top level` for none.
fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        return "the top level".to_owned();
    }
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    crate::load::field_path(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unexpected_keys_and_wrong_types_are_named_by_their_values_path() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["hub"],
            "properties": {
                "hub": {"type": "object"},
                "singleuser": {"type": "object", "additionalProperties": false, "properties": {
                    "memory": {"type": "object"},
                    "profileList": {"type": "array", "items": {"type": "object"}},
                }},
            },
        });
        let values = json!({"hub": {}, "singleuser": {"memroy": {}, "profileList": [{}, 3]}});
        let found = violations(&schema, &values, true).unwrap();
        let messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "additional property `memroy` is not allowed at singleuser",
                "3 is not of type \"object\" at singleuser.profileList[1]",
            ]
        );
        assert_eq!(found[0].path, ["singleuser", "memroy"]);
        let without_hub = json!({"singleuser": {}});
        assert_eq!(violations(&schema, &without_hub, true).unwrap().len(), 1);
        assert!(violations(&schema, &without_hub, false).unwrap().is_empty());
        assert!(violations(&json!({"type": 7}), &values, true).is_err());
    }
}
