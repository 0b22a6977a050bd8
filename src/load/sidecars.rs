//! Checks of sidecar containers of user pods (`singleuser.extraContainers`): a DNS-label name that is not the
//! server's own (`notebook`) and not repeated, a pinned image, and a security context the hub's Pod Security
//! level admits (render adds what the restricted profile requires and the container leaves out).

use super::sections::Checks;
use crate::diagnostic::HELP_SEPARATOR;
use crate::model::image::PinnedImage;
use crate::notebook::security::PodSecurityLevel;
use k8s_openapi::api::core::v1::Container;

/// The name KubeSpawner gives the server's container.
const SERVER_CONTAINER: &str = "notebook";

/// Check `containers`, written at `path`, for a hub at Pod Security `level` (`moving`: the hub allows `latest`).
pub(super) fn check(
    checks: &mut Checks,
    path: &[&str],
    containers: &[Container],
    level: PodSecurityLevel,
    moving: bool,
) {
    for (i, container) in containers.iter().enumerate() {
        let index = i.to_string();
        let mut at = path.to_vec();
        at.push(&index);
        let field = |name: &'static str| {
            let mut field = at.clone();
            field.push(name);
            field
        };
        let name = container.name.as_str();
        if !crate::model::is_dns_label(name) || name == SERVER_CONTAINER {
            checks.at(
                &field("name"),
                format!("`{name}` cannot name a sidecar: a DNS label other than `{SERVER_CONTAINER}` (the server's container)"),
                "e.g. `name: pod-monitor`",
            );
        } else if containers[..i].iter().any(|c| c.name == name) {
            checks.at(
                &field("name"),
                format!("a second sidecar named `{name}`"),
                "give each sidecar its own name",
            );
        }
        match container
            .image
            .as_deref()
            .map(|image| PinnedImage::parse_with(image, moving))
        {
            None => checks.at(
                &at,
                format!("sidecar `{name}` has no image"),
                "add `image:` with a pinned tag, e.g. `registry.example.org/monitor:1.2.0`",
            ),
            Some(Err(why)) => {
                let (message, help) = why.split_once(HELP_SEPARATOR).unwrap_or((&why, ""));
                let help = if PinnedImage::parse_with(
                    container.image.as_deref().unwrap_or_default(),
                    true,
                )
                .is_ok()
                {
                    format!(
                        "{help}; only if it cannot be pinned, allow moving tags on the hub: `images: {{movingTags: allow}}`"
                    )
                } else {
                    help.to_owned()
                };
                checks.at(&field("image"), message.to_owned(), &help);
            }
            Some(Ok(_)) => {}
        }
        for (setting, needs) in refused(container, level) {
            let mut setting_at = field("securityContext");
            setting_at.push(setting);
            checks.at(
                &setting_at,
                format!(
                    "sidecar `{name}`: `{setting}` needs the {} Pod Security profile; the hub's is {}",
                    needs.as_str(),
                    level.as_str()
                ),
                &format!("remove it, or set `podSecurity: {}` on the hub", needs.as_str()),
            );
        }
    }
}

/// Settings of a sidecar's security context the hub's level refuses, with the level each needs.
fn refused(
    container: &Container,
    level: PodSecurityLevel,
) -> Vec<(&'static str, PodSecurityLevel)> {
    let Some(context) = &container.security_context else {
        return Vec::new();
    };
    super::pod_security::context_needs(context)
        .into_iter()
        .filter(|(_, needs)| level < *needs)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems as problems;

    #[test]
    fn a_profiles_sidecars_are_checked_too() {
        let text = problems(concat!(
            "  profiles:\n",
            "    - name: Pre-release\n",
            "      slug: pre\n",
            "      extraContainers: [{name: mon, image: \"example.org/mon\"}]\n",
            "      spawner: {extra_containers: []}\n",
        ));
        for expected in [
            "spec.profiles[0].extraContainers[0].image: image `example.org/mon` has no tag",
            "profile `pre` sets sidecars in both extraContainers and spawner.extra_containers",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }

    #[test]
    fn a_sidecar_tagged_latest_needs_the_hubs_opt_in() {
        let sidecar = "  singleuser:\n    extraContainers: [{name: mon, image: \"example.org/mon:latest\"}]\n";
        let text = problems(sidecar);
        assert!(
            text.contains("spec.singleuser.extraContainers[0].image"),
            "{text}"
        );
        assert!(text.contains("images: {movingTags: allow}"), "{text}");
        let allowed = problems(&format!("  images: {{movingTags: allow}}\n{sidecar}"));
        assert!(!allowed.contains("extraContainers"), "{allowed}");
    }
}
