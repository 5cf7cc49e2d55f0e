//! [`ApiRequest`]: one request being built (query, body, idempotency, timeout) and the send loop
//! (token, retries with backoff, error mapping, response decoding).

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::api_client::ApiClient;
use crate::auth::AUTH_HEADER;
use crate::error::{ConductorError, ErrorKind, Result, TransportError, TransportErrorKind};
use crate::headers::{RequestInfo, apply_provided};
use crate::method::Method;
use crate::response::{
    MAX_SNIPPET_CHARS, decode_json, error_from_response, fallback_message, is_blank,
    is_token_rejection, snippet,
};
use crate::retry::RetryPolicy;
use crate::route::route_template;

/// Longest body excerpt logged when [`Configuration::with_debug`](crate::Configuration::with_debug)
/// is on.
const MAX_LOGGED_BODY_CHARS: usize = 4096;

enum RequestBody {
    Json(Vec<u8>),
    Text(String),
}

impl RequestBody {
    fn content_type(&self) -> HeaderValue {
        match self {
            Self::Json(_) => HeaderValue::from_static("application/json"),
            Self::Text(_) => HeaderValue::from_static("text/plain; charset=utf-8"),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Json(bytes) => bytes,
            Self::Text(text) => text.as_bytes(),
        }
    }
}

/// A complete HTTP response with a 2xx status.
struct RawResponse {
    status: StatusCode,
    body: Vec<u8>,
}

