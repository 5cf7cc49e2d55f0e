//! do_while_example: DO_WHILE runs its tasks again while a condition holds; each iteration's
//! outputs are kept under the iteration number, and the loop's `iteration` counts them.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "do_while_example";

/// Runs the example with `{"batches": 3}`; the output is `{"iterations": 3, "lastBatch": "batch 3 done"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (workflow_name, process_batch) = (env.name(WORKFLOW_NAME), env.name("process_batch"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::do_while(
                "batch_loop",
                // The condition sees the loop task's output (`iteration`) and its input.
                "if ($.batch_loop['iteration'] < $.batches) { true; } else { false; }",
                vec![
                    WorkflowTask::simple(&process_batch, "process_batch_ref")
                        .with_input_param("batch", "${batch_loop.output.iteration}"),
                ],
            )
            .with_input_param("batches", "${workflow.input.batches}"),
        )
        .with_output_param("iterations", "${batch_loop.output.iteration}")
        .with_output_param("lastBatch", "${process_batch_ref.output.result}");
    register(&env.client, &[&process_batch], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(process_batch, |task: Task| async move {
            let batch: u64 = task.get_input("batch").unwrap_or(0);
            Ok(WorkerOutput::completed_with_result(format!(
                "batch {batch} done"
            )))
        }))
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("batches", 3),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
