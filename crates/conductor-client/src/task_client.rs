//! [`TaskClient`]: the task resource (`/tasks`): polling, result updates (v1, v2, by reference
//! name, signals), task logs, queues and poll data, task search.

use std::collections::HashMap;
use std::time::Duration;

use conductor_http::{
    ApiClient, Backoff, ConductorError, Jitter, Result, RetryPolicy, encode_segment,
};
use conductor_models::{
    ExternalStorageLocation, PayloadOperation, PayloadType, PollData, ReturnStrategy, SearchResult,
    SignalResponse, Task, TaskExecLog, TaskResult, TaskResultStatus, TaskSummary, Workflow,
};
use serde::Serialize;
use tracing::{debug, warn};

use crate::compat::{self, REMOVE_FROM_QUEUE, SEARCH_V2, SIGNAL, SIGNAL_SYNC, UPDATE_V2};
use crate::options::{BatchPollOptions, QueueSizeOptions, whole_millis_rounded_up};
use crate::search::{SearchQuery, quote_query_value};
use crate::sync_wait::{self, WaitSpec};
use crate::util::{
    json_object, non_empty_text, observe_external_payload, parse_count, timeout_with_wait,
};

/// Client for the task resource (`/api/tasks`): what workers and operators do with tasks.
///
/// Cheap to clone (it shares the [`ApiClient`] of the [`ConductorClient`](crate::ConductorClient)
/// it came from), `Send + Sync`. Its requests are retried per the configuration's
/// [`RetryPolicy`], or per the one given to [`with_retry_policy`](Self::with_retry_policy).
///
/// ```no_run
/// use std::time::Duration;
/// use conductor_client::{ConductorClient, Configuration, models::TaskResult};
///
/// # async fn run() -> conductor_client::Result<()> {
/// let client = ConductorClient::new(Configuration::from_env())?;
/// let task_client = client.task_client();
/// let tasks = task_client
///     .batch_poll("my_task", Some("worker-1"), None, 10, Duration::from_secs(1))
///     .await?;
/// for task in &tasks {
///     let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
///         .with_output_value("result", "done");
///     task_client.update_task_with_retry(&result, 3).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TaskClient {
    /// Carries the retry policy set with `with_retry_policy`, so that every request built on it
    /// (here and in the helpers it is lent to) is sent under that policy.
    api: ApiClient,
    /// The waits between the attempts of `update_task_with_retry`.
    update_schedule: Backoff,
}

