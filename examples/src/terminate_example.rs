//! terminate_example: two ways a workflow ends early. A TERMINATE task ends it from inside with a
//! status and output (here FAILED when validation rejects the order); the client's
//! `terminate_workflow` ends a running workflow from outside (TERMINATED).

use conductor::WorkerHost;
use conductor::models::{
    StartWorkflowRequest, Task, TerminationStatus, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register, task_reaches};

/// The workflow ended by its TERMINATE task.
pub const WORKFLOW_NAME: &str = "terminate_example";
/// The workflow terminated through the API while it waits.
pub const WAITING_WORKFLOW_NAME: &str = "terminate_example_waiting";

/// Runs the example with an order of amount -5: validation fails, TERMINATE ends the workflow
/// FAILED with reason "invalid order: amount must be positive" and output `{"rejected": true}`.
///
/// # Errors
///
/// When the server rejects a call, or a workflow ends otherwise.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (validate_order, ship_order) = (env.name("validate_order"), env.name("ship_order"));
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&validate_order, "validate_ref")
                .with_input_param("amount", "${workflow.input.amount}"),
        )
        .with_task(
            WorkflowTask::switch("valid_switch", "${validate_ref.output.valid}").with_case(
                "false",
                vec![
                    WorkflowTask::terminate("reject_ref", TerminationStatus::Failed)
                        .with_termination_reason("invalid order: ${validate_ref.output.reason}")
                        .with_workflow_output(json!({"rejected": true})),
                ],
            ),
        )
        .with_task(WorkflowTask::simple(&ship_order, "ship_ref"));
    register(&env.client, &[&validate_order, &ship_order], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(validate_order, |task: Task| async move {
            let amount: f64 = task.get_input("amount").unwrap_or(0.0);
            Ok(if amount > 0.0 {
                WorkerOutput::completed([("valid", json!(true))])
            } else {
                WorkerOutput::completed([
                    ("valid", json!(false)),
                    ("reason", json!("amount must be positive")),
                ])
            })
        }))
        .worker(FnWorker::new(ship_order, |_task: Task| async move {
            Ok(WorkerOutput::completed_with_result("shipped"))
        }))
        .start()
        .await?;
    let workflows = env.client.workflow_client();
    let workflow_id = workflows
        .start_workflow(
            &StartWorkflowRequest::new(&workflow.name)
                .with_version(1)
                .with_input_value("amount", -5),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    let outcome = expect_status(workflow?, WorkflowStatus::Failed)?;

    // From outside: a workflow waiting for a signal that never comes is terminated by the API.
    let waiting = WorkflowDef::new(env.name(WAITING_WORKFLOW_NAME))
        .with_version(1)
        .with_task(WorkflowTask::wait("wait_forever_ref"));
    register(&env.client, &[], &waiting).await?;
    let waiting_id = workflows
        .start_workflow(&StartWorkflowRequest::new(&waiting.name).with_version(1))
        .await?;
    task_reaches(
        &env.client,
        &waiting_id,
        "wait_forever_ref",
        conductor::models::TaskStatus::InProgress,
    )
    .await?;
    workflows
        .terminate_workflow(&waiting_id, Some("no longer needed"))
        .await?;
    expect_status(
        finished(&env.client, &waiting_id).await?,
        WorkflowStatus::Terminated,
    )?;
    tracing::info!(%waiting_id, "terminated through the API");
    Ok(outcome)
}
