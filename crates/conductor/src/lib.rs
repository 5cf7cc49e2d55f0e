//! The Conductor SDK for Rust: run work on [Conductor](https://github.com/conductor-oss/conductor).
//!
//! This crate is a thin facade: it holds no logic and re-exports the workspace's crates with the paths
//! the SDK's design promises (`conductor::models`, `conductor::error`, `conductor::Configuration`,
//! `conductor::ConductorClient`, ...). Depend on it, or pick single crates à la carte
//! (`conductor-models` alone for types, `conductor-client` for a tool that only starts workflows).
//!
//! # Example
//!
//! Register a task and a workflow, then start it:
//!
//! ```no_run
//! use conductor::models::{StartWorkflowRequest, TaskDef, WorkflowDef, WorkflowTask};
//! use conductor::{ConductorClient, Configuration};
//!
//! # async fn run() -> conductor::error::Result<()> {
//! // CONDUCTOR_SERVER_URL, CONDUCTOR_AUTH_KEY, CONDUCTOR_AUTH_SECRET, ...
//! let client = ConductorClient::new(Configuration::from_env())?;
//!
//! client.metadata_client().register_task_def(&TaskDef::new("greet")).await?;
//! client
//!     .metadata_client()
//!     .register_workflow_def(
//!         &WorkflowDef::new("greeting_workflow").with_task(WorkflowTask::simple("greet", "greet_ref")),
//!     )
//!     .await?;
//!
//! let workflow_id = client
//!     .workflow_client()
//!     .start_workflow(&StartWorkflowRequest::new("greeting_workflow").with_input_value("name", "World"))
//!     .await?;
//! # let _ = workflow_id;
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `client` | yes | [`Configuration`], [`ConductorClient`] and its task, workflow, metadata and event clients, [`error`] |
//! | `server` | no | [`server`]: the embedded Conductor-compatible server (`DevServer`) for examples and tests |
//! | `sqlite` | no | the embedded server's durable SQLite storage (`DevServerBuilder::database`); implies `server`, brings rusqlite |
//! | `worker` | yes | `worker`: the worker runtime (`Worker`, `FnWorker`, `TaskHandler`, `WorkerHost`), `events`; `models::TaskInProgress` |
//! | `metrics` | yes | `metrics`: Prometheus metrics (`MetricsSettings`, `MetricsCollector`; with `worker`, `TaskHandlerBuilder::metrics`); brings axum and prometheus |
//! | `schema` | yes | `schema`: JSON Schemas from Rust types (`generate_schema`, `FnWorker::with_input_schema_from`); implies `worker`, brings schemars |
//! | `macros` | no | the `#[worker]` attribute macro (implies `worker` and `schema`) |
//! | `otel` | no | `otel`: OpenTelemetry, one trace per workflow across workers; `traceparent` in a started workflow's input (brings `opentelemetry` and `tracing-opentelemetry`) |
//!
//! A worker that needs neither metrics nor schemas builds with
//! `default-features = false, features = ["worker"]`: no axum, prometheus or schemars.
//!
//! Turn the defaults off (`default-features = false`) for the models alone, or pick single crates à la
//! carte: `conductor-models`, `conductor-http`, `conductor-client`, `conductor-worker`, ...

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's Rust code blocks are compiled as doctests, so the front page never drifts from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// Typed models of every Conductor resource, with fluent builders: everything of the
/// [`conductor-models`](conductor_models) crate, plus the worker outcome `TaskInProgress`
/// (feature `worker`).
///
/// ```
/// use conductor::models::{Task, TaskDef, WorkflowDef, WorkflowTask};
///
/// let def = WorkflowDef::new("greeting").with_task(WorkflowTask::simple("greet", "greet_ref"));
/// assert_eq!(def.tasks.len(), 1);
/// # let _ = (Task::default(), TaskDef::new("greet"));
/// ```
pub mod models {
    pub use conductor_models::*;

