//! The `secrets` layer: per hub namespace that reads from Vault, its Namespace, the service account Vault's
//! Kubernetes auth logs in with, a `SecretStore` per VaultStore used, and one `ExternalSecret` per consumer.
//! Only references leave jupyflux: the values stay in Vault and reach the cluster through External Secrets.

use super::files::Files;
use super::hub::{HUB_LABEL, namespace_object};
use super::object::{metadata, object};
use crate::model::hub::HubSpec;
use crate::model::usage::{SecretUse, Target};
use crate::model::vault::VaultStoreSpec;
use crate::model::{Definition, Environment};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "secrets";

const API_VERSION: &str = "external-secrets.io/v1";

/// Label that makes Flux's helm-controller reconcile a HelmRelease when a Secret it reads changes.
pub const WATCH_LABEL: (&str, &str) = ("reconcile.fluxcd.io/watch", "Enabled");

/// The Kubernetes Secret that External Secrets writes for a consumer of a hub's secrets.
pub fn secret_name(hub: &str, target: &Target) -> String {
    match target {
        Target::ChartValue(_) => format!("{hub}-chart-secrets"),
        Target::SingleuserEnv(_) | Target::ProfileEnv(..) => format!("{hub}-singleuser-env"),
    }
}

/// Render the secrets of every hub that uses Vault into `secrets/<namespace>/`.
pub fn render(env: &Environment, files: &mut Files) {
    for hub in &env.hubs {
        let uses = hub.spec.secret_uses();
        if !uses.is_empty() {
            render_hub(env, hub, &uses, files);
        }
    }
}

fn render_hub(
    env: &Environment,
    hub: &Definition<HubSpec>,
    uses: &[SecretUse<'_>],
    files: &mut Files,
) {
    let ns = hub.namespace();
    let dir = format!("{LAYER}/{ns}");
    let sources = &hub.sources;
    let labels = [(HUB_LABEL, hub.name.as_str())];
    // The hubs layer waits for this one, so the namespace is created here, before the objects in it.
    files.object(
        &format!("{dir}/namespace.yaml"),
        sources,
        &namespace_object(hub),
    );

    let stores: BTreeMap<&str, &Definition<VaultStoreSpec>> = uses
        .iter()
        .filter_map(|u| env.store_of(u.reference))
        .map(|s| (s.name.as_str(), s))
        .collect();
    let mut accounts = BTreeSet::new();
    for store in stores.values() {
        let account = &store.spec.auth.kubernetes.service_account;
        if accounts.insert(account.as_str()) {
            let sa = object(
                "v1",
                "ServiceAccount",
                metadata(account, Some(&ns), &labels),
                json!({}),
            );
            files.object(
                &format!("{dir}/serviceaccount-{account}.yaml"),
                &store.sources,
                &sa,
            );
        }
        let secret_store = object(
            API_VERSION,
            "SecretStore",
            metadata(&store.name, Some(&ns), &labels),
            json!({"spec": {"provider": {"vault": vault_provider(&store.spec)}}}),
        );
        files.object(
            &format!("{dir}/secretstore-{}.yaml", store.name),
            &store.sources,
            &secret_store,
        );
    }

    let default_store = env.definition.spec.secret_store.as_deref();
    let mut consumers: BTreeMap<String, Vec<&SecretUse<'_>>> = BTreeMap::new();
    for usage in uses {
        consumers
            .entry(secret_name(&hub.name, &usage.target))
            .or_default()
            .push(usage);
    }
    for (name, uses) in consumers {
        let external_secret = object(
            API_VERSION,
            "ExternalSecret",
            metadata(&name, Some(&ns), &labels),
            json!({"spec": external_secret_spec(&name, &uses, default_store)}),
        );
        files.object(
            &format!("{dir}/externalsecret-{name}.yaml"),
            sources,
            &external_secret,
        );
    }
}

/// The spec of the ExternalSecret writing Secret `name` from `uses`. It reads through the environment's
/// default store when any use does (else the first by name); uses of other stores name theirs in `sourceRef`.
fn external_secret_spec<'a>(
    name: &str,
    uses: &[&SecretUse<'a>],
    default_store: Option<&'a str>,
) -> Value {
    let store_of =
        |u: &SecretUse<'a>| -> &'a str { u.reference.store_or(default_store).unwrap_or_default() };
    let main_store = uses
        .iter()
        .map(|u| store_of(u))
        .min_by_key(|s| (Some(*s) != default_store, *s))
        .unwrap_or_default();
    let mut data: Vec<Value> = uses
        .iter()
        .map(|u| {
            let mut item = json!({
                "secretKey": u.secret_key,
                "remoteRef": {"key": u.reference.key, "property": u.reference.property},
            });
            let store = store_of(u);
            if store != main_store {
                item["sourceRef"] = json!({"storeRef": {"kind": "SecretStore", "name": store}});
            }
            item
        })
        .collect();
    data.sort_by(|a, b| a["secretKey"].as_str().cmp(&b["secretKey"].as_str()));
    data.dedup();
    json!({
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "SecretStore", "name": main_store},
        "target": {
            "name": name,
            "creationPolicy": "Owner",
            "template": {"metadata": {"labels": {WATCH_LABEL.0: WATCH_LABEL.1}}},
        },
        "data": data,
    })
}

/// `spec.provider.vault` of a SecretStore.
fn vault_provider(spec: &VaultStoreSpec) -> Value {
    let mut vault = json!({
        "server": spec.server,
        "path": spec.path,
        "version": spec.version.as_str(),
    });
    if let Some(namespace) = &spec.namespace {
        vault["namespace"] = json!(namespace);
    }
    if let Some(ca) = &spec.ca_provider {
        vault["caProvider"] = json!({"type": ca.kind.as_str(), "name": ca.name, "key": ca.key});
    }
    let kubernetes = &spec.auth.kubernetes;
    vault["auth"] = json!({"kubernetes": {
        "mountPath": kubernetes.mount_path,
        "role": kubernetes.role,
        "serviceAccountRef": {"name": kubernetes.service_account},
    }});
    vault
}

/// The HelmRelease `valuesFrom` entries that feed a hub's chart secrets from the ExternalSecret-made Secret.
pub fn values_from(hub: &Definition<HubSpec>) -> Vec<Value> {
    hub.spec
        .secret_uses()
        .iter()
        .filter_map(|u| match &u.target {
            Target::ChartValue(path) => Some(json!({
                "kind": "Secret",
                "name": secret_name(&hub.name, &u.target),
                "valuesKey": u.secret_key,
                "targetPath": path,
                "optional": false,
            })),
            Target::SingleuserEnv(_) | Target::ProfileEnv(..) => None,
        })
        .collect()
}
