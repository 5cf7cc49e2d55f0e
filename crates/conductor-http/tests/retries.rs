//! Retry behaviour against a mock server: which failures are retried for which requests, backoff,
//! `Retry-After`, and exhaustion.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conductor_http::{
    ApiClient, ConductorError, Configuration, RequestInfo, RetryPolicy, TransportErrorKind,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{closed_port, config, count, fast_retries};

fn client_with(server: &MockServer, policy: RetryPolicy) -> ApiClient {
    ApiClient::new(config(server).with_retry_policy(policy)).expect("valid config")
}

/// Mounts `failures` answers with `status`, then a 200 JSON answer, on `GET|POST /api/x`.
async fn fail_then_succeed(server: &MockServer, status: u16, failures: u64) {
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(status).set_body_string("temporarily unavailable"))
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_is_retried_on_503_until_success() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, 503, 2).await;

    let body: serde_json::Value = client_with(&server, fast_retries(3))
        .get("/x")
        .send_json()
        .await
        .unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(count(&server, "/api/x").await, 3);
}

#[tokio::test]
async fn gateway_statuses_are_retried_for_idempotent_requests() {
    for status in [502_u16, 504] {
        let server = MockServer::start().await;
        fail_then_succeed(&server, status, 1).await;
        client_with(&server, fast_retries(3))
            .delete("/x")
            .send_empty()
            .await
            .unwrap();
        assert_eq!(count(&server, "/api/x").await, 2, "{status}");
    }
}

#[tokio::test]
async fn post_is_not_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/x"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;

    let err = client_with(&server, fast_retries(3))
        .post("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn post_marked_idempotent_is_retried_on_503() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, 503, 1).await;

    client_with(&server, fast_retries(3))
        .post("/x")
        .idempotent(true)
        .send_empty()
        .await
        .unwrap();
    assert_eq!(count(&server, "/api/x").await, 2);
}

#[tokio::test]
async fn get_marked_non_idempotent_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_with(&server, fast_retries(3))
        .get("/x")
        .idempotent(false)
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
}

#[tokio::test]
async fn exhausted_retries_return_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(502).set_body_string("first"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(504).set_body_string("still down"))
        .mount(&server)
        .await;

    let err = client_with(&server, fast_retries(2))
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Server { status: 504, message, .. } if message == "still down"),
        "{err}"
    );
    assert_eq!(count(&server, "/api/x").await, 3);
}

#[tokio::test]
async fn non_retryable_errors_are_not_retried() {
    let server = MockServer::start().await;
    for (endpoint, status) in [
        ("/api/a", 500_u16),
        ("/api/b", 404),
        ("/api/c", 400),
        ("/api/d", 409),
    ] {
        Mock::given(path(endpoint))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"status": status, "message": "no", "retryable": false})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_with(&server, fast_retries(3));
    for endpoint in ["/a", "/b", "/c", "/d"] {
        assert!(client.get(endpoint).send_empty().await.is_err());
    }
}

#[tokio::test]
async fn server_marked_retryable_500_is_retried_only_when_idempotent() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"status": 500, "message": "transient", "retryable": true})),
        )
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries(2));

    let err = client.get("/x").send_empty().await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(count(&server, "/api/x").await, 3);

    let err = client.post("/x").send_empty().await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(count(&server, "/api/x").await, 4);
}

#[tokio::test]
async fn sqlite_busy_500_is_retried_only_when_idempotent() {
    // conductor-oss 3.21.14's SQLite store under concurrent writes (not marked retryable).
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": 500,
            "message": "[SQLITE_BUSY] The database file is locked (database is locked)",
            "instance": "vm",
            "retryable": false
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_retries(2));

    client
        .post("/x")
        .idempotent(true)
        .send_empty()
        .await
        .unwrap();
    assert_eq!(count(&server, "/api/x").await, 2);

    Mock::given(path("/api/y"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": 500,
            "message": "[SQLITE_BUSY] The database file is locked (database is locked)",
            "retryable": false
        })))
        .mount(&server)
        .await;
    let err = client.post("/y").send_empty().await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(count(&server, "/api/y").await, 1);
}