/// A request being built; nothing is sent until one of the `send_*` methods is awaited.
///
/// Sending handles everything the Conductor API needs: the auth token (fetched, refreshed, and one
/// replay after the server rejects it), retries per the [`RetryPolicy`] (the client's, or this
/// request's own: [`retry_policy`](Self::retry_policy)), and the mapping of error statuses to
/// [`ConductorError`].
///
/// ```no_run
/// use std::time::Duration;
/// use conductor_http::{ApiClient, Configuration};
///
/// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
/// // 204 on an empty poll becomes `None`.
/// let task: Option<serde_json::Value> = client
///     .get("/tasks/poll/my_task")
///     .query("workerid", "worker-1")
///     .query_opt("domain", None::<&str>)
///     .timeout(Duration::from_secs(5))
///     .send_json_opt()
///     .await?;
/// # let _ = task;
/// # Ok(())
/// # }
/// ```
#[must_use = "an ApiRequest does nothing until one of its send_* methods is awaited"]
pub struct ApiRequest {
    client: ApiClient,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<RequestBody>,
    idempotent: bool,
    timeout: Option<Duration>,
    /// The retry policy of this request: the client handle's, or the configuration's.
    retry_policy: RetryPolicy,
    /// The path is relative to the server root rather than the `/api` base.
    at_root: bool,
    /// The path template reported to the observer, when the caller set it.
    route: Option<&'static str>,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field(
                "body_len",
                &self.body.as_ref().map(|body| body.bytes().len()),
            )
            .field("idempotent", &self.idempotent)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.retry_policy.max_retries())
            .field("at_root", &self.at_root)
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    pub(crate) fn new(client: ApiClient, method: Method, path: String) -> Self {
        let idempotent = method.is_idempotent();
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let retry_policy = client.retry_policy().clone();
        Self {
            client,
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotent,
            timeout: None,
            retry_policy,
            at_root: false,
            route: None,
        }
    }

    /// Makes the path relative to the server root (see [`ApiClient::root_request`]).
    pub(crate) fn at_root(mut self) -> Self {
        self.at_root = true;
        self
    }

    /// Adds a query parameter (the value is percent-encoded).
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// let queue_sizes: std::collections::HashMap<String, i64> = client
    ///     .get("/tasks/queue/sizes")
    ///     .query("taskType", "send email") // percent-encoded: send%20email
    ///     .send_json()
    ///     .await?;
    /// # let _ = queue_sizes;
    /// # Ok(())
    /// # }
    /// ```
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient, domain: Option<&str>) -> conductor_http::Result<()> {
    /// // `domain` is only sent when it is `Some`.
    /// let task: Option<conductor_models::Task> = client
    ///     .get("/tasks/poll/greet")
    ///     .query("workerid", "worker-1")
    ///     .query_opt("domain", domain)
    ///     .send_json_opt()
    ///     .await?;
    /// # let _ = task;
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_opt<V: ToString>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds a header to this request only (validated when sent; an invalid one fails the request
    /// with [`ConductorError::Config`]).
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// client
    ///     .post("/workflow/order_fulfillment")
    ///     .header("X-Idempotency-Key", "order-42")
    ///     .json_body(&serde_json::json!({"orderId": "order-42"}))?
    ///     .send_text()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body, serialised now (`Content-Type: application/json`).
    ///
    /// # Errors
    /// [`ConductorError::Json`] when `body` cannot be serialised (a map with non-string keys, a
    /// failing `Serialize` impl...).
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// let workflow = client
    ///     .post("/workflow/8c2f1e6a-workflow-id/variables")
    ///     .json_body(&serde_json::json!({"attempts": 2}))?
    ///     .send_json::<serde_json::Value>()
    ///     .await?;
    /// # let _ = workflow;
    /// # Ok(())
    /// # }
    /// ```
    pub fn json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self> {
        self.body = Some(RequestBody::Json(serde_json::to_vec(body)?));
        Ok(self)
    }

    /// Sets a raw text body (`Content-Type: text/plain`), as the task log endpoint expects.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// client
    ///     .post("/tasks/4d7a9b10-task-id/log")
    ///     .text_body("charged card ending 4242")
    ///     .send_empty()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn text_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(RequestBody::Text(body.into()));
        self
    }

    /// Marks whether sending this request twice is harmless. Idempotent requests are retried on
    /// timeouts, dropped connections, 502/503/504 and server errors marked retryable; others only
    /// after connect errors and 429 (where the server cannot have processed them).
    /// Default: `GET`, `PUT`, `DELETE` are idempotent, `POST` is not.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// // A POST that only reads: safe to retry on timeouts and 503s.
    /// let results: serde_json::Value = client
    ///     .post("/workflow/order_fulfillment/correlated")
    ///     .json_body(&["order-42", "order-43"])?
    ///     .idempotent(true)
    ///     .send_json()
    ///     .await?;
    /// # let _ = results;
    /// # Ok(())
    /// # }
    /// ```
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Overrides the total timeout of each attempt (for long polls and synchronous executions that
    /// legitimately take longer than the configured timeout).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// // A long poll may legitimately take longer than the client's usual timeout.
    /// let tasks: Vec<conductor_models::Task> = client
    ///     .get("/tasks/poll/batch/greet")
    ///     .query("count", 10)
    ///     .query("timeout", 5_000)
    ///     .timeout(Duration::from_secs(35))
    ///     .send_json()
    ///     .await?;
    /// # let _ = tasks;
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, total: Duration) -> Self {
        self.timeout = Some(total);
        self
    }

    /// Sends this request under `policy` instead of the client's
    /// ([`ApiClient::retry_policy`]). With [`RetryPolicy::none`] it is sent once: for callers
    /// that retry on their own, so that their retries and the HTTP layer's do not multiply. The
    /// single replay after the server rejects the token (401) still happens; a failed token
    /// request is not retried either.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration, RetryPolicy};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// // One attempt: the caller decides when to try again.
    /// let tasks: Vec<conductor_models::Task> = client
    ///     .get("/tasks/poll/batch/greet")
    ///     .query("count", 10)
    ///     .retry_policy(RetryPolicy::none())
    ///     .send_json()
    ///     .await?;
    /// # let _ = tasks;
    /// # Ok(())
    /// # }
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Sets the path template this request is reported under to the
    /// [`ClientObserver`](crate::ClientObserver) (the `uri` label of
    /// `http_api_client_request_seconds`). Without it the template is looked up in the routes the
    /// SDK calls ([`route_template`](crate::route_template())); set it for a path outside them, so
    /// that ids and names in the path never become a label.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration, encode_segment};
    /// # async fn run(client: ApiClient, app: &str) -> conductor_http::Result<()> {
    /// let limits: serde_json::Value = client
    ///     .get(format!("/limits/{}", encode_segment(app)))
    ///     .route("/limits/{app}")
    ///     .send_json()
    ///     .await?;
    /// # let _ = limits;
    /// # Ok(())
    /// # }
    /// ```
    pub fn route(mut self, template: &'static str) -> Self {
        self.route = Some(template);
        self
    }

    /// Sends the request and decodes the 2xx JSON body into `T`.
    ///
    /// # Errors
    /// [`ConductorError::Decode`] when the body is empty, malformed, truncated or of the wrong
    /// shape (the error quotes the start of the body); otherwise see [`send_empty`](Self::send_empty).
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// let definition: conductor_models::TaskDef = client.get("/metadata/taskdefs/greet").send_json().await?;
    /// # let _ = definition;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        let response = self.execute().await?;
        if is_blank(&response.body) {
            return Err(ConductorError::Decode {
                status: response.status.as_u16(),
                message: "expected a JSON body but the response body is empty".into(),
                body_snippet: String::new(),
            });
        }
        decode_json(response.status, &response.body)
    }

    /// Sends the request and decodes the 2xx JSON body, mapping "no content" to `None`: a 204, an
    /// empty body, or a JSON `null`.
    ///
    /// # Errors
    /// As [`send_json`](Self::send_json), except for empty bodies.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// // 204 / empty body when no task is waiting.
    /// let task: Option<conductor_models::Task> = client.get("/tasks/poll/greet").send_json_opt().await?;
    /// if task.is_none() {
    ///     // nothing to do
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_json_opt<T: DeserializeOwned>(self) -> Result<Option<T>> {
        let response = self.execute().await?;
        if response.status == StatusCode::NO_CONTENT || is_blank(&response.body) {
            return Ok(None);
        }
        decode_json::<Option<T>>(response.status, &response.body)
    }

    /// Sends the request and returns the 2xx body as text (`""` when empty), for the endpoints that
    /// answer a bare string (a workflow id...).
    ///
    /// # Errors
    /// [`ConductorError::Decode`] when the body is not UTF-8; otherwise see
    /// [`send_empty`](Self::send_empty).
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// let version = client.get("/version").send_text().await?;
    /// # let _ = version;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_text(self) -> Result<String> {
        let response = self.execute().await?;
        String::from_utf8(response.body).map_err(|error| ConductorError::Decode {
            status: response.status.as_u16(),
            message: format!("response body is not UTF-8: {error}"),
            body_snippet: snippet(error.as_bytes(), MAX_SNIPPET_CHARS),
        })
    }

    /// Sends the request and ignores the body of the 2xx answer.
    ///
    /// # Errors
    /// - [`ConductorError::Api`] for 4xx answers (and unexpected 1xx/3xx), [`ConductorError::Server`]
    ///   for 5xx, both with the server's `ErrorResponse` when it sent one;
    /// - [`ConductorError::Auth`] when the token cannot be obtained or is still rejected after a
    ///   refresh;
    /// - [`ConductorError::Http`] when no response arrived (connect, timeout, connection reset);
    /// - [`ConductorError::Config`] for an invalid per-request header.
    ///
    /// ```no_run
    /// # use conductor_http::{ApiClient, Configuration};
    /// # async fn run(client: ApiClient) -> conductor_http::Result<()> {
    /// match client.put("/workflow/8c2f1e6a-workflow-id/pause").send_empty().await {
    ///     Ok(()) => {}
    ///     Err(err) if err.is_not_found() => { /* already removed */ }
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_empty(self) -> Result<()> {
        self.execute().await.map(|_| ())
    }

    /// Sends the request with its retries, under a `conductor.http` span (debug level): the
    /// method, the route template (`/tasks/{taskId}`, not the id), the last status, the number of
    /// attempts, and an error status when it failed.
    async fn execute(self) -> Result<RawResponse> {
        let span = tracing::debug_span!(
            "conductor.http",
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.request.method = self.method.as_str(),
            url.template = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        if !span.is_disabled() {
            let route = self
                .route
                .map_or_else(|| route_template(self.method, &self.path), Cow::Borrowed);
            span.record("url.template", route.as_ref());
        }
        let outcome = self.attempts(&span).instrument(span.clone()).await;
        if outcome.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        outcome
    }

    /// The attempts of [`execute`](Self::execute), each recorded on `span`.
    async fn attempts(self, span: &tracing::Span) -> Result<RawResponse> {
        let inner = self.client.inner();
        let config = &inner.config;
        let policy = &self.retry_policy;
        let base = if self.at_root {
            inner.root_url.as_str()
        } else {
            config.server_url()
        };
        let url = format!("{base}{}", self.path);
        let context = format!("{} {url}", self.method);
        let timeout = self.timeout.unwrap_or_else(|| config.timeout());
        let mut retries: u32 = 0;
        let mut token_replayed = false;
        let request_headers = self.request_headers()?;
        let observer = config.observer();
        let route = match (observer, self.route) {
            (None, _) => Cow::Borrowed(""),
            (Some(_), Some(route)) => Cow::Borrowed(route),
            (Some(_), None) => route_template(self.method, &self.path),
        };

        loop {
            let endpoint = inner.token_endpoint();
            let token = match inner.tokens.token(&endpoint).await {
                Ok(token) => token,
                Err(error) => match self.retry_delay(&error, None, retries) {
                    Some(delay) => {
                        self.log_retry(&error, delay, retries);
                        tokio::time::sleep(delay).await;
                        retries += 1;
                        continue;
                    }
                    None => return Err(error),
                },
            };

            let mut headers = request_headers.clone();
            if let Some(provider) = config.header_provider() {
                let info = RequestInfo {
                    method: self.method.as_str(),
                    path: &self.path,
                };
                apply_provided(&mut headers, provider.headers(&info));
            }
            if let Some(token) = &token {
                headers.insert(AUTH_HEADER, token.value.clone());
            }
            let mut builder = inner
                .http
                .request(self.method.to_reqwest(), &url)
                .headers(headers)
                .timeout(timeout);
            if !self.query.is_empty() {
                builder = builder.query(&self.query);
            }
            if let Some(body) = &self.body {
                builder = builder.body(body.bytes().to_vec());
                if config.debug() {
                    tracing::debug!(
                        method = %self.method,
                        path = %self.path,
                        body = %snippet(body.bytes(), MAX_LOGGED_BODY_CHARS),
                        "request body"
                    );
                }
            }

            let started = Instant::now();
            let outcome = match builder.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = policy.retry_after(response.headers());
                    match response.bytes().await {
                        Ok(body) => Ok((status, retry_after, Vec::from(body))),
                        Err(error) => Err(TransportError::from_reqwest(&context, error)),
                    }
                }
                Err(error) => Err(TransportError::from_reqwest(&context, error)),
            };
            let elapsed = started.elapsed();
            let latency_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
            span.record("attempts", retries + 1);
            if let Ok((status, _, _)) = &outcome {
                span.record("http.response.status_code", status.as_u16());
            }
            if let Some(observer) = observer {
                let status = outcome.as_ref().ok().map(|(status, _, _)| status.as_u16());
                observer.on_request(self.method.as_str(), &route, status, elapsed);
            }

            let (status, retry_after, body) = match outcome {
                Ok(parts) => parts,
                Err(transport) => {
                    tracing::debug!(
                        method = %self.method,
                        path = %self.path,
                        latency_ms,
                        attempt = retries + 1,
                        error = %transport,
                        "request failed"
                    );
                    let error = ConductorError::Http(transport);
                    match self.retry_delay(&error, None, retries) {
                        Some(delay) => {
                            self.log_retry(&error, delay, retries);
                            tokio::time::sleep(delay).await;
                            retries += 1;
                            continue;
                        }
                        None => return Err(error),
                    }
                }
            };

            tracing::debug!(
                method = %self.method,
                path = %self.path,
                status = status.as_u16(),
                latency_ms,
                attempt = retries + 1,
                "response"
            );
            if config.debug() && !body.is_empty() {
                tracing::debug!(
                    method = %self.method,
                    path = %self.path,
                    body = %snippet(&body, MAX_LOGGED_BODY_CHARS),
                    "response body"
                );
            }

            if status.is_success() {
                return Ok(RawResponse { status, body });
            }

            if let Some(rejected) = &token
                && is_token_rejection(status, &body)
            {
                if !token_replayed {
                    token_replayed = true;
                    tracing::debug!(
                        status = status.as_u16(),
                        "token rejected; refreshing it and replaying the request once"
                    );
                    inner.tokens.refresh_rejected(&endpoint, rejected).await?;
                    continue;
                }
                let message = match error_from_response(status, &body) {
                    ConductorError::Api { message, .. } => message,
                    _ => fallback_message(status, &body),
                };
                return Err(ConductorError::Auth(format!(
                    "{context} was rejected with HTTP {} even after a token refresh: {message}",
                    status.as_u16()
                )));
            }

            // Sent without a token because `/token` once answered 404/405, and now refused for
            // want of one: that verdict was wrong or is out of date (an ingress rolling out, auth
            // switched on). Forget it and replay once with a token.
            if token.is_none()
                && !token_replayed
                && is_token_rejection(status, &body)
                && inner.tokens.forget_no_auth_verdict()
            {
                token_replayed = true;
                tracing::info!(
                    status = status.as_u16(),
                    "a request without a token was refused: asking for a token again"
                );
                continue;
            }

            let error = error_from_response(status, &body);
            match self.retry_delay(&error, retry_after, retries) {
                Some(delay) => {
                    self.log_retry(&error, delay, retries);
                    tokio::time::sleep(delay).await;
                    retries += 1;
                }
                None => return Err(error),
            }
        }
    }

    /// Static headers, then per-request ones, then the body's content type.
    fn request_headers(&self) -> Result<HeaderMap> {
        let mut headers = self.client.inner().static_headers.clone();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/plain, */*"),
        );
        if !self.headers.is_empty() {
            let extra = crate::headers::static_header_map(&self.headers)?;
            for (name, value) in &extra {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(body) = &self.body {
            headers.insert(CONTENT_TYPE, body.content_type());
        }
        Ok(headers)
    }

    /// How long to wait before retrying after `error`, or `None` when it must not be retried.
    fn retry_delay(
        &self,
        error: &ConductorError,
        retry_after: Option<Duration>,
        retries: u32,
    ) -> Option<Duration> {
        let policy = &self.retry_policy;
        if retries >= policy.max_retries() {
            return None;
        }
        let allowed = match (error.kind(), error.transport_kind()) {
            // The request never reached the server: safe to send again whatever it is.
            (_, Some(TransportErrorKind::Connect)) => true,
            (_, Some(transport)) => self.idempotent && transport != TransportErrorKind::Other,
            // A rate-limited request was refused before being processed.
            (ErrorKind::Api, _) if error.status() == Some(429) => true,
            _ => self.idempotent && error.is_retryable(),
        };
        if !allowed {
            return None;
        }
        let honours_retry_after = matches!(error.status(), Some(429 | 503));
        Some(
            retry_after
                .filter(|_| honours_retry_after)
                .unwrap_or_else(|| policy.backoff(retries)),
        )
    }

    fn log_retry(&self, error: &ConductorError, delay: Duration, retries: u32) {
        tracing::debug!(
            method = %self.method,
            path = %self.path,
            retry = retries + 1,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            %error,
            "retrying request"
        );
    }
}
