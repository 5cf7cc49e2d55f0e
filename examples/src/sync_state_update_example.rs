//! sync_state_update_example: complete a waiting task and get the workflow's new state in the
//! same call, instead of completing then polling: `update_task_by_ref_name_sync` answers the
//! workflow after the update, and `signal_sync` can wait until the next blocking task.
//!
//! The signal API is newer than the rest: on conductor-oss before 3.32.0 the example explains that
//! it is missing and exits cleanly.

use std::time::Duration;

use conductor::models::{
    ReturnStrategy, SignalResponse, StartWorkflowRequest, TaskResultStatus, TaskStatus,
    WorkflowDef, WorkflowStatus, WorkflowTask,
};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, register, task_reaches};

/// The workflow: two approvals in a row.
pub const WORKFLOW_NAME: &str = "sync_state_update_example";
/// What the example says on a server without the signal API.
pub const SIGNAL_UNAVAILABLE: &str = "this server has no signal API (POST /api/tasks/{workflowId}/{status}/signal/sync): \
conductor-oss has it since 3.32.0, Orkes Conductor has it";

/// Runs the example; the workflow completes with
/// `{"manager": "approved", "finance": "approved"}`, and each update's answer is checked.
///
/// # Errors
///
/// When the server rejects a call, or an answer does not show the expected state.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(WorkflowTask::wait("manager_ref"))
        .with_task(WorkflowTask::wait("finance_ref"))
        .with_output_param("manager", "${manager_ref.output.decision}")
        .with_output_param("finance", "${finance_ref.output.decision}");
    register(&env.client, &[], &workflow).await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(&StartWorkflowRequest::new(&workflow.name).with_version(1))
        .await?;
    task_reaches(
        &env.client,
        &workflow_id,
        "manager_ref",
        TaskStatus::InProgress,
    )
    .await?;

    // 1. Signal the first blocking task and wait (up to 5 s) until the workflow blocks again:
    //    the answer is the next blocking task, the finance approval.
    let tasks = env.client.task_client();
    let answer = match tasks
        .signal_sync(
            &workflow_id,
            TaskResultStatus::Completed,
            &json!({"decision": "approved"}),
            ReturnStrategy::BlockingTask,
            Duration::from_secs(5),
        )
        .await
    {
        Ok(answer) => answer,
        Err(err) if err.is_missing_endpoint() => {
            // Leave nothing waiting behind.
            env.client
                .workflow_client()
                .terminate_workflow(&workflow_id, Some("the server has no signal API"))
                .await?;
            return Ok(Outcome::Unavailable(format!(
                "{SIGNAL_UNAVAILABLE} ({err})"
            )));
        }
        Err(err) => return Err(err.into()),
    };
    let next = match &answer {
        SignalResponse::Task(task) => task.reference_task_name.clone(),
        SignalResponse::Workflow(run) => {
            return Err(format!(
                "expected the next blocking task, got the workflow ({:?})",
                run.status
            )
            .into());
        }
    };
    if next.as_deref() != Some("finance_ref") {
        return Err(format!("expected to block on finance_ref next, got {next:?}").into());
    }
    tracing::info!(next = ?next, "the workflow now waits for");

    // 2. Complete the finance approval by reference name; the answer is the workflow after it.
    let workflow = tasks
        .update_task_by_ref_name_sync(
            &workflow_id,
            "finance_ref",
            TaskResultStatus::Completed,
            &json!({"decision": "approved"}),
            Some("sync-example"),
        )
        .await?;
    expect_status(workflow, WorkflowStatus::Completed)
}