#[tokio::test]
async fn status_429_is_retried_even_for_post() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, 429, 2).await;

    client_with(&server, fast_retries(3))
        .post("/x")
        .send_empty()
        .await
        .unwrap();
    assert_eq!(count(&server, "/api/x").await, 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    // The backoff alone would wait at most 5 ms: only Retry-After explains a 1 s wait.
    let started = Instant::now();
    client_with(&server, fast_retries(1))
        .get("/x")
        .send_empty()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "waited {elapsed:?}");
    assert_eq!(count(&server, "/api/x").await, 2);
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let policy = fast_retries(1).with_max_retry_after(Duration::from_millis(200));
    let started = Instant::now();
    client_with(&server, policy)
        .get("/x")
        .send_empty()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(200),
        "waited only {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "cap ignored: waited {elapsed:?}"
    );
}

#[tokio::test]
async fn backoff_grows_between_attempts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    // Without jitter: 50 + 100 + 200 ms between the four attempts.
    let policy = RetryPolicy::default()
        .with_max_retries(3)
        .with_initial_backoff(Duration::from_millis(50))
        .with_jitter(false);
    let started = Instant::now();
    let err = client_with(&server, policy)
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(count(&server, "/api/x").await, 4);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_with(&server, RetryPolicy::none())
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(err.is_retryable());
}

/// Counts attempts (the provider is called once per attempt), including ones that never reach a
/// server.
fn attempt_counter() -> (
    Arc<AtomicUsize>,
    impl Fn(&RequestInfo<'_>) -> Vec<(String, String)>,
) {
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&attempts);
    (attempts, move |_: &RequestInfo<'_>| {
        seen.fetch_add(1, Ordering::SeqCst);
        Vec::new()
    })
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_post() {
    let (attempts, provider) = attempt_counter();
    let config = Configuration::new(format!("http://127.0.0.1:{}", closed_port()))
        .with_retry_policy(fast_retries(2))
        .with_header_provider(Arc::new(provider));
    let err = ApiClient::new(config)
        .unwrap()
        .post("/workflow/wf")
        .send_text()
        .await
        .unwrap_err();
    let ConductorError::Http(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert!(err.is_retryable());
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn timeouts_are_retried_only_for_idempotent_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/api/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client = ApiClient::new(
        config(&server)
            .with_retry_policy(fast_retries(1))
            .with_timeout(Duration::from_millis(100)),
    )
    .unwrap();

    let err = client.post("/slow").send_empty().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(count(&server, "/api/slow").await, 1);

    let err = client.get("/slow").send_empty().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(count(&server, "/api/slow").await, 3);
}

#[tokio::test]
async fn a_request_policy_overrides_the_client_policy() {
    // The client's policy retries: the request succeeds on the third attempt.
    let server = MockServer::start().await;
    fail_then_succeed(&server, 503, 2).await;
    let client = client_with(&server, fast_retries(3));
    let body: serde_json::Value = client.get("/x").send_json().await.unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(count(&server, "/api/x").await, 3);

    // The same client, with `RetryPolicy::none()` on the request: sent exactly once.
    let server = MockServer::start().await;
    fail_then_succeed(&server, 503, 2).await;
    let client = client_with(&server, fast_retries(3));
    let err = client
        .get("/x")
        .retry_policy(RetryPolicy::none())
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(count(&server, "/api/x").await, 1);

    // And the other way round: a client that never retries, a request that may.
    let server = MockServer::start().await;
    fail_then_succeed(&server, 503, 2).await;
    client_with(&server, RetryPolicy::none())
        .get("/x")
        .retry_policy(fast_retries(2))
        .send_empty()
        .await
        .unwrap();
    assert_eq!(count(&server, "/api/x").await, 3);
}

#[tokio::test]
async fn a_client_handle_policy_applies_to_each_of_its_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let retrying = client_with(&server, fast_retries(3));
    let once = retrying.clone().with_retry_policy(RetryPolicy::none());
    assert_eq!(once.retry_policy(), &RetryPolicy::none());

    for _ in 0..2 {
        let err = once.get("/x").send_empty().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
    }
    assert_eq!(count(&server, "/api/x").await, 2, "one request per call");

    // The handle it came from still retries.
    retrying.get("/x").send_empty().await.unwrap_err();
    assert_eq!(count(&server, "/api/x").await, 2 + 4);

    // A request of the handle can override it again.
    once.get("/x")
        .retry_policy(fast_retries(1))
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(count(&server, "/api/x").await, 6 + 2);
}
