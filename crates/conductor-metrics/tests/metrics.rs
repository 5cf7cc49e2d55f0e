//! The collector's metric names, labels and values for each event, in both namings, and the HTTP
//! endpoint.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use conductor_events::{
    ActiveWorkersChanged, ConcurrencyLimitChanged, PANIC_ERROR_TYPE, PollCompleted, PollFailure,
    PollStarted, RateLimitWaited, TaskExecutionCompleted, TaskExecutionFailure,
    TaskExecutionQueueFull, TaskExecutionStarted, TaskPaused, TaskRunnerEventsListener,
    TaskUpdateAttemptFailure, TaskUpdateCompleted, TaskUpdateFailure,
};
use conductor_http::{ClientObserver, ConductorError};
use conductor_metrics::{MetricNaming, MetricsCollector, MetricsServer, MetricsSettings};
use conductor_models::{TaskResult, TaskResultStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Publishes one of each event (two polls, two limit changes, two rate-limit waits) for task type
/// `greet`.
fn feed(collector: &MetricsCollector) {
    let t = || "greet".to_owned();
    let w = || "w1".to_owned();
    for _ in 0..2 {
        collector.on_poll_started(&PollStarted {
            task_type: t(),
            worker_id: w(),
            poll_count: 3,
        });
    }
    collector.on_poll_completed(&PollCompleted {
        task_type: t(),
        worker_id: w(),
        duration: Duration::from_millis(20),
        tasks_received: 2,
    });
    collector.on_poll_failure(&PollFailure {
        task_type: t(),
        worker_id: w(),
        duration: Duration::from_millis(3),
        error: "connection refused".into(),
        error_type: "Http".into(),
    });
    collector.on_task_execution_started(&TaskExecutionStarted {
        task_type: t(),
        task_id: "t1".into(),
        workflow_instance_id: "wf".into(),
        worker_id: w(),
    });
    collector.on_task_execution_completed(&TaskExecutionCompleted {
        task_type: t(),
        task_id: "t1".into(),
        workflow_instance_id: "wf".into(),
        worker_id: w(),
        duration: Duration::from_millis(7),
        output_size_bytes: 321,
        status: TaskResultStatus::Completed,
    });
    collector.on_task_execution_failure(&TaskExecutionFailure {
        task_type: t(),
        task_id: "t2".into(),
        workflow_instance_id: "wf".into(),
        worker_id: w(),
        duration: Duration::from_millis(1),
        error: "boom".into(),
        error_type: PANIC_ERROR_TYPE.into(),
        is_retryable: true,
    });
    collector.on_task_update_completed(&TaskUpdateCompleted {
        task_type: t(),
        task_id: "t1".into(),
        workflow_instance_id: "wf".into(),
        worker_id: w(),
        status: TaskResultStatus::Completed,
        duration: Duration::from_millis(2),
        attempts: 1,
    });
    for attempt in 1..=2 {
        collector.on_task_update_attempt_failure(&TaskUpdateAttemptFailure {
            task_type: t(),
            task_id: "t2".into(),
            workflow_instance_id: "wf".into(),
            worker_id: w(),
            attempt,
            error: "503".into(),
            error_type: "Server".into(),
            will_retry: attempt < 2,
        });
    }
    collector.on_task_update_failure(&TaskUpdateFailure {
        task_type: t(),
        task_id: "t2".into(),
        workflow_instance_id: "wf".into(),
        worker_id: w(),
        error: "503".into(),
        error_type: "Server".into(),
        retry_count: 3,
        duration: Duration::from_secs(7),
        task_result: TaskResult::failed("t2", "wf", "boom"),
    });
    collector.on_task_paused(&TaskPaused {
        task_type: t(),
        worker_id: w(),
    });
    collector.on_task_execution_queue_full(&TaskExecutionQueueFull {
        task_type: t(),
        worker_id: w(),
        capacity: 4,
    });
    collector.on_active_workers_changed(&ActiveWorkersChanged {
        task_type: t(),
        worker_id: w(),
        count: 3,
    });
    for limit in [4, 3] {
        collector.on_concurrency_limit_changed(&ConcurrencyLimitChanged {
            task_type: t(),
            worker_id: w(),
            limit,
        });
    }
    for millis in [100, 400] {
        collector.on_rate_limit_waited(&RateLimitWaited {
            task_type: t(),
            worker_id: w(),
            wait: Duration::from_millis(millis),
        });
    }
    observe_client(collector);
}

/// One of each client-side observation: two HTTP exchanges (one without an answer), a workflow
/// start error, a workflow input size, an external payload location.
fn observe_client(collector: &MetricsCollector) {
    collector.on_request(
        "GET",
        "/tasks/{taskId}",
        Some(200),
        Duration::from_millis(12),
    );
    collector.on_request(
        "POST",
        "/tasks/poll/batch/{taskType}",
        None,
        Duration::from_millis(3),
    );
    collector.on_workflow_start_error(
        "order_flow",
        &ConductorError::Server {
            status: 503,
            message: "unavailable".into(),
            retryable: true,
            response: None,
        },
    );
    collector.on_workflow_input_size("order_flow", Some(2), 1_500);
    collector.on_external_payload_used("workflow", "WRITE", "WORKFLOW_INPUT");
}

fn assert_lines(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            text.lines().any(|l| l == *line),
            "missing line {line:?} in:\n{text}"
        );
    }
}

