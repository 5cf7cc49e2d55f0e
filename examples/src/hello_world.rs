//! hello_world: register a task and a workflow, serve the task with an [`FnWorker`] in a
//! [`WorkerHost`], run the workflow to COMPLETED and read its output.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The task type the worker serves.
pub const TASK_NAME: &str = "greet";
/// The workflow this example registers and runs.
pub const WORKFLOW_NAME: &str = "greeting_workflow";

/// Runs the example; the workflow's output is `{"greeting": "Hello, World!"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (task_name, workflow_name) = (env.name(TASK_NAME), env.name(WORKFLOW_NAME));
    // 1. Definitions: a task, and a one-task workflow that passes its input through.
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_description("Says hello")
        .with_task(
            WorkflowTask::simple(&task_name, "greet_ref")
                .with_input_param("name", "${workflow.input.name}"),
        )
        .with_output_param("greeting", "${greet_ref.output.result}");
    register(&env.client, &[&task_name], &workflow).await?;

    // 2. The worker: a closure that receives the task and returns its output.
    let worker = FnWorker::new(task_name, |task: Task| async move {
        let name = task
            .get_input_string("name")
            .unwrap_or_else(|| "stranger".to_owned());
        Ok(WorkerOutput::completed_with_result(format!(
            "Hello, {name}!"
        )))
    });

    // 3. Host it: the host polls, executes and reports until it is shut down.
    let host = WorkerHost::builder(env.config.clone())
        .worker(worker)
        .start()
        .await?;

    // 4. Start the workflow and wait for it.
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("name", "World"),
        )
        .await?;
    tracing::info!(%workflow_id, "started");
    let workflow = finished(&env.client, &workflow_id).await;

    // 5. Shut down: stop polling, let running tasks finish.
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
