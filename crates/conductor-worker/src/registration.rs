//! Start-up registration: creates a worker's missing task definition, with its schemas linked,
//! and never touches one that exists.

use conductor_http::{Backoff, Result, Retries};
use conductor_models::TaskDef;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::api::TaskApi;
use crate::classify::is_permanent_update_error;
use crate::poller::backoff::LogLimiter;
use crate::runner::TaskRunner;
use crate::worker::Worker;

/// What registration did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Registration {
    /// The server had no definition; this one was created.
    Created(Box<TaskDef>),
    /// The server already had a definition; it was left as is.
    AlreadyExists,
}

/// The definition registered for `worker`: its template (or `TaskDef::new(name)` with the server's
/// defaults) named after the task type, with the worker's schemas linked as `inputSchema` /
/// `outputSchema` (named `{task}_input` / `{task}_output`).
pub(crate) fn task_def_for(worker: &dyn Worker, task_type: &str) -> TaskDef {
    let mut task_def = worker
        .task_def_template()
        .unwrap_or_else(|| TaskDef::new(task_type));
    if task_def.name != task_type {
        warn!(template = %task_def.name, task_type, "task definition template renamed to the worker's task type");
        task_def.name = task_type.to_owned();
    }
    if let Some(schema) = worker.input_schema() {
        task_def = task_def.with_input_schema(schema);
    }
    if let Some(schema) = worker.output_schema() {
        task_def = task_def.with_output_schema(schema);
    }
    task_def
}

/// Creates `worker`'s task definition if the server has none.
///
/// An existing definition is never updated: retries, timeouts and anything else set on the
/// server stay as they are.
pub(crate) async fn ensure_task_def(
    api: &dyn TaskApi,
    worker: &dyn Worker,
    task_type: &str,
) -> Result<Registration> {
    if api.get_task_def(task_type).await?.is_some() {
        return Ok(Registration::AlreadyExists);
    }
    let task_def = task_def_for(worker, task_type);
    api.register_task_def(&task_def).await?;
    Ok(Registration::Created(Box::new(task_def)))
}

/// Runs [`ensure_task_def`] until it succeeds, fails permanently, or shutdown begins; a server
/// that is down at start-up is waited for with the poll-error backoff.
pub(crate) async fn register_until_done(runner: &TaskRunner) {
    let runtime = &runner.runtime;
    let (initial, max) = runtime.options.poll_error_backoff();
    let mut backoff = Retries::new(Backoff::new(initial, max));
    let mut log = LogLimiter::new(runtime.options.poll_error_log_interval());
    let task_type = runner.task_type();
    loop {
        let attempt = tokio::select! {
            biased;
            () = runtime.stopping.cancelled() => return,
            attempt = ensure_task_def(runtime.api.as_ref(), runner.worker.as_ref(), task_type) => attempt,
        };
        match attempt {
            Ok(Registration::Created(task_def)) => {
                info!(
                    task_type,
                    input_schema = task_def.input_schema.is_some(),
                    output_schema = task_def.output_schema.is_some(),
                    "task definition registered"
                );
                return;
            }
            Ok(Registration::AlreadyExists) => {
                debug!(task_type, "task definition exists; left unchanged");
                return;
            }
            Err(err) if is_permanent_update_error(&err) => {
                warn!(task_type, %err, "could not register the task definition; giving up");
                return;
            }
            Err(err) => {
                let wait = backoff.on_failure();
                if log.check(Instant::now()).is_some() {
                    warn!(task_type, %err, "could not register the task definition yet; retrying");
                }
                tokio::select! {
                    biased;
                    () = runtime.stopping.cancelled() => return,
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}
