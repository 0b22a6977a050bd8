//! Kubernetes objects a hub brings along (`spec.extraObjects`): which kinds are cluster-scoped, which jupyflux
//! refuses and what to do instead, and the file each one is written to. Loading checks them with these facts and
//! rendering places them by them.

use serde_json::{Map, Value};

/// Kinds without a namespace that a hub may bring (storage and scheduling for its users).
pub const CLUSTER_SCOPED: &[&str] = &[
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "IngressClass",
];

/// Kinds jupyflux refuses as extra objects, with what to do instead.
pub const REFUSED: &[(&str, &str)] = &[
    (
        "Namespace",
        "jupyflux renders the hub's Namespace itself (`spec.namespace`; `{name: …, managed: false}` for one that \
         exists), with its Pod Security level from `spec.podSecurity`",
    ),
    (
        "HelmRelease",
        "jupyflux renders the hub's HelmRelease; set it up with `spec.release`, `spec.values` and \
         `spec.valuesFrom`, and deploy other charts outside the hub",
    ),
    (
        "HelmRepository",
        "name the chart's source with `spec.chart.repository` (an https:// or oci:// URL) or `spec.chart.sourceRef` \
         (an existing HelmRepository or OCIRepository)",
    ),
    (
        "Secret",
        "no secret material goes into Git: keep the value in Vault and reference it (`{vault: \"path#property\"}` in \
         a typed field, see docs/secrets.md), or create the Secret outside Git and read it with `spec.valuesFrom`",
    ),
];

/// What to do instead of an extra object of `kind`, when jupyflux refuses that kind.
pub fn refused(kind: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, why)| *why)
}

/// Whether objects of `kind` have no namespace.
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// The `kind` and `metadata.name` of an object, when both are strings.
pub fn identity(object: &Map<String, Value>) -> Option<(&str, &str)> {
    let kind = object.get("kind")?.as_str()?;
    let name = object.get("metadata")?.get("name")?.as_str()?;
    Some((kind, name))
}

/// The file an extra object is written to in its hub's directory: `<kind-lowercase>-<name>.yaml`.
pub fn file_name(kind: &str, name: &str) -> String {
    format!("{}-{name}.yaml", kind.to_ascii_lowercase())
}
