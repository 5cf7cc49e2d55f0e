//! The collector's metric names, labels and values for each event, in both namings, and the HTTP
//! endpoint.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use conductor_events::{
    ActiveWorkersChanged, PANIC_ERROR_TYPE, PollCompleted, PollFailure, PollStarted,
    TaskExecutionCompleted, TaskExecutionFailure, TaskExecutionQueueFull, TaskExecutionStarted,
    TaskPaused, TaskRunnerEventsListener, TaskUpdateCompleted, TaskUpdateFailure,
};
use conductor_metrics::{MetricNaming, MetricsCollector, MetricsServer, MetricsSettings};
use conductor_models::{TaskResult, TaskResultStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Publishes one of each event (two polls) for task type `greet`.
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
            r#"conductor_task_update_error_total{task_type="greet"} 1"#,
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
            r#"task_update_error_total{exception="Server",taskType="greet"} 1"#,
            r#"task_paused_total{taskType="greet"} 1"#,
            r#"task_execution_queue_full_total{taskType="greet"} 1"#,
            r#"thread_uncaught_exceptions_total{exception="Panic"} 1"#,
            r#"task_poll_time_seconds_count{status="SUCCESS",taskType="greet"} 1"#,
            r#"task_execute_time_seconds_count{status="FAILURE",taskType="greet"} 1"#,
            r#"task_update_time_seconds_count{status="SUCCESS",taskType="greet"} 1"#,
            r#"task_result_size_bytes_count{taskType="greet"} 1"#,
            r#"task_result_size_bytes_sum{taskType="greet"} 321"#,
            r#"active_workers{taskType="greet"} 3"#,
            "# TYPE task_result_size_bytes histogram",
        ],
    );
    assert!(!text.contains("ignored_"), "{text}");
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
