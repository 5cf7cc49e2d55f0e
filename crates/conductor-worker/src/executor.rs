//! Runs one task through the worker's code: context, panic isolation, lease extension, and the
//! mapping of the outcome to a [`TaskResult`].

use std::any::Any;
use std::panic::AssertUnwindSafe;

use conductor_events::{
    PANIC_ERROR_TYPE, TaskExecutionCompleted, TaskExecutionFailure, TaskExecutionStarted,
    panic_message,
};
use conductor_http::{Result, error_chain};
use conductor_models::{Task, TaskResult, TaskResultStatus};
use futures_util::FutureExt as _;
use tokio::time::Instant;
use tracing::{Instrument, debug, info_span, warn};

use crate::classify::{error_type, failure_reason};
use crate::context::TaskContext;
use crate::lease;
use crate::output::WorkerOutput;
use crate::runner::TaskRunner;

/// How an execution ended.
pub(crate) enum Execution {
    /// The worker's code returned (or panicked); this is the result to report.
    Finished(Box<TaskResult>),
    /// The shutdown deadline passed first; the execution was dropped.
    Aborted,
}

/// Executes `task` with `runner`'s worker.
pub(crate) async fn execute(runner: &TaskRunner, task: &Task) -> Execution {
    let runtime = &runner.runtime;
    let worker_id = runner.worker_id();
    runtime.events.publish_with(|| TaskExecutionStarted {
        task_type: runner.task_type().to_owned(),
        task_id: task.task_id.clone(),
        workflow_instance_id: task.workflow_instance_id.clone(),
        worker_id: worker_id.to_owned(),
    });
    let span = info_span!(
        "task",
        task_type = runner.task_type(),
        task_id = %task.task_id,
        workflow_instance_id = %task.workflow_instance_id,
        poll_count = task.poll_count,
    );
    let context = TaskContext::for_execution(task, worker_id, runtime.stopping.child_token());
    let started = Instant::now();
    // The future is never polled again after a panic (`catch_unwind` answers at once), so no
    // broken state can be observed: asserting unwind safety is sound.
    let user_code =
        AssertUnwindSafe(context.clone().scope(runner.worker.execute(task))).catch_unwind();
    let heartbeat = async {
        if runner.config.lease_extend_enabled() {
            lease::keep_alive(runner, task).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let outcome = tokio::select! {
        biased;
        outcome = user_code.instrument(span) => outcome,
        () = runtime.deadline.cancelled() => {
            warn!(task_type = runner.task_type(), task_id = %task.task_id, "execution still running at the shutdown deadline; dropping it");
            return Execution::Aborted;
        }
        () = heartbeat => {
            // `keep_alive` never returns; this arm only keeps the types honest.
            return Execution::Aborted;
        }
    };
    let duration = started.elapsed();
    let mut result = to_result(task, outcome, runner, duration);
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
