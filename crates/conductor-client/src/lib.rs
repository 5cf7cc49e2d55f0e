//! Typed clients for the Conductor (conductor-oss) REST API: tasks, workflows, metadata, event
//! handlers.
//!
//! [`ConductorClient`] owns one HTTP client ([`ApiClient`]: connection pool, auth token, retry
//! policy) and hands out cheap, cloneable, `Send + Sync` resource clients that share it:
//!
//! | client | resource | what for |
//! |---|---|---|
//! | [`TaskClient`] | `/tasks` | poll tasks, report results, task logs, queues, task search |
//! | [`WorkflowClient`] | `/workflow`, `/workflow/bulk` | start / execute workflows, read them, pause, resume, terminate, restart, retry, rerun, skip, search, bulk operations |
//! | [`MetadataClient`] | `/metadata` | workflow and task definitions |
//! | [`EventClient`] | `/event`, `/queue` | event handlers and default event queues |
//!
//! [`ConductorWorkflow`] builds a workflow definition in code on top of these clients: add tasks,
//! check the definition ([`WorkflowDef::validate`](models::WorkflowDef::validate)), register it,
//! start or execute it (see `docs/workflows-as-code.md`).
//!
//! ```no_run
//! use std::time::Duration;
//! use conductor_client::{ConductorClient, Configuration, SearchQuery};
//! use conductor_client::models::{StartWorkflowRequest, TaskDef, TaskResult, WorkflowDef, WorkflowTask};
//!
//! # async fn run() -> conductor_client::Result<()> {
//! let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
//!
//! // Definitions.
//! let metadata = client.metadata_client();
//! metadata.register_task_def(&TaskDef::new("greet")).await?;
//! metadata
//!     .register_workflow_def(
//!         &WorkflowDef::new("greetings").with_task(WorkflowTask::simple("greet", "greet_ref")),
//!     )
//!     .await?;
//!
//! // Start a workflow.
//! let workflows = client.workflow_client();
//! let request = StartWorkflowRequest::new("greetings").with_input_value("name", "World");
//! let workflow_id = workflows.start_workflow(&request).await?;
//!
//! // Act as a worker for one task.
//! let tasks = client.task_client();
//! for task in tasks.batch_poll("greet", Some("worker-1"), None, 1, Duration::from_secs(1)).await? {
//!     let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
//!         .with_output_value("greeting", "Hello, World!");
//!     tasks.update_task_with_retry(&result, 3).await?;
//! }
//!
//! // Read it back, and search.
//! let workflow = workflows.get_workflow(&workflow_id).await?;
//! let running = workflows
//!     .search_workflows(&SearchQuery::new().query("status = 'RUNNING'").size(20))
//!     .await?;
//! # let _ = (workflow, running);
//! # Ok(())
//! # }
//! ```
//!
//! # Conventions
//!
//! * Every method documents the REST endpoint it calls (relative to the `/api` base) and where
//!   OSS and Orkes differ.
//! * Path segments (names, ids) are percent-encoded, so any string is safe to pass.
//! * Calls with flags or several optional parameters have a short positional form and a
//!   `*_with(options)` form taking an options struct from this crate ([`GetWorkflowOptions`],
//!   [`TerminateOptions`], [`ExecuteOptions`]...); searches take a [`SearchQuery`].
//! * Requests that are safe to repeat (reads, task updates, pause/resume, terminate, definition
//!   writes...) are marked idempotent, so the HTTP layer may retry them after a transient
//!   failure; starting, executing, restarting or retrying a workflow is never replayed once sent.
//! * Not-found answers of direct lookups become [`ConductorError::TaskNotFound`] /
//!   [`ConductorError::WorkflowNotFound`]; everything else keeps the server's status
//!   ([`ConductorError::status`], [`ConductorError::is_not_found`], ...). A 404 that says the
//!   server has no such endpoint is never a "not found".
//!
//! # Server versions
//!
//! The clients work with conductor-oss 3.21.14 through 3.32.x. Where an older server lacks an
//! endpoint, the method says so in its documentation and either falls back to what the server
//! has (health at the server root, the workflow status and task page built from the workflow,
//! synchronous execution and signals done by polling on the client, workflow names and versions
//! from `names-and-versions`, v2 searches built from the summary search) or returns
//! [`ConductorError::UnsupportedByServer`] naming the endpoint and the version that added it.
//! A missing endpoint is detected from the first answer and remembered by the shared
//! [`ApiClient`] ([`ApiClient::capabilities`]), so every clone and resource client skips it from
//! then on. The full matrix, with the answers each version gives, is in
//! `docs/compatibility.md`.

mod compat;
mod conductor_client;
mod event_client;
mod metadata_client;
mod options;
#[cfg(feature = "otel")]
pub mod otel;
mod search;
mod sync_wait;
mod task_client;
mod util;
mod workflow_as_code;
mod workflow_bulk;
mod workflow_client;
mod workflow_search;

pub use conductor_client::ConductorClient;
pub use event_client::EventClient;
pub use metadata_client::MetadataClient;
pub use options::{
    BatchPollOptions, CorrelationOptions, ExecuteOptions, GetWorkflowOptions, QueueSizeOptions,
    RemoveOptions, RestartOptions, RetryOptions, RunningWorkflowsOptions, StartWorkflowOptions,
    TerminateOptions, TerminateRemoveOptions, WorkflowStatusOptions, WorkflowTasksOptions,
};
pub use search::{SearchQuery, quote_query_value};
pub use task_client::TaskClient;
pub use workflow_as_code::{ConductorWorkflow, RegisterWorkflowError};
pub use workflow_client::WorkflowClient;

pub use conductor_http::{
    ApiClient, Backoff, ConductorError, Configuration, Jitter, Result, RetryPolicy,
    ServerCapabilities,
};
/// The Conductor wire types (re-export of the `conductor-models` crate).
pub use conductor_models as models;
