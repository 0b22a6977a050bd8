//! `jupyflux completions <shell>`: shell completion scripts generated from the command-line definition.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

/// Print the completion script for `shell` to standard output.
pub fn print(shell: Shell) {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    clap_complete::generate(shell, &mut command, name, &mut std::io::stdout());
}
