//! Option structs for the client calls that take flags or several optional parameters
//! (`*_with` methods): what to include when reading a workflow, how to terminate, remove, restart
//! or retry it, how to execute it synchronously, which page of tasks to read...
//!
//! Conventions: every struct starts from `new()` (= `Default`), which matches the OSS server's
//! default for each parameter; setters consume `self` and return it. Boolean parameters are
//! always sent explicitly (so a server whose default differs, such as Orkes, behaves the same);
//! optional numbers and strings are sent only when set.

use std::time::Duration;

use conductor_http::ApiRequest;
use conductor_models::{
    ReturnStrategy, SearchResult, Task, TaskStatus, Workflow, WorkflowStatusSummary,
};

/// The server's default page size of `GET /workflow/{workflowId}/tasks`.
const DEFAULT_WORKFLOW_TASKS_PAGE: u32 = 15;

/// Options of [`WorkflowClient::get_workflow_with`](crate::WorkflowClient::get_workflow_with)
/// and the bulk workflow lookup.
///
/// ```
/// use conductor_client::GetWorkflowOptions;
///
/// let without_tasks = GetWorkflowOptions::new().include_tasks(false);
/// # let _ = without_tasks;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetWorkflowOptions {
    include_tasks: bool,
}

impl Default for GetWorkflowOptions {
    fn default() -> Self {
        Self {
            include_tasks: true,
        }
    }
}

impl GetWorkflowOptions {
    /// The server's defaults: tasks included.
    ///
    /// ```
    /// use conductor_client::{GetWorkflowOptions, ConductorClient, Configuration};
    ///
    /// let options = GetWorkflowOptions::new();
    /// assert_eq!(options, GetWorkflowOptions::default());
    /// # async fn run(options: GetWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the workflow's `tasks` are returned (`includeTasks`). Default: `true`; with
    /// `false` the server answers `"tasks": []`, which is much smaller for long workflows.
    ///
    /// ```
    /// use conductor_client::{GetWorkflowOptions, ConductorClient, Configuration};
    ///
    /// let options = GetWorkflowOptions::new().include_tasks(false);
    /// assert_ne!(options, GetWorkflowOptions::new());
    /// # async fn run(options: GetWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn include_tasks(mut self, include_tasks: bool) -> Self {
        self.include_tasks = include_tasks;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request.query("includeTasks", self.include_tasks)
    }
}

/// Options of
/// [`WorkflowClient::get_workflow_status_with`](crate::WorkflowClient::get_workflow_status_with).
///
/// ```
/// use conductor_client::WorkflowStatusOptions;
///
/// let options = WorkflowStatusOptions::new().include_output(true).include_variables(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkflowStatusOptions {
    include_output: bool,
    include_variables: bool,
}

impl WorkflowStatusOptions {
    /// The server's defaults: neither output nor variables.
    ///
    /// ```
    /// use conductor_client::{WorkflowStatusOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowStatusOptions::new();
    /// assert_eq!(options, WorkflowStatusOptions::default());
    /// # async fn run(options: WorkflowStatusOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_status_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the summary carries the workflow's `output` (`includeOutput`). Default: `false`.
    ///
    /// ```
    /// use conductor_client::{WorkflowStatusOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowStatusOptions::new().include_output(true);
    /// assert_ne!(options, WorkflowStatusOptions::new());
    /// # async fn run(options: WorkflowStatusOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_status_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn include_output(mut self, include_output: bool) -> Self {
        self.include_output = include_output;
        self
    }

    /// Whether the summary carries the workflow's `variables` (`includeVariables`). Default:
    /// `false`.
    ///
    /// ```
    /// use conductor_client::{WorkflowStatusOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowStatusOptions::new().include_variables(true);
    /// assert_ne!(options, WorkflowStatusOptions::new());
    /// # async fn run(options: WorkflowStatusOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_status_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn include_variables(mut self, include_variables: bool) -> Self {
        self.include_variables = include_variables;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query("includeOutput", self.include_output)
            .query("includeVariables", self.include_variables)
    }

    /// Builds the summary the server would from a workflow read without its tasks (the fallback
    /// on servers before 3.31.2).
    pub(crate) fn summarize(&self, workflow: Workflow) -> WorkflowStatusSummary {
        WorkflowStatusSummary {
            workflow_id: workflow.workflow_id,
            correlation_id: workflow.correlation_id.filter(|id| !id.is_empty()),
            output: self.include_output.then_some(workflow.output),
            variables: self.include_variables.then_some(workflow.variables),
            status: workflow.status,
        }
    }
}

