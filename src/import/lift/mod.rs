//! Lifting chart values into typed Hub fields, one module per values section (as `render::chart` makes them).
//! A lifter reads the values and proposes [`Part`]s: typed fields to set and the value paths they stand for.
//! Whether a part is kept is decided by rendering it and comparing (see `super::fidelity`), never by the lifter.

mod auth;
mod cilogon;
mod cull;
mod env;
mod expose;
mod hub;
mod load_balancer;
mod profiles;
mod scheduling;
mod services;
mod singleuser;

use super::leaves::{Path, get, put};
use serde_json::{Value, json};

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
    /// The HelmRelease's `valuesFrom` entries (by index) the fields stand for: a Secret's key read at a chart
    /// path that a typed `{secret, key}` reference renders the same.
    pub values_from: Vec<usize>,
    /// What a person should review once the part is kept (an opt-in it needed), for the report.
    pub review: Vec<String>,
}

/// What lifters know besides the values.
pub struct Context<'a> {
    /// The hub's name (Secrets and TLS secrets are named after it).
    pub hub: &'a str,
    /// The host users reach the hub at, when the values name one.
    pub host: Option<&'a str>,
    /// The Secrets the HelmRelease's `valuesFrom` sets chart values from.
    pub secrets: &'a [ValuesFromSecret],
}

/// A `valuesFrom` entry reading one key of a Secret into one chart value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesFromSecret {
    /// Its index among the HelmRelease's unresolved `valuesFrom` entries.
    pub index: usize,
    /// The chart path (`hub.config.GenericOAuthenticator.client_id`).
    pub target_path: String,
    pub secret: String,
    pub key: String,
}

impl Context<'_> {
    /// The `valuesFrom` Secret setting the chart value at `target_path`.
    pub fn secret_at(&self, target_path: &str) -> Option<&ValuesFromSecret> {
        self.secrets.iter().find(|s| s.target_path == target_path)
    }
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
                values_from: Vec::new(),
                review: Vec::new(),
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

    /// A typed secret reference standing for `valuesFrom` entry `secret`: `{secret, key}`.
    pub fn secret_reference(&mut self, secret: &ValuesFromSecret) -> Value {
        self.part.values_from.push(secret.index);
        serde_json::json!({"secret": secret.secret, "key": secret.key})
    }

    /// Declare a consumed path carried through untyped.
    pub fn untyped(&mut self, path: Path) {
        self.part.untyped.push(path);
    }

    /// Say what a person should review if the part is kept.
    pub fn review(&mut self, note: String) {
        self.part.review.push(note);
    }

    /// An image reference that moves (`latest`): the hub's opt-in set, and the image named for a person to pin.
    pub fn moving_image(&mut self, at: &str, image: &str) {
        if image
            .rsplit('/')
            .next()
            .and_then(|last| last.rsplit_once(':'))
            .is_some_and(|(_, tag)| tag == crate::model::image::MOVING_TAG)
        {
            self.field(&["images", "movingTags"], Value::from("allow"));
            self.review(format!(
                "{at}: image `{image}` is tagged `latest` (allowed by `images: {{movingTags: allow}}`): pin a tag, then remove the opt-in"
            ));
        }
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
    parts.extend(auth::lift(values, context));
    parts.extend(singleuser::lift(values));
    parts.extend(env::lift(values));
    parts.extend(profiles::lift(values));
    parts.extend(scheduling::lift(values));
    parts.extend(expose::lift(values, context));
    parts.extend(cull::lift(values));
    parts.extend(chart_defaults(values));
    for part in &mut parts {
        host_paths(part);
    }
    parts
}

/// A part whose volumes mount host paths asks for the privileged Pod Security profile explicitly (what the release
/// runs today, where nothing refused it), for a person to review.
fn host_paths(part: &mut Part) {
    let lists = |(path, value): &(Vec<String>, Value)| -> Vec<Value> {
        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
        match keys.as_slice() {
            ["hub", "extraVolumes"] => vec![value.clone()],
            ["singleuser", "storage"] => vec![value["extraVolumes"].clone()],
            ["profiles"] => value
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["volumes"].clone())
                .collect(),
            _ => Vec::new(),
        }
    };
    let hosts: Vec<String> = part
        .fields
        .iter()
        .flat_map(lists)
        .flat_map(|list| list.as_array().cloned().unwrap_or_default())
        .filter(|volume| volume.get("hostPath").is_some())
        .map(|volume| volume["name"].as_str().unwrap_or("?").to_owned())
        .collect();
    if !hosts.is_empty() {
        part.fields
            .push((vec!["podSecurity".into()], json!("privileged")));
        part.review.push(format!(
            "podSecurity: privileged — the volumes {} mount host paths, which restricted and baseline forbid; use a PersistentVolumeClaim to go back to restricted",
            hosts.join(", ")
        ));
    }
}

/// A value's path, whether a value is the chart's default there, and what the default is.
type ChartDefault = (&'static [&'static str], fn(&Value) -> bool, &'static str);

/// Values that only repeat the chart's default (in its values.yaml, or what its templates make of an unset value),
/// which jupyflux leaves to the chart.
const CHART_DEFAULTS: &[ChartDefault] = &[
    (
        &["hub", "service", "type"],
        |v| v == "ClusterIP",
        "the chart's default (ClusterIP)",
    ),
    (
        &["proxy", "https", "enabled"],
        |v| v == false,
        "the chart's default (false)",
    ),
    (
        &["ingress", "pathType"],
        |v| v == "Prefix",
        "the chart's default (Prefix)",
    ),
    (
        &["ingress", "pathSuffix"],
        |v| v == "" || v.is_null(),
        "the chart's default (none: the path is the hub's base URL)",
    ),
];

/// The values of `values` that repeat the chart's default, left out.
fn chart_defaults(values: &Value) -> Option<Part> {
    let mut b = Builder::new(values, "chart defaults repeated");
    for (keys, is_default, why) in CHART_DEFAULTS {
        if b.peek(keys).is_some_and(is_default) {
            b.drop_at(Path::keys(keys), &format!("{why}, left to the chart"));
        }
    }
    b.finish()
}

/// Apply `parts` to a spec (a JSON object).
pub fn apply(spec: &mut Value, parts: &[&Part]) {
    for part in parts {
        for (path, value) in &part.fields {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            if keys == ["podSecurity"] && level(&spec["podSecurity"]) > level(value) {
                continue; // several parts may ask for a level: the weakest one asked for stands
            }
            put(spec, &Path::keys(&keys), value.clone());
        }
    }
}

/// A Pod Security level's rank (restricted 0 … privileged 2).
fn level(value: &Value) -> u8 {
    match value.as_str() {
        Some("privileged") => 2,
        Some("baseline") => 1,
        _ => 0,
    }
}

/// A quantity written as a number or text (`2`, `2.0`, `"4G"`) as text; a whole float without its fraction
/// (`2.0` → `2`, which jupyflux renders back as `2`).
pub fn quantity_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        }),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A string value's text.
pub fn string(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chart_defaults_are_left_to_the_chart_and_nothing_else() {
        let values = json!({
            "hub": {"service": {"type": "ClusterIP"}},
            "proxy": {"https": {"enabled": false}},
            "ingress": {"pathType": "Prefix", "pathSuffix": ""},
        });
        assert_eq!(chart_defaults(&values).unwrap().drops.len(), 4);
        let values = json!({
            "hub": {"service": {"type": "NodePort"}},
            "proxy": {"https": {"enabled": true}},
            "ingress": {"pathType": "Exact", "pathSuffix": "x"},
        });
        assert!(chart_defaults(&values).is_none());
    }
}
