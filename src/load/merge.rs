//! Merging an environment's definition over base: maps merge, lists replace, `null` deletes a key.

use super::node::{Node, Value};

/// Merge `overlay` over `base`. Locations stay with the values that win, so errors still point at the file a
/// value came from.
pub fn merge(base: Node, overlay: Node) -> Node {
    match (base.value, overlay.value) {
        (Value::Map(mut entries), Value::Map(over)) => {
            for entry in over {
                let existing = entries.iter().position(|e| e.key == entry.key);
                match (existing, &entry.value.value) {
                    (Some(i), Value::Null) => {
                        entries.remove(i);
                    }
                    (None, Value::Null) => {}
                    (Some(i), _) => {
                        let old = std::mem::replace(
                            &mut entries[i].value,
                            Node {
                                value: Value::Null,
                                loc: entry.key_loc,
                            },
                        );
                        entries[i].value = merge(old, entry.value);
                        entries[i].key_loc = entry.key_loc;
                    }
                    (None, _) => entries.push(entry),
                }
            }
            Node {
                value: Value::Map(entries),
                loc: overlay.loc,
            }
        }
        (_, value) => Node {
            value,
            loc: overlay.loc,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node::{FileId, parse_options};

    fn node(text: &str, file: u32) -> Node {
        let mut n: Node = serde_saphyr::from_str_with_options(text, parse_options()).unwrap();
        n.set_file(FileId(file));
        n
    }

    #[test]
    fn maps_merge_lists_replace_null_deletes() {
        let base = node("a: {x: 1, y: 2}\nlist: [1, 2]\ngone: 1\nkept: k\n", 0);
        let over = node("a: {y: 3, z: 4}\nlist: [9]\ngone: null\nnew: n\n", 1);
        let merged = merge(base, over);
        let expected = node("a: {x: 1, y: 3, z: 4}\nlist: [9]\nkept: k\nnew: n\n", 0);
        assert_eq!(strip(&merged), strip(&expected));
    }

    #[test]
    fn values_keep_the_file_they_came_from() {
        let merged = merge(node("a: {x: 1, y: 2}\n", 0), node("a: {y: 3}\n", 1));
        let a = merged.get("a").unwrap();
        assert_eq!(a.get("x").unwrap().loc.file, FileId(0));
        assert_eq!(a.get("y").unwrap().loc.file, FileId(1));
    }

    /// The tree without locations, for comparing shapes.
    fn strip(n: &Node) -> String {
        match &n.value {
            Value::Map(es) => {
                let inner: Vec<String> = es
                    .iter()
                    .map(|e| format!("{}={}", e.key, strip(&e.value)))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Seq(items) => format!(
                "[{}]",
                items.iter().map(strip).collect::<Vec<_>>().join(",")
            ),
            other => format!("{other:?}"),
        }
    }
}
