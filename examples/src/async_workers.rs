//! async_workers: several workers with their own concurrency in one [`TaskHandler`], serving many
//! workflows at once; the handler's metrics collector counts what they did.

use std::time::Duration;

use conductor::MetricsSettings;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, TaskHandler, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow: `fetch_price` then `apply_discount`.
pub const WORKFLOW_NAME: &str = "async_workers_pricing";
/// How many workflows the example starts at once.
pub const WORKFLOWS: usize = 10;

/// Runs the example: starts [`WORKFLOWS`] workflows, waits for all; returns the last one, whose
/// output is `{"price": 90.0}` (100 with a 10% discount).
///
/// # Errors
///
/// When the server rejects a call, or a workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let (fetch_price, apply_discount) = (env.name("fetch_price"), env.name("apply_discount"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&fetch_price, "fetch_ref")
                .with_input_param("sku", "${workflow.input.sku}"),
        )
        .with_task(
            WorkflowTask::simple(&apply_discount, "discount_ref")
                .with_input_param("price", "${fetch_ref.output.result}")
                .with_input_param("percent", 10),
        )
        .with_output_param("price", "${discount_ref.output.result}");
    register(&env.client, &[&fetch_price, &apply_discount], &workflow).await?;

    // `fetch_price` waits on I/O (simulated): four at a time. `apply_discount` is quick: two.
    let fetch_price = FnWorker::new(fetch_price, |_task: Task| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(WorkerOutput::completed_with_result(100.0))
    })
    .with_thread_count(4);
    let apply_discount = FnWorker::new(apply_discount, |task: Task| async move {
        let price: f64 = task.get_input("price").unwrap_or(0.0);
        let percent: f64 = task.get_input("percent").unwrap_or(0.0);
        Ok(WorkerOutput::completed_with_result(
            price * (100.0 - percent) / 100.0,
        ))
    })
    .with_thread_count(2);

    let mut handler = TaskHandler::builder(env.config.clone())
        .worker(fetch_price)
        .worker(apply_discount)
        .metrics(MetricsSettings::default())
        .build()?;
    handler.start().await?;

    let workflows = env.client.workflow_client();
    let mut ids = Vec::with_capacity(WORKFLOWS);
    for i in 0..WORKFLOWS {
        let request = StartWorkflowRequest::new(&workflow_name)
            .with_version(1)
            .with_input_value("sku", json!(format!("SKU-{i}")));
        ids.push(workflows.start_workflow(&request).await?);
    }
    let mut results = Vec::with_capacity(ids.len());
    for id in &ids {
        results.push(finished(&env.client, id).await);
    }
    if let Some(collector) = handler.metrics_collector() {
        let polls = collector
            .gather()
            .lines()
            .filter(|line| line.starts_with("conductor_task_poll_total"))
            .collect::<Vec<_>>()
            .join("; ");
        tracing::info!(%polls, "poll counters");
    }
    handler.stop().await?;
    let mut last = None;
    for result in results {
        last = Some(expect_status(result?, WorkflowStatus::Completed)?);
    }
    last.ok_or_else(|| "no workflow was started".into())
}
