//! How one environment's output is cut into the directories Flux builds ("syncs"), so that no Flux Kustomization
//! builds more than [`MAX_OBJECTS`] objects whatever the size of the platform: kustomize (v5, inside Flux's
//! kustomize-controller) is superlinear in the objects of one build.
//!
//! * `crds` and `controller`: one sync each.
//! * `secrets/<ns>` and `notebooks/<ns>`: one sync per namespace and layer (`jupyflux-<layer>-<ns>`).
//! * `hubs/<hub>`: one sync per hub (`jupyflux-hubs-<hub>`), so a hub's `dependsOn` holds back only that hub.
//! * A notebook namespace with more than [`BUCKET_LIMIT`] notebooks is split, in both layers alike: its shared
//!   objects (Namespace, store, service account, the controller's Roles) go to `<layer>/<ns>/shared/` (still
//!   `jupyflux-<layer>-<ns>`), its notebooks to `2^k` hash buckets `<layer>/<ns>/<bb>/` (`jupyflux-<layer>-<ns>.<bb>`),
//!   `k` the smallest that leaves no bucket above the limit. A notebook's bucket is the SHA-256 of its name
//!   modulo the bucket count: adding or removing a notebook changes only its own bucket (one file and one
//!   `kustomization.yaml` in the merge request, no object changes Flux Kustomization), and when a namespace
//!   doubles its bucket count each notebook either stays or moves to one new bucket. Chunks of a fixed size by
//!   sorted name would instead shift every later chunk's boundary on each insertion, moving objects between Flux
//!   Kustomizations (which Flux handles as a prune and a re-create when the old owner reconciles first).

use crate::model::Environment;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The most objects one Flux Kustomization builds (the bound `tests/fleet.rs` checks at 10,000 notebooks).
pub const MAX_OBJECTS: usize = 500;
/// The most notebooks of one namespace in one sync: below [`MAX_OBJECTS`], leaving room for the namespace's own
/// objects (its Namespace, a store and a service account per store, the controller's and Data Manager's Roles).
pub const BUCKET_LIMIT: usize = 400;

/// The layer of the `Notebook` CRD.
pub const CRDS: &str = super::controller::CRDS_LAYER;
/// The controller's layer.
pub const CONTROLLER: &str = super::controller::LAYER;
/// The secrets layer.
pub const SECRETS: &str = super::secrets::LAYER;
/// The hubs layer.
pub const HUBS: &str = "hubs";
/// The notebooks layer.
pub const NOTEBOOKS: &str = super::notebooks::LAYER;
/// Prefix of every Flux Kustomization jupyflux renders.
pub const PREFIX: &str = "jupyflux-";
/// The directory of a split namespace's shared objects.
const SHARED: &str = "shared";
/// The longest name a Flux Kustomization may have: Flux writes it into a label value of every object it applies.
const MAX_NAME: usize = 63;

/// Where the namespaces of an environment's notebooks go: the split ones, with their bucket counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    buckets: BTreeMap<String, u64>,
}

impl Layout {
    /// The layout of `env`: every notebook namespace whole, but those with more than [`BUCKET_LIMIT`] notebooks.
    pub fn of(env: &Environment) -> Self {
        let mut by_namespace: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for notebook in &env.notebooks {
            by_namespace
                .entry(notebook.namespace.as_str())
                .or_default()
                .push(hash(&notebook.definition.name));
        }
        let buckets = by_namespace
            .into_iter()
            .filter(|(_, hashes)| hashes.len() > BUCKET_LIMIT)
            .map(|(ns, hashes)| (ns.to_owned(), bucket_count(&hashes)))
            .collect();
        Layout { buckets }
    }

    /// The directory (under `generated/<env>/`) of the objects of namespace `ns` in `layer` that are not one
    /// notebook's.
    pub fn namespace_dir(&self, layer: &str, ns: &str) -> String {
        if self.buckets.contains_key(ns) {
            format!("{layer}/{ns}/{SHARED}")
        } else {
            format!("{layer}/{ns}")
        }
    }

    /// The directory (under `generated/<env>/`) of notebook `name`'s objects in `layer`.
    pub fn notebook_dir(&self, layer: &str, ns: &str, name: &str) -> String {
        match self.buckets.get(ns) {
            Some(&count) => format!("{layer}/{ns}/{}", bucket_label(hash(name) % count)),
            None => format!("{layer}/{ns}"),
        }
    }

    /// Every sync of `env` whose directory holds objects (`present`), in the order Flux applies them.
    pub fn syncs(&self, env: &Environment, present: impl Fn(&str) -> bool) -> Vec<Sync> {
        let mut syncs = vec![
            Sync::new(CRDS.to_owned(), CRDS.to_owned(), Vec::new()),
            Sync::new(
                CONTROLLER.to_owned(),
                CONTROLLER.to_owned(),
                vec![name(CRDS)],
            ),
        ];
        let notebook_namespaces: BTreeSet<&str> =
            env.notebooks.iter().map(|n| n.namespace.as_str()).collect();
        let hub_namespaces: BTreeSet<String> = env.hubs.iter().map(|h| h.namespace()).collect();
        for ns in hub_namespaces.iter().map(String::as_str) {
            let dir = self.namespace_dir(SECRETS, ns);
            syncs.push(Sync::new(dir, format!("{SECRETS}-{ns}"), Vec::new()));
        }
        for &ns in &notebook_namespaces {
            self.namespace_syncs(SECRETS, ns, Vec::new(), &mut syncs);
        }
        for hub in &env.hubs {
            let secrets = name(&format!("{SECRETS}-{}", hub.namespace()));
            let dir = format!("{HUBS}/{}", hub.name);
            syncs.push(Sync::new(
                dir,
                format!("{HUBS}-{}", hub.name),
                vec![secrets],
            ));
        }
        for &ns in &notebook_namespaces {
            let needs = vec![name(CRDS), name(&format!("{SECRETS}-{ns}"))];
            self.namespace_syncs(NOTEBOOKS, ns, needs, &mut syncs);
        }
        syncs.retain(|s| present(&s.path));
        let names: BTreeSet<String> = syncs.iter().map(|s| s.name.clone()).collect();
        for sync in &mut syncs {
            sync.depends_on.retain(|d| names.contains(d));
        }
        syncs
    }

