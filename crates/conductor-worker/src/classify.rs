//! How the runtime reads a [`ConductorError`]: its short class for events and metrics, whether an
//! update failure can heal, and the reason text sent to the server.

use conductor_http::ConductorError;

/// A short, stable class of `error` ([`ErrorKind::as_str`](conductor_http::ErrorKind::as_str),
/// the variant name), for event `error_type` fields and metric labels.
pub(crate) fn error_type(error: &ConductorError) -> &'static str {
    error.kind().as_str()
}

/// Whether sending the same result again can never succeed: a 4xx answer other than 408/429
/// (unknown task or workflow, invalid result) or a request that is invalid whatever the server
/// (a result that cannot be serialised, a bad configuration). Everything else (transport errors,
/// 5xx, timeouts, auth) may heal, so it is retried.
pub(crate) fn is_permanent_update_error(error: &ConductorError) -> bool {
    match error.status() {
        Some(status) if (400..500).contains(&status) => status != 408 && status != 429,
        _ => error.kind().is_invalid_request(),
    }
}

/// Whether a failed request may still have been applied by the server: the connection broke or
/// timed out after the request was sent, or a gateway gave up waiting for the server (500, 502,
/// 504). A connect error, a 503 or a 429 means the server never processed it.
pub(crate) fn may_have_been_applied(error: &ConductorError) -> bool {
    use conductor_http::TransportErrorKind;
    match error.transport_kind() {
        Some(TransportErrorKind::Connect | TransportErrorKind::Other) => false,
        Some(_) => true,
        None => {
            matches!(error.status(), Some(500 | 502 | 504))
                || matches!(error.kind(), conductor_http::ErrorKind::Timeout)
        }
    }
}

/// The `reasonForIncompletion` for a worker error: the message alone for a task failure the
/// worker reported (its `Display` prefix is noise to someone reading the workflow), the full
/// text otherwise.
pub(crate) fn failure_reason(error: &ConductorError) -> String {
    error
        .task_failure_message()
        .map_or_else(|| error.to_string(), str::to_owned)
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
