//! The REST API: an axum router over the engine, with conductor-oss's paths, status codes and
//! error bodies.
//!
//! Requests are parsed by hand (raw query string, raw body bytes) so that every malformed input is
//! answered with an `ErrorResponse` exactly like OSS (which answers 500 for Jackson errors, missing
//! parameters and bad path variables) instead of axum's plain-text rejections.

mod health;
mod metadata;
mod null_collections;
mod openapi;
mod queue;
mod storage;
mod tasks;
mod unknown_constants;
mod webhook;
mod workflow;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use conductor_models::{ErrorResponse, ValidationError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::engine::Engine;
use crate::engine::error::EngineError;

/// Shared state of every handler.
pub(crate) type AppState = Arc<Engine>;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Builds the whole router; `stop` turns `true` when the server shuts down.
pub(crate) fn router(engine: Arc<Engine>, stop: watch::Receiver<bool>) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(metadata::routes())
        .merge(workflow::routes())
        .merge(tasks::routes())
        .merge(queue::routes())
        .merge(storage::routes())
        .merge(webhook::routes())
        .merge(crate::ui::routes())
        .merge(openapi::routes())
        .fallback(not_found_fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(Extension(Shutdown(stop)))
        .layer(axum::middleware::from_fn(reject_encoded_separators))
        .layer(axum::middleware::from_fn_with_state(
            engine.clone(),
            acknowledge_durably,
        ))
        .with_state(engine)
}

/// Holds every response until the changes submitted before it are committed to the database
/// (immediate in memory): a client that got an answer can rely on what it reflects surviving a
/// crash. The wait covers other requests' changes too, which costs nothing extra: the writer
/// commits everything pending in one transaction. A storage failure turns the answer into a 500.
///
/// Polls are the exception: their change (the task handed out, IN_PROGRESS) is committed with
/// the next batch, but the answer does not wait for it. Losing it in a crash hands the task out
/// again after the restart, which is what at-least-once delivery allows anyway (a worker that
/// crashed after a poll leaves the same state), while a lone worker's poll + update round trip
/// waits for one commit instead of two. `update-v2`, which also updates, still waits.
async fn acknowledge_durably(
    axum::extract::State(engine): axum::extract::State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let poll = request.method() == axum::http::Method::GET
        && request.uri().path().starts_with("/api/tasks/poll/");
    let response = next.run(request).await;
    if poll {
        return response;
    }
    match engine.durable().await {
        Ok(()) => response,
        Err(reason) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("storage failure: {reason}"),
        )
        .into_response(),
    }
}

/// Tomcat's page for a request it refuses before any Spring handler sees it.
const TOMCAT_BAD_REQUEST: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 400 \u{2013} \
Bad Request</title><style type=\"text/css\">body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b \
{color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 \
{font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;\
border:none;}</style></head><body><h1>HTTP Status 400 \u{2013} Bad Request</h1></body></html>";

/// conductor-oss runs on Tomcat, which refuses an encoded `/` or `\` in a path (`%2F`, `%5C`)
/// with its own HTML 400 page: a name holding a slash can be registered (it travels in the body)
/// but not read, updated or deleted by name.
async fn reject_encoded_separators(request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_ascii_uppercase();
    if path.contains("%2F") || path.contains("%5C") {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
            TOMCAT_BAD_REQUEST,
        )
            .into_response();
    }
    next.run(request).await
}

/// The server's shutdown signal, seen by the handlers that hold a request open (long polls, sync
/// executions and signals): they answer at once when it fires. A graceful shutdown waits for
/// every in-flight request, so without this a worker's 5 s long poll or a 30 s sync execute would
/// keep a stopping server alive for that long.
#[derive(Debug, Clone)]
pub(crate) struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Completes once the server is shutting down (or its handle is gone).
    pub(crate) async fn requested(&self) {
        let mut stop = self.0.clone();
        // An error means the sender (the server handle) was dropped: that is a shutdown too.
        let _ = stop.wait_for(|stop| *stop).await;
    }
}

async fn not_found_fallback(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("No static resource {}.", uri.path().trim_start_matches('/')),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Request method '{}' is not supported", request.method()),
    )
}

fn host_name() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        std::env::var("HOSTNAME")
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_owned())
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    })
}

