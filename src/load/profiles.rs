//! Checks of a hub's profiles and sizes: unique slugs and size names, at most one default profile, sizes that
//! exist, and volume mounts that name a volume.

use super::node::{Loc, Node};
use super::report::Reporter;
use super::validate::{bounds, field_path, is_env_name, loc_at};
use crate::diagnostic::did_you_mean;
use crate::model::hub::{HubSpec, bound_problems};
use crate::model::is_dns_label;
use crate::model::profile::{GPU_RESOURCE, Profile, Resources, SHM_PATH, SHM_VOLUME};
use crate::model::quantity::exceeds;
use std::collections::BTreeMap;

/// Validate `spec.profiles` and `spec.sizes` of hub `name`.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    entry_bounds(name, spec, node, report);
    let mut sizes: BTreeMap<&str, Loc> = BTreeMap::new();
    for (i, size) in spec.sizes.iter().enumerate() {
        let index = i.to_string();
        let path = ["spec", "sizes", index.as_str()];
        bounds(
            name,
            node,
            &path,
            size.cpu.as_ref(),
            size.memory.as_ref(),
            report,
        );
        let at = loc_at(node, &["spec", "sizes", &index, "name"]);
        if !is_dns_label(&size.name) {
            report.at(
                at,
                format!(
                    "Hub `{name}`: size name `{}` is not a DNS-1123 label",
                    size.name
                ),
                Some("use lowercase letters, digits and `-`, e.g. `small`, `gpu-large`".into()),
            );
        }
        first_use(
            &mut sizes,
            &size.name,
            at,
            &format!("Hub `{name}`: size `{}` is defined twice", size.name),
            report,
        );
    }
    let size_names: Vec<&str> = spec.sizes.iter().map(|s| s.name.as_str()).collect();
    let mut slugs: BTreeMap<&str, Loc> = BTreeMap::new();
    let mut default: Option<(&str, Loc)> = None;
    for (i, profile) in spec.profiles.iter().enumerate() {
        options(name, profile, i, node, report);
        for key in profile.spawner.keys() {
            if profile.renders(key) {
                report.at(
                    loc_at(node, &["spec", "profiles", &i.to_string(), "spawner", key]),
                    format!("Hub `{name}`: profile `{}` sets `{key}` in spawner, which a typed profile field renders", profile.slug),
                    Some("use the profile's typed field (images, resources, env, nodeSelector, labels, annotations, defaultUrl, supplementalGroups, tolerations, nodeAffinity, volumes, volumeMounts, privileged, allowPrivilegeEscalation)".into()),
                );
            }
        }
        let index = i.to_string();
        super::pod_security::check_spawner(name, profile, &index, spec.pod_security, node, report);
        super::pod_security::check_privileges(
            name,
            profile,
            &index,
            spec.pod_security,
            node,
            report,
        );
        if !profile.extra_containers.is_empty() && profile.spawner.contains_key("extra_containers")
        {
            report.at(
                loc_at(node, &["spec", "profiles", &index, "spawner", "extra_containers"]),
                format!("Hub `{name}`: profile `{}` sets sidecars in both extraContainers and spawner.extra_containers, which replaces them", profile.slug),
                Some("keep them in `extraContainers`".into()),
            );
        }
        super::sidecars::check(
            &mut super::sections::Checks {
                hub: name,
                node,
                report,
            },
            &["spec", "profiles", &index, "extraContainers"],
            &profile.extra_containers,
            spec.pod_security,
            spec.images.moving_tags == crate::model::image::MovingTags::Allow,
        );
        let resources = &profile.resources;
        let path = ["spec", "profiles", index.as_str(), "resources"];
        bounds(
            name,
            node,
            &path,
            resources.cpu.as_ref(),
            resources.memory.as_ref(),
            report,
        );
        let at = |field: &[&str]| {
            let mut path = vec!["spec", "profiles", index.as_str()];
            path.extend_from_slice(field);
            loc_at(node, &path)
        };
        let slug = profile.slug.as_str();
        let label = Label {
            hub: name,
            what: "profile slug",
            example: "`gpu-large`",
        };
        label.check(slug, at(&["slug"]), &mut slugs, report);
        if profile.name.trim().is_empty() {
            report.at(
                at(&["name"]),
                format!("Hub `{name}`: profile `{slug}` has an empty name"),
                Some("write the name shown on the spawn page".into()),
            );
        }
        if profile.default {
            match default {
                Some((first, first_at)) => {
                    let first_at = report.location(first_at);
                    report.at(
                        at(&["default"]),
                        format!(
                            "Hub `{name}`: profiles `{first}` and `{slug}` are both the default"
                        ),
                        Some(format!(
                            "mark at most one profile `default: true` (`{first}` is at {first_at})"
                        )),
                    );
                }
                None => default = Some((slug, at(&["default"]))),
            }
        }
        for (j, size) in profile.sizes.iter().enumerate() {
            if !size_names.contains(&size.as_str()) {
                let help = match did_you_mean(size, size_names.iter().copied()) {
                    Some(near) => {
                        format!("did you mean `{near}`? sizes: {}", size_names.join(", "))
                    }
                    None if size_names.is_empty() => {
                        "define it under spec.sizes: [{name, displayName, cpu, memory, gpus}]"
                            .into()
                    }
                    None => format!("sizes: {}", size_names.join(", ")),
                };
                report.at(
                    at(&["sizes", &j.to_string()]),
                    format!("Hub `{name}`: profile `{slug}` offers size `{size}`, which spec.sizes does not define"),
                    Some(help),
                );
            }
        }
        for var in profile.env.keys() {
            if !is_env_name(var) {
                report.at(
                    at(&["env", var]),
                    format!("Hub `{name}`: `{var}` is not an environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".into()),
                );
            }
        }
        for (field, names) in [("users", &profile.users), ("groups", &profile.groups)] {
            if names.iter().any(|n| n.trim().is_empty()) {
                report.at(
                    at(&[field]),
                    format!("Hub `{name}`: empty name in profile `{slug}` {field}"),
                    None,
                );
            }
        }
        overrides(name, spec, profile, &at, report);
        let storage = &spec.singleuser.storage;
        let volumes: Vec<&str> = storage
            .extra_volumes
            .iter()
            .chain(&profile.volumes)
            .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
            .collect();
        volume_names(name, &profile.volumes, &at(&["volumes"]), report);
        for (j, mount) in profile.volume_mounts.iter().enumerate() {
            if !volumes.contains(&mount.name.as_str()) {
                report.at(
                    at(&["volumeMounts", &j.to_string(), "name"]),
                    format!(
                        "Hub `{name}`: profile `{slug}` mounts volume `{}`, which is not defined",
                        mount.name
                    ),
                    Some(if volumes.is_empty() {
                        "add it to the profile's `volumes`, e.g. {name: shm, emptyDir: {medium: Memory}}".into()
                    } else {
                        format!("add it to the profile's `volumes` (defined: {})", volumes.join(", "))
                    }),
                );
            }
        }
    }
}

