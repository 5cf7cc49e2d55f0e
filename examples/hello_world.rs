//! hello_world: register a task and a workflow, serve the task with a worker, run the workflow to COMPLETED.
//!
//! ```sh
//! cargo run --example hello_world                                          # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example hello_world   # a real server
//! ```

#![allow(clippy::print_stdout)]

use std::time::Duration;

use conductor::ConductorClient;
use conductor::models::{
    StartWorkflowRequest, TaskDef, TaskResult, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_examples::{BoxError, connect, wait_for_terminal};

const TASK_NAME: &str = "greet";
const WORKFLOW_NAME: &str = "greeting_workflow";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let client = env.client.clone();

    // 1. Definitions: a task, and a one-task workflow that passes its input through.
    let metadata = client.metadata_client();
    metadata
        .register_task_def(
            &TaskDef::new(TASK_NAME)
                .with_description("Greets someone by name")
                .with_owner("examples@conductor.rs"),
        )
        .await?;
    metadata
        .register_or_update_workflow_def(
            &WorkflowDef::new(WORKFLOW_NAME)
                .with_version(1)
                .with_description("Says hello")
                .with_task(
                    WorkflowTask::simple(TASK_NAME, "greet_ref")
                        .with_input_param("name", "${workflow.input.name}"),
                )
                .with_output_param("greeting", "${greet_ref.output.result}"),
        )
        .await?;

    // 2. Start the workflow.
    let workflow_id = client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(WORKFLOW_NAME)
                .with_version(1)
                .with_input_value("name", "World"),
        )
        .await?;
    println!("started workflow {workflow_id}");

    // 3. Serve the task: poll it, run it, report the result.
    serve_one_greeting(&client).await?;

    // 4. Wait for the workflow to finish and show its output.
    let workflow = wait_for_terminal(
        &client,
        &workflow_id,
        Duration::from_millis(100),
        Duration::from_secs(30),
    )
    .await?;
    let output = serde_json::to_string_pretty(&workflow.output)?;
    println!(
        "workflow {workflow_id} is {}; output: {output}",
        workflow.status
    );
    env.shutdown().await;
    if workflow.status == WorkflowStatus::Completed {
        Ok(())
    } else {
        Err(format!("workflow ended {}", workflow.status).into())
    }
}

/// A minimal worker: long-polls `greet` until one task arrives, then completes it with the greeting.
async fn serve_one_greeting(client: &ConductorClient) -> Result<(), BoxError> {
    let tasks = client.task_client();
    for _attempt in 0..30 {
        let polled = tasks
            .batch_poll(
                TASK_NAME,
                Some("hello-world-worker"),
                None,
                1,
                Duration::from_secs(1),
            )
            .await?;
        for task in polled {
            let name = task
                .get_input_string("name")
                .unwrap_or_else(|| "stranger".to_owned());
            let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
                .with_output_value("result", format!("Hello, {name}!"));
            tasks.update_task_with_retry(&result, 3).await?;
            return Ok(());
        }
    }
    Err("no `greet` task arrived within 30 seconds".into())
}
