//! Container image references, pinned: `registry/name:tag` for hubs (the chart takes a name and a tag), and for
//! notebooks also by digest, `registry/name@sha256:…` or `registry/name:tag@sha256:…`. Never untagged, and never
//! `latest` unless a hub explicitly allows moving tags (`spec.images.movingTags: allow`, checked at load): what
//! runs must not drift from what was reviewed.

use crate::diagnostic::HELP_SEPARATOR;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// The parts of an image reference as written.
struct Reference<'a> {
    /// Registry and repository, e.g. `quay.io/jupyter/scipy-notebook`.
    name: &'a str,
    tag: Option<&'a str>,
    /// `sha256:<64 hex>`.
    digest: Option<&'a str>,
}

/// The example every message shows.
const EXAMPLE: &str = "quay.io/jupyter/scipy-notebook:2025-01-13";

/// The tag that moves: what it names changes without the definition changing.
pub const MOVING_TAG: &str = "latest";

/// How to pin image `name`: by tag, or (`by_digest`, notebooks) also by digest.
fn pin_help(name: &str, by_digest: bool) -> String {
    if by_digest {
        format!(
            "pin it by tag (e.g. `{name}:2025-01-13`) or by digest (`{name}@sha256:<64 hex digits>`)"
        )
    } else {
        format!("pin it by tag, e.g. `{name}:2025-01-13`")
    }
}

/// The problem with a `latest` image `text` of `name`, and its help.
fn moving_problem(text: &str, name: &str, by_digest: bool) -> String {
    format!(
        "image `{text}` is tagged `{MOVING_TAG}`, which moves like a missing tag{HELP_SEPARATOR}{}",
        pin_help(name, by_digest)
    )
}

/// Split and check a reference: a name, then a tag or a digest or both; malformed digests refused, and `latest`
/// unless `moving` allows it. `by_digest` says whether a digest alone pins it (notebooks) or a tag is needed
/// (hubs), for the help text.
fn reference(text: &str, by_digest: bool, moving: bool) -> Result<Reference<'_>, String> {
    let pin_help = |name: &str| pin_help(name, by_digest);
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err(format!(
            "`{text}` is not an image reference{HELP_SEPARATOR}write e.g. {EXAMPLE}"
        ));
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    if let Some(digest) = digest
        && !is_sha256_digest(digest)
    {
        return Err(format!(
            "image `{text}` has a malformed digest `{digest}`{HELP_SEPARATOR}a digest is `sha256:` and 64 lowercase hex digits: `{rest}@sha256:<64 hex digits>`"
        ));
    }
    let last_segment = rest.rsplit('/').next().unwrap_or(rest);
    let (name, tag) = match last_segment.rsplit_once(':') {
        Some((_, tag)) => (&rest[..rest.len() - tag.len() - 1], Some(tag)),
        None => (rest, None),
    };
    if name.is_empty() || tag == Some("") {
        return Err(format!(
            "`{text}` is not an image reference{HELP_SEPARATOR}write e.g. {EXAMPLE}"
        ));
    }
    match (tag, digest) {
        (None, None) => Err(format!(
            "image `{text}` has no tag, so what runs would drift from what was reviewed{HELP_SEPARATOR}{}",
            pin_help(name)
        )),
        (Some(MOVING_TAG), None) if !moving => Err(moving_problem(text, name, by_digest)),
        _ => Ok(Reference { name, tag, digest }),
    }
}

/// Whether `text` is `sha256:` and 64 lowercase hex digits.
fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// An image with a tag and no digest (what the chart's name and tag express), for editors: a missing tag is
/// flagged (`registry:5000/name` is a name without a tag).
pub const TAGGED_PATTERN: &str = r"^[^\s@]+:[^\s@/:]+$";
/// An image pinned by tag, digest or both, for editors.
pub const PINNED_PATTERN: &str =
    r"^[^\s@]+(:[^\s@/:]+(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$";

fn tagged_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::image_definition::reference_schema(
        schemars::json_schema!({"type": "string", "pattern": TAGGED_PATTERN}),
    )
}

/// A notebook definition's image: pinned, or `{fromImage: NAME}` (the `Notebook` resource itself holds the
/// resolved reference; its CRD is written by hand).
pub fn pinned_or_built_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = super::image_definition::reference_schema(pinned_schema(generator));
    schema.insert(
        "description".into(),
        "The server's image, pinned by tag (`repo:tag`) or digest (`repo@sha256:…`, `repo:tag@sha256:…`), or `{fromImage: NAME}`: an Image definition, tagged by the content of its build context".into(),
    );
    schema
}

fn pinned_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "pattern": PINNED_PATTERN})
}

/// A hub's image: a name and a fixed tag, as the chart's `singleuser.image.{name,tag}` take them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(
    schema_with = "tagged_schema",
    description = "An image reference with a tag (`latest` only where the hub sets `images: {movingTags: allow}`), e.g. quay.io/jupyter/scipy-notebook:2025-01-13, or `{fromImage: NAME}`: an Image definition, tagged by the content of its build context"
)]
pub struct Image {
    /// Registry and repository, e.g. `quay.io/jupyter/scipy-notebook`.
    pub name: String,
    /// The tag, e.g. `2025-01-13`.
    pub tag: String,
}

