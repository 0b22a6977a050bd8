//! Conformance: every rendered object validates against the real schemas in `../shared/reference`
//! (Flux and External Secrets CRDs, Kubernetes JSON schemas, kustomization.json, the Zero to
//! JupyterHub values schema over the chart defaults, merged by `jupyflux::chart_values`), and every rendered tree builds with a real
//! `kustomize build`. The negative tests prove each validator catches what it is for.

#[path = "conformance/mod.rs"]
mod conformance;

use std::path::{Path, PathBuf};
use std::process::Command;

use conformance::{
    Report, kustomize_available, kustomize_build_all, kustomize_v5, patch_engine_disagreements,
    reference_available, reference_dir, repo_root, say, validate_tree,
};

/// Validates and kustomize-builds every `generated/<env>` and `flux/<env>` under `root`.
fn check_rendered(root: &Path) -> Report {
    let mut report = Report::default();
    let environments = subdirs(&root.join("generated"));
    assert!(
        !environments.is_empty(),
        "no generated/<env> directory under {}: the rendered output must be there",
        root.display()
    );
    for environment in &environments {
        if !environment.join("kustomization.yaml").is_file() {
            let file = environment.join("kustomization.yaml");
            report.file_problem(
                &file.display().to_string(),
                "missing: Flux builds this directory",
            );
        }
    }
    for tree in environments.iter().chain(&subdirs(&root.join("flux"))) {
        report.merge(validate_tree(tree));
        report.merge(kustomize_build_all(tree));
    }
    report
}

#[test]
fn shipped_example_conforms() {
    if !reference_available() {
        return;
    }
    let report = check_rendered(repo_root());
    say(&format!(
        "conformance: shipped example: {}",
        report.summary()
    ));
    report.assert_conforms("the shipped example (generated/, flux/)");
}