/// Options of [`WorkflowClient::terminate_workflow_with`](crate::WorkflowClient::terminate_workflow_with)
/// and the bulk terminate.
///
/// ```
/// use conductor_client::TerminateOptions;
///
/// let options = TerminateOptions::new().reason("cancelled by the user");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TerminateOptions {
    reason: Option<String>,
    trigger_failure_workflow: bool,
}

impl TerminateOptions {
    /// No reason, no failure workflow.
    ///
    /// ```
    /// use conductor_client::{TerminateOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateOptions::new();
    /// assert_eq!(options, TerminateOptions::default());
    /// # async fn run(options: TerminateOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().terminate_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The reason recorded as the workflow's `reasonForIncompletion` (`reason`). Default: none.
    ///
    /// ```
    /// use conductor_client::{TerminateOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateOptions::new().reason("duplicate order");
    /// assert_ne!(options, TerminateOptions::new());
    /// # async fn run(options: TerminateOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().terminate_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Whether the definition's `failureWorkflow` is started (`triggerFailureWorkflow`).
    /// Default: `false`. **Orkes only**: OSS ignores the parameter and never starts the failure
    /// workflow for an API terminate.
    ///
    /// ```
    /// use conductor_client::{TerminateOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateOptions::new().trigger_failure_workflow(true);
    /// assert_ne!(options, TerminateOptions::new());
    /// # async fn run(options: TerminateOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().terminate_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn trigger_failure_workflow(mut self, trigger: bool) -> Self {
        self.trigger_failure_workflow = trigger;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query_opt("reason", self.reason.as_deref())
            .query("triggerFailureWorkflow", self.trigger_failure_workflow)
    }
}

/// Options of [`WorkflowClient::delete_workflow_with`](crate::WorkflowClient::delete_workflow_with)
/// and the bulk remove.
///
/// ```
/// use conductor_client::RemoveOptions;
///
/// // Delete a workflow that is still running (archiving requires a terminal workflow).
/// let options = RemoveOptions::new().archive(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoveOptions {
    archive: bool,
}

impl Default for RemoveOptions {
    fn default() -> Self {
        Self { archive: true }
    }
}

impl RemoveOptions {
    /// The server's default: archive.
    ///
    /// ```
    /// use conductor_client::{RemoveOptions, ConductorClient, Configuration};
    ///
    /// let options = RemoveOptions::new();
    /// assert_eq!(options, RemoveOptions::default());
    /// # async fn run(options: RemoveOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().delete_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the execution is archived to the index instead of being erased
    /// (`archiveWorkflow`). Default: `true`. OSS refuses to archive a non-terminal workflow
    /// (HTTP 400); use `false` to delete a running one.
    ///
    /// ```
    /// use conductor_client::{RemoveOptions, ConductorClient, Configuration};
    ///
    /// let options = RemoveOptions::new().archive(false);
    /// assert_ne!(options, RemoveOptions::new());
    /// # async fn run(options: RemoveOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().delete_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn archive(mut self, archive: bool) -> Self {
        self.archive = archive;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request.query("archiveWorkflow", self.archive)
    }
}

/// Options of
/// [`WorkflowClient::terminate_remove_workflow_with`](crate::WorkflowClient::terminate_remove_workflow_with)
/// and the bulk terminate-remove.
///
/// ```
/// use conductor_client::TerminateRemoveOptions;
///
/// let options = TerminateRemoveOptions::new().reason("cleanup").archive(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TerminateRemoveOptions {
    reason: Option<String>,
    archive: bool,
}

impl Default for TerminateRemoveOptions {
    fn default() -> Self {
        Self {
            reason: None,
            archive: true,
        }
    }
}

impl TerminateRemoveOptions {
    /// The server's defaults: no reason, archive.
    ///
    /// ```
    /// use conductor_client::{TerminateRemoveOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateRemoveOptions::new();
    /// assert_eq!(options, TerminateRemoveOptions::default());
    /// # async fn run(options: TerminateRemoveOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_remove_workflow_with("8c2f1e6a-workflow-id", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The termination reason (`reason`). Default: none.
    ///
    /// ```
    /// use conductor_client::{TerminateRemoveOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateRemoveOptions::new().reason("test run");
    /// assert_ne!(options, TerminateRemoveOptions::new());
    /// # async fn run(options: TerminateRemoveOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_remove_workflow_with("8c2f1e6a-workflow-id", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Whether the execution is archived rather than erased (`archiveWorkflow`). Default: `true`.
    ///
    /// ```
    /// use conductor_client::{TerminateRemoveOptions, ConductorClient, Configuration};
    ///
    /// let options = TerminateRemoveOptions::new().archive(false);
    /// assert_ne!(options, TerminateRemoveOptions::new());
    /// # async fn run(options: TerminateRemoveOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .terminate_remove_workflow_with("8c2f1e6a-workflow-id", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn archive(mut self, archive: bool) -> Self {
        self.archive = archive;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query_opt("reason", self.reason.as_deref())
            .query("archiveWorkflow", self.archive)
    }
}

