//! The Zero to JupyterHub chart values of a hub, one module per values section of the chart, so the folder
//! answers "where is this value made?": `hub`, `auth` (the authenticator under `hub.config`), `proxy`,
//! `singleuser` (with `profiles` for `singleuser.profileList`), `scheduling`, `pre_puller`, `expose` (`ingress` /
//! `httpRoute`; `load_balancer`: the proxy's own Service, TLS and TCP ports), `cull`, `network_policy` and `debug`.
//! Only what the definition decides is written, plus the settings that make the chart safe by default (restricted
//! pods, no cloud load balancer unless `expose.loadBalancer` asks for one, no privileged iptables init container).

mod auth;
mod cull;
mod debug;
mod expose;
mod hub;
mod load_balancer;
mod network_policy;
mod pre_puller;
mod profile_lists;
mod profiles;
mod proxy;
mod scheduling;
mod services;
mod shared;
mod singleuser;
mod spawn_config;

use super::overrides::merge;
use crate::model::HubSpec;
use crate::model::{Definition, Environment};
use serde_json::{Value, json};

pub use singleuser::STATIC_SUB_PATH;

/// The chart values for `hub` in `env`: each section's values, then the raw `values` deep-merged last.
pub fn values(env: &Environment, hub: &Definition<HubSpec>) -> Value {
    let spec = &hub.spec;
    let mut values = json!({
        "hub": hub::values(env, hub),
        "proxy": proxy::values(spec),
        "singleuser": singleuser::values(env, hub),
    });
    expose::merge_into(&mut values, env, hub);
    cull::merge_into(&mut values, spec);
    network_policy::merge_into(&mut values, spec);
    scheduling::merge_into(&mut values, spec);
    pre_puller::merge_into(&mut values, spec);
    debug::merge_into(&mut values, spec);
    merge(&mut values, &Value::Object(spec.values.clone()));
    values
}

/// Tests: the chart values of hub `lab` whose spec ends with `spec_tail` (see [`crate::load::load_test_hub`]).
#[cfg(test)]
pub(crate) fn test_values(spec_tail: &str) -> Value {
    let model = crate::load::load_test_hub(spec_tail).unwrap_or_else(|e| panic!("{e}"));
    let env = &model.environments[0];
    values(env, &env.hubs[0])
}
