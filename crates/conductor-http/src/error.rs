//! The SDK-wide error type [`ConductorError`], its [`ErrorKind`], its transport part
//! [`TransportError`], the [`Result`] alias and the one way of printing an error chain
//! ([`error_chain`]).

use std::error::Error as StdError;
use std::fmt;

use conductor_models::{ErrorResponse, ValidationError};

/// The result type used throughout the SDK; the error defaults to [`ConductorError`].
///
/// ```
/// use conductor_http::{ConductorError, Result};
///
/// fn parse_priority(value: &str) -> Result<u8> {
///     value
///         .parse()
///         .map_err(|_| ConductorError::config(format!("priority must be 0-99, got {value:?}")))
/// }
/// assert_eq!(parse_priority("5").ok(), Some(5));
/// assert!(parse_priority("high").is_err());
/// ```
pub type Result<T, E = ConductorError> = std::result::Result<T, E>;

/// Every error the Conductor SDK can return.
///
/// Server answers are mapped by status class: a 4xx becomes [`ConductorError::Api`], a 5xx becomes
/// [`ConductorError::Server`], both carrying the server's `ErrorResponse` when the body was one.
/// Failures that happen before a response arrives (connect, timeout, TLS, reading the body) are
/// [`ConductorError::Http`]. Use the predicates ([`status`](Self::status),
/// [`is_retryable`](Self::is_retryable), [`is_not_found`](Self::is_not_found),
/// [`is_conflict`](Self::is_conflict)) rather than matching on variants where possible: the enum is
/// `#[non_exhaustive]`.
///
/// ```
/// use conductor_http::ConductorError;
///
/// let err = ConductorError::Api { status: 404, message: "No such workflow".into(), code: None, response: None };
/// assert!(err.is_not_found());
/// assert_eq!(err.status(), Some(404));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConductorError {
    /// The request was not sent or no complete response arrived (connect, timeout, TLS, body read).
    #[error("HTTP transport error: {0}")]
    Http(#[from] TransportError),
    /// Serialising or deserialising a user-supplied value failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// The server answered, but its body was not what the endpoint promises (malformed, truncated,
    /// wrong shape, unexpectedly empty).
    #[error("could not decode the response (HTTP {status}): {message}; body: {body_snippet:?}")]
    Decode {
        /// HTTP status of the response whose body could not be decoded.
        status: u16,
        /// What went wrong (the parser's message).
        message: String,
        /// The start of the body (at most a few hundred characters) to help diagnose it.
        body_snippet: String,
    },
    /// The configuration is invalid (bad URL, bad header, TLS set-up failure...).
    #[error("configuration error: {0}")]
    Config(String),
    /// Authentication failed: bad key/secret, or the server still rejects the token after a refresh.
    #[error("authentication error: {0}")]
    Auth(String),
    /// A worker's task execution failed.
    #[error("task execution error: {0}")]
    TaskExecution(String),
    /// The task does not exist.
    #[error("task not found: {0}")]
    TaskNotFound(String),
    /// The workflow does not exist.
    #[error("workflow not found: {0}")]
    WorkflowNotFound(String),
    /// A workflow-level error raised by the SDK (not an HTTP answer).
    #[error("workflow error: {0}")]
    Workflow(String),
    /// A worker runtime error.
    #[error("worker error: {0}")]
    Worker(String),
    /// An SDK-level deadline passed (for example waiting for a workflow to finish).
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server answered with a 5xx status.
    #[error("server error (HTTP {status}): {message}")]
    Server {
        /// HTTP status (500..=599).
        status: u16,
        /// The server's message, or the trimmed, truncated body when it was not an `ErrorResponse`.
        message: String,
        /// `true` when the server marked the failure transient (`ErrorResponse.retryable`).
        retryable: bool,
        /// The parsed `ErrorResponse`, when the body was one.
        response: Option<Box<ErrorResponse>>,
    },
    /// The server answered with a 4xx status (or another non-2xx, non-5xx status).
    #[error("API error (HTTP {status}): {message}")]
    Api {
        /// HTTP status (usually 400..=499).
        status: u16,
        /// The server's message, or the trimmed, truncated body when it was not an `ErrorResponse`.
        message: String,
        /// The server's error code (`ErrorResponse.code`; Orkes sets it, OSS does not).
        code: Option<String>,
        /// The parsed `ErrorResponse`, when the body was one.
        response: Option<Box<ErrorResponse>>,
    },
    /// A bug or broken invariant inside the SDK.
    #[error("internal error: {0}")]
    Internal(String),
    /// An I/O error outside HTTP (files, sockets of the metrics endpoint...).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// An internal channel closed unexpectedly (usually during shutdown).
    #[error("channel error: {0}")]
    Channel(String),
    /// A task failure that retrying cannot fix (invalid input, a broken business rule). A worker
    /// whose `execute` returns it reports the task `FAILED_WITH_TERMINAL_ERROR`, so the server
    /// does not retry it; any other error reports `FAILED` (retried per the task definition).
    #[error("non-retryable task error: {0}")]
    NonRetryable(String),
    /// The server has no endpoint for this operation: it is older than the conductor-oss version
    /// that added it, or it is a Conductor flavour without it. The clients return it only where
    /// they have no fallback (see `docs/compatibility.md`), and after the first time they return it
    /// without asking the server again (see [`ServerCapabilities`](crate::ServerCapabilities)).
    #[error("{endpoint} is not supported by this server (it needs {since})")]
    UnsupportedByServer {
        /// The endpoint, as `METHOD /path` relative to the `/api` base with `{placeholders}`
        /// (e.g. `GET /workflow/{workflowId}/status`).
        endpoint: String,
        /// What has it: the first conductor-oss version (`conductor-oss 3.22.0 or newer`) or the
        /// server flavour (`Orkes Conductor`).
        since: String,
    },
}

