//! Reading a directory of rendered manifests: every YAML document, the namespace Kustomize gives
//! it, the ConfigMaps a HelmRelease may take values from, and which files Kustomize never applies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::environment::display_path;

pub const KUSTOMIZATION_FILE: &str = "kustomization.yaml";

/// The documents of a tree, plus problems found while reading it.
pub struct Tree {
    pub documents: Vec<Document>,
    pub config_maps: Vec<ConfigMapSource>,
    /// (file, message): unparsable files, files no kustomization.yaml lists.
    pub problems: Vec<(String, String)>,
}

pub struct Document {
    pub file: PathBuf,
    pub value: Value,
    /// metadata.namespace, overridden by the outermost enclosing kustomization's `namespace`.
    pub namespace: Option<String>,
}

/// A ConfigMap as Flux will find it: from a manifest, or from a kustomize configMapGenerator.
pub struct ConfigMapSource {
    pub name: String,
    pub namespace: Option<String>,
    pub data: BTreeMap<String, String>,
    /// Why `valuesFrom` cannot find it under `name` (a generator adding a content hash).
    pub unreachable: Option<String>,
}

impl Document {
    pub fn is_kustomization(&self) -> bool {
        self.file
            .file_name()
            .is_some_and(|n| n == KUSTOMIZATION_FILE)
    }

    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer).and_then(Value::as_str)
    }

    /// `Kind/name` for messages.
    pub fn identity(&self) -> String {
        let kind = self.str_at("/kind").unwrap_or("?");
        let name = self.str_at("/metadata/name").unwrap_or("(unnamed)");
        format!("{kind}/{name}")
    }
}

/// Every `*.yaml`/`*.yml` file under `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

impl Tree {
    pub fn load(dir: &Path) -> Tree {
        let mut tree = Tree {
            documents: Vec::new(),
            config_maps: Vec::new(),
            problems: Vec::new(),
        };
        let mut parsed = Vec::new();
        for file in yaml_files(dir) {
            match parse_documents(&file) {
                Ok(values) => parsed.push((file, values)),
                Err(message) => tree.problems.push((display_path(&file), message)),
            }
        }
        let kustomizations: BTreeMap<PathBuf, Value> = parsed
            .iter()
            .filter(|(file, _)| file.file_name().is_some_and(|n| n == KUSTOMIZATION_FILE))
            .filter_map(|(file, values)| Some((file.parent()?.to_path_buf(), values.first()?)))
            .map(|(dir, value)| (dir, value.clone()))
            .collect();
        let references = References::collect(&kustomizations);
        for (kustomization_dir, kustomization) in &kustomizations {
            let namespace = effective_namespace(dir, kustomization_dir, None, &kustomizations);
            let generated = generated_config_maps(kustomization_dir, kustomization, namespace);
            tree.config_maps.extend(generated);
        }
        for (file, values) in parsed {
            let is_kustomization = file.file_name().is_some_and(|n| n == KUSTOMIZATION_FILE);
            if references.auxiliary.contains(&normalize(&file)) {
                continue; // patches, generator inputs: not objects of their own
            }
            // `render --expand-notebooks` previews (`<notebook>.preview/`) are for review only: never listed.
            let preview = file
                .components()
                .any(|c| c.as_os_str().to_string_lossy().ends_with(".preview"));
            if preview && references.resources.contains(&normalize(&file)) {
                let message =
                    "a review-only preview is listed by a kustomization, so Flux would apply it";
                tree.problems.push((display_path(&file), message.into()));
            }
            if !is_kustomization && !preview && references.is_orphan(&file, &kustomizations) {
                let message = "no kustomization.yaml lists this file, so Flux never applies it";
                tree.problems.push((display_path(&file), message.into()));
            }
            for value in values.into_iter().filter(|v| !v.is_null()) {
                let declared = value.pointer("/metadata/namespace").and_then(Value::as_str);
                let parent = file.parent().unwrap_or(dir);
                let namespace = effective_namespace(dir, parent, declared, &kustomizations);
                if value["kind"] == "ConfigMap" {
                    tree.config_maps
                        .push(config_map_source(&value, namespace.clone()));
                }
                let file = file.clone();
                tree.documents.push(Document {
                    file,
                    value,
                    namespace,
                });
            }
        }
        tree
    }
}

fn parse_documents(file: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    serde_saphyr::from_multiple::<Value>(&text).map_err(|e| format!("invalid YAML: {e}"))
}

/// The namespace Kustomize leaves on an object in `dir`: the outermost kustomization (between
/// the tree root and `dir`) that sets `namespace` wins; otherwise the object's own.
fn effective_namespace(
    root: &Path,
    dir: &Path,
    declared: Option<&str>,
    kustomizations: &BTreeMap<PathBuf, Value>,
) -> Option<String> {
    let enclosing: Vec<&Path> = dir
        .ancestors()
        .take_while(|a| a.starts_with(root))
        .collect();
    let root_first = enclosing.iter().rev();
    root_first
        .filter_map(|d| kustomizations.get(*d)?["namespace"].as_str())
        .next()
        .or(declared)
        .map(str::to_owned)
}

