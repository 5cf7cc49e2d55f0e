//! `/api/queue/...` (`QueueAdminResource`): the default event queues, their sizes and names, and
//! the messages that set a pending task (typically a `WAIT` or `HUMAN` task) to `COMPLETED` or
//! `FAILED`.
//!
//! OSS publishes such a message to the default queue of its status, and a listener applies it
//! moments later (`DefaultEventQueueProcessor`). The dev server applies it at once, as if the
//! listener had consumed it, so its queues never hold messages. Like every queue module OSS
//! ships, it has one default queue for `COMPLETED` and one for `FAILED`; other statuses are
//! refused with 400, as OSS does.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use conductor_models::{JsonMap, TaskResult, TaskResultStatus, TaskStatus};
use serde_json::Value;

use super::{ApiError, ApiResult, AppState, Body, P, json, ok_empty};

/// The statuses with a default queue, and the queue's name (also its URI).
const DEFAULT_QUEUES: [(TaskStatus, &str); 2] = [
    (TaskStatus::Completed, "conductor_notify_COMPLETED"),
    (TaskStatus::Failed, "conductor_notify_FAILED"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/queue/size", get(sizes))
        .route("/api/queue/", get(names))
        .route(
            "/api/queue/update/{workflow_id}/{task_ref}/{status}",
            post(update_by_ref),
        )
        .route(
            "/api/queue/update/{workflow_id}/task/{task_id}/{status}",
            post(update_by_id),
        )
}

async fn sizes() -> ApiResult {
    let sizes: BTreeMap<&str, i64> = DEFAULT_QUEUES.iter().map(|(_, name)| (*name, 0)).collect();
    json(&sizes)
}

async fn names() -> ApiResult {
    let names: BTreeMap<&str, &str> = DEFAULT_QUEUES
        .iter()
        .map(|(status, name)| (status.as_str(), *name))
        .collect();
    json(&names)
}

/// Which pending task a message addresses.
enum Target {
    Reference(String),
    Id(String),
}

async fn update_by_ref(
    State(engine): State<AppState>,
    P((workflow_id, task_ref, status)): P<(String, String, String)>,
    body: Body,
) -> ApiResult {
    publish(
        &engine,
        workflow_id,
        Target::Reference(task_ref),
        &status,
        &body,
    )
    .await
}

async fn update_by_id(
    State(engine): State<AppState>,
    P((workflow_id, task_id, status)): P<(String, String, String)>,
    body: Body,
) -> ApiResult {
    publish(&engine, workflow_id, Target::Id(task_id), &status, &body).await
}

async fn publish(
    engine: &AppState,
    workflow_id: String,
    target: Target,
    status: &str,
    body: &Body,
) -> ApiResult {
    let task_status = TaskStatus::from_wire(status);
    if task_status.is_unknown() {
        return Err(super::enum_path_error(
            "status",
            "com.netflix.conductor.model.TaskModel$Status",
            status,
        ));
    }
    let output: JsonMap = body.json()?;
    let result_status = match task_status {
        TaskStatus::Completed => TaskResultStatus::Completed,
        TaskStatus::Failed => TaskResultStatus::Failed,
        other => {
            return Err(ApiError::bad_request(format!(
                "There is no queue for handling {other} status"
            )));
        }
    };
    // The message OSS publishes: the output plus `externalId`, the JSON of the task's address;
    // the listener merges all of it into the task's output.
    let mut external_id = JsonMap::new();
    external_id.insert("workflowId".into(), Value::from(workflow_id.clone()));
    match &target {
        Target::Reference(reference) => {
            external_id.insert("taskRefName".into(), Value::from(reference.clone()));
        }
        Target::Id(task_id) => {
            external_id.insert("taskId".into(), Value::from(task_id.clone()));
        }
    }
    let mut message = JsonMap::new();
    message.insert(
        "externalId".into(),
        Value::from(Value::Object(external_id).to_string()),
    );
    message.extend(output);
    engine
        .run(|e| {
            // Like the listener, a message whose workflow or task is gone is dropped (and logged).
            let Ok(workflow) = e.get_workflow(&workflow_id, true) else {
                tracing::debug!(%workflow_id, "queue message for an unknown workflow dropped");
                return;
            };
            let task = workflow.tasks.iter().find(|t| {
                !t.status.is_terminal()
                    && match &target {
                        Target::Reference(reference) => &t.reference_task_name == reference,
                        Target::Id(task_id) => &t.task_id == task_id,
                    }
            });
            let Some(task) = task else {
                tracing::debug!(%workflow_id, "queue message without a pending task dropped");
                return;
            };
            let mut output_data = task.output_data.clone();
            output_data.extend(message);
            let result = TaskResult {
                workflow_instance_id: workflow_id.clone(),
                task_id: task.task_id.clone(),
                status: result_status,
                output_data,
                reason_for_incompletion: task.reason_for_incompletion.clone(),
                worker_id: task.worker_id.clone(),
                ..TaskResult::default()
            };
            if let Err(error) = e.update_task(&result) {
                tracing::debug!(%workflow_id, %error, "queue message could not be applied");
            }
        })
        .await;
    ok_empty()
}
