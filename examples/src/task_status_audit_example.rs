//! task_status_audit_example: state change events for an audit trail. The `process_payment`
//! task publishes an event when it is scheduled, starts and succeeds (or fails); an event handler
//! turns each event into a run of the `audit_log` workflow, whose worker records it.
//!
//! Task state change events (`onStateChange`) are published by Orkes. conductor-oss (checked on
//! 3.21.14 and 3.32.3) and the embedded server, which follows it, store them with the definition
//! but never publish them: there the example runs the payment, waits [`STATE_CHANGE_WAIT`] for
//! audit runs, and explains that none came.

use std::sync::{Arc, Mutex, PoisonError};

use conductor::WorkerHost;
use conductor::models::{
    EventHandler, EventHandlerAction, StartWorkflowRequest, StateChangeConfig, StateChangeEvent,
    StateChangeEventType, Task, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{
    BoxError, EVENT_WAIT_LIMIT, Environment, Outcome, WAIT_LIMIT, correlated_workflows,
    expect_status, finished, register, wait_until,
};

/// The audited workflow.
pub const WORKFLOW_NAME: &str = "task_status_audit_example";
/// The workflow each audit event starts.
pub const AUDIT_WORKFLOW: &str = "task_status_audit_log";
/// The event handler that starts an audit run per event.
pub const HANDLER_NAME: &str = "task_status_audit_recorder";
/// The state changes audited, in the order they happen.
pub const AUDITED: [&str; 3] = ["onScheduled", "onStart", "onSuccess"];

/// How long to wait for the first audit run before concluding that the server publishes no state
/// change events (Orkes publishes them within a second).
pub const STATE_CHANGE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The explanation given on a server that does not publish state change events.
pub const NOT_PUBLISHED: &str = "this server does not publish task state change events: \
    `onStateChange` is an Orkes feature; conductor-oss and the embedded server store it with the \
    definition and publish nothing. Run this example against Orkes Conductor";

/// Runs the example; the payment workflow completes with `{"paymentId": "pay-A-8"}` and the audit
/// worker has recorded `onScheduled`, `onStart` and `onSuccess` for `process_payment`.
///
/// # Errors
///
/// When the server rejects a call, a workflow does not complete, or an audit record is missing.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (workflow_name, audit_workflow) = (env.name(WORKFLOW_NAME), env.name(AUDIT_WORKFLOW));
    let (record_audit, process_payment) = (env.name("record_audit"), env.name("process_payment"));
    let audit = WorkflowDef::new(&audit_workflow).with_version(1).with_task(
        WorkflowTask::simple(&record_audit, "record_ref")
            .with_input_param("task", "${workflow.input.task}")
            .with_input_param("status", "${workflow.input.status}")
            .with_input_param("change", "${workflow.input.change}"),
    );
    register(&env.client, &[&record_audit], &audit).await?;

    // Every state change of interest goes to the `conductor:task_audit` queue, with a payload of
    // our own; the server adds the task's id, reference, type, status and the change.
    let audit_event = |trigger| {
        StateChangeEvent::new(trigger)
            .with_type("conductor:task_audit")
            .with_payload(json!({"orderId": "${workflow.input.orderId}"}))
    };
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&process_payment, "payment_ref")
                .with_input_param("orderId", "${workflow.input.orderId}")
                .with_state_change(
                    StateChangeConfig::new()
                        .with_event(audit_event(StateChangeEventType::OnScheduled))
                        .with_event(audit_event(StateChangeEventType::OnStart))
                        .with_event(audit_event(StateChangeEventType::OnSuccess))
                        .with_event(audit_event(StateChangeEventType::OnFailed)),
                ),
        )
        .with_output_param("paymentId", "${payment_ref.output.result}");
    register(&env.client, &[&process_payment], &workflow).await?;

    let mut action = EventHandlerAction::start_workflow(
        &audit_workflow,
        json!({"task": "${taskReferenceName}", "status": "${taskStatus}", "change": "${stateChange}"}),
    );
    if let Some(start) = action.start_workflow.as_mut() {
        start.correlation_id = Some("${workflowInstanceId}".to_owned());
    }
    let handler = EventHandler::new(
        env.name(HANDLER_NAME),
        format!("conductor:{workflow_name}:task_audit"),
    )
    .with_action(action)
    .with_active(true);
    let events = env.client.event_client();
    if events
        .get_event_handlers()
        .await?
        .iter()
        .any(|h| h.name == handler.name)
    {
        events.update_event_handler(&handler).await?;
    } else {
        events.register_event_handler(&handler).await?;
    }

    let records: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&records);
    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(process_payment, |task: Task| async move {
            let order = task.get_input_string("orderId").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!("pay-{order}")))
        }))
        .worker(FnWorker::new(record_audit, move |task: Task| {
            let sink = Arc::clone(&sink);
            async move {
                let line = format!(
                    "{} {} ({})",
                    task.get_input_string("task").unwrap_or_default(),
                    task.get_input_string("change").unwrap_or_default(),
                    task.get_input_string("status").unwrap_or_default(),
                );
                tracing::info!(%line, "audit");
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line.clone());
                Ok(WorkerOutput::completed_with_result(line))
            }
        }))
        .start()
        .await?;
    let result = async {
        let workflows = env.client.workflow_client();
        let workflow_id = workflows
            .start_workflow(
                &StartWorkflowRequest::new(&workflow_name)
                    .with_version(1)
                    .with_input_value("orderId", "A-8"),
            )
            .await?;
        let workflow = finished(&env.client, &workflow_id).await?;
        // No audit run at all after a while: the server does not publish state changes.
        if correlated_workflows(
            &env.client,
            &audit_workflow,
            &workflow_id,
            1,
            STATE_CHANGE_WAIT,
        )
        .await
        .is_err()
        {
            return Ok::<_, BoxError>(None);
        }
        // One audit workflow per event, correlated with the audited workflow.
        let audits = correlated_workflows(
            &env.client,
            &audit_workflow,
            &workflow_id,
            AUDITED.len(),
            EVENT_WAIT_LIMIT,
        )
        .await?;
        for audit in &audits {
            wait_until(
                &env.client,
                &audit.workflow_id,
                "record its event",
                std::time::Duration::from_millis(50),
                WAIT_LIMIT,
                |wf| wf.status == WorkflowStatus::Completed,
            )
            .await?;
        }
        Ok::<_, BoxError>(Some(workflow))
    }
    .await;
    host.shutdown().await?;
    // The handler has done its job: remove it, so the server stops listening for its event.
    events.delete_event_handler(&handler.name).await?;
    let Some(workflow) = result? else {
        return Ok(Outcome::Unavailable(NOT_PUBLISHED.to_owned()));
    };
    let outcome = expect_status(workflow, WorkflowStatus::Completed)?;
    let records = records
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    for change in AUDITED {
        if !records.iter().any(|line| line.contains(change)) {
            return Err(format!("no audit record for {change}; recorded: {records:?}").into());
        }
    }
    Ok(outcome)
}
