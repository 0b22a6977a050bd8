//! No plaintext ever: secret references reach the output only as ExternalSecret `remoteRef`s, and a literal
//! where a secret is expected never loads (and is never repeated in the error).

use jupyflux::load::{Sources, load_sources, read_sources};
use serde_json::Value;
use std::path::PathBuf;

fn canary() -> Sources {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid/vault-canary");
    read_sources(&root).expect("the canary fixture is readable")
}

/// Every string in `value` containing `needle`, with its JSON pointer.
fn occurrences(value: &Value, pointer: String, needle: &str, found: &mut Vec<String>) {
    match value {
        Value::String(s) if s.contains(needle) => found.push(pointer),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| occurrences(v, format!("{pointer}/{i}"), needle, found)),
        Value::Object(map) => {
            for (k, v) in map {
                assert!(!k.contains(needle), "{needle} in a key at {pointer}/{k}");
                occurrences(v, format!("{pointer}/{k}"), needle, found);
            }
        }
        _ => {}
    }
}

#[test]
fn references_appear_only_as_remote_refs() {
    let model = load_sources(&canary()).unwrap_or_else(|p| panic!("{p}"));
    let tree = jupyflux::render::render(&model);
    let mut seen = (0, 0);
    for (path, bytes) in tree.iter() {
        let text = std::str::from_utf8(bytes).unwrap();
        let object: Value = serde_saphyr::from_str(text).unwrap();
        for (needle, field, count) in [
            ("canary-path", "key", &mut seen.0),
            ("canary-prop", "property", &mut seen.1),
        ] {
            let mut found = Vec::new();
            occurrences(&object, String::new(), needle, &mut found);
            for pointer in found {
                let parts: Vec<&str> = pointer.split('/').collect();
                assert!(
                    object["kind"] == "ExternalSecret"
                        && matches!(parts.as_slice(), ["", "spec", "data", _, "remoteRef", f] if *f == field),
                    "{path}: `{needle}` at {pointer}: a reference may only be an ExternalSecret's remoteRef.{field}"
                );
                *count += 1;
            }
        }
    }
    assert_eq!(
        seen,
        (6, 6),
        "each of the six references appears exactly once"
    );
}

#[test]
fn no_literal_can_stand_in_for_a_secret() {
    let sources = canary();
    let hub = sources
        .files
        .iter()
        .position(|f| f.path.ends_with("canary.yaml"))
        .unwrap();
    let fields: Vec<usize> = sources.files[hub]
        .text
        .lines()
        .enumerate()
        // Every secret field; an env var may be text by design (it is a secret only when it is a reference).
        .filter(|(_, l)| l.contains("canary-path") && !l.contains("CANARY:"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(fields.len(), 5);
    for line in fields {
        for literal in [
            "s3cr3t-literal-value",
            "\"quoted-s3cr3t\"",
            "8675309",
            "4.5e3",
            "true",
            "[a, b]",
        ] {
            let mut sources = sources.clone();
            let text = &sources.files[hub].text;
            let lines: Vec<String> = text
                .lines()
                .enumerate()
                .map(|(i, l)| match (i == line, l.find('{')) {
                    (true, Some(brace)) => format!("{}{literal}", &l[..brace]),
                    _ => l.to_owned(),
                })
                .collect();
            sources.files[hub].text = lines.join("\n") + "\n";
            let problems = load_sources(&sources)
                .expect_err("a literal secret must not load")
                .to_string();
            assert!(
                problems.contains(&format!("overlays/base/canary.yaml:{}:", line + 1))
                    && problems.contains("plaintext secret")
                    && problems.contains("{vault: \"path/in/kv#property\"}"),
                "line {}, literal {literal}:\n{problems}",
                line + 1
            );
            let bare = literal.trim_matches('"');
            assert!(
                !problems.contains(bare),
                "the literal is repeated in:\n{problems}"
            );
        }
    }
}

#[test]
fn malformed_and_unknown_references_are_located() {
    let sources = canary();
    for (from, to, expected) in [
        (
            "leak/canary-path-proxy#canary-prop-proxy",
            "leak/canary-path-proxy",
            "malformed secret reference",
        ),
        (
            "leak/canary-path-proxy#canary-prop-proxy",
            "#canary-prop-proxy",
            "malformed secret reference",
        ),
        (
            "store: canary-store",
            "store: canary-stor",
            "unknown secret store `canary-stor`",
        ),
    ] {
        let mut sources = sources.clone();
        for file in &mut sources.files {
            file.text = file.text.replace(from, to);
        }
        let problems = load_sources(&sources).unwrap_err().to_string();
        assert!(
            problems.contains(expected) && problems.contains("overlays/base/canary.yaml:"),
            "{to}:\n{problems}"
        );
    }
}
