//! Runs one task through the worker's code: context, panic isolation, lease extension, and the
//! mapping of the outcome to a [`TaskResult`].

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use conductor_events::{
    PANIC_ERROR_TYPE, TaskExecutionCompleted, TaskExecutionFailure, TaskExecutionStarted,
};
use conductor_http::Result;
use conductor_models::{Task, TaskResult, TaskResultStatus};
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
    let user_code = CatchUnwind::new(context.clone().scope(runner.worker.execute(task)));
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

/// The error and its sources, joined.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}

/// Polls a future, turning a panic during any poll into `Err(payload)`.
///
/// The future is boxed so it can be polled through `Pin<&mut>` without unsafe pin projection.
struct CatchUnwind<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> CatchUnwind<F> {
    fn new(future: F) -> Self {
        Self {
            inner: Box::pin(future),
        }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::result::Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.get_mut().inner.as_mut();
        // The future is never polled again after a panic (we return Ready), so no broken state
        // can be observed: asserting unwind safety is sound.
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn catch_unwind_returns_output_or_payload() {
        assert_eq!(CatchUnwind::new(async { 5 }).await.unwrap(), 5);
        let caught = CatchUnwind::new(async {
            tokio::task::yield_now().await;
            panic!("boom {}", 7);
        })
        .await
        .unwrap_err();
        assert_eq!(panic_message(caught.as_ref()), "boom 7");
        let caught = CatchUnwind::new(async { std::panic::panic_any(42_u8) })
            .await
            .unwrap_err();
        assert_eq!(panic_message(caught.as_ref()), "non-string panic payload");
    }
}
