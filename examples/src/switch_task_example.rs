//! switch_task_example: SWITCH picks a branch from a value (here the payment method); each
//! branch has its own worker, and unknown values take the default branch.

use conductor::WorkerHost;
use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::worker::{FnWorker, WorkerOutput};

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "switch_task_example";

/// Runs the example with `{"paymentMethod": "card", "amount": 30}`; the output is
/// `{"processedBy": "card", "receipt": "charged 30 to the card"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let (charge_card, bank_transfer) = (env.name("charge_card"), env.name("bank_transfer"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::switch("method_switch", "${workflow.input.paymentMethod}")
                .with_case(
                    "card",
                    vec![
                        WorkflowTask::simple(&charge_card, "card_ref")
                            .with_input_param("amount", "${workflow.input.amount}"),
                    ],
                )
                .with_case(
                    "bank",
                    vec![
                        WorkflowTask::simple(&bank_transfer, "bank_ref")
                            .with_input_param("amount", "${workflow.input.amount}"),
                    ],
                )
                .with_default_case(vec![
                    WorkflowTask::terminate(
                        "unsupported_ref",
                        conductor::models::TerminationStatus::Failed,
                    )
                    .with_termination_reason("unsupported payment method"),
                ]),
        )
        .with_output_param("processedBy", "${method_switch.output.evaluationResult[0]}")
        .with_output_param("receipt", "${card_ref.output.result}");
    register(&env.client, &[&charge_card, &bank_transfer], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(charge_card, |task: Task| async move {
            let amount: f64 = task.get_input("amount").unwrap_or(0.0);
            Ok(WorkerOutput::completed_with_result(format!(
                "charged {amount} to the card"
            )))
        }))
        .worker(FnWorker::new(bank_transfer, |task: Task| async move {
            let amount: f64 = task.get_input("amount").unwrap_or(0.0);
            Ok(WorkerOutput::completed_with_result(format!(
                "transferred {amount}"
            )))
        }))
        .start()
        .await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("paymentMethod", "card")
                .with_input_value("amount", 30),
        )
        .await?;
    let workflow = finished(&env.client, &workflow_id).await;
    host.shutdown().await?;
    expect_status(workflow?, WorkflowStatus::Completed)
}
