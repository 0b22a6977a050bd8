//! Container image references, pinned by tag: `registry/name:tag`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// A container image with a tag or digest (never implicitly `latest`: what runs must not drift from what was reviewed).
#[derive(Clone, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(
    with = "String",
    description = "An image reference with a tag, e.g. quay.io/jupyter/scipy-notebook:2025-01-13"
)]
pub struct Image {
    /// Registry and repository, e.g. `quay.io/jupyter/scipy-notebook`.
    pub name: String,
    /// The tag, e.g. `2025-01-13`.
    pub tag: String,
}

impl Image {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.contains(char::is_whitespace) {
            return Err(format!(
                "`{text}` is not an image reference; write e.g. quay.io/jupyter/scipy-notebook:2025-01-13"
            ));
        }
        if text.contains('@') {
            return Err(format!(
                "`{text}` is pinned by digest, which the chart's image name and tag cannot express; pin it by tag, e.g. quay.io/jupyter/scipy-notebook:2025-01-13"
            ));
        }
        let last_segment = text.rsplit('/').next().unwrap_or(text);
        match last_segment.rsplit_once(':') {
            Some((_, tag)) if !tag.is_empty() => {
                let name = &text[..text.len() - tag.len() - 1];
                Ok(Image {
                    name: name.to_owned(),
                    tag: tag.to_owned(),
                })
            }
            _ => Err(format!(
                "image `{text}` has no tag; pin it (e.g. `{text}:2025-01-13`) so the rendered output does not drift"
            )),
        }
    }
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)
    }
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Image::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            Image::parse("quay.io/j/b@sha256:abc")
                .unwrap_err()
                .contains("pin it by tag")
        );
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
}