impl ConductorError {
    /// What kind of error this is: one stable name per variant (see [`ErrorKind`]).
    ///
    /// ```
    /// use conductor_http::{ConductorError, ErrorKind};
    ///
    /// let err = ConductorError::Api { status: 404, message: "no such def".into(), code: None, response: None };
    /// assert_eq!(err.kind(), ErrorKind::Api);
    /// assert_eq!(ConductorError::timeout("waited 10 s").kind(), ErrorKind::Timeout);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        // No wildcard: a new variant must say which kind it is.
        match self {
            Self::Http(_) => ErrorKind::Http,
            Self::Json(_) => ErrorKind::Json,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::Config(_) => ErrorKind::Config,
            Self::Auth(_) => ErrorKind::Auth,
            Self::TaskExecution(_) => ErrorKind::TaskExecution,
            Self::TaskNotFound(_) => ErrorKind::TaskNotFound,
            Self::WorkflowNotFound(_) => ErrorKind::WorkflowNotFound,
            Self::Workflow(_) => ErrorKind::Workflow,
            Self::Worker(_) => ErrorKind::Worker,
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::Server { .. } => ErrorKind::Server,
            Self::Api { .. } => ErrorKind::Api,
            Self::Internal(_) => ErrorKind::Internal,
            Self::Io(_) => ErrorKind::Io,
            Self::Channel(_) => ErrorKind::Channel,
            Self::NonRetryable(_) => ErrorKind::NonRetryable,
            Self::UnsupportedByServer { .. } => ErrorKind::UnsupportedByServer,
        }
    }

    /// The transport failure's kind, for an [`ErrorKind::Http`] error.
    ///
    /// ```
    /// use conductor_http::{ConductorError, TransportError, TransportErrorKind};
    ///
    /// let refused = ConductorError::Http(TransportError::new(TransportErrorKind::Connect, "refused"));
    /// assert_eq!(refused.transport_kind(), Some(TransportErrorKind::Connect));
    /// assert_eq!(ConductorError::config("bad URL").transport_kind(), None);
    /// ```
    #[must_use]
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Http(transport) => Some(transport.kind()),
            _ => None,
        }
    }

    /// The message a worker gave for a task failure ([`ErrorKind::is_task_failure`]), without the
    /// variant's label: what the server should show as the task's `reasonForIncompletion`.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// assert_eq!(ConductorError::non_retryable("bad id").task_failure_message(), Some("bad id"));
    /// assert_eq!(ConductorError::timeout("slow").task_failure_message(), None);
    /// ```
    #[must_use]
    pub fn task_failure_message(&self) -> Option<&str> {
        match self {
            Self::TaskExecution(message) | Self::NonRetryable(message) => Some(message),
            _ => None,
        }
    }

    /// The HTTP status of the server's answer, when there was one.
    ///
    /// `Some(404)` for [`TaskNotFound`](Self::TaskNotFound) and
    /// [`WorkflowNotFound`](Self::WorkflowNotFound), which the clients raise from a 404; `None` for
    /// transport failures and other SDK-level errors.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::Api { status: 409, message: "exists".into(), code: None, response: None };
    /// assert_eq!(err.status(), Some(409));
    /// assert_eq!(ConductorError::WorkflowNotFound("wf-1".into()).status(), Some(404));
    /// assert_eq!(ConductorError::config("bad URL").status(), None);
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Decode { status, .. }
            | Self::Server { status, .. }
            | Self::Api { status, .. } => Some(*status),
            // The clients raise these from a 404 answer (or the older servers' 204 for a task).
            Self::TaskNotFound(_) | Self::WorkflowNotFound(_) => Some(404),
            _ => None,
        }
    }

    /// Whether trying the same operation again later may succeed.
    ///
    /// True for transport failures other than [`TransportErrorKind::Other`] (connect, timeout,
    /// connection reset while sending or reading), [`ConductorError::Timeout`], HTTP 429, 502, 503,
    /// 504, any error the server marked `retryable` (`TransientException`), and a 500 whose message
    /// says the SQLite store was busy (`[SQLITE_BUSY] ... database is locked`, which conductor-oss
    /// 3.21 answers under concurrent writes without marking it retryable). Whether a retry is
    /// *safe* (the request may already have been applied) is a separate question: the
    /// [`ApiClient`](crate::ApiClient) only replays non-idempotent requests after connect errors.
    ///
    /// ```
    /// use conductor_http::{ConductorError, TransportError, TransportErrorKind};
    ///
    /// let busy = ConductorError::Server { status: 503, message: "busy".into(), retryable: false, response: None };
    /// assert!(busy.is_retryable());
    /// let refused = ConductorError::Http(TransportError::new(TransportErrorKind::Connect, "connection refused"));
    /// assert!(refused.is_retryable());
    /// let bad_request = ConductorError::Api { status: 400, message: "invalid".into(), code: None, response: None };
    /// assert!(!bad_request.is_retryable());
    /// let locked = ConductorError::Server {
    ///     status: 500,
    ///     message: "[SQLITE_BUSY] The database file is locked (database is locked)".into(),
    ///     retryable: false,
    ///     response: None,
    /// };
    /// assert!(locked.is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http(transport) => transport.kind() != TransportErrorKind::Other,
            Self::Timeout(_) => true,
            Self::Server {
                status,
                retryable,
                message,
                ..
            } => *retryable || matches!(status, 502..=504) || is_busy_store_message(message),
            Self::Api {
                status, response, ..
            } => *status == 429 || response.as_deref().is_some_and(|r| r.retryable),
            _ => false,
        }
    }

    /// Whether the error says the resource does not exist (HTTP 404, [`TaskNotFound`],
    /// [`WorkflowNotFound`]).
    ///
    /// A 404 that says the server has **no such endpoint** (see
    /// [`is_missing_endpoint`](Self::is_missing_endpoint)) is not "not found": an older server
    /// answering `No static resource api/workflow/{id}/status.` knows nothing about the workflow.
    ///
    /// [`TaskNotFound`]: ConductorError::TaskNotFound
    /// [`WorkflowNotFound`]: ConductorError::WorkflowNotFound
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// assert!(ConductorError::TaskNotFound("t-1".into()).is_not_found());
    /// let err = ConductorError::Api { status: 404, message: "no such def".into(), code: None, response: None };
    /// assert!(err.is_not_found());
    /// assert!(!ConductorError::timeout("waited 10 s").is_not_found());
    /// // No handler for the path: the endpoint is missing, not the resource.
    /// let missing = ConductorError::Api {
    ///     status: 404,
    ///     message: "No static resource api/workflow/wf-1/status.".into(),
    ///     code: None,
    ///     response: None,
    /// };
    /// assert!(!missing.is_not_found());
    /// ```
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::TaskNotFound(_) | Self::WorkflowNotFound(_) => true,
            Self::Api { status: 404, .. } => !self.is_missing_endpoint(),
            _ => false,
        }
    }

    /// Whether the error says the server has **no handler** for the request (the endpoint does
    /// not exist there, or not for this HTTP method), as opposed to "no such resource".
    ///
    /// conductor-oss (3.21 to 3.32, Spring Boot 3.3+) answers an unknown path with 404 and the
    /// message `No static resource {path}.`, a known path with the wrong method with 405
    /// (3.32+) or **500** `Request method 'POST' is not supported` (before 3.32). This is true
    /// for those answers, for any 405 or 501, for a 404 whose body is Spring's default error
    /// document (`{"error":"Not Found","path":...}`, no `message`), and for
    /// [`UnsupportedByServer`](Self::UnsupportedByServer). A Conductor "not found" (`No such
    /// workflow found by id: ...`) is not a missing endpoint.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let api = |status, message: &str| ConductorError::Api { status, message: message.into(), code: None, response: None };
    /// assert!(api(404, "No static resource api/version.").is_missing_endpoint());
    /// assert!(api(405, "Request method 'DELETE' is not supported").is_missing_endpoint());
    /// assert!(!api(404, "No such workflow found by id: wf-1").is_missing_endpoint());
    /// let old_server = ConductorError::Server {
    ///     status: 500,
    ///     message: "Request method 'POST' is not supported".into(),
    ///     retryable: false,
    ///     response: None,
    /// };
    /// assert!(old_server.is_missing_endpoint());
    /// ```
    #[must_use]
    pub fn is_missing_endpoint(&self) -> bool {
        match self {
            Self::UnsupportedByServer { .. }
            | Self::Api {
                status: 405 | 501, ..
            }
            | Self::Server { status: 501, .. } => true,
            Self::Api {
                status: 404,
                message,
                response,
                ..
            } => {
                is_no_handler_message(message)
                    || (response.as_deref().is_some_and(|r| r.message.is_none())
                        && is_spring_default_not_found(message))
            }
            Self::Server {
                status: 500,
                message,
                ..
            } => is_method_not_supported_message(message),
            _ => false,
        }
    }

    /// Whether the error is an [`UnsupportedByServer`](Self::UnsupportedByServer).
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::unsupported_by_server("GET /version", "conductor-oss 3.22.0 or newer");
    /// assert!(err.is_unsupported_by_server());
    /// assert!(!ConductorError::timeout("late").is_unsupported_by_server());
    /// ```
    #[must_use]
    pub fn is_unsupported_by_server(&self) -> bool {
        matches!(self, Self::UnsupportedByServer { .. })
    }

    /// Whether the server reported a conflict (HTTP 409: duplicate definition, wrong workflow
    /// state...).
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::Api { status: 409, message: "already exists".into(), code: None, response: None };
    /// assert!(err.is_conflict());
    /// assert!(!ConductorError::TaskNotFound("t-1".into()).is_conflict());
    /// ```
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Api { status: 409, .. })
    }

    /// Whether the error is a timeout: a transport timeout (connect or total) or an SDK deadline.
    ///
    /// ```
    /// use conductor_http::{ConductorError, TransportError, TransportErrorKind};
    ///
    /// assert!(ConductorError::timeout("workflow still running after 10 s").is_timeout());
    /// let err = ConductorError::Http(TransportError::new(TransportErrorKind::Timeout, "GET /workflow/x"));
    /// assert!(err.is_timeout());
    /// assert!(!ConductorError::config("bad URL").is_timeout());
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Http(transport) => transport.kind() == TransportErrorKind::Timeout,
            Self::Timeout(_) => true,
            _ => false,
        }
    }

    /// Whether the error is an authentication failure.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// assert!(ConductorError::auth("invalid key").is_auth());
    /// assert!(!ConductorError::config("bad URL").is_auth());
    /// ```
    #[must_use]
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth(_))
    }

    /// The server's `ErrorResponse`, when the error came from one.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    /// use conductor_models::ErrorResponse;
    ///
    /// let response = ErrorResponse::new(400, "Validation failed");
    /// let err = ConductorError::Api {
    ///     status: 400,
    ///     message: "Validation failed".into(),
    ///     code: None,
    ///     response: Some(Box::new(response.clone())),
    /// };
    /// assert_eq!(err.error_response(), Some(&response));
    /// assert_eq!(ConductorError::config("x").error_response(), None);
    /// ```
    #[must_use]
    pub fn error_response(&self) -> Option<&ErrorResponse> {
        match self {
            Self::Server { response, .. } | Self::Api { response, .. } => response.as_deref(),
            _ => None,
        }
    }

    /// The validation errors of a 400 answer (empty for every other error).
    ///
    /// ```
    /// use conductor_http::ConductorError;
    /// use conductor_models::{ErrorResponse, ValidationError};
    ///
    /// let response = ErrorResponse::new(400, "Validation failed")
    ///     .with_validation_error(ValidationError::new("workflowDef.name", "must not be empty"));
    /// let err = ConductorError::Api {
    ///     status: 400,
    ///     message: "Validation failed".into(),
    ///     code: None,
    ///     response: Some(Box::new(response)),
    /// };
    /// assert_eq!(err.validation_errors()[0].path, "workflowDef.name");
    /// assert!(ConductorError::config("x").validation_errors().is_empty());
    /// ```
    #[must_use]
    pub fn validation_errors(&self) -> &[ValidationError] {
        self.error_response()
            .map_or(&[], |response| response.validation_errors.as_slice())
    }

    /// A [`ConductorError::TaskExecution`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::task_execution("image decoder crashed");
    /// assert!(matches!(err, ConductorError::TaskExecution(_)));
    /// assert_eq!(err.to_string(), "task execution error: image decoder crashed");
    /// ```
    pub fn task_execution(message: impl Into<String>) -> Self {
        Self::TaskExecution(message.into())
    }

    /// A [`ConductorError::Config`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::config("CONDUCTOR_SERVER_URL is not a URL");
    /// assert!(matches!(err, ConductorError::Config(_)));
    /// assert_eq!(err.to_string(), "configuration error: CONDUCTOR_SERVER_URL is not a URL");
    /// ```
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    /// A [`ConductorError::Auth`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::auth("token request refused");
    /// assert!(err.is_auth());
    /// assert_eq!(err.to_string(), "authentication error: token request refused");
    /// ```
    pub fn auth(message: impl Into<String>) -> Self {
        Self::Auth(message.into())
    }

    /// A [`ConductorError::Worker`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::worker("handler already started");
    /// assert!(matches!(err, ConductorError::Worker(_)));
    /// assert_eq!(err.to_string(), "worker error: handler already started");
    /// ```
    pub fn worker(message: impl Into<String>) -> Self {
        Self::Worker(message.into())
    }

    /// A [`ConductorError::Workflow`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::workflow("workflow definition has no tasks");
    /// assert!(matches!(err, ConductorError::Workflow(_)));
    /// assert_eq!(err.to_string(), "workflow error: workflow definition has no tasks");
    /// ```
    pub fn workflow(message: impl Into<String>) -> Self {
        Self::Workflow(message.into())
    }

    /// A [`ConductorError::Internal`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::internal("state machine reached an impossible state");
    /// assert!(matches!(err, ConductorError::Internal(_)));
    /// assert!(!err.is_retryable());
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// A [`ConductorError::Timeout`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::timeout("workflow did not finish within 10 s");
    /// assert!(err.is_timeout());
    /// assert!(err.is_retryable());
    /// ```
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::Timeout(message.into())
    }

    /// A [`ConductorError::Channel`].
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::channel("result channel closed");
    /// assert!(matches!(err, ConductorError::Channel(_)));
    /// assert_eq!(err.to_string(), "channel error: result channel closed");
    /// ```
    pub fn channel(message: impl Into<String>) -> Self {
        Self::Channel(message.into())
    }

    /// A [`ConductorError::UnsupportedByServer`] for `endpoint` (`METHOD /path`), which needs
    /// `since` (`conductor-oss 3.22.0 or newer`, `Orkes Conductor`...).
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// let err = ConductorError::unsupported_by_server(
    ///     "POST /workflow/{workflowId}/variables",
    ///     "Orkes Conductor",
    /// );
    /// assert_eq!(
    ///     err.to_string(),
    ///     "POST /workflow/{workflowId}/variables is not supported by this server (it needs Orkes Conductor)"
    /// );
    /// assert!(err.is_missing_endpoint());
    /// assert_eq!(err.status(), None);
    /// assert!(!err.is_retryable());
    /// ```
    pub fn unsupported_by_server(endpoint: impl Into<String>, since: impl Into<String>) -> Self {
        Self::UnsupportedByServer {
            endpoint: endpoint.into(),
            since: since.into(),
        }
    }

    /// A [`ConductorError::NonRetryable`]: returned from a worker, it fails the task with
    /// `FAILED_WITH_TERMINAL_ERROR` (no retry).
    ///
    /// ```
    /// use conductor_http::ConductorError;
    /// let err = ConductorError::non_retryable("order id is malformed");
    /// assert!(err.is_non_retryable());
    /// assert!(!err.is_retryable());
    /// ```
    pub fn non_retryable(message: impl Into<String>) -> Self {
        Self::NonRetryable(message.into())
    }

    /// Whether the error is a [`ConductorError::NonRetryable`] task failure.
    ///
    /// ```
    /// use conductor_http::ConductorError;
    ///
    /// assert!(ConductorError::non_retryable("card declined").is_non_retryable());
    /// assert!(!ConductorError::task_execution("flaky network").is_non_retryable());
    /// ```
    #[must_use]
    pub fn is_non_retryable(&self) -> bool {
        self.kind() == ErrorKind::NonRetryable
    }
}

