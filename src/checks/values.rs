//! A hub's chart values — the HelmRelease's, every `valuesFrom` secret filled by a placeholder of the type the
//! schema expects — coalesced over the chart's defaults and checked against its `values.schema.json`.

use super::key_loc;
use crate::chart_values::{
    Chart, Segment, Violation, coalesce, placeholder, read_chart, release_values, schema_at,
    violations,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, did_you_mean, shorten_quoted};
use crate::load::loc_at;
use crate::load::node::{Loc, Node};
use crate::model::Definition;
use crate::model::hub::HubSpec;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

/// The chart the Hub kind installs.
const CHART_NAME: &str = "jupyterhub";

/// Charts read so far, by path (several hubs and environments usually name the same one).
pub struct Charts<'a> {
    root: &'a Path,
    read: BTreeMap<String, Result<Rc<Chart>, (String, String)>>,
}

impl<'a> Charts<'a> {
    pub fn new(root: &'a Path) -> Self {
        Charts {
            root,
            read: BTreeMap::new(),
        }
    }

    /// Check the values of `release` (the hub's HelmRelease, patched) when the hub names a chart schema.
    pub fn check(
        &mut self,
        hub: &Definition<HubSpec>,
        release: &Value,
        node: &Node,
        at: &dyn Fn(Loc) -> Location,
        problems: &mut Diagnostics,
    ) {
        let Some(path) = &hub.spec.chart.schema else {
            return;
        };
        let schema_at_loc = at(loc_at(node, &["spec", "chart", "schema"]));
        let mut report = |location: Location, message: String, help: String| {
            let message = shorten_quoted(&message).into_owned();
            problems.push(Diagnostic::new(location, message).with_help(shorten_quoted(&help)));
        };
        let name = &hub.name;
        let root = self.root;
        let chart = self.read.entry(path.clone()).or_insert_with(|| {
            read_chart(root, path)
                .map(Rc::new)
                .map_err(|e| (e.to_string(), e.help()))
        });
        let chart = match chart {
            Ok(chart) => Rc::clone(chart),
            Err((message, help)) => {
                let message = format!("Hub `{name}`, spec.chart.schema: {message}");
                return report(schema_at_loc, message, help.clone());
            }
        };
        let version = &hub.spec.chart.version;
        for (field, found, wanted) in [
            ("name", &chart.name, CHART_NAME),
            ("version", &chart.version, version.as_str()),
        ] {
            if let Some(found) = found.as_deref().filter(|f| *f != wanted) {
                let message = format!(
                    "Hub `{name}`, spec.chart.schema: `{path}` is chart {field} `{found}`, but the hub installs `{wanted}`"
                );
                let help = format!(
                    "name the chart the hub installs (`helm pull jupyterhub/jupyterhub --version {version}`), or its values.schema.json alone"
                );
                return report(schema_at_loc, message, help);
            }
        }
        let user = release_values(release, |_, at| placeholder(schema_at(&chart.schema, at)));
        let found = user.and_then(|user| {
            let merged = match &chart.defaults {
                Some(defaults) => coalesce(user, defaults),
                None => user,
            };
            violations(&chart.schema, &merged, chart.defaults.is_some())
        });
        let found = match found {
            Ok(found) => found,
            Err(why) => {
                let message = format!("Hub `{name}`, spec.chart.schema: `{path}`: {why}");
                return report(
                    schema_at_loc,
                    message,
                    "use the chart's own values.schema.json".into(),
                );
            }
        };
        for violation in found {
            let (loc, help) = locate(node, &violation, &chart.schema, path);
            let location = loc.map_or_else(|| schema_at_loc.clone(), at);
            let message = format!(
                "Hub `{name}`: chart values: {} (values.schema.json of `{path}`)",
                violation.message
            );
            report(location, message, help);
        }
    }
}

/// Where a violation is in the hub's definition, and what would fix it. In `spec.values` when the path is
/// written there (the `values:` key when only part of it is); `None` when the values come from elsewhere.
fn locate(node: &Node, violation: &Violation, schema: &Value, path: &str) -> (Option<Loc>, String) {
    let mut written = vec!["spec", "values"];
    written.extend(violation.path.iter().map(String::as_str));
    let field = crate::load::field_path(&written);
    let help = if violation.unexpected {
        let (key, parent) = violation.path.split_last().expect("an unexpected key");
        let segments: Vec<Segment> = parent.iter().map(|p| segment(p)).collect();
        let known = schema_at(schema, &segments)
            .and_then(|s| s["properties"].as_object())
            .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        match did_you_mean(key, known) {
            Some(near) => format!("did you mean `{near}`? Rename {field}, or remove it"),
            None => format!("remove {field}: the chart's values.schema.json does not allow it"),
        }
    } else {
        format!("give {field} a value the chart's values.schema.json (`{path}`) accepts")
    };
    if let Some(loc) = key_loc(node, &written) {
        return (Some(loc), help);
    }
    match key_loc(node, &["spec", "values"]) {
        Some(loc)
            if node
                .get("spec")
                .and_then(|s| s.get("values"))
                .is_some_and(|v| reaches(v, &violation.path)) =>
        {
            (Some(loc), help)
        }
        _ => (
            None,
            format!(
                "these values come from the hub's typed fields or its patches, not spec.values: check that `{path}` is the schema of the chart version the hub installs"
            ),
        ),
    }
}

/// Whether `values` (the raw `spec.values`) writes the first key of `path`: the problem is then in them.
fn reaches(values: &Node, path: &[String]) -> bool {
    path.first().is_none_or(|first| values.get(first).is_some())
}

fn segment(part: &str) -> Segment {
    match part.parse() {
        Ok(index) if part.bytes().all(|b| b.is_ascii_digit()) => Segment::Index(index),
        _ => Segment::Key(part.to_owned()),
    }
}