/// Options of [`WorkflowClient::restart_workflow_with`](crate::WorkflowClient::restart_workflow_with)
/// and the bulk restart.
///
/// ```
/// use conductor_client::RestartOptions;
///
/// let options = RestartOptions::new().use_latest_definitions(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestartOptions {
    use_latest_definitions: bool,
}

impl RestartOptions {
    /// The server's default: restart with the definitions the workflow ran with.
    ///
    /// ```
    /// use conductor_client::{RestartOptions, ConductorClient, Configuration};
    ///
    /// let options = RestartOptions::new();
    /// assert_eq!(options, RestartOptions::default());
    /// # async fn run(options: RestartOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().restart_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the latest workflow and task definitions are used (`useLatestDefinitions`).
    /// Default: `false`.
    ///
    /// ```
    /// use conductor_client::{RestartOptions, ConductorClient, Configuration};
    ///
    /// let options = RestartOptions::new().use_latest_definitions(true);
    /// assert_ne!(options, RestartOptions::new());
    /// # async fn run(options: RestartOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().restart_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn use_latest_definitions(mut self, use_latest: bool) -> Self {
        self.use_latest_definitions = use_latest;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request.query("useLatestDefinitions", self.use_latest_definitions)
    }
}

/// Options of [`WorkflowClient::retry_workflow_with`](crate::WorkflowClient::retry_workflow_with).
///
/// ```
/// use conductor_client::RetryOptions;
///
/// let options = RetryOptions::new().resume_subworkflow_tasks(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryOptions {
    resume_subworkflow_tasks: bool,
}

impl RetryOptions {
    /// The server's default: a failed sub-workflow task is retried by starting a new
    /// sub-workflow.
    ///
    /// ```
    /// use conductor_client::{RetryOptions, ConductorClient, Configuration};
    ///
    /// let options = RetryOptions::new();
    /// assert_eq!(options, RetryOptions::default());
    /// # async fn run(options: RetryOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().retry_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a failed `SUB_WORKFLOW` task is retried by retrying the existing sub-workflow
    /// instead of starting a new one (`resumeSubworkflowTasks`). Default: `false`.
    ///
    /// ```
    /// use conductor_client::{RetryOptions, ConductorClient, Configuration};
    ///
    /// let options = RetryOptions::new().resume_subworkflow_tasks(true);
    /// assert_ne!(options, RetryOptions::new());
    /// # async fn run(options: RetryOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().retry_workflow_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn resume_subworkflow_tasks(mut self, resume: bool) -> Self {
        self.resume_subworkflow_tasks = resume;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request.query("resumeSubworkflowTasks", self.resume_subworkflow_tasks)
    }
}

/// Options of the correlation-id lookups
/// ([`WorkflowClient::get_workflows_by_correlation_id_with`](crate::WorkflowClient::get_workflows_by_correlation_id_with)
/// and its batch form).
///
/// ```
/// use conductor_client::CorrelationOptions;
///
/// let options = CorrelationOptions::new().include_closed(true).include_tasks(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CorrelationOptions {
    include_closed: bool,
    include_tasks: bool,
}

impl CorrelationOptions {
    /// The server's defaults: running workflows only, without tasks.
    ///
    /// ```
    /// use conductor_client::{CorrelationOptions, ConductorClient, Configuration};
    ///
    /// let options = CorrelationOptions::new();
    /// assert_eq!(options, CorrelationOptions::default());
    /// # async fn run(options: CorrelationOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .get_workflows_by_correlation_id_with("order_fulfillment", "order-42", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether terminal (completed, failed, terminated...) workflows are included
    /// (`includeClosed`). Default: `false`.
    ///
    /// ```
    /// use conductor_client::{CorrelationOptions, ConductorClient, Configuration};
    ///
    /// let options = CorrelationOptions::new().include_closed(true);
    /// assert_ne!(options, CorrelationOptions::new());
    /// # async fn run(options: CorrelationOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .get_workflows_by_correlation_id_with("order_fulfillment", "order-42", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn include_closed(mut self, include_closed: bool) -> Self {
        self.include_closed = include_closed;
        self
    }

    /// Whether each workflow's `tasks` are returned (`includeTasks`). Default: `false`.
    ///
    /// ```
    /// use conductor_client::{CorrelationOptions, ConductorClient, Configuration};
    ///
    /// let options = CorrelationOptions::new().include_tasks(true);
    /// assert_ne!(options, CorrelationOptions::new());
    /// # async fn run(options: CorrelationOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .get_workflows_by_correlation_id_with("order_fulfillment", "order-42", &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn include_tasks(mut self, include_tasks: bool) -> Self {
        self.include_tasks = include_tasks;
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query("includeClosed", self.include_closed)
            .query("includeTasks", self.include_tasks)
    }
}

