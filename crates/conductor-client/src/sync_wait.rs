//! Client-side emulation of the server's synchronous wait (`WorkflowSignalResponder` in
//! conductor-oss 3.21.23+): poll a workflow until it is terminal or blocked, then render a
//! [`SignalResponse`] for the return strategy. Used by `execute_workflow*` on servers without
//! `POST /workflow/execute` and by `signal_sync` on servers without the signal endpoints.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::time::Duration;

use conductor_http::{ApiClient, ConductorError, Result, encode_segment};
use conductor_models::{
    ReturnStrategy, SignalResponse, Task, TaskRun, TaskStatus, Workflow, WorkflowRun,
};
use tokio::time::Instant;

/// First pause between two reads of the workflow (the server polls every 100 ms in-process).
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Longest pause between two reads: over the network, polling slows down to at most two reads a
/// second.
const MAX_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What to wait for and how to answer.
pub(crate) struct WaitSpec<'a> {
    /// The (root) workflow to watch.
    pub(crate) workflow_id: &'a str,
    /// Task references that count as blocking once terminal (`waitUntilTaskRef`).
    pub(crate) task_refs: &'a [String],
    /// The shape of the answer.
    pub(crate) strategy: &'a ReturnStrategy,
    /// Echoed in the answer.
    pub(crate) request_id: String,
    /// How long to wait before answering with the current state and `signalTimeout: true`.
    pub(crate) timeout: Duration,
}

/// Rejects a return strategy the SDK cannot render, before anything is started or signalled
/// (conductor-oss answers 500 for an unknown `returnStrategy`, also before acting).
pub(crate) fn check_strategy(strategy: &ReturnStrategy) -> Result<()> {
    if matches!(
        strategy,
        ReturnStrategy::TargetWorkflow
            | ReturnStrategy::BlockingWorkflow
            | ReturnStrategy::BlockingTask
            | ReturnStrategy::BlockingTaskInput
    ) {
        Ok(())
    } else {
        Err(unknown_strategy(strategy))
    }
}

fn unknown_strategy(strategy: &ReturnStrategy) -> ConductorError {
    ConductorError::workflow(format!(
        "unknown return strategy {strategy}: expected TARGET_WORKFLOW, BLOCKING_WORKFLOW, \
         BLOCKING_TASK or BLOCKING_TASK_INPUT"
    ))
}

/// Polls the workflow until it is terminal or has a blocking task (a non-terminal `WAIT` without
/// `duration`/`until`, or a terminal task listed in `task_refs`, in it or in a running
/// sub-workflow), or until `timeout` passes, and renders the answer as the server would.
pub(crate) async fn await_signal_response(
    api: &ApiClient,
    spec: WaitSpec<'_>,
) -> Result<SignalResponse> {
    let deadline = Instant::now() + spec.timeout;
    let mut interval = FIRST_POLL_INTERVAL;
    loop {
        let workflow = fetch_workflow(api, spec.workflow_id).await?;
        let blocking = find_blocking(api, &workflow, spec.task_refs).await;
        if workflow.status.is_terminal() || !blocking.tasks.is_empty() {
            let blocking_workflow = blocking.workflow.as_ref().unwrap_or(&workflow);
            return render(&workflow, blocking_workflow, &blocking.tasks, &spec, false);
        }
        let now = Instant::now();
        if now >= deadline {
            tracing::debug!(workflow_id = spec.workflow_id, "sync wait timed out");
            return render(&workflow, &workflow, &[], &spec, true);
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval * 3 / 2).min(MAX_POLL_INTERVAL);
    }
}

/// `GET /workflow/{id}?includeTasks=true`, with the server's own errors (404 stays an `Api` 404).
pub(crate) async fn fetch_workflow(api: &ApiClient, workflow_id: &str) -> Result<Workflow> {
    api.get(format!("/workflow/{}", encode_segment(workflow_id)))
        .query("includeTasks", true)
        .send_json()
        .await
}

/// Blocking tasks found in a workflow tree, and the first workflow that holds one.
#[derive(Default)]
struct Blocking {
    tasks: Vec<Task>,
    workflow: Option<Workflow>,
}

