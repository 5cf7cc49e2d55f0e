//! dynamic_workflow: build a workflow in code with [`ConductorWorkflow`] (typed `${...}`
//! references, validation before anything is sent), register it and execute it synchronously.

use std::time::Duration;

use conductor::ConductorWorkflow;
use conductor::WorkerHost;
use conductor::models::{Task, TaskDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished};

/// The workflow built here.
pub const WORKFLOW_NAME: &str = "dynamic_workflow_order_total";

/// Runs the example; the output is `{"total": 42.5, "currency": "EUR"}` for 3 × 12.5 + 5 shipping.
///
/// # Errors
///
/// When the definition is invalid, the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let compute_subtotal = env.name("compute_subtotal");
    env.client
        .metadata_client()
        .register_task_def(&TaskDef::new(&compute_subtotal))
        .await?;

    let workflow = ConductorWorkflow::new(&env.client, env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_description("Built at run time");
    let subtotal = WorkflowTask::simple(&compute_subtotal, "subtotal_ref")
        .with_input_param("quantity", workflow.input("quantity"))
        .with_input_param("unitPrice", workflow.input("unitPrice"));
    let total = WorkflowTask::inline(
        "total_ref",
        "(function () { return { total: $.subtotal + $.shipping, currency: $.currency }; })();",
    )
    .with_input_param("subtotal", subtotal.output_ref("result"))
    .with_input_param("shipping", 5)
    .with_input_param("currency", workflow.input("currency"));
    let workflow = workflow
        .with_output_param("total", total.output_ref("result.total"))
        .with_output_param("currency", total.output_ref("result.currency"))
        .add(subtotal)
        .add(total);
    tracing::info!(diagram = %workflow.to_mermaid(), "the workflow");
    workflow.register(true).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(compute_subtotal, |task: Task| async move {
            let quantity: f64 = task.get_input("quantity").unwrap_or(0.0);
            let unit_price: f64 = task.get_input("unitPrice").unwrap_or(0.0);
            Ok(WorkerOutput::completed_with_result(quantity * unit_price))
        }))
        .start()
        .await?;
    let input = json!({"quantity": 3, "unitPrice": 12.5, "currency": "EUR"});
    // `execute` starts the workflow and waits (here up to 10 s) for it to finish.
    let run = workflow.execute(&input, Duration::from_secs(10)).await;
    let workflow = match run {
        Ok(run) => match run.workflow_id {
            Some(id) => finished(&env.client, &id).await,
            None => Err("the server's answer has no workflow id".into()),
        },
        Err(err) => Err(err.into()),
    };
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
