//! Checks of a hub's chart-section settings that a type alone cannot make: resource requests within their
//! limits, environment variable names, settings that need another (named-server limits, one switch per puller);
//! the user pods' settings are `super::singleuser`'s.

use super::node::Node;
use super::report::Reporter;
use super::validate::{field_path, is_env_name, loc_at};
use crate::model::chart::pod::PodResources;
use crate::model::hub::HubSpec;

/// Report a problem of hub `hub` at `path` of its document: `Hub `x`, spec.a.b: message`.
pub(super) struct Checks<'r, 'a> {
    pub hub: &'r str,
    pub node: &'r Node,
    pub report: &'r mut Reporter<'a>,
}

impl Checks<'_, '_> {
    pub fn at(&mut self, path: &[&str], message: String, help: &str) {
        let message = format!("Hub `{}`, {}: {message}", self.hub, field_path(path));
        self.report
            .at(loc_at(self.node, path), message, Some(help.to_owned()));
    }

    /// Requests above their limits in the resources at `path`.
    fn resources(&mut self, path: &[&str], resources: Option<&PodResources>) {
        for (field, message) in resources.map(PodResources::problems).unwrap_or_default() {
            let mut at = path.to_vec();
            at.extend(field);
            self.at(
                &at,
                message,
                "lower the request to at most the limit, or raise the limit",
            );
        }
    }
}

/// Validate the chart-section settings of hub `name`.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let mut checks = Checks {
        hub: name,
        node,
        report,
    };
    let resources = [
        (
            &["spec", "hub", "resources"][..],
            spec.hub.resources.as_ref(),
        ),
        (
            &["spec", "proxy", "resources"],
            spec.proxy.resources.as_ref(),
        ),
        (
            &["spec", "userScheduler", "resources"],
            spec.user_scheduler
                .as_ref()
                .and_then(|s| s.resources.as_ref()),
        ),
        (
            &["spec", "prePuller", "resources"],
            spec.pre_puller.as_ref().and_then(|p| p.resources.as_ref()),
        ),
        (
            &["spec", "prePuller", "hook", "resources"],
            spec.pre_puller
                .as_ref()
                .and_then(|p| p.hook.as_ref())
                .and_then(|h| h.resources.as_ref()),
        ),
    ];
    for (path, resources) in resources {
        checks.resources(path, resources);
    }
    hub(spec, &mut checks);
    super::services::check(spec, &mut checks);
    pre_puller(spec, &mut checks);
    super::singleuser::validate(spec, &mut checks);
}

fn hub(spec: &HubSpec, checks: &mut Checks) {
    let hub = &spec.hub;
    for var in hub.env.keys().filter(|v| !is_env_name(v)) {
        checks.at(
            &["spec", "hub", "env", var],
            format!("`{var}` is not an environment variable name"),
            "use letters, digits and `_`, not starting with a digit",
        );
    }
    for (field, seconds) in [
        ("apiRequestTimeout", hub.api_request_timeout),
        ("apiRequestRetryTimeout", hub.api_request_retry_timeout),
    ] {
        if seconds == Some(crate::model::seconds::Seconds(0)) {
            checks.at(
                &["spec", "hub", field],
                "0 seconds: every Kubernetes API request would time out".into(),
                "e.g. `apiRequestTimeout: 30`, `apiRequestRetryTimeout: 60` (KubeSpawner's defaults: 3 and 30)",
            );
        }
    }
    if hub.named_server_limit_per_user.is_some() && hub.allow_named_servers != Some(true) {
        checks.at(
            &["spec", "hub", "namedServerLimitPerUser"],
            "a limit on named servers, but named servers are not allowed".into(),
            "add `allowNamedServers: true` beside it, or remove the limit",
        );
    }
}

fn pre_puller(spec: &HubSpec, checks: &mut Checks) {
    let Some(puller) = &spec.pre_puller else {
        return;
    };
    if puller.enabled.is_none() {
        return;
    }
    let hook = puller.hook.as_ref().and_then(|h| h.enabled);
    let continuous = puller.continuous.as_ref().and_then(|c| c.enabled);
    for (field, set) in [("hook", hook), ("continuous", continuous)] {
        if set.is_some() {
            checks.at(
                &["spec", "prePuller", field, "enabled"],
                format!("both prePuller.enabled and prePuller.{field}.enabled are set"),
                "`enabled` switches both pullers: set it, or `hook.enabled` / `continuous.enabled` each",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems as problems;

    #[test]
    fn kubernetes_api_timeouts_are_more_than_zero_and_rendered_for_kubespawner() {
        let text = problems("  hub: {apiRequestTimeout: 0}\n");
        assert!(
            text.contains("spec.hub.apiRequestTimeout: 0 seconds"),
            "{text}"
        );
        let values = crate::render::chart::test_values(
            "  hub: {apiRequestTimeout: 30, apiRequestRetryTimeout: 60}\n",
        );
        let spawner = &values["hub"]["config"]["KubeSpawner"];
        assert_eq!(spawner["k8s_api_request_timeout"], 30);
        assert_eq!(spawner["k8s_api_request_retry_timeout"], 60);
    }

    #[test]
    fn requests_above_limits_are_located() {
        let text = problems(
            "  hub:\n    resources: {requests: {cpu: 2, memory: 1Gi}, limits: {cpu: 500m, memory: 2Gi}}\n  prePuller:\n    hook:\n      resources: {requests: {memory: 64Mi}, limits: {memory: 32Mi}}\n",
        );
        assert!(
            text.contains("hub.yaml:8:33: error: Hub `lab`, spec.hub.resources.requests.cpu: cpu request 2 is more than the limit 500m"),
            "{text}"
        );
        assert!(
            text.contains("spec.prePuller.hook.resources.requests.memory: memory request 64Mi is more than the limit 32Mi"),
            "{text}"
        );
    }

    #[test]
    fn memory_of_a_pod_needs_a_unit() {
        let text = problems("  proxy:\n    resources: {limits: {memory: 512}}\n");
        assert!(
            text.contains("spec.proxy.resources.limits.memory: memory `512` has no unit"),
            "{text}"
        );
    }

    #[test]
    fn settings_that_need_another() {
        let text = problems(
            "  hub:\n    namedServerLimitPerUser: 3\n    env: {1BAD: x}\n  prePuller:\n    enabled: false\n    hook: {enabled: true}\n",
        );
        assert!(
            text.contains("spec.hub.namedServerLimitPerUser: a limit on named servers, but named servers are not allowed"),
            "{text}"
        );
        assert!(
            text.contains("spec.hub.env.1BAD: `1BAD` is not an environment variable name"),
            "{text}"
        );
        assert!(
            text.contains("hub.yaml:12:21: error: Hub `lab`, spec.prePuller.hook.enabled: both prePuller.enabled and prePuller.hook.enabled are set"),
            "{text}"
        );
        let fine = problems(
            "  hub: {allowNamedServers: true, namedServerLimitPerUser: 3}\n  prePuller: {hook: {enabled: false}, continuous: {enabled: true}}\n",
        );
        assert_eq!(fine, "");
    }
}
