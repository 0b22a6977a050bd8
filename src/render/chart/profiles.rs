//! A hub's profiles compiled into the chart's `singleuser.profileList`: one entry per profile, sizes and several
//! images as `profile_options` (which entries each user sees, and the rules, are in `spawn_config`).

use super::profile_lists::override_lists;
use super::shared::{cpu_bounds, extra_env, memory_bounds, put};
use crate::model::Definition;
use crate::model::hub::HubSpec;
use crate::model::profile::{GPU_RESOURCE, Profile, Resources};
use crate::model::usage::Target;
use serde_json::{Map, Value, json};

/// `singleuser.profileList`, when the hub has profiles.
pub fn profile_list(hub: &Definition<HubSpec>) -> Option<Value> {
    let spec = &hub.spec;
    if spec.profiles.is_empty() {
        return None;
    }
    let list = spec
        .profiles
        .iter()
        .map(|profile| entry(hub, profile))
        .collect();
    Some(Value::Array(list))
}

fn entry(hub: &Definition<HubSpec>, profile: &Profile) -> Value {
    let mut entry = json!({"display_name": profile.name, "slug": profile.slug});
    if let Some(description) = &profile.description {
        entry["description"] = json!(description);
    }
    if profile.default {
        entry["default"] = json!(true);
    }
    let mut overrides = Value::Object(resource_overrides(&profile.resources));
    if let [image] = profile.images.as_slice() {
        overrides["image"] = json!(image.to_string());
    }
    // KubeSpawner merges dictionaries of an override into the configured ones: singleuser.env, nodeSelector,
    // extraLabels and extraAnnotations stay.
    let env = extra_env(hub, &profile.env, |name| {
        Target::ProfileEnv(profile.slug.clone(), name.to_owned())
    });
    put(&mut overrides, "environment", &env);
    put(&mut overrides, "node_selector", &profile.node_selector);
    put(&mut overrides, "extra_labels", &profile.labels);
    put(&mut overrides, "extra_annotations", &profile.annotations);
    put(&mut overrides, "default_url", &profile.default_url);
    put(
        &mut overrides,
        "supplemental_gids",
        &profile.supplemental_groups,
    );
    if let Some(class) = &profile.runtime_class_name {
        overrides["extra_pod_config"] = json!({"runtimeClassName": class});
    }
    container_privileges(profile, &mut overrides);
    override_lists(&hub.spec, profile, &mut overrides);
    // The escape hatch last, as `values` is merged last into the chart values.
    crate::render::overrides::merge(&mut overrides, &Value::Object(profile.spawner.clone()));
    if overrides.as_object().is_some_and(|o| !o.is_empty()) {
        entry["kubespawner_override"] = overrides;
    }
    let options = profile_options(&hub.spec, profile);
    if !options.is_empty() {
        entry["profile_options"] = Value::Object(options);
    }
    entry
}

/// `privileged` and `allow_privilege_escalation` as written; a loosening one also in the container's security
/// context, which KubeSpawner merges over `KubeSpawner.container_security_context` (jupyflux sets it for every
/// server, without privilege escalation) and which wins over both settings.
fn container_privileges(profile: &Profile, overrides: &mut Value) {
    put(overrides, "privileged", &profile.privileged);
    put(
        overrides,
        "allow_privilege_escalation",
        &profile.allow_privilege_escalation,
    );
    if profile.loosens_container() {
        let mut context = json!({"allowPrivilegeEscalation": true});
        if profile.privileged == Some(true) {
            context["privileged"] = json!(true);
        }
        overrides["container_security_context"] = context;
    }
}

/// The `size` choice (from `spec.sizes`) and the `image` choice (several images) of a profile.
fn profile_options(spec: &HubSpec, profile: &Profile) -> Map<String, Value> {
    let mut options = Map::new();
    if profile.images.len() > 1 {
        let choices: Map<String, Value> = profile
            .images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let mut choice = json!({"display_name": image.to_string()});
                if i == 0 {
                    choice["default"] = json!(true);
                }
                choice["kubespawner_override"] = json!({"image": image.to_string()});
                (
                    crate::model::selection::choice_key(&image.to_string()),
                    choice,
                )
            })
            .collect();
        options.insert(
            "image".into(),
            json!({"display_name": "Image", "choices": choices}),
        );
    }
    let sizes: Map<String, Value> = profile
        .sizes
        .iter()
        .filter_map(|name| spec.size(name))
        .enumerate()
        .map(|(i, size)| {
            let mut choice = json!({"display_name": size.label()});
            if i == 0 {
                choice["default"] = json!(true);
            }
            choice["kubespawner_override"] = Value::Object(resource_overrides(&size.resources()));
            (size.name.clone(), choice)
        })
        .collect();
    if !sizes.is_empty() {
        options.insert(
            "size".into(),
            json!({"display_name": "Size", "choices": sizes}),
        );
    }
    for option in &profile.options {
        let choices: Map<String, Value> = option
            .choices
            .iter()
            .map(|choice| {
                let mut rendered = json!({"display_name": choice.name});
                if choice.default {
                    rendered["default"] = json!(true);
                }
                let mut overrides = Value::Object(resource_overrides(&choice.resources));
                if let Some(image) = &choice.image {
                    overrides["image"] = json!(image.to_string());
                }
                put(&mut overrides, "default_url", &choice.default_url);
                if overrides.as_object().is_some_and(|o| !o.is_empty()) {
                    rendered["kubespawner_override"] = overrides;
                }
                (choice.key.clone(), rendered)
            })
            .collect();
        options.insert(
            option.key.clone(),
            json!({"display_name": option.name, "choices": choices}),
        );
    }
    options
}

