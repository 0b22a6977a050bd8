//! The `jupyflux diff` command: render the definitions at a revision and in the work tree, and compare.

use super::{compare, git, markdown, text};
use crate::load;
use crate::model::Model;
use crate::output::Tree;
use crate::output::compare::plan;
use crate::output::plan::Scope;
use crate::render::{Options, render_with};
use crate::style::{Stream, Style};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// How the report is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For a terminal.
    #[default]
    Text,
    /// For a merge-request comment.
    Markdown,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Compares the objects rendered from overlays/ at REV with those rendered from the work tree (not the\nfiles under generated/), by apiVersion, kind, namespace and name, down to the changed fields.\n\nExamples:\n  jupyflux diff                                  # against the merge base with the default branch\n  jupyflux diff --base HEAD~1 --env production\n  jupyflux diff --format markdown > comment.md   # for a merge request\n  jupyflux diff --exit-code                      # exit 1 when anything changes"
)]
pub struct DiffArgs {
    /// Git revision to compare with (default: the merge base of HEAD and the default branch).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when there are differences.
    #[arg(long)]
    pub exit_code: bool,
    /// Project root holding overlays/, inside a Git work tree (default: current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Also compare what the controller creates for each notebook (StatefulSet, Service, …).
    #[arg(long)]
    pub expand_notebooks: bool,
}

/// Exit codes: 0 no differences (or differences without `--exit-code`), 1 differences with `--exit-code` or
/// definitions that do not load, 2 usage and Git errors.
pub fn run(args: &DiffArgs) -> ExitCode {
    match diff(args) {
        Ok(code) => code,
        Err(Failure { message, code }) => {
            eprintln!("{} {message}", Style::for_stream(Stream::Stderr).error());
            ExitCode::from(code)
        }
    }
}

struct Failure {
    message: String,
    code: u8,
}

fn usage(error: impl ToString) -> Failure {
    Failure {
        message: error.to_string(),
        code: 2,
    }
}

fn diff(args: &DiffArgs) -> Result<ExitCode, Failure> {
    let root = &args.root;
    let (revision, why) = match &args.base {
        Some(revision) => (revision.clone(), None),
        None => git::default_base(root)
            .map(|(r, why)| (r, Some(why)))
            .map_err(usage)?,
    };
    let base = git::describe(root, &revision).map_err(usage)?;
    let base = match why {
        Some(why) => format!("{base} ({why})"),
        None => base,
    };
    let stderr = Style::for_stream(Stream::Stderr);
    let before = load::load_sources(&git::sources_at(root, &revision).map_err(usage)?).map_err(
        |problems| Failure {
            message: format!(
                "the definitions at {base} do not load, so there is nothing to compare with:\n{}",
                stderr.problems(&problems.to_string())
            ),
            code: 1,
        },
    )?;
    let after = load::load(root).map_err(|problems| Failure {
        message: format!(
            "the definitions in the work tree do not load:\n{}",
            stderr.problems(&problems.to_string())
        ),
        code: 1,
    })?;
    let (before, after) = match &args.env {
        Some(env) => (only(before, env), only(after, env)),
        None => (before, after),
    };
    if let Some(env) = &args.env
        && before.environments.is_empty()
        && after.environments.is_empty()
    {
        return Err(usage(format!(
            "no environment `{env}` under overlays/, at {base} or in the work tree"
        )));
    }
    let options = Options {
        expand_notebooks: args.expand_notebooks,
    };
    let after_tree = render_with(&after, options);
    // What `render` writes is this same tree unless notebook previews were asked for.
    let written = (options != Options::default()).then(|| render_with(&after, Options::default()));
    warn_if_stale(
        root,
        written.as_ref().unwrap_or(&after_tree),
        args.env.as_deref(),
    );
    let diff = compare(&render_with(&before, options), &after_tree).map_err(usage)?;
    let report = match args.format {
        Format::Text => text::report(&diff, &base, Style::for_stream(Stream::Stdout)),
        Format::Markdown => markdown::report(&diff, &base),
    };
    print!("{report}");
    Ok(if args.exit_code && !diff.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Say when `generated/` and `flux/` do not match `tree`, what `render` writes from the work tree's definitions: the
/// merge request would then carry other output than this diff shows.
fn warn_if_stale(root: &std::path::Path, tree: &Tree, env: Option<&str>) {
    let scope = env.map_or_else(Scope::all, Scope::environment);
    let stale = plan(root, tree, &scope)
        .map(|plan| plan.stale().count())
        .unwrap_or(0);
    if stale > 0 {
        eprintln!(
            "{} {stale} file(s) under generated/ and flux/ are stale against overlays/: run `jupyflux render` and commit the result (this diff compares the definitions)",
            Style::for_stream(Stream::Stderr).warning()
        );
    }
}

fn only(mut model: Model, env: &str) -> Model {
    model.environments.retain(|e| e.name == env);
    model
}
