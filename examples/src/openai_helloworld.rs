//! openai_helloworld: one LLM_TEXT_COMPLETE task: the server sends the prompt to the configured
//! LLM provider and the workflow outputs the completion. Without an AI integration the example
//! explains what to configure and exits cleanly.

use conductor::models::{WorkflowDef, WorkflowTask};
use serde_json::json;

use crate::llm::run_ai_workflow;
use crate::{BoxError, Environment, Outcome};

/// The workflow.
pub const WORKFLOW_NAME: &str = "openai_helloworld";
/// The AI integration (provider) name the task uses.
pub const PROVIDER: &str = "openai";
/// The model used when `CONDUCTOR_SERVER_OPENAI_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// The model the LLM examples ask for: `CONDUCTOR_SERVER_OPENAI_MODEL` (so a local Ollama works
/// with its own model names), else [`DEFAULT_MODEL`].
#[must_use]
pub fn model() -> String {
    std::env::var("CONDUCTOR_SERVER_OPENAI_MODEL")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned())
}

/// Runs the example; the output is `{"text": "<the model's answer>"}`.
///
/// # Errors
///
/// When the server rejects a call, or the LLM call fails for another reason than a missing integration.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::llm_text_complete("hello_ref", PROVIDER, model())
                // `$${name}`: a placeholder for the prompt variable, which the server must not
                // resolve as a `${...}` reference of the workflow (see `with_instructions_template`).
                .with_instructions_template(
                    "Say hello to $${name} in one short, friendly sentence.",
                )
                .with_prompt_variable("name", "${workflow.input.name}")
                .with_temperature(0.2)
                .with_max_tokens(60),
        )
        .with_output_param("text", "${hello_ref.output.result}");
    let input = json!({"name": "Rust developers"});
    let serde_json::Value::Object(input) = input else {
        return Err("the input is not an object".into());
    };
    run_ai_workflow(env, &workflow, input).await
}
