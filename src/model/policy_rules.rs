//! What each rule of an Environment's `policy` ([`crate::model::policy`]) refuses in a hub or a notebook, as pure
//! functions over the typed definitions: every problem with the field (path from the document's root) that
//! breaks the rule. The loader reports them at their file positions (`src/load/policy.rs`); the controller
//! refuses a notebook created at run time (say by the Data Manager) for the same problems, in its status.

use super::Definition;
use super::hub::HubSpec;
use super::image_definition::is_unresolved;
use super::policy::Policy;
use super::profile::Resources;
use super::quantity::{Bounds, Memory, Quantity};
use crate::notebook::children::DEFAULT_LIMITS;
use crate::notebook::spec::{NotebookAuth, NotebookStorage};
use crate::notebook::{NotebookSpec, Problem};

/// The chart's `cull.timeout` when a hub enables culling without one.
pub const CHART_CULL_TIMEOUT: u64 = 3600;
/// The chart's `singleuser.storage.capacity` when a hub sets none.
pub const CHART_STORAGE_CAPACITY: &str = "10Gi";

/// The problems found so far.
#[derive(Default)]
struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn at(&mut self, path: &[&str], message: String, help: String) {
        self.problems.push(Problem {
            path: path.iter().map(|p| (*p).to_owned()).collect(),
            message,
            help,
        });
    }
}

/// Every way hub `hub` of environment `env` breaks `policy`; paths start at the document (`spec`, …).
pub fn hub_problems(policy: &Policy, hub: &Definition<HubSpec>, env: &str) -> Vec<Problem> {
    let mut check = Check::default();
    hub_rules(policy, hub, env, &mut check);
    check.problems
}

/// Every way a notebook of environment `env` breaks `policy`, the image of the oauth2-proxy in front of an
/// OIDC notebook (`oauth2_proxy_image`) included; paths start at the document (`spec`, …).
pub fn notebook_problems(
    policy: &Policy,
    spec: &NotebookSpec,
    oauth2_proxy_image: &str,
    env: &str,
) -> Vec<Problem> {
    let mut check = Check::default();
    notebook_rules(policy, spec, env, &mut check);
    if matches!(spec.auth, Some(NotebookAuth::Oidc(_)))
        && !policy.allows_image(oauth2_proxy_image)
        && !is_unresolved(oauth2_proxy_image)
    {
        let allowed = policy.registries.as_deref().unwrap_or_default().join(", ");
        check.at(
            &["spec", "auth", "oidc"],
            format!("its login proxy's image `{oauth2_proxy_image}` (spec.controller.oauth2ProxyImage of the Environment) is not from a registry the policy of environment `{env}` allows"),
            format!("mirror oauth2-proxy to {allowed} and name it in spec.controller.oauth2ProxyImage, or allow its registry in spec.policy.registries"),
        );
    }
    check.problems
}

fn image(policy: &Policy, image: &str, path: &[&str], env: &str, check: &mut Check) {
    if !policy.allows_image(image) && !is_unresolved(image) {
        let allowed = policy.registries.as_deref().unwrap_or_default().join(", ");
        check.at(
            path,
            format!(
                "image `{image}` is not from a registry the policy of environment `{env}` allows"
            ),
            format!("use an image from {allowed} (spec.policy.registries of the Environment)"),
        );
    }
}

/// Each bound of `bounds` at most `max`.
fn bounded<Q>(
    bounds: Option<&Bounds<Q>>,
    max: Option<&Q>,
    value: impl Fn(&Q) -> f64,
    what: &str,
    path: &[&str],
    check: &mut Check,
) where
    Q: std::fmt::Display,
{
    let (Some(bounds), Some(max)) = (bounds, max) else {
        return;
    };
    for (field, amount) in [("guarantee", &bounds.guarantee), ("limit", &bounds.limit)] {
        if let Some(amount) = amount
            && value(amount) > value(max)
        {
            let mut at = path.to_vec();
            at.extend([what, field]);
            check.at(
                &at,
                format!("{what} {field} {amount} is above the policy's maximum per server, {max}"),
                format!("at most {max} (spec.policy.maxPerServer.{what} of the Environment)"),
            );
        }
    }
}

