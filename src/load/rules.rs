//! Checks of a hub's rules: names that are unique labels, real environment variable names and ConfigMap
//! references, guarantees within limits, and rules that can apply at all (they change something, and an image
//! they match is one some entry starts).

use super::node::{Loc, Node};
use super::profiles::Label;
use super::report::Reporter;
use super::validate::{bounds, is_env_name, loc_at};
use crate::model::hub::HubSpec;
use crate::model::image::Image;
use crate::model::is_dns_subdomain;
use crate::model::rule::EnvValue;
use std::collections::BTreeMap;

/// Validate `spec.rules` of hub `name`.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let started = startable_images(spec);
    let mut names: BTreeMap<&str, Loc> = BTreeMap::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &[&str]| {
            let mut path = vec!["spec", "rules", index.as_str()];
            path.extend_from_slice(field);
            loc_at(node, &path)
        };
        let rule_name = rule.name.as_str();
        let label = Label {
            hub: name,
            what: "rule name",
            example: "`globals`, `gpu-users`",
        };
        label.check(rule_name, at(&["name"]), &mut names, report);
        if rule.is_empty() {
            report.at(
                at(&[]),
                format!("Hub `{name}`: rule `{rule_name}` changes nothing"),
                Some(
                    "give it `env`, `resources`, `tolerations` or `nodeAffinity`, or remove it"
                        .into(),
                ),
            );
        }
        for (field, list) in [("users", &rule.users), ("groups", &rule.groups)] {
            if list.iter().any(|n| n.trim().is_empty()) {
                report.at(
                    at(&[field]),
                    format!("Hub `{name}`: empty name in rule `{rule_name}` {field}"),
                    Some("write a user or group name as the authenticator reports it".into()),
                );
            }
        }
        for (j, image) in rule.images.iter().enumerate() {
            if !started.contains(image) {
                let known: Vec<String> = started.iter().map(ToString::to_string).collect();
                report.at(
                    at(&["images", &j.to_string()]),
                    format!(
                        "Hub `{name}`: rule `{rule_name}` matches image `{image}`, which neither a profile nor the single-user image starts, so it never applies"
                    ),
                    Some(format!("match one of the images servers start: {}", known.join(", "))),
                );
            }
        }
        for (var, value) in &rule.env {
            if !is_env_name(var) {
                report.at(
                    at(&["env", var]),
                    format!("Hub `{name}`: `{var}` is not an environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".into()),
                );
            }
            if let EnvValue::ConfigMap(c) = value {
                if !is_dns_subdomain(&c.config_map) {
                    report.at(
                        at(&["env", var, "configMap"]),
                        format!("Hub `{name}`: `{}` is not a ConfigMap name", c.config_map),
                        Some("use lowercase letters, digits, `-` and `.`".into()),
                    );
                }
                if c.key.trim().is_empty() {
                    report.at(
                        at(&["env", var, "key"]),
                        format!(
                            "Hub `{name}`: rule `{rule_name}` reads an empty key of ConfigMap `{}`",
                            c.config_map
                        ),
                        Some("name the key, e.g. `{configMap: settings, key: endpoint}`".into()),
                    );
                }
            }
        }
        let path = ["spec", "rules", index.as_str(), "resources"];
        let resources = &rule.resources;
        bounds(
            name,
            node,
            &path,
            resources.cpu.as_ref(),
            resources.memory.as_ref(),
            report,
        );
    }
}

/// Every image a server of this hub can start: the single-user image (or the chart's), and each profile's and
/// choice's.
fn startable_images(spec: &HubSpec) -> Vec<Image> {
    let mut images = vec![spec.user_image()];
    for profile in &spec.profiles {
        images.extend(profile.images.iter().cloned());
        for option in &profile.options {
            images.extend(option.choices.iter().filter_map(|c| c.image.clone()));
        }
    }
    images
}
