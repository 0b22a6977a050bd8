//! The chart's `proxy` section: the proxy's Service stays inside the cluster (no cloud load balancer); users
//! come in through the Ingress or HTTPRoute of `expose`.

use crate::model::HubSpec;
use serde_json::{Value, json};

/// `proxy`: what the definition decides.
pub fn values(_spec: &HubSpec) -> Value {
    json!({"service": {"type": "ClusterIP"}})
}
