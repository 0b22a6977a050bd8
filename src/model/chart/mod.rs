//! The sections of a Hub that mirror the Zero to JupyterHub chart's values, one module per section: `hub` (the
//! hub pod and its database), `proxy`, `singleuser`, `scheduling`, `pre_puller`, `expose` (`ingress` /
//! `httpRoute`), `cull`; `extra_files` and `pod` hold shapes several sections share. What is not a chart value (the
//! Flux release, the namespace, the escape hatches) stays in `super::hub`.

pub mod cull;
pub mod expose;
pub mod extra_files;
pub mod hub;
pub mod pod;
pub mod pre_puller;
pub mod proxy;
pub mod scheduling;
pub mod services;
pub mod singleuser;

use schemars::JsonSchema;
use serde::Deserialize;

/// A feature switched on or off.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}
