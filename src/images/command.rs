//! The `jupyflux images` command: every `Image` definition with its build context, the tag its contents hash
//! to, and the hubs and notebooks that use it; as JSON, one entry per image to build, for CI to build and push
//! only the tags a registry is missing.

use crate::model::Environment;
use crate::model::image_definition::BuiltImage;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::process::ExitCode;

/// How `images` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Per environment, each image, its context and its users.
    Text,
    /// One JSON array, one entry per image to build (the same image in several environments once): `name`,
    /// `repository`, `tag`, `image` (`repository:tag`), `context`, `exclude`, `environments`, `usedBy`
    /// (`environment`, `kind`, `name`, `namespace` for a notebook, `field`).
    Json,
}

/// Arguments of `jupyflux images`.
#[derive(Debug, Args)]
#[command(
    about = "List the images built from the repository: each one's build context, the tag its contents hash to, and the hubs and notebooks using it",
    after_help = "The tag is the content hash of the build context (docs/images.md): build and push the tags your registry lacks.\n\nExamples:\n  jupyflux images --env production\n  jupyflux images --format json | jq -r '.[] | [.context, .image] | @tsv' |\n    while read -r context image; do\n      docker manifest inspect \"$image\" >/dev/null 2>&1 || { docker build -t \"$image\" \"$context\" && docker push \"$image\"; }\n    done"
)]
pub struct ImagesArgs {
    #[command(flatten)]
    pub definitions: crate::cli::Definitions,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Load the definitions and print their images; exit 1 on invalid definitions, 2 on an unknown environment.
pub fn run(args: &ImagesArgs) -> ExitCode {
    let model = match args.definitions.load() {
        Ok(model) => model,
        Err(code) => return code,
    };
    let environments: Vec<&Environment> = model.environments.iter().collect();
    match args.format {
        Format::Text => print!("{}", text(&environments)),
        Format::Json => {
            let text = serde_json::to_string_pretty(&to_json(&environments)).expect("JSON");
            println!("{text}");
        }
    }
    ExitCode::SUCCESS
}

/// Per environment, each image with its context and users.
pub fn text(environments: &[&Environment]) -> String {
    let mut out = String::new();
    for (i, env) in environments.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("Environment {}\n", env.name));
        if env.images.is_empty() {
            out.push_str("  no Image definitions\n");
        }
        for image in &env.images {
            let spec = &image.definition.spec;
            out.push_str(&format!(
                "  {}  {}\n    context  {}",
                image.definition.name,
                image.reference(),
                spec.context
            ));
            if !spec.exclude.is_empty() {
                out.push_str(&format!(" (excluding {})", spec.exclude.join(", ")));
            }
            out.push('\n');
            if image.used_by.is_empty() {
                out.push_str("    used by  nothing\n");
            }
            for (j, user) in image.used_by.iter().enumerate() {
                let label = if j == 0 { "used by" } else { "" };
                out.push_str(&format!("    {label:<7}  {}\n", user_text(user)));
            }
        }
    }
    out
}

fn user_text(user: &crate::model::image_definition::ImageUse) -> String {
    let who = if user.namespace.is_empty() {
        user.name.clone()
    } else {
        format!("{}/{}", user.namespace, user.name)
    };
    format!("{} {who}, {}", user.kind.name(), user.field)
}

/// One entry per distinct image (name, repository, tag and context), with every environment and use.
pub fn to_json(environments: &[&Environment]) -> Value {
    let mut entries: Vec<(&BuiltImage, Vec<&str>, Vec<Value>)> = Vec::new();
    for env in environments {
        for image in &env.images {
            let same = |known: &BuiltImage| {
                known.definition.name == image.definition.name
                    && known.tag == image.tag
                    && known.definition.spec == image.definition.spec
            };
            let index = match entries.iter().position(|(known, ..)| same(known)) {
                Some(index) => index,
                None => {
                    entries.push((image, Vec::new(), Vec::new()));
                    entries.len() - 1
                }
            };
            let (_, envs, users) = &mut entries[index];
            envs.push(&env.name);
            users.extend(image.used_by.iter().map(|user| {
                let mut entry = json!({
                    "environment": env.name,
                    "kind": user.kind.name(),
                    "name": user.name,
                    "field": user.field,
                });
                if !user.namespace.is_empty() {
                    entry["namespace"] = json!(user.namespace);
                }
                entry
            }));
        }
    }
    entries.sort_by(|a, b| {
        (&a.0.definition.name, a.0.reference()).cmp(&(&b.0.definition.name, b.0.reference()))
    });
    Value::Array(
        entries
            .into_iter()
            .map(|(image, envs, users)| {
                let spec = &image.definition.spec;
                json!({
                    "name": image.definition.name,
                    "repository": spec.repository,
                    "tag": image.tag,
                    "image": image.reference(),
                    "context": spec.context,
                    "exclude": spec.exclude,
                    "environments": envs,
                    "usedBy": users,
                })
            })
            .collect(),
    )
}
