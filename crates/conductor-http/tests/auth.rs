//! Token handling against a mock server: fetch once, OSS detection, refresh and replay, single
//! flight under concurrency, proactive refresh, backoff and recovery, and secrecy.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_http::{ApiClient, ConductorError, Configuration, RetryPolicy};
use serde_json::json;
use tokio::task::JoinSet;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{config, count};

const KEY: &str = "app-key-id";
const SECRET: &str = "app-secret-VALUE-123";

fn auth_config(server: &MockServer) -> Configuration {
    config(server)
        .with_retry_policy(RetryPolicy::none())
        .with_auth(KEY, SECRET)
}

fn auth_client(server: &MockServer) -> ApiClient {
    ApiClient::new(auth_config(server)).expect("valid config")
}

/// `/token` answers `token` (at most `times` times when given).
async fn mount_token(server: &MockServer, token: &str, times: Option<u64>, expected: Option<u64>) {
    let mut mock = Mock::given(method("POST"))
        .and(path("/api/token"))
        .and(body_json(json!({"keyId": KEY, "keySecret": SECRET})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": token})));
    if let Some(times) = times {
        mock = mock.up_to_n_times(times).with_priority(1);
    }
    if let Some(expected) = expected {
        mock = mock.expect(expected);
    }
    mock.mount(server).await;
}

/// `/api/x` answers 200 to `token`.
async fn mount_accepts(server: &MockServer, token: &str) {
    Mock::given(path("/api/x"))
        .and(header("X-Authorization", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(server)
        .await;
}

/// `/api/x` answers 401 EXPIRED_TOKEN to `token`.
async fn mount_rejects(server: &MockServer, token: &str) {
    Mock::given(path("/api/x"))
        .and(header("X-Authorization", token))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "EXPIRED_TOKEN", "message": "Token expired"
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn token_is_fetched_once_and_sent_on_every_request() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", None, Some(1)).await;
    mount_accepts(&server, "tok-1").await;

    let client = auth_client(&server);
    for _ in 0..3 {
        client.get("/x").send_empty().await.unwrap();
    }
    assert_eq!(count(&server, "/api/x").await, 3);
    let requests = server.received_requests().await.unwrap();
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == "/api/token")
        .unwrap();
    assert!(token_request.headers.get("x-authorization").is_none());
}

#[tokio::test]
async fn no_credentials_means_no_token_request() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    common::plain_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("x-authorization").is_none());
}

#[tokio::test]
async fn token_404_means_oss_server_without_auth() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200))
        .expect(3)
        .mount(&server)
        .await;

    let client = auth_client(&server);
    assert!(!client.auth_disabled_by_server());
    for _ in 0..3 {
        client.get("/x").send_empty().await.unwrap();
    }
    assert!(client.auth_disabled_by_server());
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .filter(|r| r.url.path() == "/api/x")
            .all(|r| r.headers.get("x-authorization").is_none())
    );
}

#[tokio::test]
async fn token_405_also_means_no_auth() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(405))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = auth_client(&server);
    client.get("/x").send_empty().await.unwrap();
    client.get("/x").send_empty().await.unwrap();
    assert!(client.auth_disabled_by_server());
}

#[tokio::test]
async fn expired_token_is_refreshed_and_the_request_replayed() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    mount_rejects(&server, "tok-1").await;
    mount_accepts(&server, "tok-2").await;

    let body: serde_json::Value = auth_client(&server).get("/x").send_json().await.unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(count(&server, "/api/x").await, 2);
}

#[tokio::test]
async fn non_idempotent_request_is_replayed_after_a_token_rejection() {
    // A rejected token means the server did not process the request: replaying a POST is safe.
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    mount_rejects(&server, "tok-1").await;
    mount_accepts(&server, "tok-2").await;
    auth_client(&server).post("/x").send_empty().await.unwrap();
}

#[tokio::test]
async fn forbidden_with_token_error_refreshes_but_plain_forbidden_does_not() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    Mock::given(path("/api/x"))
        .and(header("X-Authorization", "tok-1"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": "INVALID_TOKEN"})))
        .mount(&server)
        .await;
    mount_accepts(&server, "tok-2").await;
    Mock::given(path("/api/admin"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"status": 403, "message": "no access to admin"})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = auth_client(&server);
    client.get("/x").send_empty().await.unwrap();
    let err = client.get("/admin").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Api { status: 403, message, .. } if message == "no access to admin"),
        "{err}"
    );
}

#[tokio::test]
async fn still_rejected_after_refresh_is_an_auth_error() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    mount_rejects(&server, "tok-1").await;
    mount_rejects(&server, "tok-2").await;

    let err = auth_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Auth(message) if message.contains("401")),
        "{err}"
    );
    assert_eq!(count(&server, "/api/x").await, 2);
}