/// Options of
/// [`WorkflowClient::get_running_workflows_with`](crate::WorkflowClient::get_running_workflows_with).
///
/// ```
/// use conductor_client::RunningWorkflowsOptions;
///
/// let options = RunningWorkflowsOptions::new()
///     .version(2)
///     .time_window(1_700_000_000_000, 1_700_000_600_000);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunningWorkflowsOptions {
    version: Option<i32>,
    start_time: Option<i64>,
    end_time: Option<i64>,
}

impl RunningWorkflowsOptions {
    /// No version, no time window.
    ///
    /// ```
    /// use conductor_client::{RunningWorkflowsOptions, ConductorClient, Configuration};
    ///
    /// let options = RunningWorkflowsOptions::new();
    /// assert_eq!(options, RunningWorkflowsOptions::default());
    /// # async fn run(options: RunningWorkflowsOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_running_workflows_with("order_fulfillment", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The definition version (`version`). Default: not sent, and OSS then uses version **1**
    /// (not the latest version).
    ///
    /// ```
    /// use conductor_client::{RunningWorkflowsOptions, ConductorClient, Configuration};
    ///
    /// let options = RunningWorkflowsOptions::new().version(2);
    /// assert_ne!(options, RunningWorkflowsOptions::new());
    /// # async fn run(options: RunningWorkflowsOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_running_workflows_with("order_fulfillment", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// Restricts the lookup to workflows started between two instants, in epoch milliseconds
    /// (`startTime`, `endTime`). OSS applies the window only when both are non-zero. Default:
    /// no window.
    ///
    /// ```
    /// use conductor_client::{RunningWorkflowsOptions, ConductorClient, Configuration};
    ///
    /// let options = RunningWorkflowsOptions::new().time_window(1_700_000_000_000, 1_700_086_400_000);
    /// assert_ne!(options, RunningWorkflowsOptions::new());
    /// # async fn run(options: RunningWorkflowsOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_running_workflows_with("order_fulfillment", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn time_window(mut self, start_time_millis: i64, end_time_millis: i64) -> Self {
        self.start_time = Some(start_time_millis);
        self.end_time = Some(end_time_millis);
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query_opt("version", self.version)
            .query_opt("startTime", self.start_time)
            .query_opt("endTime", self.end_time)
    }
}

/// Which page of a workflow's tasks
/// [`WorkflowClient::get_workflow_tasks_with`](crate::WorkflowClient::get_workflow_tasks_with)
/// returns.
///
/// ```
/// use conductor_client::{models::TaskStatus, WorkflowTasksOptions};
///
/// let failed = WorkflowTasksOptions::new()
///     .status(TaskStatus::Failed)
///     .status(TaskStatus::TimedOut)
///     .count(50);
/// # let _ = failed;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkflowTasksOptions {
    start: Option<u32>,
    count: Option<u32>,
    statuses: Vec<TaskStatus>,
}