fn config_map_source(value: &Value, namespace: Option<String>) -> ConfigMapSource {
    let data = value["data"].as_object().into_iter().flatten();
    ConfigMapSource {
        name: value["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        namespace,
        data: data
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        unreachable: None,
    }
}

/// ConfigMaps made by a kustomization's `configMapGenerator` (`files` and `literals`).
fn generated_config_maps(
    dir: &Path,
    kustomization: &Value,
    namespace: Option<String>,
) -> Vec<ConfigMapSource> {
    let generators = kustomization["configMapGenerator"]
        .as_array()
        .into_iter()
        .flatten();
    let hash_disabled_for_all = kustomization["generatorOptions"]["disableNameSuffixHash"] == true;
    let names_rewritten = kustomization.get("configurations").is_some();
    generators
        .map(|generator| {
            let mut data = BTreeMap::new();
            for entry in strings(&generator["files"]) {
                let (key, path) = entry
                    .split_once('=')
                    .unwrap_or_else(|| (entry.rsplit('/').next().unwrap_or(entry), entry));
                let content = std::fs::read_to_string(dir.join(path)).unwrap_or_default();
                data.insert(key.to_owned(), content);
            }
            for literal in strings(&generator["literals"]) {
                if let Some((key, value)) = literal.split_once('=') {
                    data.insert(key.to_owned(), value.to_owned());
                }
            }
            let hashed =
                !(hash_disabled_for_all || generator["options"]["disableNameSuffixHash"] == true);
            let name = generator["name"].as_str().unwrap_or_default().to_owned();
            ConfigMapSource {
                unreachable: (hashed && !names_rewritten).then(|| {
                    format!(
                        "ConfigMap {name} is generated with a content-hash name suffix that \
                         Kustomize does not rewrite in HelmRelease valuesFrom; set \
                         options.disableNameSuffixHash or add a nameReference configuration"
                    )
                }),
                namespace: generator["namespace"]
                    .as_str()
                    .map(str::to_owned)
                    .or(namespace.clone()),
                name,
                data,
            }
        })
        .collect()
}

/// What the kustomization files in a tree refer to.
struct References {
    /// Files listed in `resources` (or `bases`).
    resources: BTreeSet<PathBuf>,
    /// Files read by Kustomize but not applied as objects: patches, generator inputs, configs.
    auxiliary: BTreeSet<PathBuf>,
}

impl References {
    fn collect(kustomizations: &BTreeMap<PathBuf, Value>) -> References {
        let mut references = References {
            resources: BTreeSet::new(),
            auxiliary: BTreeSet::new(),
        };
        for (dir, k) in kustomizations {
            let resolve = |p: &str| normalize(&dir.join(p));
            for field in ["resources", "bases"] {
                references.resources.extend(strings(&k[field]).map(resolve));
            }
            let mut auxiliary: Vec<&str> = Vec::new();
            for field in [
                "patchesStrategicMerge",
                "configurations",
                "crds",
                "transformers",
            ] {
                auxiliary.extend(strings(&k[field]));
            }
            for field in ["generators", "validators"] {
                auxiliary.extend(strings(&k[field]));
            }
            for field in ["patches", "patchesJson6902", "replacements"] {
                let entries = k[field].as_array().into_iter().flatten();
                auxiliary.extend(entries.filter_map(|e| e["path"].as_str()));
            }
            auxiliary.extend(k["openapi"]["path"].as_str());
            for field in ["configMapGenerator", "secretGenerator"] {
                for generator in k[field].as_array().into_iter().flatten() {
                    let files =
                        strings(&generator["files"]).map(|f| f.rsplit('=').next().unwrap_or(f));
                    auxiliary.extend(files);
                    auxiliary.extend(strings(&generator["envs"]));
                    auxiliary.extend(generator["env"].as_str());
                }
            }
            // Inline patches and transformer configs are YAML text, not paths.
            let paths = auxiliary.into_iter().filter(|p| !p.contains('\n'));
            references.auxiliary.extend(paths.map(resolve));
        }
        references
    }

    /// A manifest below some kustomization.yaml that no kustomization lists as a resource.
    fn is_orphan(&self, file: &Path, kustomizations: &BTreeMap<PathBuf, Value>) -> bool {
        let governed = file
            .ancestors()
            .skip(1)
            .any(|d| kustomizations.contains_key(d));
        governed && !self.resources.contains(&normalize(file))
    }
}

fn strings(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Lexically resolves `.` and `..` (the files may not exist: kustomize reports those).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