#[test]
fn valid_fixtures_conform() {
    if !reference_available() {
        return;
    }
    let cases = subdirs(&repo_root().join("fixtures/valid"));
    assert!(!cases.is_empty(), "no fixtures/valid/<case> directories");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let work = match rendered_copy(case) {
            Ok(work) => work,
            Err(why) => {
                failures.push(format!("{name}: {why}"));
                continue;
            }
        };
        let report = check_rendered(work.path());
        say(&format!(
            "conformance: fixture {name}: {}",
            report.summary()
        ));
        if let Err(message) = report.check(&name) {
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every provider a `SecretStore` definition may name is one External Secrets' SecretStore CRD knows (the
/// stores of `fixtures/valid/secret-stores` are validated against that CRD like every rendered object).
#[test]
fn secret_store_providers_are_the_crds() {
    if !reference_available() {
        return;
    }
    let path = reference_dir().join("crds/external-secrets/external-secrets.io_secretstores.yaml");
    let crd: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let version = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1")
        .expect("the CRD serves v1");
    let providers = &version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["provider"]
        ["properties"];
    let unknown: Vec<&str> = jupyflux::model::secret_store::PROVIDERS
        .iter()
        .copied()
        .filter(|p| providers.get(*p).is_none())
        .collect();
    assert!(unknown.is_empty(), "not providers of the CRD: {unknown:?}");
}

/// A scratch copy of the project `case`, rendered by the real binary.
fn rendered_copy(case: &Path) -> Result<tempfile::TempDir, String> {
    let work = tempfile::tempdir().expect("temporary directory");
    copy_dir(case, work.path());
    let render = Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .arg("render")
        .arg("--root")
        .arg(work.path())
        .output()
        .expect("run jupyflux");
    if render.status.success() {
        Ok(work)
    } else {
        let stderr = String::from_utf8_lossy(&render.stderr);
        Err(format!(
            "jupyflux render failed ({}):\n{stderr}",
            render.status
        ))
    }
}

#[test]
fn extra_objects_are_checked_like_the_rest() {
    if !reference_available() {
        return;
    }
    let work = rendered_copy(&repo_root().join("fixtures/valid/hub-release-settings"))
        .unwrap_or_else(|why| panic!("{why}"));
    let hub = work.path().join("generated/prod/hubs/lab");
    let report = validate_tree(&hub);
    report.assert_conforms("hub-release-settings/hubs/lab");
    // The Namespace, and the extra ConfigMap and PersistentVolumeClaim against the Kubernetes schemas; the
    // PersistentVolume and the ResourceQuota have none in the reference data and are named as such.
    assert_eq!(report.validated_in("kubernetes"), 3, "{report:#?}");
    for kind in ["PersistentVolume (v1)", "ResourceQuota (v1)"] {
        assert_eq!(report.without_schema.get(kind), Some(&1), "{report:#?}");
    }
    // The chart values include the extra ConfigMap's, read through the release's `valuesFrom`: a wrong type there
    // is found like one in the HelmRelease.
    assert_eq!(report.validated_in("chart values"), 1, "{report:#?}");
    let config_map = hub.join("configmap-lab-overrides.yaml");
    let text = std::fs::read_to_string(&config_map).expect("the extra ConfigMap");
    std::fs::write(
        &config_map,
        text.replace("startTimeout: 600", "startTimeout: soon"),
    )
    .expect("write the ConfigMap");
    let report = validate_tree(&hub);
    let [violation] = report.violations.as_slice() else {
        panic!("expected exactly one violation: {report:#?}");
    };
    assert!(
        violation.contains("HelmRelease/lab: chart values /singleuser/startTimeout"),
        "{violation}"
    );
}

#[test]
fn notebook_previews_conform() {
    if !reference_available() {
        return;
    }
    let work = tempfile::tempdir().expect("temporary directory");
    // The definitions and the build contexts their Image hashes.
    for inputs in ["overlays", "images"] {
        copy_dir(&repo_root().join(inputs), &work.path().join(inputs));
    }
    let render = Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .args(["render", "--quiet", "--expand-notebooks", "--root"])
        .arg(work.path())
        .output()
        .expect("run jupyflux");
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let report = check_rendered(work.path());
    say(&format!(
        "conformance: shipped example with notebook previews: {}",
        report.summary()
    ));
    report.assert_conforms("the shipped example with --expand-notebooks");
    // Two notebooks in two environments: 5 + 6 children each, all of them Kubernetes objects.
    let mut previews = Report::default();
    for entry in walkdir::WalkDir::new(work.path().join("generated")) {
        let entry = entry.expect("walk the rendered tree");
        if entry.file_type().is_dir() && entry.file_name().to_string_lossy().ends_with(".preview") {
            previews.merge(validate_tree(entry.path()));
        }
    }
    assert_eq!(previews.validated_in("kubernetes"), 22, "{previews:#?}");
    previews.assert_conforms("the notebook previews");
}

#[test]
fn sample_tree_conforms() {
    if !reference_available() {
        return;
    }
    let dir = sample("valid-tree");
    let mut report = validate_tree(&dir);
    report.merge(kustomize_build_all(&dir));
    say(&format!(
        "conformance: samples/valid-tree: {}",
        report.summary()
    ));
    report.assert_conforms("samples/valid-tree");
    let counts = [
        ("flux", 4),
        ("external-secrets", 2),
        ("kubernetes", 5),
        ("kustomization", 4),
        ("chart values", 1),
    ];
    for (category, expected) in counts {
        assert_eq!(
            report.validated_in(category),
            expected,
            "{category}: {report:#?}"
        );
    }
    if kustomize_available() {
        assert_eq!(report.kustomize_builds, 4, "{report:#?}");
    }
    if kustomize_v5().is_some() {
        assert_eq!(report.kustomize_v5_builds, 4, "{report:#?}");
    }
}

#[test]
fn helmrelease_with_unknown_spec_field_is_rejected() {
    let expected =
        "HelmRelease/bad: /spec: Additional properties are not allowed ('timeoutSeconds'";
    assert_only_bad_twin_fails("helmrelease-unknown-field", "flux", expected);
}

#[test]
fn chart_values_of_the_wrong_type_are_rejected() {
    let expected =
        r#"HelmRelease/bad: chart values /hub/db/pvc/selector: "x" is not of type "object""#;
    assert_only_bad_twin_fails("chart-values-wrong-type", "chart values", expected);
}

#[test]
fn deployment_with_a_wrongly_typed_field_is_rejected() {
    let expected = r#"Deployment/bad: /spec/replicas: "two" is not of types "null", "integer""#;
    assert_only_bad_twin_fails("deployment-wrong-type", "kubernetes", expected);
}

#[test]
fn deprecated_flux_api_version_is_rejected() {
    let expected = "HelmRelease/bad: /apiVersion: apiVersion helm.toolkit.fluxcd.io/v2beta1 is not \
                    allowed (deprecated or removed; use helm.toolkit.fluxcd.io/v2)";
    assert_only_bad_twin_fails("deprecated-api-version", "flux", expected);
}

#[test]
fn externalsecret_with_unknown_field_is_rejected() {
    let expected = "ExternalSecret/bad: /spec/secretStoreRef: Additional properties are not \
                    allowed ('namespace' was unexpected)";
    assert_only_bad_twin_fails("externalsecret-unknown-field", "external-secrets", expected);
}

#[test]
fn jupyflux_resource_is_checked_against_the_crd_in_its_tree() {
    let expected = r#"Sample/bad: /spec/size: "large" is not of type "integer""#;
    assert_only_bad_twin_fails("jupyflux-custom-resource", "jupyflux", expected);
}

#[test]
fn kustomization_listing_a_missing_file_fails_to_build() {
    if !reference_available() || !kustomize_available() {
        return;
    }
    let dir = sample("kustomization-missing-file");
    let report = kustomize_build_all(&dir);
    assert_eq!(report.kustomize_builds, 2, "{report:#?}");
    // One failure per kustomize that ran (4.5.4, and v5 when the machine has it).
    let builders = 1 + usize::from(kustomize_v5().is_some());
    assert_eq!(report.violations.len(), builders, "{report:#?}");
    for failure in &report.violations {
        assert!(
            failure.contains("bad/kustomization.yaml: kustomize build"),
            "{failure}"
        );
        assert!(failure.contains("missing.yaml"), "{failure}");
    }
    let validation = validate_tree(&dir);
    assert_eq!(
        validation.validated_in("kustomization"),
        2,
        "{validation:#?}"
    );
}

/// `samples/<case>` holds `ok.yaml` (valid) and `bad.yaml` (the same object with one defect):
/// the only violation must be `expected`, in bad.yaml, and both must have been validated.
fn assert_only_bad_twin_fails(case: &str, category: &str, expected: &str) {
    if !reference_available() {
        return;
    }
    let report = validate_tree(&sample(case));
    let [violation] = report.violations.as_slice() else {
        panic!("{case}: expected exactly one violation: {report:#?}");
    };
    assert!(violation.contains("bad.yaml: "), "{case}: {violation}");
    assert!(
        violation.contains(expected),
        "{case}: expected {expected:?} in\n{violation}"
    );
    let twins = if violation.contains("/apiVersion: ") {
        1
    } else {
        2
    };
    assert_eq!(report.validated_in(category), twins, "{case}: {report:#?}");
}

fn sample(name: &str) -> PathBuf {
    repo_root().join("tests/conformance/samples").join(name)
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    dirs
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .map(|e| e.expect("readable fixture"))
    {
        let target = to.join(entry.path().strip_prefix(from).expect("below the fixture"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create directory");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

#[test]
fn the_patch_engine_agrees_with_kustomize() {
    let Some(disagreements) = patch_engine_disagreements() else {
        return;
    };
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
