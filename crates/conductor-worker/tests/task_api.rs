//! `TaskApi for ConductorClient`: the runtime owns the retries of polls and updates, so each of
//! them is one HTTP request, whatever the configuration's retry policy.

use std::time::Duration;

use conductor_client::ConductorClient;
use conductor_http::{Configuration, RetryPolicy};
use conductor_models::TaskResult;
use conductor_test_support::{Fault, FaultProxy, FaultRule};
use conductor_worker::TaskApi;

/// A proxy that answers 503 to every request (nothing behind it is ever reached), and a client
/// whose configuration retries 503s three times.
async fn unavailable_server() -> (FaultProxy, ConductorClient) {
    let unreachable = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let upstream = format!(
        "http://{}/api",
        unreachable.local_addr().expect("bound address")
    );
    let proxy = FaultProxy::start(&upstream, 7).await.expect("proxy starts");
    proxy.set_rules(vec![FaultRule::new(Fault::Status {
        status: 503,
        retry_after: None,
    })]);
    let config = Configuration::new(proxy.url()).with_retry_policy(
        RetryPolicy::default()
            .with_max_retries(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let client = ConductorClient::new(config).expect("valid config");
    (proxy, client)
}

#[tokio::test]
async fn polls_and_updates_are_sent_once_under_a_retrying_configuration() {
    let (proxy, client) = unavailable_server().await;
    let api: &dyn TaskApi = &client;
    let result = TaskResult::completed("task-1", "wf-1").with_worker_id("worker-1");

    let polled = api
        .batch_poll(
            "encode",
            Some("worker-1"),
            None,
            4,
            Duration::from_millis(10),
        )
        .await;
    assert_eq!(polled.unwrap_err().status(), Some(503));
    assert_eq!(proxy.stats().requests, 1, "batch_poll");

    assert_eq!(api.update(&result).await.unwrap_err().status(), Some(503));
    assert_eq!(proxy.stats().requests, 2, "update");

    assert_eq!(
        api.update_v2(&result).await.unwrap_err().status(),
        Some(503)
    );
    assert_eq!(proxy.stats().requests, 3, "update_v2");

    // The task client itself keeps the configuration's policy: 1 + 3 requests.
    assert!(client.task_client().update_task(&result).await.is_err());
    assert_eq!(proxy.stats().requests, 3 + 4);
}
