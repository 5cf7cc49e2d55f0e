//! HTTP layer of the Conductor Rust SDK: transport, auth tokens, retries, typed errors.
//!
//! [`ApiClient`] sends requests to a Conductor server (conductor-oss or Orkes) and takes care of
//! what every call needs:
//!
//! - **Base URL**: `http://host:8080`, `http://host:8080/`, `http://host:8080/api` are all accepted;
//!   request paths are relative to the `/api` base ([`Configuration::server_url`]).
//! - **Auth**: with a key and secret, a token from `POST /api/token` is sent as `X-Authorization`,
//!   refreshed before it expires and once when the server rejects it (one refresh however many
//!   requests are waiting). A server without auth (404 on `/token`) is detected and remembered.
//!   Failed token requests back off exponentially (1 s … 60 s) but are always tried again.
//! - **Retries**: connect errors, 429 (honouring `Retry-After`), 502/503/504 and retryable server
//!   errors, with exponential backoff and full jitter ([`RetryPolicy`]); only idempotent requests
//!   are replayed after the server may have seen them. A request can carry its own policy
//!   ([`ApiRequest::retry_policy`], or [`ApiClient::with_retry_policy`] for every request of a
//!   handle): [`RetryPolicy::none`] when the caller keeps its own retry budget.
//! - **Backoff**: one schedule type for every wait of the SDK ([`Backoff`]: capped exponential,
//!   with no, full or equal [`Jitter`]), and [`Retries`] to count consecutive failures along it.
//! - **Responses**: JSON, plain-text, empty and 204 bodies ([`ApiRequest::send_json`],
//!   [`send_json_opt`](ApiRequest::send_json_opt), [`send_text`](ApiRequest::send_text),
//!   [`send_empty`](ApiRequest::send_empty)); error bodies become [`ConductorError::Api`] (4xx) or
//!   [`ConductorError::Server`] (5xx) carrying the server's `ErrorResponse`.
//! - **Server versions**: [`ConductorError::is_missing_endpoint`] tells "this server has no such
//!   endpoint" (an older conductor-oss) from "no such resource", and [`ServerCapabilities`]
//!   (one per client, shared by its clones) remembers the missing endpoints so that the resource
//!   clients fall back, or answer [`ConductorError::UnsupportedByServer`], without asking again.
//! - **Observation**: a [`ClientObserver`] set on the configuration
//!   ([`Configuration::with_observer`]) hears of every HTTP exchange with its method, route
//!   template ([`route_template`]: `/tasks/{taskId}`, never the raw path), status and duration,
//!   and of the resource clients' workflow starts and external payload use: the metrics of
//!   `conductor-metrics` without a metrics dependency here.
//! - **Safety**: secrets and tokens never appear in `Debug` output or logs; redirects are followed
//!   only within the same origin, so the token never leaks to another host.
//!
//! TLS uses rustls with the `ring` provider (configured per client, never installed globally) and
//! the platform's certificate store.
//!
//! ```no_run
//! use std::time::Duration;
//! use conductor_http::{ApiClient, Configuration, RetryPolicy, encode_segment};
//!
//! # async fn run() -> conductor_http::Result<()> {
//! let config = Configuration::new("https://developer.orkescloud.com")
//!     .with_auth("key-id", "key-secret")
//!     .with_timeout(Duration::from_secs(30))
//!     .with_retry_policy(RetryPolicy::default().with_max_retries(5));
//! let client = ApiClient::new(config)?;
//!
//! match client
//!     .get(format!("/workflow/{}", encode_segment("no-such-id")))
//!     .send_json::<serde_json::Value>()
//!     .await
//! {
//!     Ok(workflow) => println!("{workflow}"),
//!     Err(err) if err.is_not_found() => println!("no such workflow"),
//!     Err(err) => return Err(err),
//! }
//! # Ok(())
//! # }
//! ```

pub mod api_client;
mod auth;
pub mod backoff;
pub mod capabilities;
pub mod config;
pub mod error;
pub mod headers;
mod method;
pub mod observer;
mod path;
pub mod request;
mod response;
pub mod retry;
mod route;
mod tls;

pub use api_client::ApiClient;
pub use backoff::{Backoff, Jitter, Retries};
pub use capabilities::ServerCapabilities;
pub use config::Configuration;
pub use error::{
    ConductorError, ErrorKind, Result, TransportError, TransportErrorKind, error_chain,
};
pub use headers::{HeaderProvider, RequestInfo};
pub use method::Method;
pub use observer::ClientObserver;
pub use path::encode_segment;
pub use request::ApiRequest;
pub use retry::RetryPolicy;
pub use route::route_template;
