//! sub_workflow_example: a parent workflow runs a registered child workflow as one of its tasks
//! (SUB_WORKFLOW) and uses the child's output.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The child: charges a payment.
pub const CHILD_NAME: &str = "sub_workflow_example_payment";
/// The parent: runs the child, then confirms the order.
pub const PARENT_NAME: &str = "sub_workflow_example_order";

/// Runs the example; the parent's output is
/// `{"paymentId": "pay-A-7", "confirmation": "order A-7 confirmed (pay-A-7)"}`.
///
/// # Errors
///
/// When the server rejects a call, or the parent does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (child_name, parent_name) = (env.name(CHILD_NAME), env.name(PARENT_NAME));
    let (charge_payment, confirm_order) = (env.name("charge_payment"), env.name("confirm_order"));
    let child = WorkflowDef::new(&child_name)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&charge_payment, "charge_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("paymentId", "${charge_ref.output.result}");
    register(&env.client, &[&charge_payment], &child).await?;

    let parent = WorkflowDef::new(&parent_name)
        .with_version(1)
        .with_task(
            WorkflowTask::sub_workflow("payment_ref", &child_name)
                .with_sub_workflow_version(1)
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_task(
            WorkflowTask::simple(&confirm_order, "confirm_ref")
                .with_input_param("orderId", "${workflow.input.orderId}")
                .with_input_param("paymentId", "${payment_ref.output.paymentId}"),
        )
        .with_output_param("paymentId", "${payment_ref.output.paymentId}")
        .with_output_param("confirmation", "${confirm_ref.output.result}");
    register(&env.client, &[&confirm_order], &parent).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(charge_payment, |task: Task| async move {
            let order = task.get_input_string("orderId").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!("pay-{order}")))
        }))
        .worker(FnWorker::new(confirm_order, |task: Task| async move {
            let order = task.get_input_string("orderId").unwrap_or_default();
            let payment = task.get_input_string("paymentId").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!(
                "order {order} confirmed ({payment})"
            )))
        }))
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(parent_name)
                .with_version(1)
                .with_input_value("orderId", "A-7"),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
