//! [`WorkflowClient`]: the workflow resource (`/workflow`): start and execute workflows, read
//! them, and drive their lifecycle (pause, resume, terminate, restart, retry, rerun, skip,
//! remove...). Searches live in `workflow_search.rs`, bulk operations in `workflow_bulk.rs`.

use conductor_http::{ApiClient, ConductorError, Result, encode_segment};
use conductor_models::{
    RerunWorkflowRequest, SearchResult, SignalResponse, SkipTaskRequest, StartWorkflowRequest,
    Task, Workflow, WorkflowRun, WorkflowStatusSummary, WorkflowTestRequest,
};
use serde::Serialize;
use std::time::Duration;
use tracing::debug;

use crate::compat::{
    self, EXECUTE, SEND_MESSAGE, UPDATE_VARIABLES, WORKFLOW_STATUS, WORKFLOW_TASKS,
};
use crate::options::{
    ExecuteOptions, GetWorkflowOptions, RemoveOptions, RestartOptions, RetryOptions,
    StartWorkflowOptions, TerminateOptions, TerminateRemoveOptions, WorkflowStatusOptions,
    WorkflowTasksOptions,
};
use crate::sync_wait::{self, WaitSpec};
use crate::util::{json_object, non_empty_text, observe_start, timeout_with_wait};

/// Client for the workflow resource (`/api/workflow` and `/api/workflow/bulk`).
///
/// Cheap to clone (it shares the [`ApiClient`] of the [`ConductorClient`](crate::ConductorClient)
/// it came from), `Send + Sync`.
///
/// ```no_run
/// use std::time::Duration;
/// use conductor_client::{ConductorClient, Configuration, models::StartWorkflowRequest};
///
/// # async fn run() -> conductor_client::Result<()> {
/// let client = ConductorClient::new(Configuration::from_env())?;
/// let workflow_client = client.workflow_client();
/// let request = StartWorkflowRequest::new("my_workflow")
///     .with_version(1)
///     .with_input_value("name", "John");
/// let workflow_id = workflow_client.start_workflow(&request).await?;
/// let run = workflow_client
///     .execute_workflow(&request, Duration::from_secs(30))
///     .await?;
/// # let _ = (workflow_id, run);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct WorkflowClient {
    pub(crate) api: ApiClient,
}

