//! What the LLM examples share: run a workflow of AI tasks, and tell "no AI integration here"
//! apart from a real failure.

use std::time::Duration;

use conductor::models::{
    StartWorkflowRequest, Task, TaskStatus, Workflow, WorkflowDef, WorkflowStatus,
};

use crate::{
    BoxError, Environment, Outcome, WAIT_EVERY, WAIT_LIMIT, expect_status, register, wait_until,
};

/// How to give a server an OpenAI-compatible endpoint.
pub const SETUP: &str = "to run it on the embedded server, set CONDUCTOR_SERVER_OPENAI_BASE_URL \
(e.g. https://api.openai.com or a local Ollama at http://localhost:11434), \
CONDUCTOR_SERVER_OPENAI_API_KEY and optionally CONDUCTOR_SERVER_OPENAI_MODEL; on conductor-oss \
3.32 or newer, start the server with conductor.integrations.ai.enabled=true and a provider \
(conductor.ai.openai.api-key); on Orkes, configure an AI integration named as the example's provider";

/// How long an AI task may stay SCHEDULED without being picked up before the example concludes
/// that nothing on the server runs it (conductor-oss 3.32 without its AI integrations enabled
/// schedules AI tasks that no one ever executes).
pub const PICKUP_LIMIT: Duration = Duration::from_secs(10);

/// Registers `workflow`, runs it with `input` and waits for it. A workflow that fails because
/// the server has no AI integration (or not this task type) becomes [`Outcome::Unavailable`]
/// with the server's reason and [`SETUP`]; any other end but COMPLETED is an error.
///
/// # Errors
///
/// When the server rejects a call, or the workflow fails for another reason.
pub async fn run_ai_workflow(
    env: &Environment,
    workflow: &WorkflowDef,
    input: serde_json::Map<String, serde_json::Value>,
) -> Result<Outcome, BoxError> {
    register(&env.client, &[], workflow).await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow.name.clone())
                .with_version(workflow.version)
                .with_input(input),
        )
        .await?;
    let started = tokio::time::Instant::now();
    let finished = wait_until(
        &env.client,
        &workflow_id,
        "reach a terminal status",
        WAIT_EVERY,
        WAIT_LIMIT,
        |wf| {
            wf.status.is_terminal()
                || (started.elapsed() >= PICKUP_LIMIT && unserved_task(wf).is_some())
        },
    )
    .await?;
    if let Some(task) = unserved_task(&finished).filter(|_| !finished.status.is_terminal()) {
        let why = format!(
            "nothing on the server runs {} tasks: {} waited {PICKUP_LIMIT:?} without being \
             picked up",
            task.task_type, task.reference_task_name
        );
        // Leave nothing waiting behind.
        env.client
            .workflow_client()
            .terminate_workflow(&workflow_id, Some(&why))
            .await?;
        return Ok(Outcome::Unavailable(format!("{why}; {SETUP}")));
    }
    if finished.status == WorkflowStatus::Completed {
        return expect_status(finished, WorkflowStatus::Completed);
    }
    let reason = finished
        .tasks
        .iter()
        .find_map(|task| task.reason_for_incompletion.clone())
        .or_else(|| finished.reason_for_incompletion.clone())
        .unwrap_or_default();
    if is_missing_integration(&reason) {
        return Ok(Outcome::Unavailable(format!(
            "the server cannot run this AI task: {reason}; {SETUP}"
        )));
    }
    expect_status(finished, WorkflowStatus::Completed)
}

/// A task still SCHEDULED that no one has polled: on a server that runs AI tasks, they are
/// picked up at once.
fn unserved_task(workflow: &Workflow) -> Option<&Task> {
    workflow
        .tasks
        .iter()
        .find(|task| task.status == TaskStatus::Scheduled && task.poll_count == 0)
}

/// Whether a task's failure reason says the AI integration or task type is missing, rather than
/// a failed call. (conductor-oss before 3.32 knows no AI task type: it takes one for a worker
/// task and fails the workflow because no task definition has that name.)
fn is_missing_integration(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    [
        "no ai integration",
        "integration",
        "not supported",
        "unsupported",
        "no provider",
        "cannot find task by name",
        // conductor-oss 3.32 with an LLM provider but no vector database configured.
        "vectordb not found",
    ]
    .iter()
    .any(|needle| reason.contains(needle))
}
