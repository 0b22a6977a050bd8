//! The chart's `prePuller` section: pulling user images onto nodes ahead of time.

use crate::model::HubSpec;
use crate::render::overrides::merge;
use serde_json::{Value, json};

/// Add `prePuller` when the definition decides any of it.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    if let Some(puller) = spec.pre_puller {
        let enabled = json!({"enabled": puller.enabled});
        merge(
            values,
            &json!({"prePuller": {"hook": enabled, "continuous": enabled}}),
        );
    }
}