impl WorkflowTasksOptions {
    /// The server's defaults: the first 15 tasks, any status.
    ///
    /// ```
    /// use conductor_client::{WorkflowTasksOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowTasksOptions::new();
    /// assert_eq!(options, WorkflowTasksOptions::default());
    /// # async fn run(options: WorkflowTasksOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_tasks_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Index of the first task returned (`start`). Default: the server's 0.
    ///
    /// ```
    /// use conductor_client::{WorkflowTasksOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowTasksOptions::new().start(100);
    /// assert_ne!(options, WorkflowTasksOptions::new());
    /// # async fn run(options: WorkflowTasksOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_tasks_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn start(mut self, start: u32) -> Self {
        self.start = Some(start);
        self
    }

    /// Page size (`count`). Default: the server's 15.
    ///
    /// ```
    /// use conductor_client::{WorkflowTasksOptions, ConductorClient, Configuration};
    ///
    /// let options = WorkflowTasksOptions::new().count(50);
    /// assert_ne!(options, WorkflowTasksOptions::new());
    /// # async fn run(options: WorkflowTasksOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_tasks_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Keeps only tasks in `status` (`status`, repeatable: several calls keep several
    /// statuses). Default: every status.
    ///
    /// ```
    /// use conductor_client::{WorkflowTasksOptions, ConductorClient, Configuration};
    /// use conductor_client::models::TaskStatus;
    ///
    /// let options = WorkflowTasksOptions::new().status(TaskStatus::Failed);
    /// assert_ne!(options, WorkflowTasksOptions::new());
    /// # async fn run(options: WorkflowTasksOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client().get_workflow_tasks_with("8c2f1e6a-workflow-id", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.statuses.push(status);
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        let request = request
            .query_opt("start", self.start)
            .query_opt("count", self.count);
        self.statuses.iter().fold(request, |request, status| {
            request.query("status", status.as_str())
        })
    }

    /// Pages a workflow's tasks as the server does (the fallback on servers before 3.22):
    /// filter by status (case-insensitive), then `start` (default 0) and `count` (default 15).
    pub(crate) fn page(&self, tasks: Vec<Task>) -> SearchResult<Task> {
        let wanted: Vec<String> = self
            .statuses
            .iter()
            .map(|status| status.as_str().to_ascii_uppercase())
            .collect();
        let filtered: Vec<Task> = tasks
            .into_iter()
            .filter(|task| wanted.is_empty() || wanted.iter().any(|s| s == task.status.as_str()))
            .collect();
        let total_hits = i64::try_from(filtered.len()).unwrap_or(i64::MAX);
        let start = usize::try_from(self.start.unwrap_or(0)).unwrap_or(usize::MAX);
        let count = usize::try_from(self.count.unwrap_or(DEFAULT_WORKFLOW_TASKS_PAGE))
            .unwrap_or(usize::MAX);
        let results = filtered.into_iter().skip(start).take(count).collect();
        SearchResult {
            total_hits,
            results,
        }
    }
}

/// Options of [`WorkflowClient::execute_workflow_with`](crate::WorkflowClient::execute_workflow_with):
/// how long to wait, what to wait for, and what to return.
///
/// The server waits (polling every 100 ms) until the workflow is terminal, or a task listed in
/// [`wait_until_task_ref`](Self::wait_until_task_ref) is terminal, or a `WAIT` task without a
/// timeout is reached, or the wait time runs out; it then answers the current state (with
/// `signalTimeout: true` on a timeout).
///
/// ```
/// use std::time::Duration;
/// use conductor_client::{models::ReturnStrategy, ExecuteOptions};
///
/// let options = ExecuteOptions::new()
///     .wait_for(Duration::from_secs(30))
///     .wait_until_task_ref("approval_ref")
///     .return_strategy(ReturnStrategy::BlockingTask)
///     .request_id("req-42");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecuteOptions {
    wait_for: Duration,
    wait_until_task_refs: Vec<String>,
    request_id: Option<String>,
    return_strategy: Option<ReturnStrategy>,
    consistency: Option<String>,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        Self {
            wait_for: Duration::from_secs(10),
            wait_until_task_refs: Vec::new(),
            request_id: None,
            return_strategy: None,
            consistency: None,
        }
    }
}

impl ExecuteOptions {
    /// The server's defaults: wait up to 10 s for the workflow itself.
    ///
    /// ```
    /// use conductor_client::ExecuteOptions;
    ///
    /// let options = ExecuteOptions::new();
    /// assert_eq!(options, ExecuteOptions::default());
    /// assert_eq!(options.wait_for_seconds(), 10);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How long the server waits (`waitForSeconds`). Default: 10 s.
    ///
    /// The server counts in whole seconds and treats `0` as "the default, 10 s", so the SDK
    /// rounds **up** to the next whole second and never sends `0`: `Duration::ZERO` and any
    /// sub-second wait become 1 s, 1.2 s becomes 2 s. The HTTP request's own timeout is extended
    /// by this wait, so a long wait does not trip the client's timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::ExecuteOptions;
    ///
    /// assert_eq!(ExecuteOptions::new().wait_for(Duration::from_secs(30)).wait_for_seconds(), 30);
    /// // Rounded up to whole seconds, never 0.
    /// assert_eq!(ExecuteOptions::new().wait_for(Duration::from_millis(1200)).wait_for_seconds(), 2);
    /// assert_eq!(ExecuteOptions::new().wait_for(Duration::ZERO).wait_for_seconds(), 1);
    /// ```
    #[must_use]
    pub fn wait_for(mut self, wait_for: Duration) -> Self {
        self.wait_for = wait_for;
        self
    }

