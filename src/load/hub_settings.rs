//! Checks of a hub's settings that must agree with each other: at most one way of exposure (and, in
//! `load_balancer`, its ports), storage fields that fit the storage type, one database, groups only where the
//! authenticator can enforce them.

use super::node::Node;
use super::profiles::volume_names;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::hub::DATABASE_CHOICES;
use crate::model::hub::{HubSpec, StorageKind};

/// Validate the settings of hub `name`.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    if let [first, second, ..] = spec.expose.chosen().as_slice() {
        report.at(
            loc_at(node, &["spec", "expose", second]),
            format!("Hub `{name}`: both {first} and {second} are set under spec.expose"),
            Some("choose one: `ingress` (an Ingress controller), `httpRoute` (a Gateway API Gateway), `loadBalancer` (the proxy's own Service) or `none: {}` (none of them)".into()),
        );
    }
    super::load_balancer::validate(name, spec, node, report);
    storage(name, spec, node, report);
    if let Some(database) = &spec.database {
        let chosen = database.chosen();
        if chosen.len() != 1 {
            let at = chosen.get(1).map_or(vec!["spec", "database"], |second| {
                vec!["spec", "database", second]
            });
            report.at(
                loc_at(node, &at),
                format!("Hub `{name}`: spec.database needs exactly one of {}", DATABASE_CHOICES.join(", ")),
                Some("e.g. `postgres: {url: {vault: \"jupyterhub/db#url\"}}` or `sqlite: {size: 5Gi}`".into()),
            );
        }
    }
    oauth_settings(name, spec, node, report);
    super::cilogon::validate(name, spec, node, report);
    if let Some(authenticator) = spec.auth.authenticator() {
        let (allowed, admin) = authenticator.supports_groups();
        for (field, supported, groups) in [
            ("allowedGroups", allowed, &spec.auth.allowed_groups),
            ("adminGroups", admin, &spec.auth.admin_groups),
        ] {
            if !supported && !groups.is_empty() {
                report.at(
                    loc_at(node, &["spec", "auth", field]),
                    format!("Hub `{name}`: the {} authenticator cannot enforce {field}", authenticator.field()),
                    Some(match authenticator.field() {
                        "github" => "use spec.auth.github.allowedOrganizations (`org` or `org:team`), and adminUsers for admins".into(),
                        "gitlab" => "GitLab supports allowedGroups only; name admins in adminUsers".into(),
                        _ => "groups need an OAuth/OIDC provider: use spec.auth.generic with groupsClaim".into(),
                    }),
                );
            }
        }
    }
    if let Some(culling) = &spec.culling {
        for (field, seconds) in [
            ("timeout", culling.timeout),
            ("every", culling.every),
            ("maxAge", culling.max_age),
        ] {
            if seconds == Some(crate::model::seconds::Seconds(0)) {
                report.at(
                    loc_at(node, &["spec", "culling", field]),
                    format!("Hub `{name}`: culling {field} must be more than 0 seconds"),
                    Some(
                        "e.g. `timeout: 3600` (stop servers idle for an hour), `every: 600`".into(),
                    ),
                );
            }
        }
    }
}

/// `loginService`, `callbackUrl` and `logoutRedirectUrl` only with an OAuth authenticator; the callback an absolute
/// https URL.
fn oauth_settings(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let oauth = spec
        .auth
        .authenticator()
        .is_some_and(|a| a.config_section().is_some());
    for (field, set) in [
        ("loginService", spec.auth.login_service.is_some()),
        ("callbackUrl", spec.auth.callback_url.is_some()),
        ("logoutRedirectUrl", spec.auth.logout_redirect_url.is_some()),
    ] {
        if set && !oauth {
            report.at(
                loc_at(node, &["spec", "auth", field]),
                format!("Hub `{name}`: spec.auth.{field} is a setting of an OAuth authenticator"),
                Some("choose spec.auth.github, gitlab, generic or cilogon, or set it under values for your authenticator".into()),
            );
        }
    }
    if let Some(url) = &spec.auth.callback_url
        && (!url.starts_with("https://")
            || url.contains(char::is_whitespace)
            || url.len() <= "https://".len())
    {
        report.at(
            loc_at(node, &["spec", "auth", "callbackUrl"]),
            format!("Hub `{name}`: callbackUrl `{url}` is not an https URL"),
            Some("write the URL registered with the provider, e.g. https://example.org/jupyterhub/hub/oauth_callback".into()),
        );
    }
}