fn resources(policy: &Policy, r: &Resources, path: &[&str], check: &mut Check) {
    let max = &policy.max_per_server;
    bounded(
        r.cpu.as_ref(),
        max.cpu.as_ref(),
        Quantity::value,
        "cpu",
        path,
        check,
    );
    let memory = |m: &Memory| m.quantity().value();
    bounded(
        r.memory.as_ref(),
        max.memory.as_ref(),
        memory,
        "memory",
        path,
        check,
    );
    if let (Some(gpus), Some(most)) = (r.gpus, max.gpus)
        && gpus > most
    {
        let mut at = path.to_vec();
        at.push("gpus");
        check.at(
            &at,
            format!(
                "{gpus} GPU{} above the policy's maximum per server, {most}",
                if gpus == 1 { " is" } else { "s are" }
            ),
            format!("at most {most} (spec.policy.maxPerServer.gpus of the Environment)"),
        );
    }
}

fn storage(policy: &Policy, size: &Quantity, path: &[&str], check: &mut Check) {
    if let Some(max) = &policy.max_storage
        && size.value() > max.quantity().value()
    {
        check.at(
            path,
            format!("a volume of {size} is above the policy's maximum storage, {max}"),
            format!("at most {max} (spec.policy.maxStorage of the Environment)"),
        );
    }
}

/// The images of sidecar `containers` (at `path`), which run in the user's pod like the server itself.
fn sidecars(
    policy: &Policy,
    containers: &[k8s_openapi::api::core::v1::Container],
    path: &[&str],
    env: &str,
    check: &mut Check,
) {
    for (j, container) in containers.iter().enumerate() {
        if let Some(img) = &container.image {
            let j = j.to_string();
            let mut at = path.to_vec();
            at.extend([j.as_str(), "image"]);
            image(policy, img, &at, env, check);
        }
    }
}

fn hub_rules(policy: &Policy, hub: &Definition<HubSpec>, env: &str, check: &mut Check) {
    let spec = &hub.spec;
    let su = &spec.singleuser;
    image(
        policy,
        &spec.user_image().to_string(),
        &["spec", "singleuser", "image"],
        env,
        check,
    );
    sidecars(
        policy,
        &su.extra_containers,
        &["spec", "singleuser", "extraContainers"],
        env,
        check,
    );
    let singleuser = Resources {
        cpu: su.cpu.clone(),
        memory: su.memory.clone(),
        ..Resources::default()
    };
    resources(policy, &singleuser, &["spec", "singleuser"], check);
    let capacity = su
        .storage
        .capacity
        .clone()
        .unwrap_or_else(|| Quantity::parse(CHART_STORAGE_CAPACITY).expect("a quantity"));
    storage(
        policy,
        &capacity,
        &["spec", "singleuser", "storage", "capacity"],
        check,
    );
    for (i, size) in spec.sizes.iter().enumerate() {
        let i = i.to_string();
        resources(policy, &size.resources(), &["spec", "sizes", &i], check);
    }
    let mut gpu_profiles = false;
    for (i, profile) in spec.profiles.iter().enumerate() {
        let i = i.to_string();
        let path = ["spec", "profiles", i.as_str()];
        for (j, img) in profile.images.iter().enumerate() {
            let j = j.to_string();
            image(
                policy,
                &img.to_string(),
                &["spec", "profiles", &i, "images", &j],
                env,
                check,
            );
        }
        sidecars(
            policy,
            &profile.extra_containers,
            &["spec", "profiles", &i, "extraContainers"],
            env,
            check,
        );
        resources(
            policy,
            &profile.resources,
            &["spec", "profiles", &i, "resources"],
            check,
        );
        let mut gpus = profile.resources.gpus.unwrap_or(0) > 0
            || profile
                .sizes
                .iter()
                .filter_map(|s| spec.size(s))
                .any(|s| s.gpus.unwrap_or(0) > 0);
        for (j, option) in profile.options.iter().enumerate() {
            for (k, choice) in option.choices.iter().enumerate() {
                let (j, k) = (j.to_string(), k.to_string());
                let at = ["spec", "profiles", &i, "options", &j, "choices", &k];
                if let Some(img) = &choice.image {
                    let mut path = at.to_vec();
                    path.push("image");
                    image(policy, &img.to_string(), &path, env, check);
                }
                let mut path = at.to_vec();
                path.push("resources");
                resources(policy, &choice.resources, &path, check);
                gpus |= choice.resources.gpus.unwrap_or(0) > 0;
            }
        }
        if gpus {
            gpu_profiles = true;
            gpu_audience(policy, profile, &path, check);
        }
    }
    for (i, rule) in spec.rules.iter().enumerate() {
        let i = i.to_string();
        resources(
            policy,
            &rule.resources,
            &["spec", "rules", &i, "resources"],
            check,
        );
        if policy.gpu_groups.is_some() && rule.resources.gpus.unwrap_or(0) > 0 {
            check.at(
                &["spec", "rules", &i, "resources", "gpus"],
                format!(
                    "rule `{}` gives GPUs, which the policy keeps to profiles for its GPU groups",
                    rule.name
                ),
                "offer GPUs in a profile whose `groups` are among spec.policy.gpuGroups".into(),
            );
        }
    }
    if gpu_profiles && let Some(max) = policy.gpu_max_idle {
        let culling = spec.culling.as_ref();
        let enabled = culling.is_none_or(|c| c.enabled);
        let timeout = culling
            .and_then(|c| c.timeout)
            .map_or(CHART_CULL_TIMEOUT, |t| t.0);
        if !enabled || timeout > max.0 {
            let found = if enabled {
                format!("an idle timeout of {timeout}s")
            } else {
                "culling off".into()
            };
            let field = if enabled { "timeout" } else { "enabled" };
            check.at(
                &["spec", "culling", field],
                format!("it offers GPU profiles with {found}; the policy of environment `{env}` requires culling after at most {}s idle", max.0),
                format!("set `culling: {{enabled: true, timeout: {}}}` or less", max.0),
            );
        }
    }
}

