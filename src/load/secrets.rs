//! Checks of Vault stores and secret references: every reference reads from a store that exists, and hubs
//! with real users take the chart's own secrets from Vault.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::diagnostic::did_you_mean;
use crate::model::usage::SecretUse;
use crate::model::vault::VaultStoreSpec;
use crate::model::{Definition, Environment, is_dns_label};

/// Validate the stores and the secret references of an environment. `hub_nodes` and `store_nodes` are the
/// merged documents in the order of `env.hubs` and `env.vault_stores`.
pub fn validate(
    env: &Environment,
    env_node: &Node,
    hub_nodes: &[&Node],
    store_nodes: &[&Node],
    notebook_nodes: &[&Node],
    report: &mut Reporter,
) {
    let names: Vec<&str> = env.vault_stores.iter().map(|s| s.name.as_str()).collect();
    let default = env.definition.spec.secret_store.as_deref();
    if let Some(default) = default
        && !names.contains(&default)
    {
        report.at(
            loc_at(env_node, &["spec", "secretStore"]),
            format!(
                "Environment `{}`: secretStore `{default}` is not a VaultStore",
                env.name
            ),
            Some(known_stores(default, &names)),
        );
    }
    for (store, node) in env.vault_stores.iter().zip(store_nodes) {
        vault_store(store, node, report);
    }
    for (notebook, node) in env.notebooks.iter().zip(notebook_nodes) {
        let owner = format!("Notebook `{}`", notebook.definition.name);
        for usage in notebook.definition.spec.secret_uses() {
            reference(env, &owner, &usage, node, &names, report);
        }
    }
    for (hub, node) in env.hubs.iter().zip(hub_nodes) {
        let owner = format!("Hub `{}`", hub.name);
        for usage in hub.spec.secret_uses() {
            reference(env, &owner, &usage, node, &names, report);
        }
        let oauth = hub
            .spec
            .auth
            .authenticator()
            .is_some_and(|a| a.client().is_some());
        if oauth && hub.spec.secrets.is_none() {
            report.at(
                loc_at(node, &["spec"]),
                format!(
                    "Hub `{}` logs users in with OAuth but its chart secrets are not references",
                    hub.name
                ),
                Some(
                    "add `secrets: {proxyToken: {vault: \"<key>#<property>\"}, cookieSecret: …, cryptKeeperKey: …}` \
                     (or `{secret: <existing Secret>, key: <key>}` each) so the chart never generates random ones \
                     (they would differ per install and log users out)"
                        .into(),
                ),
            );
        }
    }
}

fn vault_store(store: &Definition<VaultStoreSpec>, node: &Node, report: &mut Reporter) {
    let spec = &store.spec;
    let name = &store.name;
    if !["https://", "http://"]
        .iter()
        .any(|p| spec.server.starts_with(p))
    {
        report.at(
            loc_at(node, &["spec", "server"]),
            format!("VaultStore `{name}`: server `{}` is not a URL", spec.server),
            Some("write the Vault address, e.g. https://vault.example.org:8200".into()),
        );
    }
    if spec.path.trim_matches('/').is_empty() || spec.path.contains(char::is_whitespace) {
        report.at(
            loc_at(node, &["spec", "path"]),
            format!(
                "VaultStore `{name}`: path `{}` is not a KV mount path",
                spec.path
            ),
            Some("write the mount path of the KV engine, e.g. `secret`".into()),
        );
    }
    let kubernetes = &spec.auth.kubernetes;
    if kubernetes.role.trim().is_empty() {
        report.at(
            loc_at(node, &["spec", "auth", "kubernetes", "role"]),
            format!("VaultStore `{name}`: empty Vault role"),
            Some("name the Vault role bound to the service account".into()),
        );
    }
    if !is_dns_label(&kubernetes.service_account) {
        report.at(
            loc_at(node, &["spec", "auth", "kubernetes", "serviceAccount"]),
            format!(
                "VaultStore `{name}`: serviceAccount `{}` is not a DNS-1123 label",
                kubernetes.service_account
            ),
            Some("use lowercase letters, digits and `-`".into()),
        );
    }
}

/// Report a secret reference whose store does not exist or cannot be told.
fn reference(
    env: &Environment,
    owner: &str,
    usage: &SecretUse<'_>,
    node: &Node,
    names: &[&str],
    report: &mut Reporter,
) {
    let default = env.definition.spec.secret_store.as_deref();
    let Some(remote) = usage.reference.in_store() else {
        return; // an existing Kubernetes Secret: `validate` lists it among the Secrets that must exist
    };
    match (&remote.store, default) {
        (Some(store), _) if !names.contains(&store.as_str()) => {
            let mut field = usage.field.clone();
            field.push("store".into());
            report.at(
                loc_at(node, &field),
                format!("{owner}: unknown secret store `{store}`"),
                Some(known_stores(store, names)),
            );
        }
        (None, None) => report.at(
            loc_at(node, &usage.field),
            format!(
                "{owner}: secret reference `{}` names no store and Environment `{}` has no default secretStore",
                usage.reference, env.name
            ),
            Some(format!(
                "set `secretStore: <VaultStore>` in overlays/{}/environment.yaml, or write {{store: <VaultStore>, key, property}}",
                env.name
            )),
        ),
        _ => {}
    }
}

fn known_stores(name: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return "define a `kind: VaultStore` in overlays/base/ (or the environment) first".into();
    }
    match did_you_mean(name, names.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? VaultStores: {}", names.join(", ")),
        None => format!("VaultStores: {}", names.join(", ")),
    }
}
