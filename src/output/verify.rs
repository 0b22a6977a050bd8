//! Structural checks of a rendered tree that need nothing outside the repository: allowed API versions, object
//! identity, kustomization listings, and references between objects (sources, dependencies, value sources).

use super::tree::{HEADER_MARKER, Tree, is_preview};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The API versions jupyflux may emit: GA Flux, External Secrets, Kustomize, core Kubernetes (with storage and
/// scheduling, for a hub's extra objects), and its own.
pub const ALLOWED_API_VERSIONS: [&str; 14] = [
    "v1",
    "apps/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "policy/v1",
    "storage.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "helm.toolkit.fluxcd.io/v2",
    "kustomize.toolkit.fluxcd.io/v1",
    "source.toolkit.fluxcd.io/v1",
    "external-secrets.io/v1",
    "kustomize.config.k8s.io/v1beta1",
    "jupyflux.dev/v1alpha1",
];

/// One object of the tree, cut down to what the checks read.
struct Doc<'a> {
    path: &'a str,
    identity: Identity<'a>,
    /// What [`skeleton`] keeps of a fully parsed object (the references of a HelmRelease or Flux Kustomization,
    /// a kustomization's `resources`); `Null` for an object read by [`scan`].
    value: Value,
}

/// The fields every check reads, borrowed from the file's text when [`scan`] read them.
#[derive(Debug, Default, PartialEq)]
struct Identity<'a> {
    api_version: Cow<'a, str>,
    kind: Cow<'a, str>,
    name: Cow<'a, str>,
    namespace: Cow<'a, str>,
    /// An ExternalSecret's `spec.target.name`: the Secret it makes.
    target: Cow<'a, str>,
}

impl Identity<'static> {
    /// The identity of a parsed object (a field that is missing or not a string is empty).
    fn of(value: &Value) -> Self {
        let str = |pointer: &str| {
            Cow::Owned(
                value
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )
        };
        Identity {
            api_version: str("/apiVersion"),
            kind: str("/kind"),
            name: str("/metadata/name"),
            namespace: str("/metadata/namespace"),
            target: str("/spec/target/name"),
        }
    }
}

impl Doc<'_> {
    fn str(&self, pointer: &str) -> &str {
        self.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    fn api_version(&self) -> &str {
        &self.identity.api_version
    }
    fn kind(&self) -> &str {
        &self.identity.kind
    }
    fn name(&self) -> &str {
        &self.identity.name
    }
    fn namespace(&self) -> &str {
        &self.identity.namespace
    }
}

/// Objects that definitions say exist outside jupyflux (a shared chart source, values from a ConfigMap managed
/// elsewhere, a storage operator's Kustomization): references to them need not resolve in the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    objects: BTreeSet<(String, String, String, String)>,
}

impl Declared {
    /// Declare `kind` `namespace/name` of environment `env` as made elsewhere.
    pub fn insert(&mut self, env: &str, kind: &str, namespace: &str, name: &str) {
        let key = (env, kind, namespace, name);
        self.objects
            .insert((key.0.into(), key.1.into(), key.2.into(), key.3.into()));
    }

    fn contains(&self, env: &str, kind: &str, namespace: &str, name: &str) -> bool {
        let key = (env.into(), kind.into(), namespace.into(), name.into());
        self.objects.contains(&key)
    }
}

/// Every structural problem of `tree`, as `path: message` lines, sorted.
pub fn verify(tree: &Tree) -> Vec<String> {
    verify_with(tree, &Declared::default())
}

/// [`verify`], where references to the `declared` objects made outside jupyflux count as resolved.
pub fn verify_with(tree: &Tree, declared: &Declared) -> Vec<String> {
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    // Parsing is most of the work: on every core, each object cut down at once to what the checks read.
    let files: Vec<(&str, &[u8])> = tree.iter().collect();
    let parsed = crate::parallel::map(&files, 64, parse);
    for (&(path, _), (has_header, parsed)) in files.iter().zip(parsed) {
        if !has_header {
            problems.push(format!("{path}: missing the generated-file header"));
        }
        match parsed {
            Ok((identity, value)) => docs.push(Doc {
                path,
                identity,
                value,
            }),
            Err(e) => problems.push(format!("{path}: not valid YAML: {e}")),
        }
    }
    for doc in &docs {
        identity(doc, &mut problems);
    }
    listings(tree, &docs, &mut problems);
    references(tree, &docs, declared, &mut problems);
    duplicates(&docs, &mut problems);
    nested_syncs(&docs, &mut problems);
    problems.sort();
    problems.dedup();
    problems
}

