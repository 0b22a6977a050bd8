//! `jupyflux import`: Flux HelmReleases of the Zero to JupyterHub chart in, Hub definitions out — typed fields
//! wherever jupyflux has them, the rest under `values:` — checked by rendering the result and comparing the chart
//! values leaf by leaf with the original. Pure: the command reads the files and writes what this returns.

pub mod command;
pub mod fidelity;
pub mod leaves;
mod lift;
pub mod person;
pub mod read;
mod release;
mod report;
mod text;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::load::{Sources, load_sources};
use crate::model::Model;
use fidelity::Difference;
use leaves::{Path, leaves, take};
use lift::Part;
use person::Needs;
pub use read::{Input, Release};
pub use report::render_report;
use serde_json::{Map, Value, json};
use text::{environment_text, hub_text};

/// Where import writes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The environment the hubs are for (`overlays/<env>/`); without it, `overlays/base/`.
    pub env: Option<String>,
}

/// What import writes, and what it found.
#[derive(Debug)]
pub struct Imported {
    /// New files (paths relative to the repository root) and their text.
    pub files: Vec<(String, String)>,
    pub hubs: Vec<HubImport>,
    /// The Environment import created, if it did.
    pub environment: Option<String>,
}

/// The outcome for one HelmRelease.
#[derive(Debug)]
pub struct HubImport {
    pub name: String,
    /// `file (document N)` it came from.
    pub from: String,
    /// The definition written.
    pub file: String,
    pub chart_version: String,
    /// The typed parts kept, by what they stand for.
    pub typed: Vec<String>,
    /// Leaves of the original values now in typed fields.
    pub typed_leaves: usize,
    /// Leaves of the original values jupyflux leaves out on purpose (they did nothing, or repeat its defaults).
    pub dropped_leaves: usize,
    /// Paths of what stayed under `values:`, and their leaf count.
    pub raw: Vec<Path>,
    pub raw_leaves: usize,
    /// Values jupyflux changes on purpose.
    pub deliberate: Vec<(Path, String)>,
    /// Typed fields proposed and not taken, and why (their values stay under `values`).
    pub refused: Vec<(String, String)>,
    /// HelmRelease settings jupyflux sets differently from what Flux defaulted.
    pub release_changes: Vec<String>,
    /// Values taken out for a person, and leaf count.
    pub needs: Vec<Needs>,
    pub needs_leaves: usize,
    /// Other things the person should know (namespace not owned, chart source, unresolved valuesFrom).
    pub notes: Vec<String>,
    /// Differences nothing explains (import's own failures; none expected).
    pub unexplained: Vec<Difference>,
    /// The chart values as Flux computed them from the inputs, and as jupyflux renders them.
    pub original: Value,
    pub rendered: Value,
}

/// The authenticator fields of `spec.auth`.
const AUTHENTICATORS: [&str; 7] = crate::model::auth::Auth::CHOICES;

pub use release::KNOWN_CHART;