    /// An `IN_PROGRESS` worker outcome: when to be called back, and the output so far (it lives
    /// in `conductor-worker`, next to the `WorkerOutput::InProgress` that holds it).
    ///
    /// ```
    /// use conductor::models::TaskInProgress;
    /// use conductor::worker::WorkerOutput;
    ///
    /// let out = WorkerOutput::InProgress(TaskInProgress::new(10).with_output_value("progress", 50));
    /// # let WorkerOutput::InProgress(progress) = out else { unreachable!() };
    /// assert_eq!(progress.callback_after_seconds(), 10);
    /// ```
    #[cfg(feature = "worker")]
    #[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
    pub use conductor_worker::TaskInProgress;
}

pub use conductor_models::{Task, TaskResult, Workflow, WorkflowDef, WorkflowTask};

/// The SDK-wide error type and `Result` alias.
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod error {
    pub use conductor_http::{
        ConductorError, ErrorKind, Result, TransportError, TransportErrorKind, error_chain,
    };
}

/// The HTTP layer: [`ApiClient`](conductor_http::ApiClient), auth, retries (`conductor-http`).
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use conductor_http as http;

/// The typed REST clients (`conductor-client`).
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use conductor_client as client;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use conductor_client::{
    ConductorClient, ConductorWorkflow, EventClient, MetadataClient, RegisterWorkflowError,
    TaskClient, WorkflowClient,
};

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use conductor_http::{Configuration, RetryPolicy};

/// The worker runtime (`conductor-worker`): `Worker`, `FnWorker`, `TaskHandler`, `WorkerHost`...
/// OpenTelemetry: one trace per workflow, W3C `traceparent` in a workflow's input
/// (`conductor_client::otel`), and with the `worker` feature the task spans the SDK builds off
/// the worker's thread (`conductor_worker::otel`: `TaskSpans`, `TaskSpanIds`, `is_task_span`).
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel {
    pub use conductor_client::otel::*;
    #[cfg(feature = "worker")]
    pub use conductor_worker::otel::*;
}

#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub use conductor_worker as worker;

#[cfg(feature = "worker")]
#[cfg_attr(docsrs, doc(cfg(feature = "worker")))]
pub use conductor_worker::{FnWorker, TaskContext, TaskHandler, Worker, WorkerHost, WorkerOutput};

/// JSON Schemas from Rust types, for worker input and output validation:
/// `conductor::schema::generate_schema::<T>(strict)`.
#[cfg(feature = "schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
pub use conductor_worker::schema;

/// Worker lifecycle events and their listeners (`conductor-events`):
/// [`TaskRunnerEventsListener`](conductor_events::TaskRunnerEventsListener), `EventDispatcher`...
#[cfg(any(feature = "worker", feature = "metrics"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "worker", feature = "metrics"))))]
pub use conductor_events as events;

/// Prometheus metrics for workers (`conductor-metrics`): `MetricsSettings`, `MetricsCollector`.
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use conductor_metrics as metrics;

#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use conductor_metrics::{MetricsCollector, MetricsSettings};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use conductor_macros::worker;

/// What code generated by `#[worker]` uses; not a public API.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub mod __private {
    pub use conductor_worker::__private::*;
}

/// The embedded Conductor-compatible server (`conductor-server`).
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use conductor_server as server;

/// The names most programs need, for a glob import: `use conductor::prelude::*;`.
pub mod prelude {
    pub use conductor_models::{
        RetryLogic, StartWorkflowRequest, Task, TaskDef, TaskResult, TaskResultStatus, TaskStatus,
        TimeoutPolicy, Workflow, WorkflowDef, WorkflowStatus, WorkflowTask,
    };

    #[cfg(feature = "client")]
    pub use conductor_client::{
        ConductorClient, ConductorWorkflow, EventClient, MetadataClient, TaskClient, WorkflowClient,
    };
    #[cfg(feature = "client")]
    pub use conductor_http::{ConductorError, Configuration};
    #[cfg(feature = "metrics")]
    pub use conductor_metrics::MetricsSettings;
    #[cfg(feature = "worker")]
    pub use conductor_worker::{
        FnWorker, TaskContext, TaskHandler, TaskInProgress, Worker, WorkerHost, WorkerOutput,
    };
}