/// A GPU profile must be for the policy's GPU groups only.
fn gpu_audience(
    policy: &Policy,
    profile: &crate::model::profile::Profile,
    path: &[&str],
    check: &mut Check,
) {
    let Some(allowed) = &policy.gpu_groups else {
        return;
    };
    let outside: Vec<&str> = profile
        .groups
        .iter()
        .filter(|g| !allowed.contains(g))
        .map(String::as_str)
        .collect();
    let help = format!(
        "set `groups` to some of {} and no `users` (spec.policy.gpuGroups of the Environment)",
        allowed.join(", ")
    );
    let mut at = |field: &str, message: String| {
        let mut p = path.to_vec();
        p.push(field);
        check.at(&p, message, help.clone());
    };
    if profile.groups.is_empty() && profile.users.is_empty() {
        at(
            "slug",
            format!(
                "GPU profile `{}` is offered to every user; the policy keeps GPUs to groups {}",
                profile.slug,
                allowed.join(", ")
            ),
        );
    } else if !profile.users.is_empty() {
        at(
            "users",
            format!(
                "GPU profile `{}` is offered to users by name; the policy keeps GPUs to groups {}",
                profile.slug,
                allowed.join(", ")
            ),
        );
    } else if !outside.is_empty() {
        at(
            "groups",
            format!(
                "GPU profile `{}` is offered to group `{}`, which is not among the policy's GPU groups",
                profile.slug,
                outside.join("`, `")
            ),
        );
    }
}

