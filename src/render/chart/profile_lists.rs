//! The lists a profile's `kubespawner_override` sets: tolerations, required node affinity, volumes and mounts.
//! A list in an override replaces the configured one (dictionaries merge), so each repeats what the chart and
//! `singleuser` configure before the profile's own.

use super::singleuser::sidecars;
use crate::model::chart::pod::{MatchExpression, NodeSelectorTerm};
use crate::model::hub::{HubSpec, StorageKind};
use crate::model::profile::{Profile, SHM_PATH, SHM_VOLUME};
use crate::model::quantity::Memory;
use crate::model::selection::USER_POD_TOLERATIONS;
use serde_json::{Value, json};

/// Add the profile's `tolerations`, `node_affinity_required`, `volumes` and `volume_mounts` to `overrides`.
pub fn override_lists(spec: &HubSpec, profile: &Profile, overrides: &mut Value) {
    let user = &spec.singleuser;
    if !profile.tolerations.is_empty() {
        // The user pods' base tolerations: the definition's `userPods.tolerations`, else the chart's.
        let base: Vec<Value> = match &spec.user_pods.tolerations {
            Some(tolerations) => tolerations.iter().map(|t| json!(t)).collect(),
            None => USER_POD_TOLERATIONS
                .iter()
                .map(|key| json!({"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}))
                .collect(),
        };
        let own = user.tolerations.iter().chain(&profile.tolerations);
        let tolerations: Vec<Value> = base.into_iter().chain(own.map(|t| json!(t))).collect();
        overrides["tolerations"] = Value::Array(tolerations);
    }
    let required = &profile.node_affinity.required;
    if !required.is_empty() {
        overrides["node_affinity_required"] =
            json!(required_terms(&user.extra_node_affinity.required, required));
    }
    if !profile.volumes.is_empty() || !profile.volume_mounts.is_empty() || profile.shm.is_some() {
        let (mut volumes, mut mounts) = home_volumes(spec);
        volumes.extend(profile.volumes.iter().map(|v| json!(v)));
        mounts.extend(profile.volume_mounts.iter().map(|m| json!(m)));
        if let Some(size) = &profile.shm {
            let (volume, mount) = shm(size);
            volumes.push(volume);
            mounts.push(mount);
        }
        overrides["volumes"] = Value::Array(volumes);
        overrides["volume_mounts"] = Value::Array(mounts);
    }
    if !profile.extra_containers.is_empty() {
        overrides["extra_containers"] =
            json!(sidecars(&profile.extra_containers, spec.pod_security));
    }
}

/// The node selector terms of a profile requiring `expressions`: ANDed into each of `singleuser`'s required
/// terms (a node must match one of them), or one term of their own.
fn required_terms(
    configured: &[NodeSelectorTerm],
    expressions: &[MatchExpression],
) -> Vec<NodeSelectorTerm> {
    if configured.is_empty() {
        return vec![NodeSelectorTerm {
            match_expressions: expressions.to_vec(),
            match_fields: Vec::new(),
        }];
    }
    configured
        .iter()
        .map(|term| {
            let mut term = term.clone();
            term.match_expressions.extend_from_slice(expressions);
            term
        })
        .collect()
}

/// A memory-backed `emptyDir` of `size`, and its mount at `/dev/shm`.
fn shm(size: &Memory) -> (Value, Value) {
    (
        json!({"name": SHM_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": size.quantity().as_str()}}),
        json!({"name": SHM_VOLUME, "mountPath": SHM_PATH}),
    )
}

/// The volumes and mounts the chart configures for the single-user storage (what a profile's lists replace).
fn home_volumes(spec: &HubSpec) -> (Vec<Value>, Vec<Value>) {
    let storage = &spec.singleuser.storage;
    let home = storage.home();
    let (mut volumes, mut mounts) = match storage.kind {
        StorageKind::Dynamic => (
            vec![
                json!({"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}),
            ],
            vec![json!({"name": "volume-{user_server}", "mountPath": home})],
        ),
        StorageKind::Static => (
            vec![json!({"name": "home", "persistentVolumeClaim": {"claimName": storage.pvc_name}})],
            vec![json!({
                "name": "home",
                "mountPath": home,
                "subPath": storage.sub_path.as_deref().unwrap_or(super::singleuser::STATIC_SUB_PATH),
            })],
        ),
        StorageKind::None => (Vec::new(), Vec::new()),
    };
    volumes.extend(storage.extra_volumes.iter().map(|v| json!(v)));
    mounts.extend(storage.extra_volume_mounts.iter().map(|m| json!(m)));
    (volumes, mounts)
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::{Value, json};

    /// The `kubespawner_override` of the first profile.
    fn override_of(spec: &str) -> Value {
        test_values(spec)["singleuser"]["profileList"][0]["kubespawner_override"].clone()
    }

    #[test]
    fn shm_becomes_a_memory_volume_after_the_home_volume() {
        let over = override_of(
            "  singleuser: {storage: {homeMountPath: \"/home/{username}\"}}\n  profiles:\n    - {name: GPU, slug: gpu, shm: 8Gi}\n",
        );
        assert_eq!(
            over["volumes"],
            json!([
                {"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
                {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}},
            ])
        );
        assert_eq!(
            over["volume_mounts"],
            json!([
                {"name": "volume-{user_server}", "mountPath": "/home/{username}"},
                {"name": "shm", "mountPath": "/dev/shm"},
            ])
        );
    }

    #[test]
    fn replaced_lists_keep_what_singleuser_configures() {
        let over = override_of(concat!(
            "  singleuser:\n",
            "    tolerations: [{key: pool, operator: Exists}]\n",
            "    extraNodeAffinity:\n",
            "      required:\n",
            "        - matchExpressions: [{key: arch, operator: In, values: [amd64]}]\n",
            "        - matchExpressions: [{key: arch, operator: In, values: [arm64]}]\n",
            "  profiles:\n",
            "    - name: GPU\n",
            "      slug: gpu\n",
            "      tolerations: [{key: nvidia.com/gpu, operator: Exists}]\n",
            "      nodeAffinity: {required: [{key: gpu, operator: Exists}]}\n",
        ));
        let tolerations = over["tolerations"].as_array().unwrap();
        assert_eq!(tolerations.len(), 4, "{tolerations:?}");
        assert_eq!(tolerations[2], json!({"key": "pool", "operator": "Exists"}));
        assert_eq!(
            tolerations[3],
            json!({"key": "nvidia.com/gpu", "operator": "Exists"})
        );
        // The profile's requirement holds in each of singleuser's alternative terms.
        assert_eq!(
            over["node_affinity_required"],
            json!([
                {"matchExpressions": [{"key": "arch", "operator": "In", "values": ["amd64"]}, {"key": "gpu", "operator": "Exists"}]},
                {"matchExpressions": [{"key": "arch", "operator": "In", "values": ["arm64"]}, {"key": "gpu", "operator": "Exists"}]},
            ])
        );
    }
}