#[test]
fn standard_naming_exposes_the_seed_table() {
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    feed(&collector);
    let text = collector.gather();
    assert_lines(
        &text,
        &[
            r#"conductor_task_poll_total{task_type="greet"} 2"#,
            r#"conductor_task_poll_error_total{error_type="Http",task_type="greet"} 1"#,
            r#"conductor_task_execution_started_total{task_type="greet"} 1"#,
            r#"conductor_task_execute_error_total{error_type="Panic",task_type="greet"} 1"#,
            r#"conductor_task_update_error_total{task_type="greet"} 2"#,
            r#"conductor_task_result_lost_total{task_type="greet"} 1"#,
            r#"conductor_task_paused_total{task_type="greet"} 1"#,
            r#"conductor_task_execution_queue_full_total{task_type="greet"} 1"#,
            r#"conductor_task_panic_total{task_type="greet"} 1"#,
            r#"conductor_task_poll_time_seconds_count{status="SUCCESS",task_type="greet"} 1"#,
            r#"conductor_task_poll_time_seconds_count{status="FAILURE",task_type="greet"} 1"#,
            r#"conductor_task_execute_time_seconds_count{status="SUCCESS",task_type="greet"} 1"#,
            r#"conductor_task_execute_time_seconds_count{status="FAILURE",task_type="greet"} 1"#,
            r#"conductor_task_update_time_seconds_count{status="SUCCESS",task_type="greet"} 1"#,
            r#"conductor_task_update_time_seconds_sum{status="FAILURE",task_type="greet"} 7"#,
            r#"conductor_task_result_size_bytes{task_type="greet"} 321"#,
            r#"conductor_active_workers{task_type="greet"} 3"#,
            r#"conductor_task_concurrency_limit{task_type="greet"} 3"#,
            r#"conductor_task_rate_limit_wait_total{task_type="greet"} 2"#,
            r#"conductor_task_rate_limit_wait_seconds_total{task_type="greet"} 0.5"#,
            r#"conductor_http_api_client_request_seconds_count{method="GET",status="200",uri="/tasks/{taskId}"} 1"#,
            r#"conductor_http_api_client_request_seconds_count{method="POST",status="0",uri="/tasks/poll/batch/{taskType}"} 1"#,
            r#"conductor_workflow_start_error_total{error_type="Server",workflow_type="order_flow"} 1"#,
            r#"conductor_workflow_input_size_bytes_sum{version="2",workflow_type="order_flow"} 1500"#,
            r#"conductor_workflow_input_size_bytes_bucket{version="2",workflow_type="order_flow",le="1000"} 0"#,
            r#"conductor_workflow_input_size_bytes_bucket{version="2",workflow_type="order_flow",le="10000"} 1"#,
            r#"conductor_external_payload_used_total{entity_name="workflow",operation="WRITE",payload_type="WORKFLOW_INPUT"} 1"#,
            "# TYPE conductor_http_api_client_request_seconds histogram",
            "# TYPE conductor_workflow_input_size_bytes histogram",
            "# TYPE conductor_task_result_size_bytes gauge",
            "# TYPE conductor_task_poll_time_seconds histogram",
            "# TYPE conductor_task_poll_total counter",
        ],
    );
}

