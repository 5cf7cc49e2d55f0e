//! How the runtime reads a [`ConductorError`]: its short class for events and metrics, whether an
//! update failure can heal, and the reason text sent to the server.

use conductor_http::ConductorError;

/// A short, stable class of `error` (the variant name), for event `error_type` fields and
/// metric labels.
pub(crate) fn error_type(error: &ConductorError) -> &'static str {
    match error {
        ConductorError::Http(_) => "Http",
        ConductorError::Json(_) => "Json",
        ConductorError::Decode { .. } => "Decode",
        ConductorError::Config(_) => "Config",
        ConductorError::Auth(_) => "Auth",
        ConductorError::TaskExecution(_) => "TaskExecution",
        ConductorError::TaskNotFound(_) => "TaskNotFound",
        ConductorError::WorkflowNotFound(_) => "WorkflowNotFound",
        ConductorError::Workflow(_) => "Workflow",
        ConductorError::Worker(_) => "Worker",
        ConductorError::Timeout(_) => "Timeout",
        ConductorError::Server { .. } => "Server",
        ConductorError::Api { .. } => "Api",
        ConductorError::Internal(_) => "Internal",
        ConductorError::Io(_) => "Io",
        ConductorError::Channel(_) => "Channel",
        ConductorError::NonRetryable(_) => "NonRetryable",
        ConductorError::UnsupportedByServer { .. } => "UnsupportedByServer",
        _ => "Other",
    }
}

/// Whether sending the same result again can never succeed: a 4xx answer other than 408/429
/// (unknown task or workflow, invalid result) or a result that cannot be serialised. Everything
/// else (transport errors, 5xx, timeouts, auth) may heal, so it is retried.
pub(crate) fn is_permanent_update_error(error: &ConductorError) -> bool {
    match error.status() {
        Some(status) if (400..500).contains(&status) => status != 408 && status != 429,
        _ => matches!(error, ConductorError::Json(_) | ConductorError::Config(_)),
    }
}

/// The `reasonForIncompletion` for a worker error: the message alone for the task-failure
/// variants (their `Display` prefix is noise to someone reading the workflow), the full text
/// otherwise.
pub(crate) fn failure_reason(error: &ConductorError) -> String {
    match error {
        ConductorError::TaskExecution(message) | ConductorError::NonRetryable(message) => {
            message.clone()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> ConductorError {
        ConductorError::Api {
            status,
            message: "x".into(),
            code: None,
            response: None,
        }
    }

    #[test]
    fn permanent_update_errors() {
        assert!(is_permanent_update_error(&api(404)));
        assert!(is_permanent_update_error(&api(400)));
        assert!(!is_permanent_update_error(&api(429)));
        assert!(!is_permanent_update_error(&api(408)));
        let server = ConductorError::Server {
            status: 500,
            message: "x".into(),
            retryable: false,
            response: None,
        };
        assert!(!is_permanent_update_error(&server));
        assert!(!is_permanent_update_error(&ConductorError::timeout("slow")));
        assert!(is_permanent_update_error(&ConductorError::config("bad")));
    }

    #[test]
    fn reasons_and_types() {
        assert_eq!(
            failure_reason(&ConductorError::task_execution("Missing orderId")),
            "Missing orderId"
        );
        assert_eq!(
            failure_reason(&ConductorError::non_retryable("bad id")),
            "bad id"
        );
        assert_eq!(
            failure_reason(&ConductorError::worker("w")),
            "worker error: w"
        );
        assert_eq!(
            error_type(&ConductorError::non_retryable("x")),
            "NonRetryable"
        );
        assert_eq!(error_type(&api(404)), "Api");
    }
}
