//! wait_task_example: WAIT holds the workflow until someone completes the task from outside
//! (an approval, a callback); the output given then is the task's output.

use conductor::models::{
    StartWorkflowRequest, TaskResultStatus, TaskStatus, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register, task_reaches};

/// The workflow.
pub const WORKFLOW_NAME: &str = "wait_task_example";

/// Runs the example: the WAIT task is approved by "manager@example.com"; the output is
/// `{"approved": true, "approver": "manager@example.com"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(WorkflowTask::wait("approval_ref"))
        .with_output_param("approved", "${approval_ref.output.approved}")
        .with_output_param("approver", "${approval_ref.output.approver}");
    register(&env.client, &[], &workflow).await?;

    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(&StartWorkflowRequest::new(&workflow.name).with_version(1))
        .await?;
    // The workflow now waits; nothing polls a WAIT task.
    task_reaches(
        &env.client,
        &workflow_id,
        "approval_ref",
        TaskStatus::InProgress,
    )
    .await?;
    tracing::info!(%workflow_id, "waiting for approval");

    // The approval arrives: complete the task by its reference name.
    env.client
        .task_client()
        .update_task_by_ref_name(
            &workflow_id,
            "approval_ref",
            TaskResultStatus::Completed,
            &json!({"approved": true, "approver": "manager@example.com"}),
            None,
        )
        .await?;
    expect_status(
        finished(&env.client, &workflow_id).await?,
        WorkflowStatus::Completed,
    )
}
