//! Transport-level behaviour: connect errors, timeouts, headers (static, per request, provider),
//! compression negotiation and the user agent.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conductor_http::{
    ApiClient, ConductorError, Configuration, RequestInfo, RetryPolicy, TransportErrorKind,
};
use wiremock::matchers::{header, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{closed_port, config};

#[tokio::test]
async fn connect_error_to_a_closed_port() {
    let config = Configuration::new(format!("http://127.0.0.1:{}", closed_port()))
        .with_retry_policy(RetryPolicy::none());
    let err = ApiClient::new(config)
        .unwrap()
        .get("/health")
        .send_empty()
        .await
        .unwrap_err();
    let ConductorError::Http(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert!(
        transport.message().contains("GET http://127.0.0.1:"),
        "{transport}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn total_timeout_is_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = ApiClient::new(
        config(&server)
            .with_retry_policy(RetryPolicy::none())
            .with_timeout(Duration::from_millis(150)),
    )
    .unwrap();

    let started = Instant::now();
    let err = client.get("/slow").send_empty().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let ConductorError::Http(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Timeout);
    assert!(err.is_timeout());
    assert!(err.is_retryable());
}

#[tokio::test]
async fn per_request_timeout_overrides_the_configured_one() {
    let server = MockServer::start().await;
    Mock::given(path("/api/tasks/poll/batch/t"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([]))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let client = ApiClient::new(
        config(&server)
            .with_retry_policy(RetryPolicy::none())
            .with_timeout(Duration::from_millis(100)),
    )
    .unwrap();

    let tasks: Vec<serde_json::Value> = client
        .get("/tasks/poll/batch/t")
        .timeout(Duration::from_secs(5))
        .send_json()
        .await
        .unwrap();
    assert!(tasks.is_empty());
}

#[tokio::test]
async fn static_request_and_provider_headers_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/x"))
        .and(header("x-tenant", "acme"))
        .and(header("x-request", "per-request"))
        .and(header("x-trace", "GET /x"))
        .and(header("x-override", "from-provider"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;

    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let provider = move |request: &RequestInfo<'_>| {
        seen.fetch_add(1, Ordering::SeqCst);
        vec![
            (
                "x-trace".to_string(),
                format!("{} {}", request.method, request.path),
            ),
            ("x-override".to_string(), "from-provider".to_string()),
        ]
    };
    let client = ApiClient::new(
        config(&server)
            .with_header("X-Tenant", "acme")
            .with_header("X-Override", "static")
            .with_header_provider(Arc::new(provider)),
    )
    .unwrap();
    for _ in 0..2 {
        client
            .get("/x")
            .header("x-request", "per-request")
            .send_empty()
            .await
            .unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn invalid_per_request_header_is_a_config_error() {
    let server = MockServer::start().await;
    let err = common::plain_client(&server)
        .get("/x")
        .header("bad header", "v")
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, ConductorError::Config(_)), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn gzip_user_agent_and_accept_are_negotiated() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .and(header_regex("accept-encoding", "gzip"))
        .and(header_regex("user-agent", "^conductor-rust/"))
        .and(header_regex("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    common::plain_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap();
}

/// Wraps `data` in a gzip member holding one uncompressed ("stored") deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xedb8_8320 & mask);
            }
        }
        !crc
    }
    let len = u16::try_from(data.len()).expect("small test body");
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.push(1); // final block, stored
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::from(len).to_le_bytes());
    out
}

#[tokio::test]
async fn gzip_responses_are_decompressed() {
    let server = MockServer::start().await;
    let body = br#"{"name":"compressed","retryCount":1}"#;
    Mock::given(path("/api/x"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(gzip_stored(body), "application/json"),
        )
        .mount(&server)
        .await;
    let value: serde_json::Value = common::plain_client(&server)
        .get("/x")
        .send_json()
        .await
        .unwrap();
    assert_eq!(
        value,
        serde_json::json!({"name": "compressed", "retryCount": 1})
    );
}
