//! What one user gets from a hub: the spawn page's entries they see (the chart's `profileList`, filtered per
//! user), and for an entry and its choices, the server it starts — the single-user defaults, then the entry's
//! settings, then its choices (image, size, options, in that order), then every rule that matches the user and
//! the image started, in file order. Later wins: env merges by name, resources bound by bound, node selector
//! labels by label; tolerations append; a node affinity expression replaces one with the same key. The
//! generated spawner configuration does the same at spawn (`tests/profiles_spawn.rs` runs it); `jupyflux
//! explain` prints it.

use super::hub::HubSpec;
use super::image::Image;
use super::profile::{
    MatchExpression, NodeAffinity, NodeSelector, Profile, Resources, Toleration, VolumeMount,
};
use super::rule::{EnvValue, Rule};
use super::secret::MaybeSecret;
use super::usage::Target;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The chart's default tolerations of user pods (`scheduling.userPods.tolerations`).
pub const USER_POD_TOLERATIONS: [&str; 2] =
    ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"];

/// A value and what set it (`singleuser`, `profile <slug>`, `size <name>`, `rule <name>`, …).
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub from: String,
}

/// An environment variable's value and the consumer its secret (if any) is rendered for.
#[derive(Clone, Debug, PartialEq)]
pub struct Env {
    pub value: EnvValue,
    pub target: Target,
}

/// The entries one user sees on the spawn page, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Menu<'a> {
    pub entries: Vec<&'a Profile>,
    /// The entry preselected for this user: the one marked `default` if they see it, else their first.
    pub preselected: Option<&'a Profile>,
}

impl<'a> Menu<'a> {
    /// The entries `user` in `groups` sees.
    pub fn of(spec: &'a HubSpec, user: &str, groups: &[String]) -> Self {
        let entries: Vec<&Profile> = spec
            .profiles
            .iter()
            .filter(|p| p.is_for(user, groups))
            .collect();
        let preselected = entries
            .iter()
            .find(|p| p.default)
            .or(entries.first())
            .copied();
        Menu {
            entries,
            preselected,
        }
    }
}

/// One choice an entry offers: its option key (`image`, `size` or the option's key), the choice's key and label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub option: String,
    pub key: String,
    pub label: String,
    /// Preselected on the spawn page.
    pub default: bool,
}

/// Every choice an entry offers, option by option in the order KubeSpawner applies them.
pub fn choices(spec: &HubSpec, entry: &Profile) -> Vec<Vec<Choice>> {
    let mut options = Vec::new();
    if entry.images.len() > 1 {
        options.push(
            entry
                .images
                .iter()
                .enumerate()
                .map(|(i, image)| Choice {
                    option: "image".into(),
                    key: choice_key(&image.to_string()),
                    label: image.to_string(),
                    default: i == 0,
                })
                .collect(),
        );
    }
    let sizes: Vec<Choice> = entry
        .sizes
        .iter()
        .filter_map(|name| spec.size(name))
        .enumerate()
        .map(|(i, size)| Choice {
            option: "size".into(),
            key: size.name.clone(),
            label: size.label().to_owned(),
            default: i == 0,
        })
        .collect();
    if !sizes.is_empty() {
        options.push(sizes);
    }
    for option in &entry.options {
        // KubeSpawner preselects the first choice when none is marked default.
        let marked = option.choices.iter().any(|c| c.default);
        options.push(
            option
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| Choice {
                    option: option.key.clone(),
                    key: c.key.clone(),
                    label: c.name.clone(),
                    default: c.default || (!marked && i == 0),
                })
                .collect(),
        );
    }
    options
}

