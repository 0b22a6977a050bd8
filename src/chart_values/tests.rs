use super::*;
use serde_json::json;

#[test]
fn coalesce_follows_helm_null_deletes_and_maps_merge() {
    let defaults = json!({"a": {"x": 1, "y": 2}, "b": [1, 2], "c": "keep"});
    let user = json!({"a": {"y": null, "z": 3}, "b": [9], "d": null});
    let merged = coalesce(user, &defaults);
    assert_eq!(
        merged,
        json!({"a": {"x": 1, "z": 3}, "b": [9], "c": "keep", "d": null})
    );
}

#[test]
fn flux_merge_replaces_lists_and_keeps_nulls() {
    let mut base = json!({"a": {"x": 1}, "b": [1]});
    merge_maps(&mut base, json!({"a": {"y": 2}, "b": [2], "c": null}));
    assert_eq!(base, json!({"a": {"x": 1, "y": 2}, "b": [2], "c": null}));
}

#[test]
fn set_paths_parse_escaped_dots_and_indices() {
    let path = parse_path(r"hub.config.a\.b[1].c").unwrap();
    let key = |k: &str| Segment::Key(k.into());
    let expected = [
        key("hub"),
        key("config"),
        key("a.b"),
        Segment::Index(1),
        key("c"),
    ];
    assert_eq!(path, expected);
    let mut values = json!({"hub": {"other": true}});
    set_path(&mut values, &path, json!("s"));
    assert_eq!(
        values,
        json!({"hub": {"other": true, "config": {"a.b": [null, {"c": "s"}]}}})
    );
    assert!(parse_path("a..b").is_err());
    assert!(parse_path("a[x]").is_err());
}

#[test]
fn placeholders_take_the_type_the_schema_declares() {
    let schema = json!({"properties": {"hub": {"properties": {
        "n": {"type": ["integer", "null"]},
        "config": {"patternProperties": {"^[A-Z]": {"type": "object", "additionalProperties": true}}},
    }}}});
    let at = |p: &str| placeholder(schema_at(&schema, &parse_path(p).unwrap()));
    assert_eq!(at("hub.n"), json!(0));
    assert_eq!(at("hub.config.Authenticator"), json!({}));
    assert_eq!(at("hub.config.Authenticator.secret"), json!("placeholder"));
    assert_eq!(at("hub.config.lower"), json!("placeholder"));
}

#[test]
fn release_values_set_target_paths_then_merge_inline_values_over_them() {
    let release = json!({"spec": {
        "valuesFrom": [
            {"kind": "Secret", "name": "s", "valuesKey": "token", "targetPath": "proxy.secretToken"},
            {"kind": "Secret", "name": "s", "valuesKey": "url", "targetPath": "hub.db.url"},
            {"kind": "ConfigMap", "name": "whole"},
        ],
        "values": {"hub": {"db": {"type": "postgres", "url": "inline wins"}}},
    }});
    let entries = ValuesFrom::of_release(&release);
    assert_eq!(entries[2].key, "values.yaml");
    assert_eq!(entries[2].target_path, None);
    let values = release_values(&release, |entry, _| json!(entry.describe())).unwrap();
    assert_eq!(
        values,
        json!({
            "proxy": {"secretToken": "<from Secret s key token>"},
            "hub": {"db": {"url": "inline wins", "type": "postgres"}},
        })
    );
}
