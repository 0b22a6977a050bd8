//! The `scheduling` and `prePuller` sections.

use super::{Builder, Part};
use serde_json::{Value, json};

pub fn lift(values: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut scheduler = Builder::new(values, "scheduling.userScheduler");
    for (key, field) in [
        ("enabled", "enabled"),
        ("nodeSelector", "nodeSelector"),
        ("resources", "resources"),
    ] {
        if let Some(v) = scheduler.take(&["scheduling", "userScheduler", key]) {
            scheduler.field(&["userScheduler", field], v.clone());
        }
    }
    parts.extend(scheduler.finish());
    let mut user_pods = Builder::new(values, "scheduling.userPods");
    if let Some(v) = user_pods.take(&["scheduling", "userPods", "tolerations"]) {
        user_pods.field(&["userPods", "tolerations"], v.clone());
    }
    parts.extend(user_pods.finish());
    for (key, field) in [
        ("podPriority", "podPriority"),
        ("userPlaceholder", "userPlaceholder"),
    ] {
        let mut b = Builder::new(values, format!("scheduling.{key}"));
        if let Some(v) = b.take(&["scheduling", key, "enabled"]) {
            b.field(&[field], json!({"enabled": v}));
        }
        parts.extend(b.finish());
    }
    let mut puller = Builder::new(values, "prePuller");
    for (section, field) in [("hook", "hook"), ("continuous", "continuous")] {
        if let Some(v) = puller.take(&["prePuller", section, "enabled"]) {
            puller.field(&["prePuller", field, "enabled"], v.clone());
        }
    }
    if let Some(v) = puller.take(&["prePuller", "resources"]) {
        puller.field(&["prePuller", "resources"], v.clone());
    }
    for key in ["nodeSelector", "tolerations", "resources"] {
        if let Some(v) = puller.take(&["prePuller", "hook", key]) {
            puller.field(&["prePuller", "hook", key], v.clone());
        }
    }
    parts.extend(puller.finish());
    let mut proxy = Builder::new(values, "proxy.chp");
    for key in ["nodeSelector", "tolerations", "resources"] {
        if let Some(v) = proxy.take(&["proxy", "chp", key]) {
            proxy.field(&["proxy", key], v.clone());
        }
    }
    parts.extend(proxy.finish());
    let mut traefik = Builder::new(values, "proxy.traefik placement");
    for key in ["nodeSelector", "tolerations"] {
        if let Some(v) = traefik.take(&["proxy", "traefik", key]) {
            traefik.field(&["proxy", "traefik", key], v.clone());
        }
    }
    parts.extend(traefik.finish());
    parts
}