/// Whether a file starts with the generated-file header, and what the checks read of it (or why it is not YAML).
fn parse<'a>(&(_, bytes): &(&str, &'a [u8])) -> (bool, Result<(Identity<'a>, Value), String>) {
    let header = bytes.starts_with(HEADER_MARKER.as_bytes());
    if let Some(identity) = std::str::from_utf8(bytes).ok().and_then(scan) {
        return (header, Ok((identity, Value::Null)));
    }
    let text = String::from_utf8_lossy(bytes);
    let parsed = serde_saphyr::from_str::<Value>(&text)
        .map(|value| (Identity::of(&value), skeleton(value)))
        .map_err(|e| e.to_string());
    (header, parsed)
}

/// The kinds whose `spec` the reference checks read ([`skeleton`]).
const REFERRING_KINDS: [&str; 3] = ["HelmRelease", "Kustomization", "ExternalSecret"];

/// The identity of an object whose spec no check reads, read straight from the text when it has the shape jupyflux
/// emits (block style; `apiVersion`, `kind`, `metadata.name`, `metadata.namespace` and an ExternalSecret's
/// `spec.target.name` each once, as plain names); `None` (parse it) for a kind in [`REFERRING_KINDS`] but
/// ExternalSecret, and for anything else. Most of a fleet's files are Notebooks and ExternalSecrets: parsing
/// them whole only to keep five names was most of `validate`'s time and memory.
fn scan(text: &str) -> Option<Identity<'_>> {
    #[derive(PartialEq)]
    enum Section {
        Other,
        Metadata,
        Spec,
        Target,
    }
    let mut identity = Identity::default();
    let mut section = Section::Other;
    for line in text.split('\n') {
        let rest = line.trim_start_matches(' ');
        let indent = line.len() - rest.len();
        if rest.is_empty() || indent == 0 && rest.starts_with('#') {
            continue;
        }
        match (indent, &section) {
            (0, _) => {
                let (key, value) = key_value(rest)?;
                section = Section::Other;
                match key {
                    "apiVersion" => set(&mut identity.api_version, value)?,
                    "kind" => set(&mut identity.kind, value)?,
                    "metadata" | "spec" if !value.is_empty() => return None,
                    "metadata" => section = Section::Metadata,
                    "spec" => section = Section::Spec,
                    _ => {}
                }
            }
            (2, Section::Metadata) => match key_value(rest) {
                Some(("name", value)) => set(&mut identity.name, value)?,
                Some(("namespace", value)) => set(&mut identity.namespace, value)?,
                _ => {}
            },
            (2, Section::Spec | Section::Target) => {
                section = match key_value(rest) {
                    Some(("target", "")) => Section::Target,
                    _ => Section::Spec,
                };
            }
            (4, Section::Target) => {
                if let Some(("name", value)) = key_value(rest) {
                    set(&mut identity.target, value)?;
                }
            }
            _ => {}
        }
    }
    let kind = identity.kind.as_ref();
    (kind == "ExternalSecret" || !REFERRING_KINDS.contains(&kind)).then_some(identity)
}

/// `key: value` (or `key:`) with a plain alphanumeric key; `None` for anything else.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric());
    match value.strip_prefix(' ') {
        Some(value) if plain => Some((key, value)),
        None if plain && value.is_empty() => Some((key, "")),
        _ => None,
    }
}

/// Set a field [`scan`] reads once, to a value that is a string as plain YAML (`None` otherwise: parse the file).
fn set<'a>(field: &mut Cow<'a, str>, value: &'a str) -> Option<()> {
    let name_like = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/' | b'_'));
    const NOT_STRINGS: [&str; 9] = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let string = name_like && !NOT_STRINGS.iter().any(|w| value.eq_ignore_ascii_case(w));
    if !string || !field.is_empty() {
        return None;
    }
    *field = Cow::Borrowed(value);
    Some(())
}

