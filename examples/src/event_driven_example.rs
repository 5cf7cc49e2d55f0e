//! event_driven_example: workflows that react to events. An EVENT task publishes
//! `order_created` on the server's `conductor` queue; an event handler listening for it starts
//! the shipping workflow, whose worker ships the order.

use conductor::WorkerHost;
use conductor::client::CorrelationOptions;
use conductor::models::{
    EventHandler, EventHandlerAction, StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow that publishes the event.
pub const ORDER_WORKFLOW: &str = "event_driven_order";
/// The workflow the event handler starts.
pub const SHIPPING_WORKFLOW: &str = "event_driven_shipping";
/// The event: `conductor:{workflow name}:{queue}` for an EVENT task with sink `conductor:{queue}`.
pub const EVENT: &str = "conductor:event_driven_order:order_created";

/// Runs the example for order "A-99"; returns the shipping workflow started by the event, whose
/// output is `{"tracking": "TRACK-A-99"}`.
///
/// # Errors
///
/// When the server rejects a call, or a workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let shipping = WorkflowDef::new(SHIPPING_WORKFLOW)
        .with_version(1)
        .with_task(
            WorkflowTask::simple("ship_order", "ship_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("tracking", "${ship_ref.output.result}");
    register(&env.client, &["ship_order"], &shipping).await?;
    let order = WorkflowDef::new(ORDER_WORKFLOW).with_version(1).with_task(
        WorkflowTask::event("order_created_ref", "conductor:order_created")
            .with_input_param("orderId", "${workflow.input.orderId}"),
    );
    register(&env.client, &[], &order).await?;

    // The handler: on each `order_created`, start the shipping workflow with the event's order
    // id (`${orderId}` is read from the event payload), correlated by that id.
    let mut action =
        EventHandlerAction::start_workflow(SHIPPING_WORKFLOW, json!({"orderId": "${orderId}"}));
    if let Some(start) = action.start_workflow.as_mut() {
        start.correlation_id = Some("${orderId}".to_owned());
    }
    let handler = EventHandler::new("event_driven_start_shipping", EVENT)
        .with_action(action)
        .with_active(true);
    let events = env.client.event_client();
    if events
        .get_event_handlers()
        .await?
        .iter()
        .any(|existing| existing.name == handler.name)
    {
        events.update_event_handler(&handler).await?;
    } else {
        events.register_event_handler(&handler).await?;
    }

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new("ship_order", |task: Task| async move {
            let order = task.get_input_string("orderId").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!(
                "TRACK-{order}"
            )))
        }))
        .start()
        .await?;
    let result = async {
        let workflows = env.client.workflow_client();
        let order_id = workflows
            .start_workflow(
                &StartWorkflowRequest::new(ORDER_WORKFLOW)
                    .with_version(1)
                    .with_input_value("orderId", "A-99"),
            )
            .await?;
        expect_status(
            finished(&env.client, &order_id).await?,
            WorkflowStatus::Completed,
        )?;
        // The handler started the shipping workflow with correlation id "A-99".
        let started = workflows
            .get_workflows_by_correlation_id_with(
                SHIPPING_WORKFLOW,
                "A-99",
                // Closed ones too: a fast workflow may have completed already.
                &CorrelationOptions::new().include_closed(true),
            )
            .await?;
        let shipping = started
            .first()
            .ok_or("the event handler did not start the shipping workflow")?;
        finished(&env.client, &shipping.workflow_id).await
    }
    .await;
    host.shutdown().await?;
    expect_status(result?, WorkflowStatus::Completed)
}
