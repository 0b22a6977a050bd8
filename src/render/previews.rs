//! Review-only previews of what the controller creates for each notebook (`render --expand-notebooks`): the
//! objects of `notebook::children`, one a file in `generated/<env>/notebooks/<ns>/<name>.preview/`. No
//! kustomization lists them, so Flux never applies them; a reviewer sees the StatefulSet change a spec change makes.

use super::layout::Layout;
use super::notebooks::LAYER;
use crate::model::Environment;
use crate::notebook::Notebook;
use crate::notebook::children::children;
use crate::notebook::config::ControllerConfig;
use crate::output::emit;
use crate::output::tree::{PREVIEW_SUFFIX, Tree};
use serde_json::Value;

/// The second comment line of every preview file.
const NOTE: &str = "# Preview only: the jupyflux controller creates this object from the Notebook; Flux does not apply this file.\n";

/// The previews of every notebook of `env`, under `generated/<env>/`, beside its custom resource.
pub fn previews(env: &Environment, layout: &Layout) -> Tree {
    let config = ControllerConfig::of(&env.name, &env.definition.spec);
    let mut tree = Tree::new();
    for notebook in &env.notebooks {
        let definition = &notebook.definition;
        let name = definition.name.as_str();
        let mut resource = Notebook::new(name, config.defaults.apply(name, &definition.spec));
        resource.metadata.namespace = Some(notebook.namespace.clone());
        let dir = format!(
            "generated/{}/{}/{name}{PREVIEW_SUFFIX}",
            env.name,
            layout.notebook_dir(LAYER, &notebook.namespace, name)
        );
        for child in children(&resource, &config) {
            let file = format!("{dir}/{}.yaml", file_stem(&child));
            let mut text = emit::header(&definition.sources);
            text.push_str(NOTE);
            text.push_str(&emit::yaml(&child));
            tree.insert(file, text);
        }
    }
    tree
}

/// `<kind>-<name>`, lower case: `statefulset-alice`.
fn file_stem(object: &Value) -> String {
    let field = |name: &str| object[name].as_str().unwrap_or_default().to_owned();
    let kind = field("kind").to_ascii_lowercase();
    format!(
        "{kind}-{}",
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}
