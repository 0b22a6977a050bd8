//! A serde `Deserializer` over located YAML ([`Node`]): typed definitions come out, and every problem
//! comes out with the line and column of the value (or key) that caused it.
//!
//! Unknown fields are collected rather than fatal, and a value that fails is left out and the document read
//! again, so one run reports every problem of a document at once (see [`from_node`]).

use super::node::{Entry, Loc, Node, Value};
use crate::diagnostic::{HELP_SEPARATOR, did_you_mean, shown};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt::{self, Display};

/// A problem found while turning a node into a typed value.
#[derive(Clone, Debug, PartialEq)]
pub struct DeError {
    /// Where it is; filled in by the innermost node that saw the problem.
    pub loc: Option<Loc>,
    /// The field path, e.g. `spec.singleuser.image`.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// The required field this error reports missing, if that is what it is.
    missing: Option<&'static str>,
    /// The error only follows from a value left out after an earlier problem (not reported again).
    consequence: bool,
}

impl DeError {
    fn new(message: String, help: Option<String>) -> Self {
        DeError {
            loc: None,
            path: String::new(),
            message,
            help,
            missing: None,
            consequence: false,
        }
    }
}

/// An unexpected value as messages show it: long text shortened, control characters escaped.
fn unexpected(unexp: &de::Unexpected<'_>) -> String {
    match unexp {
        de::Unexpected::Str(s) => format!("string `{}`", shown(s)),
        de::Unexpected::Other(s) => shown(s).into_owned(),
        de::Unexpected::Bytes(_) => "bytes".to_owned(),
        other => other.to_string(),
    }
}

impl Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    /// A message may carry its help after [`HELP_SEPARATOR`] (how hand-written `Deserialize`s say what is right).
    fn custom<T: Display>(msg: T) -> Self {
        let text = msg.to_string();
        match text.split_once(HELP_SEPARATOR) {
            Some((message, help)) => DeError::new(message.to_owned(), Some(help.to_owned())),
            None => DeError::new(text, None),
        }
    }

    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        let expected = exp.to_string();
        let help = match unexp {
            de::Unexpected::Float(_)
            | de::Unexpected::Signed(_)
            | de::Unexpected::Unsigned(_)
            | de::Unexpected::Bool(_)
                if expected.contains("string") =>
            {
                Some(format!(
                    "write {} in quotes to make it a string",
                    unexpected(&unexp)
                ))
            }
            _ => None,
        };
        DeError::new(
            format!(
                "wrong type: found {}, expected {expected}",
                unexpected(&unexp)
            ),
            help,
        )
    }

    fn invalid_value(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        DeError::new(
            format!("invalid value {}: expected {exp}", unexpected(&unexp)),
            None,
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let help = match did_you_mean(variant, expected.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? one of: {}", expected.join(", ")),
            None => format!("use one of: {}", expected.join(", ")),
        };
        DeError::new(format!("unknown value `{}`", shown(variant)), Some(help))
    }

    fn missing_field(field: &'static str) -> Self {
        let mut e = DeError::new(
            format!("missing required field `{field}`"),
            Some(format!("add `{field}:` here")),
        );
        e.missing = Some(field);
        e
    }
}

/// A field path, built as a linked list on the stack and only formatted when a problem is reported.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(root) => f.write_str(root),
            Path::Key(parent, key) => match parent {
                Path::Root("") => f.write_str(&shown(key)),
                _ => write!(f, "{parent}.{}", shown(key)),
            },
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The identity of a node in the tree being read (its address: the tree does not change while it is read).
fn id(node: &Node) -> usize {
    std::ptr::from_ref(node) as usize
}

/// State shared by one pass over a document.
struct Ctx<'s> {
    /// The unknown fields found so far.
    unknown: RefCell<Vec<DeError>>,
    /// Values left out of this pass: each failed in an earlier pass, whose problem is already reported.
    skipped: &'s HashSet<usize>,
    /// The innermost value whose failure ended this pass (it is left out of the next one).
    culprit: Cell<Option<usize>>,
}

impl Ctx<'_> {
    fn blame(&self, node: &Node) {
        if self.culprit.get().is_none() {
            self.culprit.set(Some(id(node)));
        }
    }
}

