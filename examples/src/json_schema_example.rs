//! json_schema_example: JSON Schemas generated from Rust types describe a worker's input and
//! output; the worker registers its task definition with them at start-up.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, WAIT_LIMIT, expect_status, finished};

/// The task type.
pub const TASK_NAME: &str = "process_order_with_schema";
/// The workflow.
pub const WORKFLOW_NAME: &str = "json_schema_example";

/// The task's input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderInput {
    /// The order's id.
    pub order_id: String,
    /// Amount to charge.
    pub amount: f64,
    /// Item names.
    pub items: Vec<String>,
}

/// The task's output.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderOutput {
    /// `"accepted"`.
    pub status: String,
    /// How many items the order has.
    pub item_count: usize,
}

/// Runs the example; the output is `{"status": "accepted", "itemCount": 2}` and the registered
/// task definition carries both schemas.
///
/// # Errors
///
/// When the server rejects a call, the schemas were not registered, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (task_name, workflow_name) = (env.name(TASK_NAME), env.name(WORKFLOW_NAME));
    let worker = FnWorker::new(&task_name, |task: Task| async move {
        // Typed input: a missing or mistyped field fails the task with a clear reason.
        let input: OrderInput =
            serde_json::from_value(serde_json::Value::Object(task.input_data.clone())).map_err(
                |err| conductor::error::ConductorError::non_retryable(format!("bad input: {err}")),
            )?;
        Ok(WorkerOutput::completed_with_fields(OrderOutput {
            status: "accepted".to_owned(),
            item_count: input.items.len(),
        }))
    })
    .with_input_schema_from::<OrderInput>(true)
    .with_output_schema_from::<OrderOutput>(true)
    .with_register_task_def(true);
    // The host registers the definition in the background as it starts its worker.
    let host = WorkerHost::builder(env.config.clone())
        .worker(worker)
        .start()
        .await?;

    let result = async {
        let metadata = env.client.metadata_client();
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        while !metadata.task_def_exists(&task_name).await? {
            if tokio::time::Instant::now() >= deadline {
                return Err::<_, BoxError>(
                    format!("the worker did not register {task_name}").into(),
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let task_def = metadata.get_task_def(&task_name).await?;
        if task_def.input_schema.is_none() || task_def.output_schema.is_none() {
            return Err::<_, BoxError>(
                format!("task definition {task_name} was registered without its schemas").into(),
            );
        }
        let workflow = WorkflowDef::new(&workflow_name)
            .with_version(1)
            .with_task(
                WorkflowTask::simple(&task_name, "process_ref")
                    .with_input_param("orderId", "${workflow.input.orderId}")
                    .with_input_param("amount", "${workflow.input.amount}")
                    .with_input_param("items", "${workflow.input.items}"),
            )
            .with_output_param("status", "${process_ref.output.status}")
            .with_output_param("itemCount", "${process_ref.output.itemCount}");
        env.client
            .metadata_client()
            .register_or_update_workflow_def(&workflow)
            .await?;
        let workflow_id = env
            .client
            .workflow_client()
            .start_workflow(
                &StartWorkflowRequest::new(&workflow_name)
                    .with_version(1)
                    .with_input_value("orderId", "A-5")
                    .with_input_value("amount", 12.5)
                    .with_input_value("items", json!(["pen", "ink"])),
            )
            .await?;
        finished(&env.client, &workflow_id).await
    }
    .await;
    host.shutdown().await?;
    expect_status(result?, WorkflowStatus::Completed)
}
