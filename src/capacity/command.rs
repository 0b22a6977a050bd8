//! The `jupyflux capacity` command: arguments, loading, and printing the [`super::report`].

use super::report::{json, markdown, rows, text};
use clap::{Args, ValueEnum};
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
    #[command(flatten)]
    pub definitions: crate::cli::Definitions,
    /// `text`, `markdown` or `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Load the definitions and print the report; exit 1 on invalid definitions, 2 on an unknown environment.
pub fn run(args: &CapacityArgs) -> ExitCode {
    let model = match args.definitions.load() {
        Ok(model) => model,
        Err(code) => return code,
    };
    let environments: Vec<_> = model.environments.iter().collect();
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
