//! The chart's `singleuser` section: every user's image, command, resources, storage, default URL, environment,
//! scheduling and pod metadata; the spawn-page menu comes from `profiles`.

use super::profiles;
use super::shared::{cpu_bounds, extra_env, memory_bounds, put};
use crate::model::hub::{HubSpec, Singleuser, StorageKind};
use crate::model::usage::Target;
use crate::model::{Definition, Environment};
use crate::notebook::security::PodSecurityLevel;
use k8s_openapi::api::core::v1::Container;
use serde_json::{Value, json};

/// `singleuser`: what the definition decides.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let user: &Singleuser = &hub.spec.singleuser;
    let mut values = json!({});
    if let Some(image) = &user.image {
        // Left out, the chart's own sample image applies, pinned by the chart version.
        values["image"] = json!({"name": image.name, "tag": image.tag});
    }
    put(&mut values, "cmd", &user.cmd);
    put(&mut values, "startTimeout", &user.start_timeout);
    put(&mut values, "podNameTemplate", &user.pod_name_template);
    put(&mut values, "uid", &user.uid);
    put(&mut values, "fsGid", &user.fs_gid);
    if let Some(cpu) = &user.cpu {
        values["cpu"] = Value::Object(cpu_bounds(cpu));
    }
    if let Some(memory) = &user.memory {
        values["memory"] = Value::Object(memory_bounds(memory));
    }
    values["storage"] = storage(env, user);
    values["defaultUrl"] = json!(user.default_url);
    put(
        &mut values,
        "extraEnv",
        &extra_env(hub, &user.env, |name| {
            Target::SingleuserEnv(name.to_owned())
        }),
    );
    put(&mut values, "nodeSelector", &user.node_selector);
    put(&mut values, "extraTolerations", &user.tolerations);
    let affinity = &user.extra_node_affinity;
    let mut node_affinity = json!({});
    put(&mut node_affinity, "required", &affinity.required);
    put(&mut node_affinity, "preferred", &affinity.preferred);
    put(&mut values, "extraNodeAffinity", &node_affinity);
    put(&mut values, "extraLabels", &user.extra_labels);
    put(&mut values, "extraAnnotations", &user.extra_annotations);
    put(&mut values, "lifecycleHooks", &user.lifecycle_hooks);
    let mut pod_config = json!({});
    put(&mut pod_config, "enableServiceLinks", &user.service_links);
    put(&mut pod_config, "affinity", &user.affinity);
    put(&mut values, "extraPodConfig", &pod_config);
    put(&mut values, "extraFiles", &user.extra_files);
    put(
        &mut values,
        "extraContainers",
        &sidecars(&user.extra_containers, hub.spec.pod_security),
    );
    if let Some(list) = profiles::profile_list(hub) {
        values["profileList"] = list;
    }
    // The chart's iptables init container is privileged; the network policy blocks the metadata server instead.
    values["cloudMetadata"] = json!({"blockWithIptables": false});
    values
}

/// `hub.config.KubeSpawner`'s security contexts of user pods: the restricted Pod Security profile, or for a
/// server run as root (`uid: 0`, which load allows only with `podSecurity: baseline` or weaker) what baseline
/// admits: no `runAsNonRoot`, and the runtime's default capabilities (a root start script chowns the home and
/// switches user), still without privilege escalation and with the runtime's seccomp profile.
pub fn security_contexts(user: &Singleuser) -> Value {
    let seccomp = json!({"type": "RuntimeDefault"});
    if user.uid == Some(0) {
        return json!({
            "pod_security_context": {"seccompProfile": seccomp},
            "container_security_context": {"allowPrivilegeEscalation": false, "seccompProfile": seccomp},
        });
    }
    json!({
        "pod_security_context": {"runAsNonRoot": true, "seccompProfile": seccomp},
        "container_security_context": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true,
            "seccompProfile": seccomp,
        },
    })
}

/// Sidecar containers as KubeSpawner takes them. Under the restricted profile each gets what that profile
/// requires of a container and it leaves out (KubeSpawner gives sidecars no security context of their own; the
/// pod's `runAsNonRoot` and seccomp profile apply to them).
pub fn sidecars(containers: &[Container], level: PodSecurityLevel) -> Vec<Value> {
    containers
        .iter()
        .map(|container| {
            let mut value = json!(container);
            if level == PodSecurityLevel::Restricted {
                let context = &mut value["securityContext"];
                if context.get("allowPrivilegeEscalation").is_none() {
                    context["allowPrivilegeEscalation"] = json!(false);
                }
                if context.pointer("/capabilities/drop").is_none() {
                    context["capabilities"]["drop"] = json!(["ALL"]);
                }
            }
            value
        })
        .collect()
}

