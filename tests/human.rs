//! Human touches of the CLI: an example in every `--help`, shell completions, no colour unless on a terminal.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use std::process::{Command, Output};

/// Run the binary without `NO_COLOR`, output piped (not a terminal).
fn piped(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

#[test]
fn every_subcommand_help_has_an_example() {
    let help = stdout(&piped(&repo(), &["--help"]));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 6, "{commands:?}");
    for command in commands {
        let help = stdout(&piped(&repo(), &[command, "--help"]));
        assert!(
            help.contains("Examples:\n  jupyflux "),
            "`{command} --help` has no example:\n{help}"
        );
    }
}

#[test]
fn completions_are_printed_for_common_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let out = piped(&repo(), &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains("jupyflux"), "{shell}");
        assert!(
            script.contains("render") && script.contains("diff"),
            "{shell}"
        );
    }
    let unknown = piped(&repo(), &["completions", "cmd.exe"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn no_escape_codes_when_piped_or_with_no_color() {
    let scratch = Scratch::of(&repo().join("fixtures/valid/minimal"));
    // Stale: nothing rendered yet, so `--check` prints a diff and an error.
    for out in [
        piped(scratch.path(), &["render", "--check"]),
        scratch.jupyflux(&["render", "--check"]),
    ] {
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("+apiVersion"), "{}", stdout(&out));
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
        assert!(!stdout(&out).contains('\x1b') && !stderr(&out).contains('\x1b'));
    }
}
