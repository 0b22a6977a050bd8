//! The `jupyflux` binary: parse arguments and hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    jupyflux::cli::run(jupyflux::cli::Cli::parse())
}