impl WorkflowClient {
    /// A workflow client on `api`.
    ///
    /// ```
    /// use conductor_client::{ApiClient, Configuration, WorkflowClient};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflows = WorkflowClient::new(api);
    /// assert_eq!(workflows.api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn new(api: ApiClient) -> Self {
        Self { api }
    }

    /// The [`ApiClient`] this client sends its requests through.
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(client.workflow_client().api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn api_client(&self) -> &ApiClient {
        &self.api
    }

    // ----------------------------------------------------------------------------------------
    // Start / execute
    // ----------------------------------------------------------------------------------------

    /// Starts a workflow and returns its id without waiting for it to run.
    ///
    /// `POST /workflow` with the [`StartWorkflowRequest`] as JSON; the answer is the new
    /// workflow id as TEXT. The first tasks are scheduled before the id is returned.
    ///
    /// Not idempotent: the HTTP layer never replays it once sent (a replay would start a
    /// second workflow). OSS stores `idempotencyKey` but does not enforce it; Orkes does.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when no such definition exists (and no inline `workflowDef`
    /// is given), 400 for a missing name, a priority outside 0–99 or a `null` input;
    /// [`ConductorError::Http`] / [`ConductorError::Server`]; [`ConductorError::Decode`] when
    /// the server answers an empty body.
    ///
    /// ```no_run
    /// # use conductor_client::models::StartWorkflowRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(request: StartWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_id = client.workflow_client().start_workflow(&request).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_workflow(&self, request: &StartWorkflowRequest) -> Result<String> {
        debug!(workflow = %request.name, version = ?request.version, "starting workflow");
        let start = async {
            let id = self
                .api
                .post("/workflow")
                .json_body(request)?
                .idempotent(false)
                .send_text()
                .await?;
            non_empty_workflow_id(id)
        };
        let id = observe_start(
            &self.api,
            &request.name,
            request.version,
            &request.input,
            start,
        )
        .await?;
        debug!(workflow = %request.name, workflow_id = %id, "workflow started");
        Ok(id)
    }

    /// Starts the latest (or chosen) version of workflow `name` with `input` and returns its id.
    ///
    /// `POST /workflow/{name}?version=&correlationId=&priority=` with `input` as the JSON body
    /// (TEXT answer). Prefer [`start_workflow`](Self::start_workflow) for task-to-domain
    /// mappings, idempotency keys or inline definitions. Not idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `input` does not serialise to a JSON object;
    /// [`ConductorError::Api`] 404 for an unknown definition, 400 for a priority outside 0–99;
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::StartWorkflowOptions;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_id = client.workflow_client()
    ///     .start_workflow_by_name(
    ///         "order_fulfillment",
    ///         &json!({"orderId": "order-42"}),
    ///         &StartWorkflowOptions::new().correlation_id("order-42"),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_workflow_by_name<I: Serialize + ?Sized>(
        &self,
        name: &str,
        input: &I,
        options: &StartWorkflowOptions,
    ) -> Result<String> {
        let start = async {
            let body = json_object(input, "workflow input")?;
            let request = self
                .api
                .post(format!("/workflow/{}", encode_segment(name)))
                .json_body(&body)?
                .idempotent(false);
            let id = options.apply(request).send_text().await?;
            non_empty_workflow_id(id)
        };
        observe_start(&self.api, name, options.version_value(), input, start).await
    }

    /// Starts a workflow and waits up to `wait_for` for it to finish (or to block on a `WAIT`
    /// task), returning the workflow as it then stands.
    ///
    /// `POST /workflow/execute/{name}/{version}?waitForSeconds=` with the request as JSON. When
    /// the request has no version the SDK sends version `0`, which the server maps to the latest
    /// version. `wait_for` is rounded **up** to whole seconds and is at least 1 s (the server
    /// counts in seconds and would read `0` as its 10 s default). Check
    /// [`WorkflowRun::signal_timeout`] / its status to tell a finished workflow from one that
    /// was still running when the wait ended.
    ///
    /// For other return strategies, waiting for specific tasks or a request id, use
    /// [`execute_workflow_with`](Self::execute_workflow_with). Not idempotent.
    ///
    /// **Servers before conductor-oss 3.21.23** have no synchronous execution; there the SDK
    /// starts the workflow and polls it itself, with the server's semantics (see
    /// [`execute_workflow_with`](Self::execute_workflow_with)).
    ///
    /// # Errors
    ///
    /// As [`start_workflow`](Self::start_workflow), plus [`ConductorError::Decode`] when the
    /// answer is not a workflow run.
    ///
    /// ```no_run
    /// # use conductor_client::models::StartWorkflowRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    /// use std::time::Duration;
    ///
    /// # async fn run(request: StartWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let run = client.workflow_client()
    ///     .execute_workflow(&request, Duration::from_secs(10))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_workflow(
        &self,
        request: &StartWorkflowRequest,
        wait_for: Duration,
    ) -> Result<WorkflowRun> {
        let options = ExecuteOptions::new().wait_for(wait_for);
        match self.execute_workflow_with(request, &options).await? {
            SignalResponse::Workflow(run) => Ok(*run),
            SignalResponse::Task(run) => Err(ConductorError::Decode {
                status: 200,
                message: format!(
                    "expected a workflow run, got a task run (responseType {})",
                    run.response_type
                ),
                body_snippet: String::new(),
            }),
        }
    }

    /// Starts a workflow and waits for it as `options` say (how long, until which tasks, what to
    /// return).
    ///
    /// `POST /workflow/execute/{name}/{version}?waitForSeconds=&waitUntilTaskRef=&requestId=&returnStrategy=&consistency=`
    /// (version `0` = latest when the request has none). The answer is a
    /// [`SignalResponse::Workflow`] for the `TARGET_WORKFLOW` (default) and `BLOCKING_WORKFLOW`
    /// strategies and a [`SignalResponse::Task`] for `BLOCKING_TASK` / `BLOCKING_TASK_INPUT`.
    /// Not idempotent.
    ///
    /// **Fallback on servers before conductor-oss 3.21.23** (which answer `No static resource`):
    /// the SDK starts the workflow with `POST /workflow` and reads it with
    /// `GET /workflow/{workflowId}` (and its running sub-workflows), every 100 ms at first, then
    /// slowing to every 500 ms, until the server's condition holds: the workflow is terminal, or
    /// a `WAIT` task without `duration`/`until` is pending, or a task named in
    /// `waitUntilTaskRef` is terminal; after `wait_for` it answers the current state with
    /// `signalTimeout: true`. The answer has the server's shape (target and blocking workflow,
    /// first blocking task, the given or a random `requestId`). The missing endpoint is detected
    /// once per client and remembered, so later calls go straight to the fallback. Inline
    /// definitions do not get the server's `_systemMetadata.dynamic` input marker.
    ///
    /// # Errors
    ///
    /// As [`start_workflow`](Self::start_workflow); OSS answers 500 for a `BLOCKING_TASK*`
    /// strategy when the workflow ends without a blocking task (the fallback returns
    /// [`ConductorError::Workflow`] then; in both cases the workflow was started);
    /// [`ConductorError::Workflow`] for an unknown return strategy in the fallback;
    /// [`ConductorError::Decode`] for an unexpected answer.
    ///
    /// ```no_run
    /// # use conductor_client::models::StartWorkflowRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::ExecuteOptions;
    /// use std::time::Duration;
    ///
    /// # async fn run(request: StartWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let response = client.workflow_client()
    ///     .execute_workflow_with(&request, &ExecuteOptions::new().wait_for(Duration::from_secs(10)))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_workflow_with(
        &self,
        request: &StartWorkflowRequest,
        options: &ExecuteOptions,
    ) -> Result<SignalResponse> {
        let native = compat::attempt(
            &self.api,
            &EXECUTE,
            ConductorError::is_missing_endpoint,
            || async { self.execute_request(request, options)?.send_json().await },
        )
        .await?;
        match native {
            Some(response) => Ok(response),
            None => self.execute_by_polling(request, options).await,
        }
    }

    /// The fallback of [`execute_workflow_with`](Self::execute_workflow_with): start, then wait
    /// on the client as the server would.
    async fn execute_by_polling(
        &self,
        request: &StartWorkflowRequest,
        options: &ExecuteOptions,
    ) -> Result<SignalResponse> {
        let strategy = options.strategy();
        sync_wait::check_strategy(&strategy)?;
        let request_id = options
            .request_id_value()
            .filter(|id| !id.trim().is_empty())
            .map_or_else(sync_wait::random_request_id, str::to_owned);
        let workflow_id = self.start_workflow(request).await?;
        debug!(workflow_id = %workflow_id, "no sync execute on this server; waiting on the client");
        sync_wait::await_signal_response(
            &self.api,
            WaitSpec {
                workflow_id: &workflow_id,
                task_refs: options.task_refs(),
                strategy: &strategy,
                request_id,
                timeout: Duration::from_secs(options.wait_for_seconds()),
            },
        )
        .await
    }

    fn execute_request(
        &self,
        request: &StartWorkflowRequest,
        options: &ExecuteOptions,
    ) -> Result<conductor_http::ApiRequest> {
        // The server maps path version 0 to "latest"; an absent version must not become 1.
        let version = request.version.unwrap_or(0);
        let wait = Duration::from_secs(options.wait_for_seconds());
        debug!(workflow = %request.name, version, wait_secs = wait.as_secs(), "executing workflow");
        let http_request = self
            .api
            .post(format!(
                "/workflow/execute/{}/{}",
                encode_segment(&request.name),
                version
            ))
            .json_body(request)?
            .idempotent(false)
            .timeout(timeout_with_wait(&self.api, wait));
        Ok(options.apply(http_request))
    }

    /// Runs a workflow with mocked task outputs (a dry run for tests) and returns it as it
    /// stands when the mocks run out or it finishes.
    ///
    /// `POST /workflow/test` with the [`WorkflowTestRequest`] (OSS v3.13.5+ and Orkes). The
    /// server really creates the workflow (under a random domain so no worker picks its tasks).
    /// Not idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] (404 unknown definition, 400 invalid request),
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowTestRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(request: WorkflowTestRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.workflow_client().test_workflow(&request).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn test_workflow(&self, request: &WorkflowTestRequest) -> Result<Workflow> {
        self.api
            .post("/workflow/test")
            .json_body(request)?
            .idempotent(false)
            .send_json()
            .await
    }

    // ----------------------------------------------------------------------------------------
    // Read
    // ----------------------------------------------------------------------------------------

    /// Reads a workflow execution, with its tasks.
    ///
    /// `GET /workflow/{workflowId}?includeTasks=true`. Use
    /// [`get_workflow_with`](Self::get_workflow_with) to leave the tasks out.
    ///
    /// # Errors
    ///
    /// [`ConductorError::WorkflowNotFound`] (carrying the id) when the server answers 404;
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.workflow_client().get_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow(&self, workflow_id: &str) -> Result<Workflow> {
        self.get_workflow_with(workflow_id, &GetWorkflowOptions::new())
            .await
    }

    /// Reads a workflow execution as `options` say.
    ///
    /// `GET /workflow/{workflowId}?includeTasks=`.
    ///
    /// # Errors
    ///
    /// As [`get_workflow`](Self::get_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::GetWorkflowOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.workflow_client()
    ///     .get_workflow_with("8c2f1e6a-workflow-id", &GetWorkflowOptions::new().include_tasks(false))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_with(
        &self,
        workflow_id: &str,
        options: &GetWorkflowOptions,
    ) -> Result<Workflow> {
        let request = self
            .api
            .get(format!("/workflow/{}", encode_segment(workflow_id)));
        options
            .apply(request)
            .send_json()
            .await
            .map_err(|error| workflow_not_found(error, workflow_id))
    }

    /// Reads a workflow's status summary (id, correlation id, status), without output or
    /// variables.
    ///
    /// `GET /workflow/{workflowId}/status?includeOutput=false&includeVariables=false` (OSS
    /// v3.31.2+). On older servers (which answer `No static resource`, a 404 that says nothing
    /// about the workflow) the SDK reads `GET /workflow/{workflowId}?includeTasks=false` instead
    /// and builds the same summary; it detects the missing endpoint once per client and then
    /// goes straight to the fallback.
    ///
    /// # Errors
    ///
    /// [`ConductorError::WorkflowNotFound`] when the workflow does not exist (never for a missing
    /// endpoint); [`ConductorError::Http`] /
    /// [`ConductorError::Api`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_status = client.workflow_client()
    ///     .get_workflow_status("8c2f1e6a-workflow-id")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_status(&self, workflow_id: &str) -> Result<WorkflowStatusSummary> {
        self.get_workflow_status_with(workflow_id, &WorkflowStatusOptions::new())
            .await
    }

    /// Reads a workflow's status summary, optionally with its output and variables.
    ///
    /// `GET /workflow/{workflowId}/status?includeOutput=&includeVariables=`, with the same
    /// fallback as [`get_workflow_status`](Self::get_workflow_status) on servers before 3.31.2.
    ///
    /// # Errors
    ///
    /// As [`get_workflow_status`](Self::get_workflow_status).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::WorkflowStatusOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_status = client.workflow_client()
    ///     .get_workflow_status_with("8c2f1e6a-workflow-id", &WorkflowStatusOptions::new().include_output(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_status_with(
        &self,
        workflow_id: &str,
        options: &WorkflowStatusOptions,
    ) -> Result<WorkflowStatusSummary> {
        let native = compat::attempt(
            &self.api,
            &WORKFLOW_STATUS,
            ConductorError::is_missing_endpoint,
            || {
                let request = self
                    .api
                    .get(format!("/workflow/{}/status", encode_segment(workflow_id)));
                options.apply(request).send_json()
            },
        )
        .await
        .map_err(|error| workflow_not_found(error, workflow_id))?;
        if let Some(summary) = native {
            return Ok(summary);
        }
        let workflow = self
            .get_workflow_with(workflow_id, &GetWorkflowOptions::new().include_tasks(false))
            .await?;
        Ok(options.summarize(workflow))
    }

    /// Reads the first page (15 tasks) of a workflow's tasks.
    ///
    /// `GET /workflow/{workflowId}/tasks` (OSS v3.22+). Orkes answers a different shape with a
    /// per-status summary, whose `results` / `totalHits` still decode. On servers before 3.22
    /// the SDK reads the whole workflow (`GET /workflow/{workflowId}?includeTasks=true`) and
    /// pages its tasks as the server would (detected once per client).
    ///
    /// # Errors
    ///
    /// [`ConductorError::WorkflowNotFound`] when the workflow does not exist; [`ConductorError::Http`] /
    /// [`ConductorError::Api`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_tasks = client.workflow_client()
    ///     .get_workflow_tasks("8c2f1e6a-workflow-id")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_tasks(&self, workflow_id: &str) -> Result<SearchResult<Task>> {
        self.get_workflow_tasks_with(workflow_id, &WorkflowTasksOptions::new())
            .await
    }

    /// Reads a page of a workflow's tasks, optionally filtered by status.
    ///
    /// `GET /workflow/{workflowId}/tasks?start=&count=&status=` (`status` repeated per status).
    ///
    /// # Errors
    ///
    /// As [`get_workflow_tasks`](Self::get_workflow_tasks).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::WorkflowTasksOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_tasks = client.workflow_client()
    ///     .get_workflow_tasks_with("8c2f1e6a-workflow-id", &WorkflowTasksOptions::new().count(50))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_tasks_with(
        &self,
        workflow_id: &str,
        options: &WorkflowTasksOptions,
    ) -> Result<SearchResult<Task>> {
        let native = compat::attempt(
            &self.api,
            &WORKFLOW_TASKS,
            ConductorError::is_missing_endpoint,
            || {
                let request = self
                    .api
                    .get(format!("/workflow/{}/tasks", encode_segment(workflow_id)));
                options.apply(request).send_json()
            },
        )
        .await
        .map_err(|error| workflow_not_found(error, workflow_id))?;
        if let Some(page) = native {
            return Ok(page);
        }
        let workflow = self.get_workflow(workflow_id).await?;
        Ok(options.page(workflow.tasks))
    }

    // ----------------------------------------------------------------------------------------
    // Lifecycle
    // ----------------------------------------------------------------------------------------

    /// Pauses a running workflow: no new task is scheduled until it is resumed (running tasks
    /// finish). Pausing a paused workflow is a no-op.
    ///
    /// `PUT /workflow/{workflowId}/pause`. Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 when the workflow has ended, 404 when it does not exist;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().pause_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pause_workflow(&self, workflow_id: &str) -> Result<()> {
        self.api
            .put(format!("/workflow/{}/pause", encode_segment(workflow_id)))
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Resumes a paused workflow.
    ///
    /// `PUT /workflow/{workflowId}/resume`. Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Server`] 500 on OSS when the workflow is not paused (an
    /// `IllegalStateException` there); [`ConductorError::Api`] 404; [`ConductorError::Http`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().resume_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resume_workflow(&self, workflow_id: &str) -> Result<()> {
        self.api
            .put(format!("/workflow/{}/resume", encode_segment(workflow_id)))
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Terminates a workflow: its non-terminal tasks are cancelled and it ends as `TERMINATED`
    /// with `reason` as its `reasonForIncompletion`.
    ///
    /// `DELETE /workflow/{workflowId}?reason=&triggerFailureWorkflow=false`. Terminating a
    /// terminated workflow is a no-op; idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 for a `COMPLETED` workflow, 404 when it does not exist;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_workflow("8c2f1e6a-workflow-id", Some("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_workflow(&self, workflow_id: &str, reason: Option<&str>) -> Result<()> {
        let mut options = TerminateOptions::new();
        if let Some(reason) = reason {
            options = options.reason(reason);
        }
        self.terminate_workflow_with(workflow_id, &options).await
    }

    /// Terminates a workflow with a reason and, on Orkes, optionally its failure workflow.
    ///
    /// `DELETE /workflow/{workflowId}?reason=&triggerFailureWorkflow=` (OSS ignores
    /// `triggerFailureWorkflow`). Idempotent.
    ///
    /// # Errors
    ///
    /// As [`terminate_workflow`](Self::terminate_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::TerminateOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_workflow_with("8c2f1e6a-workflow-id", &TerminateOptions::new().reason("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_workflow_with(
        &self,
        workflow_id: &str,
        options: &TerminateOptions,
    ) -> Result<()> {
        debug!(workflow_id, "terminating workflow");
        let request = self
            .api
            .delete(format!("/workflow/{}", encode_segment(workflow_id)))
            .idempotent(true);
        options.apply(request).send_empty().await
    }

    /// Restarts a terminal workflow from the beginning, with the definitions it ran with. The
    /// workflow keeps its id.
    ///
    /// `POST /workflow/{workflowId}/restart?useLatestDefinitions=false` (answer: 204). Not
    /// idempotent: a replay could restart the new run.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 when the workflow is not terminal, 404 when it is not
    /// restartable (`restartable: false` and completed) or does not exist;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().restart_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_workflow(&self, workflow_id: &str) -> Result<()> {
        self.restart_workflow_with(workflow_id, &RestartOptions::new())
            .await
    }

    /// Restarts a terminal workflow from the beginning, optionally with the latest
    /// definitions.
    ///
    /// `POST /workflow/{workflowId}/restart?useLatestDefinitions=` (answer: 204).
    ///
    /// # Errors
    ///
    /// As [`restart_workflow`](Self::restart_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RestartOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .restart_workflow_with("8c2f1e6a-workflow-id", &RestartOptions::new().use_latest_definitions(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_workflow_with(
        &self,
        workflow_id: &str,
        options: &RestartOptions,
    ) -> Result<()> {
        let request = self
            .api
            .post(format!("/workflow/{}/restart", encode_segment(workflow_id)))
            .idempotent(false);
        options.apply(request).send_empty().await
    }

    /// Retries a failed (or timed-out / terminated) workflow from its last failed task.
    ///
    /// `POST /workflow/{workflowId}/retry?resumeSubworkflowTasks=false` (answer: 204). Not
    /// idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`]: OSS answers **404** (`"Workflow is still running"`) when the
    /// workflow is not terminal, 409 when there is no retryable task; [`ConductorError::Http`] /
    /// [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().retry_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry_workflow(&self, workflow_id: &str) -> Result<()> {
        self.retry_workflow_with(workflow_id, &RetryOptions::new())
            .await
    }

    /// Retries a workflow from its last failed task, optionally resuming failed sub-workflows
    /// instead of starting new ones.
    ///
    /// `POST /workflow/{workflowId}/retry?resumeSubworkflowTasks=` (answer: 204).
    ///
    /// # Errors
    ///
    /// As [`retry_workflow`](Self::retry_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RetryOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .retry_workflow_with("8c2f1e6a-workflow-id", &RetryOptions::new().resume_subworkflow_tasks(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry_workflow_with(
        &self,
        workflow_id: &str,
        options: &RetryOptions,
    ) -> Result<()> {
        let request = self
            .api
            .post(format!("/workflow/{}/retry", encode_segment(workflow_id)))
            .idempotent(false);
        options.apply(request).send_empty().await
    }

    /// Re-runs a terminal workflow from a given task (or from the beginning when
    /// `reRunFromTaskId` is unset), optionally with new workflow or task input. Returns the
    /// workflow id (the same id).
    ///
    /// `POST /workflow/{workflowId}/rerun` with the [`RerunWorkflowRequest`] (its
    /// `reRunFromWorkflowId` is replaced by the path id); TEXT answer. Not idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 when the workflow is not terminal, 400 when the task is not
    /// found; [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// # use conductor_client::models::RerunWorkflowRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(request: RerunWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_id = client.workflow_client()
    ///     .rerun_workflow("8c2f1e6a-workflow-id", &request)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rerun_workflow(
        &self,
        workflow_id: &str,
        request: &RerunWorkflowRequest,
    ) -> Result<String> {
        let id = self
            .api
            .post(format!("/workflow/{}/rerun", encode_segment(workflow_id)))
            .json_body(request)?
            .idempotent(false)
            .send_text()
            .await?;
        non_empty_workflow_id(id)
    }

    /// Skips a task of a running workflow that has **not been scheduled yet**: the server
    /// records it as `SKIPPED` and moves on.
    ///
    /// `PUT /workflow/{workflowId}/skiptask/{taskReferenceName}` with an empty
    /// [`SkipTaskRequest`] (`{}`) as JSON. Idempotent. Use
    /// [`skip_task_with`](Self::skip_task_with) to give the skipped task input and output.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Server`] 500 on OSS when the workflow is not running, the reference is
    /// not in its definition, or the task was already scheduled; [`ConductorError::Api`] /
    /// [`ConductorError::Http`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().skip_task("8c2f1e6a-workflow-id", "approval_ref").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn skip_task(&self, workflow_id: &str, task_reference_name: &str) -> Result<()> {
        self.skip_task_with(
            workflow_id,
            task_reference_name,
            &SkipTaskRequest::default(),
        )
        .await
    }

    /// Skips a not-yet-scheduled task, recording `request.taskInput` / `taskOutput` on the
    /// skipped task.
    ///
    /// `PUT /workflow/{workflowId}/skiptask/{taskReferenceName}` with the [`SkipTaskRequest`]
    /// as the JSON body. **OSS quirk**: OSS declares the parameter without `@RequestBody`, so it
    /// ignores the JSON body and the skipped task gets empty input/output; Orkes (and the
    /// embedded dev server) read the body. The SDK sends the body either way.
    ///
    /// # Errors
    ///
    /// As [`skip_task`](Self::skip_task).
    ///
    /// ```no_run
    /// # use conductor_client::models::SkipTaskRequest;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(request: SkipTaskRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .skip_task_with("8c2f1e6a-workflow-id", "approval_ref", &request)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn skip_task_with(
        &self,
        workflow_id: &str,
        task_reference_name: &str,
        request: &SkipTaskRequest,
    ) -> Result<()> {
        self.api
            .put(format!(
                "/workflow/{}/skiptask/{}",
                encode_segment(workflow_id),
                encode_segment(task_reference_name)
            ))
            .json_body(request)?
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Sets (merges) workflow variables of a running workflow and re-evaluates it; returns the
    /// updated workflow.
    ///
    /// `POST /workflow/{workflowId}/variables` with `variables` as a JSON object. **Orkes
    /// only**: conductor-oss (3.21 to 3.32) has no such endpoint and answers `No static
    /// resource`, which the SDK reports as [`ConductorError::UnsupportedByServer`] (and, for the
    /// rest of the client's life, without asking again). On OSS, change variables from inside the
    /// workflow with a `SET_VARIABLE` task. Idempotent (setting the same values twice is
    /// harmless).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `variables` does not serialise to a JSON object;
    /// [`ConductorError::UnsupportedByServer`] on conductor-oss; [`ConductorError::Api`] /
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.workflow_client()
    ///     .update_variables("8c2f1e6a-workflow-id", &json!({"attempts": 2}))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_variables<V: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        variables: &V,
    ) -> Result<Workflow> {
        let body = json_object(variables, "workflow variables")?;
        compat::native_or_unsupported(&self.api, &UPDATE_VARIABLES, || async {
            self.api
                .post(format!(
                    "/workflow/{}/variables",
                    encode_segment(workflow_id)
                ))
                .json_body(&body)?
                .idempotent(true)
                .send_json()
                .await
        })
        .await
    }

    /// Deletes a workflow execution, archiving it (the server's default).
    ///
    /// `DELETE /workflow/{workflowId}/remove?archiveWorkflow=true`. OSS refuses to archive a
    /// workflow that is not terminal (400); use [`delete_workflow_with`](Self::delete_workflow_with)
    /// with `archive(false)` for those, or terminate first. Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 (archiving a running workflow), 404 (no such workflow);
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().delete_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_workflow(&self, workflow_id: &str) -> Result<()> {
        self.delete_workflow_with(workflow_id, &RemoveOptions::new())
            .await
    }

    /// Deletes a workflow execution, archiving it or not.
    ///
    /// `DELETE /workflow/{workflowId}/remove?archiveWorkflow=`.
    ///
    /// # Errors
    ///
    /// As [`delete_workflow`](Self::delete_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RemoveOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .delete_workflow_with("8c2f1e6a-workflow-id", &RemoveOptions::new().archive(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_workflow_with(
        &self,
        workflow_id: &str,
        options: &RemoveOptions,
    ) -> Result<()> {
        let request = self
            .api
            .delete(format!("/workflow/{}/remove", encode_segment(workflow_id)))
            .idempotent(true);
        options.apply(request).send_empty().await
    }

    /// Terminates a workflow (if still running) and deletes it, archiving it.
    ///
    /// `DELETE /workflow/{workflowId}/terminate-remove?reason=&archiveWorkflow=true` (OSS
    /// v3.19+; Orkes has no such endpoint). Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when the workflow does not exist; [`ConductorError::Http`] /
    /// [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_remove_workflow("8c2f1e6a-workflow-id", Some("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_remove_workflow(
        &self,
        workflow_id: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut options = TerminateRemoveOptions::new();
        if let Some(reason) = reason {
            options = options.reason(reason);
        }
        self.terminate_remove_workflow_with(workflow_id, &options)
            .await
    }

    /// Terminates and deletes a workflow, with a reason and the archive choice.
    ///
    /// `DELETE /workflow/{workflowId}/terminate-remove?reason=&archiveWorkflow=`.
    ///
    /// # Errors
    ///
    /// As [`terminate_remove_workflow`](Self::terminate_remove_workflow).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::TerminateRemoveOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_remove_workflow_with("8c2f1e6a-workflow-id", &TerminateRemoveOptions::new().reason("cleanup"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_remove_workflow_with(
        &self,
        workflow_id: &str,
        options: &TerminateRemoveOptions,
    ) -> Result<()> {
        let request = self
            .api
            .delete(format!(
                "/workflow/{}/terminate-remove",
                encode_segment(workflow_id)
            ))
            .idempotent(true);
        options.apply(request).send_empty().await
    }

    /// Makes the workflow's non-terminal `SIMPLE` tasks that wait for a callback
    /// (`callbackAfterSeconds`) available to workers now.
    ///
    /// `POST /workflow/{workflowId}/resetcallbacks` (answer: 204). Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 when the workflow is terminal, 404 when it does not exist;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().reset_callbacks("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn reset_callbacks(&self, workflow_id: &str) -> Result<()> {
        self.api
            .post(format!(
                "/workflow/{}/resetcallbacks",
                encode_segment(workflow_id)
            ))
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Runs the decider on a workflow now (it normally runs after every task update and from
    /// the sweeper).
    ///
    /// `PUT /workflow/decide/{workflowId}`. Idempotent.
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
    /// client.workflow_client().decide_workflow("8c2f1e6a-workflow-id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn decide_workflow(&self, workflow_id: &str) -> Result<()> {
        self.api
            .put(format!("/workflow/decide/{}", encode_segment(workflow_id)))
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Pushes a message into a running workflow's message queue, waking a waiting
    /// `PULL_WORKFLOW_MESSAGES` task; returns the message id.
    ///
    /// `POST /workflow/{workflowId}/messages` with `message` as a JSON object (TEXT answer).
    /// OSS-only (3.30.0+), and only when the server sets
    /// `conductor.workflow-message-queue.enabled=true`; otherwise the server has no such endpoint
    /// and the SDK returns [`ConductorError::UnsupportedByServer`] (remembered per client).
    /// Errors of this endpoint are plain text, not `ErrorResponse` JSON; their text becomes the
    /// error message. Not idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `message` is not a JSON object;
    /// [`ConductorError::UnsupportedByServer`] when the feature is off or the server older than
    /// 3.30; [`ConductorError::Api`] 404 (no such workflow), 409 (workflow not running), 429
    /// (queue full);
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let message_id = client.workflow_client()
    ///     .send_message("8c2f1e6a-workflow-id", &json!({"text": "hello"}))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_message<M: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        message: &M,
    ) -> Result<String> {
        let body = json_object(message, "workflow message")?;
        let id = compat::native_or_unsupported(&self.api, &SEND_MESSAGE, || async {
            self.api
                .post(format!(
                    "/workflow/{}/messages",
                    encode_segment(workflow_id)
                ))
                .json_body(&body)?
                .idempotent(false)
                .send_text()
                .await
        })
        .await?;
        non_empty_text(id).ok_or_else(|| empty_body("a message id"))
    }
}

/// Maps a "no such workflow" 404 to [`ConductorError::WorkflowNotFound`] carrying the workflow
/// id; a 404 that says the endpoint is missing (`No static resource ...`) stays as it is.
pub(crate) fn workflow_not_found(error: ConductorError, workflow_id: &str) -> ConductorError {
    if error.status() == Some(404) && !error.is_missing_endpoint() {
        ConductorError::WorkflowNotFound(workflow_id.to_owned())
    } else {
        error
    }
}

/// A TEXT answer that must carry a workflow id.
fn non_empty_workflow_id(text: String) -> Result<String> {
    non_empty_text(text).ok_or_else(|| empty_body("a workflow id"))
}

fn empty_body(expected: &str) -> ConductorError {
    ConductorError::Decode {
        status: 200,
        message: format!("expected {expected}, got an empty body"),
        body_snippet: String::new(),
    }
}
