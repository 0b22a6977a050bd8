//! Standalone notebooks: the `Notebook` custom resource (the same type is a definition in `overlays/`), its
//! validation, and its CustomResourceDefinition.

pub mod children;
pub mod config;
pub mod crd;
pub mod culling;
pub mod hibernate;
pub mod proxy;
pub mod script;
pub mod security;
pub mod spec;
pub mod uses;
pub mod validate;

pub use spec::{Notebook, NotebookSpec, NotebookStatus};
pub use validate::{Problem, validate};