#[tokio::test]
async fn concurrent_cold_start_fetches_one_token() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": "tok-1"}))
                .set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_accepts(&server, "tok-1").await;

    let client = auth_client(&server);
    let mut requests = JoinSet::new();
    for _ in 0..50 {
        let client = client.clone();
        requests.spawn(async move { client.get("/x").send_empty().await });
    }
    let mut succeeded = 0;
    while let Some(result) = requests.join_next().await {
        result.unwrap().unwrap();
        succeeded += 1;
    }
    assert_eq!(succeeded, 50);
    assert_eq!(count(&server, "/api/token").await, 1);
}

#[tokio::test]
async fn fifty_concurrent_rejections_trigger_exactly_one_refresh() {
    concurrent_rejections_scenario().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_rejections_on_a_multi_thread_runtime() {
    concurrent_rejections_scenario().await;
}

/// 50 requests see the same expired token at once: exactly one refresh, all 50 succeed.
async fn concurrent_rejections_scenario() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": "tok-2"}))
                .set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    // tok-1 works once (warm-up), then is reported expired.
    Mock::given(path("/api/x"))
        .and(header("X-Authorization", "tok-1"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_rejects(&server, "tok-1").await;
    mount_accepts(&server, "tok-2").await;

    let client = auth_client(&server);
    client
        .get("/x")
        .send_empty()
        .await
        .expect("warm-up request");

    let mut requests = JoinSet::new();
    for _ in 0..50 {
        let client = client.clone();
        requests.spawn(async move { client.get("/x").send_json::<serde_json::Value>().await });
    }
    let mut succeeded = 0;
    while let Some(result) = requests.join_next().await {
        let body = result.expect("task panicked").expect("request failed");
        assert_eq!(body, json!({"ok": true}));
        succeeded += 1;
    }
    assert_eq!(succeeded, 50);
    assert_eq!(count(&server, "/api/token").await, 2);
}

#[tokio::test]
async fn token_is_refreshed_when_its_ttl_has_passed() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    mount_accepts(&server, "tok-1").await;
    mount_accepts(&server, "tok-2").await;

    // A zero TTL makes every token stale at once: each request fetches a fresh one.
    let client = ApiClient::new(auth_config(&server).with_token_ttl(Duration::ZERO)).unwrap();
    client.get("/x").send_empty().await.unwrap();
    client.get("/x").send_empty().await.unwrap();
    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/x")
        .map(|r| r.headers["x-authorization"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["tok-1", "tok-2"]);
}

#[tokio::test]
async fn failed_proactive_refresh_keeps_the_current_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("auth service down"))
        .mount(&server)
        .await;
    mount_accepts(&server, "tok-1").await;

    let client = ApiClient::new(auth_config(&server).with_token_ttl(Duration::ZERO)).unwrap();
    client.get("/x").send_empty().await.unwrap();
    client.get("/x").send_empty().await.unwrap();
    assert_eq!(count(&server, "/api/x").await, 2);
}

#[tokio::test]
async fn auth_failure_backs_off_then_recovers() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "invalid credentials"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(&server, "tok-1", None, None).await;
    mount_accepts(&server, "tok-1").await;

    let backoff = Duration::from_millis(200);
    let client =
        ApiClient::new(auth_config(&server).with_auth_backoff(backoff, Duration::from_secs(1)))
            .unwrap();
    let failed_at = Instant::now();
    let err = client.get("/x").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Auth(message) if message.contains("invalid credentials")),
        "{err}"
    );
    assert!(!err.is_retryable());

    // Within the backoff window: no new token request, same error.
    let err = client.get("/x").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Auth(message) if message.contains("next token request")),
        "{err}"
    );
    assert_eq!(count(&server, "/api/token").await, 1);
    assert_eq!(count(&server, "/api/x").await, 0);

    // Poll until the client recovers; it must not hammer /token while waiting.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.get("/x").send_empty().await {
            Ok(()) => break,
            Err(err) => {
                assert!(err.is_auth(), "{err}");
                assert!(Instant::now() < deadline, "never recovered");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    assert!(failed_at.elapsed() >= backoff);
    assert_eq!(count(&server, "/api/token").await, 2);
}

