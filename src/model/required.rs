//! The Kubernetes Secrets jupyflux reads but does not make: those `{secret, key}` references and `valuesFrom`
//! entries name, and the credentials a store's provider reads in each namespace that uses it; and the ConfigMaps
//! hub rules read (`{configMap, key}`). `validate` lists them per namespace so a pipeline can check they exist
//! before Flux applies.

use super::Definition;
use super::release::ValuesKind;
use super::secret_store::{SecretStoreSpec, Store};
use super::usage::SecretUse;
use super::{Environment, Model};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One Secret that must exist, with the keys read from it and what reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredSecret {
    pub environment: String,
    pub namespace: String,
    pub secret: String,
    /// The keys read, sorted.
    pub keys: Vec<String>,
    /// `Hub `name`: spec.auth.github.clientId` — who reads it, sorted.
    pub used_by: Vec<String>,
}

/// One ConfigMap that must exist, with the keys read from it and what reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredConfigMap {
    pub environment: String,
    pub namespace: String,
    pub config_map: String,
    /// The keys read, sorted.
    pub keys: Vec<String>,
    /// `Hub `name`: spec.rules.0.env.NAME` — who reads it, sorted.
    pub used_by: Vec<String>,
}

/// Every ConfigMap the model's hub rules read, sorted by environment, namespace and name.
pub fn required_config_maps(model: &Model) -> Vec<RequiredConfigMap> {
    let mut out = Vec::new();
    for env in &model.environments {
        let mut reads: Reads = BTreeMap::new();
        for hub in &env.hubs {
            let ns = hub.namespace();
            for (index, rule) in hub.spec.rules.iter().enumerate() {
                for (name, value) in &rule.env {
                    if let super::rule::EnvValue::ConfigMap(c) = value {
                        let by = format!("Hub `{}`: spec.rules.{index}.env.{name}", hub.name);
                        add(&mut reads, &ns, &c.config_map, &c.key, by);
                    }
                }
            }
        }
        out.extend(
            reads.into_iter().map(
                |((namespace, config_map), (keys, users))| RequiredConfigMap {
                    environment: env.name.clone(),
                    namespace,
                    config_map,
                    keys: keys.into_iter().collect(),
                    used_by: users.into_iter().collect(),
                },
            ),
        );
    }
    out
}

/// Every Secret the model reads but does not make, sorted by environment, namespace and name.
pub fn required_secrets(model: &Model) -> Vec<RequiredSecret> {
    model.environments.iter().flat_map(of_environment).collect()
}

type Key = (String, String);
type Reads = BTreeMap<Key, (BTreeSet<String>, BTreeSet<String>)>;

/// The Secrets one environment reads but does not make.
pub fn of_environment(env: &Environment) -> Vec<RequiredSecret> {
    let mut reads: Reads = BTreeMap::new();
    for hub in &env.hubs {
        let ns = hub.namespace();
        let owner = format!("Hub `{}`", hub.name);
        let uses = hub.spec.secret_uses();
        store_credentials(&mut reads, env, &ns, &uses);
        existing(&mut reads, &ns, &owner, uses);
        for (index, entry) in hub.spec.values_from.iter().enumerate() {
            if entry.kind == ValuesKind::Secret && !entry.optional {
                let key = entry.values_key.as_deref().unwrap_or("values.yaml");
                let by = format!("{owner}: spec.valuesFrom.{index}");
                add(&mut reads, &ns, entry.name.as_str(), key, by);
            }
        }
    }
    for notebook in &env.notebooks {
        let owner = format!("Notebook `{}`", notebook.definition.name);
        let uses = notebook.definition.spec.secret_uses();
        store_credentials(&mut reads, env, &notebook.namespace, &uses);
        existing(&mut reads, &notebook.namespace, &owner, uses);
    }
    reads
        .into_iter()
        .map(|((namespace, secret), (keys, users))| RequiredSecret {
            environment: env.name.clone(),
            namespace,
            secret,
            keys: keys.into_iter().collect(),
            used_by: users.into_iter().collect(),
        })
        .collect()
}

/// The uses that name an existing Secret.
fn existing(reads: &mut Reads, ns: &str, owner: &str, uses: Vec<SecretUse<'_>>) {
    for usage in uses {
        if let Some(existing) = usage.reference.existing() {
            let by = format!("{owner}: {}", usage.field.join("."));
            add(reads, ns, &existing.secret, &existing.key, by);
        }
    }
}

/// The Secrets the stores that `uses` read through need in namespace `ns` (a 1Password Connect token, a
/// Bitwarden access token): every `{name, key}` selector of a rendered store's provider without a namespace.
fn store_credentials(reads: &mut Reads, env: &Environment, ns: &str, uses: &[SecretUse<'_>]) {
    let mut stores: Vec<&Definition<SecretStoreSpec>> = Vec::new();
    for usage in uses {
        if let Some(Store::External(store)) = env.store_of(usage.reference)
            && !stores.iter().any(|s| s.name == store.name)
        {
            stores.push(store);
        }
    }
    for store in stores {
        for (name, settings) in store.spec.provider.iter().flat_map(|p| &p.0) {
            let mut found = Vec::new();
            selectors(settings, &mut vec![name.clone()], &mut found);
            for (path, secret, key) in found {
                let by = format!(
                    "SecretStore `{}`: spec.provider.{}",
                    store.name,
                    path.join(".")
                );
                add(reads, ns, &secret, &key, by);
            }
        }
    }
}

/// `{name, key}` objects (ESO's SecretKeySelector without `namespace`) under a key ending in `Ref`.
fn selectors(
    value: &Value,
    path: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, String, String)>,
) {
    let Some(map) = value.as_object() else {
        return;
    };
    let under_ref = path
        .last()
        .is_some_and(|k| k.ends_with("Ref") || k == "credentials");
    if under_ref
        && map.keys().all(|k| k == "name" || k == "key")
        && let (Some(name), Some(key)) = (
            map.get("name").and_then(Value::as_str),
            map.get("key").and_then(Value::as_str),
        )
    {
        found.push((path.clone(), name.to_owned(), key.to_owned()));
        return;
    }
    for (key, child) in map {
        path.push(key.clone());
        selectors(child, path, found);
        path.pop();
    }
}

fn add(reads: &mut Reads, ns: &str, secret: &str, key: &str, by: String) {
    let (keys, users) = reads.entry((ns.to_owned(), secret.to_owned())).or_default();
    keys.insert(key.to_owned());
    users.insert(by);
}