/// What kind of error a [`ConductorError`] is: one stable, field-less name per variant, for
/// matching without destructuring, for metric labels and event `error_type` fields
/// ([`as_str`](Self::as_str)), and for retry decisions.
///
/// Prefer it to matching on [`ConductorError`]'s variants: a new variant brings a new kind, and
/// code that classifies kinds keeps compiling (`#[non_exhaustive]`).
///
/// ```
/// use conductor_http::{ConductorError, ErrorKind};
///
/// let err = ConductorError::non_retryable("order id is malformed");
/// assert_eq!(err.kind(), ErrorKind::NonRetryable);
/// assert_eq!(err.kind().as_str(), "NonRetryable");
/// assert!(err.kind().is_task_failure());
/// assert!(ErrorKind::Json.is_invalid_request());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`ConductorError::Http`]: no complete response arrived.
    Http,
    /// [`ConductorError::Json`]: a user-supplied value could not be (de)serialised.
    Json,
    /// [`ConductorError::Decode`]: the server's body was not what the endpoint promises.
    Decode,
    /// [`ConductorError::Config`]: the configuration is invalid.
    Config,
    /// [`ConductorError::Auth`]: authentication failed.
    Auth,
    /// [`ConductorError::TaskExecution`]: a worker's task failed (retryable).
    TaskExecution,
    /// [`ConductorError::TaskNotFound`].
    TaskNotFound,
    /// [`ConductorError::WorkflowNotFound`].
    WorkflowNotFound,
    /// [`ConductorError::Workflow`]: a workflow-level error raised by the SDK.
    Workflow,
    /// [`ConductorError::Worker`]: a worker runtime error.
    Worker,
    /// [`ConductorError::Timeout`]: an SDK-level deadline passed.
    Timeout,
    /// [`ConductorError::Server`]: the server answered 5xx.
    Server,
    /// [`ConductorError::Api`]: the server answered 4xx.
    Api,
    /// [`ConductorError::Internal`]: a bug inside the SDK.
    Internal,
    /// [`ConductorError::Io`]: an I/O error outside HTTP.
    Io,
    /// [`ConductorError::Channel`]: an internal channel closed.
    Channel,
    /// [`ConductorError::NonRetryable`]: a task failure retrying cannot fix.
    NonRetryable,
    /// [`ConductorError::UnsupportedByServer`]: the server has no such endpoint.
    UnsupportedByServer,
}

