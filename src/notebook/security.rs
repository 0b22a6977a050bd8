//! How a notebook's pod may run: the restricted profile by default, root or privileged only with
//! `securityContext.allowPrivileged: true`, and the Pod Security level its namespace needs for that.

use super::spec::NotebookSecurityContext;
use serde_json::{Value, json};

/// A Pod Security Standards level, weakest last (`Ord` follows that order).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurityLevel {
    #[default]
    Restricted,
    Baseline,
    Privileged,
}

impl PodSecurityLevel {
    /// The value of the `pod-security.kubernetes.io/enforce` label.
    pub fn as_str(self) -> &'static str {
        match self {
            PodSecurityLevel::Restricted => "restricted",
            PodSecurityLevel::Baseline => "baseline",
            PodSecurityLevel::Privileged => "privileged",
        }
    }
}

/// Whether the server runs as root (only with the opt-in; validation rejects it otherwise).
pub fn runs_as_root(security: &NotebookSecurityContext) -> bool {
    security.allow_privileged && security.run_as_user == 0
}

/// Whether the server container is privileged (only with the opt-in).
pub fn is_privileged(security: &NotebookSecurityContext) -> bool {
    security.allow_privileged && security.privileged
}

/// The weakest level that admits the pod: `privileged` for a privileged container, `baseline` for root (the
/// restricted profile requires non-root), else `restricted`.
pub fn level(security: &NotebookSecurityContext) -> PodSecurityLevel {
    if is_privileged(security) {
        PodSecurityLevel::Privileged
    } else if runs_as_root(security) {
        PodSecurityLevel::Baseline
    } else {
        PodSecurityLevel::Restricted
    }
}

/// The restricted-profile container security context (sidecars always, the server unless opted out).
pub fn restricted() -> Value {
    json!({
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

/// The server container's security context: restricted; root keeps every other restriction (no capabilities,
/// no escalation); a privileged container gets what it asked for (Kubernetes refuses `privileged` together with
/// `allowPrivilegeEscalation: false`, and dropping capabilities would contradict it).
pub fn server_container(security: &NotebookSecurityContext) -> Value {
    let mut context = restricted();
    if runs_as_root(security) {
        context["runAsNonRoot"] = json!(false);
    }
    if is_privileged(security) {
        let object = context.as_object_mut().expect("an object");
        object.remove("allowPrivilegeEscalation");
        object.remove("capabilities");
        object.insert("privileged".into(), json!(true));
    }
    context
}

/// The pod's security context: the server's identity, non-root unless the server runs as root.
pub fn pod(security: &NotebookSecurityContext) -> Value {
    json!({
        "runAsNonRoot": !runs_as_root(security),
        "runAsUser": security.run_as_user,
        "runAsGroup": security.run_as_group,
        "fsGroup": security.fs_group,
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(value: Value) -> NotebookSecurityContext {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_default_is_restricted() {
        let security = context(json!({}));
        assert_eq!(level(&security), PodSecurityLevel::Restricted);
        assert_eq!(pod(&security)["runAsNonRoot"], true);
        assert_eq!(server_container(&security), restricted());
    }

    #[test]
    fn root_with_the_opt_in_is_root_and_baseline() {
        let security = context(json!({"runAsUser": 0, "allowPrivileged": true}));
        assert_eq!(level(&security), PodSecurityLevel::Baseline);
        assert_eq!(pod(&security)["runAsNonRoot"], false);
        assert_eq!(pod(&security)["runAsUser"], 0);
        let container = server_container(&security);
        assert_eq!(container["runAsNonRoot"], false);
        assert_eq!(container["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(container["allowPrivilegeEscalation"], false);
    }

    #[test]
    fn privileged_with_the_opt_in_is_privileged() {
        let security = context(json!({"privileged": true, "allowPrivileged": true}));
        assert_eq!(level(&security), PodSecurityLevel::Privileged);
        let container = server_container(&security);
        assert_eq!(container["privileged"], true);
        assert!(container.get("allowPrivilegeEscalation").is_none());
        assert_eq!(pod(&security)["runAsNonRoot"], true);
    }

    #[test]
    fn without_the_opt_in_nothing_is_granted() {
        let security = context(json!({"runAsUser": 0, "privileged": true}));
        assert_eq!(level(&security), PodSecurityLevel::Restricted);
        assert_eq!(server_container(&security), restricted());
    }
}
