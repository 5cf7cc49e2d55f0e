//! Tests of the fault proxy against a counting upstream, over real TCP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::*;

/// An upstream that counts the requests it gets and echoes `METHOD PATH BODY` with a 200.
async fn upstream() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let seen = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let Ok(Some(request)) = read_request(&mut stream).await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let body = format!(
                    "{} {} {}",
                    request.method,
                    request.path,
                    String::from_utf8_lossy(&request.body)
                );
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("http://{address}/api"), seen)
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn post(proxy: &FaultProxy, path: &str, body: &str) -> reqwest::Result<reqwest::Response> {
    client()
        .post(format!("{}{path}", proxy.url()))
        .body(body.to_owned())
        .send()
        .await
}

#[test]
fn urls_are_split_into_address_and_path() {
    let (address, path) = parse_http_url("http://localhost:8080/api/").expect("valid");
    assert_eq!(address, "127.0.0.1:8080".parse().expect("address"));
    assert_eq!(path, "/api");
    assert!(parse_http_url("https://127.0.0.1:1/api").is_err());
    assert!(parse_http_url("http://example.com/api").is_err());
}

#[test]
fn rules_filter_by_method_and_path() {
    let rule = FaultRule::new(Fault::ResetAfterForward)
        .method("post")
        .path_ends_with("/api/tasks");
    assert!(rule.matches("POST", "/api/tasks?x=1"));
    assert!(!rule.matches("GET", "/api/tasks"));
    assert!(!rule.matches("POST", "/api/tasks/poll/batch/t"));
    let poll = FaultRule::new(Fault::Delay(Duration::from_millis(1))).path_contains("/poll/");
    assert!(poll.matches("GET", "/api/tasks/poll/batch/t"));
}

#[tokio::test]
async fn without_rules_requests_pass_untouched() {
    let (url, seen) = upstream().await;
    let proxy = FaultProxy::start(&url, 1).await.expect("proxy");
    assert!(proxy.url().ends_with("/api"));
    let answer = post(&proxy, "/tasks", "{\"a\":1}").await.expect("answer");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.text().await.expect("body"),
        "POST /api/tasks {\"a\":1}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    let stats = proxy.stats();
    assert_eq!((stats.requests, stats.forwarded), (1, 1));
}

#[tokio::test]
async fn an_injected_status_never_reaches_the_server() {
    let (url, seen) = upstream().await;
    let proxy = FaultProxy::start(&url, 1).await.expect("proxy");
    proxy.set_rules(vec![FaultRule::new(Fault::Status {
        status: 429,
        retry_after: Some(3),
    })]);
    let answer = post(&proxy, "/tasks", "{}").await.expect("answer");
    assert_eq!(answer.status(), 429);
    assert_eq!(
        answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_eq!(proxy.stats().statuses, 1);
}

#[tokio::test]
async fn a_reset_after_forwarding_hides_an_applied_request() {
    let (url, seen) = upstream().await;
    let proxy = FaultProxy::start(&url, 1).await.expect("proxy");
    proxy.set_rules(vec![FaultRule::new(Fault::ResetAfterForward)]);
    let error = post(&proxy, "/tasks", "{}").await.expect_err("reset");
    assert!(!error.is_status(), "{error:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the server got it");
    assert_eq!(proxy.stats().reset_after, 1);
}

#[tokio::test]
async fn a_reset_before_forwarding_and_a_refusal_reach_nothing() {
    let (url, seen) = upstream().await;
    let proxy = FaultProxy::start(&url, 1).await.expect("proxy");
    proxy.set_rules(vec![FaultRule::new(Fault::ResetBeforeForward)]);
    post(&proxy, "/tasks", "{}").await.expect_err("reset");
    proxy.set_rules(vec![FaultRule::new(Fault::Refuse)]);
    post(&proxy, "/tasks", "{}").await.expect_err("refused");
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    let stats = proxy.stats();
    assert_eq!((stats.reset_before, stats.refused), (1, 1));
    proxy.heal();
    assert_eq!(
        post(&proxy, "/tasks", "{}").await.expect("healed").status(),
        200
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_delayed_request_still_arrives() {
    let (url, seen) = upstream().await;
    let proxy = FaultProxy::start(&url, 1).await.expect("proxy");
    proxy.set_rules(vec![FaultRule::new(Fault::Delay(Duration::from_millis(
        20,
    )))]);
    assert_eq!(post(&proxy, "/x", "").await.expect("answer").status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(proxy.stats().delayed, 1);
}

#[tokio::test]
async fn a_probability_faults_a_share_and_the_seed_repeats_it() {
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let (url, seen) = upstream().await;
        let proxy = FaultProxy::start(&url, 42).await.expect("proxy");
        proxy.set_rules(vec![
            FaultRule::new(Fault::Status {
                status: 503,
                retry_after: None,
            })
            .probability(0.5),
        ]);
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(
                post(&proxy, "/x", "")
                    .await
                    .expect("answer")
                    .status()
                    .as_u16(),
            );
        }
        let faulted = statuses.iter().filter(|s| **s == 503).count() as u64;
        assert!(faulted > 5 && faulted < 35, "{statuses:?}");
        assert_eq!(seen.load(Ordering::SeqCst), 40 - faulted);
        outcomes.push(statuses);
    }
    assert_eq!(
        outcomes[0], outcomes[1],
        "the same seed faults the same requests"
    );
}