/// A profile's settings that must agree with what else renders into its override: extended resources that the
/// typed ones already set, a `/dev/shm` volume that another volume or mount takes, a default URL that is a path.
fn overrides(
    name: &str,
    spec: &HubSpec,
    profile: &Profile,
    at: &dyn Fn(&[&str]) -> Loc,
    report: &mut Reporter,
) {
    let slug = &profile.slug;
    let resources = &profile.resources;
    let extra = &resources.extra;
    let typed = |bound: &str, resource: &str| match (bound, resource) {
        ("limits", GPU_RESOURCE) => resources.gpus.is_some().then_some("gpus"),
        ("limits", "cpu") => resources
            .cpu
            .as_ref()
            .and_then(|c| c.limit.as_ref())
            .map(|_| "cpu.limit"),
        ("limits", "memory") => resources
            .memory
            .as_ref()
            .and_then(|m| m.limit.as_ref())
            .map(|_| "memory.limit"),
        ("guarantees", "cpu") => resources
            .cpu
            .as_ref()
            .and_then(|c| c.guarantee.as_ref())
            .map(|_| "cpu.guarantee"),
        ("guarantees", "memory") => resources
            .memory
            .as_ref()
            .and_then(|m| m.guarantee.as_ref())
            .map(|_| "memory.guarantee"),
        _ => None,
    };
    for (bound, list) in [("limits", &extra.limits), ("guarantees", &extra.guarantees)] {
        for resource in list.keys() {
            if let Some(field) = typed(bound, resource) {
                report.at(
                    at(&["resources", "extra", bound, resource]),
                    format!("Hub `{name}`: profile `{slug}` sets `{resource}` both in resources.{field} and in resources.extra.{bound}"),
                    Some(format!("keep one: resources.{field}, or resources.extra.{bound}.{resource}")),
                );
            }
        }
    }
    for (resource, guarantee) in &extra.guarantees {
        if let Some(excess) = exceeds("guarantee", Some(guarantee), extra.limits.get(resource)) {
            report.at(
                at(&["resources", "extra", "guarantees", resource]),
                format!("Hub `{name}`: profile `{slug}`, {resource}: {excess}"),
                Some("lower the guarantee to at most the limit, or raise the limit".into()),
            );
        }
    }
    if profile.shm.is_some() {
        let storage = &spec.singleuser.storage;
        let named_shm = storage
            .extra_volumes
            .iter()
            .chain(&profile.volumes)
            .any(|v| v.get("name").and_then(|n| n.as_str()) == Some(SHM_VOLUME));
        let at_shm = storage
            .extra_volume_mounts
            .iter()
            .chain(&profile.volume_mounts)
            .any(|m| m.mount_path.trim_end_matches('/') == SHM_PATH);
        if named_shm || at_shm {
            report.at(
                at(&["shm"]),
                format!("Hub `{name}`: profile `{slug}` sets shm, but a volume named `{SHM_VOLUME}` or a mount at {SHM_PATH} exists already"),
                Some(format!("keep one: `shm: <size>` (a memory-backed {SHM_PATH}), or your own volume and mount")),
            );
        }
    }
    if let Some(url) = profile
        .default_url
        .as_deref()
        .filter(|u| !u.starts_with('/'))
    {
        report.at(
            at(&["defaultUrl"]),
            format!("Hub `{name}`: profile `{slug}` defaultUrl `{url}` must be a path"),
            Some("e.g. /lab, /tree or /vscode".into()),
        );
    }
}

