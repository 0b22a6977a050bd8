//! Checks of secret stores and secret references: every reference reads from a store that exists, stores are
//! well-formed (a `SecretStore` names one known External Secrets provider, or a ClusterSecretStore, and holds no
//! secret value), and hubs with real users take the chart's own secrets from references.

use super::node::Node;
use super::report::Reporter;
use super::validate::loc_at;
use crate::diagnostic::did_you_mean;
use crate::model::secret_store::{PROVIDERS, SecretStoreSpec};
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
    secret_store_nodes: &[&Node],
    notebook_nodes: &[&Node],
    report: &mut Reporter,
) {
    let names: Vec<&str> = env
        .vault_stores
        .iter()
        .map(|s| s.name.as_str())
        .chain(env.secret_stores.iter().map(|s| s.name.as_str()))
        .collect();
    let default = env.definition.spec.secret_store.as_deref();
    if let Some(default) = default
        && !names.contains(&default)
    {
        report.at(
            loc_at(env_node, &["spec", "secretStore"]),
            format!(
                "Environment `{}`: secretStore `{default}` is not a VaultStore or SecretStore",
                env.name
            ),
            Some(known_stores(default, &names)),
        );
    }
    for (store, node) in env.vault_stores.iter().zip(store_nodes) {
        vault_store(store, node, report);
    }
    for (store, node) in env.secret_stores.iter().zip(secret_store_nodes) {
        if env.vault_stores.iter().any(|v| v.name == store.name) {
            report.at(
                loc_at(node, &["metadata", "name"]),
                format!("SecretStore `{}` has the name of a VaultStore", store.name),
                Some("references name stores by name: give each store its own".into()),
            );
        }
        secret_store(store, node, report);
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
            .is_some_and(|a| a.config_section().is_some());
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

fn secret_store(store: &Definition<SecretStoreSpec>, node: &Node, report: &mut Reporter) {
    let spec = &store.spec;
    let name = &store.name;
    match (&spec.provider, &spec.cluster_secret_store) {
        (Some(_), Some(_)) | (None, None) => report.at(
            loc_at(node, &["spec"]),
            format!("SecretStore `{name}` needs exactly one of provider and clusterSecretStore"),
            Some("`provider: {aws: {…}}` renders a SecretStore in each namespace that reads from it; `clusterSecretStore: <name>` reads through one that exists".into()),
        ),
        (None, Some(cluster)) => {
            if !crate::model::is_dns_subdomain(cluster) {
                report.at(
                    loc_at(node, &["spec", "clusterSecretStore"]),
                    format!("SecretStore `{name}`: `{cluster}` is not a ClusterSecretStore name"),
                    Some("use lowercase letters, digits, `-` and `.`".into()),
                );
            }
        }
        (Some(provider), None) => match provider.only() {
            Some((kind, settings)) if PROVIDERS.contains(&kind) => {
                if !settings.is_object() {
                    report.at(
                        loc_at(node, &["spec", "provider", kind]),
                        format!("SecretStore `{name}`: the {kind} provider's settings must be a mapping"),
                        Some("write them as External Secrets documents the provider".into()),
                    );
                }
            }
            Some((kind, _)) => {
                let help = match did_you_mean(kind, PROVIDERS.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("External Secrets providers: {}", PROVIDERS.join(", ")),
                };
                report.at(
                    loc_at(node, &["spec", "provider", kind]),
                    format!("SecretStore `{name}`: unknown External Secrets provider `{kind}`"),
                    Some(help),
                );
            }
            None => report.at(
                loc_at(node, &["spec", "provider"]),
                format!("SecretStore `{name}`: provider needs exactly one External Secrets provider"),
                Some("e.g. `provider: {gcpsm: {projectID: my-project}}`; one store per provider".into()),
            ),
        },
    }
    if spec.cluster_secret_store.is_some() && spec.service_account.is_some() {
        report.at(
            loc_at(node, &["spec", "serviceAccount"]),
            format!("SecretStore `{name}`: a ClusterSecretStore logs in with its own identity"),
            Some("remove serviceAccount, or render a namespaced store with `provider`".into()),
        );
    }
    if let Some(account) = &spec.service_account
        && !is_dns_label(&account.name)
    {
        report.at(
            loc_at(node, &["spec", "serviceAccount", "name"]),
            format!(
                "SecretStore `{name}`: serviceAccount `{}` is not a DNS-1123 label",
                account.name
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
        return "define a `kind: VaultStore` or `kind: SecretStore` in overlays/base/ (or the environment) first, or reference an existing Secret with {secret, key}".into();
    }
    match did_you_mean(name, names.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? stores: {}", names.join(", ")),
        None => format!("stores: {}", names.join(", ")),
    }
}
