//! Runs one task through the worker's code: context, panic isolation, the lease keeper (lease
//! extension and ownership checks), the shutdown deadline, and the mapping of the outcome to a
//! [`TaskResult`].

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use conductor_events::{
    PANIC_ERROR_TYPE, TaskExecutionCancelled, TaskExecutionCompleted, TaskExecutionFailure,
    TaskExecutionStarted, panic_message,
};
use conductor_http::{Result, error_chain};
use conductor_models::{Task, TaskResult, TaskResultStatus};
use futures_util::FutureExt as _;
use tokio::time::{Duration, Instant};
use tracing::{Instrument, debug, error, info, warn};

use crate::classify::{error_type, failure_reason};
use crate::context::TaskContext;
use crate::lease::{Lease, LeaseKeeper};
use crate::output::WorkerOutput;
use crate::runner::TaskRunner;
use crate::telemetry;

/// The `error_type` of the `TaskExecutionFailure` published for an execution abandoned at
/// shutdown.
const ABANDONED_ERROR_TYPE: &str = "AbandonedAtShutdown";

/// How an execution ended.
pub(crate) enum Execution {
    /// The worker's code returned (or panicked); this is the result to report.
    Finished(Box<TaskResult>),
    /// The shutdown deadline passed first; the execution was dropped (no code of it runs any
    /// more), so the task can be handed back.
    Aborted,
    /// The worker's code was still running on a blocking thread at the hard deadline: it cannot
    /// be stopped, so the task is not handed back (it would run twice) and waits out its
    /// response timeout.
    Abandoned,
    /// The task stopped being this worker's while it ran (cancelled, timed out, retried); the
    /// execution's context was cancelled and its result is not sent.
    Cancelled,
}

/// Executes `task` with `runner`'s worker, keeping its lease meanwhile.
pub(crate) async fn execute(runner: &TaskRunner, task: &Task, lease: &Lease) -> Execution {
    let runtime = &runner.runtime;
    let worker_id = runner.worker_id();
    runtime.events.publish_with(|| TaskExecutionStarted {
        task_type: runner.task_type().to_owned(),
        task_id: task.task_id.clone(),
        workflow_instance_id: task.workflow_instance_id.clone(),
        worker_id: worker_id.to_owned(),
    });
    let span = telemetry::execute_span();
    // Fires on shutdown (a child of `stopping`) or when the task is no longer this worker's.
    let cancel = runtime.stopping.child_token();
    let context = TaskContext::for_execution(task, worker_id, cancel.clone());
    let started = Instant::now();
    // The future is never polled again after a panic (`catch_unwind` answers at once), so no
    // broken state can be observed: asserting unwind safety is sound.
    let user_code = AssertUnwindSafe(context.clone().scope(runner.worker.execute(task)))
        .catch_unwind()
        .instrument(span.clone());
    tokio::pin!(user_code);
    let keeper = LeaseKeeper::new(
        Arc::clone(&runtime.api),
        worker_id,
        task,
        runner.config.lease_extend_enabled(),
        runtime.options.lease_extend_fraction(),
        runtime.options.task_status_check_interval(),
    );
    let keep = keeper.keep(task, lease);
    tokio::pin!(keep);
    let hard_deadline = tokio::time::sleep(Duration::MAX);
    tokio::pin!(hard_deadline);
    let mut past_deadline = false;
    let mut lost_to: Option<String> = None;
    let outcome = loop {
        tokio::select! {
            biased;
            outcome = &mut user_code => break outcome,
            server_status = &mut keep, if lost_to.is_none() => {
                // Cooperative: the code sees its context cancelled and decides when to stop.
                cancel.cancel();
                info!(task_type = runner.task_type(), task_id = %task.task_id, %server_status, "the task is no longer this worker's; its execution is cancelled");
                runtime.events.publish_with(|| TaskExecutionCancelled {
                    task_type: runner.task_type().to_owned(),
                    task_id: task.task_id.clone(),
                    workflow_instance_id: task.workflow_instance_id.clone(),
                    worker_id: worker_id.to_owned(),
                    server_status: server_status.clone(),
                    duration: started.elapsed(),
                });
                lost_to = Some(server_status);
            }
            () = runtime.deadline.cancelled(), if !past_deadline => {
                if lost_to.is_some() {
                    return Execution::Cancelled;
                }
                if !context.is_blocking() {
                    warn!(task_type = runner.task_type(), task_id = %task.task_id, "execution still running at the shutdown deadline; dropping it");
                    return Execution::Aborted;
                }
                // Code on a blocking thread goes on whatever happens to this future: wait for it.
                warn!(task_type = runner.task_type(), task_id = %task.task_id, "execution still running on a blocking thread at the shutdown deadline; waiting for it");
                past_deadline = true;
                hard_deadline
                    .as_mut()
                    .reset(Instant::now() + runtime.options.blocking_shutdown_grace());
            }
            () = &mut hard_deadline, if past_deadline => {
                error!(task_type = runner.task_type(), task_id = %task.task_id, "execution still running on a blocking thread after the blocking grace: not returned to the server (it would run twice); the task waits out its response timeout");
                runtime.events.publish_with(|| TaskExecutionFailure {
                    task_type: runner.task_type().to_owned(),
                    task_id: task.task_id.clone(),
                    workflow_instance_id: task.workflow_instance_id.clone(),
                    worker_id: worker_id.to_owned(),
                    duration: started.elapsed(),
                    error: "still running on a blocking thread at the shutdown deadline".to_owned(),
                    error_type: ABANDONED_ERROR_TYPE.to_owned(),
                    is_retryable: true,
                });
                return Execution::Abandoned;
            }
        }
    };
    if let Some(server_status) = lost_to {
        debug!(task_id = %task.task_id, %server_status, "execution of a task no longer this worker's ended; its result is not sent");
        return Execution::Cancelled;
    }
    let duration = started.elapsed();
    let panicked = outcome.is_err();
    let mut result = to_result(task, outcome, runner, duration);
    telemetry::record_outcome(
        &span,
        if panicked {
            "panicked"
        } else {
            result.status.as_str()
        },
        !matches!(
            result.status,
            TaskResultStatus::Completed | TaskResultStatus::InProgress
        ),
    );
    let reports = context.take_reports();
    for line in reports.logs {
        result = result.with_log(line);
    }
    if let Some(seconds) = reports.callback_after_seconds {
        result.callback_after_seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    }
    result.worker_id = Some(worker_id.to_owned());
    Execution::Finished(Box::new(result))
}

