//! JSON Patch (RFC 6902) with RFC 6901 pointers: `add`, `remove`, `replace`, `move`, `copy`, `test`. Strict
//! where the RFC is: `replace` and `remove` need the value to exist, `add` its parent; an index may be one past
//! the end (`add`) or `-` (append).

use serde_json::Value;

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    Add(Vec<String>, Value),
    Remove(Vec<String>),
    Replace(Vec<String>, Value),
    Move {
        from: Vec<String>,
        path: Vec<String>,
    },
    Copy {
        from: Vec<String>,
        path: Vec<String>,
    },
    Test(Vec<String>, Value),
}

/// Read a list of operations (as YAML or JSON parsed into `value`); `Err` names the operation that is wrong.
pub fn parse(value: &Value) -> Result<Vec<Operation>, String> {
    let Value::Array(items) = value else {
        return Err("a JSON 6902 patch is a list of operations".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| operation(item).map_err(|e| format!("operation {i}: {e}")))
        .collect()
}

fn operation(item: &Value) -> Result<Operation, String> {
    let Value::Object(fields) = item else {
        return Err("not a map with `op` and `path`".into());
    };
    let pointer = |field: &str| -> Result<Vec<String>, String> {
        let text = fields
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("`{field}` is missing or not a string"))?;
        parse_pointer(text).map_err(|e| format!("`{field}`: {e}"))
    };
    let value = || {
        fields
            .get("value")
            .cloned()
            .ok_or_else(|| "`value` is missing".to_owned())
    };
    let op = fields.get("op").and_then(Value::as_str).unwrap_or_default();
    Ok(match op {
        "add" => Operation::Add(pointer("path")?, value()?),
        "remove" => Operation::Remove(pointer("path")?),
        "replace" => Operation::Replace(pointer("path")?, value()?),
        "move" => Operation::Move {
            from: pointer("from")?,
            path: pointer("path")?,
        },
        "copy" => Operation::Copy {
            from: pointer("from")?,
            path: pointer("path")?,
        },
        "test" => Operation::Test(pointer("path")?, value()?),
        other => {
            return Err(format!(
                "`op: {other}` is not one of add, remove, replace, move, copy, test"
            ));
        }
    })
}

/// An RFC 6901 pointer as its unescaped reference tokens (`~1` is `/`, `~0` is `~`); `""` is the whole document.
pub fn parse_pointer(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Err(format!(
            "`{text}` is not a JSON pointer (it starts with `/`)"
        ));
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::new();
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                match (c, c == '~') {
                    (_, true) => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(format!("`{text}` has a `~` not followed by 0 or 1")),
                    },
                    (c, false) => out.push(c),
                }
            }
            Ok(out)
        })
        .collect()
}

/// A pointer as written, for messages.
pub fn show(path: &[String]) -> String {
    path.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Apply the operations in order; `Err` says which one failed and why (the document is then half-patched).
pub fn apply(document: &mut Value, operations: &[Operation]) -> Result<(), String> {
    for (i, op) in operations.iter().enumerate() {
        one(document, op).map_err(|e| format!("operation {i} ({}): {e}", describe(op)))?;
    }
    Ok(())
}

fn describe(op: &Operation) -> String {
    match op {
        Operation::Add(p, _) => format!("add {}", show(p)),
        Operation::Remove(p) => format!("remove {}", show(p)),
        Operation::Replace(p, _) => format!("replace {}", show(p)),
        Operation::Move { from, path } => format!("move {} to {}", show(from), show(path)),
        Operation::Copy { from, path } => format!("copy {} to {}", show(from), show(path)),
        Operation::Test(p, _) => format!("test {}", show(p)),
    }
}

fn one(document: &mut Value, op: &Operation) -> Result<(), String> {
    match op {
        Operation::Add(path, value) => add(document, path, value.clone()),
        Operation::Remove(path) => remove(document, path).map(drop),
        Operation::Replace(path, value) => {
            let target = get_mut(document, path)?;
            *target = value.clone();
            Ok(())
        }
        Operation::Move { from, path } => {
            if path.len() > from.len() && path.starts_with(from) {
                return Err("cannot move a value into itself".into());
            }
            let value = remove(document, from)?;
            add(document, path, value)
        }
        Operation::Copy { from, path } => {
            let value = get_mut(document, from)?.clone();
            add(document, path, value)
        }
        Operation::Test(path, expected) => {
            let actual = get_mut(document, path)?;
            if actual == expected {
                Ok(())
            } else {
                Err(format!(
                    "the value is {}, not {}",
                    brief(actual),
                    brief(expected)
                ))
            }
        }
    }
}

/// A value for a message, shortened.
fn brief(value: &Value) -> String {
    let text = value.to_string();
    crate::diagnostic::shown_within(&text, 64, 48).into_owned()
}

fn get_mut<'a>(document: &'a mut Value, path: &[String]) -> Result<&'a mut Value, String> {
    let mut current = document;
    for (depth, token) in path.iter().enumerate() {
        let at = || show(&path[..=depth]);
        current = match current {
            Value::Object(map) => map
                .get_mut(token)
                .ok_or_else(|| format!("{} does not exist", at()))?,
            Value::Array(list) => {
                let index =
                    index(token, list.len(), false).map_err(|e| format!("{}: {e}", at()))?;
                &mut list[index]
            }
            other => {
                return Err(format!(
                    "{} is inside {}, not a map or list",
                    at(),
                    kind(other)
                ));
            }
        };
    }
    Ok(current)
}

