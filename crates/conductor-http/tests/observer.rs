//! The client observer: every HTTP exchange reported with its method, route template (never the
//! raw path), status and duration, retries and transport errors included.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use conductor_http::{ApiClient, ClientObserver, Configuration, RetryPolicy, encode_segment};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What the observer heard: (method, route, status) per exchange.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String, Option<u16>)>>);

impl ClientObserver for Recorder {
    fn on_request(&self, method: &str, route: &str, status: Option<u16>, duration: Duration) {
        assert!(duration < Duration::from_secs(30));
        self.0
            .lock()
            .unwrap()
            .push((method.to_owned(), route.to_owned(), status));
    }
}

impl Recorder {
    fn seen(&self) -> Vec<(String, String, Option<u16>)> {
        self.0.lock().unwrap().clone()
    }
}

fn observed_client(config: Configuration) -> (ApiClient, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let client = ApiClient::new(config.with_observer(recorder.clone())).unwrap();
    (client, recorder)
}

fn entry(method: &str, route: &str, status: Option<u16>) -> (String, String, Option<u16>) {
    (method.to_owned(), route.to_owned(), status)
}

#[tokio::test]
async fn each_exchange_is_reported_under_its_route_template() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/tasks/4d7a9b10-task"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/workflow/wf%201/pause"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "status": 404, "message": "no such workflow"
        })))
        .mount(&server)
        .await;
    let (client, recorder) =
        observed_client(common::config(&server).with_retry_policy(RetryPolicy::none()));

    client
        .get("/tasks/4d7a9b10-task")
        .send_json::<serde_json::Value>()
        .await
        .unwrap();
    let err = client
        .put(format!("/workflow/{}/pause", encode_segment("wf 1")))
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));

    assert_eq!(
        recorder.seen(),
        [
            entry("GET", "/tasks/{taskId}", Some(200)),
            entry("PUT", "/workflow/{workflowId}/pause", Some(404)),
        ]
    );
}

#[tokio::test]
async fn retries_count_once_each_and_an_explicit_route_wins() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/limits/billing"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/limits/billing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"max": 3})))
        .mount(&server)
        .await;
    let (client, recorder) = observed_client(common::config(&server));

    let answer: serde_json::Value = client
        .get("/limits/billing")
        .route("/limits/{app}")
        .send_json()
        .await
        .unwrap();
    assert_eq!(answer["max"], 3);
    let route = "/limits/{app}";
    assert_eq!(
        recorder.seen(),
        [
            entry("GET", route, Some(503)),
            entry("GET", route, Some(503)),
            entry("GET", route, Some(200)),
        ]
    );
}

#[tokio::test]
async fn a_request_without_an_answer_is_reported_with_no_status() {
    let config = Configuration::new(format!("http://127.0.0.1:{}", common::closed_port()))
        .with_retry_policy(RetryPolicy::none());
    let (client, recorder) = observed_client(config);
    let err = client
        .get("/tasks/poll/batch/greet")
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.transport_kind().is_some(), "{err}");
    assert_eq!(
        recorder.seen(),
        [entry("GET", "/tasks/poll/batch/{taskType}", None)]
    );
}

#[tokio::test]
async fn token_requests_are_reported_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"token": "t"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/version"))
        .respond_with(ResponseTemplate::new(200).set_body_string("3.22.0"))
        .mount(&server)
        .await;
    let (client, recorder) = observed_client(common::config(&server).with_auth("key", "secret"));
    assert_eq!(client.get("/version").send_text().await.unwrap(), "3.22.0");
    assert_eq!(
        recorder.seen(),
        [
            entry("POST", "/token", Some(200)),
            entry("GET", "/version", Some(200)),
        ]
    );
}
