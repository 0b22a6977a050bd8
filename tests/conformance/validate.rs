//! Validating one tree of rendered manifests: the API version allow-list, object names, the
//! schema of every object, and the chart values of every HelmRelease.

use std::collections::HashMap;
use std::path::Path;

use jsonschema::Validator;
use serde_json::Value;

use super::environment::display_path;
use super::helm::check_chart_values;
use super::manifests::{Document, Tree};
use super::report::Report;
use super::schemas::{Compiled, schemas, violations};

const FLUX: &[&str] = &[
    "helm.toolkit.fluxcd.io/v2",
    "kustomize.toolkit.fluxcd.io/v1",
    "source.toolkit.fluxcd.io/v1",
];
const EXTERNAL_SECRETS: &str = "external-secrets.io/v1";
const KUSTOMIZE_CONFIG: &str = "kustomize.config.k8s.io/v1beta1";
const KUBERNETES: &[&str] = &[
    "v1",
    "apps/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "policy/v1",
    "apiextensions.k8s.io/v1",
    "gateway.networking.k8s.io/v1",
    // A hub's extra objects: storage classes and priority classes for its users.
    "storage.k8s.io/v1",
    "scheduling.k8s.io/v1",
];
const JUPYFLUX: &str = "jupyflux.dev/v1alpha1";

/// Where an object's schema comes from, decided by its apiVersion.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    Flux,
    ExternalSecrets,
    KustomizeConfig,
    Kubernetes,
    Jupyflux,
}

impl Family {
    fn of(api_version: &str, in_kustomization_file: bool) -> Result<Family, String> {
        if in_kustomization_file != (api_version == KUSTOMIZE_CONFIG) {
            return Err(if in_kustomization_file {
                format!("a kustomization.yaml must have apiVersion {KUSTOMIZE_CONFIG}")
            } else {
                format!("{KUSTOMIZE_CONFIG} belongs only in files named kustomization.yaml")
            });
        }
        match api_version {
            KUSTOMIZE_CONFIG => Ok(Family::KustomizeConfig),
            EXTERNAL_SECRETS => Ok(Family::ExternalSecrets),
            JUPYFLUX => Ok(Family::Jupyflux),
            v if FLUX.contains(&v) => Ok(Family::Flux),
            v if KUBERNETES.contains(&v) => Ok(Family::Kubernetes),
            v => Err(not_allowed(v)),
        }
    }

    fn category(self) -> &'static str {
        match self {
            Family::Flux => "flux",
            Family::ExternalSecrets => "external-secrets",
            Family::KustomizeConfig => "kustomization",
            Family::Kubernetes => "kubernetes",
            Family::Jupyflux => "jupyflux",
        }
    }
}

fn not_allowed(api_version: &str) -> String {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    let replacement = FLUX
        .iter()
        .chain(&[EXTERNAL_SECRETS])
        .find(|ga| ga.rsplit_once('/').is_some_and(|(g, _)| g == group));
    match replacement {
        Some(ga) => {
            format!("apiVersion {api_version} is not allowed (deprecated or removed; use {ga})")
        }
        None => format!(
            "apiVersion {api_version} is not allowed (not on the list of API versions jupyflux may emit)"
        ),
    }
}

/// Validates every YAML document under `dir` (see the module doc of `conformance`).
pub fn validate_tree(dir: &Path) -> Report {
    let tree = Tree::load(dir);
    let mut report = Report::default();
    for (file, problem) in &tree.problems {
        report.file_problem(file, problem);
    }
    let mut own_crds = OwnCrds::of(&tree);
    for document in &tree.documents {
        validate_document(document, &tree, &mut own_crds, &mut report);
    }
    report
}

fn validate_document(
    document: &Document,
    tree: &Tree,
    own_crds: &mut OwnCrds,
    report: &mut Report,
) {
    let file = display_path(&document.file);
    let who = document.identity();
    let (Some(api_version), Some(kind)) =
        (document.str_at("/apiVersion"), document.str_at("/kind"))
    else {
        return report.violation(&file, &who, "/", "apiVersion and kind are required");
    };
    let family = match Family::of(api_version, document.is_kustomization()) {
        Ok(family) => family,
        Err(message) => return report.violation(&file, &who, "/apiVersion", &message),
    };
    if family != Family::KustomizeConfig {
        let dns_label_name = matches!(kind, "Namespace" | "Service");
        let names = schemas()
            .object_names(dns_label_name)
            .expect("name rules compile");
        report_violations(document, &names, report);
    }
    let compiled = match family {
        Family::Flux | Family::ExternalSecrets => schemas().custom_resource(api_version, kind),
        Family::KustomizeConfig => schemas().kustomization(),
        Family::Kubernetes => schemas().kubernetes(api_version, kind),
        Family::Jupyflux => match own_crds.schema(api_version, kind) {
            Some(Err(why)) => return report.violation(&file, &who, "/apiVersion", &why),
            Some(compiled) => compiled,
            None => Err(format!(
                "no CustomResourceDefinition for {kind} in this tree yet"
            )),
        },
    };
    match compiled {
        Ok(validator) => {
            report_violations(document, &validator, report);
            report.count(family.category());
        }
        Err(why) => {
            report.no_schema(format!("{kind} ({api_version})"));
            report.note(format!("{file}: {who}: not schema-checked: {why}"));
        }
    }
    if family == Family::Flux && kind == "HelmRelease" {
        check_chart_values(document, tree, report);
    }
}

fn report_violations(document: &Document, validator: &Validator, report: &mut Report) {
    let file = display_path(&document.file);
    let who = document.identity();
    for (pointer, message) in violations(validator, &document.value) {
        report.violation(&file, &who, &pointer, &message);
    }
}

/// The CustomResourceDefinitions in the tree (jupyflux's own), compiled once per kind.
struct OwnCrds<'t> {
    crds: Vec<&'t Value>,
    compiled: HashMap<String, Compiled>,
}

impl<'t> OwnCrds<'t> {
    fn of(tree: &'t Tree) -> Self {
        let crds = tree
            .documents
            .iter()
            .filter(|d| d.str_at("/kind") == Some("CustomResourceDefinition"))
            .map(|d| &d.value)
            .collect();
        OwnCrds {
            crds,
            compiled: HashMap::new(),
        }
    }

    /// The schema for `kind` in `api_version` from a CRD in the tree; `None` without such a CRD.
    fn schema(&mut self, api_version: &str, kind: &str) -> Option<Compiled> {
        let group = api_version.split_once('/').map_or("", |(group, _)| group);
        let crd =
            self.crds.iter().copied().find(|crd| {
                crd["spec"]["group"] == group && crd["spec"]["names"]["kind"] == kind
            })?;
        let key = format!("{api_version} {kind}");
        let compiled = self
            .compiled
            .entry(key)
            .or_insert_with(|| schemas().custom_resource_from(crd, api_version, kind));
        Some(compiled.clone())
    }
}
