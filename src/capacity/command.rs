//! The `jupyflux capacity` command: arguments, loading, and printing the [`super::report`].

use super::report::{json, markdown, rows, text};
use crate::load;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// How `capacity` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table per environment.
    Text,
    /// A Markdown table per environment (for a merge request).
    Markdown,
    /// One JSON array: per environment its `pools` and `servers` (each with `requests`, `limits`, `fits` and
    /// per pool `perNode`, `perNodeAtLimit`, `costPerUserHour`, `users`, or the `reason` it does not fit).
    Json,
}

/// Arguments of `jupyflux capacity`.
#[derive(Debug, Args)]
#[command(
    about = "For every hub profile × size and every notebook: the node pools it can run on, how many fit a node by guarantee and by limit, the cost per user-hour and, with a node count, how many users each pool holds",
    after_help = "Reads the Environment's `nodePools` (docs/capacity.md).\n\nExamples:\n  jupyflux capacity --env production\n  jupyflux capacity --env production --format markdown\n  jupyflux capacity --format json | jq '.[].servers[] | select(.fits | not)'"
)]
pub struct CapacityArgs {
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// `text`, `markdown` or `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

/// Load the definitions and print the report; exit 1 on invalid definitions, 2 on an unknown environment.
pub fn run(args: &CapacityArgs) -> ExitCode {
    let model = match load::load(&args.root) {
        Ok(model) => model,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::from(1);
        }
    };
    let environments: Vec<_> = model
        .environments
        .iter()
        .filter(|e| args.env.as_ref().is_none_or(|name| &e.name == name))
        .collect();
    if environments.is_empty() {
        let names: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
        eprintln!(
            "error: no environment `{}` (environments: {})",
            args.env.as_deref().unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let mut out = String::new();
    let mut documents = Vec::new();
    for (i, env) in environments.iter().enumerate() {
        let rows = rows(env);
        if i > 0 && args.format != Format::Json {
            out.push('\n');
        }
        match args.format {
            Format::Text => out.push_str(&text(env, &rows)),
            Format::Markdown => out.push_str(&markdown(env, &rows)),
            Format::Json => documents.push(json(env, &rows)),
        }
    }
    if args.format == Format::Json {
        out = serde_json::to_string_pretty(&documents).expect("JSON serializes") + "\n";
    }
    print!("{out}");
    ExitCode::SUCCESS
}
