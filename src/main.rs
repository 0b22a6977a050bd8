//! The `jupyflux` binary: parse arguments and hand over to the library.

use clap::{Args, FromArgMatches, Parser};
use jupyflux::controller::command::{ControllerArgs, run_command};

/// The flags of `jupyflux controller …`, parsed with the controller's arguments alone: the long-running
/// controller then never builds (and maps the pages of) every other subcommand's arguments and help, which stay
/// mapped for its whole life (BENCHMARKS.md, "Controller"). `None` for any other command line, and for anything
/// the small parser does not accept (`--help`, `--version`, a mistake): the whole parser below then answers, with
/// its usual help and errors.
fn controller_args() -> Option<ControllerArgs> {
    let mut args = std::env::args_os();
    let binary = args.next()?;
    if args.next()? != "controller" {
        return None;
    }
    let command = ControllerArgs::augment_args(clap::Command::new("controller"));
    let matches = command
        .try_get_matches_from(std::iter::once(binary).chain(args))
        .ok()?;
    ControllerArgs::from_arg_matches(&matches).ok()
}

fn main() -> std::process::ExitCode {
    if let Some(args) = controller_args() {
        return run_command(args);
    }
    jupyflux::cli::run(jupyflux::cli::Cli::parse())
}
