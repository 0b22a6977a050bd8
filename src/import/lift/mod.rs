//! Lifting chart values into typed Hub fields, one module per values section (as `render::chart` makes them).
//! A lifter reads the values and proposes [`Part`]s: typed fields to set and the value paths they stand for.
//! Whether a part is kept is decided by rendering it and comparing (see `super::fidelity`), never by the lifter.

mod auth;
mod cull;
mod expose;
mod hub;
mod profiles;
mod scheduling;
mod services;
mod singleuser;

use super::leaves::{Path, get, put};
use serde_json::Value;

/// Typed fields standing for some chart values.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// What it is, for the report (`singleuser.image`).
    pub what: String,
    /// Fields of the Hub's `spec` to set: a path of keys and the value.
    pub fields: Vec<(Vec<String>, Value)>,
    /// The chart value paths (leaves or whole subtrees) the fields reproduce.
    pub consumed: Vec<Path>,
    /// Chart value paths the fields render although the original did not have them (explained in the report).
    pub adds: Vec<Path>,
    /// Consumed paths carried through verbatim by an escape hatch of the part (a profile's `spawner`): counted
    /// as untyped.
    pub untyped: Vec<Path>,
    /// Consumed paths jupyflux leaves out on purpose, and why (they did nothing, or jupyflux sets the same).
    pub drops: Vec<(Path, String)>,
    /// What a person should look at if the part is kept (e.g. a weaker Pod Security level it asks for).
    pub notes: Vec<String>,
}

/// What lifters know besides the values.
pub struct Context<'a> {
    /// The hub's name (Secrets and TLS secrets are named after it).
    pub hub: &'a str,
    /// The host users reach the hub at, when the values name one.
    pub host: Option<&'a str>,
}

/// A part under construction: `take` records what it consumes.
pub struct Builder<'v> {
    values: &'v Value,
    part: Part,
}

impl<'v> Builder<'v> {
    pub fn new(values: &'v Value, what: impl Into<String>) -> Self {
        Builder {
            values,
            part: Part {
                what: what.into(),
                fields: Vec::new(),
                consumed: Vec::new(),
                adds: Vec::new(),
                untyped: Vec::new(),
                drops: Vec::new(),
                notes: Vec::new(),
            },
        }
    }

    /// The value at `path` (keys), without consuming it.
    pub fn peek(&self, keys: &[&str]) -> Option<&'v Value> {
        get(self.values, &Path::keys(keys))
    }

    /// The value at `path` (keys), consumed.
    pub fn take(&mut self, keys: &[&str]) -> Option<&'v Value> {
        let value = self.peek(keys)?;
        self.part.consumed.push(Path::keys(keys));
        Some(value)
    }

    /// Set a typed field of the spec.
    pub fn field(&mut self, spec_path: &[&str], value: Value) {
        self.part
            .fields
            .push((spec_path.iter().map(|s| (*s).to_owned()).collect(), value));
    }

    /// Declare a chart value path the fields render that the original may not have.
    pub fn adds(&mut self, keys: &[&str]) {
        self.part.adds.push(Path::keys(keys));
    }

    /// Declare a chart value path (with list indices) the fields render that the original may not have.
    pub fn adds_at(&mut self, path: Path) {
        self.part.adds.push(path);
    }

    /// Consume a value jupyflux leaves out on purpose, saying why.
    pub fn drop_at(&mut self, path: Path, why: &str) {
        self.part.consumed.push(path.clone());
        self.part.drops.push((path, why.to_owned()));
    }

    /// Tell a person something about the part, if it is kept.
    pub fn note(&mut self, note: String) {
        self.part.notes.push(note);
    }

    /// Declare a consumed path carried through untyped.
    pub fn untyped(&mut self, path: Path) {
        self.part.untyped.push(path);
    }

    /// The part, if it sets any field or stands for any value (one jupyflux always renders).
    pub fn finish(self) -> Option<Part> {
        (!self.part.fields.is_empty() || !self.part.consumed.is_empty()).then_some(self.part)
    }
}

/// Every part the lifters propose for `values`, in section order.
pub fn parts(values: &Value, context: &Context<'_>) -> Vec<Part> {
    let mut parts = Vec::new();
    parts.extend(hub::lift(values));
    parts.extend(services::lift(values));
    parts.extend(auth::lift(values));
    parts.extend(singleuser::lift(values));
    parts.extend(profiles::lift(values));
    parts.extend(scheduling::lift(values));
    parts.extend(expose::lift(values, context));
    parts.extend(cull::lift(values));
    parts
}

/// Apply `parts` to a spec (a JSON object).
pub fn apply(spec: &mut Value, parts: &[&Part]) {
    for part in parts {
        for (path, value) in &part.fields {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            put(spec, &Path::keys(&keys), value.clone());
        }
    }
}

/// A string value's text.
pub fn string(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}