impl Image {
    /// A pinned hub image: `latest` refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::parse_with(text, false)
    }

    /// A hub image, `latest` allowed when `moving` (a definition's images: whether its hub allows them is checked
    /// at load, see [`Image::moving_problem`]).
    pub fn parse_with(text: &str, moving: bool) -> Result<Self, String> {
        let parts = reference(text, false, moving)?;
        match (parts.tag, parts.digest) {
            (Some(tag), None) => Ok(Image {
                name: parts.name.to_owned(),
                tag: tag.to_owned(),
            }),
            _ => Err(format!(
                "image `{text}` is pinned by digest, which the chart's image name and tag cannot express{HELP_SEPARATOR}pin it by tag, e.g. `{}:2025-01-13`",
                parts.name
            )),
        }
    }
}

impl Image {
    /// Whether the tag moves (`latest`).
    pub fn is_moving(&self) -> bool {
        self.tag == MOVING_TAG
    }

    /// Why a moving image may not be used, with the help to pin it (the hub's `images.movingTags: allow` is the
    /// last resort, named by the caller).
    pub fn moving_problem(&self) -> String {
        moving_problem(&self.to_string(), &self.name, false)
    }
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)
    }
}

/// A notebook's image, pinned by tag (not `latest`), by digest, or both; kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(
    schema_with = "pinned_schema",
    description = "An image reference pinned by tag (not `latest`) or digest, e.g. quay.io/jupyter/scipy-notebook:2025-01-13 or quay.io/jupyter/scipy-notebook@sha256:<64 hex digits>"
)]
pub struct PinnedImage(String);

impl PinnedImage {
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::parse_with(text, false)
    }

    /// An image pinned by tag or digest, `latest` allowed when `moving` (a hub's sidecar, where the hub sets
    /// `images: {movingTags: allow}`).
    pub fn parse_with(text: &str, moving: bool) -> Result<Self, String> {
        reference(text, true, moving).map(|_| PinnedImage(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PinnedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Both kinds of image are written as one string and read from one, checked (a hub image's moving tag is checked
/// at load, against its hub's `images`).
macro_rules! image_as_string {
    ($($image:ident: $parse:expr),*) => {$(
        impl Serialize for $image {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $image {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $parse(&text).map_err(de::Error::custom)
            }
        }
    )*};
}

image_as_string!(Image: |text| Image::parse_with(text, true), PinnedImage: PinnedImage::parse);

/// What a hub allows of its images (`spec.images`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ImagePolicy {
    /// Whether images tagged `latest` may be used: `refuse` (default) or `allow`. Allowing them is a last resort
    /// (pin a tag instead): what runs then changes without the definition changing. Rendered unchanged (the
    /// chart's pull policy stays as it is).
    #[serde(default)]
    pub moving_tags: MovingTags,
}

/// Whether a hub's images may use a moving tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MovingTags {
    /// `latest` is an error: pin a tag.
    #[default]
    Refuse,
    /// `latest` is accepted (a definition says so explicitly).
    Allow,
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn splits_name_and_tag() {
        let image = Image::parse("registry.local:5000/jupyter/base:2025-01").unwrap();
        assert_eq!(
            (image.name.as_str(), image.tag.as_str()),
            ("registry.local:5000/jupyter/base", "2025-01")
        );
        assert_eq!(
            image.to_string(),
            "registry.local:5000/jupyter/base:2025-01"
        );
    }

    #[test]
    fn rejects_digests_the_chart_cannot_express() {
        let error = Image::parse(&format!("quay.io/j/b@{DIGEST}")).unwrap_err();
        assert!(error.contains("pin it by tag"), "{error}");
    }

    #[test]
    fn requires_a_tag() {
        assert!(
            Image::parse("registry.local:5000/jupyter/base")
                .unwrap_err()
                .contains("has no tag")
        );
        assert!(Image::parse("jupyter/base:").is_err());
    }

    #[test]
    fn a_definition_may_read_latest_and_knows_it_moves() {
        let image: Image = serde_json::from_str("\"jupyter/base:latest\"").unwrap();
        assert!(image.is_moving());
        assert!(image.moving_problem().contains("tagged `latest`"));
        assert!(!Image::parse("jupyter/base:2025-01").unwrap().is_moving());
        let error = serde_json::from_str::<PinnedImage>("\"jupyter/base:latest\"").unwrap_err();
        assert!(error.to_string().contains("tagged `latest`"), "{error}");
    }

    #[test]
    fn latest_is_refused_like_a_missing_tag() {
        for text in [
            "jupyter/base:latest",
            "registry.local:5000/jupyter/base:latest",
        ] {
            let error = Image::parse(text).unwrap_err();
            assert!(error.contains("tagged `latest`"), "{error}");
            let error = PinnedImage::parse(text).unwrap_err();
            assert!(error.contains("or by digest"), "{error}");
        }
        assert!(Image::parse("jupyter/base:latest-2025").is_ok());
    }

    #[test]
    fn notebook_images_may_be_pinned_by_digest() {
        for text in [
            format!("quay.io/jupyter/base@{DIGEST}"),
            format!("registry.local:5000/jupyter/base:2025-01@{DIGEST}"),
            format!("jupyter/base:latest@{DIGEST}"),
            "jupyter/base:2025-01".to_owned(),
        ] {
            assert_eq!(PinnedImage::parse(&text).unwrap().to_string(), text);
        }
        for bad in [
            "jupyter/base@sha256:abc".to_owned(),
            format!("jupyter/base@sha512:{}", &DIGEST[7..]),
            format!("jupyter/base@{}", DIGEST.to_uppercase()),
            format!("@{DIGEST}"),
            "jupyter/base".to_owned(),
        ] {
            assert!(PinnedImage::parse(&bad).is_err(), "{bad}");
        }
    }
}
