//! Which API errors of an apply last (retrying changes nothing until someone fixes the object, the RBAC or the
//! quota) and the `Degraded` reason each gets; every other error is transient and only retried with backoff.

use super::decode::redact;
use super::error::Error;

/// `Degraded` reason of an apply the API server refused because it changes an immutable field.
pub const IMMUTABLE_FIELD: &str = "ImmutableField";
/// `Degraded` reason of an apply refused by RBAC or an admission webhook (403).
pub const FORBIDDEN: &str = "Forbidden";
/// `Degraded` reason of an apply refused by a ResourceQuota (403 `exceeded quota`).
pub const QUOTA_EXCEEDED: &str = "QuotaExceeded";
/// `Degraded` reason of an apply the API server found invalid for another reason (422).
pub const INVALID: &str = "Invalid";

/// A lasting failure: the reason `Degraded` carries and the server's message, quoted values blanked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lasting {
    /// [`IMMUTABLE_FIELD`], [`FORBIDDEN`], [`QUOTA_EXCEEDED`] or [`INVALID`].
    pub reason: &'static str,
    /// What the API server said, without the values it quoted.
    pub message: String,
}

/// Whether `error` lasts, and why; `None` for a transient one (409 conflict, 5xx, 429, a lost connection).
pub fn classify(error: &Error) -> Option<Lasting> {
    let Error::Kube(kube::Error::Api(status)) = error else {
        return None;
    };
    let message = status.message.to_ascii_lowercase();
    let reason = match (status.code, status.reason.as_str()) {
        (403, _) if message.contains("exceeded quota") => QUOTA_EXCEEDED,
        (403, _) => FORBIDDEN,
        (422, _) | (_, "Invalid")
            if message.contains("immutable")
                || message.contains("updates to statefulset spec for fields other than") =>
        {
            IMMUTABLE_FIELD
        }
        (422, _) | (_, "Invalid") => INVALID,
        _ => return None,
    };
    Some(Lasting {
        reason,
        message: redact(&status.message),
    })
}

/// A short, secret-free description of `error` for an event or a log line: the API's reason, code and message
/// (quoted values blanked), or the error itself when it is not an API answer.
pub fn describe(error: &Error) -> String {
    match error {
        Error::Kube(kube::Error::Api(status)) => format!(
            "{} ({}): {}",
            status.reason,
            status.code,
            redact(&status.message)
        ),
        other => redact(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str, message: &str) -> Error {
        let status = kube::core::Status::failure(message, reason).with_code(code);
        Error::Kube(kube::Error::Api(Box::new(status)))
    }

    #[test]
    fn lasting_errors_get_their_reason() {
        let cases = [
            (
                api(
                    422,
                    "Invalid",
                    r#"StatefulSet.apps "alice" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"#,
                ),
                IMMUTABLE_FIELD,
            ),
            (
                api(
                    422,
                    "Invalid",
                    r#"PersistentVolumeClaim "alice-home" is invalid: spec: Forbidden: spec is immutable after creation"#,
                ),
                IMMUTABLE_FIELD,
            ),
            (
                api(
                    403,
                    "Forbidden",
                    r#"persistentvolumeclaims "alice-home" is forbidden: exceeded quota: storage, requested: requests.storage=1Gi"#,
                ),
                QUOTA_EXCEEDED,
            ),
            (
                api(
                    403,
                    "Forbidden",
                    r#"statefulsets.apps "alice" is forbidden: User "system:serviceaccount:x:y" cannot patch"#,
                ),
                FORBIDDEN,
            ),
            (
                api(422, "Invalid", r#"Service "alice" is invalid: spec.ports"#),
                INVALID,
            ),
        ];
        for (error, reason) in cases {
            assert_eq!(classify(&error).map(|l| l.reason), Some(reason), "{error}");
        }
    }

    #[test]
    fn transient_errors_are_not_lasting() {
        for (code, reason) in [
            (409, "Conflict"),
            (500, "InternalError"),
            (429, "TooManyRequests"),
            (404, "NotFound"),
        ] {
            assert_eq!(classify(&api(code, reason, "try again")), None, "{code}");
        }
        assert_eq!(classify(&Error::MissingMetadata("uid")), None);
    }

    #[test]
    fn messages_keep_no_quoted_value() {
        let error = api(
            422,
            "Invalid",
            r#"StatefulSet.apps "alice" is invalid: spec.template.spec.containers[0].env[0].value: Invalid value: "hunter2""#,
        );
        let lasting = classify(&error).unwrap();
        assert!(!lasting.message.contains("hunter2"), "{}", lasting.message);
        assert!(!describe(&error).contains("hunter2"));
        assert!(describe(&error).starts_with("Invalid (422): StatefulSet.apps"));
    }
}