impl TaskClient {
    /// A task client on `api`.
    ///
    /// ```
    /// use conductor_client::{ApiClient, Configuration, TaskClient};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let tasks = TaskClient::new(api);
    /// assert_eq!(tasks.api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn new(api: ApiClient) -> Self {
        Self {
            api,
            update_schedule: default_update_schedule(),
        }
    }

    /// Sends every request of this client under `policy` instead of the configuration's
    /// [`RetryPolicy`] (other clients of the same [`ConductorClient`](crate::ConductorClient)
    /// are not affected).
    ///
    /// [`RetryPolicy::none`] sends each request once: for callers that keep their own retry
    /// budget, such as the worker runtime, so that their retries and the HTTP layer's do not
    /// multiply. The single replay after the server rejects the token (401) still happens.
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration, RetryPolicy};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let tasks = client.task_client().with_retry_policy(RetryPolicy::none());
    /// assert_eq!(tasks.api_client().retry_policy().max_retries(), 0);
    /// // The configuration, and the other clients, keep their policy.
    /// assert_eq!(client.task_client().api_client().retry_policy(), &RetryPolicy::default());
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.api = self.api.with_retry_policy(policy);
        self
    }

    /// Sets the waits between the attempts of
    /// [`update_task_with_retry`](Self::update_task_with_retry) (the number of attempts is that
    /// method's argument).
    ///
    /// Default: 1 s doubling up to 30 s, with full jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::{Backoff, ConductorClient, Configuration, Jitter};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let schedule = Backoff::new(Duration::from_millis(200), Duration::from_secs(5))
    ///     .with_jitter(Jitter::Equal);
    /// let tasks = client.task_client().with_update_schedule(schedule);
    /// assert_eq!(tasks.update_schedule(), &schedule);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_update_schedule(mut self, schedule: Backoff) -> Self {
        self.update_schedule = schedule;
        self
    }

    /// The waits between the attempts of
    /// [`update_task_with_retry`](Self::update_task_with_retry).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::{ConductorClient, Configuration, Jitter};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let schedule = *client.task_client().update_schedule();
    /// assert_eq!(schedule.initial(), Duration::from_secs(1));
    /// assert_eq!(schedule.max(), Duration::from_secs(30));
    /// assert_eq!(schedule.jitter(), Jitter::Full);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn update_schedule(&self) -> &Backoff {
        &self.update_schedule
    }

    /// Sets the waits of [`update_task_with_retry`](Self::update_task_with_retry) from a
    /// [`RetryPolicy`]: only its [`schedule`](RetryPolicy::schedule) is used (its
    /// `max_retries` is not: the number of attempts is that method's argument). Kept for
    /// compatibility; [`with_update_schedule`](Self::with_update_schedule) says the same with a
    /// [`Backoff`].
    ///
    /// Default: 1 s doubling up to 30 s, with full jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::{ConductorClient, Configuration, RetryPolicy};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let tasks = client.task_client().with_update_backoff(
    ///     RetryPolicy::default()
    ///         .with_initial_backoff(Duration::from_millis(200))
    ///         .with_max_backoff(Duration::from_secs(5)),
    /// );
    /// assert_eq!(tasks.update_schedule().initial(), Duration::from_millis(200));
    /// assert_eq!(tasks.update_schedule().max(), Duration::from_secs(5));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_update_backoff(mut self, backoff: RetryPolicy) -> Self {
        self.update_schedule = *backoff.schedule();
        self
    }

    /// The [`ApiClient`] this client sends its requests through (carrying the policy of
    /// [`with_retry_policy`](Self::with_retry_policy), if any).
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(client.task_client().api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn api_client(&self) -> &ApiClient {
        &self.api
    }

    // ----------------------------------------------------------------------------------------
    // Polling
    // ----------------------------------------------------------------------------------------

    /// Polls for one task of `task_type`.
    ///
    /// `GET /tasks/poll/{taskType}?workerid=&domain=`. Returns `None` when no task is available
    /// (the server answers 204). The server waits at most 100 ms for a task; use
    /// [`batch_poll`](Self::batch_poll) for a longer long-poll or several tasks at once.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] when the server cannot be reached, [`ConductorError::Api`] /
    /// [`ConductorError::Server`] for an error answer, [`ConductorError::Decode`] when the task
    /// JSON is malformed.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let task = client.task_client().poll_task("my_task", Some("worker-1"), None).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn poll_task(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
    ) -> Result<Option<Task>> {
        self.api
            .get(format!("/tasks/poll/{}", encode_segment(task_type)))
            .query_opt("workerid", worker_id)
            .query_opt("domain", domain)
            .send_json_opt()
            .await
    }

    /// Polls for up to `count` tasks of `task_type`, waiting up to `timeout` for the first one
    /// (long poll).
    ///
    /// `GET /tasks/poll/batch/{taskType}?workerid=&domain=&count=&timeout=` (`timeout` in
    /// milliseconds, rounded up). Returns an empty list when nothing arrived in time (current
    /// servers answer `[]`, servers before v3.21.20 answer 204; both give `[]`). The HTTP
    /// request's own timeout is extended by `timeout`.
    ///
    /// Each returned task is `IN_PROGRESS` and assigned to `worker_id`: it must be updated (or
    /// it times out after its `responseTimeoutSeconds` and is retried).
    ///
    /// OSS rejects `timeout` above 5 s with HTTP 400.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] when the server cannot be reached, [`ConductorError::Api`] /
    /// [`ConductorError::Server`] for an error answer (400 for a timeout above 5 s),
    /// [`ConductorError::Decode`] when the JSON is malformed.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use std::time::Duration;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let tasks = client.task_client()
    ///     .batch_poll("my_task", Some("worker-1"), None, 10, Duration::from_secs(10))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn batch_poll(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Task>> {
        self.batch_poll_inner(task_type, worker_id, domain, count, timeout)
            .await
    }

    /// [`batch_poll`](Self::batch_poll) with its settings named in a [`BatchPollOptions`].
    ///
    /// # Errors
    ///
    /// As [`batch_poll`](Self::batch_poll).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use conductor_client::{BatchPollOptions, ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let options = BatchPollOptions::new()
    ///     .worker_id("worker-1")
    ///     .count(10)
    ///     .timeout(Duration::from_secs(1));
    /// let tasks = client.task_client().batch_poll_with("my_task", &options).await?;
    /// # let _ = tasks;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn batch_poll_with(
        &self,
        task_type: &str,
        options: &BatchPollOptions,
    ) -> Result<Vec<Task>> {
        self.batch_poll_inner(
            task_type,
            options.worker_id.as_deref(),
            options.domain.as_deref(),
            options.count,
            options.timeout,
        )
        .await
    }

    async fn batch_poll_inner(
        &self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Task>> {
        let timeout_millis = whole_millis_rounded_up(timeout);
        debug!(task_type, count, timeout_millis, "batch polling");
        let tasks: Option<Vec<Task>> = self
            .api
            .get(format!("/tasks/poll/batch/{}", encode_segment(task_type)))
            .query_opt("workerid", worker_id)
            .query_opt("domain", domain)
            .query("count", count)
            .query("timeout", timeout_millis)
            .timeout(timeout_with_wait(&self.api, timeout))
            .send_json_opt()
            .await?;
        let tasks = tasks.unwrap_or_default();
        debug!(task_type, received = tasks.len(), "batch poll done");
        Ok(tasks)
    }

    // ----------------------------------------------------------------------------------------
    // Updating
    // ----------------------------------------------------------------------------------------

    /// Reports a task's result.
    ///
    /// `POST /tasks` with the [`TaskResult`] as JSON; returns the task id the server echoes
    /// (TEXT; should a server answer an empty body, the result's own `taskId` is returned). `IN_PROGRESS` keeps the task running and re-queues it after
    /// `callbackAfterSeconds`; `COMPLETED`, `FAILED`, `FAILED_WITH_TERMINAL_ERROR` end it.
    /// Updating a task that is already terminal is silently accepted by the server.
    ///
    /// The request is marked idempotent (repeating the same result is harmless), so the HTTP
    /// layer may retry it on transient failures.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] with status 404 when the workflow or task does not exist, 400 when
    /// `taskId` / `workflowInstanceId` is empty; [`ConductorError::Http`] /
    /// [`ConductorError::Server`] for transport and server failures.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResult;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let result = TaskResult::completed("4d7a9b10-task-id", "8c2f1e6a-workflow-id")
    ///     .with_output_value("result", "done");
    /// let task_id = client.task_client().update_task(&result).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task(&self, result: &TaskResult) -> Result<String> {
        self.send_update(result, None).await
    }

    /// `POST /tasks`, under `policy` when given (else this client's).
    async fn send_update(
        &self,
        result: &TaskResult,
        policy: Option<RetryPolicy>,
    ) -> Result<String> {
        debug!(task_id = %result.task_id, status = %result.status, "updating task");
        let mut request = self.api.post("/tasks").json_body(result)?.idempotent(true);
        if let Some(policy) = policy {
            request = request.retry_policy(policy);
        }
        let task_id = request.send_text().await?;
        Ok(non_empty_text(task_id).unwrap_or_else(|| result.task_id.clone()))
    }

    /// Reports a task's result like [`update_task`](Self::update_task), retrying up to
    /// `max_retries` times (so at most `max_retries + 1` attempts) when the failure is retryable
    /// ([`ConductorError::is_retryable`]: unreachable server, timeouts, 429, 502–504, errors the
    /// server marks transient). Non-retryable errors (404, 400...) are returned at once.
    ///
    /// The attempts are this method's own; the HTTP layer does not retry under it: each attempt
    /// is one request, sent with [`RetryPolicy::none`] whatever the configuration's
    /// [`RetryPolicy`] (so `max_retries = 2` is at most 3 requests, not 3 times the HTTP
    /// layer's attempts). The single replay after a rejected token (401) still happens.
    ///
    /// Waits between attempts follow the client's update schedule (1 s doubling up to 30 s with
    /// full jitter by default; see [`with_update_schedule`](Self::with_update_schedule)). Each
    /// failed attempt is logged at `warn`.
    ///
    /// # Errors
    ///
    /// The last error once the retries are exhausted, or the first non-retryable error.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResult;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let result = TaskResult::completed("4d7a9b10-task-id", "8c2f1e6a-workflow-id")
    ///     .with_output_value("result", "done");
    /// let task_id = client.task_client().update_task_with_retry(&result, 10).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task_with_retry(
        &self,
        result: &TaskResult,
        max_retries: u32,
    ) -> Result<String> {
        let mut retry = 0_u32;
        loop {
            match self.send_update(result, Some(RetryPolicy::none())).await {
                Ok(task_id) => return Ok(task_id),
                Err(error) if error.is_retryable() && retry < max_retries => {
                    let delay = self.update_schedule.delay(retry);
                    retry += 1;
                    warn!(
                        task_id = %result.task_id,
                        workflow_id = %result.workflow_instance_id,
                        attempt = retry,
                        max_retries,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        %error,
                        "task update failed, retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(error) => {
                    warn!(
                        task_id = %result.task_id,
                        workflow_id = %result.workflow_instance_id,
                        attempts = retry + 1,
                        %error,
                        "task update failed, giving up"
                    );
                    return Err(error);
                }
            }
        }
    }

    /// Reports a task's result and, in the same round trip, polls the next task of the same
    /// type and domain for the result's `workerId`.
    ///
    /// `POST /tasks/update-v2` (OSS v3.21.12+). Returns `None` when the server answers 204: the
    /// updated task is not terminal (e.g. `IN_PROGRESS`), `extendLease` was set, or no next task
    /// is queued. A returned task is already `IN_PROGRESS` for that worker.
    ///
    /// Not idempotent (a replay could poll a second task that nobody receives), so the HTTP layer
    /// does not retry it after the request was sent.
    ///
    /// Servers without the endpoint (conductor-oss before 3.21.12, which answers **500**
    /// `Request method 'POST' is not supported`; others answer 404 or 405) did not record the
    /// result: the SDK returns [`ConductorError::UnsupportedByServer`], remembers it for the whole
    /// client (later calls return it at once, without a request), and the caller should report
    /// the result with [`update_task`](Self::update_task) instead (the worker runtime does so
    /// automatically).
    ///
    /// # Errors
    ///
    /// [`ConductorError::UnsupportedByServer`] on servers without update-v2;
    /// [`ConductorError::Api`] 404 for an unknown workflow or task; [`ConductorError::Server`]
    /// (OSS answers 500 for a result with empty ids here), [`ConductorError::Http`],
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResult;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let result = TaskResult::completed("4d7a9b10-task-id", "8c2f1e6a-workflow-id")
    ///     .with_output_value("result", "done");
    /// let next_task = client.task_client().update_task_v2(&result).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task_v2(&self, result: &TaskResult) -> Result<Option<Task>> {
        debug!(task_id = %result.task_id, status = %result.status, "updating task (v2)");
        compat::native_or_unsupported(&self.api, &UPDATE_V2, || async {
            self.api
                .post("/tasks/update-v2")
                .json_body(result)?
                .idempotent(false)
                .send_json_opt()
                .await
        })
        .await
    }

    /// Updates the first pending task with reference name `task_ref_name` in a workflow, without
    /// knowing its task id: sets `status` and merges `output` into its output.
    ///
    /// `POST /tasks/{workflowId}/{taskRefName}/{status}?workerid=` with `output` as the JSON
    /// body (OSS v3.16+). Returns the updated task's id (TEXT), or `None` when the workflow has no
    /// pending task with that reference (the server answers 200 with an empty body). Inside a
    /// `DO_WHILE` loop the reference matches the current iteration (`ref__N`).
    ///
    /// Not idempotent: a replay could update the next iteration's or a retried task.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `output` does not serialise to a JSON object;
    /// [`ConductorError::Api`] 404 for an unknown workflow; [`ConductorError::Http`] /
    /// [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResultStatus;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let task_id = client.task_client()
    ///     .update_task_by_ref_name(
    ///         "8c2f1e6a-workflow-id",
    ///         "approval_ref",
    ///         TaskResultStatus::Completed,
    ///         &json!({"approved": true}),
    ///         Some("worker-1"),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task_by_ref_name<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        task_ref_name: &str,
        status: TaskResultStatus,
        output: &O,
        worker_id: Option<&str>,
    ) -> Result<Option<String>> {
        let body = json_object(output, "task output")?;
        let task_id = self
            .api
            .post(format!(
                "/tasks/{}/{}/{}",
                encode_segment(workflow_id),
                encode_segment(task_ref_name),
                encode_segment(status.as_str())
            ))
            .query_opt("workerid", worker_id)
            .json_body(&body)?
            .idempotent(false)
            .send_text()
            .await?;
        Ok(non_empty_text(task_id))
    }

    /// Like [`update_task_by_ref_name`](Self::update_task_by_ref_name), but waits for the
    /// update to be applied and returns the workflow (with its tasks) afterwards.
    ///
    /// `POST /tasks/{workflowId}/{taskRefName}/{status}/sync?workerid=` (OSS v3.16+).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when the workflow has no running task with that reference
    /// (`"Found no running task ..."`); [`ConductorError::Json`] when `output` is not a JSON
    /// object; [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResultStatus;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.task_client()
    ///     .update_task_by_ref_name_sync(
    ///         "8c2f1e6a-workflow-id",
    ///         "approval_ref",
    ///         TaskResultStatus::Completed,
    ///         &json!({"approved": true}),
    ///         Some("worker-1"),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task_by_ref_name_sync<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        task_ref_name: &str,
        status: TaskResultStatus,
        output: &O,
        worker_id: Option<&str>,
    ) -> Result<Workflow> {
        let body = json_object(output, "task output")?;
        self.api
            .post(format!(
                "/tasks/{}/{}/{}/sync",
                encode_segment(workflow_id),
                encode_segment(task_ref_name),
                encode_segment(status.as_str())
            ))
            .query_opt("workerid", worker_id)
            .json_body(&body)?
            .idempotent(false)
            .send_json()
            .await
    }

    /// Completes (or fails) the task a workflow is blocked on, without knowing its reference:
    /// the first non-terminal `WAIT` task, searching running sub-workflows too.
    ///
    /// `POST /tasks/{workflowId}/{status}/signal` with `output` as the JSON body (OSS v3.32+).
    /// The server does nothing (and still answers 200) when no task is blocked.
    ///
    /// **Fallback on servers before 3.32** (where the path falls on the update-by-reference route
    /// and fails with a 500 before anything happens): the SDK does what the server would. It
    /// reads the workflow, takes the first non-terminal `WAIT` task (else, recursively, the first
    /// one in a running sub-workflow) and reports it with `POST /tasks` (`status`, its output
    /// merged with `output`); with no such task it does nothing. Detected once per client.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `output` is not a JSON object; [`ConductorError::Api`] 404
    /// for an unknown workflow; [`ConductorError::Server`] / [`ConductorError::Http`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskResultStatus;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client()
    ///     .signal("8c2f1e6a-workflow-id", TaskResultStatus::Completed, &json!({"approved": true}))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn signal<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        status: TaskResultStatus,
        output: &O,
    ) -> Result<()> {
        let body = json_object(output, "signal output")?;
        let native = compat::attempt(
            &self.api,
            &SIGNAL,
            compat::is_signal_route_collision,
            || async {
                self.api
                    .post(format!(
                        "/tasks/{}/{}/signal",
                        encode_segment(workflow_id),
                        encode_segment(status.as_str())
                    ))
                    .json_body(&body)?
                    .idempotent(false)
                    .send_empty()
                    .await
            },
        )
        .await?;
        if native.is_none() {
            self.signal_by_update(workflow_id, status, &body).await?;
        }
        Ok(())
    }

    /// The fallback of [`signal`](Self::signal): the server's `signalTask`, done from the client.
    /// Returns whether a task was signalled.
    async fn signal_by_update(
        &self,
        workflow_id: &str,
        status: TaskResultStatus,
        output: &serde_json::Value,
    ) -> Result<bool> {
        let Some(task) = sync_wait::find_signal_target(&self.api, workflow_id).await? else {
            debug!(workflow_id, "signal: no pending WAIT task; nothing to do");
            return Ok(false);
        };
        let mut result = TaskResult::from_task(&task).with_status(status);
        if let Some(fields) = output.as_object() {
            result.output_data.extend(
                fields
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone())),
            );
        }
        debug!(workflow_id, task_id = %task.task_id, "signalling the WAIT task with POST /tasks");
        self.update_task(&result).await?;
        Ok(true)
    }

    /// Signals the blocked task like [`signal`](Self::signal), then waits up to `timeout` for
    /// the workflow to reach its next blocking point (or to finish) and returns it according to
    /// `return_strategy`.
    ///
    /// `POST /tasks/{workflowId}/{status}/signal/sync?returnStrategy=&timeoutMillis=` (OSS
    /// v3.32+; `timeout` is sent in milliseconds, rounded up). `TARGET_WORKFLOW` /
    /// `BLOCKING_WORKFLOW` give [`SignalResponse::Workflow`], `BLOCKING_TASK` /
    /// `BLOCKING_TASK_INPUT` give [`SignalResponse::Task`]. The HTTP request's own timeout is
    /// extended by `timeout`. Orkes has no `timeoutMillis` parameter and ignores it.
    ///
    /// **Fallback on servers before 3.32**: the signal of [`signal`](Self::signal)'s fallback,
    /// then the client-side wait of
    /// [`WorkflowClient::execute_workflow_with`](crate::WorkflowClient::execute_workflow_with)
    /// (no extra task references; a random request id). Detected once per client.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when no task is blocked (`"Found no blocked task ..."`; the
    /// fallback returns the same error) or the workflow does not exist;
    /// [`ConductorError::Server`] 500 on OSS when a `BLOCKING_TASK*` strategy finds no blocking
    /// task after the signal ([`ConductorError::Workflow`] in the fallback);
    /// [`ConductorError::Json`], [`ConductorError::Http`], [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::ReturnStrategy;
    /// use conductor_client::models::TaskResultStatus;
    /// use serde_json::json;
    /// use std::time::Duration;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let response = client.task_client()
    ///     .signal_sync(
    ///         "8c2f1e6a-workflow-id",
    ///         TaskResultStatus::Completed,
    ///         &json!({"approved": true}),
    ///         ReturnStrategy::TargetWorkflow,
    ///         Duration::from_secs(10),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn signal_sync<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        status: TaskResultStatus,
        output: &O,
        return_strategy: ReturnStrategy,
        timeout: Duration,
    ) -> Result<SignalResponse> {
        let body = json_object(output, "signal output")?;
        let native = compat::attempt(
            &self.api,
            &SIGNAL_SYNC,
            compat::is_signal_route_collision,
            || async {
                self.api
                    .post(format!(
                        "/tasks/{}/{}/signal/sync",
                        encode_segment(workflow_id),
                        encode_segment(status.as_str())
                    ))
                    .query("returnStrategy", return_strategy.as_str())
                    .query("timeoutMillis", whole_millis_rounded_up(timeout))
                    .json_body(&body)?
                    .idempotent(false)
                    .timeout(timeout_with_wait(&self.api, timeout))
                    .send_json()
                    .await
            },
        )
        .await?;
        if let Some(response) = native {
            return Ok(response);
        }
        sync_wait::check_strategy(&return_strategy)?;
        if !self.signal_by_update(workflow_id, status, &body).await? {
            return Err(ConductorError::Api {
                status: 404,
                message: format!("Found no blocked task in workflow {workflow_id} to signal"),
                code: None,
                response: None,
            });
        }
        sync_wait::await_signal_response(
            &self.api,
            WaitSpec {
                workflow_id,
                task_refs: &[],
                strategy: &return_strategy,
                request_id: sync_wait::random_request_id(),
                timeout,
            },
        )
        .await
    }

    // ----------------------------------------------------------------------------------------
    // Reading tasks and logs
    // ----------------------------------------------------------------------------------------

    /// Reads a task by id.
    ///
    /// `GET /tasks/{taskId}`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::TaskNotFound`] (carrying the task id) when the task does not exist:
    /// current servers answer 404, servers before v3.21.20 answered 204 with no body, and both
    /// map to it. Otherwise [`ConductorError::Http`] / [`ConductorError::Api`] /
    /// [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let task = client.task_client().get_task("4d7a9b10-task-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_task(&self, task_id: &str) -> Result<Task> {
        let answer = self
            .api
            .get(format!("/tasks/{}", encode_segment(task_id)))
            .send_json_opt::<Task>()
            .await;
        match answer {
            Ok(Some(task)) => Ok(task),
            Ok(None) => Err(ConductorError::TaskNotFound(task_id.to_owned())),
            Err(error) if error.status() == Some(404) && !error.is_missing_endpoint() => {
                Err(ConductorError::TaskNotFound(task_id.to_owned()))
            }
            Err(error) => Err(error),
        }
    }

    /// Lists `IN_PROGRESS` tasks of `task_type` (a page of `count` tasks from index `start`).
    ///
    /// OSS 3.x has no endpoint for this (`GET /tasks/in_progress/{taskType}` was removed before
    /// 3.0), so the SDK runs a task search: `GET /tasks/search-v2` with
    /// `query=taskType="{taskType}" AND status="IN_PROGRESS"`, `start`, `size=count`. On OSS
    /// this reads the **search index**, which lags behind the queues (by seconds with
    /// Elasticsearch/OpenSearch) and is empty when indexing is disabled; tasks a worker reported
    /// as `IN_PROGRESS` with a callback are stored as `SCHEDULED` and are not listed. On Orkes
    /// the same search works. Where the index cannot search by id (SQLite before 3.23.0), the
    /// fallback of [`search_tasks_v2`](Self::search_tasks_v2) applies.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let tasks_in_progress = client.task_client().get_tasks_in_progress("my_task", 0, 10).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_tasks_in_progress(
        &self,
        task_type: &str,
        start: u32,
        count: u32,
    ) -> Result<Vec<Task>> {
        let query = SearchQuery::new()
            .query(format!(
                "taskType={} AND status=\"IN_PROGRESS\"",
                quote_query_value(task_type)
            ))
            .start(start)
            .size(count);
        Ok(self.search_tasks_v2(&query).await?.results)
    }

    /// Appends a line to a task's execution log.
    ///
    /// `POST /tasks/{taskId}/log` with `log` as the **raw** request body (`text/plain`, not a
    /// JSON string: the server stores the body verbatim, so JSON quoting would end up in the log).
    /// The server does not check that the task exists.
    ///
    /// Not idempotent (a replay would duplicate the line).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().add_task_log("4d7a9b10-task-id", "charged card ending 4242").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add_task_log(&self, task_id: &str, log: &str) -> Result<()> {
        self.api
            .post(format!("/tasks/{}/log", encode_segment(task_id)))
            .text_body(log)
            .idempotent(false)
            .send_empty()
            .await
    }

    /// Reads a task's execution logs.
    ///
    /// `GET /tasks/{taskId}/log`. The server answers 204 when there are no logs (or no such
    /// task); that becomes an empty list.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let task_logs = client.task_client().get_task_logs("4d7a9b10-task-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_task_logs(&self, task_id: &str) -> Result<Vec<TaskExecLog>> {
        let logs: Option<Vec<TaskExecLog>> = self
            .api
            .get(format!("/tasks/{}/log", encode_segment(task_id)))
            .send_json_opt()
            .await?;
        Ok(logs.unwrap_or_default())
    }

    // ----------------------------------------------------------------------------------------
    // Queues and poll data
    // ----------------------------------------------------------------------------------------

    /// Reads the queue depth of several task types at once: task type → number of queued tasks.
    ///
    /// `GET /tasks/queue/sizes?taskType=a&taskType=b` (deprecated by the server in favour of
    /// [`get_queue_size`](Self::get_queue_size), still served by OSS 3.x). An empty
    /// `task_types` returns an empty map without a request (OSS answers 500 when no task type is
    /// given).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let queue_sizes = client.task_client().get_queue_sizes(&["my_task", "other_task"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_queue_sizes<S: AsRef<str>>(
        &self,
        task_types: &[S],
    ) -> Result<HashMap<String, i64>> {
        if task_types.is_empty() {
            return Ok(HashMap::new());
        }
        task_types
            .iter()
            .fold(self.api.get("/tasks/queue/sizes"), |request, task_type| {
                request.query("taskType", task_type.as_ref())
            })
            .send_json()
            .await
    }

    /// Reads the depth of the default queue of `task_type`.
    ///
    /// `GET /tasks/queue/size?taskType=`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let queue_size = client.task_client().get_queue_size("my_task").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_queue_size(&self, task_type: &str) -> Result<i64> {
        self.get_queue_size_with(task_type, &QueueSizeOptions::new())
            .await
    }

    /// Reads the depth of one queue of `task_type`, chosen by domain, isolation group and
    /// execution namespace.
    ///
    /// `GET /tasks/queue/size?taskType=&domain=&isolationGroupId=&executionNamespace=`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::QueueSizeOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let queue_size = client.task_client()
    ///     .get_queue_size_with("my_task", &QueueSizeOptions::new().domain("blue"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_queue_size_with(
        &self,
        task_type: &str,
        options: &QueueSizeOptions,
    ) -> Result<i64> {
        options
            .apply(
                self.api
                    .get("/tasks/queue/size")
                    .query("taskType", task_type),
            )
            .send_json()
            .await
    }

    /// Reads the depth of every queue: queue name (`[domain:]taskType...`) → size.
    ///
    /// `GET /tasks/queue/all`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_queue_sizes = client.task_client().get_all_queue_sizes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_queue_sizes(&self) -> Result<HashMap<String, i64>> {
        self.api.get("/tasks/queue/all").send_json().await
    }

    /// Reads every queue's per-shard details: queue name → shard → `{"size": n, "uacked": n}`
    /// (the exact keys depend on the server's queue implementation).
    ///
    /// `GET /tasks/queue/all/verbose`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_queue_details_verbose = client.task_client().get_all_queue_details_verbose().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_queue_details_verbose(
        &self,
    ) -> Result<HashMap<String, HashMap<String, HashMap<String, i64>>>> {
        self.api.get("/tasks/queue/all/verbose").send_json().await
    }

    /// Reads the last poll of `task_type` per domain (who polled, when).
    ///
    /// `GET /tasks/queue/polldata?taskType=`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let poll_data = client.task_client().get_poll_data("my_task").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_poll_data(&self, task_type: &str) -> Result<Vec<PollData>> {
        self.api
            .get("/tasks/queue/polldata")
            .query("taskType", task_type)
            .send_json()
            .await
    }

    /// Reads the last poll of every task type and domain.
    ///
    /// `GET /tasks/queue/polldata/all`. (Orkes answers a paged object here instead of a list,
    /// which fails to decode.)
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_poll_data = client.task_client().get_all_poll_data().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_poll_data(&self) -> Result<Vec<PollData>> {
        self.api.get("/tasks/queue/polldata/all").send_json().await
    }

    /// Puts the pending (scheduled, not yet polled) tasks of `task_type` back into their queue,
    /// e.g. after a queue was purged; returns how many were requeued.
    ///
    /// `POST /tasks/queue/requeue/{taskType}` (answer: the count as TEXT). Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Decode`] when the answer is not an integer; [`ConductorError::Http`] /
    /// [`ConductorError::Api`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let requeued = client.task_client().requeue_pending_tasks("my_task").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn requeue_pending_tasks(&self, task_type: &str) -> Result<u64> {
        let count = self
            .api
            .post(format!(
                "/tasks/queue/requeue/{}",
                encode_segment(task_type)
            ))
            .idempotent(true)
            .send_text()
            .await?;
        parse_count(&count)
    }

    /// Removes a task from its queue (it will not be delivered to workers any more; the task
    /// itself stays in its workflow).
    ///
    /// `DELETE /tasks/queue/{taskType}/{taskId}`, the Conductor 2.x and Orkes endpoint.
    /// **conductor-oss 3.x has no such endpoint** (it was removed before 3.0): there the path
    /// matches the POST-only update-by-reference route, so the server answers 405 (3.32+) or 500
    /// `Request method 'DELETE' is not supported` (before 3.32). Both become
    /// [`ConductorError::UnsupportedByServer`], remembered per client. To stop a task on OSS,
    /// terminate or update it instead.
    ///
    /// # Errors
    ///
    /// [`ConductorError::UnsupportedByServer`] on conductor-oss 3.x, [`ConductorError::Http`],
    /// [`ConductorError::Api`], [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().remove_task_from_queue("my_task", "4d7a9b10-task-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_task_from_queue(&self, task_type: &str, task_id: &str) -> Result<()> {
        compat::native_or_unsupported(&self.api, &REMOVE_FROM_QUEUE, || {
            self.api
                .delete(format!(
                    "/tasks/queue/{}/{}",
                    encode_segment(task_type),
                    encode_segment(task_id)
                ))
                .send_empty()
        })
        .await
    }

    // ----------------------------------------------------------------------------------------
    // Search and external storage
    // ----------------------------------------------------------------------------------------

    /// Searches tasks; the hits are [`TaskSummary`]s (times as strings, input/output as
    /// strings).
    ///
    /// `GET /tasks/search?start=&size=&sort=&freeText=&query=` (only the parameters set in
    /// `query` are sent).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::SearchQuery;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let tasks = client.task_client()
    ///     .search_tasks(&SearchQuery::new().query("status IN (FAILED)").size(20))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_tasks(&self, query: &SearchQuery) -> Result<SearchResult<TaskSummary>> {
        query.apply(self.api.get("/tasks/search")).send_json().await
    }

    /// Searches tasks, returning full [`Task`]s.
    ///
    /// `GET /tasks/search-v2?start=&size=&sort=&freeText=&query=` (OSS-only endpoint). The server
    /// runs the summary search and reads each hit; where its index cannot search by id (the SQLite
    /// index before conductor-oss 3.23.0 answers 500 `... because "result" is null`) the SDK does
    /// the same from the client: [`search_tasks`](Self::search_tasks), then `GET /tasks/{taskId}`
    /// for each hit (up to 8 at once), leaving out tasks that no longer exist. Detected once per
    /// client.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::SearchQuery;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let tasks = client.task_client()
    ///     .search_tasks_v2(&SearchQuery::new().query("status IN (FAILED)").size(20))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_tasks_v2(&self, query: &SearchQuery) -> Result<SearchResult<Task>> {
        let native = compat::attempt(
            &self.api,
            &SEARCH_V2,
            compat::is_search_v2_unsupported,
            || query.apply(self.api.get("/tasks/search-v2")).send_json(),
        )
        .await?;
        if let Some(found) = native {
            return Ok(found);
        }
        let summaries = self.search_tasks(query).await?;
        let paths = summaries
            .results
            .iter()
            .map(|summary| format!("/tasks/{}", encode_segment(&summary.task_id)))
            .collect();
        compat::fetch_each(&self.api, summaries.total_hits, paths).await
    }

    /// Asks where a task payload of `payload_type` (`TASK_INPUT` / `TASK_OUTPUT`) should be read
    /// from or written to (`operation`: `READ` / `WRITE`) in external payload storage.
    ///
    /// `GET /tasks/externalstoragelocation?path=&operation=&payloadType=`. Only useful when the
    /// server has external payload storage configured; without it (OSS's default dummy storage)
    /// the answer has no `uri`, only a `path` made of `path`, a UUID and `.json`. `operation` and
    /// `payload_type` are read case-insensitively.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an unknown operation or payload type (OSS's
    /// `IllegalArgumentException`); [`ConductorError::Http`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let external_storage_location = client.task_client()
    ///     .get_external_storage_location("payloads/input.json", "WRITE", "WORKFLOW_INPUT")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_external_storage_location(
        &self,
        path: &str,
        operation: &str,
        payload_type: &str,
    ) -> Result<ExternalStorageLocation> {
        let outcome = self
            .api
            .get("/tasks/externalstoragelocation")
            .query("path", path)
            .query("operation", operation)
            .query("payloadType", payload_type)
            .send_json()
            .await;
        observe_external_payload(&self.api, "task", operation, payload_type, outcome)
    }

    /// [`get_external_storage_location`](Self::get_external_storage_location) with typed
    /// `operation` and `payload_type`, so a misspelt one cannot reach the server.
    ///
    /// # Errors
    ///
    /// As [`get_external_storage_location`](Self::get_external_storage_location).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::{PayloadOperation, PayloadType};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let location = client.task_client()
    ///     .get_external_storage_location_for(
    ///         "payloads/input.json",
    ///         PayloadOperation::Write,
    ///         PayloadType::WorkflowInput,
    ///     )
    ///     .await?;
    /// # let _ = location;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_external_storage_location_for(
        &self,
        path: &str,
        operation: PayloadOperation,
        payload_type: PayloadType,
    ) -> Result<ExternalStorageLocation> {
        self.get_external_storage_location(path, operation.as_str(), payload_type.as_str())
            .await
    }
}

/// The default schedule between attempts of `update_task_with_retry`.
fn default_update_schedule() -> Backoff {
    Backoff::new(Duration::from_secs(1), Duration::from_secs(30)).with_jitter(Jitter::Full)
}
