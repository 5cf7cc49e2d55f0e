//! fork_join_example: FORK_JOIN runs branches in parallel; JOIN waits for all of them and
//! gathers their outputs.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "fork_join_example";

/// Runs the example; the output is
/// `{"email": "email sent to ada", "sms": "sms sent to ada", "push": "push sent to ada"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let channels = ["email", "sms", "push"];
    let task_name = |channel: &str| env.name(&format!("notify_{channel}"));
    let branches: Vec<Vec<WorkflowTask>> = channels
        .iter()
        .map(|channel| {
            vec![
                WorkflowTask::simple(task_name(channel), format!("{channel}_ref"))
                    .with_input_param("user", "${workflow.input.user}"),
            ]
        })
        .collect();
    let mut workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(WorkflowTask::fork_join(
            "notify_fork",
            branches,
            "notify_join",
        ))
        .with_task(WorkflowTask::join(
            "notify_join",
            channels.iter().map(|c| format!("{c}_ref")),
        ));
    for channel in channels {
        workflow = workflow.with_output_param(channel, format!("${{{channel}_ref.output.result}}"));
    }
    let task_names: Vec<String> = channels.iter().map(|c| task_name(c)).collect();
    let task_names: Vec<&str> = task_names.iter().map(String::as_str).collect();
    register(&env.client, &task_names, &workflow).await?;

    let mut host = WorkerHost::builder(env.config.clone());
    for channel in channels {
        host = host.worker(FnWorker::new(
            task_name(channel),
            move |task: Task| async move {
                let user = task.get_input_string("user").unwrap_or_default();
                Ok(WorkerOutput::completed_with_result(format!(
                    "{channel} sent to {user}"
                )))
            },
        ));
    }
    let host = host.start().await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("user", "ada"),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
