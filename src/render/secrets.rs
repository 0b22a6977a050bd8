//! The `secrets` layer: per hub or notebook namespace that reads from Vault, the service account Vault's
//! Kubernetes auth logs in with, a `SecretStore` per VaultStore used, and one `ExternalSecret` per consumer.
//! Only references leave jupyflux: the values stay in Vault and reach the cluster through External Secrets.

use super::files::Files;
use super::notebooks::NOTEBOOK_LABEL;
use super::object::HUB_LABEL;
use super::object::{metadata, object};
use crate::model::hub::HubSpec;
use crate::model::usage::{SecretUse, Target, secret_name};
use crate::model::vault::VaultStoreSpec;
use crate::model::{Definition, Environment, NotebookDefinition};
use crate::notebook::uses::secret_name as notebook_secret;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The layer directory under `generated/<env>/`.
pub const LAYER: &str = "secrets";

const API_VERSION: &str = "external-secrets.io/v1";

/// Label that makes Flux's helm-controller reconcile a HelmRelease when a Secret it reads changes.
pub const WATCH_LABEL: (&str, &str) = ("reconcile.fluxcd.io/watch", "Enabled");

/// Render the secrets of every hub and notebook that uses Vault into `secrets/<namespace>/`.
pub fn render(env: &Environment, files: &mut Files) {
    for hub in &env.hubs {
        let uses = from_stores(hub.spec.secret_uses());
        if !uses.is_empty() {
            let reader = Reader {
                namespace: hub.namespace(),
                sources: hub.sources.clone(),
                labels: vec![(HUB_LABEL, hub.name.as_str())],
            };
            render_namespace(env, &reader, &uses, files);
            let secrets = by_secret(&uses, |u| secret_name(&hub.name, &u.target));
            render_external_secrets(env, &reader, secrets, files);
        }
    }
    for (ns, notebooks) in notebook_readers(env) {
        // The namespace's objects once; labelled with the notebook only when it is the namespace's only reader.
        let labels = match notebooks.as_slice() {
            [(only, _)] => vec![(NOTEBOOK_LABEL, only.definition.name.as_str())],
            _ => Vec::new(),
        };
        let shared = Reader {
            namespace: ns.to_owned(),
            // Its objects name the files of the stores they are for.
            sources: Vec::new(),
            labels,
        };
        let all: Vec<SecretUse<'_>> = notebooks.iter().flat_map(|(_, u)| u.clone()).collect();
        render_namespace(env, &shared, &all, files);
        for (notebook, uses) in &notebooks {
            let definition = &notebook.definition;
            let reader = Reader {
                namespace: ns.to_owned(),
                sources: definition.sources.clone(),
                labels: vec![(NOTEBOOK_LABEL, definition.name.as_str())],
            };
            let secrets = by_secret(uses, |_| notebook_secret(&definition.name));
            render_external_secrets(env, &reader, secrets, files);
        }
    }
}

/// Notebooks that read secrets, with their uses, by namespace.
pub(super) type NotebookReaders<'a> =
    BTreeMap<&'a str, Vec<(&'a NotebookDefinition, Vec<SecretUse<'a>>)>>;

/// The notebooks that read secrets, with their uses, by namespace.
pub(super) fn notebook_readers(env: &Environment) -> NotebookReaders<'_> {
    let mut namespaces: NotebookReaders<'_> = BTreeMap::new();
    for notebook in &env.notebooks {
        let uses = from_stores(notebook.definition.spec.secret_uses());
        if !uses.is_empty() {
            namespaces
                .entry(notebook.namespace.as_str())
                .or_default()
                .push((notebook, uses));
        }
    }
    namespaces
}

/// The uses External Secrets serves; existing Kubernetes Secrets are read where they are.
fn from_stores(uses: Vec<SecretUse<'_>>) -> Vec<SecretUse<'_>> {
    uses.into_iter().filter(SecretUse::from_store).collect()
}

/// What reads secrets in one namespace: a hub or the notebooks there.
struct Reader<'a> {
    namespace: String,
    sources: Vec<String>,
    /// Labels of the objects rendered for it.
    labels: Vec<(&'static str, &'a str)>,
}