    /// Adds a task reference name to stop waiting at: the server answers as soon as a task with
    /// this reference is terminal (`waitUntilTaskRef`, comma-joined when several are given).
    /// Default: none.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use conductor_client::{ConductorClient, Configuration, ExecuteOptions};
    /// # use conductor_client::models::StartWorkflowRequest;
    ///
    /// # async fn run(request: StartWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// // Answer as soon as the approval task is done (or after 30 s).
    /// let options = ExecuteOptions::new()
    ///     .wait_for(Duration::from_secs(30))
    ///     .wait_until_task_ref("approval_ref");
    /// let response = client.workflow_client().execute_workflow_with(&request, &options).await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn wait_until_task_ref(mut self, task_ref: impl Into<String>) -> Self {
        self.wait_until_task_refs.push(task_ref.into());
        self
    }

    /// Adds several task reference names (see [`wait_until_task_ref`](Self::wait_until_task_ref)).
    ///
    /// ```
    /// use conductor_client::ExecuteOptions;
    ///
    /// let options = ExecuteOptions::new().wait_until_task_refs(["approve_ref", "reject_ref"]);
    /// // The same as adding them one by one.
    /// assert_eq!(
    ///     options,
    ///     ExecuteOptions::new().wait_until_task_ref("approve_ref").wait_until_task_ref("reject_ref")
    /// );
    /// ```
    #[must_use]
    pub fn wait_until_task_refs<I, S>(mut self, task_refs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.wait_until_task_refs
            .extend(task_refs.into_iter().map(Into::into));
        self
    }

    /// A caller-chosen request id echoed back in the response (`requestId`). Default: the
    /// server generates a UUID. OSS only echoes it; Orkes may use it for de-duplication.
    ///
    /// ```
    /// use conductor_client::ExecuteOptions;
    ///
    /// let options = ExecuteOptions::new().request_id("checkout-7f3a");
    /// assert_ne!(options, ExecuteOptions::new());
    /// ```
    #[must_use]
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// What the server returns (`returnStrategy`). Default: the server's `TARGET_WORKFLOW` (the
    /// started workflow as a `WorkflowRun`). `BLOCKING_TASK` / `BLOCKING_TASK_INPUT` return a
    /// `TaskRun`; on OSS they fail (HTTP 500) when the workflow finishes without a blocking task.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration, ExecuteOptions};
    /// use conductor_client::models::ReturnStrategy;
    /// # use conductor_client::models::StartWorkflowRequest;
    ///
    /// # async fn run(request: StartWorkflowRequest) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// // Return the task the workflow is blocked on (e.g. a HUMAN or WAIT task).
    /// let options = ExecuteOptions::new().return_strategy(ReturnStrategy::BlockingTask);
    /// let response = client.workflow_client().execute_workflow_with(&request, &options).await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn return_strategy(mut self, return_strategy: ReturnStrategy) -> Self {
        self.return_strategy = Some(return_strategy);
        self
    }

    /// The consistency level (`consistency`: `DURABLE`, `SYNCHRONOUS`, `REGION_DURABLE`).
    /// Default: the server's `DURABLE`. **Orkes only**: OSS accepts and ignores it.
    ///
    /// ```
    /// use conductor_client::ExecuteOptions;
    ///
    /// let options = ExecuteOptions::new().consistency("SYNCHRONOUS"); // Orkes only
    /// assert_ne!(options, ExecuteOptions::new());
    /// ```
    #[must_use]
    pub fn consistency(mut self, consistency: impl Into<String>) -> Self {
        self.consistency = Some(consistency.into());
        self
    }

    /// The wait the request will ask for, after rounding (see [`wait_for`](Self::wait_for)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::ExecuteOptions;
    ///
    /// let options = ExecuteOptions::new().wait_for(Duration::from_millis(2500));
    /// assert_eq!(options.wait_for_seconds(), 3);
    /// ```
    #[must_use]
    pub fn wait_for_seconds(&self) -> u64 {
        whole_seconds_at_least_one(self.wait_for)
    }

    /// The task references to wait for (`waitUntilTaskRef`).
    pub(crate) fn task_refs(&self) -> &[String] {
        &self.wait_until_task_refs
    }

    /// The request id, when one was set.
    pub(crate) fn request_id_value(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The return strategy (the server's default `TARGET_WORKFLOW` when unset).
    pub(crate) fn strategy(&self) -> ReturnStrategy {
        self.return_strategy.clone().unwrap_or_default()
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        let wait_until =
            (!self.wait_until_task_refs.is_empty()).then(|| self.wait_until_task_refs.join(","));
        request
            .query("waitForSeconds", self.wait_for_seconds())
            .query_opt("waitUntilTaskRef", wait_until)
            .query_opt("requestId", self.request_id.as_deref())
            .query_opt(
                "returnStrategy",
                self.return_strategy.as_ref().map(ReturnStrategy::as_str),
            )
            .query_opt("consistency", self.consistency.as_deref())
    }
}

/// Options of [`WorkflowClient::start_workflow_by_name`](crate::WorkflowClient::start_workflow_by_name)
/// (`POST /workflow/{name}`).
///
/// ```
/// use conductor_client::StartWorkflowOptions;
///
/// let options = StartWorkflowOptions::new().version(2).correlation_id("order-7").priority(10);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StartWorkflowOptions {
    version: Option<i32>,
    correlation_id: Option<String>,
    priority: Option<i32>,
}