/// A menu entry's resources are `singleuser`'s with the profile's, then the chosen size's, merged over them bound by
/// bound (as KubeSpawner applies overrides): a guarantee from one and a limit from another can clash although each
/// block alone is fine. Reported at the profile's resources, or at the size it offers.
fn entry_bounds(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let user = &spec.singleuser;
    let base = Resources {
        cpu: user.cpu.clone(),
        memory: user.memory.clone(),
        ..Resources::default()
    };
    let fine = |r: &Resources| bound_problems(r.cpu.as_ref(), r.memory.as_ref()).is_empty();
    if !fine(&base) {
        return;
    }
    for (i, profile) in spec.profiles.iter().enumerate() {
        if !fine(&profile.resources) {
            continue;
        }
        let with_profile = base.merged(&profile.resources);
        // (path under the profile, what the entry is, its resources)
        let mut entries = vec![(
            vec!["resources".to_owned()],
            String::new(),
            with_profile.clone(),
        )];
        for (j, size) in profile.sizes.iter().enumerate() {
            if let Some(size) = spec.size(size).filter(|s| fine(&s.resources())) {
                entries.push((
                    vec!["sizes".to_owned(), j.to_string()],
                    format!(" and size `{}`", size.name),
                    with_profile.merged(&size.resources()),
                ));
            }
        }
        for (field, size, resources) in entries {
            for (_, message, help) in
                bound_problems(resources.cpu.as_ref(), resources.memory.as_ref())
            {
                let mut path = vec!["spec".to_owned(), "profiles".to_owned(), i.to_string()];
                path.extend(field.iter().cloned());
                let at: Vec<&str> = path.iter().map(String::as_str).collect();
                report.at(
                    loc_at(node, &path),
                    format!(
                        "Hub `{name}`, {}: with profile `{}`{size}, {message} (their bounds merge over spec.singleuser's)",
                        field_path(&at),
                        profile.slug
                    ),
                    Some(help.into()),
                );
            }
        }
    }
}

