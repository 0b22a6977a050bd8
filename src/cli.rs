//! Command-line interface: argument parsing and dispatch, nothing more.

use crate::load;
use crate::model::Model;
use crate::output::compare::{Disk, Keep, finish_all};
use crate::output::plan::{OutputError, Scope};
use crate::output::write::Recovered;
use crate::output::{check, verify, write};
use crate::render;
use crate::style::{Stream, Style};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Render JupyterHubs and Jupyter notebooks into a deterministic Flux + Kustomize tree.
#[derive(Debug, Parser)]
#[command(name = "jupyflux", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render overlays/ into generated/<env>/ and flux/<env>/.
    #[command(
        after_help = "Examples:\n  jupyflux render                  # every environment\n  jupyflux render --env staging    # one environment\n  jupyflux render --check          # exit 1 with a diff if generated/ or flux/ is stale"
    )]
    Render {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
        /// Write nothing; print a diff and exit 1 when the output on disk is stale.
        #[arg(long)]
        check: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Also write what the controller creates for each notebook, for review, to
        /// generated/<env>/notebooks/<ns>/<name>.preview/ (listed in no kustomization; pruned without this flag).
        #[arg(long)]
        expand_notebooks: bool,
    },
    /// Check the definitions and the output they render, without writing anything or needing the network.
    #[command(
        after_help = "Checks: definitions (fields, types, names, quantities, cross-references); each hub's patches,\napplied to its rendered objects as Kustomize would; its chart values against the chart's\nvalues.schema.json (spec.chart.schema); then the rendered tree: allowed API versions, object\nidentity, kustomization listings, references between objects.\n\nPrints the Secrets that must exist (those `{secret, key}` references and `valuesFrom` name, and a\nSecretStore's own credentials), and the ConfigMaps hub rules read, per namespace.\n\nExamples:\n  jupyflux validate\n  jupyflux validate --env production\n  jupyflux validate --format json | jq '.requiredSecrets[] | \"\\(.namespace)/\\(.secret)\"'"
    )]
    Validate {
        /// Only this environment.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
        /// Also check the notebooks' children (as `render --expand-notebooks` writes them).
        #[arg(long)]
        expand_notebooks: bool,
        /// `text`, or `json`: `{"valid", "requiredSecrets": [{environment, namespace, secret, keys, usedBy}], "requiredConfigMaps": [{…, configMap, …}]}` on
        /// standard output for a pipeline to check the Secrets exist.
        #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
    },
    /// Turn Flux HelmReleases of the jupyterhub chart into Hub definitions (typed where jupyflux can), with a report.
    #[command(
        after_help = "Writes overlays/ENV/hub-<release>.yaml (overlays/base/ without --env) and, when the environment has\nnone, its Environment; never overwrites a file. The report lists what became typed, what stayed under\n`values`, what jupyflux changes on purpose, and what needs a person (Flux ${VAR}s, literal secrets).\n\nExamples:\n  jupyflux import clusters/prod/jupyterhub/*.yaml --env production\n  jupyflux import hub.yaml --env staging --dry-run"
    )]
    Import(crate::import::command::ImportArgs),
    /// Show whether a user can log in, the spawn page entries they see, and what each starts after the rules.
    Explain(crate::explain::command::ExplainArgs),
    /// Print the chart values a hub's HelmRelease sends (secrets shown as where they come from).
    Values(crate::values_cmd::ValuesArgs),
    /// Show which node pools every profile and notebook fits, how many per node, and the cost per user-hour.
    Capacity(crate::capacity::command::CapacityArgs),
    /// List the images built from the repository: build context, content-hash tag, and who uses each.
    Images(crate::images::command::ImagesArgs),
    /// Show what a change to the definitions does to the rendered objects, per environment.
    Diff(crate::diff::command::DiffArgs),
    /// Print the JSON Schema of every definition kind (for editors).
    #[command(
        after_help = "Examples:\n  jupyflux schema > schema/jupyflux.json\n  jupyflux schema --overlay > schema/jupyflux-overlay.json\n  # then, as the first line of a definition file:\n  # yaml-language-server: $schema=../../schema/jupyflux.json"
    )]
    Schema {
        /// The schema of environment files merged over base (every field optional).
        #[arg(long)]
        overlay: bool,
    },
    /// Print the CustomResourceDefinition of `Notebook.jupyflux.dev` (as `render` writes it per environment).
    #[command(
        after_help = "Examples:\n  jupyflux crd | kubectl apply -f -\n  jupyflux crd --env production   # with the environment's Data Manager notebookNamespaces"
    )]
    Crd {
        /// Annotate with this environment's `notebookNamespaces`.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
    /// Run the in-cluster controller: apply each Notebook's children, report its status (the rendered Deployment's command).
    #[command(
        after_help = "Endpoints: /healthz, /readyz (once notebooks can be listed), /metrics (Prometheus) on --listen.\n\nExamples:\n  jupyflux controller\n  jupyflux controller --namespace notebooks --default-host notebooks.example.org"
    )]
    Controller(Box<crate::controller::command::ControllerArgs>),
    /// Print what the controller creates for a Notebook manifest, with an Environment's notebook defaults.
    Expand(crate::expand::ExpandArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  jupyflux completions bash > ~/.local/share/bash-completion/completions/jupyflux\n  jupyflux completions zsh > ~/.zfunc/_jupyflux\n  jupyflux completions fish > ~/.config/fish/completions/jupyflux.fish"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Exit code for invalid definitions or stale output.
const INVALID: u8 = 1;
/// Exit code for a usage error (as clap uses).
const USAGE: u8 = 2;

pub fn run(mut cli: Cli) -> ExitCode {
    // Every command finds the project root from a subdirectory, as git and cargo do.
    let root = match &mut cli.command {
        Command::Render { root, .. } | Command::Validate { root, .. } => Some(root),
        Command::Import(args) => Some(&mut args.root),
        Command::Explain(args) => Some(&mut args.root),
        Command::Values(args) => Some(&mut args.root),
        Command::Capacity(args) => Some(&mut args.definitions.root),
        Command::Images(args) => Some(&mut args.definitions.root),
        Command::Diff(args) => Some(&mut args.root),
        _ => None,
    };
    if let Some(root) = root {
        *root = crate::paths::project_root(root);
    }
    match cli.command {
        Command::Render {
            env,
            root,
            check,
            quiet,
            expand_notebooks,
        } => {
            let options = render::Options { expand_notebooks };
            render_command(&root, env.as_deref(), check, quiet, options)
        }
        Command::Validate {
            env,
            root,
            expand_notebooks,
            format,
        } => validate_command(
            &root,
            env.as_deref(),
            render::Options { expand_notebooks },
            format,
        ),
        Command::Import(args) => crate::import::command::run(&args),
        Command::Explain(args) => crate::explain::command::run(&args),
        Command::Values(args) => crate::values_cmd::run(&args),
        Command::Capacity(args) => crate::capacity::command::run(&args),
        Command::Images(args) => crate::images::command::run(&args),
        Command::Diff(args) => crate::diff::command::run(&args),
        Command::Schema { overlay } => {
            let schema = if overlay {
                crate::schema::overlays()
            } else {
                crate::schema::definitions()
            };
            print!("{}", crate::schema::to_text(&schema));
            ExitCode::SUCCESS
        }
        Command::Crd { env, root } => crd_command(&root, env.as_deref()),
        Command::Controller(args) => crate::controller::command::run_command(*args),
        Command::Expand(args) => crate::expand::run(&args),
        Command::Completions { shell } => {
            crate::completions::print(shell);
            ExitCode::SUCCESS
        }
    }
}

fn crd_command(root: &Path, env: Option<&str>) -> ExitCode {
    let namespaces = match env {
        Some(env) => match load_model(root, Some(env)) {
            Ok(model) => model.environments[0]
                .definition
                .spec
                .notebook_namespaces
                .clone(),
            Err(code) => return code,
        },
        None => Vec::new(),
    };
    let crd = crate::notebook::crd::crd(&namespaces);
    print!("{}", crate::output::emit::yaml(&crd));
    ExitCode::SUCCESS
}

/// Load the model, keeping only `env` when given. Errors are printed; the exit code is returned.
fn load_model(root: &Path, env: Option<&str>) -> Result<Model, ExitCode> {
    let model = load::load(root).map_err(|problems| {
        eprintln!("{}", errors().problems(&problems.to_string()));
        ExitCode::from(INVALID)
    })?;
    only(model, env)
}

/// [`load_model`], with where each hub's fields are (for [`crate::checks`]).
fn load_located(root: &Path, env: Option<&str>) -> Result<(Model, load::Located), ExitCode> {
    let (model, located) = load::load_located(root).map_err(|problems| {
        eprintln!("{}", errors().problems(&problems.to_string()));
        ExitCode::from(INVALID)
    })?;
    Ok((only(model, env)?, located))
}

/// `--env` and `--root` of a command that reads the definitions and reports on them.
#[derive(Debug, clap::Args)]
pub struct Definitions {
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

impl Definitions {
    /// The definitions, with only the environment asked for ([`load_selected`]).
    pub fn load(&self) -> Result<Model, ExitCode> {
        load_selected(&self.root, self.env.as_deref())
    }
}

/// The definitions under `root` with only environment `env` when given, for a command that reads them: the
/// problems printed and exit 1 when they are invalid, exit 2 for an unknown environment.
pub fn load_selected(root: &Path, env: Option<&str>) -> Result<Model, ExitCode> {
    let model = load::load(root).map_err(|problems| {
        eprintln!("{}", errors().problems(&problems.to_string()));
        ExitCode::from(INVALID)
    })?;
    only(model, env)
}

/// The model with only `env`, when given (an unknown one is a usage error).
fn only(mut model: Model, env: Option<&str>) -> Result<Model, ExitCode> {
    if let Some(env) = env {
        let names: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
        if !names.contains(&env) {
            eprintln!(
                "{} no environment `{env}` under overlays/ (environments: {})",
                errors().error(),
                names.join(", ")
            );
            return Err(ExitCode::from(USAGE));
        }
        model.environments.retain(|e| e.name == env);
    }
    Ok(model)
}

fn render_command(
    root: &Path,
    env: Option<&str>,
    check: bool,
    quiet: bool,
    options: render::Options,
) -> ExitCode {
    let started = Instant::now();
    let model = match load_model(root, env) {
        Ok(model) => model,
        Err(code) => return code,
    };
    // Loading's transient memory (every file's text and parse) is free now: hand it back before the output grows.
    crate::memory::release_free_memory();
    let scope = env.map_or_else(Scope::all, Scope::environment);
    let envs = model.environments.len();
    // Each file is compared with the disk as it is rendered; only what differs is kept (to show, or staged to
    // write), so a no-op render never holds its output in memory.
    if check {
        match write::interrupted(root) {
            Ok(None) => {}
            Ok(Some(e)) | Err(e) => return output_error(&e),
        }
        let compared = Disk::list(root, &scope).and_then(|disk| {
            let rendered = render::render_into(&model, options, |_| disk.comparison(Keep::Bytes));
            disk.outcome(finish_all(rendered)?)
        });
        drop(model);
        let outcome = match compared {
            Ok(outcome) => outcome,
            Err(e) => return output_error(&e),
        };
        let plan = outcome.plan;
        let stale = plan.stale().count();
        if stale > 0 {
            let diff = check::diff(&plan, &outcome.changed);
            print!("{}", Style::for_stream(Stream::Stdout).unified_diff(&diff));
            eprintln!(
                "{} {stale} generated file(s) are stale; run `jupyflux render` and commit the result",
                errors().error()
            );
            return ExitCode::from(INVALID);
        }
        if !quiet {
            eprintln!(
                "up to date: {envs} environment(s), {} files ({} ms)",
                plan.unchanged,
                started.elapsed().as_millis()
            );
        }
        return ExitCode::SUCCESS;
    }
    let written = write::Pending::begin(root, &scope).and_then(|pending| {
        let rendered = render::render_into(&model, options, |_| pending.sink());
        let parts = finish_all(rendered)?;
        pending.finish(parts)
    });
    drop(model);
    match written {
        Ok(written) => {
            match &written.recovered {
                Some(Recovered::Finished { changes }) => eprintln!(
                    "note: finished an interrupted render first ({changes} changes from its journal)"
                ),
                Some(Recovered::Discarded) => {
                    eprintln!("note: removed the staged files of an interrupted render")
                }
                None => {}
            }
            for path in &written.foreign {
                eprintln!("note: {path} was not generated by jupyflux; left in place");
            }
            if !quiet {
                eprintln!(
                    "rendered {envs} environment(s): {} written, {} unchanged, {} removed ({} ms)",
                    written.written,
                    written.unchanged,
                    written.removed,
                    started.elapsed().as_millis()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => output_error(&e),
    }
}

/// How `validate` prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

fn validate_command(
    root: &Path,
    env: Option<&str>,
    options: render::Options,
    format: ValidateFormat,
) -> ExitCode {
    let failed = |code: ExitCode| {
        if format == ValidateFormat::Json {
            println!(
                "{}",
                serde_json::json!({"valid": false, "requiredSecrets": [], "requiredConfigMaps": []})
            );
        }
        code
    };
    let invalid = || failed(ExitCode::from(INVALID));
    let (model, located) = match load_located(root, env) {
        Ok(loaded) => loaded,
        Err(code) => return failed(code),
    };
    crate::memory::release_free_memory();
    let tree = render::render_with(&model, options);
    let found = crate::checks::check(root, &model, &located, &tree);
    if !found.is_empty() {
        eprintln!("{}", errors().problems(&found.to_string()));
        return invalid();
    }
    let declared = render::declared_elsewhere(&model);
    let required = crate::model::required::required_secrets(&model);
    let config_maps = crate::model::required::required_config_maps(&model);
    let envs = model.environments.len();
    // Re-reading the rendered output needs only the tree: free the model and the located definitions first (peak
    // memory on large fleets).
    drop((model, located));
    crate::memory::release_free_memory();
    let problems = verify::verify_with(&tree, &declared);
    for problem in &problems {
        eprintln!("{problem}");
    }
    if !problems.is_empty() {
        eprintln!(
            "{} problem(s) in the rendered output (a jupyflux bug: please report it)",
            problems.len()
        );
        return invalid();
    }
    match format {
        ValidateFormat::Json => println!(
            "{}",
            serde_json::json!({"valid": true, "requiredSecrets": required, "requiredConfigMaps": config_maps})
        ),
        ValidateFormat::Text => {
            print!("{}", required_text(&required));
            print!("{}", config_maps_text(&config_maps));
        }
    }
    eprintln!(
        "valid: {envs} environment(s), {} rendered files checked",
        tree.len()
    );
    ExitCode::SUCCESS
}

/// The Secrets that must exist, for a terminal: one line each, nothing when there is none.
fn required_text(secrets: &[crate::model::required::RequiredSecret]) -> String {
    let rows: Vec<Required<'_>> = secrets
        .iter()
        .map(|s| {
            (
                &*s.environment,
                &*s.namespace,
                &*s.secret,
                &s.keys,
                &s.used_by,
            )
        })
        .collect();
    listing(
        "Secrets that must exist (jupyflux reads them, something else makes them)",
        "Secret",
        &rows,
    )
}

/// The ConfigMaps hub rules read, for a terminal: one line each, nothing when there is none.
fn config_maps_text(config_maps: &[crate::model::required::RequiredConfigMap]) -> String {
    let rows: Vec<Required<'_>> = config_maps
        .iter()
        .map(|c| {
            (
                &*c.environment,
                &*c.namespace,
                &*c.config_map,
                &c.keys,
                &c.used_by,
            )
        })
        .collect();
    listing(
        "ConfigMaps that must exist (hub rules read them, something else makes them)",
        "ConfigMap",
        &rows,
    )
}

/// An object that must exist: environment, namespace, name, keys read, readers.
type Required<'a> = (&'a str, &'a str, &'a str, &'a Vec<String>, &'a Vec<String>);

fn listing(heading: &str, kind: &str, rows: &[Required<'_>]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!("{heading}:\n");
    for (environment, namespace, name, keys, users) in rows {
        out.push_str(&format!(
            "  {environment}: {kind} {namespace}/{name} keys {} (read by {})\n",
            keys.join(", "),
            users.join("; ")
        ));
    }
    out
}

fn output_error(e: &OutputError) -> ExitCode {
    eprintln!("{} {e}", errors().error());
    if let Some(help) = e.help() {
        eprintln!("  help: {help}");
    }
    ExitCode::from(INVALID)
}

/// How messages on standard error are styled.
fn errors() -> Style {
    Style::for_stream(Stream::Stderr)
}