/// Maps the outcome to a result and publishes the execution event.
fn to_result(
    task: &Task,
    outcome: std::result::Result<Result<WorkerOutput>, Box<dyn Any + Send>>,
    runner: &TaskRunner,
    duration: std::time::Duration,
) -> TaskResult {
    let (task_id, workflow_id) = (task.task_id.as_str(), task.workflow_instance_id.as_str());
    let failure = |reason: String, error_type: &str, retryable: bool| {
        runner.runtime.events.publish_with(|| TaskExecutionFailure {
            task_type: runner.task_type().to_owned(),
            task_id: task_id.to_owned(),
            workflow_instance_id: workflow_id.to_owned(),
            worker_id: runner.worker_id().to_owned(),
            duration,
            error: reason,
            error_type: error_type.to_owned(),
            is_retryable: retryable,
        });
    };
    let result = match outcome {
        Ok(Ok(WorkerOutput::Completed(output))) => {
            TaskResult::completed(task_id, workflow_id).with_output(output)
        }
        Ok(Ok(WorkerOutput::InProgress(progress))) => {
            let callback = i64::try_from(progress.callback_after_seconds()).unwrap_or(i64::MAX);
            TaskResult::in_progress(task_id, workflow_id, callback)
                .with_output(progress.into_output())
        }
        Ok(Ok(WorkerOutput::Failed(reason))) => {
            debug!(task_id, %reason, "task failed");
            failure(reason.clone(), "Failed", true);
            return TaskResult::failed(task_id, workflow_id, reason);
        }
        Ok(Ok(WorkerOutput::FailedWithTerminalError(reason))) => {
            debug!(task_id, %reason, "task failed terminally");
            failure(reason.clone(), "FailedWithTerminalError", false);
            return TaskResult::failed_with_terminal_error(task_id, workflow_id, reason);
        }
        Ok(Err(error)) => {
            let reason = failure_reason(&error);
            let terminal = error.is_non_retryable();
            debug!(task_id, %error, terminal, "worker returned an error");
            failure(reason.clone(), error_type(&error), !terminal);
            let result = if terminal {
                TaskResult::failed_with_terminal_error(task_id, workflow_id, reason)
            } else {
                TaskResult::failed(task_id, workflow_id, reason)
            };
            return result.with_log(format!("worker error: {}", error_chain(&error)));
        }
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            warn!(
                task_type = runner.task_type(),
                task_id,
                panic = message,
                "worker panicked; failing the task"
            );
            let reason = format!("worker panicked: {message}");
            failure(reason.clone(), PANIC_ERROR_TYPE, true);
            return TaskResult::failed(task_id, workflow_id, reason);
        }
    };
    runner
        .runtime
        .events
        .publish_with(|| TaskExecutionCompleted {
            task_type: runner.task_type().to_owned(),
            task_id: task_id.to_owned(),
            workflow_instance_id: workflow_id.to_owned(),
            worker_id: runner.worker_id().to_owned(),
            duration,
            output_size_bytes: serde_json::to_vec(&result.output_data)
                .map_or(0, |bytes| bytes.len()),
            status: result.status.clone(),
        });
    debug_assert!(matches!(
        result.status,
        TaskResultStatus::Completed | TaskResultStatus::InProgress
    ));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_in_any_poll_becomes_its_payload() {
        let output = AssertUnwindSafe(async { 5 }).catch_unwind().await;
        assert_eq!(output.ok(), Some(5));
        let caught = AssertUnwindSafe(async {
            tokio::task::yield_now().await;
            panic!("boom {}", 7);
        })
        .catch_unwind()
        .await
        .unwrap_err();
        assert_eq!(panic_message(caught.as_ref()), "boom 7");
    }
}