#[test]
fn namespace_prefixes_every_standard_name() {
    let collector =
        MetricsCollector::new(&MetricsSettings::default().with_namespace("billing")).unwrap();
    feed(&collector);
    let text = collector.gather();
    let names: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|line| line.starts_with("billing_")),
        "{text}"
    );

    let bare = MetricsCollector::new(&MetricsSettings::default().with_namespace("")).unwrap();
    feed(&bare);
    assert_lines(&bare.gather(), &[r#"task_poll_total{task_type="greet"} 2"#]);
}

#[test]
fn canonical_naming_matches_the_other_sdks() {
    let settings = MetricsSettings::default()
        .with_namespace("ignored")
        .with_naming(MetricNaming::Canonical);
    let collector = MetricsCollector::new(&settings).unwrap();
    assert_eq!(collector.naming(), MetricNaming::Canonical);
    feed(&collector);
    let text = collector.gather();
    assert_lines(
        &text,
        &[
            r#"task_poll_total{taskType="greet"} 2"#,
            r#"task_poll_error_total{exception="Http",taskType="greet"} 1"#,
            r#"task_execution_started_total{taskType="greet"} 1"#,
            r#"task_execute_error_total{exception="Panic",taskType="greet"} 1"#,
            r#"task_update_error_total{exception="Server",taskType="greet"} 2"#,
            r#"task_result_lost_total{taskType="greet"} 1"#,
            r#"task_paused_total{taskType="greet"} 1"#,
            r#"task_execution_queue_full_total{taskType="greet"} 1"#,
            r#"thread_uncaught_exceptions_total{exception="Panic"} 1"#,
            r#"task_poll_time_seconds_count{status="SUCCESS",taskType="greet"} 1"#,
            r#"task_execute_time_seconds_count{status="FAILURE",taskType="greet"} 1"#,
            r#"task_update_time_seconds_count{status="SUCCESS",taskType="greet"} 1"#,
            r#"task_result_size_bytes_count{taskType="greet"} 1"#,
            r#"task_result_size_bytes_sum{taskType="greet"} 321"#,
            r#"active_workers{taskType="greet"} 3"#,
            r#"task_concurrency_limit{taskType="greet"} 3"#,
            r#"task_rate_limit_wait_total{taskType="greet"} 2"#,
            r#"task_rate_limit_wait_seconds_total{taskType="greet"} 0.5"#,
            r#"http_api_client_request_seconds_count{method="GET",status="200",uri="/tasks/{taskId}"} 1"#,
            r#"workflow_start_error_total{exception="Server",workflowType="order_flow"} 1"#,
            r#"workflow_input_size_bytes_count{version="2",workflowType="order_flow"} 1"#,
            r#"external_payload_used_total{entityName="workflow",operation="WRITE",payloadType="WORKFLOW_INPUT"} 1"#,
            "# TYPE task_result_size_bytes histogram",
        ],
    );
    assert!(!text.contains("ignored_"), "{text}");
}

#[test]
fn failed_update_attempts_and_lost_results_are_counted_apart() {
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    let attempt = |n: u32, will_retry: bool| TaskUpdateAttemptFailure {
        task_type: "greet".into(),
        task_id: "t1".into(),
        workflow_instance_id: "wf".into(),
        worker_id: "w1".into(),
        attempt: n,
        error: "connection refused".into(),
        error_type: "Http".into(),
        will_retry,
    };
    // Two failed attempts, then the result was delivered: errors, nothing lost.
    collector.on_task_update_attempt_failure(&attempt(1, true));
    collector.on_task_update_attempt_failure(&attempt(2, true));
    let text = collector.gather();
    assert_lines(
        &text,
        &[r#"conductor_task_update_error_total{task_type="greet"} 2"#],
    );
    assert!(
        !text.contains("conductor_task_result_lost_total{"),
        "{text}"
    );

    // A third attempt fails and the result is given up: one more error, one lost result.
    collector.on_task_update_attempt_failure(&attempt(3, false));
    collector.on_task_update_failure(&TaskUpdateFailure {
        task_type: "greet".into(),
        task_id: "t1".into(),
        workflow_instance_id: "wf".into(),
        worker_id: "w1".into(),
        error: "connection refused".into(),
        error_type: "Http".into(),
        retry_count: 2,
        duration: Duration::from_secs(3),
        task_result: TaskResult::completed("t1", "wf"),
    });
    assert_lines(
        &collector.gather(),
        &[
            r#"conductor_task_update_error_total{task_type="greet"} 3"#,
            r#"conductor_task_result_lost_total{task_type="greet"} 1"#,
            r#"conductor_task_update_time_seconds_count{status="FAILURE",task_type="greet"} 1"#,
        ],
    );
}

#[test]
fn http_latency_is_labelled_by_route_template_and_status() {
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    for millis in [4, 40, 400] {
        collector.on_request(
            "GET",
            "/workflow/{workflowId}",
            Some(200),
            Duration::from_millis(millis),
        );
    }
    collector.on_request(
        "GET",
        "/workflow/{workflowId}",
        Some(404),
        Duration::from_millis(2),
    );
    collector.on_workflow_input_size("order_flow", None, 50);
    assert_lines(
        &collector.gather(),
        &[
            r#"conductor_http_api_client_request_seconds_count{method="GET",status="200",uri="/workflow/{workflowId}"} 3"#,
            r#"conductor_http_api_client_request_seconds_bucket{method="GET",status="200",uri="/workflow/{workflowId}",le="0.05"} 2"#,
            r#"conductor_http_api_client_request_seconds_count{method="GET",status="404",uri="/workflow/{workflowId}"} 1"#,
            r#"conductor_workflow_input_size_bytes_bucket{version="latest",workflow_type="order_flow",le="100"} 1"#,
        ],
    );
}

/// The metric names a PromQL expression reads: every identifier that starts with `prefix`, with
/// the histogram series suffixes taken off.
fn metric_names(expr: &str, prefix: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| word.starts_with(prefix))
        .map(|word| {
            ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|suffix| word.strip_suffix(suffix))
                .unwrap_or(word)
                .to_owned()
        })
        .collect()
}

