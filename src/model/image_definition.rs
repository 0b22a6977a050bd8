//! The `Image` definition: an image built from a directory of the repository and tagged by the hash of that
//! directory's contents, and the places (`{fromImage: NAME}`) that name it instead of a fixed tag.

use super::Kind;
use schemars::JsonSchema;
use serde::Deserialize;

/// The key of the mapping that names an `Image` definition where an image reference is expected.
pub const FROM_IMAGE: &str = "fromImage";

/// The tag a reference gets when its `Image` cannot be used (the problem is reported; nothing is rendered).
pub const UNRESOLVED_TAG: &str = "jupyflux-unresolved";

/// Whether an image reference is one that could not be resolved (its problem is already reported): checks of
/// the image itself (say the policy's registries) pass over it.
pub fn is_unresolved(reference: &str) -> bool {
    reference
        .strip_suffix(UNRESOLVED_TAG)
        .is_some_and(|rest| rest.ends_with(':'))
}

/// An image built from a build context in the repository; its tag is the content hash of the context
/// (docs/images.md), so a changed file yields a new tag, and a rollout of every server that uses it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ImageSpec {
    /// Registry and repository the image is pushed to, without tag or digest, e.g.
    /// `registry.example.org/research/pytorch-gpu`.
    pub repository: String,
    /// The build context: a directory of the repository, relative to its root (where `overlays/` is), e.g.
    /// `images/pytorch-gpu`.
    pub context: String,
    /// Paths in the context that do not count towards the tag (and that the build must not read), relative to
    /// the context: `ops` or `ops/` leaves out the directory `ops` and everything in it.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Where an image reference may name an `Image` definition instead: `{fromImage: NAME}`, or a reference as
/// text (`schema`, the field's usual schema).
pub fn reference_schema(text: schemars::Schema) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            text,
            {
                "type": "object",
                "description": "An `Image` definition of this environment, by name: the rendered reference is its repository tagged with the content hash of its build context.",
                "properties": {FROM_IMAGE: {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"}},
                "required": [FROM_IMAGE],
                "additionalProperties": false
            }
        ]
    })
}

/// An `Image` definition of an environment with the tag its build context hashes to, and what uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltImage {
    pub definition: super::Definition<ImageSpec>,
    /// The content hash of the build context, e.g. `c1-3f0a9c1e2b7d4a5f6e8c0b1d`.
    pub tag: String,
    /// The definitions and fields naming it, in the order of the definitions (kind, then name).
    pub used_by: Vec<ImageUse>,
}

impl BuiltImage {
    /// The reference the rendered objects carry: `repository:tag`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.definition.spec.repository, self.tag)
    }
}

/// A field of a definition naming an `Image`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUse {
    /// `Hub` or `Notebook`.
    pub kind: Kind,
    pub name: String,
    /// The notebook's namespace; empty for a hub.
    pub namespace: String,
    /// The field, e.g. `spec.profiles[1].images[0]`.
    pub field: String,
}
