//! Support for the conformance tests: validate rendered manifests against the real schemas in
//! `../shared/reference` and build them with a real `kustomize`.
//!
//! Entry points: [`reference_available`] (the skip-or-fail rule for missing reference data),
//! [`validate_tree`] (schemas, API versions, chart values) and [`kustomize_build_all`], each
//! returning a [`Report`] that can be merged, summarised and asserted on; [`patch_engine_disagreements`]
//! compares jupyflux's patch engine with a real `kustomize build`.

mod cel;
mod environment;
mod helm;
mod kustomize;
mod manifests;
mod openapi;
mod patches;
mod report;
mod schemas;
mod validate;

pub use environment::{reference_available, reference_dir, repo_root, say};
pub use kustomize::{kustomize_available, kustomize_build_all, kustomize_v5};
pub use patches::patch_engine_disagreements;
pub use report::Report;
pub use validate::validate_tree;
