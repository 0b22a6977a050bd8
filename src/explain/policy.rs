//! The lines `policy: …` of an explanation: which rules of the Environment's `policy` shaped one user's servers
//! on one hub (see docs/policy.md).

use crate::model::Environment;
use crate::model::hub::HubSpec;
use crate::model::profile::Profile;

/// Whether a profile offers GPUs (itself, a size, or an option choice).
pub fn offers_gpus(spec: &HubSpec, profile: &Profile) -> bool {
    profile.resources.gpus.unwrap_or(0) > 0
        || profile
            .sizes
            .iter()
            .filter_map(|s| spec.size(s))
            .any(|s| s.gpus.unwrap_or(0) > 0)
        || profile
            .options
            .iter()
            .flat_map(|o| &o.choices)
            .any(|c| c.resources.gpus.unwrap_or(0) > 0)
}

/// The policy rules that touched what `groups` get from `spec` (`hidden`: the entries the user does not see).
pub fn lines(
    env: &Environment,
    spec: &HubSpec,
    groups: &[String],
    hidden: &[&Profile],
) -> Vec<String> {
    let Some(policy) = &env.definition.spec.policy else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let gpu_profiles: Vec<&Profile> = spec
        .profiles
        .iter()
        .filter(|p| offers_gpus(spec, p))
        .collect();
    if let Some(allowed) = &policy.gpu_groups
        && !gpu_profiles.is_empty()
    {
        let member = groups.iter().any(|g| allowed.contains(g));
        let refused: Vec<&str> = gpu_profiles
            .iter()
            .filter(|p| hidden.contains(p))
            .map(|p| p.slug.as_str())
            .collect();
        let mut line = format!("GPU entries are only for groups {}", allowed.join(", "));
        if !refused.is_empty() {
            line.push_str(&format!("; hidden from this user: {}", refused.join(", ")));
        } else if member {
            line.push_str("; this user is in one");
        }
        lines.push(line);
        if let Some(max) = policy.gpu_max_idle {
            lines.push(format!(
                "GPU servers are culled after at most {}s idle",
                max.0
            ));
        }
    }
    let max = &policy.max_per_server;
    let mut most = Vec::new();
    if let Some(cpu) = &max.cpu {
        most.push(format!("{cpu} CPU"));
    }
    if let Some(memory) = &max.memory {
        most.push(format!("{memory} memory"));
    }
    if let Some(gpus) = max.gpus {
        most.push(format!("{gpus} GPUs"));
    }
    if !most.is_empty() {
        lines.push(format!("at most {} per server", most.join(", ")));
    }
    if let Some(registries) = &policy.registries {
        lines.push(format!("images only from {}", registries.join(", ")));
    }
    if let Some(max) = &policy.max_storage {
        lines.push(format!("volumes of at most {max}"));
    }
    lines
}
