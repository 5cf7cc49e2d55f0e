//! Reporting results: the first attempt in the execution slot (update-v2 with a permanent
//! fallback to v1), retries off the slot with backoff, the `TaskUpdateFailure` event when a
//! result is lost, and returning unfinished tasks to the server at shutdown.

use std::sync::Arc;

use conductor_events::{TaskUpdateCompleted, TaskUpdateFailure};
use conductor_http::{ConductorError, Result};
use conductor_models::{Task, TaskResult};
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use crate::classify::{error_type, is_permanent_update_error};
use crate::poller::backoff::ErrorBackoff;
use crate::runner::TaskRunner;

/// Reports `result`. Returns the next task when update-v2 handed one out (`want_next`).
///
/// The first attempt happens in the caller's execution slot. If it fails with an error that may
/// heal, the retries continue in a background task and this returns at once, so a struggling
/// server does not hold the slot.
pub(crate) async fn report(
    runner: &Arc<TaskRunner>,
    result: TaskResult,
    want_next: bool,
) -> Option<Task> {
    let runtime = &runner.runtime;
    let started = Instant::now();
    match runtime
        .bounded(first_attempt(runner, &result, want_next))
        .await
    {
        Some(Ok(next)) => {
            publish_completed(runner, &result, started, 1);
            next
        }
        Some(Err(err)) if is_permanent_update_error(&err) => {
            lost(runner, &result, &err, 0, started, "the server rejected it");
            None
        }
        Some(Err(err)) if runtime.options.update_retries() == 0 => {
            lost(runner, &result, &err, 0, started, "retries are disabled");
            None
        }
        Some(Err(err)) => {
            debug!(task_id = %result.task_id, %err, "task update failed; retrying off the slot");
            let runner = Arc::clone(runner);
            runtime
                .tracker
                .spawn(async move { retry(&runner, result, err, started).await });
            None
        }
        None => {
            let err = ConductorError::timeout("task update still pending at the shutdown deadline");
            lost(runner, &result, &err, 0, started, "shutdown deadline");
            None
        }
    }
}

/// One update: update-v2 when a next task is wanted and the server has it, else v1.
async fn first_attempt(
    runner: &TaskRunner,
    result: &TaskResult,
    want_next: bool,
) -> Result<Option<Task>> {
    let runtime = &runner.runtime;
    if want_next && runtime.use_v2() {
        match runtime.api.update_v2(result).await {
            Ok(next) => return Ok(next),
            Err(err) if err.status() == Some(405) => runtime.disable_v2("405 on update-v2"),
            Err(err) if err.status() == Some(404) => {
                // 404 means either "no update-v2 endpoint" or "no such task/workflow". v1 tells
                // them apart: if it accepts the result, the endpoint is what was missing.
                return match runtime.api.update(result).await {
                    Ok(()) => {
                        runtime
                            .disable_v2("404 on update-v2 while POST /tasks accepted the result");
                        Ok(None)
                    }
                    Err(v1_err) => Err(v1_err),
                };
            }
            Err(err) => return Err(err),
        }
    }
    runtime.api.update(result).await.map(|()| None)
}