/// `singleuser.storage`: the home volume (dynamic, static or none), where it is mounted, and extra volumes.
fn storage(env: &Environment, user: &Singleuser) -> Value {
    let storage = &user.storage;
    let mut values = json!({"type": storage.kind.as_str()});
    match storage.kind {
        StorageKind::Dynamic => {
            let capacity = storage.capacity.as_ref().map_or("10Gi", |c| c.as_str());
            values["capacity"] = json!(capacity);
            let mut dynamic = json!({});
            let class = storage.storage_class.as_ref();
            put(
                &mut dynamic,
                "storageClass",
                &class.or(env.definition.spec.storage_class.as_ref()),
            );
            put(&mut dynamic, "storageAccessModes", &storage.access_modes);
            put(&mut dynamic, "pvcNameTemplate", &storage.pvc_name_template);
            put(
                &mut dynamic,
                "volumeNameTemplate",
                &storage.volume_name_template,
            );
            put(&mut values, "dynamic", &dynamic);
        }
        StorageKind::Static => {
            values["static"] = json!({
                "pvcName": storage.pvc_name,
                "subPath": storage.sub_path.as_deref().unwrap_or(STATIC_SUB_PATH),
            });
        }
        StorageKind::None => {}
    }
    put(&mut values, "homeMountPath", &storage.home_mount_path);
    put(&mut values, "extraVolumes", &storage.extra_volumes);
    put(
        &mut values,
        "extraVolumeMounts",
        &storage.extra_volume_mounts,
    );
    values
}