/// Import the jupyterhub HelmReleases of `inputs` into the repository whose definitions are `existing`.
pub fn import(
    inputs: &[Input],
    existing: &Sources,
    options: &Options,
) -> Result<Imported, Diagnostics> {
    let releases = read::releases(inputs)?;
    let model = load_sources(existing).ok();
    let env = target_environment(existing, model.as_ref(), options)?;
    let mut files: Vec<(String, String)> = Vec::new();
    let mut environment = None;
    if !env.exists {
        let domain = releases
            .iter()
            .find_map(host_of)
            .and_then(|h| h.split_once('.').map(|(_, d)| d.to_owned()));
        let path = format!("overlays/{}/environment.yaml", env.name);
        files.push((
            path.clone(),
            environment_text(&env.name, domain.as_deref().unwrap_or("example.org")),
        ));
        environment = Some(path);
    }
    let dir = options.env.as_deref().unwrap_or("base");
    let mut hubs = Vec::new();
    let mut problems = Diagnostics::default();
    for release in &releases {
        let file = format!("overlays/{dir}/hub-{}.yaml", release.name);
        let taken =
            existing.files.iter().any(|f| f.path == file) || files.iter().any(|(p, _)| *p == file);
        let defined = model.as_ref().is_some_and(|m| {
            m.environments
                .iter()
                .any(|e| e.hubs.iter().any(|h| h.name == release.name))
        });
        if taken || defined || !crate::model::is_dns_label(&release.name) {
            let message = if crate::model::is_dns_label(&release.name) {
                format!("a Hub `{}` (or {file}) exists already", release.name)
            } else {
                format!(
                    "HelmRelease name `{}` is not a DNS label, which a Hub's name must be",
                    release.name
                )
            };
            problems.push(
                Diagnostic::new(Location { file: release.file.clone(), position: None }, message)
                    .with_help("rename the HelmRelease in the input (metadata.name) or remove the existing definition"),
            );
            continue;
        }
        let mut context_files = files.clone();
        match import_release(release, existing, &mut context_files, &file, &env.name) {
            Ok(hub) => {
                files = context_files;
                hubs.push(hub);
            }
            Err(e) => problems.0.extend(e.0),
        }
    }
    if problems.is_empty() {
        Ok(Imported {
            files,
            hubs,
            environment,
        })
    } else {
        Err(problems.finish())
    }
}

struct TargetEnv {
    name: String,
    exists: bool,
}

fn target_environment(
    existing: &Sources,
    model: Option<&Model>,
    options: &Options,
) -> Result<TargetEnv, Diagnostics> {
    let known: Vec<&str> = model
        .map(|m| m.environments.iter().map(|e| e.name.as_str()).collect())
        .unwrap_or_default();
    match &options.env {
        Some(env) if crate::model::is_dns_label(env) => Ok(TargetEnv {
            name: env.clone(),
            exists: known.contains(&env.as_str()),
        }),
        Some(env) => Err(one(
            format!("--env `{env}` is not a DNS label"),
            "an environment is a directory overlays/<env>/ named like a DNS label, e.g. `production`",
        )),
        None => match known.first() {
            Some(first) => Ok(TargetEnv {
                name: (*first).to_owned(),
                exists: true,
            }),
            None if existing.environments.is_empty() => Err(one(
                "the repository has no Environment to import into".into(),
                "pass --env NAME: import then writes overlays/NAME/environment.yaml and the hubs beside it",
            )),
            None => Err(one(
                "the repository's definitions do not load; fix them first (jupyflux validate)"
                    .into(),
                "run `jupyflux validate`",
            )),
        },
    }
}

fn one(message: String, help: &str) -> Diagnostics {
    let mut d = Diagnostics::default();
    d.push(
        Diagnostic::new(
            Location {
                file: "overlays/".into(),
                position: None,
            },
            message,
        )
        .with_help(help),
    );
    d
}

/// The host users reach a release's hub at, as its values name it.
fn host_of(release: &Release) -> Option<String> {
    let v = &release.values;
    let host = v
        .pointer("/ingress/hosts/0")
        .or(v.pointer("/httpRoute/hostnames/0"))?
        .as_str()?;
    (!host.contains("${") && !host.contains("{{") && host.contains('.')).then(|| host.to_owned())
}

/// The chart values jupyflux renders for hub `name` with `files` added to `existing`.
fn render_values(
    existing: &Sources,
    files: &[(String, String)],
    env: &str,
    name: &str,
) -> Result<Value, Diagnostics> {
    let mut sources = existing.clone();
    for (path, text) in files {
        sources.files.retain(|f| &f.path != path);
        sources.files.push(crate::load::SourceFile {
            path: path.clone(),
            text: text.clone(),
        });
        if let Some(env) = path
            .strip_prefix("overlays/")
            .and_then(|p| p.split_once('/'))
            .map(|(e, _)| e)
            && env != "base"
            && !sources.environments.iter().any(|e| e == env)
        {
            sources.environments.push(env.to_owned());
        }
    }
    let model = load_sources(&sources)?;
    let env = model
        .environments
        .iter()
        .find(|e| e.name == env)
        .expect("the target environment loads");
    let hub = env
        .hubs
        .iter()
        .find(|h| h.name == name)
        .expect("the imported hub loads");
    Ok(crate::render::chart::values(env, hub))
}