/// KubeSpawner settings for resources: `cpu_*` as numbers, `mem_*` as KubeSpawner sizes, GPUs as an extended
/// resource limit.
pub fn resource_overrides(resources: &Resources) -> Map<String, Value> {
    let mut overrides = Map::new();
    if let Some(cpu) = &resources.cpu {
        for (bound, value) in cpu_bounds(cpu) {
            overrides.insert(format!("cpu_{bound}"), value);
        }
    }
    if let Some(memory) = &resources.memory {
        for (bound, value) in memory_bounds(memory) {
            overrides.insert(format!("mem_{bound}"), value);
        }
    }
    let mut limits = Map::new();
    if let Some(gpus) = resources.gpus {
        limits.insert(GPU_RESOURCE.into(), json!(gpus.to_string()));
    }
    let extra = &resources.extra;
    limits.extend(
        extra
            .limits
            .iter()
            .map(|(name, q)| (name.clone(), json!(q))),
    );
    let guarantees: Map<String, Value> = extra
        .guarantees
        .iter()
        .map(|(name, q)| (name.clone(), json!(q)))
        .collect();
    for (key, resources) in [
        ("extra_resource_limits", limits),
        ("extra_resource_guarantees", guarantees),
    ] {
        if !resources.is_empty() {
            overrides.insert(key.into(), Value::Object(resources));
        }
    }
    overrides
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn profile_pod_settings_and_extra_resources() {
        let values = test_values(concat!(
            "  profiles:\n",
            "    - name: VDI\n",
            "      slug: vdi\n",
            "      nodeSelector: {node.kubernetes.io/gpu: \"true\"}\n",
            "      labels: {kind: vdi}\n",
            "      annotations: {io.cilium.ipam.ip-pool: jupyter-vdi-pool}\n",
            "      defaultUrl: /desktop\n",
            "      resources:\n",
            "        gpus: 1\n",
            "        extra:\n",
            "          limits: {nvidia.com/mig-1g.5gb: 0, example.org/fpga: \"2\"}\n",
            "          guarantees: {example.org/fpga: \"1\"}\n",
        ));
        assert_eq!(
            values["singleuser"]["profileList"][0]["kubespawner_override"],
            json!({
                "extra_resource_limits": {"nvidia.com/gpu": "1", "example.org/fpga": "2", "nvidia.com/mig-1g.5gb": 0},
                "extra_resource_guarantees": {"example.org/fpga": "1"},
                "node_selector": {"node.kubernetes.io/gpu": "true"},
                "extra_labels": {"kind": "vdi"},
                "extra_annotations": {"io.cilium.ipam.ip-pool": "jupyter-vdi-pool"},
                "default_url": "/desktop",
            })
        );
    }

    #[test]
    fn a_privileged_profile_says_so_in_its_container_security_context_too() {
        let values = test_values(concat!(
            "  podSecurity: privileged\n",
            "  profiles:\n",
            "    - {name: GPU, slug: gpu, privileged: true}\n",
            "    - {name: Sudo, slug: sudo, allowPrivilegeEscalation: true}\n",
            "    - {name: Plain, slug: plain, allowPrivilegeEscalation: false}\n",
        ));
        let list = &values["singleuser"]["profileList"];
        assert_eq!(
            list[0]["kubespawner_override"],
            json!({"privileged": true, "container_security_context": {"allowPrivilegeEscalation": true, "privileged": true}})
        );
        assert_eq!(
            list[1]["kubespawner_override"],
            json!({"allow_privilege_escalation": true, "container_security_context": {"allowPrivilegeEscalation": true}})
        );
        assert_eq!(
            list[2]["kubespawner_override"],
            json!({"allow_privilege_escalation": false})
        );
    }

    #[test]
    fn a_profiles_sidecars_replace_the_hubs() {
        let values = test_values(concat!(
            "  profiles:\n",
            "    - name: Monitored\n",
            "      slug: monitored\n",
            "      extraContainers: [{name: mon, image: \"example.org/mon:1.0\"}]\n",
        ));
        assert_eq!(
            values["singleuser"]["profileList"][0]["kubespawner_override"]["extra_containers"],
            json!([{"name": "mon", "image": "example.org/mon:1.0", "securityContext": {
                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
            }}])
        );
    }
}
