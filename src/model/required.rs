//! The Kubernetes Secrets jupyflux reads but does not make: those `{secret, key}` references and `valuesFrom`
//! entries name. `validate` lists them per namespace so a pipeline can check they exist before Flux applies.

use super::release::ValuesKind;
use super::usage::SecretUse;
use super::{Environment, Model};
use serde::Serialize;
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
        existing(&mut reads, &ns, &owner, hub.spec.secret_uses());
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

fn add(reads: &mut Reads, ns: &str, secret: &str, key: &str, by: String) {
    let (keys, users) = reads.entry((ns.to_owned(), secret.to_owned())).or_default();
    keys.insert(key.to_owned());
    users.insert(by);
}