/// Every extra volume has a `name`.
pub(super) fn volume_names(
    hub: &str,
    volumes: &[serde_json::Map<String, serde_json::Value>],
    at: &Loc,
    report: &mut Reporter,
) {
    if volumes
        .iter()
        .any(|v| !v.get("name").is_some_and(|n| n.is_string()))
    {
        report.at(
            *at,
            format!("Hub `{hub}`: a volume has no `name`"),
            Some(
                "write Kubernetes Volume objects, e.g. {name: shm, emptyDir: {medium: Memory}}"
                    .into(),
            ),
        );
    }
}

/// Record the first use of `value`; report a later one with where the first is.
/// An identifier of a hub's list (a profile's slug, a rule's name): a DNS-1123 label, unique in the hub.
pub(super) struct Label<'a> {
    pub hub: &'a str,
    /// `profile slug`, `rule name`.
    pub what: &'a str,
    /// A good value, quoted, for the help.
    pub example: &'a str,
}

impl Label<'_> {
    /// Report `value` when it is not a label, or when `seen` already holds it.
    pub fn check<'v>(
        &self,
        value: &'v str,
        at: Loc,
        seen: &mut BTreeMap<&'v str, Loc>,
        report: &mut Reporter,
    ) {
        let Label { hub, what, example } = self;
        if !is_dns_label(value) {
            report.at(
                at,
                format!("Hub `{hub}`: {what} `{value}` is not a DNS-1123 label"),
                Some(format!(
                    "use lowercase letters, digits and `-`, e.g. {example}"
                )),
            );
        }
        first_use(
            seen,
            value,
            at,
            &format!("Hub `{hub}`: duplicate {what} `{value}`"),
            report,
        );
    }
}

fn first_use<'a>(
    seen: &mut BTreeMap<&'a str, Loc>,
    value: &'a str,
    at: Loc,
    message: &str,
    report: &mut Reporter,
) {
    if let Some(first) = seen.get(value) {
        let first_at = report.location(*first);
        report.at(
            at,
            message,
            Some(format!("make it unique (first used at {first_at})")),
        );
    } else {
        seen.insert(value, at);
    }
}

