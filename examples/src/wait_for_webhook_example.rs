//! wait_for_webhook_example: WAIT_FOR_WEBHOOK holds the workflow until an incoming webhook
//! matches its criteria (here: a `payment_received` event for this order); the webhook's
//! payload becomes the task's output.
//!
//! The embedded server receives webhooks at `POST /api/webhook/{id}`. On Orkes, webhooks are
//! configured in the UI (with their verification); the example then only starts the workflow and
//! explains how to complete it.

use conductor::models::{
    StartWorkflowRequest, TaskStatus, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use serde_json::{Value, json};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register, task_reaches};

/// The workflow.
pub const WORKFLOW_NAME: &str = "wait_for_webhook_example";
/// The webhook id the example posts to on the embedded server.
pub const WEBHOOK_ID: &str = "payments";

/// Runs the example for order "A-12"; the output is `{"paidAmount": 25, "paymentId": "pay-991"}`.
///
/// # Errors
///
/// When the server rejects a call, the webhook matches no task, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::wait_for_webhook("payment_webhook_ref").with_matches(json!({
                "$['event']['type']": "payment_received",
                "$['event']['orderId']": "${workflow.input.orderId}",
            })),
        )
        .with_output_param("paidAmount", "${payment_webhook_ref.output.event.amount}")
        .with_output_param("paymentId", "${payment_webhook_ref.output.event.paymentId}");
    register(&env.client, &[], &workflow).await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(&workflow.name)
                .with_version(1)
                .with_input_value("orderId", "A-12"),
        )
        .await?;
    task_reaches(
        &env.client,
        &workflow_id,
        "payment_webhook_ref",
        TaskStatus::InProgress,
    )
    .await?;
    if !env.is_embedded() {
        return Ok(Outcome::Unavailable(format!(
            "workflow {workflow_id} waits for a webhook; configure a webhook in Orkes and send it \
             {{\"event\": {{\"type\": \"payment_received\", \"orderId\": \"A-12\", ...}}}}"
        )));
    }

    // A payment for another order first: it matches nothing, the workflow keeps waiting.
    let other = post_webhook(
        env,
        json!({"event": {"type": "payment_received", "orderId": "B-1", "amount": 9}}),
    )
    .await?;
    // Then the payment for this order.
    let ours = post_webhook(
        env,
        json!({"event": {"type": "payment_received", "orderId": "A-12", "amount": 25, "paymentId": "pay-991"}}),
    )
    .await?;
    tracing::info!(other, ours, "webhooks delivered (tasks completed by each)");
    if ours == 0 {
        return Err("the webhook for order A-12 completed no task".into());
    }
    expect_status(
        finished(&env.client, &workflow_id).await?,
        WorkflowStatus::Completed,
    )
}

/// Posts `payload` to the embedded server's webhook endpoint; returns how many tasks it completed.
async fn post_webhook(env: &Environment, payload: Value) -> Result<u64, BoxError> {
    let answer: Value = env
        .client
        .api_client()
        .post(format!("/webhook/{WEBHOOK_ID}"))
        .json_body(&payload)?
        .idempotent(false)
        .send_json()
        .await?;
    answer
        .get("completedTasks")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("unexpected webhook answer: {answer}").into())
}
