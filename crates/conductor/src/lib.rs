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
//!
//! The worker runtime, lifecycle events, Prometheus metrics and the `#[worker]` macro join this table as
//! their crates land.

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's Rust code blocks are compiled as doctests, so the front page never drifts from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// Typed models of every Conductor resource, with fluent builders (`conductor-models`).
pub use conductor_models as models;

pub use conductor_models::{Task, TaskResult, Workflow, WorkflowDef, WorkflowTask};

/// The SDK-wide error type and `Result` alias.
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod error {
    pub use conductor_http::{ConductorError, Result, TransportError, TransportErrorKind};
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
    ConductorClient, EventClient, MetadataClient, TaskClient, WorkflowClient,
};

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use conductor_http::{Configuration, RetryPolicy};

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
        ConductorClient, EventClient, MetadataClient, TaskClient, WorkflowClient,
    };
    #[cfg(feature = "client")]
    pub use conductor_http::{ConductorError, Configuration};
}