/// Every `expr` in a Grafana dashboard, in its panels and in the panels of its rows.
fn dashboard_exprs(dashboard: &serde_json::Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut panels: Vec<&serde_json::Value> =
        dashboard["panels"].as_array().unwrap().iter().collect();
    while let Some(panel) = panels.pop() {
        if let Some(nested) = panel["panels"].as_array() {
            panels.extend(nested);
        }
        let title = panel["title"].as_str().unwrap_or_default().to_owned();
        for target in panel["targets"].as_array().into_iter().flatten() {
            found.push((title.clone(), target["expr"].as_str().unwrap().to_owned()));
        }
    }
    found
}

#[test]
fn the_grafana_dashboard_queries_only_metrics_the_collector_exposes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/grafana-dashboard.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(dashboard["title"].as_str().unwrap().contains("Conductor"));

    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    feed(&collector);
    let exposed = collector.gather();
    let exprs = dashboard_exprs(&dashboard);
    assert!(exprs.len() >= 10, "{exprs:?}");
    let mut queried = std::collections::BTreeSet::new();
    for (title, expr) in &exprs {
        let names = metric_names(expr, "conductor_");
        assert!(
            !names.is_empty(),
            "panel {title:?} queries no metric: {expr}"
        );
        for name in names {
            assert!(
                exposed.contains(&format!("# TYPE {name} ")),
                "panel {title:?} queries {name}, which the collector does not expose"
            );
            queried.insert(name);
        }
    }
    // The panels the documentation promises.
    for name in [
        "conductor_task_poll_total",
        "conductor_task_poll_error_total",
        "conductor_task_execute_time_seconds",
        "conductor_task_update_error_total",
        "conductor_task_result_lost_total",
        "conductor_active_workers",
        "conductor_task_paused_total",
        "conductor_task_execution_queue_full_total",
        "conductor_task_concurrency_limit",
        "conductor_task_rate_limit_wait_seconds_total",
        "conductor_http_api_client_request_seconds",
        "conductor_workflow_start_error_total",
    ] {
        assert!(queried.contains(name), "no panel queries {name}");
    }
}

#[test]
fn invalid_settings_fail_construction() {
    let err =
        MetricsCollector::new(&MetricsSettings::default().with_metrics_path("x")).unwrap_err();
    assert!(err.to_string().contains("must start with '/'"), "{err}");
}

/// A minimal HTTP/1.1 GET (the crate has no HTTP client), returning the status line and body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_owned();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

#[tokio::test]
async fn the_endpoint_serves_metrics_and_health() {
    let settings = MetricsSettings::default()
        .with_http_port(0)
        .with_bind_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .with_metrics_path("/prom");
    let collector = MetricsCollector::new(&settings).unwrap();
    feed(&collector);
    let server = MetricsServer::start(collector, &settings).await.unwrap();
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);

    let (status, content_type, body) = http_get(addr, "/prom").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(
        body.contains(r#"conductor_task_poll_total{task_type="greet"} 2"#),
        "{body}"
    );

    let (status, _, body) = http_get(addr, "/health").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, r#"{"status":"UP"}"#);

    let (status, _, _) = http_get(addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");

    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn start_reports_missing_port_and_bind_failures() {
    let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
    let err = MetricsServer::start(collector.clone(), &MetricsSettings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, conductor_metrics::MetricsError::NoHttpPort),
        "{err}"
    );

    let settings = MetricsSettings::default()
        .with_http_port(0)
        .with_bind_address(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let first = MetricsServer::start(collector.clone(), &settings)
        .await
        .unwrap();
    let taken = settings.clone().with_http_port(first.local_addr().port());
    let err = MetricsServer::start(collector, &taken).await.unwrap_err();
    assert!(
        matches!(err, conductor_metrics::MetricsError::Bind { .. }),
        "{err}"
    );
    first.shutdown().await;
}
