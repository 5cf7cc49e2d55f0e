//! metrics_example: Prometheus metrics for workers. The host serves them over HTTP
//! (`/metrics`, here on a free port) and the collector can be read in code.

use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};
use conductor::{MetricsSettings, WorkerHost};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "metrics_example";

/// Runs the example; the workflow's output is `{"result": "resized photo.png"}` and the scrape
/// of `/metrics` is logged.
///
/// # Errors
///
/// When the server rejects a call, the metrics cannot be scraped, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (workflow_name, resize_image) = (env.name(WORKFLOW_NAME), env.name("resize_image"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&resize_image, "resize_ref")
                .with_input_param("file", "${workflow.input.file}"),
        )
        .with_output_param("result", "${resize_ref.output.result}");
    register(&env.client, &[&resize_image], &workflow).await?;

    // Port 0: the OS picks a free port; `metrics_address()` tells which.
    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(resize_image, |task: Task| async move {
            let file = task.get_input_string("file").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!(
                "resized {file}"
            )))
        }))
        .with_metrics(MetricsSettings::default().with_http_port(0))
        .start()
        .await?;
    let result = async {
        let workflow_id = env
            .client
            .workflow_client()
            .start_workflow(
                &StartWorkflowRequest::new(&workflow_name)
                    .with_version(1)
                    .with_input_value("file", "photo.png"),
            )
            .await?;
        let workflow = finished(&env.client, &workflow_id).await?;
        let address = host
            .handler()
            .metrics_address()
            .ok_or("the metrics endpoint is not serving")?;
        let scrape = scrape(address).await?;
        let execute_lines: Vec<&str> = scrape
            .lines()
            .filter(|line| line.contains("task_execute_time_seconds_count"))
            .collect();
        tracing::info!(%address, lines = ?execute_lines, "scraped /metrics");
        if execute_lines.is_empty() {
            return Err("the scrape has no task_execute_time_seconds series".into());
        }
        Ok::<_, BoxError>(workflow)
    }
    .await;
    host.shutdown().await?;
    expect_status(result?, WorkflowStatus::Completed)
}

/// `GET /metrics` over a plain TCP connection (HTTP/1.0: the server closes after answering).
async fn scrape(address: std::net::SocketAddr) -> Result<String, BoxError> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.") && head.contains(" 200 ") => {
            Ok(body.to_owned())
        }
        _ => Err(format!(
            "unexpected /metrics answer: {}",
            response.lines().next().unwrap_or("")
        )
        .into()),
    }
}
