//! `jupyflux explain`: what one user gets from a hub's profiles, as readable tables. Pure: text from the model.

use crate::model::auth::Admission;
use crate::model::hub::HubSpec;
use crate::model::image::Image;
use crate::model::profile::Profile;
use crate::model::secret::MaybeSecret;
use crate::model::selection::Selection;
use crate::model::{Definition, Environment};
use std::fmt::Write;

pub mod command;

/// Who asks: a user name, their groups, and the image they start (default: the hub's single-user image).
pub struct Request<'a> {
    pub user: &'a str,
    pub groups: &'a [String],
    pub image: Option<&'a Image>,
}

/// The explanation of what `request.user` gets from `hub` in `env`.
pub fn explain(env: &Environment, hub: &Definition<HubSpec>, request: &Request<'_>) -> String {
    let selection = Selection::of(&hub.spec, request.user, request.groups, request.image);
    let mut out = String::new();
    let groups = if request.groups.is_empty() {
        "(none)".to_owned()
    } else {
        request.groups.join(", ")
    };
    let (image, image_from) = match (request.image, &hub.spec.singleuser.image) {
        (Some(image), _) => (image.to_string(), "--image"),
        (None, Some(image)) => (image.to_string(), "singleuser"),
        (None, None) => (
            format!(
                "the chart's default ({}, pinned by chart {})",
                selection.image.name, selection.image.tag
            ),
            "chart",
        ),
    };
    let _ = writeln!(out, "Hub `{}` in environment `{}`", hub.name, env.name);
    let _ = writeln!(
        out,
        "user: {}   groups: {groups}   image: {image}",
        request.user
    );
    let _ = match hub.spec.auth.admits(request.user, request.groups) {
        Admission::Yes(why) => writeln!(out, "login: yes, {why}"),
        Admission::Depends(why) => writeln!(out, "login: depends: {why}"),
        Admission::No(why) => writeln!(
            out,
            "login: NO: {why}; the user cannot log in, so none of what follows applies to them"
        ),
    };
    out.push('\n');

    out.push_str("Profiles, in file order (matching ones apply in this order; later wins)\n");
    let mut rows = vec![row(["#", "slug", "name", "for", "images", "applies"])];
    let mut order = 0;
    for (i, (profile, applies)) in selection.profiles.iter().enumerate() {
        let applies = if *applies {
            order += 1;
            format!(
                "yes, #{order}{}",
                if profile.default { " (default)" } else { "" }
            )
        } else {
            format!("no: {}", why_not(profile, request, &selection.image))
        };
        rows.push(row([
            &(i + 1).to_string(),
            &profile.slug,
            &profile.name,
            &audience(profile),
            &images(profile),
            &applies,
        ]));
    }
    if selection.profiles.is_empty() {
        out.push_str("(the hub has no profiles)\n");
    } else {
        table(&mut out, &rows);
    }
    out.push('\n');

    out.push_str("Result (singleuser defaults, then each matching profile in order)\n");
    let mut rows = vec![row(["setting", "value", "from"])];
    rows.push(row(["image", &image, image_from]));
    let url = &selection.default_url;
    rows.push(row(["default URL", url.value, &url.from]));
    for (setting, value) in [
        ("cpu guarantee", &selection.cpu_guarantee),
        ("cpu limit", &selection.cpu_limit),
        ("memory guarantee", &selection.memory_guarantee),
        ("memory limit", &selection.memory_limit),
    ] {
        if let Some(v) = value {
            rows.push(row([setting, &v.value, &v.from]));
        }
    }
    if let Some(gpus) = &selection.gpus {
        rows.push(row(["nvidia.com/gpu", &gpus.value.to_string(), &gpus.from]));
    }
    for (bound, extra) in [
        ("limit", &selection.extra_limits),
        ("guarantee", &selection.extra_guarantees),
    ] {
        for (name, value) in extra {
            rows.push(row([&format!("{name} {bound}"), &value.value, &value.from]));
        }
    }
    for (name, value) in &selection.env {
        let shown = match value.value {
            MaybeSecret::Literal(text) => text.clone(),
            // Only where the secret lives, never its value (jupyflux never has it).
            MaybeSecret::Secret(reference) => format!("secret {reference}"),
        };
        rows.push(row([&format!("env {name}"), &shown, &value.from]));
    }
    for toleration in &selection.tolerations {
        let t = toleration.value;
        let text = format!(
            "{} {} {} {}",
            t.key.as_deref().unwrap_or("*"),
            t.operator.as_deref().unwrap_or("Equal"),
            t.value.as_deref().unwrap_or(""),
            t.effect.as_deref().unwrap_or("(any effect)"),
        );
        rows.push(row([
            "toleration",
            &text.split_whitespace().collect::<Vec<_>>().join(" "),
            &toleration.from,
        ]));
    }
    for (label, value) in &selection.node_selector {
        let text = format!("{label}={}", value.value);
        rows.push(row(["node selector", &text, &value.from]));
    }
    for expression in &selection.node_affinity.required {
        let text = format!(
            "{} {} {}",
            expression.key,
            expression.operator,
            expression.values.join(",")
        );
        rows.push(row(["node affinity", text.trim_end(), "profiles"]));
    }
    for volume in &selection.volumes {
        let name = volume
            .value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("?");
        rows.push(row(["volume", name, &volume.from]));
    }
    for mount in &selection.volume_mounts {
        let text = format!("{} at {}", mount.value.name, mount.value.mount_path);
        rows.push(row(["volume mount", &text, &mount.from]));
    }
    if let Some(shm) = &selection.shm {
        rows.push(row(["/dev/shm", &shm.value, &shm.from]));
    }
    for profile in selection.matched() {
        for size in profile.sizes.iter().filter_map(|s| hub.spec.size(s)) {
            rows.push(row([
                "size choice",
                size.label(),
                &format!("profile {}", profile.slug),
            ]));
        }
    }
    table(&mut out, &rows);
    out
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn audience(profile: &Profile) -> String {
    if !profile.is_restricted() {
        return "everyone".into();
    }
    let mut parts = Vec::new();
    if !profile.users.is_empty() {
        parts.push(format!("users {}", profile.users.join(",")));
    }
    if !profile.groups.is_empty() {
        parts.push(format!("groups {}", profile.groups.join(",")));
    }
    parts.join("; ")
}

fn images(profile: &Profile) -> String {
    if profile.images.is_empty() {
        "any".into()
    } else {
        profile
            .images
            .iter()
            .map(Image::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn why_not(profile: &Profile, request: &Request<'_>, image: &Image) -> &'static str {
    if !profile.is_for(request.user, request.groups) {
        "not for this user or groups"
    } else if !profile.images.is_empty() && !profile.images.contains(image) {
        "not for this image"
    } else {
        "not applicable"
    }
}

/// Left-aligned columns separated by two spaces, no trailing spaces.
fn table(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Sources, load_sources};
    use crate::model::Model;

    const ENVIRONMENT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org, secretStore: vault}\n";
    const VAULT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: vault}\nspec: {server: https://vault.example.org, path: secret, auth: {kubernetes: {role: hub}}}\n";
    const HUB: &str = r#"
apiVersion: jupyflux.dev/v1alpha1
kind: Hub
metadata: {name: lab}
spec:
  chart: {version: "4.3.2"}
  auth: {dummy: {}}
  singleuser:
    image: quay.io/jupyter/base-notebook:2025-03-17
    cpu: {guarantee: 500m, limit: "1"}
    env: {MODE: shared}
  profiles:
    - name: Everyone
      slug: everyone
      default: true
      env: {MODE: standard}
      resources: {cpu: {limit: "2"}}
      tolerations: [{key: pool, operator: Equal, value: shared, effect: NoSchedule}]
    - name: GPU
      slug: gpu
      groups: [gpu]
      env: {MODE: gpu, TOKEN: {vault: "lab/gpu#token"}}
      resources: {cpu: {limit: "8"}, gpus: 1}
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
    - name: Ada's
      slug: ada
      users: [ada]
      resources: {cpu: {limit: "4"}, memory: {limit: 16Gi}}
    - name: TensorFlow only
      slug: tf
      images: [quay.io/jupyter/tensorflow-notebook:2025-03-17]
      resources: {cpu: {limit: "16"}}
"#;

    fn model() -> Model {
        let sources = Sources::from_files(&[
            ("overlays/base/hub.yaml", HUB),
            ("overlays/base/vault.yaml", VAULT),
            ("overlays/dev/environment.yaml", ENVIRONMENT),
        ]);
        load_sources(&sources).unwrap_or_else(|e| panic!("{e}"))
    }

    fn explained(user: &str, groups: &[&str], image: Option<&str>) -> String {
        let model = model();
        let env = &model.environments[0];
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        let image = image.map(|i| Image::parse(i).unwrap());
        let request = Request {
            user,
            groups: &groups,
            image: image.as_ref(),
        };
        explain(env, &env.hubs[0], &request)
    }

    fn line<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line `{start}` in\n{text}"))
    }

    #[test]
    fn a_user_matched_by_several_profiles_gets_the_later_wins_result() {
        let text = explained("ada", &["gpu"], None);
        assert!(
            line(&text, "1  everyone").ends_with("yes, #1 (default)"),
            "{text}"
        );
        assert!(line(&text, "2  gpu").ends_with("yes, #2"), "{text}");
        assert!(line(&text, "3  ada").ends_with("yes, #3"), "{text}");
        assert!(
            line(&text, "4  tf").ends_with("no: not for this image"),
            "{text}"
        );
        // Later wins for scalars, per bound: the limit from `ada`, the guarantee still the default's.
        let cpu_limit: Vec<&str> = line(&text, "cpu limit").split_whitespace().collect();
        assert_eq!(cpu_limit, ["cpu", "limit", "4", "profile", "ada"], "{text}");
        assert!(
            line(&text, "cpu guarantee").ends_with("singleuser"),
            "{text}"
        );
        assert!(
            line(&text, "nvidia.com/gpu").ends_with("profile gpu"),
            "{text}"
        );
        assert!(line(&text, "env MODE").contains(" gpu "), "{text}");
        // Secrets appear as references only.
        assert!(
            line(&text, "env TOKEN").contains("secret lab/gpu#token"),
            "{text}"
        );
        // Tolerations append in order.
        let tolerations: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("toleration"))
            .collect();
        assert_eq!(tolerations.len(), 2, "{text}");
        assert!(
            tolerations[0].ends_with("profile everyone") && tolerations[1].ends_with("profile gpu")
        );
    }

    #[test]
    fn other_users_see_only_what_is_meant_for_them() {
        let text = explained(
            "bob",
            &[],
            Some("quay.io/jupyter/tensorflow-notebook:2025-03-17"),
        );
        assert!(
            line(&text, "2  gpu").ends_with("no: not for this user or groups"),
            "{text}"
        );
        assert!(line(&text, "4  tf").ends_with("yes, #2"), "{text}");
        assert!(line(&text, "image").ends_with("--image"), "{text}");
        assert!(line(&text, "cpu limit").ends_with("profile tf"), "{text}");
        assert!(line(&text, "env MODE").contains("standard"), "{text}");
        assert!(!text.contains("TOKEN"), "{text}");
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "no trailing spaces"
        );
    }

    #[test]
    fn without_an_image_the_chart_default_is_what_users_start() {
        let model = crate::load::load_test_hub(concat!(
            "  singleuser:\n",
            "    nodeSelector: {pool: users}\n",
            "    tolerations: [{key: pool, operator: Exists}]\n",
            "  profiles:\n",
            "    - name: Sample\n",
            "      slug: sample\n",
            "      images: [quay.io/jupyterhub/k8s-singleuser-sample:4.3.2]\n",
            "      nodeSelector: {pool: gpu}\n",
            "      shm: 2Gi\n",
            "      defaultUrl: /desktop\n",
            "      resources: {extra: {limits: {example.org/fpga: 1}}}\n",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let env = &model.environments[0];
        let request = Request {
            user: "ada",
            groups: &[],
            image: None,
        };
        let text = explain(env, &env.hubs[0], &request);
        let default =
            "the chart's default (quay.io/jupyterhub/k8s-singleuser-sample, pinned by chart 4.3.2)";
        assert!(line(&text, "user: ada").ends_with(default), "{text}");
        assert_eq!(
            line(&text, "image ").split_whitespace().last(),
            Some("chart"),
            "{text}"
        );
        assert!(line(&text, "1  sample").ends_with("yes, #1"), "{text}");
        let words = |start: &str| line(&text, start).split_whitespace().collect::<Vec<_>>();
        assert_eq!(
            words("node selector"),
            ["node", "selector", "pool=gpu", "profile", "sample"]
        );
        assert_eq!(
            words("toleration"),
            [
                "toleration",
                "pool",
                "Exists",
                "(any",
                "effect)",
                "singleuser"
            ]
        );
        assert_eq!(words("/dev/shm"), ["/dev/shm", "2Gi", "profile", "sample"]);
        assert_eq!(
            words("default URL"),
            ["default", "URL", "/desktop", "profile", "sample"]
        );
        assert_eq!(
            words("example.org/fpga"),
            ["example.org/fpga", "limit", "1", "profile", "sample"]
        );
    }
}
