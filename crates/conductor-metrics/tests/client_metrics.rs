//! The collector as the client's observer, end to end: requests through `ApiClient` and the
//! resource clients against a mock server become `http_api_client_request_seconds` (under the
//! route template), `workflow_start_error_total`, `workflow_input_size_bytes` and
//! `external_payload_used_total`.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use conductor_client::models::{PayloadOperation, PayloadType, StartWorkflowRequest};
use conductor_client::{ConductorClient, Configuration, RetryPolicy};
use conductor_metrics::{MetricNaming, MetricsCollector, MetricsSettings};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_with(server: &MockServer, collector: &MetricsCollector) -> ConductorClient {
    let config = Configuration::new(server.uri())
        .with_retry_policy(RetryPolicy::none())
        .with_observer(Arc::new(collector.clone()));
    ConductorClient::new(config).unwrap()
}

fn assert_lines(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            text.lines().any(|l| l == *line),
            "missing line {line:?} in:\n{text}"
        );
    }
}

#[tokio::test]
async fn requests_through_the_client_are_timed_under_their_route_template() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/tasks/4d7a9b10-0001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "taskId": "4d7a9b10-0001", "taskType": "greet", "status": "IN_PROGRESS"
        })))
        .mount(&server)
        .await;
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    let client = client_with(&server, &collector);

    for _ in 0..2 {
        client
            .api_client()
            .get("/tasks/4d7a9b10-0001")
            .send_json::<serde_json::Value>()
            .await
            .unwrap();
    }
    let text = collector.gather();
    assert_lines(
        &text,
        &[
            r#"conductor_http_api_client_request_seconds_count{method="GET",status="200",uri="/tasks/{taskId}"} 2"#,
        ],
    );
    assert!(
        !text.contains("4d7a9b10"),
        "a raw id became a label:\n{text}"
    );
}

#[tokio::test]
async fn workflow_starts_report_input_sizes_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/workflow"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": 500, "message": "store down"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/workflow/order_flow"))
        .respond_with(ResponseTemplate::new(200).set_body_string("wf-1"))
        .mount(&server)
        .await;
    let settings = MetricsSettings::default().with_naming(MetricNaming::Canonical);
    let collector = MetricsCollector::new(&settings).unwrap();
    let workflows = client_with(&server, &collector).workflow_client();

    let request = StartWorkflowRequest::new("order_flow")
        .with_version(2)
        .with_input_value("orderId", "order-42");
    let err = workflows.start_workflow(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    let id = workflows
        .start_workflow_by_name(
            "order_flow",
            &json!({"orderId": "order-43"}),
            &conductor_client::StartWorkflowOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(id, "wf-1");

    let size = json!({"orderId": "order-42"}).to_string().len();
    assert_lines(
        &collector.gather(),
        &[
            r#"workflow_start_error_total{exception="Server",workflowType="order_flow"} 1"#,
            r#"workflow_input_size_bytes_count{version="2",workflowType="order_flow"} 1"#,
            &format!(
                r#"workflow_input_size_bytes_sum{{version="2",workflowType="order_flow"}} {size}"#
            ),
            r#"workflow_input_size_bytes_count{version="latest",workflowType="order_flow"} 1"#,
            r#"http_api_client_request_seconds_count{method="POST",status="500",uri="/workflow"} 1"#,
            r#"http_api_client_request_seconds_count{method="POST",status="200",uri="/workflow/{name}"} 1"#,
        ],
    );
}

#[tokio::test]
async fn external_storage_locations_count_as_external_payload_use() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/tasks/externalstoragelocation"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uri": "s3://payloads/abc.json", "path": "abc.json"
        })))
        .mount(&server)
        .await;
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    let tasks = client_with(&server, &collector).task_client();

    tasks
        .get_external_storage_location("abc.json", "write", "task_output")
        .await
        .unwrap();
    tasks
        .get_external_storage_location_for(
            "abc.json",
            PayloadOperation::Write,
            PayloadType::TaskOutput,
        )
        .await
        .unwrap();
    assert_lines(
        &collector.gather(),
        &[
            r#"conductor_external_payload_used_total{entity_name="task",operation="WRITE",payload_type="TASK_OUTPUT"} 2"#,
        ],
    );
}