/// A choice key from free text: letters, digits and `-` (how an image becomes an `image` choice's key).
pub fn choice_key(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The server one user starts with one entry (or none: the hub has no entries for them) and its choices.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection<'a> {
    pub entry: Option<&'a Profile>,
    /// The choice taken for each option of the entry, in the order applied.
    pub choices: Vec<Choice>,
    /// Every rule in file order, with whether it matched.
    pub rules: Vec<(&'a Rule, bool)>,
    pub image: Sourced<Image>,
    pub env: BTreeMap<String, Sourced<Env>>,
    pub cpu_guarantee: Option<Sourced<String>>,
    pub cpu_limit: Option<Sourced<String>>,
    pub memory_guarantee: Option<Sourced<String>>,
    pub memory_limit: Option<Sourced<String>>,
    pub gpus: Option<Sourced<u32>>,
    /// Extended resources by name: limits, then guarantees.
    pub extra_limits: BTreeMap<String, Sourced<String>>,
    pub extra_guarantees: BTreeMap<String, Sourced<String>>,
    pub tolerations: Vec<Sourced<Toleration>>,
    pub node_selector: BTreeMap<String, Sourced<&'a str>>,
    /// Required node affinity: alternative terms (a node must match one), each a list of expressions that must
    /// all hold, each with what set it.
    pub node_affinity: Vec<Vec<Sourced<MatchExpression>>>,
    pub volumes: Vec<Sourced<&'a Map<String, Value>>>,
    pub volume_mounts: Vec<Sourced<&'a VolumeMount>>,
    /// Size of a memory-backed `/dev/shm`.
    pub shm: Option<Sourced<String>>,
    pub default_url: Sourced<&'a str>,
}

impl<'a> Selection<'a> {
    /// What `user` in `groups` gets with `entry` and, per option, the choice `picks` names (else the option's
    /// default).
    pub fn of(
        spec: &'a HubSpec,
        user: &str,
        groups: &[String],
        entry: Option<&'a Profile>,
        picks: &BTreeMap<String, String>,
    ) -> Self {
        let defaults = &spec.singleuser;
        let image_from = if defaults.image.is_some() {
            "singleuser"
        } else {
            "chart"
        };
        let mut selection = Selection {
            entry,
            choices: Vec::new(),
            rules: Vec::new(),
            image: sourced(spec.user_image(), image_from),
            env: BTreeMap::new(),
            cpu_guarantee: None,
            cpu_limit: None,
            memory_guarantee: None,
            memory_limit: None,
            gpus: None,
            extra_limits: BTreeMap::new(),
            extra_guarantees: BTreeMap::new(),
            tolerations: Vec::new(),
            node_selector: BTreeMap::new(),
            node_affinity: Vec::new(),
            volumes: Vec::new(),
            volume_mounts: Vec::new(),
            shm: None,
            default_url: sourced(&defaults.default_url, "singleuser"),
        };
        selection.defaults(spec);
        if let Some(entry) = entry {
            selection.apply_entry(spec, entry, picks);
        }
        for rule in &spec.rules {
            let matches = rule.matches(user, groups, &selection.image.value);
            selection.rules.push((rule, matches));
            if matches {
                selection.apply_rule(rule);
            }
        }
        selection
    }

    /// What would stop the pod from starting: a guarantee above its limit (Kubernetes refuses such a pod), e.g.
    /// a rule capping the limit below a size's guarantee.
    pub fn problems(&self) -> Vec<String> {
        use super::quantity::Quantity;
        fn value(s: &Option<Sourced<String>>) -> Option<(f64, &Sourced<String>)> {
            s.as_ref()
                .and_then(|s| Quantity::parse(&s.value).ok().map(|q| (q.value(), s)))
        }
        let mut problems = Vec::new();
        for (what, guarantee, limit) in [
            ("cpu", &self.cpu_guarantee, &self.cpu_limit),
            ("memory", &self.memory_guarantee, &self.memory_limit),
        ] {
            if let (Some((g, gs)), Some((l, ls))) = (value(guarantee), value(limit))
                && g > l
            {
                problems.push(format!(
                    "{what} guarantee {} ({}) is above the limit {} ({}): Kubernetes refuses the pod",
                    gs.value, gs.from, ls.value, ls.from
                ));
            }
        }
        problems
    }

    /// The rules that matched, in the order applied.
    pub fn matched(&self) -> impl Iterator<Item = &'a Rule> + '_ {
        self.rules.iter().filter(|(_, m)| *m).map(|(r, _)| *r)
    }

    fn defaults(&mut self, spec: &'a HubSpec) {
        let defaults = &spec.singleuser;
        let from = "singleuser";
        match &spec.user_pods.tolerations {
            Some(tolerations) => {
                for toleration in tolerations {
                    self.tolerations
                        .push(sourced(toleration.clone(), "scheduling.userPods"));
                }
            }
            None => {
                for key in USER_POD_TOLERATIONS {
                    let toleration = Toleration {
                        key: Some(key.to_owned()),
                        operator: Some("Equal".into()),
                        value: Some("user".into()),
                        effect: Some("NoSchedule".into()),
                        toleration_seconds: None,
                    };
                    self.tolerations.push(sourced(toleration, "chart"));
                }
            }
        }
        let base = Resources {
            cpu: defaults.cpu.clone(),
            memory: defaults.memory.clone(),
            ..Resources::default()
        };
        self.add_env(&defaults.env, from, |name| {
            Target::SingleuserEnv(name.to_owned())
        });
        self.add_resources(&base, from);
        self.add_placement(&defaults.tolerations, &defaults.node_selector, from);
        for term in &defaults.extra_node_affinity.required {
            let expressions = term.match_expressions.iter();
            self.node_affinity
                .push(expressions.map(|e| sourced(e.clone(), from)).collect());
        }
        for volume in &defaults.storage.extra_volumes {
            self.volumes.push(sourced(volume, from));
        }
        for mount in &defaults.storage.extra_volume_mounts {
            self.volume_mounts.push(sourced(mount, from));
        }
    }

    fn apply_entry(
        &mut self,
        spec: &'a HubSpec,
        entry: &'a Profile,
        picks: &BTreeMap<String, String>,
    ) {
        let from = format!("profile {}", entry.slug);
        if let [image] = entry.images.as_slice() {
            self.image = sourced(image.clone(), &from);
        }
        self.add_env(&entry.env, &from, |name| {
            Target::ProfileEnv(entry.slug.clone(), name.to_owned())
        });
        self.add_resources(&entry.resources, &from);
        self.add_placement(&entry.tolerations, &entry.node_selector, &from);
        // The entry's expressions are ANDed into each of the single-user terms (see `render::chart::profile_lists`).
        self.add_affinity(&entry.node_affinity, &from, false);
        for volume in &entry.volumes {
            self.volumes.push(sourced(volume, &from));
        }
        for mount in &entry.volume_mounts {
            self.volume_mounts.push(sourced(mount, &from));
        }
        if let Some(size) = &entry.shm {
            self.shm = Some(sourced(size.to_string(), &from));
        }
        if let Some(url) = &entry.default_url {
            self.default_url = sourced(url, &from);
        }
        for option in choices(spec, entry) {
            let Some(first) = option.first() else {
                continue;
            };
            let picked = picks.get(&first.option);
            let Some(choice) = option
                .iter()
                .find(|c| picked.map_or(c.default, |p| &c.key == p))
            else {
                continue;
            };
            self.apply_choice(spec, entry, choice);
            self.choices.push(choice.clone());
        }
    }

    fn apply_choice(&mut self, spec: &'a HubSpec, entry: &'a Profile, choice: &Choice) {
        let from = format!("{} {}", choice.option, choice.key);
        match choice.option.as_str() {
            "image" => {
                if let Some(image) = entry
                    .images
                    .iter()
                    .find(|i| choice_key(&i.to_string()) == choice.key)
                {
                    self.image = sourced(image.clone(), &from);
                }
            }
            "size" => {
                if let Some(size) = spec.size(&choice.key) {
                    self.add_resources(&size.resources(), &from);
                }
            }
            key => {
                let found = entry
                    .options
                    .iter()
                    .find(|o| o.key == key)
                    .and_then(|o| o.choices.iter().find(|c| c.key == choice.key));
                if let Some(c) = found {
                    if let Some(image) = &c.image {
                        self.image = sourced(image.clone(), &from);
                    }
                    self.add_resources(&c.resources, &from);
                    if let Some(url) = &c.default_url {
                        self.default_url = sourced(url, &from);
                    }
                }
            }
        }
    }

    fn apply_rule(&mut self, rule: &'a Rule) {
        let from = format!("rule {}", rule.name);
        for (name, value) in &rule.env {
            let env = Env {
                value: value.clone(),
                target: Target::RuleEnv(rule.name.clone(), name.clone()),
            };
            self.env.insert(name.clone(), sourced(env, &from));
        }
        self.add_resources(&rule.resources, &from);
        for toleration in &rule.tolerations {
            self.tolerations.push(sourced(toleration.clone(), &from));
        }
        self.add_affinity(&rule.node_affinity, &from, true);
    }

    /// Add `affinity`'s expressions to every required term (one term of their own when there is none); with
    /// `replace`, an expression first removes those with the same key from the term.
    fn add_affinity(&mut self, affinity: &NodeAffinity, from: &str, replace: bool) {
        if affinity.required.is_empty() {
            return;
        }
        if self.node_affinity.is_empty() {
            self.node_affinity.push(Vec::new());
        }
        for term in &mut self.node_affinity {
            for expression in &affinity.required {
                if replace {
                    term.retain(|e| e.value.key != expression.key);
                }
                term.push(sourced(expression.clone(), from));
            }
        }
    }

    /// Tolerations append; node selector labels merge, later wins.
    fn add_placement(
        &mut self,
        tolerations: &'a [Toleration],
        node_selector: &'a NodeSelector,
        from: &str,
    ) {
        for toleration in tolerations {
            self.tolerations.push(sourced(toleration.clone(), from));
        }
        for (label, value) in node_selector {
            self.node_selector
                .insert(label.clone(), sourced(value.as_str(), from));
        }
    }

    fn add_env(
        &mut self,
        env: &'a BTreeMap<String, MaybeSecret>,
        from: &str,
        target: impl Fn(&str) -> Target,
    ) {
        for (name, value) in env {
            let env = Env {
                value: EnvValue::Value(value.clone()),
                target: target(name),
            };
            self.env.insert(name.clone(), sourced(env, from));
        }
    }

    fn add_resources(&mut self, resources: &Resources, from: &str) {
        let set = |slot: &mut Option<Sourced<String>>, value: Option<String>| {
            if let Some(value) = value {
                *slot = Some(sourced(value, from));
            }
        };
        if let Some(cpu) = &resources.cpu {
            set(
                &mut self.cpu_guarantee,
                cpu.guarantee.as_ref().map(|q| q.as_str().to_owned()),
            );
            set(
                &mut self.cpu_limit,
                cpu.limit.as_ref().map(|q| q.as_str().to_owned()),
            );
        }
        if let Some(memory) = &resources.memory {
            set(
                &mut self.memory_guarantee,
                memory.guarantee.as_ref().map(|m| m.kubernetes_value()),
            );
            set(
                &mut self.memory_limit,
                memory.limit.as_ref().map(|m| m.kubernetes_value()),
            );
        }
        if let Some(gpus) = resources.gpus {
            self.gpus = Some(sourced(gpus, from));
        }
        for (slots, extra) in [
            (&mut self.extra_limits, &resources.extra.limits),
            (&mut self.extra_guarantees, &resources.extra.guarantees),
        ] {
            for (name, quantity) in extra {
                slots.insert(name.clone(), sourced(quantity.to_string(), from));
            }
        }
    }
}

fn sourced<T>(value: T, from: &str) -> Sourced<T> {
    Sourced {
        value,
        from: from.to_owned(),
    }
}