/// An error answer: status plus `ErrorResponse` body.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Box<ErrorResponse>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let body =
            ErrorResponse::new(i32::from(status.as_u16()), message).with_instance(host_name());
        Self {
            status,
            body: Box::new(body),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// Fills in the `invalidValue` of each violation that has none from the request body it
    /// names (`registerTaskDef.arg0[0].name` is the body's `[0].name`), as Hibernate Validator
    /// reports it: the text of a string, number or boolean there (an empty string too); nothing
    /// for `null`, an absent key, an object or a list. The models read `""` and `null` alike, so
    /// only the body can tell them apart.
    pub(crate) fn with_body_values(mut self, body: &Body) -> Self {
        let missing = |e: &ValidationError| e.invalid_value.is_none();
        if !self.body.validation_errors.iter().any(missing) {
            return self;
        }
        let Some(raw) = body.raw_json() else {
            return self;
        };
        for error in &mut self.body.validation_errors {
            if error.invalid_value.is_none() {
                error.invalid_value = body_value(&raw, &error.path);
            }
        }
        self
    }

    /// The body's message.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        self.body.message.as_deref().unwrap_or_default()
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Validation(violations) => {
                let mut body =
                    ErrorResponse::new(400, "Validation failed, check below errors for detail.");
                for v in violations {
                    let mut e = ValidationError::new(v.path, v.message);
                    if let Some(value) = v.invalid_value {
                        e = e.with_invalid_value(value);
                    }
                    body = body.with_validation_error(e);
                }
                Self {
                    status: StatusCode::BAD_REQUEST,
                    body: Box::new(body),
                }
            }
            other => {
                let status = StatusCode::from_u16(other.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Self::new(status, other.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(*self.body)).into_response()
    }
}

/// Handler result.
pub(crate) type ApiResult = Result<Response, ApiError>;

/// 200 with a JSON body.
pub(crate) fn json<T: Serialize>(value: &T) -> ApiResult {
    let bytes = serde_json::to_vec(value).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// 200 with a bare text body.
pub(crate) fn text(value: impl Into<String>) -> ApiResult {
    Ok((
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        value.into(),
    )
        .into_response())
}

/// 200 with an empty body.
pub(crate) fn ok_empty() -> ApiResult {
    Ok(StatusCode::OK.into_response())
}

/// 204 No Content.
pub(crate) fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Path parameters, with rejections turned into `ErrorResponse`s.
pub(crate) struct P<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(P(value)),
            Err(rejection) => Err(ApiError::internal(rejection.body_text())),
        }
    }
}

/// Query parameters (repeatable), parsed from the raw query string.
#[derive(Debug, Default)]
pub(crate) struct Q {
    values: HashMap<String, Vec<String>>,
}

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        if let Some(query) = parts.uri.query() {
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                values.entry(decode(k)).or_default().push(decode(v));
            }
        }
        Ok(Q { values })
    }
}

fn decode(raw: &str) -> String {
    let plus_as_space = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

impl Q {
    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// The first non-empty value of `name`.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// Every value of `name`, also splitting comma lists.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .map(|vs| {
                vs.iter()
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A typed value with a default; a malformed value is a 500 like Spring's conversion error,
    /// naming the Java parameter's type (`int`, `long`: conductor-oss's primitives, which is
    /// what a parameter with a default is).
    pub(crate) fn parse_or<T: FromStr>(
        &self,
        name: &str,
        java_type: &str,
        default: T,
    ) -> Result<T, ApiError> {
        Ok(self.parse_opt(name, java_type)?.unwrap_or(default))
    }

    /// An optional typed value (`java_type` as in [`Q::parse_or`]; conductor-oss's optional
    /// numbers are boxed: `java.lang.Integer`, `java.lang.Long`).
    pub(crate) fn parse_opt<T: FromStr>(
        &self,
        name: &str,
        java_type: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(raw) => raw.trim().parse().map(Some).map_err(|_| {
                conversion_error(name, java_type, &format!("For input string: \"{raw}\""))
            }),
        }
    }

    /// A boolean with a default (`true`/`false`, case-insensitive).
    pub(crate) fn bool_or(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.non_empty(name) {
            None => Ok(default),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(true),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(false),
            Some(raw) => Err(conversion_error(
                name,
                "boolean",
                &format!("Invalid boolean value [{raw}]"),
            )),
        }
    }

    /// A required parameter (missing → 500 like Spring's `MissingServletRequestParameterException`).
    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::internal(format!("Required request parameter '{name}' for method parameter type String is not present"))
        })
    }
}

/// The scalar a violation path names in the request body (the method's first argument,
/// `arg0`): `method.arg0[1].tasks[0].name` is the body's `[1].tasks[0].name`.
fn body_value(raw: &serde_json::Value, path: &str) -> Option<String> {
    let (_method, rest) = path.split_once('.')?;
    let rest = rest.strip_prefix("arg0")?;
    let mut value = raw;
    let mut chars = rest;
    while !chars.is_empty() {
        if let Some(after) = chars.strip_prefix('[') {
            let (index, tail) = after.split_once(']')?;
            value = value.get(index.parse::<usize>().ok()?)?;
            chars = tail;
        } else if let Some(after) = chars.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            value = value.get(&after[..end])?;
            chars = &after[end..];
        } else {
            return None;
        }
    }
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Spring's failure to convert a request parameter or path variable `name` to its Java type (a
/// 500), worded as conductor-oss 3.21.14 and 3.32.3 answer it.
pub(crate) fn conversion_error(name: &str, java_type: &str, detail: &str) -> ApiError {
    ApiError::internal(format!(
        "Method parameter '{name}': Failed to convert value of type 'java.lang.String' to required type '{java_type}'; {detail}"
    ))
}