/// A profile's `options`: keys that do not clash with the `image` / `size` choices or each other, choices with
/// distinct keys, at most one default, and guarantees within limits.
fn options(
    name: &str,
    profile: &crate::model::profile::Profile,
    i: usize,
    node: &Node,
    report: &mut Reporter,
) {
    let index = i.to_string();
    let mut keys: Vec<&str> = Vec::new();
    for (o, option) in profile.options.iter().enumerate() {
        let o_index = o.to_string();
        let at = |field: &[&str]| {
            let mut path = vec![
                "spec",
                "profiles",
                index.as_str(),
                "options",
                o_index.as_str(),
            ];
            path.extend_from_slice(field);
            loc_at(node, &path)
        };
        let reserved = (option.key == "image" && profile.images.len() > 1)
            || (option.key == "size" && !profile.sizes.is_empty());
        if reserved || keys.contains(&option.key.as_str()) || option.key.is_empty() {
            report.at(
                at(&["key"]),
                format!("Hub `{name}`: profile `{}` has option key `{}` twice (or one its images/sizes make)", profile.slug, option.key),
                Some("give each option its own key; `image` and `size` are taken when the profile lists several images or sizes".into()),
            );
        }
        keys.push(&option.key);
        let mut choice_keys: Vec<&str> = Vec::new();
        for (c, choice) in option.choices.iter().enumerate() {
            let c_index = c.to_string();
            if choice_keys.contains(&choice.key.as_str()) {
                report.at(
                    at(&["choices", c_index.as_str(), "key"]),
                    format!(
                        "Hub `{name}`: option `{}` has choice `{}` twice",
                        option.key, choice.key
                    ),
                    Some("each choice needs its own key".into()),
                );
            }
            choice_keys.push(&choice.key);
            for (field, problem, help) in crate::model::hub::bound_problems(
                choice.resources.cpu.as_ref(),
                choice.resources.memory.as_ref(),
            ) {
                report.at(
                    at(&["choices", c_index.as_str(), "resources", field[0], field[1]]),
                    format!(
                        "Hub `{name}`: option `{}` choice `{}`: {problem}",
                        option.key, choice.key
                    ),
                    Some(help.into()),
                );
            }
        }
        if option.choices.iter().filter(|c| c.default).count() > 1 {
            report.at(
                at(&["choices"]),
                format!(
                    "Hub `{name}`: option `{}` has more than one default choice",
                    option.key
                ),
                Some("mark at most one choice `default: true`".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems as problems;

    #[test]
    fn extra_resources_the_typed_ones_set_already_clash() {
        let text = problems(
            "  profiles:\n    - name: GPU\n      slug: gpu\n      resources:\n        gpus: 1\n        memory: {limit: 8Gi}\n        extra:\n          limits: {nvidia.com/gpu: 2, memory: 4G, example.org/fpga: 1}\n          guarantees: {example.org/fpga: 2}\n",
        );
        assert!(
            text.contains("hub.yaml:14:36: error: Hub `lab`: profile `gpu` sets `nvidia.com/gpu` both in resources.gpus and in resources.extra.limits"),
            "{text}"
        );
        assert!(
            text.contains("profile `gpu` sets `memory` both in resources.memory.limit and in resources.extra.limits"),
            "{text}"
        );
        assert!(
            text.contains("profile `gpu`, example.org/fpga: guarantee 2 is more than the limit 1"),
            "{text}"
        );
    }

    #[test]
    fn shm_needs_its_own_volume_and_default_url_a_path() {
        let text = problems(
            "  profiles:\n    - name: GPU\n      slug: gpu\n      shm: 8Gi\n      defaultUrl: lab\n      volumes: [{name: shm, emptyDir: {medium: Memory}}]\n      volumeMounts: [{name: shm, mountPath: /dev/shm}]\n",
        );
        assert!(
            text.contains("hub.yaml:10:12: error: Hub `lab`: profile `gpu` sets shm, but a volume named `shm` or a mount at /dev/shm exists already"),
            "{text}"
        );
        assert!(
            text.contains("profile `gpu` defaultUrl `lab` must be a path"),
            "{text}"
        );
        assert!(
            problems("  profiles:\n    - {name: GPU, slug: gpu, shm: 8Gi, defaultUrl: /lab}\n")
                .is_empty()
        );
        assert!(
            problems("  profiles:\n    - {name: GPU, slug: gpu, shm: 8}\n")
                .contains("memory `8` has no unit")
        );
    }

    #[test]
    fn options_have_their_own_keys_one_default_and_no_typed_override_in_spawner() {
        let text = problems(
            "  sizes: [{name: small, cpu: {limit: \"1\"}}]\n  profiles:\n    - name: CPU\n      slug: cpu\n      sizes: [small]\n      spawner: {image: x, lifecycle_hooks: {}}\n      options:\n        - key: size\n          name: Size again\n          choices: [{key: a, name: A}]\n        - key: ui\n          name: Interface\n          choices:\n            - {key: lab, name: JupyterLab, default: true, defaultUrl: /lab}\n            - {key: lab, name: VS Code, default: true, resources: {memory: {guarantee: 2Gi, limit: 1Gi}}}\n",
        );
        for expected in [
            "Hub `lab`: profile `cpu` sets `image` in spawner, which a typed profile field renders",
            "profile `cpu` has option key `size` twice (or one its images/sizes make)",
            "option `ui` has choice `lab` twice",
            "option `ui` choice `lab`: memory guarantee 2Gi is more than the limit 1Gi",
            "option `ui` has more than one default choice",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        assert!(!text.contains("lifecycle_hooks"), "{text}");
    }
}
