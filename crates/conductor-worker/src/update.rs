//! Reporting results: the first attempt in the execution slot (update-v2 with a permanent
//! fallback to v1), retries off the slot with backoff, the `TaskUpdateFailure` event when a
//! result is lost, and returning unfinished tasks to the server at shutdown.

use std::sync::Arc;

use conductor_events::{TaskUpdateCompleted, TaskUpdateFailure};
use conductor_http::{Backoff, ConductorError, Result, Retries};
use conductor_models::{Task, TaskResult};
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use crate::classify::{error_type, is_permanent_update_error};
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
            // No handler ran (conductor-oss before 3.21.12 answers 500 "Request method 'POST'
            // is not supported", others 404 "No static resource" or 405; the client reports
            // UnsupportedByServer), so the result was not recorded: send it with v1.
            Err(err) if err.is_missing_endpoint() => {
                runtime.disable_v2(&format!("update-v2 unavailable: {err}"));
            }
            Err(err) if err.status() == Some(404) => {
                // A 404 that does not say "no handler" (a proxy's page, say) means either "no
                // update-v2 endpoint" or "no such task/workflow". v1 tells them apart: if it
                // accepts the result, the endpoint is what was missing.
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
    let mut backoff = Retries::new(Backoff::new(initial, max));
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use async_trait::async_trait;
    use conductor_events::EventDispatcher;
    use conductor_models::TaskDef;

    use super::*;
    use crate::api::TaskApi;
    use crate::config::{EnvLookup, WorkerConfig};
    use crate::fn_worker::FnWorker;
    use crate::options::RunnerOptions;
    use crate::output::WorkerOutput;
    use crate::runtime::{Runtime, WorkerState};

    /// A server whose update-v2 always fails with `v2_error`; v1 always succeeds.
    struct Server {
        v2_error: fn() -> ConductorError,
        v2_calls: AtomicUsize,
        v1_calls: AtomicUsize,
    }

    #[async_trait]
    impl TaskApi for Server {
        async fn batch_poll(
            &self,
            _task_type: &str,
            _worker_id: Option<&str>,
            _domain: Option<&str>,
            _count: usize,
            _timeout: Duration,
        ) -> Result<Vec<Task>> {
            Ok(Vec::new())
        }

        async fn update(&self, _result: &TaskResult) -> Result<()> {
            self.v1_calls.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }

        async fn update_v2(&self, _result: &TaskResult) -> Result<Option<Task>> {
            self.v2_calls.fetch_add(1, Ordering::SeqCst);
            Err((self.v2_error)())
        }

        async fn get_task_def(&self, _name: &str) -> Result<Option<TaskDef>> {
            Ok(None)
        }

        async fn register_task_def(&self, _task_def: &TaskDef) -> Result<()> {
            Ok(())
        }
    }

    fn runner(server: Arc<Server>) -> Arc<TaskRunner> {
        let worker = FnWorker::new("t", |_task: Task| async {
            Ok(WorkerOutput::completed_with_result("done"))
        });
        let config = WorkerConfig::resolve_with(&worker, &EnvLookup::new(|_| None)).unwrap();
        let runtime = Runtime::new(server, EventDispatcher::new(), RunnerOptions::default());
        TaskRunner::new(
            Arc::new(worker),
            config,
            WorkerState::new(),
            Arc::new(runtime),
        )
    }

    fn server(v2_error: fn() -> ConductorError) -> Arc<Server> {
        Arc::new(Server {
            v2_error,
            v2_calls: AtomicUsize::new(0),
            v1_calls: AtomicUsize::new(0),
        })
    }

    /// conductor-oss 3.21.0–3.21.11 (before 3.32 a wrong method is a 500).
    fn method_not_supported() -> ConductorError {
        ConductorError::Server {
            status: 500,
            message: "Request method 'POST' is not supported".into(),
            retryable: false,
            response: None,
        }
    }

    fn no_static_resource() -> ConductorError {
        ConductorError::Api {
            status: 404,
            message: "No static resource api/tasks/update-v2.".into(),
            code: None,
            response: None,
        }
    }

    fn unsupported() -> ConductorError {
        ConductorError::unsupported_by_server("POST /tasks/update-v2", "conductor-oss 3.21.12")
    }

    fn validation_failed() -> ConductorError {
        ConductorError::Server {
            status: 500,
            message: "Validation failed for argument [0]".into(),
            retryable: false,
            response: None,
        }
    }

    #[tokio::test]
    async fn a_missing_update_v2_switches_to_v1_for_good_after_one_try() {
        for v2_error in [method_not_supported, no_static_resource, unsupported] {
            let server = server(v2_error);
            let runner = runner(Arc::clone(&server));
            let result = TaskResult::completed("task-1", "wf-1");
            for _ in 0..3 {
                assert!(matches!(
                    first_attempt(&runner, &result, true).await,
                    Ok(None)
                ));
            }
            assert_eq!(server.v2_calls.load(Ordering::SeqCst), 1, "{}", v2_error());
            assert_eq!(server.v1_calls.load(Ordering::SeqCst), 3);
            assert!(!runner.runtime.use_v2());
        }
    }

    #[tokio::test]
    async fn other_update_v2_errors_keep_update_v2() {
        let server = server(validation_failed);
        let runner = runner(Arc::clone(&server));
        let result = TaskResult::completed("task-1", "wf-1");
        let error = first_attempt(&runner, &result, true).await.unwrap_err();
        assert_eq!(error.status(), Some(500));
        assert_eq!(server.v1_calls.load(Ordering::SeqCst), 0);
        assert!(runner.runtime.use_v2());
    }
}
