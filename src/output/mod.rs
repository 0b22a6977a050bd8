//! The rendered tree and everything that touches it on disk: YAML emission, atomic writing, pruning, `--check`.

pub mod check;
pub mod compare;
pub mod emit;
pub mod plan;
mod staging;
pub mod tree;
pub mod verify;
pub mod write;

pub use tree::{HEADER_MARKER, Sink, Tree};
