//! What the LLM examples share: run a workflow of AI tasks, and tell "no AI integration here"
//! apart from a real failure.

use conductor::models::{StartWorkflowRequest, WorkflowDef, WorkflowStatus};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// How to give the embedded server an OpenAI-compatible endpoint.
pub const SETUP: &str = "to run it on the embedded server, set CONDUCTOR_SERVER_OPENAI_BASE_URL \
(e.g. https://api.openai.com or a local Ollama at http://localhost:11434), \
CONDUCTOR_SERVER_OPENAI_API_KEY and optionally CONDUCTOR_SERVER_OPENAI_MODEL; on Orkes, \
configure an AI integration named as the example's provider";

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
    let finished = finished(&env.client, &workflow_id).await?;
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

/// Whether a task's failure reason says the AI integration or task type is missing, rather than
/// a failed call.
fn is_missing_integration(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    [
        "no ai integration",
        "integration",
        "not supported",
        "unsupported",
        "no provider",
    ]
    .iter()
    .any(|needle| reason.contains(needle))
}