impl ErrorKind {
    /// The kind's stable name (the variant's name: `"Http"`, `"Api"`, `"NonRetryable"`...), as
    /// the worker runtime reports it in events and metric labels.
    ///
    /// ```
    /// use conductor_http::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::Server.as_str(), "Server");
    /// assert_eq!(ErrorKind::UnsupportedByServer.to_string(), "UnsupportedByServer");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Http => "Http",
            Self::Json => "Json",
            Self::Decode => "Decode",
            Self::Config => "Config",
            Self::Auth => "Auth",
            Self::TaskExecution => "TaskExecution",
            Self::TaskNotFound => "TaskNotFound",
            Self::WorkflowNotFound => "WorkflowNotFound",
            Self::Workflow => "Workflow",
            Self::Worker => "Worker",
            Self::Timeout => "Timeout",
            Self::Server => "Server",
            Self::Api => "Api",
            Self::Internal => "Internal",
            Self::Io => "Io",
            Self::Channel => "Channel",
            Self::NonRetryable => "NonRetryable",
            Self::UnsupportedByServer => "UnsupportedByServer",
        }
    }

    /// Whether the kind is a task failure a worker reported ([`TaskExecution`](Self::TaskExecution)
    /// or [`NonRetryable`](Self::NonRetryable)), as opposed to an error of the SDK or the server.
    ///
    /// ```
    /// use conductor_http::ErrorKind;
    ///
    /// assert!(ErrorKind::TaskExecution.is_task_failure());
    /// assert!(!ErrorKind::Api.is_task_failure());
    /// ```
    #[must_use]
    pub const fn is_task_failure(self) -> bool {
        matches!(self, Self::TaskExecution | Self::NonRetryable)
    }

    /// Whether the request itself is at fault, whatever the server: a value that cannot be
    /// serialised ([`Json`](Self::Json)) or an invalid configuration ([`Config`](Self::Config)).
    /// Sending the same request again can never succeed.
    ///
    /// ```
    /// use conductor_http::ErrorKind;
    ///
    /// assert!(ErrorKind::Config.is_invalid_request());
    /// assert!(!ErrorKind::Timeout.is_invalid_request());
    /// ```
    #[must_use]
    pub const fn is_invalid_request(self) -> bool {
        matches!(self, Self::Json | Self::Config)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Spring's messages for a request no handler matches (`NoResourceFoundException`, Spring 6.1+;
/// `NoHandlerFoundException`).
fn is_no_handler_message(message: &str) -> bool {
    let message = message.trim_start();
    message.starts_with("No static resource ")
        || message.starts_with("No endpoint ")
        || message.starts_with("No handler found for ")
}

/// Spring Boot's default error document for 404 (`{"timestamp":..,"status":404,"error":"Not
/// Found","path":"/api/x"}`), sent when no exception handler answered.
fn is_spring_default_not_found(body: &str) -> bool {
    body.contains("\"path\"") && body.contains("Not Found")
}

/// SQLite's "busy" error as conductor-oss's SQLite store reports it: the transaction was rolled
/// back because another connection held the write lock.
fn is_busy_store_message(message: &str) -> bool {
    message.contains("SQLITE_BUSY") || message.contains("database is locked")
}

/// `HttpRequestMethodNotSupportedException`, which conductor-oss before 3.32 answers with 500.
fn is_method_not_supported_message(message: &str) -> bool {
    let message = message.trim_start();
    message.starts_with("Request method '") && message.contains("' is not supported")
}

/// What kind of transport failure a [`TransportError`] is.
///
/// ```
/// use conductor_http::{ConductorError, TransportError, TransportErrorKind};
///
/// let err = TransportError::new(TransportErrorKind::Connect, "POST /api/workflow: connection refused");
/// assert_eq!(err.kind(), TransportErrorKind::Connect);
/// // Never reached the server: safe to retry, whatever the request.
/// assert!(ConductorError::Http(err).is_retryable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (refused, DNS, TLS handshake, connect timeout): the
    /// request never reached the server, so it is safe to send again.
    Connect,
    /// The request or response did not complete within the configured timeout.
    Timeout,
    /// The request failed while being sent or while waiting for the response (connection reset...).
    Request,
    /// The response body could not be read completely.
    Body,
    /// Anything else (building the request, redirect loop...); not retryable.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Request => "request",
            Self::Body => "body",
            Self::Other => "other",
        })
    }
}

