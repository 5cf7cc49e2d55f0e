//! dynamic_task_example: DYNAMIC runs the task whose name is computed at run time (here from the
//! shipping method in the input and a routing table), so routing lives in data rather than in the
//! definition.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "dynamic_task_example";

/// Runs the example with `{"shippingMethod": "express"}`: the dynamic task runs
/// `ship_express`; the output is `{"shipment": "express: 1 day"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let (ship_express, ship_ground) = (env.name("ship_express"), env.name("ship_ground"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            // Computes the task name: the route of the method.
            WorkflowTask::inline(
                "route_ref",
                "(function () { return $.routes[$.method]; })();",
            )
            .with_input_param("method", "${workflow.input.shippingMethod}")
            .with_input_param(
                "routes",
                json!({"express": &ship_express, "ground": &ship_ground}),
            ),
        )
        .with_task(
            WorkflowTask::dynamic("ship_dynamic_ref", "${route_ref.output.result}")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("shipment", "${ship_dynamic_ref.output.result}");
    register(&env.client, &[&ship_express, &ship_ground], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(ship_express, |_task: Task| async move {
            Ok(WorkerOutput::completed_with_result("express: 1 day"))
        }))
        .worker(FnWorker::new(ship_ground, |_task: Task| async move {
            Ok(WorkerOutput::completed_with_result("ground: 5 days"))
        }))
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("shippingMethod", "express")
                .with_input_value("orderId", "A-3"),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