/// A notebook that sets neither a limit nor a guarantee of CPU (or memory) runs with the controller's default
/// limit ([`DEFAULT_LIMITS`]): that default must meet the policy's maximum too.
fn default_limits(policy: &Policy, spec: &NotebookSpec, check: &mut Check) {
    let max = &policy.max_per_server;
    let cpu = Quantity::parse(DEFAULT_LIMITS.0).expect("the default CPU limit is a quantity");
    if let Some(most) = &max.cpu
        && unset(spec.resources.cpu.as_ref())
        && cpu.value() > most.value()
    {
        check.at(
            &["spec", "resources"],
            format!("without a CPU limit the server gets the controller's default, {cpu}, above the policy's maximum per server, {most}"),
            format!("set `resources.cpu.limit` to at most {most} (spec.policy.maxPerServer.cpu of the Environment)"),
        );
    }
    let memory = Memory::parse(DEFAULT_LIMITS.1).expect("the default memory limit is a quantity");
    if let Some(most) = &max.memory
        && unset(spec.resources.memory.as_ref())
        && memory.quantity().value() > most.quantity().value()
    {
        check.at(
            &["spec", "resources"],
            format!("without a memory limit the server gets the controller's default, {memory}, above the policy's maximum per server, {most}"),
            format!("set `resources.memory.limit` to at most {most} (spec.policy.maxPerServer.memory of the Environment)"),
        );
    }
}

/// Whether `bounds` set neither a guarantee nor a limit.
fn unset<Q>(b: Option<&Bounds<Q>>) -> bool {
    b.is_none_or(|b| b.guarantee.is_none() && b.limit.is_none())
}

fn notebook_rules(policy: &Policy, spec: &NotebookSpec, env: &str, check: &mut Check) {
    image(policy, spec.image.as_str(), &["spec", "image"], env, check);
    let r = Resources {
        cpu: spec.resources.cpu.clone(),
        memory: spec.resources.memory.clone(),
        ..Resources::default()
    };
    resources(policy, &r, &["spec", "resources"], check);
    default_limits(policy, spec, check);
    let rules = &policy.notebooks;
    match &spec.storage {
        Some(NotebookStorage::New(volume)) => storage(
            policy,
            &volume.size,
            &["spec", "storage", "new", "size"],
            check,
        ),
        Some(NotebookStorage::ExistingClaim(claim)) => {
            claim_allowed(
                rules.existing_claims.as_deref(),
                claim.claim_name.as_ref(),
                &["spec", "storage", "existingClaim", "claimName"],
                check,
            );
        }
        None => {}
    }
    if let Some(project) = &spec.project {
        claim_allowed(
            rules.existing_claims.as_deref(),
            project.claim_name.as_ref(),
            &["spec", "project", "claimName"],
            check,
        );
    }
    if let Some(allowed) = &rules.tolerations {
        for (i, t) in spec.tolerations.iter().enumerate() {
            let key = t.key.as_deref().unwrap_or("");
            if !allowed.iter().any(|a| a == key) || key.is_empty() {
                let i = i.to_string();
                let shown = if key.is_empty() {
                    "a toleration of every taint".to_owned()
                } else {
                    format!("a toleration of taint `{key}`")
                };
                check.at(
                    &["spec", "tolerations", &i],
                    format!("{shown} is not allowed by the policy of environment `{env}`"),
                    format!("notebooks may tolerate: {} (spec.policy.notebooks.tolerations of the Environment)", list(allowed)),
                );
            }
        }
    }
    if let Some(allowed) = &rules.node_selectors {
        for (key, value) in &spec.node_selector {
            if !allowed
                .get(key)
                .is_some_and(|values| values.contains(value))
            {
                let shown: Vec<String> = allowed
                    .iter()
                    .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}: {v}")))
                    .collect();
                check.at(
                    &["spec", "nodeSelector", key],
                    format!("node selector `{key}: {value}` is not allowed by the policy of environment `{env}`"),
                    format!("notebooks may select: {} (spec.policy.notebooks.nodeSelectors of the Environment)", list(&shown)),
                );
            }
        }
    }
}

fn claim_allowed(allowed: Option<&[String]>, claim: &str, path: &[&str], check: &mut Check) {
    if let Some(allowed) = allowed
        && !allowed.iter().any(|a| a == claim)
    {
        check.at(
            path,
            format!("claim `{claim}` is not one the policy lets notebooks mount"),
            format!(
                "notebooks may mount: {} (spec.policy.notebooks.existingClaims of the Environment)",
                list(allowed)
            ),
        );
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}