/// The parts of a parsed object the checks read besides its [`Identity`]: a kustomization's `resources`, and the
/// references in the spec of a HelmRelease, a Flux Kustomization or an ExternalSecret. The rest is dropped as soon
/// as it is parsed.
fn skeleton(mut value: Value) -> Value {
    let Value::Object(object) = &mut value else {
        return value;
    };
    let references = object
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|kind| REFERRING_KINDS.contains(&kind));
    object.retain(|key, _| key == "resources" || references && key == "spec");
    if let Some(Value::Object(spec)) = object.get_mut("spec") {
        const READ: [&str; 7] = [
            "chartRef",
            "chart",
            "valuesFrom",
            "path",
            "dependsOn",
            "sourceRef",
            "target",
        ];
        spec.retain(|key, _| READ.contains(&key.as_str()));
    }
    value
}

fn identity(doc: &Doc, problems: &mut Vec<String>) {
    let api = doc.api_version();
    if !ALLOWED_API_VERSIONS.contains(&api) {
        problems.push(format!(
            "{}: apiVersion `{api}` is not allowed (deprecated, beta or unknown)",
            doc.path
        ));
    }
    if doc.kind().is_empty() {
        problems.push(format!("{}: no kind", doc.path));
    }
    let is_kustomization_file = doc.path.ends_with("/kustomization.yaml");
    if is_kustomization_file != (api == "kustomize.config.k8s.io/v1beta1") {
        problems.push(format!(
            "{}: kustomization.yaml files and only they hold kustomize.config.k8s.io objects",
            doc.path
        ));
    }
    if !is_kustomization_file && doc.name().is_empty() {
        problems.push(format!("{}: no metadata.name", doc.path));
    }
}

/// Every file of `generated/` is listed by its directory's kustomization (but previews, which must not be), and
/// every listed entry exists.
fn listings(tree: &Tree, docs: &[Doc], problems: &mut Vec<String>) {
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for doc in docs
        .iter()
        .filter(|d| d.path.ends_with("/kustomization.yaml"))
    {
        let dir = doc.path.trim_end_matches("/kustomization.yaml");
        for entry in doc.value["resources"].as_array().into_iter().flatten() {
            let entry = entry.as_str().unwrap_or("");
            let target = format!("{dir}/{entry}");
            let exists = tree.get(&target).is_some()
                || tree.get(&format!("{target}/kustomization.yaml")).is_some();
            if !exists {
                problems.push(format!(
                    "{}: lists `{entry}`, which does not exist",
                    doc.path
                ));
            }
            listed.insert(target);
        }
    }
    for path in tree
        .paths()
        .filter(|p| p.starts_with("generated/") && !p.ends_with("/kustomization.yaml"))
    {
        let preview = is_preview(path);
        if preview && listed.contains(path) {
            problems.push(format!(
                "{path}: a review-only preview is listed by a kustomization, so Flux would apply it"
            ));
        }
        if preview || listed.contains(path) {
            continue;
        }
        // The nearest directory above with a kustomization.yaml is the one Flux builds the file through.
        let governing = std::iter::successors(path.rsplit_once('/').map(|(d, _)| d), |d| {
            d.rsplit_once('/').map(|(parent, _)| parent)
        })
        .take_while(|d| d.split('/').count() > 2)
        .find(|d| tree.get(&format!("{d}/kustomization.yaml")).is_some());
        if let Some(dir) = governing {
            problems.push(format!(
                "{path}: not listed in {dir}/kustomization.yaml (directly or through its directory), so Flux would never apply it"
            ));
        }
    }
}

