//! The pure centre of jupyflux: `render(&Model) -> Tree`. No I/O, no clock, no environment, no randomness.

pub mod access;
pub mod chart;
pub mod controller;
mod extra_objects;
mod files;
pub mod flux;
pub mod hub;
pub mod namespaces;
pub mod notebooks;
pub(crate) mod object;
pub mod overrides;
mod previews;
mod release;
pub mod secrets;

#[cfg(test)]
mod tests;

use crate::model::{Environment, Model};
use crate::output::Tree;
use files::Files;
pub use release::declared_elsewhere;

/// A directory of `generated/<env>/` that Flux reconciles as one unit, after the layers it depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layer {
    pub name: &'static str,
    pub depends_on: &'static [&'static str],
}

/// Every layer, in dependency order.
pub const LAYERS: [Layer; 5] = [
    Layer {
        name: controller::CRDS_LAYER,
        depends_on: &[],
    },
    // Its Deployment is ready once it can list notebooks in every watched namespace, i.e. once the Roles in the
    // notebook namespaces exist: it must not be a dependency of the layer that renders them.
    Layer {
        name: controller::LAYER,
        depends_on: &["crds"],
    },
    // `wait: true` on its Flux Kustomization: ready once every ExternalSecret is Ready, i.e. its Secret exists.
    Layer {
        name: secrets::LAYER,
        depends_on: &[],
    },
    // Hubs need their Secrets, not the notebook controller: a broken controller must not hold hubs back.
    Layer {
        name: "hubs",
        depends_on: &["secrets"],
    },
    // Notebook objects need their CRD, not a running controller: they wait in the API server until it runs.
    Layer {
        name: notebooks::LAYER,
        depends_on: &["crds", "secrets"],
    },
];

/// What a render produces besides the manifests Flux applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Write the children of every notebook beside it, for review (`<name>.preview/`).
    pub expand_notebooks: bool,
}

/// Render every environment of the model.
pub fn render(model: &Model) -> Tree {
    render_with(model, Options::default())
}

/// Render every environment of the model, with `options` (environments in parallel: they share nothing).
pub fn render_with(model: &Model, options: Options) -> Tree {
    let mut tree = Tree::new();
    let render = |env: &Environment| render_environment(env, options);
    for rendered in crate::parallel::map(&model.environments, 1, render) {
        tree.extend(rendered);
    }
    tree
}

/// Render one environment: `generated/<env>/**` and `flux/<env>/*`.
pub fn render_environment(env: &Environment, options: Options) -> Tree {
    let mut generated = Files::new(format!("generated/{}", env.name));
    controller::render(env, &mut generated);
    secrets::render(env, &mut generated);
    for hub in &env.hubs {
        hub::render(env, hub, &mut generated);
    }
    notebooks::render(env, &mut generated);
    namespaces::render(env, &mut generated);
    let present: Vec<&Layer> = LAYERS
        .iter()
        .filter(|l| generated.has_dir(l.name))
        .collect();
    let mut sync = Files::new(format!("flux/{}", env.name));
    flux::render(env, &present, &mut sync);

    let mut tree = generated.with_kustomizations();
    tree.extend(sync.into_tree());
    if options.expand_notebooks {
        tree.extend(previews::previews(env));
    }
    tree
}
