//! jupyflux's patch engine (`jupyflux::patch`, what `validate` applies a hub's `spec.patches` with) against a
//! real `kustomize build` of the same objects and patches: the same objects come out, or both refuse.

use std::path::Path;
use std::process::Command;

use jupyflux::patch;
use serde_json::{Map, Value, json};

use super::kustomize::kustomize_binary;

/// The objects every case patches: a HelmRelease (a custom resource: lists replaced), a Deployment (built in:
/// containers, env and volumes merged by key) and a Namespace.
fn objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "research", "namespace": "research", "labels": {"jupyflux.dev/hub": "research"}},
            "spec": {"interval": "30m",
                "valuesFrom": [{"kind": "Secret", "name": "s", "valuesKey": "a", "targetPath": "hub.a"}],
                "values": {"hub": {"config": {"A": {"x": 1, "y": 2}}}, "list": [{"name": "a"}, {"name": "b"}]}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "research-helper", "namespace": "research", "annotations": {"tier": "web"}},
            "spec": {"template": {"spec": {
                "containers": [
                    {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "sidecar", "image": "side:1"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}]}}}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "research"}}),
    ]
}

/// `(what it shows, target, patch text)`.
const CASES: [(&str, &str, &str); 11] = [
    (
        "JSON 6902: add, remove, copy, move, a passing test",
        r#"{"kind": "HelmRelease", "name": "research"}"#,
        "- {op: add, path: /spec/suspend, value: true}\n- {op: remove, path: /spec/values/hub/config/A/x}\n- {op: copy, from: /spec/values/hub, path: /spec/values/copy}\n- {op: move, from: /spec/values/list/1, path: /spec/values/list/0}\n- {op: add, path: /spec/valuesFrom/-, value: {kind: Secret, name: t, valuesKey: b, targetPath: hub.b}}\n- {op: test, path: /spec/interval, value: 30m}\n",
    ),
    (
        "JSON 6902: escaped pointers",
        r#"{"kind": "HelmRelease"}"#,
        "- {op: add, path: /metadata/annotations, value: {}}\n- {op: add, path: /metadata/annotations/example.org~1a~0b, value: x}\n",
    ),
    (
        "strategic merge on a custom resource: maps merge, null deletes, lists replace",
        r#"{"kind": "HelmRelease"}"#,
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: any\n  labels: {extra: x}\nspec:\n  values:\n    hub: {config: {A: {y: null, z: 3}}}\n    list: [{name: c}]\n",
    ),
    (
        "strategic merge on a Deployment: containers and env by name, $patch: delete, new volume",
        r#"{"kind": "Deployment"}"#,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: research-helper}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:2\n        env:\n        - {name: B, $patch: delete}\n        - {name: C, value: \"3\"}\n      - {name: sidecar, $patch: delete}\n      volumes:\n      - {name: cache, emptyDir: {medium: Memory}}\n",
    ),
    (
        "target by name regex and annotation selector",
        r#"{"name": "research-.*", "annotationSelector": "tier=web"}"#,
        "- {op: add, path: /spec/replicas, value: 2}\n",
    ),
    (
        "target by label selector and group",
        r#"{"group": "helm.toolkit.fluxcd.io", "labelSelector": "jupyflux.dev/hub in (research, other)"}"#,
        "- {op: replace, path: /spec/interval, value: 1h}\n",
    ),
    (
        "strategic merge deleting an object",
        r#"{"kind": "Namespace"}"#,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: research}\n$patch: delete\n",
    ),
    (
        "strategic merge replacing a map",
        r#"{"kind": "HelmRelease"}"#,
        "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  values:\n    $patch: replace\n    n: 1\n",
    ),
    (
        "a strategic merge patch without metadata.name",
        r#"{"kind": "HelmRelease"}"#,
        "kind: HelmRelease\nmetadata: {labels: {a: b}}\nspec: {suspend: true}\n",
    ),
    (
        "a failing test operation",
        r#"{"kind": "HelmRelease"}"#,
        "- {op: test, path: /spec/interval, value: 1h}\n",
    ),
    (
        "an add below a missing parent",
        r#"{"kind": "HelmRelease"}"#,
        "- {op: add, path: /spec/missing/field, value: 1}\n",
    ),
];

/// Every case where jupyflux and `kustomize build` disagree, described; `None` when kustomize is not available
/// (reported once, or a failure under `CI`).
pub fn patch_engine_disagreements() -> Option<Vec<String>> {
    let kustomize = kustomize_binary()?;
    let mut disagreements = Vec::new();
    for (what, target, text) in CASES {
        let target: Map<String, Value> = serde_json::from_str(target).expect("a JSON target");
        let mut ours = objects();
        let ours = patch::apply(&mut ours, &target, text).map(|_| sorted(ours));
        let theirs = build(kustomize, &target, text).map(sorted);
        let agree = match (&ours, &theirs) {
            (Ok(ours), Ok(theirs)) => ours == theirs,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !agree {
            disagreements.push(format!(
                "{what}:\n  jupyflux: {}\n  kustomize: {}",
                describe(&ours.map_err(|e| e.to_string())),
                describe(&theirs)
            ));
        }
    }
    Some(disagreements)
}

fn describe(result: &Result<Vec<Value>, String>) -> String {
    match result {
        Ok(objects) => serde_json::to_string(objects).expect("JSON"),
        Err(e) => format!("error: {e}"),
    }
}

/// Objects in a fixed order (kustomize sorts its output by kind).
fn sorted(mut objects: Vec<Value>) -> Vec<Value> {
    objects.sort_by_key(patch::identity);
    objects
}

fn build(kustomize: &Path, target: &Map<String, Value>, text: &str) -> Result<Vec<Value>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let resources: Vec<String> = objects()
        .iter()
        .map(|o| serde_json::to_string(o).expect("JSON"))
        .collect();
    std::fs::write(dir.path().join("objects.yaml"), resources.join("\n---\n"))
        .map_err(|e| e.to_string())?;
    let kustomization =
        json!({"resources": ["objects.yaml"], "patches": [{"target": target, "patch": text}]});
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        kustomization.to_string(),
    )
    .map_err(|e| e.to_string())?;
    let output = Command::new(kustomize)
        .arg("build")
        .arg(dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    serde_saphyr::from_multiple::<Value>(&text).map_err(|e| e.to_string())
}