/// References between objects resolve within the environment.
fn references(tree: &Tree, docs: &[Doc], declared: &Declared, problems: &mut Vec<String>) {
    let env_of = |path: &str| path.split('/').nth(1).unwrap_or("").to_owned();
    let mut by_kind: BTreeMap<(String, &str, &str, &str), ()> = BTreeMap::new();
    for d in docs {
        by_kind.insert((env_of(d.path), d.kind(), d.namespace(), d.name()), ());
    }
    let has = |env: &str, kind: &str, ns: &str, name: &str| {
        by_kind.contains_key(&(env.to_owned(), kind, ns, name))
            || declared.contains(env, kind, ns, name)
    };
    // Secrets that ExternalSecrets make, by environment, namespace and target name.
    let secret_targets: BTreeSet<(String, &str, &str)> = docs
        .iter()
        .filter(|e| e.kind() == "ExternalSecret")
        .map(|e| (env_of(e.path), e.namespace(), e.identity.target.as_ref()))
        .collect();
    for d in docs {
        let env = env_of(d.path);
        match (d.api_version(), d.kind()) {
            ("helm.toolkit.fluxcd.io/v2", "HelmRelease") => {
                let (pointer, kind) = match d.value.pointer("/spec/chartRef") {
                    Some(_) => ("/spec/chartRef", d.str("/spec/chartRef/kind")),
                    None => ("/spec/chart/spec/sourceRef", "HelmRepository"),
                };
                let source = d.str(&format!("{pointer}/name"));
                let ns = d
                    .value
                    .pointer(&format!("{pointer}/namespace"))
                    .and_then(Value::as_str)
                    .unwrap_or(d.namespace());
                if !has(&env, kind, ns, source) {
                    problems.push(format!(
                        "{}: chart source {kind} {ns}/{source} is not rendered",
                        d.path
                    ));
                }
                for from in array(&d.value, "/spec/valuesFrom") {
                    let (kind, name) = (
                        from["kind"].as_str().unwrap_or(""),
                        from["name"].as_str().unwrap_or(""),
                    );
                    let made = has(&env, kind, d.namespace(), name)
                        || kind == "Secret"
                            && secret_targets.contains(&(env.clone(), d.namespace(), name));
                    if !made {
                        problems.push(format!("{}: valuesFrom {kind} `{name}` is neither rendered nor made by an ExternalSecret", d.path));
                    }
                }
            }
            ("kustomize.toolkit.fluxcd.io/v1", "Kustomization") => {
                let path = d.str("/spec/path").trim_start_matches("./").to_owned();
                if tree.get(&format!("{path}/kustomization.yaml")).is_none() {
                    problems.push(format!(
                        "{}: path ./{path} has no kustomization.yaml in the rendered tree",
                        d.path
                    ));
                }
                for dep in array(&d.value, "/spec/dependsOn") {
                    let name = dep["name"].as_str().unwrap_or("");
                    let ns = dep["namespace"].as_str().unwrap_or(d.namespace());
                    if !has(&env, "Kustomization", ns, name) {
                        problems.push(format!(
                            "{}: dependsOn `{name}`, which is not rendered",
                            d.path
                        ));
                    }
                }
                let source = d.str("/spec/sourceRef/name");
                if source != "flux-system" && !has(&env, "GitRepository", d.namespace(), source) {
                    problems.push(format!(
                        "{}: source GitRepository `{source}` is not rendered",
                        d.path
                    ));
                }
            }
            _ => {}
        }
    }
}

/// No Flux Kustomization's path lies inside another's: every object is applied (and pruned) by one of them.
fn nested_syncs(docs: &[Doc], problems: &mut Vec<String>) {
    let synced: BTreeMap<&str, &str> = docs
        .iter()
        .filter(|d| d.kind() == "Kustomization" && d.path.starts_with("flux/"))
        .map(|d| (d.str("/spec/path").trim_start_matches("./"), d.path))
        .collect();
    for (path, file) in &synced {
        let outer = std::iter::successors(path.rsplit_once('/').map(|(d, _)| d), |d| {
            d.rsplit_once('/').map(|(parent, _)| parent)
        })
        .find_map(|d| synced.get(d));
        if let Some(outer) = outer {
            problems.push(format!(
                "{file}: path ./{path} lies inside the path of {outer}, so two Flux Kustomizations apply its objects"
            ));
        }
    }
}

