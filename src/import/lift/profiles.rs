//! `singleuser.profileList`: a list replaces as a whole, so it is typed only when every entry is.

use super::super::leaves::{Path, Step};
use super::{Builder, Part};
use crate::notebook::security::PodSecurityLevel;
use serde_json::{Map, Value, json};

pub fn lift(values: &Value) -> Vec<Part> {
    let mut b = Builder::new(values, "singleuser.profileList");
    let Some(list) = b
        .peek(&["singleuser", "profileList"])
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut profiles = Vec::new();
    // Settings of the entries that need a weaker Pod Security level than restricted.
    let mut needs: Vec<(String, PodSecurityLevel)> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let Some((profile, untyped)) = profile(entry) else {
            return Vec::new();
        };
        for key in untyped {
            let dropped = key.strip_prefix(DROPPED).map(str::to_owned);
            let path = Path(vec![
                Step::Key("singleuser".into()),
                Step::Key("profileList".into()),
                Step::Index(i),
                Step::Key("kubespawner_override".into()),
                Step::Key(dropped.clone().unwrap_or(key)),
            ]);
            match dropped {
                Some(key) => b.drop_at(path, dropped_why(&key)),
                None => b.untyped(path),
            }
        }
        if entry.get("slug").is_none() {
            b.adds_at(Path(vec![
                Step::Key("singleuser".into()),
                Step::Key("profileList".into()),
                Step::Index(i),
                Step::Key("slug".into()),
            ]));
        }
        for image in images_of(&profile) {
            b.moving_image(&format!("singleuser.profileList[{i}]"), image);
        }
        if let Some(spawner) = profile.get("spawner").and_then(Value::as_object) {
            for (key, level) in crate::load::pod_security::spawner_needs(spawner) {
                needs.push((format!("singleuser.profileList[{i}] `{key}`"), level));
            }
        }
        for (field, level) in [
            ("privileged", PodSecurityLevel::Privileged),
            ("allowPrivilegeEscalation", PodSecurityLevel::Baseline),
        ] {
            if profile.get(field) == Some(&json!(true)) {
                needs.push((format!("singleuser.profileList[{i}] `{field}`"), level));
            }
        }
        profiles.push(profile);
    }
    if let Some(level) = needs.iter().map(|(_, level)| *level).max() {
        // What the release runs today, said explicitly: the hub's user pods get this level.
        b.field(&["podSecurity"], json!(level.as_str()));
        let settings: Vec<&str> = needs.iter().map(|(what, _)| what.as_str()).collect();
        b.review(format!(
            "podSecurity: {} — the profiles run pods that need it ({}); remove those settings to go back to restricted",
            level.as_str(),
            settings.join(", ")
        ));
    }
    b.take(&["singleuser", "profileList"]);
    b.field(&["profiles"], Value::Array(profiles));
    b.finish().into_iter().collect()
}

