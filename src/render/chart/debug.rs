//! The chart's `debug` section: debug logging of the hub and the chart's components.

use crate::model::HubSpec;
use serde_json::{Value, json};

/// Add `debug` when the definition sets it.
pub fn merge_into(values: &mut Value, spec: &HubSpec) {
    if let Some(enabled) = spec.debug {
        values["debug"] = json!({"enabled": enabled});
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_values;
    use serde_json::json;

    #[test]
    fn debug_is_the_chart_switch() {
        assert_eq!(
            test_values("  debug: true\n")["debug"],
            json!({"enabled": true})
        );
        assert!(test_values("").get("debug").is_none());
    }
}
