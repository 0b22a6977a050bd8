//! Checks of a notebook spec that its types cannot express, as a pure function: the loader reports the problems
//! at their file positions, and the controller can report the same ones in a `Degraded` condition.

use super::spec::{NotebookAuth, NotebookSpec, Oidc};
use crate::model::hub::bound_problems;
use crate::model::is_dns_subdomain;

/// One thing wrong with a spec: the field (path under `spec`), what is wrong, what would be right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: Vec<String>,
    pub message: String,
    pub help: String,
}

fn problem(path: &[&str], message: String, help: &str) -> Problem {
    Problem {
        path: path.iter().map(|p| (*p).to_owned()).collect(),
        message,
        help: help.to_owned(),
    }
}

/// Every problem of `spec`, in field order; empty when it is valid.
pub fn validate(spec: &NotebookSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let resources = &spec.resources;
    for ([kind, field], message, help) in
        bound_problems(resources.cpu.as_ref(), resources.memory.as_ref())
    {
        problems.push(problem(&["resources", kind, field], message, help));
    }
    let security = &spec.security_context;
    if !security.allow_privileged {
        const OPT_IN: &str = "notebooks run as a non-root user; set `securityContext.allowPrivileged: true` only if this one must not";
        if security.run_as_user == 0 {
            problems.push(problem(
                &["securityContext", "runAsUser"],
                "runAsUser 0 runs the notebook as root".into(),
                OPT_IN,
            ));
        }
        if security.privileged {
            problems.push(problem(
                &["securityContext", "privileged"],
                "a privileged notebook container has full access to its node".into(),
                OPT_IN,
            ));
        }
    }
    for (field, id) in [
        ("runAsUser", security.run_as_user),
        ("runAsGroup", security.run_as_group),
        ("fsGroup", security.fs_group),
    ] {
        if id < 0 {
            problems.push(problem(
                &["securityContext", field],
                format!("{field} {id} is negative"),
                "write a numeric user or group id, e.g. 1000",
            ));
        }
    }
    let routing = &spec.routing;
    if let Some(host) = &routing.host
        && !is_dns_subdomain(host)
    {
        problems.push(problem(
            &["routing", "host"],
            format!("host `{host}` is not a DNS name"),
            "write a lowercase DNS name such as notebooks.example.org",
        ));
    }
    if let Some(prefix) = &routing.path_prefix
        && !is_path(prefix)
    {
        problems.push(problem(
            &["routing", "pathPrefix"],
            format!("pathPrefix `{prefix}` is not a URL path"),
            "write an absolute path without spaces, query or fragment, e.g. /notebooks/alice",
        ));
    }
    if spec
        .owner
        .as_deref()
        .is_some_and(|owner| owner.trim().is_empty())
    {
        problems.push(problem(
            &["owner"],
            "owner is empty".into(),
            "name the user the notebook belongs to, or leave `owner` out",
        ));
    }
    home_problems(spec, &mut problems);
    if let Some(NotebookAuth::Oidc(oidc)) = &spec.auth {
        oidc_problems(oidc, spec.owner(), &mut problems);
    }
    problems
}

/// Exactly one home directory: `storage` or a Data Manager `project`, whose id is a relative sub-path.
fn home_problems(spec: &NotebookSpec, problems: &mut Vec<Problem>) {
    match (&spec.storage, &spec.project) {
        (Some(_), Some(_)) => problems.push(problem(
            &["project"],
            "both storage and project are set; the home directory is one of them".into(),
            "keep `project` (a Data Manager project) or `storage`, not both",
        )),
        (None, None) => problems.push(problem(
            &["storage"],
            "the notebook has no home directory: neither storage nor project is set".into(),
            "set `storage: {new: {size: 10Gi}}`, `storage: {existingClaim: {claimName: …}}` or `project: {claimName: …, id: …}`",
        )),
        _ => {}
    }
    if let Some(project) = &spec.project
        && !is_sub_path(&project.id)
    {
        problems.push(problem(
            &["project", "id"],
            format!("project id `{}` is not a relative directory name", project.id),
            "write the project's id as the Data Manager gives it, e.g. project-1a2b3c (no `/` at the start, no `..`)",
        ));
    }
}

