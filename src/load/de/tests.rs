//! Reading typed values from located YAML: positions, suggestions, and every problem at once.

use super::*;
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Spec {
    image: String,
    #[serde(default)]
    admin_users: Vec<String>,
    storage: Option<Storage>,
    tls: Option<Tls>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Storage {
    capacity: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
enum Tls {
    ClusterIssuer(String),
    SecretName(String),
}

fn node(text: &str) -> Node {
    serde_saphyr::from_str_with_options(text, super::super::node::parse_options()).unwrap()
}

#[test]
fn reads_typed_values() {
    let spec: Spec = from_node(&node(
        "image: jupyter/base:1\nadminUsers: [ann]\nstorage: {capacity: 10Gi}\ntls: {secretName: wild}\n",
    ))
    .unwrap();
    assert_eq!(spec.admin_users, ["ann"]);
    assert_eq!(spec.tls, Some(Tls::SecretName("wild".into())));
}

#[test]
fn reports_every_unknown_field_with_its_position_and_a_suggestion() {
    let errors =
        from_node::<Spec>(&node("imagee: x\nimage: y\nstorage:\n  capacty: 1Gi\n")).unwrap_err();
    let summary: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.loc.unwrap().line,
                e.loc.unwrap().column,
                e.path.as_str(),
                e.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, 1, "", "unknown field `imagee`"),
            (4, 3, "storage", "unknown field `capacty`"),
            (4, 3, "storage", "missing required field `capacity`"),
        ]
    );
    assert!(
        errors[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `image`?")
    );
}

#[test]
fn every_value_that_fails_is_reported_and_its_consequences_are_not() {
    let errors = from_node::<Spec>(&node(
        "image: [x]\nadminUsers: 5\nstorage: {capacity: [1]}\ntls: {clusterIsuer: le}\n",
    ))
    .unwrap_err();
    let summary: Vec<_> = errors
        .iter()
        .map(|e| (e.loc.unwrap().line, e.path.as_str()))
        .collect();
    // `image` and `storage.capacity` are required: their "missing" follows from leaving them out.
    assert_eq!(
        summary,
        [
            (1, "image"),
            (2, "adminUsers"),
            (3, "storage.capacity"),
            (4, "tls")
        ],
        "{errors:#?}"
    );
}

#[test]
fn wrong_types_point_at_the_value() {
    let errors = from_node::<Spec>(&node("image: 1.5\n")).unwrap_err();
    let e = &errors[0];
    assert_eq!((e.loc.unwrap().line, e.loc.unwrap().column), (1, 8));
    assert_eq!(e.path, "image");
    assert!(
        e.message
            .starts_with("wrong type: found floating point `1.5`"),
        "{}",
        e.message
    );
    assert!(e.help.as_deref().unwrap().contains("quotes"));
}

#[test]
fn unknown_enum_values_suggest_the_nearest() {
    let errors = from_node::<Spec>(&node("image: x\ntls: {clusterIsuer: le}\n")).unwrap_err();
    assert_eq!(errors[0].message, "unknown value `clusterIsuer`");
    assert!(
        errors[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `clusterIssuer`?")
    );
    assert_eq!(errors[0].loc.unwrap().line, 2);
}

/// Like an image: read as a string, then checked, so the check's error is raised outside the node's reader.
#[derive(Debug)]
struct Tagged;

impl<'de> Deserialize<'de> for Tagged {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Err(de::Error::custom(format!("`{text}` has no tag")))
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Outer {
    inner: Inner,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Inner {
    size: u32,
    images: Vec<Tagged>,
}

#[test]
fn checks_after_reading_a_value_point_at_that_value() {
    let errors = from_node::<Outer>(&node("inner:\n  size: 1\n  images: [a:1, b]\n")).unwrap_err();
    let e = &errors[0];
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("inner.images[0]", "`a:1` has no tag")
    );
    assert_eq!((e.loc.unwrap().line, e.loc.unwrap().column), (3, 12));
}
