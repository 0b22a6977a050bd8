//! `jupyflux schema`: the committed schemas are current, and the shipped definitions validate against the
//! schema their first line names (as an editor with yaml-language-server would check them).

mod harness;

use harness::repo;
use serde_json::Value;

/// A schema committed under `schema/`: where, how it is built, and the command that prints it.
struct Committed {
    path: &'static str,
    build: fn() -> Value,
    command: &'static str,
}

const SCHEMAS: [Committed; 2] = [
    Committed {
        path: "schema/jupyflux.json",
        build: jupyflux::schema::definitions,
        command: "schema",
    },
    Committed {
        path: "schema/jupyflux-overlay.json",
        build: jupyflux::schema::overlays,
        command: "schema --overlay",
    },
];

#[test]
fn committed_schemas_are_current() {
    for Committed {
        path,
        build,
        command,
    } in SCHEMAS
    {
        let committed = std::fs::read_to_string(repo().join(path)).unwrap_or_default();
        assert!(
            committed == jupyflux::schema::to_text(&build()),
            "{path} is stale: run `cargo run -- {command} > {path}` and commit it"
        );
    }
}

fn validator(relative: &str) -> jsonschema::Validator {
    let schema = SCHEMAS
        .iter()
        .find(|s| relative.ends_with(s.path))
        .unwrap_or_else(|| panic!("unknown schema {relative}"));
    jsonschema::validator_for(&(schema.build)()).unwrap()
}

#[test]
fn every_shipped_definition_names_and_satisfies_its_schema() {
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(repo().join("overlays")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let name = entry.path().display();
        let first = text.lines().next().unwrap_or_default();
        let schema = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{name}: first line should name the schema, is `{first}`"));
        let validator = validator(schema);
        for document in serde_saphyr::from_multiple::<Value>(&text).unwrap() {
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            checked += 1;
        }
    }
    assert!(checked >= 7, "checked {checked} documents");
}

#[test]
fn kinds_pick_their_branch_and_mistakes_are_caught() {
    let full = validator("schema/jupyflux.json");
    let hub = |spec: Value| serde_json::json!({"apiVersion": "jupyflux.dev/v1alpha1", "kind": "Hub", "metadata": {"name": "a"}, "spec": spec});
    let spec = serde_json::json!({"chart": {"version": "4.3.2"}, "auth": {"dummy": {}}, "singleuser": {"image": "quay.io/jupyter/base-notebook:2025-03-17"}});
    assert!(full.is_valid(&hub(spec.clone())));
    let mut typo = spec.clone();
    typo["singleuser"]["imagee"] = "x".into();
    assert!(!full.is_valid(&hub(typo)), "unknown fields are rejected");
    let mut wrong_kind = hub(spec);
    wrong_kind["kind"] = "Hubb".into();
    assert!(!full.is_valid(&wrong_kind));
    let overlay = validator("schema/jupyflux-overlay.json");
    assert!(overlay.is_valid(&hub(
        serde_json::json!({"singleuser": {"memory": {"limit": "8Gi"}}})
    )));
    // What the loader refuses, an editor flags too: sizes and times in the wrong notation.
    for (field, bad, good) in [
        (
            &["singleuser", "memory", "limit"][..],
            serde_json::json!("4GB"),
            serde_json::json!("4G"),
        ),
        (
            &["singleuser", "memory", "limit"][..],
            serde_json::json!(4),
            serde_json::json!("4Gi"),
        ),
        (
            &["singleuser", "cpu", "limit"][..],
            serde_json::json!("2 cores"),
            serde_json::json!(2),
        ),
        (
            &["singleuser", "cpu", "limit"][..],
            serde_json::json!(-1),
            serde_json::json!("500m"),
        ),
        (
            &["culling", "timeout"][..],
            serde_json::json!("1 hour"),
            serde_json::json!("1h"),
        ),
    ] {
        let with = |value: Value| {
            let mut spec = serde_json::json!({});
            let mut at = &mut spec;
            for key in field {
                at = &mut at[*key];
            }
            *at = value;
            hub(spec)
        };
        assert!(
            !overlay.is_valid(&with(bad.clone())),
            "{field:?}: {bad} is flagged"
        );
        assert!(
            overlay.is_valid(&with(good.clone())),
            "{field:?}: {good} is fine"
        );
    }
}

/// The editor's image patterns agree with the loader on what has a tag or digest (`latest` aside: whether it is
/// allowed depends on the hub's opt-in, which a pattern cannot see).
#[test]
fn image_patterns_agree_with_the_loader() {
    use jupyflux::model::image::{Image, PINNED_PATTERN, PinnedImage, TAGGED_PATTERN};
    let matches = |pattern: &str, text: &str| {
        jsonschema::validator_for(&serde_json::json!({"pattern": pattern}))
            .unwrap()
            .is_valid(&serde_json::json!(text))
    };
    let digest = format!("sha256:{}", "a".repeat(64));
    for text in [
        "quay.io/jupyter/base-notebook:2025-01-13".to_owned(),
        "registry.example.org:5000/lab/notebook:1.2".to_owned(),
        "registry.example.org:5000/lab/notebook".to_owned(),
        "notebook".to_owned(),
        "quay.io/jupyter/base-notebook:".to_owned(),
        "quay.io/jupyter/base notebook:1".to_owned(),
        format!("quay.io/jupyter/base-notebook@{digest}"),
        format!("quay.io/jupyter/base-notebook:1.0@{digest}"),
        "quay.io/jupyter/base-notebook@sha256:abc".to_owned(),
    ] {
        assert_eq!(
            matches(TAGGED_PATTERN, &text),
            Image::parse_with(&text, true).is_ok(),
            "hub image {text}"
        );
        assert_eq!(
            matches(PINNED_PATTERN, &text),
            PinnedImage::parse(&text).is_ok(),
            "pinned image {text}"
        );
    }
}