/// Retries `result` with backoff until it is delivered, a permanent error comes back, the retries
/// run out, or the shutdown deadline passes (then one last attempt is made).
async fn retry(
    runner: &TaskRunner,
    result: TaskResult,
    first_error: ConductorError,
    started: Instant,
) {
    let runtime = &runner.runtime;
    let max_retries = runtime.options.update_retries();
    let (initial, max) = runtime.options.update_backoff();
    let mut backoff = ErrorBackoff::new(initial, max);
    let mut last_error = first_error;
    for retry in 1..=max_retries {
        let wait = backoff.on_failure();
        let deadline_passed = !runtime.sleep_before_deadline(wait).await;
        let attempt = runtime.bounded(runtime.api.update(&result)).await;
        match attempt {
            Some(Ok(())) => {
                info!(task_id = %result.task_id, retries = retry, "task update delivered after retrying");
                publish_completed(runner, &result, started, retry + 1);
                return;
            }
            Some(Err(err)) => {
                let permanent = is_permanent_update_error(&err);
                warn!(task_id = %result.task_id, retry, max_retries, %err, "task update retry failed");
                last_error = err;
                if permanent {
                    lost(
                        runner,
                        &result,
                        &last_error,
                        retry,
                        started,
                        "the server rejected it",
                    );
                    return;
                }
            }
            None => {
                last_error =
                    ConductorError::timeout("task update still pending at the shutdown deadline");
            }
        }
        if deadline_passed || runtime.deadline.is_cancelled() {
            lost(
                runner,
                &result,
                &last_error,
                retry,
                started,
                "shutdown deadline",
            );
            return;
        }
    }
    lost(
        runner,
        &result,
        &last_error,
        max_retries,
        started,
        "retries exhausted",
    );
}

/// Logs and publishes a result that could not be delivered.
fn lost(
    runner: &TaskRunner,
    result: &TaskResult,
    err: &ConductorError,
    retries: u32,
    started: Instant,
    why: &str,
) {
    error!(
        task_type = runner.task_type(),
        task_id = %result.task_id,
        workflow_instance_id = %result.workflow_instance_id,
        status = %result.status,
        retries,
        %err,
        "task result LOST ({why}); the task will time out on the server. Listen for TaskUpdateFailure to keep it"
    );
    runner.runtime.events.publish_with(|| TaskUpdateFailure {
        task_type: runner.task_type().to_owned(),
        task_id: result.task_id.clone(),
        workflow_instance_id: result.workflow_instance_id.clone(),
        worker_id: runner.worker_id().to_owned(),
        error: err.to_string(),
        error_type: error_type(err).to_owned(),
        retry_count: retries,
        duration: started.elapsed(),
        task_result: result.clone(),
    });
}

fn publish_completed(runner: &TaskRunner, result: &TaskResult, started: Instant, attempts: u32) {
    runner.runtime.events.publish_with(|| TaskUpdateCompleted {
        task_type: runner.task_type().to_owned(),
        task_id: result.task_id.clone(),
        workflow_instance_id: result.workflow_instance_id.clone(),
        worker_id: runner.worker_id().to_owned(),
        status: result.status.clone(),
        duration: started.elapsed(),
        attempts,
    });
}

/// Returns an unfinished task to the server so another worker picks it up at once.
///
/// It is reported `IN_PROGRESS` with `callbackAfterSeconds` 0: for a worker task the server then
/// puts it back to `SCHEDULED` and makes it pollable immediately, without using up a retry
/// (a `FAILED` report would consume one, and fail the workflow when none is left). The task's
/// current output is sent back unchanged, since an update replaces it. A log line on the task
/// says why. If the server cannot be reached, the task waits out its `responseTimeoutSeconds` as
/// it would have anyway.
pub(crate) async fn hand_back(runner: &TaskRunner, task: &Task, why: &str) {
    let runtime = &runner.runtime;
    let result = TaskResult::in_progress(&task.task_id, &task.workflow_instance_id, 0)
        .with_output(task.output_data.clone())
        .with_worker_id(runner.worker_id())
        .with_log(format!(
            "{why}: returned to the queue by worker {}",
            runner.worker_id()
        ));
    let started = Instant::now();
    let sent = tokio::time::timeout(
        runtime.options.hand_back_timeout(),
        runtime.api.update(&result),
    )
    .await;
    match sent {
        Ok(Ok(())) => {
            info!(task_type = runner.task_type(), task_id = %task.task_id, reason = why, "task returned to the server");
            publish_completed(runner, &result, started, 1);
        }
        Ok(Err(err)) => lost(
            runner,
            &result,
            &err,
            0,
            started,
            "could not return the task",
        ),
        Err(_) => {
            let err = ConductorError::timeout("returning the task timed out");
            lost(
                runner,
                &result,
                &err,
                0,
                started,
                "could not return the task",
            );
        }
    }
}