/// Whether `text` is a relative path below a volume's root (what a `subPath` accepts).
fn is_sub_path(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('/')
        && !text.split('/').any(|part| part == "..")
        && !text.contains(char::is_control)
}

/// An OIDC login must name its issuer by `https://` URL and admit someone, never everyone.
fn oidc_problems(oidc: &Oidc, owner: &str, problems: &mut Vec<Problem>) {
    const AT: [&str; 2] = ["auth", "oidc"];
    if !oidc.issuer_url.starts_with("https://") || oidc.issuer_url.contains(char::is_whitespace) {
        problems.push(problem(
            &[AT[0], AT[1], "issuerUrl"],
            format!("issuerUrl `{}` is not an https:// URL", oidc.issuer_url),
            "write the issuer's URL, e.g. https://login.example.org/realms/research",
        ));
    }
    for email in &oidc.allowed_emails {
        if !is_email(email) {
            problems.push(problem(
                &[AT[0], AT[1], "allowedEmails"],
                format!("`{email}` is not an email address"),
                "write addresses such as alice@example.org",
            ));
        }
    }
    if oidc.admitted_emails(owner).is_empty() && oidc.allowed_groups.is_empty() {
        problems.push(problem(
            &AT,
            format!("the login admits nobody: owner `{owner}` is not an email address and neither `allowedEmails` nor `allowedGroups` is set"),
            "add `allowedEmails: [<owner's email>]` (or `allowedGroups`) so only the owner can log in",
        ));
    }
}

/// Whether `text` looks like one email address: `local@domain`, no spaces.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Whether `text` is an absolute URL path (what an Ingress path and Jupyter's `base_url` accept).
fn is_path(text: &str) -> bool {
    text.starts_with('/')
        && !text.contains("//")
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(security: serde_json::Value) -> NotebookSpec {
        serde_json::from_value(serde_json::json!({
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "owner": "alice",
            "securityContext": security,
            "storage": {"new": {"size": "1Gi"}},
            "routing": {"pathPrefix": "/notebooks/alice"},
            "auth": {"token": {"vault": "notebooks/alice#token"}},
        }))
        .unwrap()
    }

    #[test]
    fn root_and_privileged_need_the_opt_in() {
        let fields = |problems: Vec<Problem>| -> Vec<String> {
            problems.into_iter().map(|p| p.path.join(".")).collect()
        };
        assert!(validate(&spec(serde_json::json!({}))).is_empty());
        assert_eq!(
            fields(validate(&spec(
                serde_json::json!({"runAsUser": 0, "privileged": true})
            ))),
            ["securityContext.runAsUser", "securityContext.privileged"]
        );
        let opted_in =
            serde_json::json!({"runAsUser": 0, "privileged": true, "allowPrivileged": true});
        assert!(validate(&spec(opted_in)).is_empty());
    }

    #[test]
    fn a_guarantee_above_its_limit_names_the_guarantee() {
        let mut spec = spec(serde_json::json!({}));
        spec.resources = serde_json::from_value(serde_json::json!({
            "cpu": {"guarantee": "500m", "limit": 1},
            "memory": {"guarantee": "8Gi", "limit": "2Gi"},
        }))
        .unwrap();
        let problems = validate(&spec);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, ["resources", "memory", "guarantee"]);
        assert_eq!(
            problems[0].message,
            "memory guarantee 8Gi is more than the limit 2Gi"
        );
    }

    #[test]
    fn paths() {
        for ok in ["/", "/notebooks/alice", "/a-b/c_d.e"] {
            assert!(is_path(ok), "{ok}");
        }
        for bad in ["notebooks", "", "/a b", "/a?b", "//a", "/a#b"] {
            assert!(!is_path(bad), "{bad}");
        }
    }
}
