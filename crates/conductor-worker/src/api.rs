//! [`TaskApi`]: the few server calls the worker runtime makes, as a trait, so the runtime can run
//! against a real server ([`ConductorClient`]) or a fake in tests.

use std::time::Duration;

use async_trait::async_trait;
use conductor_client::ConductorClient;
use conductor_http::{Result, RetryPolicy};
use conductor_models::{Task, TaskDef, TaskResult};

/// Everything the worker runtime asks of the Conductor server.
///
/// [`ConductorClient`] implements it over HTTP; tests implement it with a scripted fake. Errors
/// are [`ConductorError`](conductor_http::ConductorError)s, whose predicates (`status()`,
/// `is_retryable()`) drive the runtime's retry decisions.
///
/// ```
/// use std::sync::Arc;
/// use conductor_client::{ConductorClient, Configuration};
/// use conductor_worker::TaskApi;
///
/// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
/// let api: Arc<dyn TaskApi> = Arc::new(client);
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[async_trait]
pub trait TaskApi: Send + Sync {
    /// Polls up to `count` tasks of `task_type`, waiting up to `timeout` on the server
    /// (`GET /tasks/poll/batch/{taskType}`). Returned tasks are `IN_PROGRESS` for `worker_id`.
    async fn batch_poll(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Task>>;

    /// Reports a result (`POST /tasks`).
    async fn update(&self, result: &TaskResult) -> Result<()>;

    /// Reports a result and polls the next task of the same type for the result's `workerId` in
    /// the same round trip (`POST /tasks/update-v2`). On servers without it the error says so
    /// ([`ConductorError::is_missing_endpoint`](conductor_http::ConductorError::is_missing_endpoint):
    /// [`UnsupportedByServer`](conductor_http::ConductorError::UnsupportedByServer) from
    /// [`ConductorClient`], or a 404/405/500 "no handler" answer) and the runtime switches to
    /// [`update`](Self::update) for good.
    async fn update_v2(&self, result: &TaskResult) -> Result<Option<Task>>;

    /// The task with id `task_id` as the server has it now (`GET /tasks/{taskId}`), or `None` when
    /// the server does not know it. The runtime asks while a long execution runs (is the task still
    /// this worker's?) and before it calls a result lost (did the server apply it after all?).
    async fn get_task(&self, task_id: &str) -> Result<Option<Task>>;

    /// The task definition named `name`, or `None` if there is none.
    async fn get_task_def(&self, name: &str) -> Result<Option<TaskDef>>;

    /// Creates (or on OSS, replaces) a task definition.
    async fn register_task_def(&self, task_def: &TaskDef) -> Result<()>;
}

/// Over HTTP, through the client's task and metadata clients.
///
/// The runtime owns the retries of polls and updates: it waits out its own backoff after a failed
/// poll and retries a failed update until the task's response timeout
/// ([`RunnerOptions::with_update_retries`](crate::RunnerOptions::with_update_retries) caps it). So
/// `batch_poll`, `update` and `update_v2` send one request each, with [`RetryPolicy::none`],
/// whatever the configuration's [`RetryPolicy`]: retries do not stack. (The single replay after a
/// rejected token still happens.) Reading and registering task definitions, at start-up, keep the
/// configuration's policy.
#[async_trait]
impl TaskApi for ConductorClient {
    async fn batch_poll(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Task>> {
        self.task_client()
            .with_retry_policy(RetryPolicy::none())
            .batch_poll(task_type, worker_id, domain, count, timeout)
            .await
    }

    async fn update(&self, result: &TaskResult) -> Result<()> {
        self.task_client()
            .with_retry_policy(RetryPolicy::none())
            .update_task(result)
            .await
            .map(|_| ())
    }

    async fn update_v2(&self, result: &TaskResult) -> Result<Option<Task>> {
        self.task_client()
            .with_retry_policy(RetryPolicy::none())
            .update_task_v2(result)
            .await
    }

    async fn get_task(&self, task_id: &str) -> Result<Option<Task>> {
        match self.task_client().get_task(task_id).await {
            Ok(task) => Ok(Some(task)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn get_task_def(&self, name: &str) -> Result<Option<TaskDef>> {
        match self.metadata_client().get_task_def(name).await {
            Ok(task_def) => Ok(Some(task_def)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn register_task_def(&self, task_def: &TaskDef) -> Result<()> {
        self.metadata_client().register_task_def(task_def).await
    }
}
