//! The `jupyflux explain` command: arguments, loading, and printing what [`super::explain`] says.

use super::{Request, explain, json, text};
use crate::load;
use crate::model::image::Image;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// How `explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// One JSON object for scripts: `login`, `entries` (each with `choices`, `rules`, `resources`, `env`,
    /// `tolerations`, `nodeSelector`, `nodeAffinityRequired`, `from`, and `variants` for the other choices),
    /// `hidden`.
    Json,
}

/// Arguments of `jupyflux explain`.
#[derive(Debug, Args)]
#[command(
    about = "What one user gets from a hub: whether they can log in, the spawn page entries they see, and for each entry (and each choice) the server it starts after the rules",
    after_help = "Examples:\n  jupyflux explain --env staging --hub research --user ada\n  jupyflux explain --env production --hub research --user ada --group gpu-users --image quay.io/jupyter/pytorch-notebook:2025-03-17\n  jupyflux explain --env production --hub research --user ada --format json | jq '.entries[].resources'"
)]
pub struct ExplainArgs {
    /// The environment.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The hub.
    #[arg(long, value_name = "HUB")]
    pub hub: String,
    /// The user name, as the authenticator reports it.
    #[arg(long, value_name = "USER")]
    pub user: String,
    /// An image the user wants to start, or the name of an `Image` of the environment: each entry is shown with
    /// the choice that starts it (or says it cannot).
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// A group of the user (repeatable).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// `text` (tables) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

const INVALID: u8 = 1;
const USAGE: u8 = 2;

/// Load the definitions and print the explanation; exit 1 on invalid definitions, 2 on unknown names.
pub fn run(args: &ExplainArgs) -> ExitCode {
    let model = match load::load(&args.root) {
        Ok(model) => model,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::from(INVALID);
        }
    };
    let Some(env) = model.environments.iter().find(|e| e.name == args.env) else {
        let names: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
        return usage(&format!(
            "no environment `{}` (environments: {})",
            args.env,
            names.join(", ")
        ));
    };
    // A question about an image, not a definition: a moving tag is asked about as written (a hub that allows
    // `latest` may name one); the name of one of the environment's `Image`s is its content-hashed reference.
    let built = |name: &str| {
        env.images
            .iter()
            .find(|i| i.definition.name == name)
            .map(|i| i.reference())
    };
    let image = match args
        .image
        .as_deref()
        .map(|text| Image::parse_with(&built(text).unwrap_or_else(|| text.to_owned()), true))
        .transpose()
    {
        Ok(image) => image,
        Err(e) => {
            return usage(&format!(
                "--image: {e} (or the name of one of the environment's Images)"
            ));
        }
    };
    let Some(hub) = env.hubs.iter().find(|h| h.name == args.hub) else {
        let names: Vec<&str> = env.hubs.iter().map(|h| h.name.as_str()).collect();
        return usage(&format!(
            "no hub `{}` in `{}` (hubs: {})",
            args.hub,
            env.name,
            names.join(", ")
        ));
    };
    let request = Request {
        user: &args.user,
        groups: &args.groups,
        image: image.as_ref(),
    };
    let explanation = explain(env, hub, &request);
    match args.format {
        Format::Text => print!("{}", text(&explanation)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json(&explanation)).expect("JSON serializes")
        ),
    }
    ExitCode::SUCCESS
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(USAGE)
}
