//! The pure centre of jupyflux: `render(&Model) -> Tree`. No I/O, no clock, no environment, no randomness.

pub mod access;
pub mod chart;
pub mod controller;
mod extra_objects;
mod files;
pub mod flux;
pub mod hub;
pub mod layout;
pub mod namespaces;
pub mod notebooks;
pub(crate) mod object;
pub mod overrides;
mod previews;
pub mod quotas;
mod release;
pub mod secrets;

#[cfg(test)]
mod tests;

use crate::model::{Environment, Model};
use crate::output::Tree;
use files::Files;
use layout::Layout;
pub use release::declared_elsewhere;

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
    let layout = Layout::of(env);
    let mut generated = Files::new(format!("generated/{}", env.name));
    controller::render(env, &mut generated);
    secrets::render(env, &layout, &mut generated);
    for hub in &env.hubs {
        hub::render(env, hub, &mut generated);
    }
    notebooks::render(env, &layout, &mut generated);
    namespaces::render(env, &layout, &mut generated);
    let dirs = generated.dirs();
    let syncs = layout.syncs(env, |dir| dirs.contains(dir));
    let mut sync = Files::new(format!("flux/{}", env.name));
    flux::render(env, &syncs, &mut sync);

    let mut tree = generated.with_kustomizations();
    tree.extend(sync.into_tree());
    if options.expand_notebooks {
        tree.extend(previews::previews(env, &layout));
    }
    tree
}
