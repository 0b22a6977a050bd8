//! What Pod Security level a container's or pod's settings need, for the places a definition may loosen them:
//! sidecars (`extraContainers`) and a profile's `spawner` overrides. A hub's pods must fit its `podSecurity`
//! (restricted unless the definition asks otherwise), also in a namespace jupyflux does not label.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::profile::Profile;
use crate::notebook::security::PodSecurityLevel;
use k8s_openapi::api::core::v1::SecurityContext;
use serde_json::{Map, Value};

/// Report each of profile `index`'s `spawner` overrides of hub `hub` that needs more than the hub's `level`.
pub(super) fn check_spawner(
    hub: &str,
    profile: &Profile,
    index: &str,
    level: PodSecurityLevel,
    node: &Node,
    report: &mut Reporter,
) {
    for (key, needs) in spawner_needs(&profile.spawner) {
        if level < needs {
            let first = key.split('.').next().unwrap_or(&key).to_owned();
            report.at(
                loc_at(node, &["spec", "profiles", index, "spawner", &first]),
                format!(
                    "Hub `{hub}`: profile `{}` sets `{key}` in spawner, which needs the {} Pod Security profile; the hub's is {}",
                    profile.slug,
                    needs.as_str(),
                    level.as_str()
                ),
                Some(format!(
                    "remove it, or set `podSecurity: {}` on the hub (its user pods then run with less isolation)",
                    needs.as_str()
                )),
            );
        }
    }
}

/// Report profile `index`'s typed `privileged` / `allowPrivilegeEscalation` of hub `hub` when the hub's `level` is
/// weaker than they need, and `privileged` without privilege escalation (Kubernetes refuses that container).
pub(super) fn check_privileges(
    hub: &str,
    profile: &Profile,
    index: &str,
    level: PodSecurityLevel,
    node: &Node,
    report: &mut Reporter,
) {
    let at = |field: &str| loc_at(node, &["spec", "profiles", index, field]);
    for (field, set, needs) in [
        (
            "privileged",
            profile.privileged == Some(true),
            PodSecurityLevel::Privileged,
        ),
        (
            "allowPrivilegeEscalation",
            profile.allow_privilege_escalation == Some(true),
            PodSecurityLevel::Baseline,
        ),
    ] {
        if set && level < needs {
            report.at(
                at(field),
                format!(
                    "Hub `{hub}`: profile `{}` sets `{field}: true`, which needs the {} Pod Security profile; the hub's is {}",
                    profile.slug,
                    needs.as_str(),
                    level.as_str()
                ),
                Some(format!(
                    "remove it, or set `podSecurity: {}` on the hub (its user pods then run with less isolation)",
                    needs.as_str()
                )),
            );
        }
    }
    if profile.privileged == Some(true) && profile.allow_privilege_escalation == Some(false) {
        report.at(
            at("allowPrivilegeEscalation"),
            format!(
                "Hub `{hub}`: profile `{}` is privileged but sets `allowPrivilegeEscalation: false` (Kubernetes refuses the pod: a privileged container can always escalate)",
                profile.slug
            ),
            Some("remove `allowPrivilegeEscalation`, or `privileged`".into()),
        );
    }
}