/// [`conversion_error`] for a path variable `name` of a Java enum type that has no constant
/// `raw`.
pub(crate) fn enum_path_error(name: &str, java_enum: &str, raw: &str) -> ApiError {
    conversion_error(
        name,
        java_enum,
        &format!(
            "Failed to convert from type [java.lang.String] to type [@org.springframework.web.bind.annotation.PathVariable {java_enum}] for value [{raw}]"
        ),
    )
}

/// The raw request body.
pub(crate) struct Body(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection.body_text())),
        }
    }
}

impl Body {
    /// Whether the body is empty (or whitespace).
    pub(crate) fn is_blank(&self) -> bool {
        self.0.iter().all(u8::is_ascii_whitespace)
    }

    /// Parses a required JSON body (missing or malformed → 500, as Jackson/Spring answer).
    /// A body Jackson would read through its scalar coercions is read the same way (see
    /// `openapi::coerce`).
    pub(crate) fn json<T: DeserializeOwned + schemars::JsonSchema + 'static>(
        &self,
    ) -> Result<T, ApiError> {
        if self.is_blank() {
            return Err(ApiError::internal("Required request body is missing"));
        }
        if self.0.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
            && let Some(refused) = openapi::coerce::array_refused::<T>()
        {
            return Err(ApiError::internal(format!("JSON parse error: {refused}")));
        }
        serde_json::from_slice(&self.0)
            .or_else(|strict| openapi::coerce::from_slice(&self.0).ok_or(strict))
            .map_err(|e| ApiError::internal(format!("JSON parse error: {e}")))
    }

    /// [`Body::json`], then the enum constants conductor-oss would refuse while reading the
    /// body (see `unknown_constants`).
    pub(crate) fn json_known<T>(&self) -> Result<T, ApiError>
    where
        T: DeserializeOwned + schemars::JsonSchema + unknown_constants::KnownConstants + 'static,
    {
        let value: T = self.json()?;
        match value.refused() {
            Some(refused) => Err(refused),
            None => Ok(value),
        }
    }

    /// [`Body::json_known`] for workflow definitions (one, or a list): then the `null`s
    /// conductor-oss's validators would dereference (see `null_collections`).
    pub(crate) fn workflow_defs<T>(&self) -> Result<T, ApiError>
    where
        T: DeserializeOwned + schemars::JsonSchema + unknown_constants::KnownConstants + 'static,
    {
        let defs: T = self.json_known()?;
        // It parsed as a definition, so it parses as JSON.
        let raw = self.raw_json().unwrap_or_default();
        let refused = match &raw {
            serde_json::Value::Array(defs) => defs.iter().find_map(null_collections::refused),
            def => null_collections::refused(def),
        };
        refused.map_or(Ok(defs), Err)
    }

    /// The body as plain JSON, for what the models cannot tell apart (`""` from `null`, a `null`
    /// from an absent key); `None` when it is not JSON. Read on the paths that need it only
    /// (definitions, errors): a second parse of the body.
    pub(crate) fn raw_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.0).ok()
    }

    /// Parses an optional JSON body (empty → `None`).
    pub(crate) fn json_opt<T: DeserializeOwned + schemars::JsonSchema + 'static>(
        &self,
    ) -> Result<Option<T>, ApiError> {
        if self.is_blank() {
            Ok(None)
        } else {
            self.json().map(Some)
        }
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

#[cfg(test)]
mod body_value_tests {
    use super::body_value;
    use serde_json::json;

    #[test]
    fn a_violation_path_names_a_scalar_of_the_body() {
        let raw = json!([{"name": "", "retryCount": -1, "tasks": [{"name": "a", "optional": true,
                          "inputParameters": {"k": null}}]}]);
        let at = |path: &str| body_value(&raw, path);
        assert_eq!(at("registerTaskDef.arg0[0].name"), Some(String::new()));
        assert_eq!(
            at("registerTaskDef.arg0[0].retryCount"),
            Some("-1".to_owned())
        );
        assert_eq!(
            at("updateWorkflowDef.arg0[0].tasks[0].name"),
            Some("a".to_owned())
        );
        assert_eq!(
            at("updateWorkflowDef.arg0[0].tasks[0].optional"),
            Some("true".to_owned())
        );
        // Objects, lists, nulls, absent keys, out-of-range indexes and other arguments: none.
        for path in [
            "updateWorkflowDef.arg0[0].tasks[0]",
            "updateWorkflowDef.arg0[0].tasks",
            "updateWorkflowDef.arg0[0].tasks[0].inputParameters.k",
            "updateWorkflowDef.arg0[0].description",
            "updateWorkflowDef.arg0[3].name",
            "startWorkflow.arg3",
            "arg0",
        ] {
            assert_eq!(at(path), None, "{path}");
        }
    }
}
