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
use crate::output::{Sink, Tree};
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
    for rendered in render_into(model, options, |_| Tree::new()) {
        tree.extend(rendered);
    }
    tree
}

/// Render every environment (in parallel), each into a sink of its own that `sink` makes; the sinks, in
/// environment order.
pub fn render_into<S: Sink + Send>(
    model: &Model,
    options: Options,
    sink: impl Fn(&Environment) -> S + Sync,
) -> Vec<S> {
    crate::parallel::map(&model.environments, 1, |env| {
        let mut into = sink(env);
        render_environment_into(env, options, &mut into);
        into
    })
}

/// Render one environment: `generated/<env>/**` and `flux/<env>/*`.
pub fn render_environment(env: &Environment, options: Options) -> Tree {
    let mut tree = Tree::new();
    render_environment_into(env, options, &mut tree);
    tree
}

/// [`render_environment`], each file handed to `sink` as soon as it is made (so that a caller comparing with the
/// disk holds only what differs, not the whole output).
pub fn render_environment_into(env: &Environment, options: Options, sink: &mut dyn Sink) {
    let layout = Layout::of(env);
    let mut generated = Files::new(format!("generated/{}", env.name), sink);
    controller::render(env, &mut generated);
    secrets::render(env, &layout, &mut generated);
    for hub in &env.hubs {
        hub::render(env, hub, &mut generated);
    }
    notebooks::render(env, &layout, &mut generated);
    namespaces::render(env, &layout, &mut generated);
    let syncs = {
        let dirs = generated.dirs();
        layout.syncs(env, |dir| dirs.contains(dir))
    };
    generated.with_kustomizations();
    let mut sync = Files::new(format!("flux/{}", env.name), sink);
    flux::render(env, &syncs, &mut sync);
    if options.expand_notebooks {
        previews::previews(env, &layout).drain_into(sink);
    }
}