/// The uses grouped by the Secret that holds them.
fn by_secret<'u, 'a>(
    uses: &'u [SecretUse<'a>],
    secret: impl Fn(&SecretUse<'a>) -> String,
) -> BTreeMap<String, Vec<&'u SecretUse<'a>>> {
    let mut secrets: BTreeMap<String, Vec<&SecretUse<'a>>> = BTreeMap::new();
    for usage in uses {
        secrets.entry(secret(usage)).or_default().push(usage);
    }
    secrets
}

/// The ServiceAccount and SecretStore of every VaultStore a reader's `uses` read from, in the reader's namespace
/// (whose Namespace [`super::namespaces`] renders into this layer when jupyflux owns it).
fn render_namespace(
    env: &Environment,
    reader: &Reader<'_>,
    uses: &[SecretUse<'_>],
    files: &mut Files,
) {
    let ns = reader.namespace.as_str();
    let dir = format!("{LAYER}/{ns}");
    let labels = reader.labels.as_slice();

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
                metadata(account, Some(ns), labels),
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
            metadata(&store.name, Some(ns), labels),
            json!({"spec": {"provider": {"vault": vault_provider(&store.spec, ns)}}}),
        );
        files.object(
            &format!("{dir}/secretstore-{}.yaml", store.name),
            &store.sources,
            &secret_store,
        );
    }
}

/// One ExternalSecret per Secret a reader's uses are grouped into.
fn render_external_secrets(
    env: &Environment,
    reader: &Reader<'_>,
    secrets: BTreeMap<String, Vec<&SecretUse<'_>>>,
    files: &mut Files,
) {
    let ns = reader.namespace.as_str();
    let labels = reader.labels.as_slice();
    let default_store = env.definition.spec.secret_store.as_deref();
    for (name, uses) in secrets {
        let external_secret = object(
            API_VERSION,
            "ExternalSecret",
            metadata(&name, Some(ns), labels),
            json!({"spec": external_secret_spec(&name, &uses, default_store)}),
        );
        files.object(
            &format!("{LAYER}/{ns}/externalsecret-{name}.yaml"),
            &reader.sources,
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
            let remote = u
                .reference
                .in_store()
                .expect("only store uses are rendered");
            let mut item = json!({
                "secretKey": u.secret_key,
                "remoteRef": {"key": remote.key, "property": remote.property},
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

/// The placeholder in a VaultStore's `auth.kubernetes.role` that becomes the namespace of each SecretStore, so that
/// each namespace logs in with a role of its own (bound to that namespace's service account only).
pub const ROLE_NAMESPACE: &str = "{namespace}";

/// `spec.provider.vault` of the SecretStore in namespace `ns`.
fn vault_provider(spec: &VaultStoreSpec, ns: &str) -> Value {
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
        "role": kubernetes.role.replace(ROLE_NAMESPACE, ns),
        "serviceAccountRef": {"name": kubernetes.service_account},
    }});
    vault
}

/// The HelmRelease `valuesFrom` entries that feed a hub's chart secrets from the Secret holding each: the one
/// an ExternalSecret writes, or the existing one a reference names.
pub fn values_from(hub: &Definition<HubSpec>) -> Vec<Value> {
    hub.spec
        .secret_uses()
        .iter()
        .filter_map(|u| match &u.target {
            Target::ChartValue(path) => {
                let (name, key) = u.in_cluster(|| secret_name(&hub.name, &u.target));
                Some(json!({
                    "kind": "Secret",
                    "name": name,
                    "valuesKey": key,
                    "targetPath": path,
                    "optional": false,
                }))
            }
            Target::HubEnv(_)
            | Target::SingleuserEnv(_)
            | Target::ProfileEnv(..)
            | Target::Notebook => None,
        })
        .collect()
}
