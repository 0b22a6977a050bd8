//! `jupyflux explain`: what one user gets from a hub — whether they can log in, the spawn page's entries they
//! see, and for each entry (and each of its choices) the server it starts after the rules. Pure: an
//! [`Explanation`] from the model, printed as tables ([`text`]) or JSON ([`json`]).

use crate::model::auth::Admission;
use crate::model::hub::HubSpec;
use crate::model::image::Image;
use crate::model::profile::Profile;
use crate::model::selection::{Menu, Selection, choices};
use crate::model::{Definition, Environment};
use std::collections::BTreeMap;

pub mod command;
mod json;
pub mod policy;
pub mod tenant;
mod text;

pub use json::json;
pub use text::text;

/// Who asks: a user name, their groups, and optionally the image they want to start.
pub struct Request<'a> {
    pub user: &'a str,
    pub groups: &'a [String],
    pub image: Option<&'a Image>,
}

/// What one user gets from one hub.
pub struct Explanation<'a> {
    pub environment: &'a str,
    pub hub: &'a Definition<HubSpec>,
    pub user: &'a str,
    pub groups: &'a [String],
    pub image: Option<&'a Image>,
    pub login: Admission,
    /// The entries the user sees (one with no entry when the hub offers them none), empty when they cannot
    /// log in.
    pub entries: Vec<Entry<'a>>,
    /// Entries of the hub this user does not see.
    pub hidden: Vec<&'a Profile>,
    /// The Environment's policy rules that shaped this user's servers ([`policy::lines`]).
    pub policy: Vec<String>,
    /// What the hub's namespace may use at most, all users together (the Environment's `quotas`).
    pub tenant: Option<tenant::Tenant>,
}

/// One entry of the user's spawn page and what it starts.
pub struct Entry<'a> {
    /// `None`: the hub offers this user no entry, so the single-user defaults (and the rules) apply.
    pub profile: Option<&'a Profile>,
    pub preselected: bool,
    /// With its default choices (or the choice starting the asked image).
    pub server: Selection<'a>,
    /// Each other choice, the remaining options at their defaults.
    pub variants: Vec<Selection<'a>>,
    /// Set when an image was asked for and this entry cannot start it.
    pub lacks_image: bool,
}

/// The explanation of what `request.user` gets from `hub` in `env`.
pub fn explain<'a>(
    env: &'a Environment,
    hub: &'a Definition<HubSpec>,
    request: &Request<'a>,
) -> Explanation<'a> {
    let spec = &hub.spec;
    let login = spec.auth.admits(request.user, request.groups);
    let menu = Menu::of(spec, request.user, request.groups);
    let hidden: Vec<&Profile> = spec
        .profiles
        .iter()
        .filter(|p| !menu.entries.contains(p))
        .collect();
    let policy = policy::lines(env, spec, request.groups, &hidden);
    let mut entries = Vec::new();
    if !matches!(login, Admission::No(_)) {
        let offered: Vec<Option<&Profile>> = if menu.entries.is_empty() {
            vec![None]
        } else {
            menu.entries.iter().map(|p| Some(*p)).collect()
        };
        for profile in offered {
            entries.push(entry(spec, request, profile, menu.preselected));
        }
    }
    Explanation {
        environment: &env.name,
        hub,
        user: request.user,
        groups: request.groups,
        image: request.image,
        login,
        entries,
        hidden,
        policy,
        tenant: tenant::tenant(env, hub),
    }
}

fn entry<'a>(
    spec: &'a HubSpec,
    request: &Request<'a>,
    profile: Option<&'a Profile>,
    preselected: Option<&'a Profile>,
) -> Entry<'a> {
    let of = |picks: &BTreeMap<String, String>| {
        Selection::of(spec, request.user, request.groups, profile, picks)
    };
    let options = profile.map(|p| choices(spec, p)).unwrap_or_default();
    let mut picks = BTreeMap::new();
    let mut lacks_image = false;
    if let Some(image) = request.image {
        // The choice that starts the asked image, if the default does not.
        if &of(&picks).image.value != image {
            let found = options.iter().flatten().find(|choice| {
                let pick = BTreeMap::from([(choice.option.clone(), choice.key.clone())]);
                &of(&pick).image.value == image
            });
            match found {
                Some(choice) => {
                    picks.insert(choice.option.clone(), choice.key.clone());
                }
                None => lacks_image = true,
            }
        }
    }
    let server = of(&picks);
    let variants = options
        .iter()
        .flatten()
        .filter(|choice| picks.get(&choice.option) != Some(&choice.key))
        .filter(|choice| !choice.default || picks.contains_key(&choice.option))
        .map(|choice| {
            let mut picks = picks.clone();
            picks.insert(choice.option.clone(), choice.key.clone());
            of(&picks)
        })
        .collect();
    Entry {
        profile,
        preselected: profile.is_some() && profile == preselected,
        server,
        variants,
        lacks_image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Sources, load_sources};
    use crate::model::Model;

    const ENVIRONMENT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: Environment\nmetadata: {name: dev}\nspec: {domain: dev.example.org, secretStore: vault}\n";
    const VAULT: &str = "apiVersion: jupyflux.dev/v1alpha1\nkind: VaultStore\nmetadata: {name: vault}\nspec: {server: https://vault.example.org, path: secret, auth: {kubernetes: {role: hub}}}\n";
    // The seed that mixed the two models: a "globals" profile, a GPU profile for a group, a small default.
    const HUB: &str = r#"
