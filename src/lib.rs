//! jupyflux: declarative JupyterHubs and notebooks rendered into a deterministic Flux + Kustomize tree.
//!
//! The flow is [`load`] (files → [`model::Model`]) → [`render::render`] (pure) → [`output`] (write or check).

pub mod capacity;
pub mod chart_values;
pub mod checks;
pub mod cli;
pub mod completions;
pub mod controller;
pub mod diagnostic;
pub mod diff;
pub mod expand;
pub mod explain;
pub mod files;
pub mod images;
pub mod import;
pub mod load;
pub mod memory;
pub mod model;
pub mod notebook;
pub mod output;
pub mod parallel;
pub mod patch;
pub mod paths;
pub mod render;
pub mod schema;
pub mod style;
pub mod values_cmd;
