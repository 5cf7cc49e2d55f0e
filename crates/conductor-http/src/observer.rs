//! [`ClientObserver`]: the hook through which the HTTP layer and the resource clients report what
//! they do (every HTTP exchange, workflow starts, external payload use), for metrics, without
//! this crate depending on any metrics library.

use std::time::Duration;

use crate::error::ConductorError;

/// Observes the client side of the SDK: every HTTP exchange with the server, and the workflow and
/// payload operations of the resource clients (`conductor-client`).
///
/// Set one with [`Configuration::with_observer`](crate::Configuration::with_observer); every
/// [`ApiClient`](crate::ApiClient) built from that configuration, its clones and the resource
/// clients on it report to it. `conductor-metrics`' `MetricsCollector` implements it
/// (`http_api_client_request_seconds`, `workflow_start_error_total`, `workflow_input_size_bytes`,
/// `external_payload_used_total`).
///
/// Every method has a no-op default, so an observer implements only what it needs. They are
/// called on the task that sends the request, so they must be quick and must not block.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use conductor_http::{ApiClient, ClientObserver, Configuration};
///
/// /// Counts the server's 5xx answers.
/// #[derive(Default)]
/// struct ServerErrors(AtomicUsize);
///
/// impl ClientObserver for ServerErrors {
///     fn on_request(&self, method: &str, route: &str, status: Option<u16>, duration: Duration) {
///         if status.is_some_and(|code| code >= 500) {
///             self.0.fetch_add(1, Ordering::Relaxed);
///             tracing::warn!(method, route, ?duration, "server error");
///         }
///     }
/// }
///
/// let errors = Arc::new(ServerErrors::default());
/// let config = Configuration::new("http://localhost:8080").with_observer(errors.clone());
/// let client = ApiClient::new(config)?;
/// assert!(client.configuration().observer().is_some());
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
pub trait ClientObserver: Send + Sync {
    /// One HTTP exchange ended: each attempt of a request counts (a retried request reports each
    /// try), and so does each token request (`POST /token`).
    ///
    /// - `method`: `GET`, `POST`...;
    /// - `route`: the path **template**, never the raw path, so it can be a metric label:
    ///   `/tasks/{taskId}`, `/workflow/{workflowId}/pause` (see
    ///   [`route_template`](crate::route_template()) and [`ApiRequest::route`](crate::ApiRequest::route));
    /// - `status`: the HTTP status, or `None` when no complete response arrived (connect error,
    ///   timeout, connection reset);
    /// - `duration`: from sending the request to the end of the response body.
    fn on_request(&self, method: &str, route: &str, status: Option<u16>, duration: Duration) {
        let _ = (method, route, status, duration);
    }

    /// Starting a workflow of type `workflow_type` failed (`WorkflowClient::start_workflow` and
    /// `start_workflow_by_name`). [`ConductorError::kind`] gives a label-ready class.
    fn on_workflow_start_error(&self, workflow_type: &str, error: &ConductorError) {
        let _ = (workflow_type, error);
    }

    /// A workflow of type `workflow_type` (at `version`, `None` for the latest) is being started
    /// with an input of `size_bytes` bytes of JSON. Reported before the request is sent.
    fn on_workflow_input_size(&self, workflow_type: &str, version: Option<i32>, size_bytes: usize) {
        let _ = (workflow_type, version, size_bytes);
    }

    /// A location in external payload storage was obtained: `entity` is the resource asked
    /// (`task` or `workflow`), `operation` `READ` or `WRITE`, `payload_type` `TASK_INPUT`,
    /// `TASK_OUTPUT`, `WORKFLOW_INPUT` or `WORKFLOW_OUTPUT` (upper case, as the server reads them).
    fn on_external_payload_used(&self, entity: &str, operation: &str, payload_type: &str) {
        let _ = (entity, operation, payload_type);
    }
}