apiVersion: jupyflux.dev/v1alpha1
kind: Hub
metadata: {name: lab}
spec:
  chart: {version: "4.3.2"}
  auth: {dummy: {}, allowedUsers: [ada, sam]}
  singleuser:
    image: quay.io/jupyter/base-notebook:2025-03-17
    cpu: {guarantee: 500m, limit: "1"}
    env: {MODE: shared}
  sizes:
    - {name: small, cpu: {limit: "1"}, memory: {limit: 2Gi}}
    - {name: large, cpu: {limit: "4"}, memory: {limit: 8G}}
  profiles:
    - name: Small
      slug: small
      default: true
      sizes: [small, large]
    - name: GPU
      slug: gpu
      groups: [gpu]
      images: [quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17]
      env: {MODE: gpu}
      resources: {cpu: {guarantee: "2", limit: "4"}, memory: {limit: 16Gi}, gpus: 1}
  rules:
    - name: globals
      env: {TOKEN: {vault: "lab/all#token"}, ENDPOINT: {configMap: lab-settings, key: endpoint}}
    - name: students
      groups: [students]
      resources: {cpu: {limit: "2"}}
    - name: pytorch
      images: [quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17]
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
"#;

    fn model() -> Model {
        let sources = Sources::from_files(&[
            ("overlays/base/hub.yaml", HUB),
            ("overlays/base/vault.yaml", VAULT),
            ("overlays/dev/environment.yaml", ENVIRONMENT),
        ]);
        load_sources(&sources).unwrap_or_else(|e| panic!("{e}"))
    }

    fn explained(model: &Model, user: &str, groups: &[&str], image: Option<&Image>) -> String {
        let env = &model.environments[0];
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        let request = Request {
            user,
            groups: &groups,
            image,
        };
        text(&explain(env, &env.hubs[0], &request))
    }

    fn line<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line `{start}` in\n{text}"))
    }

    /// The lines of one entry's table, from its heading to the next blank line.
    fn entry<'a>(text: &'a str, slug: &str) -> &'a str {
        let start = text
            .find(&format!("Entry `{slug}`"))
            .unwrap_or_else(|| panic!("no entry {slug} in\n{text}"));
        let rest = &text[start..];
        &rest[..rest.find("\n\n").unwrap_or(rest.len())]
    }

    fn words<'a>(text: &'a str, start: &str) -> Vec<&'a str> {
        line(text, start).split_whitespace().collect()
    }

    #[test]
    fn a_student_gets_the_entry_they_pick_not_every_matching_profile() {
        let model = model();
        let text = explained(&model, "sam", &["students"], None);
        assert!(line(&text, "login:").contains("yes"), "{text}");
        assert!(
            line(&text, "1  small").ends_with("yes, preselected"),
            "{text}"
        );
        assert!(
            line(&text, "2  gpu").ends_with("no: not for this user or groups"),
            "{text}"
        );
        // The preselected Small: its default size, then the rules on top (students' CPU limit wins).
        let small = entry(&text, "small");
        assert!(small.contains("choices: size=small"), "{small}");
        assert_eq!(
            words(small, "cpu limit"),
            ["cpu", "limit", "2", "rule", "students"]
        );
        assert_eq!(
            words(small, "memory limit"),
            ["memory", "limit", "2Gi", "size", "small"]
        );
        assert!(!small.contains("nvidia.com/gpu"), "{small}");
        // Globals reach every entry: env from the rule, secrets and ConfigMaps as references only.
        assert!(
            line(small, "env TOKEN").contains("secret lab/all#token"),
            "{small}"
        );
        assert_eq!(
            words(small, "env ENDPOINT"),
            [
                "env",
                "ENDPOINT",
                "ConfigMap",
                "lab-settings",
                "key",
                "endpoint",
                "rule",
                "globals"
            ]
        );
        assert!(
            small.contains("rules applied: globals, students"),
            "{small}"
        );
        // The other size: its resources, the rule still winning where it sets them (its CPU limit of 4 stays
        // 2); KubeSpawner's 8G is 8Gi.
        assert!(
            small.contains("\nchoice size=large (large): memory limit 8Gi (size large)\n"),
            "{small}"
        );
        assert!(!text.contains("Entry `gpu`"), "{text}");
        assert!(!text.contains("PROBLEM"), "{text}");
    }

    #[test]
    fn a_rule_capping_a_limit_below_a_guarantee_is_a_problem() {
        let model = crate::load::load_test_hub(concat!(
            "  sizes: [{name: big, cpu: {guarantee: \"4\", limit: \"8\"}}]\n",
            "  profiles: [{name: Big, slug: big, sizes: [big]}]\n",
            "  rules: [{name: cap, resources: {cpu: {limit: \"2\"}}}]\n",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let text = explained(&model, "ada", &[], None);
        assert!(
            text.contains("PROBLEM: cpu guarantee 4 (size big) is above the limit 2 (rule cap): Kubernetes refuses the pod"),
            "{text}"
        );
    }

    #[test]
    fn rules_match_the_image_the_chosen_entry_starts() {
        let model = model();
        let text = explained(&model, "ada", &["gpu"], None);
        let gpu = entry(&text, "gpu");
        assert_eq!(
            words(gpu, "nvidia.com/gpu"),
            ["nvidia.com/gpu", "1", "profile", "gpu"]
        );
        assert_eq!(
            words(gpu, "env MODE"),
            ["env", "MODE", "gpu", "profile", "gpu"]
        );
        let toleration = gpu
            .lines()
            .find(|l| l.starts_with("toleration") && l.contains("nvidia.com/gpu"))
            .unwrap_or_else(|| panic!("{gpu}"));
        assert!(toleration.ends_with("rule pytorch"), "{gpu}");
        assert!(gpu.contains("rules applied: globals, pytorch"), "{gpu}");
        // The default entry starts the base image: the pytorch rule does not apply there.
        let small = entry(&text, "small");
        assert!(small.contains("rules applied: globals\n"), "{small}");
        assert!(!small.contains("nvidia.com/gpu Exists"), "{small}");
    }

    #[test]
    fn someone_who_cannot_log_in_gets_nothing() {
        let model = model();
        let text = explained(&model, "mallory", &["gpu"], None);
        assert!(line(&text, "login: NO").contains("cannot log in"), "{text}");
        assert!(!text.contains("Entry `"), "{text}");
        let env = &model.environments[0];
        let request = Request {
            user: "mallory",
            groups: &[],
            image: None,
        };
        let value = json(&explain(env, &env.hubs[0], &request));
        assert_eq!(value["login"]["admitted"], "no");
        assert_eq!(value["entries"], serde_json::json!([]));
    }

    #[test]
    fn an_image_asked_for_picks_the_choice_that_starts_it() {
        let model = model();
        let pytorch = Image::parse("quay.io/jupyter/pytorch-notebook:cuda12-2025-03-17").unwrap();
        let text = explained(&model, "ada", &["gpu"], Some(&pytorch));
        assert!(line(&text, "user: ada").contains("image asked: quay.io/jupyter/pytorch"));
        assert!(
            entry(&text, "small").contains("(this entry cannot start the image asked for)"),
            "{text}"
        );
        assert!(!entry(&text, "gpu").contains("cannot start"), "{text}");
    }

    #[test]
    fn json_gives_kubernetes_shapes_and_origins() {
        let model = model();
        let env = &model.environments[0];
        let groups = ["students".to_owned()];
        let request = Request {
            user: "sam",
            groups: &groups,
            image: None,
        };
        let value = json(&explain(env, &env.hubs[0], &request));
        let small = &value["entries"][0];
        assert_eq!(small["slug"], "small");
        assert_eq!(small["preselected"], true);
        assert_eq!(small["choices"], serde_json::json!({"size": "small"}));
        assert_eq!(small["resources"]["limits"]["cpu"], "2");
        assert_eq!(small["from"]["limits.cpu"], "rule students");
        assert_eq!(
            small["env"]["ENDPOINT"],
            serde_json::json!({"valueFrom": {"configMapKeyRef": {"name": "lab-settings", "key": "endpoint"}}})
        );
        assert_eq!(
            small["env"]["TOKEN"]["valueFrom"]["secretKeyRef"],
            serde_json::json!({"name": "lab-singleuser-env", "key": "rule-globals-env-TOKEN"})
        );
        assert_eq!(
            small["variants"][0]["choices"],
            serde_json::json!({"size": "large"})
        );
        assert_eq!(value["hidden"], serde_json::json!(["gpu"]));
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
            "      nodeSelector: {pool: gpu}\n",
            "      shm: 2Gi\n",
            "      defaultUrl: /desktop\n",
            "      resources: {extra: {limits: {example.org/fpga: 1}}}\n",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let text = explained(&model, "ada", &[], None);
        let sample = entry(&text, "sample");
        assert_eq!(
            words(sample, "image "),
            [
                "image",
                "quay.io/jupyterhub/k8s-singleuser-sample:4.3.2",
                "chart"
            ]
        );
        assert_eq!(
            words(sample, "node selector"),
            ["node", "selector", "pool=gpu", "profile", "sample"]
        );
        assert_eq!(
            words(sample, "toleration              pool"),
            [
                "toleration",
                "pool",
                "Exists",
                "(any",
                "effect)",
                "singleuser"
            ]
        );
        assert_eq!(
            words(sample, "/dev/shm"),
            ["/dev/shm", "2Gi", "profile", "sample"]
        );
        assert_eq!(
            words(sample, "default URL"),
            ["default", "URL", "/desktop", "profile", "sample"]
        );
        assert_eq!(
            words(sample, "example.org/fpga"),
            ["example.org/fpga", "limit", "1", "profile", "sample"]
        );
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "no trailing spaces"
        );
    }
}
