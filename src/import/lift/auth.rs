//! The authenticator under `hub.config`: its class and who may log in. OAuth client credentials are secrets,
//! so an OAuth authenticator is imported by class, its settings staying under `values` until its credentials
//! are secret references (the report says which to create).

use super::{Builder, Part};
use crate::model::auth::NATIVE_CLASS;
use serde_json::{Map, Value, json};

pub fn lift(values: &Value) -> Vec<Part> {
    let mut b = Builder::new(values, "hub.config authenticator");
    match b
        .peek(&["hub", "config", "JupyterHub", "authenticator_class"])
        .and_then(Value::as_str)
    {
        // The chart's default: chosen explicitly in the definition.
        None => {
            b.field(&["auth", "dummy"], json!({}));
            b.adds(&["hub", "config", "JupyterHub", "authenticator_class"]);
        }
        Some("dummy") => {
            b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
            b.field(&["auth", "dummy"], json!({}));
        }
        Some(NATIVE_CLASS | "native") => {
            b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
            let settings = native(&mut b);
            b.field(&["auth", "native"], settings);
        }
        Some(class) => {
            b.take(&["hub", "config", "JupyterHub", "authenticator_class"]);
            b.field(&["auth", "other"], json!({"class": class}));
        }
    }
    for (key, field) in [
        ("allow_all", "allowAll"),
        ("auto_login", "autoLogin"),
        ("enable_auth_state", "enableAuthState"),
        ("refresh_pre_spawn", "refreshPreSpawn"),
        ("delete_invalid_users", "deleteInvalidUsers"),
    ] {
        if let Some(v) = b
            .peek(&["hub", "config", "Authenticator", key])
            .filter(|v| v.is_boolean())
        {
            b.take(&["hub", "config", "Authenticator", key]);
            b.field(&["auth", field], v.clone());
        }
    }
    if let Some(v) = b
        .peek(&["hub", "config", "JupyterHub", "admin_access"])
        .filter(|v| v.is_boolean())
    {
        b.take(&["hub", "config", "JupyterHub", "admin_access"]);
        b.field(&["auth", "adminAccess"], v.clone());
    }
    for (key, field) in [
        ("admin_users", "adminUsers"),
        ("allowed_users", "allowedUsers"),
    ] {
        if let Some(users) = b.peek(&["hub", "config", "Authenticator", key])
            && users
                .as_array()
                .is_some_and(|u| u.iter().all(Value::is_string))
        {
            b.take(&["hub", "config", "Authenticator", key]);
            b.field(&["auth", field], users.clone());
        }
    }
    b.finish().into_iter().collect()
}

/// NativeAuthenticator's typed settings under `hub.config.NativeAuthenticator` (others stay under `values`).
fn native(b: &mut Builder<'_>) -> Value {
    let mut settings = Map::new();
    for (key, field, number) in [
        ("enable_signup", "enableSignup", false),
        ("open_signup", "openSignup", false),
        ("check_common_password", "checkCommonPassword", false),
        ("ask_email_on_signup", "askEmailOnSignup", false),
        ("minimum_password_length", "minimumPasswordLength", true),
        ("allowed_failed_logins", "allowedFailedLogins", true),
        ("seconds_before_next_try", "secondsBeforeNextTry", true),
    ] {
        let keys = ["hub", "config", "NativeAuthenticator", key];
        if let Some(v) = b
            .peek(&keys)
            .filter(|v| if number { v.is_u64() } else { v.is_boolean() })
        {
            b.take(&keys);
            settings.insert(field.into(), v.clone());
        }
    }
    Value::Object(settings)
}
