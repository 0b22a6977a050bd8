//! The `secrets` layer: per hub or notebook namespace that reads from a store, the service account the store
//! logs in with, a `SecretStore` per store used (none for a ClusterSecretStore), and one `ExternalSecret` per
//! consumer. Only references leave jupyflux: the values stay in the store and reach the cluster through External
//! Secrets. Existing Kubernetes Secrets (`{secret, key}`) are read where they are: nothing here.

use super::files::Files;
use super::layout::Layout;
use super::notebooks::NOTEBOOK_LABEL;
use super::object::HUB_LABEL;
use super::object::{metadata, object};
use crate::model::hub::HubSpec;
use crate::model::secret_store::Store;
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

/// Render the secrets of every hub and notebook that uses Vault into `secrets/<namespace>/` (a large notebook
/// namespace's in the directories `layout` gives).
pub fn render(env: &Environment, layout: &Layout, files: &mut Files) {
    for hub in &env.hubs {
        let uses = from_stores(hub.spec.secret_uses());
        if !uses.is_empty() {
            let namespace = hub.namespace();
            let reader = Reader {
                dir: layout.namespace_dir(LAYER, &namespace),
                namespace,
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
            dir: layout.namespace_dir(LAYER, ns),
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
                dir: layout.notebook_dir(LAYER, ns, &definition.name),
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
    /// The directory its objects go to.
    dir: String,
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

/// The ServiceAccount and SecretStore of every store a reader's `uses` read from, in the reader's namespace
/// (whose Namespace [`super::namespaces`] renders into this layer when jupyflux owns it). A `SecretStore`
/// definition naming a ClusterSecretStore renders nothing.
fn render_namespace(
    env: &Environment,
    reader: &Reader<'_>,
    uses: &[SecretUse<'_>],
    files: &mut Files,
) {
    let ns = reader.namespace.as_str();
    let dir = &reader.dir;
    let labels = reader.labels.as_slice();

    let stores: BTreeMap<&str, Store<'_>> = uses
        .iter()
        .filter_map(|u| env.store_of(u.reference))
        .map(|s| (s.name(), s))
        .collect();
    let mut accounts = BTreeSet::new();
    for store in stores.values().copied() {
        let (account, provider) = match store {
            Store::Vault(vault) => (
                Some((vault.spec.auth.kubernetes.service_account.as_str(), None)),
                Some(json!({"vault": vault_provider(&vault.spec, ns)})),
            ),
            Store::External(external) => (
                external
                    .spec
                    .service_account
                    .as_ref()
                    .map(|a| (a.name.as_str(), Some(&a.annotations))),
                external.spec.provider.as_ref().map(|p| json!(p.0)),
            ),
        };
        if let Some((account, annotations)) = account
            && accounts.insert(account)
        {
            let mut meta = metadata(account, Some(ns), labels);
            if let Some(annotations) = annotations.filter(|a| !a.is_empty()) {
                meta["annotations"] = json!(annotations);
            }
            let sa = object("v1", "ServiceAccount", meta, json!({}));
            files.object(
                &format!("{dir}/serviceaccount-{account}.yaml"),
                store.sources(),
                &sa,
            );
        }
        if let Some(provider) = provider {
            let secret_store = object(
                API_VERSION,
                "SecretStore",
                metadata(store.name(), Some(ns), labels),
                json!({"spec": {"provider": provider}}),
            );
            files.object(
                &format!("{dir}/secretstore-{}.yaml", store.name()),
                store.sources(),
                &secret_store,
            );
        }
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
    for (name, uses) in secrets {
        let external_secret = object(
            API_VERSION,
            "ExternalSecret",
            metadata(&name, Some(ns), labels),
            json!({"spec": external_secret_spec(env, &name, &uses)}),
        );
        files.object(
            &format!("{}/externalsecret-{name}.yaml", reader.dir),
            &reader.sources,
            &external_secret,
        );
    }
}

/// The spec of the ExternalSecret writing Secret `name` from `uses`. It reads through the environment's
/// default store when any use does (else the first by name); uses of other stores name theirs in `sourceRef`.
fn external_secret_spec(env: &Environment, name: &str, uses: &[&SecretUse<'_>]) -> Value {
    let default_store = env.definition.spec.secret_store.as_deref();
    let store_of = |u: &SecretUse<'_>| -> (&str, (&str, &str)) {
        let store = env
            .store_of(u.reference)
            .expect("validated: every store exists");
        (store.name(), store.store_ref())
    };
    let main_store = uses
        .iter()
        .map(|u| store_of(u))
        .min_by_key(|(name, _)| (Some(*name) != default_store, *name))
        .map(|(_, store_ref)| store_ref)
        .unwrap_or_default();
    let mut data: Vec<Value> = uses
        .iter()
        .map(|u| {
            let remote = u
                .reference
                .in_store()
                .expect("only store uses are rendered");
            let mut remote_ref = json!({"key": remote.key});
            if let Some(property) = &remote.property {
                remote_ref["property"] = json!(property);
            }
            let mut item = json!({"secretKey": u.secret_key, "remoteRef": remote_ref});
            let (_, store_ref) = store_of(u);
            if store_ref != main_store {
                item["sourceRef"] = json!({"storeRef": {"kind": store_ref.0, "name": store_ref.1}});
            }
            item
        })
        .collect();
    data.sort_by(|a, b| a["secretKey"].as_str().cmp(&b["secretKey"].as_str()));
    data.dedup();
    json!({
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": main_store.0, "name": main_store.1},
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
            | Target::RuleEnv(..)
            | Target::Notebook => None,
        })
        .collect()
}
