//! event_driven_example: workflows that react to events. An EVENT task publishes
//! `order_created` on the server's `conductor` queue; an event handler listening for it starts
//! the shipping workflow, whose worker ships the order. (conductor-oss starts listening for a new
//! handler's event within a minute: see [`EVENT_WAIT_LIMIT`].)

use conductor::WorkerHost;
use conductor::models::{
    EventHandler, EventHandlerAction, StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{
    BoxError, EVENT_WAIT_LIMIT, Environment, Outcome, correlated_workflows, expect_status,
    finished, register,
};

/// The workflow that publishes the event.
pub const ORDER_WORKFLOW: &str = "event_driven_order";
/// The workflow the event handler starts.
pub const SHIPPING_WORKFLOW: &str = "event_driven_shipping";
/// The queue the EVENT task publishes to (sink `conductor:{queue}`); the server names the event
/// `conductor:{workflow name}:{queue}`.
pub const QUEUE: &str = "order_created";
/// The event handler.
pub const HANDLER_NAME: &str = "event_driven_start_shipping";

/// Runs the example for order "A-99"; returns the shipping workflow started by the event, whose
/// output is `{"tracking": "TRACK-A-99"}`.
///
/// # Errors
///
/// When the server rejects a call, or a workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (order_workflow, shipping_workflow) =
        (env.name(ORDER_WORKFLOW), env.name(SHIPPING_WORKFLOW));
    let ship_order = env.name("ship_order");
    let shipping = WorkflowDef::new(&shipping_workflow)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&ship_order, "ship_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("tracking", "${ship_ref.output.result}");
    register(&env.client, &[&ship_order], &shipping).await?;
    let order = WorkflowDef::new(&order_workflow).with_version(1).with_task(
        WorkflowTask::event("order_created_ref", format!("conductor:{QUEUE}"))
            .with_input_param("orderId", "${workflow.input.orderId}"),
    );
    register(&env.client, &[], &order).await?;

    // The handler: on each `order_created`, start the shipping workflow with the event's order
    // id (`${orderId}` is read from the event payload), correlated by that id.
    let mut action =
        EventHandlerAction::start_workflow(&shipping_workflow, json!({"orderId": "${orderId}"}));
    if let Some(start) = action.start_workflow.as_mut() {
        start.correlation_id = Some("${orderId}".to_owned());
    }
    let event = format!("conductor:{order_workflow}:{QUEUE}");
    let handler = EventHandler::new(env.name(HANDLER_NAME), event)
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
        .worker(FnWorker::new(ship_order, |task: Task| async move {
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
                &StartWorkflowRequest::new(&order_workflow)
                    .with_version(1)
                    .with_input_value("orderId", "A-99"),
            )
            .await?;
        expect_status(
            finished(&env.client, &order_id).await?,
            WorkflowStatus::Completed,
        )?;
        // The handler started the shipping workflow with correlation id "A-99".
        let started =
            correlated_workflows(&env.client, &shipping_workflow, "A-99", 1, EVENT_WAIT_LIMIT)
                .await
                .map_err(|err| {
                    format!("the event handler did not start the shipping workflow: {err}")
                })?;
        let shipping = started
            .first()
            .ok_or("the event handler did not start the shipping workflow")?;
        finished(&env.client, &shipping.workflow_id).await
    }
    .await;
    host.shutdown().await?;
    // The handler has done its job: remove it, so the server stops listening for its event.
    events.delete_event_handler(&handler.name).await?;
    expect_status(result?, WorkflowStatus::Completed)
}
