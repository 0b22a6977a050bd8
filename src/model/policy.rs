//! The `policy` of an Environment: rules every hub and notebook of the environment must meet, checked at load
//! (`src/load/policy.rs`): where images come from, how big a server and a volume may be, who may have GPUs and
//! that GPU servers are culled, and what a notebook's author may pass into its pod.

use super::quantity::{Memory, Quantity};
use super::seconds::Seconds;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rules for every definition of one environment; each rule unset is not checked.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Policy {
    /// Registries (or registry paths) images may come from, e.g. `quay.io/jupyter`, `registry.example.org`; an
    /// image without a registry host is from `docker.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registries: Option<Vec<String>>,
    /// The most one server may request or be limited to.
    #[serde(default)]
    pub max_per_server: MaxPerServer,
    /// Groups GPU servers are for: a profile (or size or option) with GPUs must name only these in `groups` and
    /// no `users`; rules may not give GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_groups: Option<Vec<String>>,
    /// Culling hubs with GPU profiles must do: enabled, with at most this idle timeout (`1h`, `3600`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_max_idle: Option<Seconds>,
    /// The largest volume a user may get (a hub's `singleuser.storage.capacity`, a notebook's `storage.new.size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_storage: Option<Memory>,
    /// What a Notebook's author may pass into the pod.
    #[serde(default)]
    pub notebooks: NotebookPolicy,
}

/// Upper bounds of one server.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct MaxPerServer {
    /// The most CPU one server may be guaranteed or limited to, e.g. `8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// The most memory one server may be guaranteed or limited to, e.g. `32Gi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// The most GPUs one server may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u32>,
}

/// What Notebooks may ask of the cluster; a list left out allows anything, an empty list nothing.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NotebookPolicy {
    /// Taint keys notebooks may tolerate (a toleration without a key tolerates everything and is never allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<String>>,
    /// Node labels notebooks may select, each with the values allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selectors: Option<BTreeMap<String, Vec<String>>>,
    /// Claims notebooks may mount with `storage.existingClaim` (and `project.claimName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_claims: Option<Vec<String>>,
}

impl Policy {
    /// Whether `image` (`registry/name:tag`) comes from an allowed registry.
    pub fn allows_image(&self, image: &str) -> bool {
        let Some(registries) = &self.registries else {
            return true;
        };
        let image = qualified(image);
        registries.iter().any(|r| {
            let r = r.trim_end_matches('/');
            image.starts_with(&format!("{r}/"))
        })
    }
}

/// An image reference with its registry host: `jupyter/x:1` is `docker.io/jupyter/x:1`.
pub fn qualified(image: &str) -> String {
    let first = image.split('/').next().unwrap_or_default();
    let has_host = image.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    if has_host {
        image.to_owned()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_match_whole_path_segments() {
        let policy = Policy {
            registries: Some(vec![
                "quay.io/jupyter".into(),
                "registry.example.org/".into(),
            ]),
            ..Policy::default()
        };
        assert!(policy.allows_image("quay.io/jupyter/scipy-notebook:2025-03-17"));
        assert!(policy.allows_image("registry.example.org/ml/torch:1"));
        assert!(!policy.allows_image("quay.io/jupyterhub/k8s-hub:4.3.2"));
        assert!(!policy.allows_image("jupyter/scipy-notebook:2024"));
        assert!(Policy::default().allows_image("anything:1"));
        assert_eq!(qualified("ubuntu:24.04"), "docker.io/library/ubuntu:24.04");
    }
}