/// The capabilities the baseline profile lets a container add (the container runtime's defaults).
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Report each `hostPath` volume of hub `hub` (its own pod's, its users' and each profile's) when the hub's level
/// is not `privileged`: both restricted and baseline forbid host paths, so the namespace would refuse the pod — or,
/// in a namespace jupyflux does not label, run it with the host's files.
pub(super) fn check_host_paths(
    hub: &str,
    spec: &crate::model::hub::HubSpec,
    node: &Node,
    report: &mut Reporter,
) {
    if spec.pod_security >= PodSecurityLevel::Privileged {
        return;
    }
    let mut places: Vec<(Vec<String>, &Volumes)> = vec![
        (
            path(&["spec", "hub", "extraVolumes"]),
            &spec.hub.extra_volumes,
        ),
        (
            path(&["spec", "singleuser", "storage", "extraVolumes"]),
            &spec.singleuser.storage.extra_volumes,
        ),
    ];
    for (i, profile) in spec.profiles.iter().enumerate() {
        places.push((
            path(&["spec", "profiles", &i.to_string(), "volumes"]),
            &profile.volumes,
        ));
    }
    for (at, volumes) in places {
        for (i, volume) in volumes.iter().enumerate() {
            if volume.contains_key("hostPath") {
                let mut at = at.clone();
                at.push(i.to_string());
                at.push("hostPath".into());
                let keys: Vec<&str> = at.iter().map(String::as_str).collect();
                report.at(
                    loc_at(node, &keys),
                    format!(
                        "Hub `{hub}`: volume `{}` is a hostPath, which needs the privileged Pod Security profile; the hub's is {}",
                        volume.get("name").and_then(Value::as_str).unwrap_or("?"),
                        spec.pod_security.as_str()
                    ),
                    Some("use a PersistentVolumeClaim (or an NFS or CSI volume), or set `podSecurity: privileged` on the hub (its pods then see the host's files)".into()),
                );
            }
        }
    }
}

/// Kubernetes `Volume` objects as a definition holds them.
type Volumes = Vec<Map<String, Value>>;

fn path(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// The settings of a security context that need more than `restricted`, with the level each needs.
pub fn context_needs(context: &SecurityContext) -> Vec<(&'static str, PodSecurityLevel)> {
    let added = context.capabilities.as_ref().and_then(|c| c.add.as_ref());
    let added = added.map_or(PodSecurityLevel::Restricted, |add| {
        add.iter()
            .map(|c| match c.as_str() {
                "NET_BIND_SERVICE" => PodSecurityLevel::Restricted,
                c if BASELINE_CAPABILITIES.contains(&c) => PodSecurityLevel::Baseline,
                _ => PodSecurityLevel::Privileged,
            })
            .max()
            .unwrap_or_default()
    });
    [
        (
            "privileged",
            context.privileged == Some(true),
            PodSecurityLevel::Privileged,
        ),
        ("capabilities", added > PodSecurityLevel::Restricted, added),
        (
            "allowPrivilegeEscalation",
            context.allow_privilege_escalation == Some(true),
            PodSecurityLevel::Baseline,
        ),
        (
            "runAsNonRoot",
            context.run_as_non_root == Some(false),
            PodSecurityLevel::Baseline,
        ),
        (
            "runAsUser",
            context.run_as_user == Some(0),
            PodSecurityLevel::Baseline,
        ),
    ]
    .into_iter()
    .filter(|(_, set, _)| *set)
    .map(|(setting, _, needs)| (setting, needs))
    .collect()
}

/// The keys of a profile's KubeSpawner overrides (`spawner`) that need more than `restricted`, with the level
/// each needs: privileged containers, privilege escalation, root, host namespaces and host paths.
pub fn spawner_needs(spawner: &Map<String, Value>) -> Vec<(String, PodSecurityLevel)> {
    let mut needs = Vec::new();
    let truthy = |v: Option<&Value>| v == Some(&Value::Bool(true));
    if truthy(spawner.get("privileged")) {
        needs.push(("privileged".to_owned(), PodSecurityLevel::Privileged));
    }
    if truthy(spawner.get("allow_privilege_escalation")) {
        needs.push((
            "allow_privilege_escalation".to_owned(),
            PodSecurityLevel::Baseline,
        ));
    }
    if spawner.get("uid").and_then(Value::as_i64) == Some(0) {
        needs.push(("uid".to_owned(), PodSecurityLevel::Baseline));
    }
    let host_path = |v: &Value| {
        v.as_array().is_some_and(|volumes| {
            volumes
                .iter()
                .any(|volume| volume.get("host_path").is_some() || volume.get("hostPath").is_some())
        })
    };
    if spawner.get("volumes").is_some_and(host_path) {
        needs.push(("volumes".to_owned(), PodSecurityLevel::Privileged));
    }
    if let Some(pod) = spawner.get("extra_pod_config").and_then(Value::as_object) {
        for key in [
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "host_network",
            "host_pid",
            "host_ipc",
        ] {
            if truthy(pod.get(key)) {
                needs.push((
                    format!("extra_pod_config.{key}"),
                    PodSecurityLevel::Privileged,
                ));
            }
        }
        if pod.get("volumes").is_some_and(host_path) {
            needs.push((
                "extra_pod_config.volumes".to_owned(),
                PodSecurityLevel::Privileged,
            ));
        }
    }
    for key in ["container_security_context", "pod_security_context"] {
        if let Some(context) = spawner.get(key)
            && let Ok(context) = serde_json::from_value::<SecurityContext>(context.clone())
        {
            needs.extend(
                context_needs(&context)
                    .into_iter()
                    .map(|(setting, level)| (format!("{key}.{setting}"), level)),
            );
        }
    }
    if let Some(context) = spawner
        .get("extra_container_config")
        .and_then(|c| c.get("securityContext"))
        .and_then(|c| serde_json::from_value::<SecurityContext>(c.clone()).ok())
    {
        needs.extend(context_needs(&context).into_iter().map(|(setting, level)| {
            (
                format!("extra_container_config.securityContext.{setting}"),
                level,
            )
        }));
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loosening_overrides_are_found_with_the_level_they_need() {
        let spawner = json!({
            "privileged": true,
            "allow_privilege_escalation": true,
            "volumes": [{"name": "dev", "host_path": {"path": "/dev"}}],
            "extra_pod_config": {"hostNetwork": true},
            "container_security_context": {"runAsUser": 0},
            "cpu_limit": 2,
        });
        let needs = spawner_needs(spawner.as_object().unwrap());
        let found: Vec<(&str, &str)> = needs
            .iter()
            .map(|(k, l)| (k.as_str(), l.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("privileged", "privileged"),
                ("allow_privilege_escalation", "baseline"),
                ("volumes", "privileged"),
                ("extra_pod_config.hostNetwork", "privileged"),
                ("container_security_context.runAsUser", "baseline"),
            ]
        );
        assert!(spawner_needs(json!({"cpu_limit": 2}).as_object().unwrap()).is_empty());
    }

    #[test]
    fn host_paths_need_a_privileged_hub() {
        let volumes = "  singleuser:\n    storage:\n      extraVolumes: [{name: eos, hostPath: {path: /eos}}]\n      extraVolumeMounts: [{name: eos, mountPath: /eos}]\n";
        for level in ["", "  podSecurity: baseline\n"] {
            let text = crate::load::test_hub_problems(&format!("{level}{volumes}"));
            assert!(
                text.contains(
                    "volume `eos` is a hostPath, which needs the privileged Pod Security profile"
                ),
                "{text}"
            );
        }
        let allowed =
            crate::load::test_hub_problems(&format!("  podSecurity: privileged\n{volumes}"));
        assert!(!allowed.contains("hostPath"), "{allowed}");
    }

    #[test]
    fn typed_privileges_need_the_hubs_pod_security_to_allow_them() {
        let profile = "  profiles:\n    - name: GPU\n      slug: gpu\n      privileged: true\n      allowPrivilegeEscalation: true\n";
        let text = crate::load::test_hub_problems(profile);
        assert!(
            text.contains("hub.yaml:10:19: error: Hub `lab`: profile `gpu` sets `privileged: true`, which needs the privileged Pod Security profile; the hub's is restricted"),
            "{text}"
        );
        assert!(
            text.contains("profile `gpu` sets `allowPrivilegeEscalation: true`, which needs the baseline Pod Security profile"),
            "{text}"
        );
        let baseline =
            crate::load::test_hub_problems(&format!("  podSecurity: baseline\n{profile}"));
        assert!(
            baseline.contains("`privileged: true`")
                && !baseline.contains("allowPrivilegeEscalation: true`"),
            "{baseline}"
        );
        let allowed =
            crate::load::test_hub_problems(&format!("  podSecurity: privileged\n{profile}"));
        assert_eq!(allowed, "");
        let refused = crate::load::test_hub_problems(
            "  podSecurity: privileged\n  profiles:\n    - {name: GPU, slug: gpu, privileged: true, allowPrivilegeEscalation: false}\n",
        );
        assert!(
            refused.contains("is privileged but sets `allowPrivilegeEscalation: false`"),
            "{refused}"
        );
    }

    #[test]
    fn a_spawner_override_cannot_loosen_the_hubs_pod_security() {
        let profile = "  profiles:\n    - name: GPU\n      slug: gpu\n      spawner:\n        extra_pod_config: {hostPID: true}\n        volumes: [{name: dev, host_path: {path: /dev}}]\n";
        let text = crate::load::test_hub_problems(profile);
        for key in ["extra_pod_config.hostPID", "volumes"] {
            assert!(
                text.contains(&format!("profile `gpu` sets `{key}` in spawner, which needs the privileged Pod Security profile; the hub's is restricted")),
                "{text}"
            );
        }
        assert!(
            text.contains("set `podSecurity: privileged` on the hub"),
            "{text}"
        );
        let allowed =
            crate::load::test_hub_problems(&format!("  podSecurity: privileged\n{profile}"));
        assert!(!allowed.contains("Pod Security"), "{allowed}");
    }
}