fn split(path: &[String]) -> Result<(&[String], &String), String> {
    path.split_last()
        .map(|(last, parent)| (parent, last))
        .ok_or_else(|| "the whole document cannot be removed".to_owned())
}

fn add(document: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    if path.is_empty() {
        *document = value;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    match get_mut(document, parent)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(list) => {
            let at = index(last, list.len(), true).map_err(|e| format!("{}: {e}", show(path)))?;
            list.insert(at, value);
            Ok(())
        }
        other => Err(format!(
            "{} is {}, not a map or list",
            show(parent),
            kind(other)
        )),
    }
}

fn remove(document: &mut Value, path: &[String]) -> Result<Value, String> {
    let (parent, last) = split(path)?;
    match get_mut(document, parent)? {
        Value::Object(map) => map
            .shift_remove(last)
            .ok_or_else(|| format!("{} does not exist", show(path))),
        Value::Array(list) => {
            let at = index(last, list.len(), false).map_err(|e| format!("{}: {e}", show(path)))?;
            Ok(list.remove(at))
        }
        other => Err(format!(
            "{} is {}, not a map or list",
            show(parent),
            kind(other)
        )),
    }
}

/// A list index: digits without a leading zero, below `len` (or equal to it, or `-`, when adding).
fn index(token: &str, len: usize, adding: bool) -> Result<usize, String> {
    if adding && token == "-" {
        return Ok(len);
    }
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return Err(format!("`{token}` is not a list index"));
    }
    let index: usize = token
        .parse()
        .map_err(|_| format!("`{token}` is not a list index"))?;
    let limit = if adding { len } else { len.saturating_sub(1) };
    if index > limit || (!adding && len == 0) {
        return Err(format!("index {index} is past the end of a list of {len}"));
    }
    Ok(index)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(document: Value, ops: Value) -> Result<Value, String> {
        let mut document = document;
        apply(&mut document, &parse(&ops)?)?;
        Ok(document)
    }

    #[test]
    fn the_six_operations() {
        let doc = json!({"a": {"b": 1, "c/d": 2, "e~f": 3}, "l": [1, 2]});
        let ops = json!([
            {"op": "add", "path": "/l/-", "value": 3},
            {"op": "add", "path": "/l/0", "value": 0},
            {"op": "remove", "path": "/a/c~1d"},
            {"op": "replace", "path": "/a/e~0f", "value": 4},
            {"op": "copy", "from": "/a", "path": "/copy"},
            {"op": "move", "from": "/a/b", "path": "/moved"},
            {"op": "test", "path": "/l", "value": [0, 1, 2, 3]},
        ]);
        assert_eq!(
            patched(doc, ops).unwrap(),
            json!({"a": {"e~f": 4}, "l": [0, 1, 2, 3], "copy": {"b": 1, "e~f": 4}, "moved": 1})
        );
    }

    #[test]
    fn failures_name_the_operation_and_the_path() {
        let doc = json!({"spec": {"values": {}}, "l": [1]});
        let fails = |ops: Value| patched(doc.clone(), ops).unwrap_err();
        assert_eq!(
            fails(json!([{"op": "replace", "path": "/spec/nothere", "value": 1}])),
            "operation 0 (replace /spec/nothere): /spec/nothere does not exist"
        );
        assert_eq!(
            fails(json!([{"op": "test", "path": "/l/0", "value": 2}])),
            "operation 0 (test /l/0): the value is 1, not 2"
        );
        assert!(
            fails(json!([{"op": "add", "path": "/x/y", "value": 1}])).contains("/x does not exist")
        );
        assert!(fails(json!([{"op": "remove", "path": "/l/1"}])).contains("past the end"));
        assert!(
            fails(json!([{"op": "add", "path": "/l/01", "value": 1}])).contains("not a list index")
        );
        assert!(
            fails(json!([{"op": "move", "from": "/spec", "path": "/spec/x"}]))
                .contains("into itself")
        );
        assert!(fails(json!([{"op": "bogus", "path": "/a"}])).contains("`op: bogus`"));
        assert!(fails(json!([{"op": "add", "path": "a", "value": 1}])).contains("starts with `/`"));
        assert!(fails(json!([{"op": "add", "path": "/a"}])).contains("`value` is missing"));
        assert!(fails(json!([{"op": "add", "path": "/a~2", "value": 1}])).contains("`~`"));
    }
}