fn import_release(
    release: &Release,
    existing: &Sources,
    files: &mut Vec<(String, String)>,
    file: &str,
    env: &str,
) -> Result<HubImport, Diagnostics> {
    let mut notes = Vec::new();
    // Values placed where the chart reads them the same way (the report lists each move).
    let mut values = release.values.clone();
    let moved = fidelity::normalise(&mut values);
    let mut working = values.clone();
    let needs = person::take_out(&mut working, &release.name);
    let host = host_of(release);
    let secrets = release::values_from_secrets(release);
    let context = lift::Context {
        hub: &release.name,
        host: host.as_deref(),
        secrets: &secrets,
    };
    let proposed = lift::parts(&working, &context);
    let lifted = release::lift(release);
    notes.extend(lifted.notes);
    let release_changes = lifted.changes;
    let mut base = lifted.spec;
    base["singleuser"] = json!({});
    let with = |parts: &[&Part], raw: &Value| -> Value {
        let mut spec = base.clone();
        lift::apply(&mut spec, parts);
        let replaced: Vec<usize> = parts
            .iter()
            .flat_map(|p| p.values_from.iter().copied())
            .collect();
        if let Some(entries) = spec.get_mut("valuesFrom").and_then(Value::as_array_mut) {
            let mut index = 0;
            entries.retain(|_| {
                index += 1;
                !replaced.contains(&(index - 1))
            });
            if entries.is_empty() {
                spec.as_object_mut().map(|s| s.remove("valuesFrom"));
            }
        }
        if spec
            .get("auth")
            .and_then(|a| a.as_object())
            .is_none_or(|a| !a.keys().any(|k| AUTHENTICATORS.contains(&k.as_str())))
        {
            // Every hub names its authenticator; the chart's default stands in until a part names the real one.
            spec["auth"]["dummy"] = json!({});
        }
        if raw.as_object().is_some_and(|m| !m.is_empty()) {
            spec["values"] = raw.clone();
        }
        spec
    };
    let attempt = |spec: &Value| -> Result<Value, Diagnostics> {
        let mut trial = files.clone();
        trial.push((file.to_owned(), hub_text(release, spec)));
        render_values(existing, &trial, env, &release.name)
    };
    // A part that cannot load on its own (a shape jupyflux's field refuses) stays under values.
    let mut refused: Vec<(String, String)> = Vec::new();
    let mut kept: Vec<&Part> = Vec::new();
    for part in &proposed {
        match attempt(&with(&[part], &json!({}))) {
            Ok(_) => kept.push(part),
            Err(problems) => refused.push((part.what.clone(), first_problem(&problems))),
        }
    }
    let raw_of = |kept: &[&Part]| {
        let mut raw = working.clone();
        for part in kept {
            for path in &part.consumed {
                take(&mut raw, path);
            }
        }
        raw
    };
    let (rendered, differences) = loop {
        let raw = raw_of(&kept);
        let rendered = match attempt(&with(&kept, &raw)) {
            Ok(rendered) => rendered,
            Err(problems) => {
                // Parts that only fail together: drop the last one whose absence lets the definition load.
                let drop = (0..kept.len()).rev().find(|&i| {
                    let mut fewer = kept.clone();
                    fewer.remove(i);
                    attempt(&with(&fewer, &raw_of(&fewer))).is_ok()
                });
                match drop {
                    Some(i) => {
                        kept.remove(i);
                        continue;
                    }
                    None => return Err(problems),
                }
            }
        };
        let differences = fidelity::compare(&working, &rendered, &kept, &needs);
        let mut blamed: Vec<(&Part, &Path)> = Vec::new();
        for difference in &differences {
            if let Difference::Unexplained { path, .. } = difference {
                blamed.extend(
                    fidelity::culprits(path, &kept)
                        .into_iter()
                        .map(|p| (p, path)),
                );
            }
        }
        if blamed.is_empty() {
            break (rendered, differences);
        }
        for (part, path) in &blamed {
            if !refused.iter().any(|(w, _)| *w == part.what) {
                let why = format!("jupyflux would render it differently (first at {path})");
                refused.push((part.what.clone(), why));
            }
        }
        let blamed: Vec<&Part> = blamed.into_iter().map(|(p, _)| p).collect();
        kept.retain(|p| !blamed.iter().any(|b| std::ptr::eq(*b, *p)));
    };
    let raw = raw_of(&kept);
    let spec = with(&kept, &raw);
    for part in &kept {
        notes.extend(part.review.iter().cloned());
    }
    files.push((file.to_owned(), hub_text(release, &spec)));
    let replaced: Vec<usize> = kept
        .iter()
        .flat_map(|p| p.values_from.iter().copied())
        .collect();
    for (index, entry) in release.unresolved.iter().enumerate() {
        if replaced.contains(&index) {
            continue;
        }
        notes.push(format!(
            "valuesFrom {} `{}` is not among the given files: kept in spec.valuesFrom (an object managed elsewhere); it must exist in the cluster",
            entry.get("kind").and_then(Value::as_str).unwrap_or("?"),
            entry.get("name").and_then(Value::as_str).unwrap_or("?"),
        ));
    }
    let original_leaves = leaves(&values);
    let count_under = |paths: &[&Path]| {
        original_leaves
            .keys()
            .filter(|l| paths.iter().any(|p| l.starts_with(p)))
            .count()
    };
    let consumed: Vec<&Path> = kept.iter().flat_map(|p| p.consumed.iter()).collect();
    let untyped: Vec<&Path> = kept.iter().flat_map(|p| p.untyped.iter()).collect();
    let untyped_leaves = count_under(&untyped);
    let dropped: Vec<&Path> = kept
        .iter()
        .flat_map(|p| p.drops.iter().map(|(d, _)| d))
        .collect();
    let dropped_leaves = count_under(&dropped);
    let need_paths: Vec<&Path> = needs.iter().map(|n| &n.path).collect();
    let raw_paths = top_paths(&raw);
    Ok(HubImport {
        name: release.name.clone(),
        from: format!("{} (document {})", release.file, release.document),
        file: file.to_owned(),
        chart_version: base["chart"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        typed: kept.iter().map(|p| p.what.clone()).collect(),
        typed_leaves: count_under(&consumed) - untyped_leaves - dropped_leaves,
        dropped_leaves,
        raw_leaves: untyped_leaves
            + if raw.as_object().is_some_and(Map::is_empty) {
                0
            } else {
                leaves(&raw).len()
            },
        raw: raw_paths,
        deliberate: moved
            .iter()
            .chain(&differences)
            .filter_map(|d| match d {
                Difference::Deliberate { path, why } => Some((path.clone(), why.clone())),
                _ => None,
            })
            .collect(),
        needs_leaves: count_under(&need_paths),
        release_changes,
        refused,
        needs,
        notes,
        unexplained: differences
            .into_iter()
            .filter(|d| matches!(d, Difference::Unexplained { .. }))
            .collect(),
        original: release.values.clone(),
        rendered,
    })
}

/// The first problem's message (without its location: the definition was never written).
fn first_problem(problems: &Diagnostics) -> String {
    problems
        .0
        .first()
        .map_or_else(String::new, |d| d.message.clone())
}

/// The paths of `raw` two keys deep (what the report lists as kept under values).
fn top_paths(raw: &Value) -> Vec<Path> {
    let mut out = Vec::new();
    for (k, v) in raw.as_object().into_iter().flatten() {
        match v.as_object() {
            Some(inner) if !inner.is_empty() => {
                out.extend(inner.keys().map(|i| Path::keys(&[k, i])))
            }
            _ => out.push(Path::keys(&[k])),
        }
    }
    out
}
