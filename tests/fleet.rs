//! The benchmark fleet generator (`examples/fleet`) writes valid, deterministic definitions.

#[path = "../examples/fleet/generate.rs"]
mod generate;

use jupyflux::load::load_sources;
use jupyflux::output::verify::verify;

#[test]
fn a_small_fleet_renders_cleanly_and_is_deterministic() {
    let files = generate::fleet(3, 20, 8);
    assert_eq!(
        files,
        generate::fleet(3, 20, 8),
        "same arguments, same bytes"
    );
    let model = load_sources(&generate::sources(3, 20, 8)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.environments.len(), 2);
    assert!(
        model
            .environments
            .iter()
            .all(|e| e.hubs.len() == 3 && e.notebooks.len() == 20)
    );
    let tree = jupyflux::render::render(&model);
    assert_eq!(verify(&tree), Vec::<String>::new());
    // Notebooks share namespaces: the namespace's secret objects are rendered once, each notebook's Secret apart.
    let listing = |path: &str| String::from_utf8_lossy(tree.get(path).unwrap()).into_owned();
    let kustomization = listing("generated/staging/secrets/projects-000/kustomization.yaml");
    assert!(kustomization.contains(
        "- namespace.yaml\n- secretstore-vault.yaml\n- serviceaccount-vault-auth.yaml\n"
    ));
    assert_eq!(kustomization.matches("externalsecret-").count(), 8);
}
