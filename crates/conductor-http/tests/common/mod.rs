//! Helpers shared by the wiremock-based integration tests.

#![allow(dead_code)]

use std::time::Duration;

use conductor_http::{ApiClient, Configuration, RetryPolicy};
use wiremock::MockServer;

/// A retry policy with near-zero delays so retry tests run fast.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(max_retries)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// A configuration pointing at `server` (given without `/api`, to exercise normalisation).
pub fn config(server: &MockServer) -> Configuration {
    Configuration::new(server.uri()).with_retry_policy(fast_retries(3))
}

/// A client without auth and without retries.
pub fn plain_client(server: &MockServer) -> ApiClient {
    ApiClient::new(config(server).with_retry_policy(RetryPolicy::none())).expect("valid config")
}

/// How many requests `server` received for `path`.
pub async fn count(server: &MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .filter(|request| request.url.path() == path)
        .count()
}

/// A local port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("bound address").port()
}