/// At most this many passes over one document (each after a problem): enough for any document a person
/// writes, and a bound on the work a hostile one can cause.
const MAX_PASSES: usize = 200;

/// Deserialize `node` into `T`. On failure, returns every problem in the document: every unknown field, and
/// every value that cannot be read. serde stops at the first error of a pass, so the value that failed is left
/// out and the document read again, until it reads (or what fails is the document itself). A required field
/// missing only because its value was left out is not reported again.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, Vec<DeError>> {
    let mut skipped = HashSet::new();
    let mut errors: Vec<DeError> = Vec::new();
    let mut seen: HashSet<(Option<Loc>, String)> = HashSet::new();
    let mut record = |e: DeError, errors: &mut Vec<DeError>| {
        if seen.insert((e.loc, e.message.clone())) {
            errors.push(e);
        }
    };
    for _ in 0..MAX_PASSES {
        let ctx = Ctx {
            unknown: RefCell::default(),
            skipped: &skipped,
            culprit: Cell::new(None),
        };
        let de = NodeDe {
            node,
            path: Path::Root(""),
            ctx: &ctx,
        };
        let result = T::deserialize(de);
        for e in ctx.unknown.take() {
            record(e, &mut errors);
        }
        match result {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => return Err(errors),
            Err(e) => {
                let last = errors.is_empty();
                if !e.consequence || last {
                    record(e, &mut errors);
                }
                match ctx.culprit.get() {
                    Some(culprit) if skipped.insert(culprit) => {}
                    _ => break,
                }
            }
        }
    }
    Err(errors)
}

struct NodeDe<'a> {
    node: &'a Node,
    path: Path<'a>,
    ctx: &'a Ctx<'a>,
}

impl<'a> NodeDe<'a> {
    fn locate<T>(&self, result: Result<T, DeError>) -> Result<T, DeError> {
        result.map_err(|mut e| {
            if e.loc.is_none() {
                e.loc = Some(self.node.loc);
                e.path = self.path.to_string();
                if let (Some(field), Value::Map(entries)) = (e.missing, &self.node.value) {
                    e.consequence = entries.iter().any(|entry| {
                        entry.key == field && self.ctx.skipped.contains(&id(&entry.value))
                    });
                }
            }
            e
        })
    }
}

impl<'de: 'a, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(x) => visitor.visit_f64(*x),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqDe {
                items,
                next: 0,
                path: self.path,
                ctx: self.ctx,
            }),
            Value::Map(entries) => visitor.visit_map(MapDe {
                entries,
                next: 0,
                path: self.path,
                ctx: self.ctx,
                fields: None,
            }),
        };
        self.locate(result)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Map(entries) => visitor.visit_map(MapDe {
                entries,
                next: 0,
                path: self.path,
                ctx: self.ctx,
                fields: Some(fields),
            }),
            other => Err(DeError::new(
                format!("wrong type: found {}, expected a mapping", other.describe()),
                Some(format!("valid fields here: {}", fields.join(", "))),
            )),
        };
        self.locate(result)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(EnumDe {
                entry: &entries[0],
                path: self.path,
                ctx: self.ctx,
            }),
            Value::Map(entries) if entries.len() > 1 => Err(DeError::new(
                format!(
                    "both {} are set, but they exclude each other",
                    entries
                        .iter()
                        .map(|e| format!("`{}`", e.key))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
                Some(format!("write exactly one of: {}", variants.join(", "))),
            )),
            other => Err(DeError::new(
                format!(
                    "wrong type: found {}, expected one of: {}",
                    other.describe(),
                    variants.join(", ")
                ),
                Some(format!("write exactly one of: {}", variants.join(", "))),
            )),
        };
        self.locate(result)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

struct SeqDe<'a> {
    items: &'a [Node],
    next: usize,
    path: Path<'a>,
    ctx: &'a Ctx<'a>,
}

impl<'de: 'a, 'a> de::SeqAccess<'de> for SeqDe<'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        while self
            .items
            .get(self.next)
            .is_some_and(|n| self.ctx.skipped.contains(&id(n)))
        {
            self.next += 1;
        }
        let Some(node) = self.items.get(self.next) else {
            return Ok(None);
        };
        let path = Path::Index(&self.path, self.next);
        self.next += 1;
        let de = || NodeDe {
            node,
            path,
            ctx: self.ctx,
        };
        de().locate(seed.deserialize(de()))
            .map(Some)
            .inspect_err(|_| self.ctx.blame(node))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