#[tokio::test]
async fn malformed_token_response_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"tok", "application/json"))
        .mount(&server)
        .await;
    let err = auth_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Auth(message) if message.contains("not valid JSON")),
        "{err}"
    );

    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"other": 1})))
        .mount(&server)
        .await;
    let err = auth_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Auth(message) if message.contains("no token")),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_token_endpoint_is_a_retryable_transport_error() {
    let config = Configuration::new(format!("http://127.0.0.1:{}", common::closed_port()))
        .with_retry_policy(RetryPolicy::none())
        .with_auth(KEY, SECRET);
    let err = ApiClient::new(config)
        .unwrap()
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, ConductorError::Http(_)), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_output_or_logs() {
    let server = MockServer::start().await;
    let token = "eyJ-secret-token-VALUE";
    mount_token(&server, token, None, Some(1)).await;
    mount_accepts(&server, token).await;

    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = auth_config(&server).with_debug(true);
    let client = ApiClient::new(config.clone()).unwrap();
    client
        .post("/x")
        .json_body(&json!({"hello": "world"}))
        .unwrap()
        .send_empty()
        .await
        .unwrap();

    let debug = format!("{config:?} {client:?}");
    assert!(debug.contains(KEY), "key id should be visible: {debug}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains(token), "{debug}");

    let logged = logs.contents();
    assert!(logged.contains("/x"), "request not logged: {logged}");
    assert!(
        logged.contains("hello"),
        "debug bodies not logged: {logged}"
    );
    assert!(!logged.contains(SECRET), "{logged}");
    assert!(!logged.contains(token), "{logged}");
}

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer lock")).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("log buffer lock")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_401_after_a_no_auth_verdict_brings_the_token_back() {
    // An ingress blip answered 404 on /token; then the real server, which has auth, refuses
    // token-less requests. The client must not stay token-less until a restart.
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(&server, "tok-after-blip", None, Some(1)).await;
    Mock::given(path("/api/x"))
        .and(header("x-authorization", "tok-after-blip"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/x"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"status": 401, "message": "no token"})),
        )
        .mount(&server)
        .await;

    let client = auth_client(&server);
    // First call: /token says 404, so the request goes without a token, is refused with 401,
    // and is replayed once with a freshly fetched token.
    client.get("/x").send_empty().await.unwrap();
    assert!(!client.auth_disabled_by_server());
    // Later calls reuse that token.
    client.get("/x").send_empty().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let tokenless = requests
        .iter()
        .filter(|r| r.url.path() == "/api/x" && r.headers.get("x-authorization").is_none())
        .count();
    assert_eq!(tokenless, 1, "only the first request went without a token");
}

#[tokio::test]
async fn a_401_without_credentials_is_an_error_not_a_replay() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let client = ApiClient::new(config(&server).with_retry_policy(RetryPolicy::none()))
        .expect("valid config");
    let error = client.get("/x").send_empty().await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
}

#[tokio::test]
async fn callers_queued_behind_a_failed_token_request_share_its_failure() {
    // /token hangs past the client's timeout: the first caller's request times out, and the
    // callers that waited behind it fail with it instead of each waiting out a timeout of their own.
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": "late"}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let config = auth_config(&server).with_timeout(Duration::from_millis(300));
    let client = ApiClient::new(config).expect("valid config");
    let mut requests = JoinSet::new();
    for _ in 0..5 {
        let client = client.clone();
        requests.spawn(async move { client.get("/x").send_empty().await });
    }
    while let Some(result) = requests.join_next().await {
        let error = result.unwrap().unwrap_err();
        assert!(error.is_retryable(), "{error}");
    }
    assert_eq!(
        count(&server, "/api/token").await,
        1,
        "one token request, shared"
    );
}

#[tokio::test]
async fn the_token_replay_still_happens_under_retry_policy_none() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", Some(1), Some(1)).await;
    mount_token(&server, "tok-2", None, Some(1)).await;
    mount_rejects(&server, "tok-1").await;
    mount_accepts(&server, "tok-2").await;
    let client = ApiClient::new(auth_config(&server).with_retry_policy(common::fast_retries(3)))
        .expect("valid config");

    let body: serde_json::Value = client
        .get("/x")
        .retry_policy(RetryPolicy::none())
        .send_json()
        .await
        .unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(
        count(&server, "/api/x").await,
        2,
        "rejected once, replayed once"
    );
}

#[tokio::test]
async fn a_failed_token_request_is_not_retried_under_retry_policy_none() {
    // `/token` never answers in time: each token request ends in a timeout, which the client's
    // policy retries for a GET.
    let server = MockServer::start().await;
    Mock::given(path("/api/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = ApiClient::new(
        auth_config(&server)
            .with_retry_policy(common::fast_retries(2))
            .with_timeout(Duration::from_millis(100)),
    )
    .expect("valid config");

    let err = client
        .get("/x")
        .retry_policy(RetryPolicy::none())
        .send_empty()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(count(&server, "/api/token").await, 1, "no retry");

    let err = client.get("/x").send_empty().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        count(&server, "/api/token").await,
        1 + 3,
        "the client's policy retries the token request"
    );
    assert_eq!(count(&server, "/api/x").await, 0);
}