fn storage(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let storage = &spec.singleuser.storage;
    let at = |field: &str| loc_at(node, &["spec", "singleuser", "storage", field]);
    let kind = storage.kind.as_str();
    if storage.kind == StorageKind::Static && storage.pvc_name.is_none() {
        report.at(
            at("type"),
            format!("Hub `{name}`: static storage without pvcName"),
            Some("name the existing PersistentVolumeClaim: `pvcName: <claim>` (each user gets `subPath`, default {username})".into()),
        );
    }
    for (field, set, fits) in [
        ("capacity", storage.capacity.is_some(), StorageKind::Dynamic),
        (
            "storageClass",
            storage.storage_class.is_some(),
            StorageKind::Dynamic,
        ),
        (
            "accessModes",
            !storage.access_modes.is_empty(),
            StorageKind::Dynamic,
        ),
        ("pvcName", storage.pvc_name.is_some(), StorageKind::Static),
        ("subPath", storage.sub_path.is_some(), StorageKind::Static),
    ] {
        if set && storage.kind != fits {
            report.at(
                at(field),
                format!("Hub `{name}`: storage `{field}` does not apply to `type: {kind}`"),
                Some(format!(
                    "`{field}` belongs to `type: {}`; remove it or change the type",
                    fits.as_str()
                )),
            );
        }
    }
    if let Some(path) = &storage.home_mount_path
        && !path.starts_with('/')
    {
        report.at(
            at("homeMountPath"),
            format!("Hub `{name}`: homeMountPath `{path}` is not an absolute path"),
            Some("e.g. `/home/jovyan` (the chart's default) or `/home/{username}`".into()),
        );
    }
    volume_names(name, &storage.extra_volumes, &at("extraVolumes"), report);
    let volumes: Vec<&str> = storage
        .extra_volumes
        .iter()
        .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
        .collect();
    for (i, mount) in storage.extra_volume_mounts.iter().enumerate() {
        if !volumes.contains(&mount.name.as_str()) {
            report.at(
                loc_at(node, &["spec", "singleuser", "storage", "extraVolumeMounts", &i.to_string(), "name"]),
                format!("Hub `{name}`: extraVolumeMounts names volume `{}`, which extraVolumes does not define", mount.name),
                Some(format!("extraVolumes: {}", volumes.join(", "))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// The problems of a hub with authenticator `auth` whose spec ends with `extra` (YAML indented under `spec:`).
    fn problems(auth: &str, extra: &str) -> String {
        crate::load::hub_problems(&format!(
            "  chart: {{version: \"4.3.2\"}}\n  auth: {auth}\n  singleuser:\n    image: quay.io/jupyter/base-notebook:2025-03-17\n{extra}"
        ))
    }

    #[test]
    fn storage_fields_must_fit_the_storage_type() {
        let text = problems(
            "{dummy: {}}",
            "    storage: {type: static, pvcName: homes, capacity: 5Gi}\n",
        );
        assert!(
            text.contains("overlays/base/hub.yaml:9:55: error: Hub `lab`: storage `capacity` does not apply to `type: static`"),
            "{text}"
        );
        let text = problems(
            "{dummy: {}}",
            "    storage:\n      extraVolumeMounts: [{name: data, mountPath: /data}]\n",
        );
        assert!(
            text.contains("extraVolumeMounts names volume `data`"),
            "{text}"
        );
        let text = problems(
            "{dummy: {}}",
            "    storage: {type: none, accessModes: [ReadWriteMany], homeMountPath: home}
",
        );
        assert!(
            text.contains("storage `accessModes` does not apply to `type: none`"),
            "{text}"
        );
        assert!(
            text.contains("homeMountPath `home` is not an absolute path"),
            "{text}"
        );
    }

    #[test]
    fn one_database_and_positive_culling_times() {
        let text = problems(
            "{dummy: {}}",
            "  database:\n    postgres: {url: {store: v, key: db, property: url}}\n    mysql: {url: {store: v, key: db, property: url}}\n  culling: {every: 0}\n",
        );
        assert!(text.contains("hub.yaml:11:12: error: Hub `lab`: spec.database needs exactly one of sqlite, postgres, mysql"), "{text}");
        assert!(
            text.contains(
                "hub.yaml:12:20: error: Hub `lab`: culling every must be more than 0 seconds"
            ),
            "{text}"
        );
    }

    #[test]
    fn oauth_settings_need_an_oauth_authenticator_and_an_https_callback() {
        let text = problems(
            "{dummy: {}, loginService: SSO, callbackUrl: https://a.example.org/cb}",
            "",
        );
        for field in ["loginService", "callbackUrl"] {
            assert!(
                text.contains(&format!(
                    "spec.auth.{field} is a setting of an OAuth authenticator"
                )),
                "{text}"
            );
        }
        let github = "{github: {clientId: {secret: gh, key: id}, clientSecret: {secret: gh, key: secret}}, callbackUrl: http://a.example.org/cb}";
        let text = problems(github, "");
        assert!(
            text.contains("callbackUrl `http://a.example.org/cb` is not an https URL"),
            "{text}"
        );
        assert!(
            !text.contains("is a setting of an OAuth authenticator"),
            "{text}"
        );
    }

    #[test]
    fn groups_only_where_the_authenticator_enforces_them() {
        let github = "{github: {clientId: {store: v, key: a, property: b}, clientSecret: {store: v, key: a, property: c}}, allowedGroups: [staff]}";
        let text = problems(github, "");
        assert!(
            text.contains("the github authenticator cannot enforce allowedGroups"),
            "{text}"
        );
        assert!(text.contains("allowedOrganizations"), "{text}");
    }
}