/// The server's `findBlockingTasks`: depth first, in task order; sub-workflows that cannot be read
/// are skipped.
fn find_blocking<'a>(
    api: &'a ApiClient,
    workflow: &'a Workflow,
    task_refs: &'a [String],
) -> Pin<Box<dyn Future<Output = Blocking> + Send + 'a>> {
    Box::pin(async move {
        let mut found = Blocking::default();
        let last = workflow.tasks.len().saturating_sub(1);
        for (index, task) in workflow.tasks.iter().enumerate() {
            let terminal = task.status.is_terminal();
            if is_blocking_wait(task) {
                found.tasks.push(task.clone());
                found.workflow.get_or_insert_with(|| workflow.clone());
            }
            // The server answers once the completed task has been decided on. A client only sees
            // that when something follows the task (or the workflow ends, handled by the caller):
            // 3.21's `POST /tasks` returns before its decider has scheduled the next task.
            let decided = index < last || workflow.status.is_terminal();
            if terminal
                && decided
                && task_refs
                    .iter()
                    .any(|reference| reference.trim() == task.reference_task_name)
            {
                found.tasks.push(task.clone());
                found.workflow.get_or_insert_with(|| workflow.clone());
            }
            let sub_workflow_id = task
                .sub_workflow_id
                .as_deref()
                .filter(|id| !id.trim().is_empty());
            if let (true, false, Some(sub_workflow_id)) =
                (task.task_type == "SUB_WORKFLOW", terminal, sub_workflow_id)
            {
                let Ok(sub_workflow) = fetch_workflow(api, sub_workflow_id).await else {
                    continue;
                };
                let nested = find_blocking(api, &sub_workflow, task_refs).await;
                if !nested.tasks.is_empty() {
                    found.tasks.extend(nested.tasks);
                    if found.workflow.is_none() {
                        found.workflow = nested.workflow;
                    }
                }
            }
        }
        found
    })
}

/// A `WAIT` task that waits for a signal: not terminal, and without a `duration` or `until`
/// (those get a wait timeout on the server and do not block a synchronous call).
pub(crate) fn is_blocking_wait(task: &Task) -> bool {
    task.task_type == "WAIT" && !task.status.is_terminal() && !has_wait_timeout(task)
}

/// Whether a `WAIT` task's input sets `duration` or `until` (non-blank).
fn has_wait_timeout(task: &Task) -> bool {
    ["duration", "until"].iter().any(|key| {
        task.input_data.get(*key).is_some_and(|value| match value {
            serde_json::Value::Null => false,
            serde_json::Value::String(text) => !text.trim().is_empty(),
            _ => true,
        })
    })
}

/// The server's `NotificationResult.toResponse`.
fn render(
    target: &Workflow,
    blocking_workflow: &Workflow,
    blocking_tasks: &[Task],
    spec: &WaitSpec<'_>,
    signal_timeout: bool,
) -> Result<SignalResponse> {
    let workflow_run = |workflow: &Workflow| {
        SignalResponse::Workflow(Box::new(workflow_run(
            workflow,
            target,
            spec,
            signal_timeout,
        )))
    };
    match (spec.strategy, blocking_tasks.first()) {
        (ReturnStrategy::TargetWorkflow, _) | (ReturnStrategy::BlockingWorkflow, None) => {
            Ok(workflow_run(target))
        }
        (ReturnStrategy::BlockingWorkflow, Some(_)) => Ok(workflow_run(blocking_workflow)),
        (ReturnStrategy::BlockingTask | ReturnStrategy::BlockingTaskInput, Some(task)) => Ok(
            SignalResponse::Task(Box::new(task_run(task, target, spec, signal_timeout))),
        ),
        (ReturnStrategy::BlockingTask | ReturnStrategy::BlockingTaskInput, None) => {
            Err(ConductorError::workflow(format!(
                "workflow {} has no blocking task to return for {}{} (conductor-oss answers \
                 500 here)",
                target.workflow_id,
                spec.strategy,
                if signal_timeout {
                    " when the wait timed out"
                } else {
                    ""
                }
            )))
        }
        _ => Err(unknown_strategy(spec.strategy)),
    }
}

fn workflow_run(
    workflow: &Workflow,
    target: &Workflow,
    spec: &WaitSpec<'_>,
    signal_timeout: bool,
) -> WorkflowRun {
    WorkflowRun {
        response_type: spec.strategy.clone(),
        target_workflow_id: Some(target.workflow_id.clone()),
        target_workflow_status: Some(target.status.as_str().to_owned()),
        request_id: Some(spec.request_id.clone()),
        workflow_id: Some(workflow.workflow_id.clone()),
        correlation_id: workflow.correlation_id.clone(),
        input: workflow.input.clone(),
        output: workflow.output.clone(),
        signal_timeout,
        priority: workflow.priority,
        variables: workflow.variables.clone(),
        tasks: workflow.tasks.clone(),
        created_by: workflow.created_by.clone(),
        create_time: workflow.create_time.unwrap_or_default(),
        status: workflow.status.clone(),
        update_time: workflow.update_time.unwrap_or_default(),
    }
}

