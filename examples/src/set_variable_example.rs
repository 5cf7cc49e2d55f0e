//! set_variable_example: SET_VARIABLE stores values in the workflow's variables
//! (`${workflow.variables.x}`), which later tasks read and update; the client can update them too.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "set_variable_example";

/// Runs the example for customer "c-42"; the output is
/// `{"customer": "c-42", "tier": "gold", "discount": 15}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (workflow_name, lookup_tier) = (env.name(WORKFLOW_NAME), env.name("lookup_tier"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_variable("discount", 0)
        .with_task(
            WorkflowTask::set_variable("remember_customer_ref")
                .with_input_param("customer", "${workflow.input.customerId}"),
        )
        .with_task(
            WorkflowTask::simple(&lookup_tier, "tier_ref")
                .with_input_param("customer", "${workflow.variables.customer}"),
        )
        .with_task(
            WorkflowTask::set_variable("remember_tier_ref")
                .with_input_param("tier", "${tier_ref.output.tier}")
                .with_input_param("discount", "${tier_ref.output.discount}"),
        )
        .with_output_param("customer", "${workflow.variables.customer}")
        .with_output_param("tier", "${workflow.variables.tier}")
        .with_output_param("discount", "${workflow.variables.discount}");
    register(&env.client, &[&lookup_tier], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(lookup_tier, |task: Task| async move {
            let customer = task.get_input_string("customer").unwrap_or_default();
            let (tier, discount) = if customer == "c-42" {
                ("gold", 15)
            } else {
                ("basic", 0)
            };
            Ok(WorkerOutput::completed([
                ("tier", serde_json::json!(tier)),
                ("discount", serde_json::json!(discount)),
            ]))
        }))
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("customerId", "c-42"),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