struct MapDe<'a> {
    entries: &'a [Entry],
    next: usize,
    path: Path<'a>,
    ctx: &'a Ctx<'a>,
    /// The struct's fields, when deserializing a struct: keys outside it are reported as unknown.
    fields: Option<&'static [&'static str]>,
}

impl<'de: 'a, 'a> de::MapAccess<'de> for MapDe<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while self
            .entries
            .get(self.next)
            .is_some_and(|e| self.ctx.skipped.contains(&id(&e.value)))
        {
            self.next += 1;
        }
        let Some(entry) = self.entries.get(self.next) else {
            return Ok(None);
        };
        if let Some(fields) = self.fields
            && !fields.contains(&entry.key.as_str())
        {
            self.ctx
                .unknown
                .borrow_mut()
                .push(unknown_field(entry, &self.path, fields));
        }
        let key: de::value::StrDeserializer<DeError> = entry.key.as_str().into_deserializer();
        seed.deserialize(key).map(Some).map_err(|mut e| {
            if e.loc.is_none() {
                e.loc = Some(entry.key_loc);
                e.path = self.path.to_string();
            }
            self.ctx.blame(&entry.value);
            e
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let entry = &self.entries[self.next];
        self.next += 1;
        let path = Path::Key(&self.path, &entry.key);
        let de = || NodeDe {
            node: &entry.value,
            path,
            ctx: self.ctx,
        };
        // A hand-written `Deserialize` (an image, a quantity) fails after the node was read: its error is
        // still about this value.
        de().locate(seed.deserialize(de()))
            .inspect_err(|_| self.ctx.blame(&entry.value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len() - self.next)
    }
}

fn unknown_field(entry: &Entry, path: &Path<'_>, fields: &'static [&'static str]) -> DeError {
    let help = match did_you_mean(&entry.key, fields.iter().copied()) {
        Some(near) => format!(
            "did you mean `{near}`? valid fields here: {}",
            fields.join(", ")
        ),
        None => format!("valid fields here: {}", fields.join(", ")),
    };
    DeError {
        loc: Some(entry.key_loc),
        path: path.to_string(),
        message: format!("unknown field `{}`", shown(&entry.key)),
        help: Some(help),
        missing: None,
        consequence: false,
    }
}

struct EnumDe<'a> {
    entry: &'a Entry,
    path: Path<'a>,
    ctx: &'a Ctx<'a>,
}

impl<'de: 'a, 'a> de::EnumAccess<'de> for EnumDe<'a> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let key: de::value::StrDeserializer<DeError> = self.entry.key.as_str().into_deserializer();
        let value = seed.deserialize(key).map_err(|mut e| {
            if e.loc.is_none() {
                e.loc = Some(self.entry.key_loc);
                e.path = self.path.to_string();
            }
            e
        })?;
        Ok((value, self))
    }
}

impl<'de: 'a, 'a> de::VariantAccess<'de> for EnumDe<'a> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.entry.value.value {
            Value::Null => Ok(()),
            _ => Err(DeError {
                loc: Some(self.entry.value.loc),
                path: Path::Key(&self.path, &self.entry.key).to_string(),
                ..DeError::new(
                    format!("`{}` takes no value", shown(&self.entry.key)),
                    Some(format!(
                        "write `{}: {{}}` or just the name",
                        shown(&self.entry.key)
                    )),
                )
            }),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        let path = Path::Key(&self.path, &self.entry.key);
        let de = || NodeDe {
            node: &self.entry.value,
            path,
            ctx: self.ctx,
        };
        de().locate(seed.deserialize(de()))
            .inspect_err(|_| self.ctx.blame(&self.entry.value))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        let path = Path::Key(&self.path, &self.entry.key);
        de::Deserializer::deserialize_any(
            NodeDe {
                node: &self.entry.value,
                path,
                ctx: self.ctx,
            },
            visitor,
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let path = Path::Key(&self.path, &self.entry.key);
        de::Deserializer::deserialize_struct(
            NodeDe {
                node: &self.entry.value,
                path,
                ctx: self.ctx,
            },
            "",
            fields,
            visitor,
        )
    }
}

#[cfg(test)]
mod tests;
