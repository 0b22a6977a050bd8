//! The `import` command: read the given files and the repository's definitions, write the new definitions
//! (never over an existing file), print the report.

use super::{Input, Options, import, render_report};
use crate::load::{Sources, read_sources};
use crate::style::{Stream, Style};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `jupyflux import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files holding Flux HelmReleases of the jupyterhub chart (with their HelmRepository and ConfigMaps).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The environment the hubs are for: writes overlays/ENV/ (and its Environment when there is none).
    /// Without it, overlays/base/.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Project root holding overlays/ (default: the nearest directory from here up holding overlays/, as git finds its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Print the report without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: &ImportArgs) -> ExitCode {
    let style = Style::for_stream(Stream::Stderr);
    let mut inputs = Vec::new();
    for file in &args.files {
        match crate::files::read_regular(file, &file.display().to_string()) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => inputs.push(Input {
                    path: file.display().to_string(),
                    text,
                }),
                Err(_) => return fail(&style, &format!("{}: not UTF-8 text", file.display())),
            },
            Err(e) => return fail(&style, &format!("{}: {e}", file.display())),
        }
    }
    let existing = if args.root.join(crate::load::discover::OVERLAYS).exists() {
        match read_sources(&args.root) {
            Ok(sources) => sources,
            Err(problems) => return fail(&style, &problems.to_string()),
        }
    } else {
        Sources::default()
    };
    let options = Options {
        env: args.env.clone(),
    };
    let imported = match import(&inputs, &existing, &options) {
        Ok(imported) => imported,
        Err(problems) => return fail(&style, &problems.to_string()),
    };
    if !args.dry_run {
        // All or nothing: refuse before writing anything when a file is there already (or is a link).
        if let Some((path, _)) = imported
            .files
            .iter()
            .find(|(p, _)| args.root.join(p).symlink_metadata().is_ok())
        {
            return fail(
                &style,
                &format!("{path}: exists already; import never overwrites a file"),
            );
        }
        for (path, text) in &imported.files {
            if let Err(e) = write_new(&args.root, path, text) {
                return fail(&style, &format!("{path}: {e}"));
            }
        }
    }
    print!("{}", render_report(&imported));
    let _ = std::io::stdout().flush();
    let verb = if args.dry_run { "would write" } else { "wrote" };
    eprintln!(
        "{verb} {} file(s); next: jupyflux render{}",
        imported.files.len(),
        args.env
            .as_ref()
            .map(|e| format!(" --env {e}"))
            .unwrap_or_default()
    );
    ExitCode::SUCCESS
}

fn fail(style: &Style, text: &str) -> ExitCode {
    eprintln!("{}", style.problems(text));
    ExitCode::from(1)
}

/// Write a new file under `root`: its directory is created, an existing file is never replaced.
fn write_new(root: &Path, path: &str, text: &str) -> std::io::Result<()> {
    let full = root.join(path);
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)?;
    file.write_all(text.as_bytes())
}