/// The images a typed profile names: its own, its sidecars', and its option choices'.
fn images_of(profile: &Value) -> Vec<&str> {
    let sidecars = profile["extraContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| &c["image"]);
    let own = profile["images"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(sidecars);
    let choices = profile["options"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["choices"].as_array().into_iter().flatten())
        .map(|c| &c["image"]);
    own.chain(choices).filter_map(Value::as_str).collect()
}

/// The typed profile for one entry, when every key of it has a typed field (override keys without one go to
/// `spawner`, and are named in the second value).
fn profile(entry: &Value) -> Option<(Value, Vec<String>)> {
    let entry = entry.as_object()?;
    let name = entry.get("display_name")?.as_str()?;
    let mut profile = Map::new();
    profile.insert("name".into(), json!(name));
    let mut untyped = Vec::new();
    let slug = match entry.get("slug") {
        Some(slug) => slug.as_str()?.to_owned(),
        None => slugify(name),
    };
    profile.insert("slug".into(), json!(slug));
    for (key, value) in entry {
        match key.as_str() {
            "display_name" | "slug" => {}
            "description" => {
                profile.insert("description".into(), value.clone());
            }
            "default" => {
                profile.insert("default".into(), value.clone());
            }
            "kubespawner_override" => overrides(value.as_object()?, &mut profile, &mut untyped)?,
            "profile_options" => {
                profile.insert("options".into(), options(value.as_object()?)?);
            }
            _ => return None,
        }
    }
    Some((Value::Object(profile), untyped))
}

fn overrides(
    overrides: &Map<String, Value>,
    profile: &mut Map<String, Value>,
    untyped: &mut Vec<String>,
) -> Option<()> {
    let mut resources = Map::new();
    for (key, value) in overrides {
        match key.as_str() {
            "image" => {
                profile.insert("images".into(), json!([value.as_str()?]));
            }
            "cpu_guarantee" | "cpu_limit" | "mem_guarantee" | "mem_limit" => {
                let (resource, bound, text) = bound(key, value)?;
                let entry = resources.entry(resource).or_insert_with(|| json!({}));
                entry[bound] = json!(text);
            }
            "extra_resource_limits" => {
                let limits = value.as_object()?;
                for (name, amount) in limits {
                    let guaranteed = overrides
                        .get("extra_resource_guarantees")
                        .is_some_and(|g| g.get(name).is_some());
                    if name == "nvidia.com/gpu" && !guaranteed {
                        let count: u32 = match amount {
                            Value::String(s) => s.parse().ok()?,
                            Value::Number(n) => u32::try_from(n.as_u64()?).ok()?,
                            _ => return None,
                        };
                        resources.insert("gpus".into(), json!(count));
                    } else {
                        resources
                            .entry("extra")
                            .or_insert_with(|| json!({"limits": {}}))["limits"][name] =
                            amount.clone();
                    }
                }
            }
            "extra_resource_guarantees" => {
                let extra = resources.entry("extra").or_insert_with(|| json!({}));
                extra["guarantees"] = value.clone();
            }
            "node_selector" => {
                profile.insert("nodeSelector".into(), value.clone());
            }
            "tolerations" => {
                profile.insert("tolerations".into(), value.clone());
            }
            "extra_annotations" => {
                profile.insert("annotations".into(), value.clone());
            }
            "extra_labels" => {
                profile.insert("labels".into(), value.clone());
            }
            "default_url" => {
                profile.insert("defaultUrl".into(), value.clone());
            }
            "supplemental_gids" => {
                profile.insert("supplementalGroups".into(), value.clone());
            }
            "extra_pod_config" if runtime_class_only(value).is_some() => {
                profile.insert("runtimeClassName".into(), json!(runtime_class_only(value)));
            }
            "environment" => {
                let env = value.as_object()?;
                if !env.values().all(Value::is_string) {
                    return None;
                }
                profile.insert("env".into(), value.clone());
            }
            // A sidecar without a tag stays in `spawner` (the typed field would refuse it); `latest` is typed
            // with the hub's opt-in.
            "extra_containers" if pinned_images(value) => {
                profile.insert("extraContainers".into(), value.clone());
            }
            "pod_security_context" | "container_security_context"
                if restricted_already(key, value) =>
            {
                untyped.push(format!("{DROPPED}{key}"));
            }
            "privileged" | "allow_privilege_escalation" if value.is_boolean() => {
                let field = if key == "privileged" {
                    "privileged"
                } else {
                    "allowPrivilegeEscalation"
                };
                profile.insert(field.into(), value.clone());
            }
            key if NOT_TRAITS.contains(&key) => untyped.push(format!("{DROPPED}{key}")),
            _ => {
                let spawner = profile.entry("spawner").or_insert_with(|| json!({}));
                spawner[key] = value.clone();
                untyped.push(key.clone());
            }
        }
    }
    if !resources.is_empty() {
        profile.insert("resources".into(), Value::Object(resources));
    }
    Some(())
}

/// Whether every container of a list names an image with a tag or digest (`latest` too: typed with the opt-in).
fn pinned_images(containers: &Value) -> bool {
    containers.as_array().is_some_and(|list| {
        list.iter().all(|c| {
            c.get("image")
                .and_then(Value::as_str)
                .is_some_and(|i| crate::model::image::PinnedImage::parse_with(i, true).is_ok())
        })
    })
}

/// `profile_options` as typed options, when every choice's override has typed fields.
fn options(options: &Map<String, Value>) -> Option<Value> {
    let mut typed = Vec::new();
    for (key, option) in options {
        let option = option.as_object()?;
        let mut choices = Vec::new();
        for (choice_key, choice) in option.get("choices")?.as_object()? {
            let choice = choice.as_object()?;
            let mut typed_choice =
                json!({"key": choice_key, "name": choice.get("display_name")?.as_str()?});
            for (field, value) in choice {
                match field.as_str() {
                    "display_name" => {}
                    "default" => typed_choice["default"] = json!(value.as_bool()?),
                    "kubespawner_override" => {
                        choice_override(value.as_object()?, &mut typed_choice)?
                    }
                    _ => return None,
                }
            }
            choices.push(typed_choice);
        }
        if option.keys().any(|k| k != "display_name" && k != "choices") {
            return None;
        }
        typed.push(
            json!({"key": key, "name": option.get("display_name")?.as_str()?, "choices": choices}),
        );
    }
    Some(Value::Array(typed))
}

/// A KubeSpawner bound (`cpu_limit: 2`, `mem_guarantee: 4G`) as the typed resource, bound and quantity text.
fn bound<'k>(key: &'k str, value: &Value) -> Option<(&'static str, &'k str, String)> {
    let (resource, bound) = key.split_once('_')?;
    let resource = if resource == "mem" { "memory" } else { "cpu" };
    Some((resource, bound, super::quantity_text(value)?))
}

/// A choice's `kubespawner_override`: image, resources (extended resources kept by name) and default URL.
fn choice_override(overrides: &Map<String, Value>, choice: &mut Value) -> Option<()> {
    for (key, value) in overrides {
        match key.as_str() {
            "image" => choice["image"] = json!(value.as_str()?),
            "default_url" => choice["defaultUrl"] = json!(value.as_str()?),
            "cpu_guarantee" | "cpu_limit" | "mem_guarantee" | "mem_limit" => {
                let (resource, bound, text) = bound(key, value)?;
                choice["resources"][resource][bound] = json!(text);
            }
            "extra_resource_limits" => choice["resources"]["extra"]["limits"] = value.clone(),
            "extra_resource_guarantees" => {
                choice["resources"]["extra"]["guarantees"] = value.clone()
            }
            _ => return None,
        }
    }
    Some(())
}

/// The RuntimeClass of an `extra_pod_config` that sets nothing else.
fn runtime_class_only(value: &Value) -> Option<&str> {
    match value.as_object()?.iter().collect::<Vec<_>>().as_slice() {
        [(key, class)] if *key == "runtimeClassName" => class.as_str(),
        _ => None,
    }
}

/// Marks an override key that is left out on purpose (in the list of keys a profile does not type).
const DROPPED: &str = "dropped:";

/// `kubespawner_override` keys that are no KubeSpawner setting: KubeSpawner 7 (the one chart 4 ships,
/// kubespawner/spawner.py) has no trait of these names, and its `_apply_overrides` sets an unknown key as a plain
/// attribute that nothing reads, so they configure nothing. The RuntimeClass is `extra_pod_config.runtimeClassName`
/// (a profile's `runtimeClassName`), a memory-backed `/dev/shm` a volume (a profile's `shm`).
const NOT_TRAITS: [&str; 2] = ["runtime_class", "shm_size"];

/// Why an override key is left out on purpose.
fn dropped_why(key: &str) -> &'static str {
    if NOT_TRAITS.contains(&key) {
        "configures nothing: no KubeSpawner setting has this name (KubeSpawner sets an unknown override as an attribute nothing reads); the RuntimeClass is a profile's runtimeClassName, /dev/shm its shm"
    } else {
        "a security context no looser than the restricted one jupyflux sets for every server"
    }
}

/// Whether a profile's security context only repeats what jupyflux sets for every user server.
fn restricted_already(key: &str, value: &Value) -> bool {
    let restricted = if key == "pod_security_context" {
        json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})
    } else {
        json!({
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true,
            "seccompProfile": {"type": "RuntimeDefault"},
        })
    };
    let have = super::super::leaves::leaves(value);
    !have.is_empty()
        && have
            .iter()
            .all(|(path, leaf)| super::super::leaves::get(&restricted, path) == Some(leaf))
}

/// A slug as KubeSpawner makes one from a display name when the entry has none: lowercase, runs of anything
/// but letters and digits as one `-`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(63).collect()
}
