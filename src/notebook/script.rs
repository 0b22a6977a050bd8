//! The start script of a notebook server (a tera template) and its content hash.

use super::culling;
use super::spec::{NotebookAuth, NotebookSpec};
use sha2::{Digest, Sha256};

const TEMPLATE: &str = include_str!("start.sh.tera");

/// The port the Jupyter server listens on.
pub const JUPYTER_PORT: u16 = 8888;

/// The start script of notebook `name`.
pub fn start_script(name: &str, spec: &NotebookSpec, base_url: &str) -> String {
    let mut context = tera::Context::new();
    context.insert("name", name);
    context.insert("oidc", &matches!(spec.auth, NotebookAuth::Oidc(_)));
    context.insert("port", &JUPYTER_PORT);
    context.insert("base_url", base_url);
    context.insert("culling_flags", &culling::jupyter_flags(&spec.culling));
    context.insert("idle_timeout", &spec.culling.idle_timeout);
    context.insert("idle_message", culling::IDLE_MESSAGE);
    let mut text = tera::Tera::one_off(TEMPLATE, &context, false).expect("the template is valid");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The hex sha256 of `text`.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
