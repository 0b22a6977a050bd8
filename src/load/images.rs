//! Checks of a hub's images: a moving tag (`latest`) only where the hub allows it explicitly
//! (`spec.images.movingTags: allow`).

use super::node::Node;
use super::report::Reporter;
use super::validate::{field_path, loc_at};
use crate::model::hub::HubSpec;
use crate::model::image::{Image, MovingTags};

/// The last resort every moving-tag message names, after pinning.
const ALLOW: &str =
    "only if it cannot be pinned, allow moving tags on the hub: `images: {movingTags: allow}`";

/// Validate the images of hub `name`: the hub's, the user image, each profile's images and each option choice's
/// image.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    hub_image(name, spec, node, report);
    if spec.images.moving_tags == MovingTags::Allow {
        return;
    }
    for (path, image) in images(spec) {
        if image.is_moving() {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let (message, help) = image
                .moving_problem()
                .split_once(crate::diagnostic::HELP_SEPARATOR)
                .map(|(m, h)| (m.to_owned(), h.to_owned()))
                .unwrap_or_default();
            report.at(
                loc_at(node, &path),
                format!("Hub `{name}`, {}: {message}", field_path(&path)),
                Some(format!("{help}; {ALLOW}")),
            );
        }
    }
}

/// The hub's image: a repository without tag or digest (the tag has its own field), and no moving tag unless allowed.
fn hub_image(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let Some(image) = &spec.hub.image else {
        return;
    };
    let at = |field: &str| loc_at(node, &["spec", "hub", "image", field]);
    let last = image.name.rsplit('/').next().unwrap_or_default();
    if image.name.trim().is_empty() || image.name.contains(char::is_whitespace) {
        report.at(
            at("name"),
            format!(
                "Hub `{name}`: hub.image.name `{}` is not an image repository",
                image.name
            ),
            Some("e.g. `registry.example.org/jupyterhub/k8s-hub`".into()),
        );
    } else if last.contains(':') || image.name.contains('@') {
        report.at(
            at("name"),
            format!("Hub `{name}`: hub.image.name `{}` has a tag or digest", image.name),
            Some("write the repository in `name` and the tag in `tag` (unset: the chart's, pinned by the chart version)".into()),
        );
    }
    match image.tag.as_deref() {
        Some(tag) if tag.trim().is_empty() || tag.contains(char::is_whitespace) => report.at(
            at("tag"),
            format!("Hub `{name}`: hub.image.tag `{tag}` is not a tag"),
            Some("e.g. `4.0.0`, or leave it out for the chart's".into()),
        ),
        Some(crate::model::image::MOVING_TAG) if spec.images.moving_tags != MovingTags::Allow => {
            report.at(
                at("tag"),
                format!("Hub `{name}`: hub.image.tag is `latest`, which moves"),
                Some(format!(
                    "pin it, or leave it out for the chart's tag; {ALLOW}"
                )),
            )
        }
        _ => {}
    }
}

/// Every image a hub names, with its path in the document.
fn images(spec: &HubSpec) -> Vec<(Vec<String>, &Image)> {
    let path = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
    let mut out = Vec::new();
    if let Some(image) = &spec.singleuser.image {
        out.push((path(&["spec", "singleuser", "image"]), image));
    }
    for (i, profile) in spec.profiles.iter().enumerate() {
        let i = i.to_string();
        for (j, image) in profile.images.iter().enumerate() {
            out.push((
                path(&["spec", "profiles", &i, "images", &j.to_string()]),
                image,
            ));
        }
        for (j, option) in profile.options.iter().enumerate() {
            let j = j.to_string();
            for (k, choice) in option.choices.iter().enumerate() {
                if let Some(image) = &choice.image {
                    let k = k.to_string();
                    let at = [
                        "spec", "profiles", &i, "options", &j, "choices", &k, "image",
                    ];
                    out.push((path(&at), image));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems;

    #[test]
    fn latest_only_where_the_hub_allows_it() {
        let spec = "  singleuser: {image: \"jupyter/base:latest\"}\n  profiles:\n    - {name: GPU, slug: gpu, images: [\"jupyter/gpu:latest\"]}\n";
        let text = test_hub_problems(spec);
        assert!(
            text.contains(
                "hub.yaml:7:23: error: Hub `lab`, spec.singleuser.image: image `jupyter/base:latest` is tagged `latest`"
            ),
            "{text}"
        );
        assert!(text.contains("image `jupyter/gpu:latest`"), "{text}");
        assert!(
            text.contains("pin it by tag, e.g. `jupyter/base:2025-01-13`; only if it cannot be pinned, allow moving tags on the hub: `images: {movingTags: allow}`"),
            "{text}"
        );
        let allowed = format!("{spec}  images: {{movingTags: allow}}\n");
        assert_eq!(test_hub_problems(&allowed), "");
        let refused = format!("{spec}  images: {{movingTags: refuse}}\n");
        assert!(test_hub_problems(&refused).contains("tagged `latest`"));
    }
}
