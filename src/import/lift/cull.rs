//! The `cull` section.

use super::{Builder, Part};
use serde_json::Value;

pub fn lift(values: &Value) -> Vec<Part> {
    let mut b = Builder::new(values, "cull");
    for (key, field) in [
        ("enabled", "enabled"),
        ("timeout", "timeout"),
        ("every", "every"),
        ("maxAge", "maxAge"),
        ("users", "users"),
        ("removeNamedServers", "removeNamedServers"),
    ] {
        if let Some(v) = b.take(&["cull", key]) {
            b.field(&["culling", field], v.clone());
        }
    }
    if b.peek(&["cull", "enabled"]).is_none() && b.peek(&["cull"]).is_some() {
        b.adds(&["cull", "enabled"]);
    }
    b.finish().into_iter().collect()
}
