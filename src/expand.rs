//! `jupyflux expand`: what the controller creates for one `Notebook` manifest (a definition from Git, or an
//! object as the Data Manager creates it), with an Environment's defaults, through the controller's own pure
//! function ([`crate::controller::reconcile::expand`]).

use crate::controller::reconcile;
use crate::load::de::{DeError, from_node};
use crate::load::node::{Node, parse_options};
use crate::notebook::config::ControllerConfig;
use crate::notebook::uses::generated_token_secret;
use crate::notebook::{Notebook, NotebookSpec};
use crate::style::{Stream, Style};
use clap::Args;
use kube::api::ObjectMeta;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `jupyflux expand`.
#[derive(Debug, Args)]
#[command(
    about = "Print what the controller creates for a Notebook manifest, with an Environment's notebook defaults",
    after_help = "The manifest may be a definition from overlays/ or a Notebook as an API (say the Squonk2 Data Manager)\ncreates it. Without --env no Environment defaults apply (no default host, TLS, ingress or storage class).\n\nExamples:\n  jupyflux expand --env production overlays/base/notebook-alice.yaml\n  jupyflux expand --env production fixtures/data-manager/notebook.yaml"
)]
pub struct ExpandArgs {
    /// The Environment whose notebook defaults apply (as `render` passes them to its controller).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// The Notebook manifest (YAML, one document).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// One problem of the manifest, at its line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub help: Option<String>,
}

/// The children of the notebook in `text` as YAML documents, in the controller's order, or every problem found.
pub fn expand(text: &str, config: &ControllerConfig) -> Result<String, Vec<Located>> {
    let node: Node = serde_saphyr::from_str_with_options(text, parse_options()).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
        let text = e.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m);
        vec![located(line, column, format!("not YAML: {message}"), None)]
    })?;
    let at = |path: &[&str]| crate::load::validate_loc(&node, path);
    let mut problems = Vec::new();
    for (field, wanted) in [
        ("apiVersion", "jupyflux.dev/v1alpha1"),
        ("kind", "Notebook"),
    ] {
        let found = node.get(field).and_then(Node::as_str);
        if found != Some(wanted) {
            let loc = at(&[field]);
            problems.push(located(
                loc.line,
                loc.column,
                format!("{field} is {}, not `{wanted}`", shown(found)),
                Some(format!("expand reads one `{wanted}` {field} document")),
            ));
        }
    }
    let name = node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str);
    let Some(name) = name else {
        let loc = at(&["metadata"]);
        problems.push(located(
            loc.line,
            loc.column,
            "metadata.name is missing".into(),
            Some("name the notebook: `metadata: {name: alice}`".into()),
        ));
        return Err(problems);
    };
    let namespace = node
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str);
    let spec = match node.get("spec") {
        Some(spec) => from_node::<NotebookSpec>(spec).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| de_problem(&e, spec))
                .collect::<Vec<_>>()
        }),
        None => {
            let loc = node.loc;
            Err(vec![located(
                loc.line,
                loc.column,
                "spec is missing".into(),
                Some(
                    "a Notebook needs at least `spec: {image: …, project: {claimName: …, id: …}}`"
                        .into(),
                ),
            )])
        }
    };
    let spec = match spec {
        Ok(spec) if problems.is_empty() => spec,
        Ok(_) => return Err(problems),
        Err(mut found) => {
            problems.append(&mut found);
            return Err(problems);
        }
    };
    let notebook = Notebook {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: namespace.map(str::to_owned),
            ..ObjectMeta::default()
        },
        spec,
        status: None,
    };
    let (spec, children) = reconcile::expand(&notebook, config).map_err(|found| {
        found
            .into_iter()
            .map(|p| {
                let mut path = vec!["spec"];
                path.extend(p.path.iter().map(String::as_str));
                let loc = at(&path);
                let field = path.join(".");
                located(
                    loc.line,
                    loc.column,
                    format!("{field}: {}", p.message),
                    Some(p.help),
                )
            })
            .collect::<Vec<_>>()
    })?;
    let mut out = String::new();
    if spec.auth.is_none() {
        out.push_str(&format!(
            "# Also Secret {}: a token the controller generates at run time, owned by the notebook (not shown).\n",
            generated_token_secret(name)
        ));
    }
    for (index, child) in children.iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        out.push_str(&crate::output::emit::yaml(child));
    }
    Ok(out)
}

fn located(line: u32, column: u32, message: String, help: Option<String>) -> Located {
    Located {
        line,
        column,
        message,
        help,
    }
}

fn shown(found: Option<&str>) -> String {
    found.map_or_else(|| "missing".to_owned(), |f| format!("`{f}`"))
}

/// A typing problem of the spec, at its location (the spec's own when the value has none).
fn de_problem(error: &DeError, spec: &Node) -> Located {
    let loc = error.loc.unwrap_or(spec.loc);
    let message = if error.path.is_empty() {
        format!("spec: {}", error.message)
    } else {
        format!("spec.{}: {}", error.path, error.message)
    };
    located(loc.line, loc.column, message, error.help.clone())
}

/// Run `jupyflux expand`: the children on standard output, or the problems as `file:line:column: error: …`.
pub fn run(args: &ExpandArgs) -> ExitCode {
    let errors = Style::for_stream(Stream::Stderr);
    let config = match &args.env {
        Some(env) => {
            let root = crate::paths::project_root(&args.root);
            match crate::load::load(&root) {
                Ok(model) => match model.environments.iter().find(|e| &e.name == env) {
                    Some(environment) => {
                        ControllerConfig::of(&environment.name, &environment.definition.spec)
                    }
                    None => {
                        eprintln!("{} no environment `{env}` under overlays/", errors.error());
                        return ExitCode::from(2);
                    }
                },
                Err(problems) => {
                    eprintln!("{}", errors.problems(&problems.to_string()));
                    return ExitCode::from(1);
                }
            }
        }
        None => ControllerConfig::default(),
    };
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!(
                "{} cannot read {}: {e}",
                errors.error(),
                args.file.display()
            );
            return ExitCode::from(2);
        }
    };
    match expand(&text, &config) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprint!("{}", errors.problems(&report(&args.file, &problems)));
            ExitCode::from(1)
        }
    }
}

/// `problems` as `file:line:column: error: message` lines, each with its help.
pub fn report(file: &Path, problems: &[Located]) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!(
            "{}:{}:{}: error: {}\n",
            file.display(),
            p.line,
            p.column,
            p.message
        ));
        if let Some(help) = &p.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    out
}
