//! One snapshot per valid fixture, holding every generated file under a `=== path` header line.

mod harness;

#[test]
fn every_valid_fixture_matches_its_snapshot() {
    for (name, dir) in harness::cases("valid") {
        let tree = harness::render(&dir);
        insta::assert_snapshot!(name, tree.to_snapshot());
    }
}

#[test]
fn the_shipped_example_matches_its_snapshot() {
    insta::assert_snapshot!(
        "shipped-example",
        harness::render(&harness::repo()).to_snapshot()
    );
}