/// A failure before a complete HTTP response arrived.
///
/// The message names the method and URL and the whole cause chain (for example
/// `GET http://localhost:8080/api/workflow/1: connection refused`); the original error is kept as
/// the [`source`](std::error::Error::source).
///
/// ```
/// use std::error::Error;
/// use conductor_http::{TransportError, TransportErrorKind};
///
/// let cause = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
/// let err = TransportError::with_source(TransportErrorKind::Request, "GET /api/workflow/x", cause);
/// assert_eq!(err.kind(), TransportErrorKind::Request);
/// assert!(err.source().is_some());
/// ```
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A transport error without an underlying cause.
    ///
    /// ```
    /// use conductor_http::{TransportError, TransportErrorKind};
    ///
    /// let err = TransportError::new(TransportErrorKind::Timeout, "GET /api/tasks/poll/batch/greet");
    /// assert_eq!(err.kind(), TransportErrorKind::Timeout);
    /// assert_eq!(err.message(), "GET /api/tasks/poll/batch/greet");
    /// ```
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A transport error wrapping `source`.
    ///
    /// ```
    /// use std::error::Error;
    /// use conductor_http::{TransportError, TransportErrorKind};
    ///
    /// let cause = std::io::Error::other("TLS handshake failed");
    /// let err = TransportError::with_source(TransportErrorKind::Connect, "GET /api/health", cause);
    /// assert_eq!(err.source().map(|source| source.to_string()).as_deref(), Some("TLS handshake failed"));
    /// ```
    pub fn with_source(
        kind: TransportErrorKind,
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Classifies a reqwest error; `context` (method and URL) prefixes the message.
    pub(crate) fn from_reqwest(context: &str, error: reqwest::Error) -> Self {
        // A connect timeout is both `is_connect` and `is_timeout`; it is reported as `Connect`
        // because what matters to callers is that the request never left the machine.
        let kind = if error.is_connect() {
            TransportErrorKind::Connect
        } else if error.is_timeout() {
            TransportErrorKind::Timeout
        } else if error.is_body() || error.is_decode() {
            TransportErrorKind::Body
        } else if error.is_request() {
            TransportErrorKind::Request
        } else {
            TransportErrorKind::Other
        };
        let message = format!("{context}: {}", error_chain(&error));
        Self::with_source(kind, message, error)
    }

    /// The kind of failure.
    ///
    /// ```
    /// use conductor_http::{TransportError, TransportErrorKind};
    ///
    /// assert_eq!(TransportError::new(TransportErrorKind::Body, "truncated").kind(), TransportErrorKind::Body);
    /// ```
    #[must_use]
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The human-readable description (method, URL and cause chain).
    ///
    /// ```
    /// use conductor_http::{TransportError, TransportErrorKind};
    ///
    /// let err = TransportError::new(TransportErrorKind::Other, "redirect loop");
    /// assert_eq!(err.message(), "redirect loop");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} error)", self.message, self.kind)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// An error and its sources on one line, `top: cause: root cause`, skipping a source whose text is
/// already printed (many errors repeat their source's message in their own): the SDK's one way of
/// showing a chain, in task failure reasons, logs and [`TransportError`] messages.
///
/// ```
/// use conductor_http::{ConductorError, error_chain};
///
/// let io = std::io::Error::other("disk full");
/// assert_eq!(error_chain(&ConductorError::Io(io)), "I/O error: disk full");
/// ```
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !cause_text.is_empty() && !text.contains(&cause_text) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and an optional source, to build chains.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1
                .as_deref()
                .map(|layer| layer as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn error_chain_joins_sources_and_skips_repeated_text() {
        let root = Layer("connection refused", None);
        let middle = Layer("connect error: connection refused", Some(Box::new(root)));
        let top = Layer("sending request", Some(Box::new(middle)));
        assert_eq!(
            error_chain(&top),
            "sending request: connect error: connection refused"
        );
        assert_eq!(error_chain(&Layer("alone", None)), "alone");
    }

    #[test]
    fn every_kind_is_named_after_its_variant() {
        let cases = [
            (ConductorError::config("x"), "Config"),
            (ConductorError::auth("x"), "Auth"),
            (ConductorError::task_execution("x"), "TaskExecution"),
            (ConductorError::TaskNotFound("x".into()), "TaskNotFound"),
            (
                ConductorError::WorkflowNotFound("x".into()),
                "WorkflowNotFound",
            ),
            (ConductorError::workflow("x"), "Workflow"),
            (ConductorError::worker("x"), "Worker"),
            (ConductorError::timeout("x"), "Timeout"),
            (server(500, false), "Server"),
            (ConductorError::internal("x"), "Internal"),
            (ConductorError::Io(std::io::Error::other("x")), "Io"),
            (ConductorError::channel("x"), "Channel"),
            (ConductorError::non_retryable("x"), "NonRetryable"),
            (
                ConductorError::unsupported_by_server("GET /x", "3.22"),
                "UnsupportedByServer",
            ),
        ];
        for (error, name) in cases {
            assert_eq!(error.kind().as_str(), name, "{error}");
            assert_eq!(format!("{:?}", error.kind()), name);
        }
    }

    fn server(status: u16, retryable: bool) -> ConductorError {
        ConductorError::Server {
            status,
            message: "boom".into(),
            retryable,
            response: None,
        }
    }

    fn api(status: u16) -> ConductorError {
        ConductorError::Api {
            status,
            message: "no".into(),
            code: None,
            response: None,
        }
    }

    #[test]
    fn retryable_statuses() {
        assert!(server(502, false).is_retryable());
        assert!(server(503, false).is_retryable());
        assert!(server(504, false).is_retryable());
        assert!(server(500, true).is_retryable());
        assert!(!server(500, false).is_retryable());
        assert!(api(429).is_retryable());
        assert!(!api(400).is_retryable());
        let busy = ConductorError::Server {
            status: 500,
            message: "[SQLITE_BUSY] The database file is locked (database is locked)".into(),
            retryable: false,
            response: None,
        };
        assert!(busy.is_retryable());
        assert!(!api(404).is_retryable());
    }

    #[test]
    fn predicates_by_variant() {
        assert!(api(404).is_not_found());
        assert!(ConductorError::TaskNotFound("t".into()).is_not_found());
        assert!(ConductorError::WorkflowNotFound("w".into()).is_not_found());
        assert!(api(409).is_conflict());
        assert!(!api(400).is_conflict());
        assert_eq!(api(409).status(), Some(409));
        assert_eq!(ConductorError::config("x").status(), None);
        assert!(ConductorError::timeout("late").is_retryable());
        assert!(ConductorError::timeout("late").is_timeout());
    }

    #[test]
    fn missing_endpoints_are_not_missing_resources() {
        let no_handler = ConductorError::Api {
            status: 404,
            message: "No static resource api/workflow/x/status.".into(),
            code: None,
            response: None,
        };
        assert!(no_handler.is_missing_endpoint());
        assert!(!no_handler.is_not_found());
        assert!(!api(404).is_missing_endpoint());
        assert!(api(405).is_missing_endpoint());
        assert!(!api(405).is_not_found());
        let spring_default = ConductorError::Api {
            status: 404,
            message: r#"{"timestamp":1,"status":404,"error":"Not Found","path":"/api/x"}"#.into(),
            code: None,
            response: Some(Box::new(ErrorResponse::default())),
        };
        assert!(spring_default.is_missing_endpoint());
        let method = ConductorError::Server {
            status: 500,
            message: "Request method 'GET' is not supported".into(),
            retryable: false,
            response: None,
        };
        assert!(method.is_missing_endpoint());
        assert!(!server(500, false).is_missing_endpoint());
        let unsupported = ConductorError::unsupported_by_server("GET /version", "3.22.0");
        assert!(unsupported.is_missing_endpoint());
        assert!(unsupported.is_unsupported_by_server());
        assert!(!unsupported.is_not_found());
        assert!(!unsupported.is_retryable());
    }

    #[test]
    fn transport_kinds_drive_retryability() {
        let connect = ConductorError::from(TransportError::new(TransportErrorKind::Connect, "x"));
        let other = ConductorError::from(TransportError::new(TransportErrorKind::Other, "x"));
        assert!(connect.is_retryable());
        assert!(!other.is_retryable());
        assert!(
            ConductorError::from(TransportError::new(TransportErrorKind::Timeout, "x"))
                .is_timeout()
        );
    }

    #[test]
    fn transport_error_keeps_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = TransportError::with_source(TransportErrorKind::Connect, "GET /x", io);
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("refused")
        );
        assert_eq!(err.to_string(), "GET /x (connect error)");
    }
}
