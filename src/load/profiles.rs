//! Checks of a hub's profiles and sizes: unique slugs and size names, at most one default profile, sizes that
//! exist, and volume mounts that name a volume.

use super::node::{Loc, Node};
use super::report::Reporter;
use super::validate::{bounds, field_path, is_env_name, loc_at};
use crate::diagnostic::did_you_mean;
use crate::model::hub::{HubSpec, bound_problems};
use crate::model::is_dns_label;
use crate::model::profile::Resources;
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
        let index = i.to_string();
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
        if !is_dns_label(slug) {
            report.at(
                at(&["slug"]),
                format!("Hub `{name}`: profile slug `{slug}` is not a DNS-1123 label"),
                Some("use lowercase letters, digits and `-`, e.g. `gpu-large`".into()),
            );
        }
        first_use(
            &mut slugs,
            slug,
            at(&["slug"]),
            &format!("Hub `{name}`: duplicate profile slug `{slug}`"),
            report,
        );
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

/// A menu entry's resources are `singleuser`'s with the profile's, then the chosen size's, merged over them bound by
/// bound (as KubeSpawner applies overrides): a guarantee from one and a limit from another can clash although each
/// block alone is fine. Reported at the profile's resources, or at the size it offers.
fn entry_bounds(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let user = &spec.singleuser;
    let base = Resources {
        cpu: user.cpu.clone(),
        memory: user.memory.clone(),
        gpus: None,
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