impl StartWorkflowOptions {
    /// Latest version, no correlation id, priority 0.
    ///
    /// ```
    /// use conductor_client::{StartWorkflowOptions, ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// let options = StartWorkflowOptions::new();
    /// assert_eq!(options, StartWorkflowOptions::default());
    /// # async fn run(options: StartWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .start_workflow_by_name("order_fulfillment", &json!({"orderId": "order-42"}), &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The definition version (`version`). Default: the latest version.
    ///
    /// ```
    /// use conductor_client::{StartWorkflowOptions, ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// let options = StartWorkflowOptions::new().version(3);
    /// assert_ne!(options, StartWorkflowOptions::new());
    /// # async fn run(options: StartWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .start_workflow_by_name("order_fulfillment", &json!({"orderId": "order-42"}), &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// The correlation id (`correlationId`). Default: none.
    ///
    /// ```
    /// use conductor_client::{StartWorkflowOptions, ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// let options = StartWorkflowOptions::new().correlation_id("order-42");
    /// assert_ne!(options, StartWorkflowOptions::new());
    /// # async fn run(options: StartWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .start_workflow_by_name("order_fulfillment", &json!({"orderId": "order-42"}), &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// The priority, 0–99 (`priority`; the server answers 400 outside that range). Default: 0.
    ///
    /// ```
    /// use conductor_client::{StartWorkflowOptions, ConductorClient, Configuration};
    /// use serde_json::json;
    ///
    /// let options = StartWorkflowOptions::new().priority(10);
    /// assert_ne!(options, StartWorkflowOptions::new());
    /// # async fn run(options: StartWorkflowOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.workflow_client()
    ///     .start_workflow_by_name("order_fulfillment", &json!({"orderId": "order-42"}), &options)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The version asked for (`None`: the latest), as reported to the client observer.
    pub(crate) fn version_value(&self) -> Option<i32> {
        self.version
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query_opt("version", self.version)
            .query_opt("correlationId", self.correlation_id.as_deref())
            .query_opt("priority", self.priority)
    }
}

/// Which queue [`TaskClient::get_queue_size_with`](crate::TaskClient::get_queue_size_with)
/// measures. The server's queue name is `[domain:]taskType[@executionNamespace][-isolationGroupId]`.
///
/// ```
/// use conductor_client::QueueSizeOptions;
///
/// let options = QueueSizeOptions::new().domain("blue");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueSizeOptions {
    domain: Option<String>,
    isolation_group_id: Option<String>,
    execution_namespace: Option<String>,
}

impl QueueSizeOptions {
    /// The default queue of the task type (no domain, isolation group or namespace).
    ///
    /// ```
    /// use conductor_client::{QueueSizeOptions, ConductorClient, Configuration};
    ///
    /// let options = QueueSizeOptions::new();
    /// assert_eq!(options, QueueSizeOptions::default());
    /// # async fn run(options: QueueSizeOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().get_queue_size_with("my_task", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The task domain (`domain`). Default: none.
    ///
    /// ```
    /// use conductor_client::{QueueSizeOptions, ConductorClient, Configuration};
    ///
    /// let options = QueueSizeOptions::new().domain("blue");
    /// assert_ne!(options, QueueSizeOptions::new());
    /// # async fn run(options: QueueSizeOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().get_queue_size_with("my_task", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The isolation group (`isolationGroupId`). Default: none.
    ///
    /// OSS passes `isolationGroupId` and `executionNamespace` to its queue-name builder in
    /// swapped positions; the result is only wrong when both are set.
    ///
    /// ```
    /// use conductor_client::{QueueSizeOptions, ConductorClient, Configuration};
    ///
    /// let options = QueueSizeOptions::new().isolation_group_id("tenant-a");
    /// assert_ne!(options, QueueSizeOptions::new());
    /// # async fn run(options: QueueSizeOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().get_queue_size_with("my_task", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn isolation_group_id(mut self, isolation_group_id: impl Into<String>) -> Self {
        self.isolation_group_id = Some(isolation_group_id.into());
        self
    }

    /// The execution namespace (`executionNamespace`). Default: none.
    ///
    /// ```
    /// use conductor_client::{QueueSizeOptions, ConductorClient, Configuration};
    ///
    /// let options = QueueSizeOptions::new().execution_namespace("batch");
    /// assert_ne!(options, QueueSizeOptions::new());
    /// # async fn run(options: QueueSizeOptions) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.task_client().get_queue_size_with("my_task", &options).await?;
    /// # Ok(())
    /// # }
    /// # let _ = run;
    /// ```
    #[must_use]
    pub fn execution_namespace(mut self, execution_namespace: impl Into<String>) -> Self {
        self.execution_namespace = Some(execution_namespace.into());
        self
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        request
            .query_opt("domain", self.domain.as_deref())
            .query_opt("isolationGroupId", self.isolation_group_id.as_deref())
            .query_opt("executionNamespace", self.execution_namespace.as_deref())
    }
}

