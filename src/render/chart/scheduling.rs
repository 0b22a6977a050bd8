//! The chart's `scheduling` section: the user scheduler that packs user pods tightly.

use crate::model::HubSpec;
use crate::render::overrides::merge;
use serde_json::{Value, json};

/// Add `scheduling` when the definition decides any of it.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    if let Some(scheduler) = spec.user_scheduler {
        merge(
            values,
            &json!({"scheduling": {"userScheduler": {"enabled": scheduler.enabled}}}),
        );
    }
}
