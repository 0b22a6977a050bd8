//! Checks of the CILogon authenticator: identity providers by entity ID, a class name that can be a `hub.config`
//! section, and client credentials from exactly one place (the definition, or the hub's environment).

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::model::cilogon::{CILogonOAuth, CLIENT_ID_ENV, CLIENT_SECRET_ENV};
use crate::model::hub::HubSpec;
use crate::model::secret::MaybeSecret;

/// Validate `spec.auth.cilogon` of hub `name`, when it is set.
pub fn validate(name: &str, spec: &HubSpec, node: &Node, report: &mut Reporter) {
    let Some(cilogon) = &spec.auth.cilogon else {
        return;
    };
    let at = |path: &[&str]| {
        let mut keys = vec!["spec", "auth", "cilogon"];
        keys.extend_from_slice(path);
        loc_at(node, &keys)
    };
    if cilogon.allowed_idps.is_empty() {
        report.at(
            at(&["allowedIdps"]),
            format!("Hub `{name}`: auth.cilogon.allowedIdps names no identity provider (the authenticator refuses to start)"),
            Some(IDP_EXAMPLE.into()),
        );
    }
    for (entity, idp) in &cilogon.allowed_idps {
        let scheme = entity.split_once(':').map(|(s, _)| s);
        if !matches!(scheme, Some("https" | "http" | "urn")) || entity.contains(char::is_whitespace)
        {
            report.at(
                at(&["allowedIdps", entity.as_str()]),
                format!("Hub `{name}`: `{entity}` is not a CILogon entity ID (the authenticator refuses domain names)"),
                Some(IDP_EXAMPLE.into()),
            );
        }
        if idp.username_claim.trim().is_empty() {
            report.at(
                at(&["allowedIdps", entity.as_str(), "usernameClaim"]),
                format!("Hub `{name}`: the identity provider `{entity}` has an empty usernameClaim"),
                Some("name the claim of CILogon's userinfo that is the user name, e.g. `eppn` or `email`".into()),
            );
        }
    }
    if let Some(class) = &cilogon.config_class
        && !is_class_name(class)
    {
        report.at(
            at(&["configClass"]),
            format!("Hub `{name}`: configClass `{class}` is not a Python class name"),
            Some("write the name of the subclass your hub configuration defines, e.g. `LabCILogonOAuthenticator` (a hub.config section starts with a capital letter)".into()),
        );
    }
    credentials(name, cilogon, spec, node, report);
}

const IDP_EXAMPLE: &str = "name each identity provider by its entity ID (https://cilogon.org/idplist), e.g. \
     `https://idp.example.edu/idp/shibboleth: {usernameClaim: eppn, allowAll: true}`";

/// Both client credentials in the definition, or neither and both in the hub's environment (the secret from a
/// secret reference).
fn credentials(
    name: &str,
    cilogon: &CILogonOAuth,
    spec: &HubSpec,
    node: &Node,
    report: &mut Reporter,
) {
    let at = loc_at(node, &["spec", "auth", "cilogon"]);
    match (&cilogon.client_id, &cilogon.client_secret) {
        (Some(_), Some(_)) => {}
        (None, None) => {
            let env = &spec.hub.env;
            let id = env.contains_key(CLIENT_ID_ENV);
            let secret = matches!(env.get(CLIENT_SECRET_ENV), Some(MaybeSecret::Secret(_)));
            if !id || !secret {
                report.at(
                    at,
                    format!("Hub `{name}`: auth.cilogon has no client credentials, and hub.env does not set {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (from a secret reference), where the authenticator would read them"),
                    Some(format!("add `clientId` and `clientSecret` as secret references, or `hub.env: {{{CLIENT_ID_ENV}: {{secret: <Secret>, key: <key>}}, {CLIENT_SECRET_ENV}: {{secret: <Secret>, key: <key>}}}}`")),
                );
            }
        }
        _ => report.at(
            at,
            format!("Hub `{name}`: auth.cilogon sets only one of clientId and clientSecret"),
            Some("set both (secret references), or neither and take both from hub.env".into()),
        ),
    }
}

/// Whether `name` is a Python identifier starting with a capital letter (what traitlets takes as a class section).
fn is_class_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    fn problems(cilogon: &str, extra: &str) -> String {
        crate::load::hub_problems(&format!(
            "  chart: {{version: \"4.3.2\"}}\n  secrets: {{proxyToken: {{secret: c, key: p}}, cookieSecret: {{secret: c, key: c}}, cryptKeeperKey: {{secret: c, key: k}}}}\n  auth:\n    cilogon: {cilogon}\n  singleuser:\n    image: quay.io/jupyter/base-notebook:2025-03-17\n{extra}"
        ))
    }

    #[test]
    fn credentials_come_from_the_definition_or_the_hubs_environment() {
        let idps = "allowedIdps: {https://idp.example.edu/idp/shibboleth: {usernameClaim: eppn}}";
        let env = "  hub:\n    env:\n      CILOGON_CLIENT_ID: {secret: auth, key: id}\n      CILOGON_CLIENT_SECRET: {secret: auth, key: secret}\n";
        assert_eq!(problems(&format!("{{{idps}}}"), env), "");
        let refs = "clientId: {secret: auth, key: id}, clientSecret: {secret: auth, key: secret}";
        assert_eq!(problems(&format!("{{{idps}, {refs}}}"), ""), "");
        let text = problems(&format!("{{{idps}}}"), "");
        assert!(
            text.contains("hub.yaml:8:14: error: Hub `lab`: auth.cilogon has no client credentials, and hub.env does not set CILOGON_CLIENT_ID and CILOGON_CLIENT_SECRET"),
            "{text}"
        );
        let text = problems(&format!("{{{idps}, clientId: {{secret: a, key: b}}}}"), "");
        assert!(
            text.contains("sets only one of clientId and clientSecret"),
            "{text}"
        );
    }

    #[test]
    fn identity_providers_by_entity_id_and_a_class_name() {
        let text = problems(
            "{allowedIdps: {purdue.edu: {usernameClaim: \" \"}}, configClass: my-class, clientId: {secret: a, key: b}, clientSecret: {secret: a, key: c}}",
            "",
        );
        for wanted in [
            "`purdue.edu` is not a CILogon entity ID",
            "the identity provider `purdue.edu` has an empty usernameClaim",
            "configClass `my-class` is not a Python class name",
        ] {
            assert!(text.contains(wanted), "{wanted}: {text}");
        }
        let text = problems(
            "{allowedIdps: {}, clientId: {secret: a, key: b}, clientSecret: {secret: a, key: c}}",
            "",
        );
        assert!(
            text.contains("allowedIdps names no identity provider"),
            "{text}"
        );
    }
}
