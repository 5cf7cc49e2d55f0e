//! worker_macro_example: workers written as plain async functions with `#[worker]`: the macro
//! reads the parameters from the task input by name and turns the return value into the output
//! (needs the `macros` feature: `cargo run --example worker_macro_example --features macros`).

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "worker_macro_example";

/// `{"name": "Ada"}` → `{"result": "Hello, Ada!"}`.
#[worker(name = "macro_greet", thread_count = 2)]
pub async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// `{"a": 2, "b": 3}` → `{"sum": 5}`: a JSON object becomes the output as is.
#[worker(name = "macro_add")]
pub async fn add(a: i64, b: i64) -> serde_json::Value {
    serde_json::json!({ "sum": a + b })
}

/// `Err` fails the task with the message as the reason.
#[worker(name = "macro_validate")]
pub async fn validate(value: String) -> Result<String, String> {
    if value.is_empty() {
        Err("value cannot be empty".to_owned())
    } else {
        Ok(format!("valid: {value}"))
    }
}

/// Runs the example; the output is `{"greeting": "Hello, Ada!", "sum": 5, "checked": "valid: Ada"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::simple("macro_greet", "greet_ref")
                .with_input_param("name", "${workflow.input.name}"),
        )
        .with_task(
            WorkflowTask::simple("macro_add", "add_ref")
                .with_input_param("a", 2)
                .with_input_param("b", 3),
        )
        .with_task(
            WorkflowTask::simple("macro_validate", "validate_ref")
                .with_input_param("value", "${workflow.input.name}"),
        )
        .with_output_param("greeting", "${greet_ref.output.result}")
        .with_output_param("sum", "${add_ref.output.sum}")
        .with_output_param("checked", "${validate_ref.output.result}");
    register(
        &env.client,
        &["macro_greet", "macro_add", "macro_validate"],
        &workflow,
    )
    .await?;

    // The macro generated `greet_worker()`, `add_worker()`, `validate_worker()`.
    let host = WorkerHost::builder(env.config.clone())
        .worker(greet_worker())
        .worker(add_worker())
        .worker(validate_worker())
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(&workflow.name)
                .with_version(1)
                .with_input_value("name", "Ada"),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
