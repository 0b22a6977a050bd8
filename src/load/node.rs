//! A YAML tree that remembers where every value came from (file, line, column), so merged definitions still
//! report errors at the right place.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// Index of a definition file in the loader's file table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A position in a definition file (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
}

/// One YAML value with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

/// The shape of a YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` pair of a mapping; the key keeps its own location for "unknown field" errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Key,
    pub key_loc: Loc,
    pub value: Node,
}

/// A mapping key. Definitions repeat the same few dozen keys thousands of times, so each distinct key is held
/// once per parsing thread and shared (a large fleet's documents stay in memory through every merge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(Arc<str>);

impl Key {
    pub fn new(text: &str) -> Key {
        thread_local! {
            static KEYS: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
        }
        KEYS.with_borrow_mut(|keys| match keys.get(text) {
            Some(key) => Key(Arc::clone(key)),
            None => {
                let key: Arc<str> = Arc::from(text);
                keys.insert(Arc::clone(&key));
                Key(key)
            }
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Value {
    /// How the value is described in messages ("a mapping", "a string", ...).
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The entry under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The value under `key` when this node is a mapping. In a list, `key` is an index (`"0"`), so a field path can point into list items.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => self.entry(key).map(|e| &e.value),
        }
    }

    /// The string value, when this node is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Stamp every location in the tree with `file` (the parser only knows lines and columns).
    pub fn set_file(&mut self, file: FileId) {
        self.loc.file = file;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.set_file(file)),
            Value::Map(entries) => entries.iter_mut().for_each(|e| {
                e.key_loc.file = file;
                e.value.set_file(file);
            }),
            _ => {}
        }
    }
}

/// How deeply collections may nest in a definition file. Definitions need a dozen levels at most; every level
/// costs stack in the parser and in each pass over the tree, and 40 keeps a debug build well inside the 2 MiB
/// of a spawned thread (serde-saphyr's default of 64 overflowed it: the loader parses on worker threads).
pub const MAX_DEPTH: usize = 40;

/// How many events aliases (`*name`) may replay in one file: plenty for sharing a few blocks, and an alias bomb
/// ("billion laughs") stops after this much work instead of at serde-saphyr's million events.
pub const MAX_ALIAS_EVENTS: usize = 20_000;

/// Parser options for definitions: YAML 1.2 booleans only (`yes` stays a string), no snippet decoration
/// (diagnostics are rendered by the loader), duplicate keys rejected, nesting bounded by [`MAX_DEPTH`] and alias replay by
/// [`MAX_ALIAS_EVENTS`] (the other budgets — events, nodes, scalar bytes — stay at serde-saphyr's defaults).
pub fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH },
        alias_limits: serde_saphyr::alias_limits! { max_total_replayed_events: MAX_ALIAS_EVENTS },
    }
}

fn loc_of(location: &serde_saphyr::Location) -> Loc {
    Loc {
        file: FileId(0),
        line: u32::try_from(location.line()).unwrap_or(u32::MAX),
        column: u32::try_from(location.column()).unwrap_or(u32::MAX),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(deserializer)?;
        Ok(Node {
            value: spanned.value.0,
            loc: loc_of(&spanned.referenced),
        })
    }
}

/// The value part of a [`Node`], read from serde-saphyr (which supplies the span around it).
struct RawValue(Value);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor).map(RawValue)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(node) = seq.next_element::<Node>()? {
            items.push(node);
        }
        // Base documents live through every environment's merge: keep them exactly as large as they are.
        items.shrink_to_fit();
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Node>()?;
            if entries.iter().any(|e| e.key == key.value.as_str()) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{}` in one mapping; keep one of them",
                    key.value
                )));
            }
            entries.push(Entry {
                key: Key::new(&key.value),
                key_loc: loc_of(&key.referenced),
                value,
            });
        }
        entries.shrink_to_fit();
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        serde_saphyr::from_str_with_options(text, parse_options()).expect("valid YAML")
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let node = parse("a: 1\nb:\n  c: [x, y]\n");
        let b = node.entry("b").unwrap();
        assert_eq!((b.key_loc.line, b.key_loc.column), (2, 1));
        let c = b.value.get("c").unwrap();
        assert_eq!(c.loc.line, 3);
        let Value::Seq(items) = &c.value else {
            panic!("list expected")
        };
        assert_eq!(items[1].as_str(), Some("y"));
        assert_eq!((items[1].loc.line, items[1].loc.column), (3, 10));
    }

    #[test]
    fn scalars_follow_yaml_1_2_core() {
        let node = parse("a: yes\nb: true\nc: 1.5\nd: '7'\ne: ~\n");
        assert_eq!(node.get("a").unwrap().value, Value::Str("yes".into()));
        assert_eq!(node.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(node.get("c").unwrap().value, Value::Float(1.5));
        assert_eq!(node.get("d").unwrap().value, Value::Str("7".into()));
        assert_eq!(node.get("e").unwrap().value, Value::Null);
    }

    /// `depth` nested flow mappings around a scalar.
    fn nested(depth: usize) -> String {
        format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth))
    }

    #[test]
    fn nesting_is_bounded_and_the_bound_fits_a_spawned_thread() {
        let over =
            serde_saphyr::from_str_with_options::<Node>(&nested(MAX_DEPTH + 1), parse_options());
        assert!(over.unwrap_err().to_string().contains("budget breached"));
        // At the bound, on a thread with the default stack of a spawned thread (as the loader's workers).
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let text = nested(MAX_DEPTH - 1);
                serde_saphyr::from_str_with_options::<Node>(&text, parse_options()).unwrap();
                let files: Vec<(String, String)> = (0..40)
                    .map(|i| {
                        (
                            format!("overlays/base/x{i}.yaml"),
                            format!(
                                "a: {text}
"
                            ),
                        )
                    })
                    .collect();
                let files: Vec<(&str, &str)> = files
                    .iter()
                    .map(|(p, t)| (p.as_str(), t.as_str()))
                    .collect();
                let _ = crate::load::load_sources(&crate::load::Sources::from_files(&files));
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = serde_saphyr::from_str_with_options::<Node>("a: 1\na: 2\n", parse_options())
            .unwrap_err();
        assert!(
            err.to_string().contains("duplicate mapping key: a"),
            "{err}"
        );
    }
}