    /// The syncs of notebook namespace `ns` in `layer`: one, or the shared one and a bucket each. Every one waits
    /// for `needs`; a bucket also for its namespace's shared objects and, in the notebooks layer, for the
    /// secrets of the same bucket (its notebooks' Secrets).
    fn namespace_syncs(&self, layer: &str, ns: &str, needs: Vec<String>, syncs: &mut Vec<Sync>) {
        let unit = format!("{layer}/{ns}");
        let base = format!("{layer}-{ns}");
        syncs.push(Sync::new(
            self.namespace_dir(layer, ns),
            base.clone(),
            needs.clone(),
        ));
        let Some(&count) = self.buckets.get(ns) else {
            return;
        };
        for bucket in (0..count).map(bucket_label) {
            let mut depends_on = needs.clone();
            depends_on.push(name(&base));
            if layer == NOTEBOOKS {
                depends_on.push(name(&format!("{SECRETS}-{ns}.{bucket}")));
            }
            let dir = format!("{unit}/{bucket}");
            syncs.push(Sync::new(dir, format!("{base}.{bucket}"), depends_on));
        }
    }
}

/// One Flux Kustomization of an environment: what it builds and what it waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sync {
    /// Its directory under `generated/<env>/`.
    pub path: String,
    /// Its name (`jupyflux-…`, at most 63 characters).
    pub name: String,
    /// The names of the syncs of the same environment it waits for.
    pub depends_on: Vec<String>,
}

impl Sync {
    fn new(path: String, suffix: String, depends_on: Vec<String>) -> Self {
        Sync {
            path,
            name: name(&suffix),
            depends_on,
        }
    }

    /// Whether it is the sync of hub `hub`.
    pub fn is_hub(&self, hub: &str) -> bool {
        self.path
            .strip_prefix(HUBS)
            .and_then(|p| p.strip_prefix('/'))
            == Some(hub)
    }

    /// Its file name in `flux/<env>/`.
    pub fn file_name(&self) -> String {
        let suffix = self.name.strip_prefix(PREFIX).unwrap_or(&self.name);
        format!("kustomization-{suffix}.yaml")
    }
}

/// The Flux Kustomization name `jupyflux-<suffix>`; a longer name than Flux can put in a label is cut and made
/// unique again with a hash of the whole name.
pub fn name(suffix: &str) -> String {
    let full = format!("{PREFIX}{suffix}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let digest = hex::encode(&Sha256::digest(full.as_bytes())[..4]);
    let cut = full[..MAX_NAME - digest.len() - 1].trim_end_matches(['-', '.']);
    format!("{cut}-{digest}")
}

/// A bucket's directory name and name suffix: two digits at least.
fn bucket_label(bucket: u64) -> String {
    format!("{bucket:02}")
}

/// The first 8 bytes of the SHA-256 of `name`: the same on every platform and in every release.
fn hash(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The smallest power of two (at least 2) of buckets that leaves none with more than [`BUCKET_LIMIT`] notebooks.
fn bucket_count(hashes: &[u64]) -> u64 {
    let mut count: u64 = 2;
    loop {
        let mut sizes: BTreeMap<u64, usize> = BTreeMap::new();
        for h in hashes {
            *sizes.entry(h % count).or_default() += 1;
        }
        if sizes.values().all(|&n| n <= BUCKET_LIMIT) {
            return count;
        }
        count *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_a_label_value_and_stay_distinct() {
        assert_eq!(name("notebooks-team-a"), "jupyflux-notebooks-team-a");
        let long = format!("notebooks-{}", "a".repeat(60));
        let cut = name(&long);
        assert!(cut.len() <= MAX_NAME, "{cut}");
        assert_ne!(cut, name(&format!("{long}.01")));
        assert_eq!(cut, name(&long), "deterministic");
    }

    #[test]
    fn doubling_the_buckets_moves_a_notebook_to_one_new_bucket_at_most() {
        for i in 0..200 {
            let h = hash(&format!("nb-{i}"));
            let (before, after) = (h % 4, h % 8);
            assert!(after == before || after == before + 4);
        }
    }

    #[test]
    fn the_bucket_count_is_the_smallest_that_fits() {
        let hashes: Vec<u64> = (0..1000).map(|i| hash(&format!("nb-{i}"))).collect();
        let count = bucket_count(&hashes);
        assert!(count >= 4, "1000 notebooks need 4 buckets of 400 at least");
        let fits =
            |c: u64| (0..c).all(|b| hashes.iter().filter(|h| *h % c == b).count() <= BUCKET_LIMIT);
        assert!(fits(count));
        assert!(!fits(count / 2));
    }
}