/// Each user's directory on a static claim unless the definition says otherwise (the chart's default).
pub const STATIC_SUB_PATH: &str = "{username}";

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn user_pod_settings_render_as_the_chart_takes_them() {
        let values = test_values(concat!(
            "  singleuser:\n",
            "    image: quay.io/jupyter/base-notebook:2025-03-17\n",
            "    cmd: [jupyterhub-singleuser, --debug]\n",
            "    startTimeout: 600\n",
            "    uid: 1000\n",
            "    fsGid: 100\n",
            "    nodeSelector: {role/compute: \"true\"}\n",
            "    tolerations: [{key: pool, operator: Equal, value: users, effect: NoSchedule}]\n",
            "    extraNodeAffinity:\n",
            "      required: [{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]\n",
            "      preferred: [{weight: 10, preference: {matchExpressions: [{key: pool, operator: In, values: [fast]}]}}]\n",
            "    extraLabels: {team: physics}\n",
            "    extraAnnotations: {owner: \"{username}\"}\n",
            "    lifecycleHooks: {postStart: {exec: {command: [sh, -c, echo hi]}}}\n",
            "    env: {DATA_TOKEN: {vault: \"lab/data#token\"}}\n",
            "    storage:\n",
            "      accessModes: [ReadWriteMany]\n",
            "      homeMountPath: /home/{username}\n",
        ));
        let user = &values["singleuser"];
        for (key, value) in [
            (
                "image",
                json!({"name": "quay.io/jupyter/base-notebook", "tag": "2025-03-17"}),
            ),
            ("cmd", json!(["jupyterhub-singleuser", "--debug"])),
            ("startTimeout", json!(600)),
            ("uid", json!(1000)),
            ("fsGid", json!(100)),
            ("nodeSelector", json!({"role/compute": "true"})),
            (
                "extraTolerations",
                json!([{"key": "pool", "operator": "Equal", "value": "users", "effect": "NoSchedule"}]),
            ),
            (
                "extraNodeAffinity",
                json!({
                    "required": [{"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}],
                    "preferred": [{"weight": 10, "preference": {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["fast"]}]}}],
                }),
            ),
            ("extraLabels", json!({"team": "physics"})),
            ("extraAnnotations", json!({"owner": "{username}"})),
            (
                "lifecycleHooks",
                json!({"postStart": {"exec": {"command": ["sh", "-c", "echo hi"]}}}),
            ),
            (
                "extraEnv",
                json!({"DATA_TOKEN": {"valueFrom": {"secretKeyRef": {"name": "lab-singleuser-env", "key": "env-DATA_TOKEN"}}}}),
            ),
        ] {
            assert_eq!(user[key], value, "{key}");
        }
        assert_eq!(
            user["storage"],
            json!({
                "type": "dynamic",
                "capacity": "10Gi",
                "dynamic": {"storageAccessModes": ["ReadWriteMany"]},
                "homeMountPath": "/home/{username}",
            })
        );
    }

    #[test]
    fn pod_config_the_chart_merges_into_the_pod() {
        let values = test_values(concat!(
            "  singleuser:\n",
            "    serviceLinks: false\n",
            "    affinity:\n",
            "      nodeAffinity:\n",
            "        requiredDuringSchedulingIgnoredDuringExecution:\n",
            "          nodeSelectorTerms: [{matchExpressions: [{key: role, operator: In, values: [\"true\"]}]}]\n",
        ));
        assert_eq!(
            values["singleuser"]["extraPodConfig"],
            json!({
                "enableServiceLinks": false,
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": "role", "operator": "In", "values": ["true"]}]}],
                }}},
            })
        );
        let plain = test_values("  singleuser: {}\n");
        assert!(plain["singleuser"].get("extraPodConfig").is_none());
        assert!(plain["singleuser"].get("extraFiles").is_none());
        let files = test_values(
            "  singleuser:\n    extraFiles:\n      setup: {mountPath: /opt/sitecustomize.py, stringData: \"import os\\n\", mode: 420}\n",
        );
        assert_eq!(
            files["singleuser"]["extraFiles"],
            json!({"setup": {"mountPath": "/opt/sitecustomize.py", "stringData": "import os\n", "mode": 420}})
        );
    }

    #[test]
    fn sidecars_meet_the_hubs_pod_security_profile() {
        let sidecar = "    extraContainers: [{name: monitor, image: \"example.org/monitor:1.2\", securityContext: {runAsUser: 1000}}]\n";
        let values = test_values(&format!("  singleuser:\n{sidecar}"));
        assert_eq!(
            values["singleuser"]["extraContainers"],
            json!([{"name": "monitor", "image": "example.org/monitor:1.2", "securityContext": {
                "runAsUser": 1000, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
            }}])
        );
        let baseline = test_values(&format!(
            "  podSecurity: baseline\n  singleuser:\n{sidecar}"
        ));
        assert_eq!(
            baseline["singleuser"]["extraContainers"][0]["securityContext"],
            json!({"runAsUser": 1000})
        );
    }

    #[test]
    fn root_servers_keep_what_baseline_admits() {
        let values = test_values(
            "  podSecurity: baseline\n  singleuser: {uid: 0, podNameTemplate: \"af-{userid}\"}\n",
        );
        assert_eq!(
            values["singleuser"]["podNameTemplate"],
            json!("af-{userid}")
        );
        let spawner = &values["hub"]["config"]["KubeSpawner"];
        assert_eq!(
            spawner["pod_security_context"],
            json!({"seccompProfile": {"type": "RuntimeDefault"}})
        );
        assert_eq!(
            spawner["container_security_context"],
            json!({"allowPrivilegeEscalation": false, "seccompProfile": {"type": "RuntimeDefault"}})
        );
        let restricted = test_values("  singleuser: {uid: 1000}\n");
        let spawner = &restricted["hub"]["config"]["KubeSpawner"];
        assert_eq!(spawner["pod_security_context"]["runAsNonRoot"], json!(true));
        assert_eq!(
            spawner["container_security_context"]["capabilities"],
            json!({"drop": ["ALL"]})
        );
    }

    #[test]
    fn without_an_image_the_chart_default_applies() {
        let values = test_values("  singleuser: {cmd: start-singleuser.sh}\n");
        let user = values["singleuser"].as_object().unwrap();
        assert!(!user.contains_key("image"), "{user:?}");
        assert_eq!(user["cmd"], json!("start-singleuser.sh"));
        for unset in [
            "startTimeout",
            "uid",
            "nodeSelector",
            "extraTolerations",
            "extraNodeAffinity",
            "extraLabels",
        ] {
            assert!(!user.contains_key(unset), "{unset}: {user:?}");
        }
    }
}
