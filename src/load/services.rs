//! Checks of a hub's JupyterHub services and roles: names JupyterHub and URLs take, a service reachable by URL
//! or run by command with a program, roles whose scopes JupyterHub knows and whose services exist.

use super::sections::Checks;
use super::validate::is_env_name;
use crate::model::chart::services::scope_problem;
use crate::model::hub::HubSpec;

pub(super) fn check(spec: &HubSpec, checks: &mut Checks) {
    let pod = &spec.hub;
    for (name, service) in &pod.services {
        let at = ["spec", "hub", "services", name.as_str()];
        let field = |f: &'static str| [&at[..], &[f]].concat();
        if !is_service_name(name) {
            checks.at(
                &at,
                format!("`{name}` cannot name a service (it is part of the URL /services/{name}/)"),
                "use letters, digits, `-`, `_` and `.`",
            );
        }
        if let Some(url) = &service.url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            checks.at(
                &field("url"),
                format!("`{url}` is not an http(s) URL"),
                "e.g. `http://grader.lab.svc.cluster.local:8888`",
            );
        }
        if service.command.first().is_some_and(|w| w.trim().is_empty()) {
            checks.at(
                &field("command"),
                "the command's program is empty".into(),
                "write the program first, e.g. `[python3, /srv/service.py]`",
            );
        }
        for var in service.environment.keys().filter(|v| !is_env_name(v)) {
            checks.at(
                &[&field("environment")[..], &[var.as_str()]].concat(),
                format!("`{var}` is not an environment variable name"),
                "use letters, digits and `_`, not starting with a digit",
            );
        }
    }
    for (name, role) in &pod.roles {
        let at = ["spec", "hub", "roles", name.as_str()];
        for (i, scope) in role.scopes.iter().enumerate() {
            if let Some(why) = scope_problem(scope) {
                checks.at(
                    &[&at[..], &["scopes", &i.to_string()]].concat(),
                    why,
                    "see JupyterHub's scopes (https://jupyterhub.readthedocs.io/en/stable/rbac/scopes.html); a service's own start with `custom:`",
                );
            }
        }
        for (i, service) in role.services.iter().enumerate() {
            if !pod.services.contains_key(service) {
                let known: Vec<&str> = pod.services.keys().map(String::as_str).collect();
                checks.at(
                    &[&at[..], &["services", &i.to_string()]].concat(),
                    format!("role `{name}` names service `{service}`, which the hub does not have"),
                    &if known.is_empty() {
                        "define it under `hub.services`".to_owned()
                    } else {
                        format!("the hub's services: {}", known.join(", "))
                    },
                );
            }
        }
    }
}

/// Whether JupyterHub can serve a service named `name` at `/services/<name>/`.
fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems as problems;

    #[test]
    fn roles_name_services_that_exist_and_known_scopes() {
        let text = problems(concat!(
            "  hub:\n",
            "    services:\n",
            "      gpu-culler: {command: [python3, /srv/cull.py]}\n",
            "      web: {url: \"grader:8888\"}\n",
            "    roles:\n",
            "      culler:\n",
            "        scopes: [read:servers, delete:server]\n",
            "        services: [gpu-culler, gpu-cullr]\n",
        ));
        for expected in [
            "spec.hub.services.web.url: `grader:8888` is not an http(s) URL",
            "spec.hub.roles.culler.scopes[1]: `delete:server` is not a JupyterHub scope",
            "spec.hub.roles.culler.services[1]: role `culler` names service `gpu-cullr`, which the hub does not have",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        assert!(text.contains("hub.yaml:14:32: error"), "located: {text}");
        let fine = problems(
            "  hub:\n    services: {a: {url: \"http://a:80\", oauthNoConfirm: true}}\n    roles: {r: {scopes: [\"access:services!service=a\"], services: [a], groups: [staff]}}\n",
        );
        assert_eq!(fine, "");
    }
}