/// Rounds a wait up to whole seconds, with a minimum of one second.
///
/// Conductor's `waitForSeconds` is an integer and `0` means "use the default (10 s)", so a
/// sub-second wait must become 1, never 0.
pub(crate) fn whole_seconds_at_least_one(wait: Duration) -> u64 {
    let seconds = wait.as_secs();
    let rounded = if wait.subsec_nanos() > 0 {
        seconds.saturating_add(1)
    } else {
        seconds
    };
    rounded.max(1)
}

/// Rounds a duration up to whole milliseconds (a non-zero sub-millisecond duration becomes 1).
pub(crate) fn whole_millis_rounded_up(duration: Duration) -> u64 {
    let nanos = duration.as_nanos();
    let millis = nanos.div_ceil(1_000_000);
    u64::try_from(millis).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_rounds_up_and_never_reaches_zero() {
        assert_eq!(whole_seconds_at_least_one(Duration::ZERO), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(999)), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_secs(1)), 1);
        assert_eq!(whole_seconds_at_least_one(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds_at_least_one(Duration::from_secs(30)), 30);
        assert_eq!(whole_seconds_at_least_one(Duration::MAX), u64::MAX);
    }

    #[test]
    fn millis_round_up() {
        assert_eq!(whole_millis_rounded_up(Duration::ZERO), 0);
        assert_eq!(whole_millis_rounded_up(Duration::from_nanos(1)), 1);
        assert_eq!(whole_millis_rounded_up(Duration::from_micros(1500)), 2);
        assert_eq!(whole_millis_rounded_up(Duration::from_secs(5)), 5000);
        assert_eq!(whole_millis_rounded_up(Duration::MAX), u64::MAX);
    }
}

/// The settings of [`TaskClient::batch_poll_with`](crate::TaskClient::batch_poll_with): who
/// polls, in which domain, how many tasks at most and how long to wait for the first.
///
/// ```
/// use std::time::Duration;
/// use conductor_client::BatchPollOptions;
///
/// let options = BatchPollOptions::new().domain("blue").count(5).timeout(Duration::from_millis(500));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchPollOptions {
    pub(crate) worker_id: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) count: usize,
    pub(crate) timeout: Duration,
}

impl Default for BatchPollOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchPollOptions {
    /// No worker id, no domain, one task, a 100 ms long poll.
    ///
    /// ```
    /// let options = conductor_client::BatchPollOptions::new();
    /// assert_eq!(options, conductor_client::BatchPollOptions::default());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            worker_id: None,
            domain: None,
            count: 1,
            timeout: Duration::from_millis(100),
        }
    }

    /// The worker id the tasks are assigned to (`workerid`). Default: none.
    ///
    /// ```
    /// let options = conductor_client::BatchPollOptions::new().worker_id("worker-1");
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn worker_id(mut self, worker_id: impl Into<String>) -> Self {
        self.worker_id = Some(worker_id.into());
        self
    }

    /// The task domain to poll in. Default: none (the domain-less queue).
    ///
    /// ```
    /// let options = conductor_client::BatchPollOptions::new().domain("blue");
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The most tasks to receive. Default 1.
    ///
    /// ```
    /// let options = conductor_client::BatchPollOptions::new().count(10);
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn count(mut self, count: usize) -> Self {
        self.count = count;
        self
    }

    /// How long the server may wait for the first task (long poll; OSS allows at most 5 s).
    /// Default 100 ms.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = conductor_client::BatchPollOptions::new().timeout(Duration::from_secs(1));
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}
