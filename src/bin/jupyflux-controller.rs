//! The `jupyflux-controller` binary: only the controller (`jupyflux controller`), so that the rest of the CLI is
//! not linked in and the controller's idle memory holds only its own code (BENCHMARKS.md, "Controller").

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = jupyflux::controller::command::ControllerCli::parse();
    jupyflux::controller::command::run_command(cli.args)
}