fn task_run(task: &Task, target: &Workflow, spec: &WaitSpec<'_>, signal_timeout: bool) -> TaskRun {
    TaskRun {
        response_type: spec.strategy.clone(),
        target_workflow_id: Some(target.workflow_id.clone()),
        target_workflow_status: Some(target.status.as_str().to_owned()),
        request_id: Some(spec.request_id.clone()),
        workflow_id: Some(task.workflow_instance_id.clone()),
        correlation_id: task.correlation_id.clone(),
        input: task.input_data.clone(),
        output: task.output_data.clone(),
        signal_timeout,
        task_type: Some(task.task_type.clone()),
        task_id: Some(task.task_id.clone()),
        reference_task_name: Some(task.reference_task_name.clone()),
        retry_count: task.retry_count,
        task_def_name: Some(task.task_def_name.clone()),
        retried_task_id: task.retried_task_id.clone(),
        workflow_type: Some(task.workflow_type.clone()),
        reason_for_incompletion: task.reason_for_incompletion.clone(),
        priority: task.workflow_priority,
        variables: None,
        tasks: None,
        created_by: task.worker_id.clone(),
        create_time: task.start_time,
        update_time: task.update_time,
        status: task.status.clone(),
    }
}

/// The task a signal goes to, as the server's `findPendingBlockingTask` finds it: the first
/// non-terminal `WAIT` task of the workflow, else (depth first) of its running sub-workflows.
pub(crate) fn find_signal_target<'a>(
    api: &'a ApiClient,
    workflow_id: &'a str,
) -> Pin<Box<dyn Future<Output = Result<Option<Task>>> + Send + 'a>> {
    Box::pin(async move {
        let workflow = fetch_workflow(api, workflow_id).await?;
        if let Some(task) = workflow
            .tasks
            .iter()
            .find(|task| task.task_type == "WAIT" && is_pending(&task.status))
        {
            return Ok(Some(task.clone()));
        }
        for task in &workflow.tasks {
            let Some(sub_workflow_id) = task
                .sub_workflow_id
                .as_deref()
                .filter(|id| !id.trim().is_empty())
            else {
                continue;
            };
            if task.task_type == "SUB_WORKFLOW"
                && is_pending(&task.status)
                && let Some(found) = find_signal_target(api, sub_workflow_id).await?
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    })
}

/// Whether a task status is one a signal may still change (not terminal).
fn is_pending(status: &TaskStatus) -> bool {
    !status.is_terminal()
}

/// A random request id in the UUID v4 text form, as the server generates when none is given.
pub(crate) fn random_request_id() -> String {
    let mut bytes = [0_u8; 16];
    for (index, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(index);
        if let Ok(elapsed) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(elapsed.as_nanos());
        }
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(task_type: &str, status: &str, input: serde_json::Value) -> Task {
        serde_json::from_value(serde_json::json!({
            "taskType": task_type, "status": status, "inputData": input,
            "referenceTaskName": "ref", "taskId": "t", "workflowInstanceId": "w"
        }))
        .unwrap()
    }

    #[test]
    fn only_open_ended_waits_block() {
        assert!(is_blocking_wait(&task(
            "WAIT",
            "IN_PROGRESS",
            serde_json::json!({})
        )));
        assert!(!is_blocking_wait(&task(
            "WAIT",
            "IN_PROGRESS",
            serde_json::json!({"duration": "10s"})
        )));
        assert!(!is_blocking_wait(&task(
            "WAIT",
            "IN_PROGRESS",
            serde_json::json!({"until": "2030-01-01 00:00 UTC"})
        )));
        assert!(is_blocking_wait(&task(
            "WAIT",
            "IN_PROGRESS",
            serde_json::json!({"duration": " "})
        )));
        assert!(!is_blocking_wait(&task(
            "WAIT",
            "COMPLETED",
            serde_json::json!({})
        )));
        assert!(!is_blocking_wait(&task(
            "HUMAN",
            "IN_PROGRESS",
            serde_json::json!({})
        )));
    }

    #[test]
    fn request_ids_look_like_uuids_and_differ() {
        let a = random_request_id();
        let b = random_request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(check_strategy(&ReturnStrategy::BlockingTask).is_ok());
        assert!(check_strategy(&ReturnStrategy::Unknown("X".into())).is_err());
    }
}
