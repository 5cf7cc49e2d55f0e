//! llm_chat_example: LLM_CHAT_COMPLETE with a system prompt and the user's question; the answer
//! is the workflow's output. Without an AI integration the example explains and exits cleanly.

use conductor::models::{ChatMessage, WorkflowDef, WorkflowTask};
use serde_json::json;

use crate::llm::run_ai_workflow;
use crate::{BoxError, Environment, Outcome};

/// The workflow.
pub const WORKFLOW_NAME: &str = "llm_chat_example";

/// Runs the example; the output is `{"answer": "<the model's answer>"}`.
///
/// # Errors
///
/// When the server rejects a call, or the LLM call fails for another reason than a missing integration.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::llm_chat_complete(
                "chat_ref",
                crate::openai_helloworld::PROVIDER,
                crate::openai_helloworld::model(),
            )
            .with_messages(vec![
                ChatMessage::system("You are a concise assistant who knows workflow engines."),
                ChatMessage::user("${workflow.input.question}"),
            ])
            .with_temperature(0.3)
            .with_max_tokens(200),
        )
        .with_output_param("answer", "${chat_ref.output.result}");
    let serde_json::Value::Object(input) =
        json!({"question": "In two sentences: what does a workflow orchestrator do?"})
    else {
        return Err("the input is not an object".into());
    };
    run_ai_workflow(env, &workflow, input).await
}
