//! `jupyflux values`: the chart values a hub's HelmRelease sends, as YAML — its inline values (after the hub's
//! patches), with every secret it reads through `valuesFrom` shown at its `targetPath` as where it comes from,
//! never as a value.

use crate::chart_values::{ValuesFrom, release_values};
use crate::checks::{apply_patches, hub_objects, release};
use crate::load;
use crate::render;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `jupyflux values`.
#[derive(Debug, Args)]
#[command(
    after_help = "Secrets are shown as <from Secret NAME key KEY>, never as values.\n\nExamples:\n  jupyflux values --env production --hub research\n  jupyflux values --env staging --hub research > research-values.yaml"
)]
pub struct ValuesArgs {
    /// The environment.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The hub.
    #[arg(long, value_name = "HUB")]
    pub hub: String,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

const INVALID: u8 = 1;

/// Print the hub's chart values; exit 1 on invalid definitions, an unknown environment or hub, or a patch
/// that does not apply.
pub fn run(args: &ValuesArgs) -> ExitCode {
    let model = match load::load(&args.root) {
        Ok(model) => model,
        Err(problems) => return fail(&problems.to_string()),
    };
    let Some(env) = model.environments.iter().find(|e| e.name == args.env) else {
        let names: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
        return fail(&format!(
            "error: no environment `{}` under overlays/ (environments: {})",
            args.env,
            names.join(", ")
        ));
    };
    let Some(hub) = env.hubs.iter().find(|h| h.name == args.hub) else {
        let names: Vec<&str> = env.hubs.iter().map(|h| h.name.as_str()).collect();
        return fail(&format!(
            "error: no hub `{}` in environment `{}` (hubs: {})",
            args.hub,
            env.name,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
    };
    let tree = render::render_environment(env, render::Options::default());
    let mut objects = hub_objects(&tree, &env.name, &hub.name);
    if let Some((index, error)) = apply_patches(hub, &mut objects).into_iter().next() {
        return fail(&format!(
            "error: Hub `{}`, spec.patches[{index}]: {error}\n  help: run `jupyflux validate` to see where",
            hub.name
        ));
    }
    let Some(release) = release(&objects, &hub.name) else {
        return fail(&format!(
            "error: Hub `{}`: no HelmRelease `{}` among its objects (a patch deleted it?)",
            hub.name, hub.name
        ));
    };
    match text(&env.name, &hub.name, release) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(why) => fail(&format!("error: Hub `{}`: {why}", hub.name)),
    }
}

/// The values as YAML under a header: what they are and which whole-document `valuesFrom` are merged in too.
pub fn text(env: &str, hub: &str, release: &Value) -> Result<String, String> {
    let values = release_values(release, |entry, _| Value::from(entry.describe()))?;
    let chart = &release["spec"]["chart"]["spec"];
    let mut text = format!(
        "# Chart values of Hub {hub} in environment {env} (chart {} {}), as its HelmRelease sends them.\n",
        chart["chart"].as_str().unwrap_or("?"),
        chart["version"].as_str().unwrap_or("?"),
    );
    text.push_str("# Values from Secrets are shown as <from Secret NAME key KEY>; Helm merges all of this over the chart's defaults.\n");
    let whole: Vec<ValuesFrom> = ValuesFrom::of_release(release)
        .into_iter()
        .filter(|entry| entry.target_path.is_none())
        .collect();
    if !whole.is_empty() {
        text.push_str(
            "# Also merged, in order, under these values (whole values documents, not shown):\n",
        );
        for entry in whole {
            let optional = if entry.optional { " (optional)" } else { "" };
            text.push_str(&format!(
                "#   {} {} key {}{optional}\n",
                entry.kind, entry.name, entry.key
            ));
        }
    }
    let body = match &values {
        Value::Object(map) if map.is_empty() => "{}\n".to_owned(),
        _ => crate::output::emit::yaml(&values),
    };
    text.push_str(&body);
    Ok(text)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_documents_are_listed_in_the_header_and_secrets_are_placeholders() {
        let release = json!({"spec": {
            "chart": {"spec": {"chart": "jupyterhub", "version": "4.4.0"}},
            "valuesFrom": [
                {"kind": "ConfigMap", "name": "extra", "optional": true},
                {"kind": "Secret", "name": "lab-chart-secrets", "valuesKey": "proxy-token", "targetPath": "proxy.secretToken"},
            ],
            "values": {"singleuser": {"defaultUrl": "/lab"}},
        }});
        assert_eq!(
            text("dev", "lab", &release).unwrap(),
            "# Chart values of Hub lab in environment dev (chart jupyterhub 4.4.0), as its HelmRelease sends them.\n\
             # Values from Secrets are shown as <from Secret NAME key KEY>; Helm merges all of this over the chart's defaults.\n\
             # Also merged, in order, under these values (whole values documents, not shown):\n\
             #   ConfigMap extra key values.yaml (optional)\n\
             proxy:\n  secretToken: <from Secret lab-chart-secrets key proxy-token>\n\
             singleuser:\n  defaultUrl: /lab\n"
        );
    }
}