/// The items of the list at `pointer`, or none.
fn array<'v>(value: &'v Value, pointer: &str) -> impl Iterator<Item = &'v Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// No two objects of one environment share kind, namespace and name.
fn duplicates(docs: &[Doc], problems: &mut Vec<String>) {
    let mut seen: BTreeMap<(String, String, String, String), &str> = BTreeMap::new();
    for d in docs
        .iter()
        .filter(|d| !d.path.ends_with("/kustomization.yaml"))
    {
        let root = d.path.split('/').take(2).collect::<Vec<_>>().join("/");
        let key = (
            root,
            d.kind().to_owned(),
            d.namespace().to_owned(),
            d.name().to_owned(),
        );
        if let Some(first) = seen.insert(key, d.path) {
            problems.push(format!(
                "{}: same kind, namespace and name as {first}",
                d.path
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        let mut t = Tree::new();
        for (p, body) in files {
            t.insert(*p, format!("{HEADER_MARKER} from test.\n{body}"));
        }
        t
    }

    #[test]
    fn the_identity_of_an_object_without_references_is_read_from_its_text() {
        let notebook = "# Generated\napiVersion: jupyflux.dev/v1alpha1\nkind: Notebook\nmetadata:\n  name: a\n  labels:\n    name: x\n  namespace: ns\nspec:\n  target:\n    name: t\n  image: |\n    kind: y\nstatus: {}\n";
        let identity = scan(notebook).expect("the shape jupyflux emits");
        assert_eq!(
            identity,
            Identity {
                api_version: "jupyflux.dev/v1alpha1".into(),
                kind: "Notebook".into(),
                name: "a".into(),
                namespace: "ns".into(),
                target: "t".into(),
            }
        );
        // Parsed instead: kinds whose spec is read, and anything jupyflux does not emit.
        for (from, to) in [
            ("kind: Notebook", "kind: HelmRelease"),
            ("kind: Notebook", "kind: \"Notebook\""),
            ("  name: a\n", "  name: \"a\"\n"),
            ("  name: a\n", "  name: a # b\n"),
            ("  name: a\n", "  name: a\n  name: b\n"),
            ("  name: a\n", "  name: true\n"),
            ("  name: a\n", "  name: 10\n"),
            ("metadata:\n", "metadata: &m\n"),
            ("status: {}", "--- {}"),
        ] {
            let changed = notebook.replace(from, to);
            assert_eq!(scan(&changed), None, "{changed}");
        }
        let metadata_in_flow = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        assert_eq!(scan(metadata_in_flow), None);
    }

    #[test]
    fn the_identity_of_an_object_read_by_its_head_is_still_checked() {
        let problems = verify(&tree(&[
            (
                "generated/e/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- n.yaml\n",
            ),
            (
                "generated/e/n.yaml",
                "apiVersion: jupyflux.dev/v1beta9\nkind: Notebook\nmetadata:\n  namespace: x\nspec:\n  image: a\n",
            ),
        ]));
        assert_eq!(
            problems,
            [
                "generated/e/n.yaml: apiVersion `jupyflux.dev/v1beta9` is not allowed (deprecated, beta or unknown)",
                "generated/e/n.yaml: no metadata.name"
            ]
        );
    }

    const KUST: &str =
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n";

    #[test]
    fn a_clean_tree_has_no_problems() {
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", KUST),
            (
                "generated/e/x/a.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
            ),
        ]);
        assert_eq!(verify(&t), Vec::<String>::new());
    }

    #[test]
    fn previews_need_no_listing() {
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", KUST),
            (
                "generated/e/x/a.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
            ),
            (
                "generated/e/x/nb.preview/service-nb.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: nb\n",
            ),
        ]);
        assert_eq!(verify(&t), Vec::<String>::new());
        // Any other file in a directory no kustomization lists is one Flux never applies.
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", KUST),
            (
                "generated/e/x/a.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
            ),
            (
                "generated/e/x/sub/service-nb.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: nb\n",
            ),
        ]);
        assert_eq!(
            verify(&t),
            [
                "generated/e/x/sub/service-nb.yaml: not listed in generated/e/x/kustomization.yaml (directly or through its directory), so Flux would never apply it"
            ]
        );
    }

    #[test]
    fn a_listed_preview_is_a_problem() {
        let listing = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- nb.preview/service-nb.yaml\n";
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", listing),
            (
                "generated/e/x/nb.preview/service-nb.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: nb\n",
            ),
        ]);
        assert_eq!(
            verify(&t),
            [
                "generated/e/x/nb.preview/service-nb.yaml: a review-only preview is listed by a kustomization, so Flux would apply it"
            ]
        );
    }

    #[test]
    fn deprecated_api_versions_are_rejected() {
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", KUST),
            (
                "generated/e/x/a.yaml",
                "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: a\n",
            ),
        ]);
        let problems = verify(&t);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("apiVersion `helm.toolkit.fluxcd.io/v2beta1` is not allowed")),
            "{problems:?}"
        );
    }

    #[test]
    fn listings_and_references_must_resolve() {
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", KUST),
            (
                "generated/e/x/b.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n",
            ),
            (
                "flux/e/k.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k\n  namespace: f\nspec:\n  path: ./generated/e/y\n  dependsOn:\n  - name: nope\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
            ),
        ]);
        let problems = verify(&t);
        let expected = [
            "flux/e/k.yaml: dependsOn `nope`, which is not rendered",
            "flux/e/k.yaml: path ./generated/e/y has no kustomization.yaml in the rendered tree",
            "generated/e/x/b.yaml: not listed in generated/e/x/kustomization.yaml (directly or through its directory), so Flux would never apply it",
            "generated/e/x/kustomization.yaml: lists `a.yaml`, which does not exist",
        ];
        assert_eq!(problems, expected);
    }

    #[test]
    fn values_from_secrets_must_be_made_by_an_external_secret() {
        let release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: h\n  namespace: n\nspec:\n  chart:\n    spec:\n      sourceRef:\n        name: r\n  valuesFrom:\n  - kind: Secret\n    name: s\n";
        let repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: r\n  namespace: n\n";
        let kust = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n- b.yaml\n";
        let missing = verify(&tree(&[
            ("generated/e/x/kustomization.yaml", kust),
            ("generated/e/x/a.yaml", release),
            ("generated/e/x/b.yaml", repo),
        ]));
        assert_eq!(
            missing,
            [
                "generated/e/x/a.yaml: valuesFrom Secret `s` is neither rendered nor made by an ExternalSecret"
            ]
        );
        let secret = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: es\n  namespace: n\nspec:\n  target:\n    name: s\n";
        let kust3 = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n- b.yaml\n- c.yaml\n";
        let made = verify(&tree(&[
            ("generated/e/x/kustomization.yaml", kust3),
            ("generated/e/x/a.yaml", release),
            ("generated/e/x/b.yaml", repo),
            ("generated/e/x/c.yaml", secret),
        ]));
        assert_eq!(made, Vec::<String>::new());
    }

    #[test]
    fn references_to_objects_made_elsewhere_resolve_when_declared() {
        let release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: h\n  namespace: lab\nspec:\n  chartRef:\n    kind: OCIRepository\n    name: chart\n    namespace: flux-system\n  valuesFrom:\n  - kind: ConfigMap\n    name: extra\n";
        let sync = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k\n  namespace: flux-system\nspec:\n  path: ./generated/e/x\n  dependsOn:\n  - name: storage\n    namespace: ops\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
        let kust = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n";
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", kust),
            ("generated/e/x/a.yaml", release),
            ("flux/e/k.yaml", sync),
        ]);
        assert_eq!(
            verify(&t),
            [
                "flux/e/k.yaml: dependsOn `storage`, which is not rendered",
                "generated/e/x/a.yaml: chart source OCIRepository flux-system/chart is not rendered",
                "generated/e/x/a.yaml: valuesFrom ConfigMap `extra` is neither rendered nor made by an ExternalSecret",
            ]
        );
        let mut declared = Declared::default();
        declared.insert("e", "OCIRepository", "flux-system", "chart");
        declared.insert("e", "ConfigMap", "lab", "extra");
        declared.insert("e", "Kustomization", "ops", "storage");
        assert_eq!(verify_with(&t, &declared), Vec::<String>::new());
    }

    #[test]
    fn a_flux_path_inside_another_is_found() {
        let sync = |name: &str, path: &str| {
            format!(
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  path: ./{path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
            )
        };
        let (outer, inner, beside) = (
            sync("outer", "generated/e/x"),
            sync("inner", "generated/e/x/in"),
            sync("beside", "generated/e/x-y"),
        );
        let listing = |entry: &str| {
            format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- {entry}\n"
            )
        };
        let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n";
        let t = tree(&[
            ("generated/e/x/kustomization.yaml", &listing("in")),
            ("generated/e/x/in/kustomization.yaml", &listing("a.yaml")),
            ("generated/e/x/in/a.yaml", namespace),
            ("generated/e/x-y/kustomization.yaml", &listing("b.yaml")),
            ("generated/e/x-y/b.yaml", &namespace.replace("a\n", "b\n")),
            ("flux/e/outer.yaml", &outer),
            ("flux/e/inner.yaml", &inner),
            ("flux/e/beside.yaml", &beside),
        ]);
        assert_eq!(
            verify(&t),
            [
                "flux/e/inner.yaml: path ./generated/e/x/in lies inside the path of flux/e/outer.yaml, so two Flux Kustomizations apply its objects"
            ]
        );
    }
}
