//! The Conductor worker runtime: Worker trait, FnWorker, TaskContext, TaskRunner, TaskHandler,
//! WorkerHost.
//!
//! A **worker** executes the tasks of one task type: implement [`Worker`] or wrap a closure in
//! [`FnWorker`]; it returns a [`WorkerOutput`] (completed, failed, failed terminally, or still in
//! progress). A [`TaskHandler`] runs a set of workers, and a [`WorkerHost`] runs a handler until
//! SIGINT/SIGTERM and drains it.
//!
//! For each worker the runtime:
//!
//! - **polls in batches sized to its free slots**: it reserves free execution slots first (its
//!   thread count), then asks the server for exactly that many tasks, with a long poll, so it never
//!   holds a task it cannot start;
//! - **backs off when idle**: 1 ms after an empty poll, doubling up to the poll interval, reset by
//!   any task; and, separately, **when polls fail**: 100 ms doubling to 10 s with jitter, logging
//!   one line per minute at most;
//! - **runs each task in its own tokio task**, with a [`TaskContext`] (logs, callback delay,
//!   cancellation on shutdown); an `Err` fails the task, [`ConductorError::non_retryable`] fails
//!   it terminally, a **panic fails it** with the panic message;
//! - **delivers every result**: retried in its slot until the server has it or its response
//!   timeout passes (checked with the server before it is called lost, then published as a
//!   `TaskUpdateFailure` carrying it), optionally journaled in a **durable outbox** that survives
//!   a crash; uses **update-v2** to receive the next task in the same round trip, falling back to
//!   v1 for good on servers without it, and for a minute after an answer that may have been lost;
//! - **tells long executions when their task is no longer theirs** (cancelled, timed out,
//!   retried on the server) through [`TaskContext`]'s cancellation;
//! - optionally **caps the tasks taken per second** (a token bucket per worker, [`RateLimit`]) and
//!   **adapts the executions in flight** to their latency and failures (AIMD, between 1 and the
//!   thread count);
//! - optionally **extends the lease** of long executions and **registers missing task
//!   definitions** (with JSON schemas from `schema::generate_schema`, feature `schema`);
//! - **shuts down gracefully**: stops polling, lets running tasks finish within a deadline, and
//!   returns the rest to the server so they are picked up at once (never code still running on a
//!   blocking thread); [`WorkerControl`] pauses, resumes and stops workers while they serve.
//!
//! Settings can be overridden per worker from the environment
//! (`CONDUCTOR_WORKER_{NAME}_{PROP}`, `CONDUCTOR_WORKER_ALL_{PROP}`; see [`WorkerConfig`]).
//! Lifecycle events go to `conductor-events` listeners; Prometheus metrics are one of them
//! (feature `metrics`, on by default). JSON Schemas from Rust types (schemars) are the
//! feature `schema`, on by default too.
//!
//! ```no_run
//! use conductor_http::Configuration;
//! use conductor_models::Task;
//! use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
//!
//! #[tokio::main]
//! async fn main() -> conductor_http::Result<()> {
//!     let worker = FnWorker::new("greet", |task: Task| async move {
//!         let name = task.get_input_string("name").unwrap_or_default();
//!         Ok(WorkerOutput::completed_with_result(format!("Hello, {name}!")))
//!     });
//!     let host = WorkerHost::builder(Configuration::from_env())
//!         .worker(worker)
//!         .start()
//!         .await?;
//!     host.wait_for_shutdown().await
//! }
//! ```
//!
//! [`ConductorError::non_retryable`]: conductor_http::ConductorError::non_retryable

mod api;
mod classify;
mod concurrency_limiter;
mod config;
mod context;
mod control;
mod executor;
mod fn_worker;
mod handler;
mod host;
mod lease;
mod macro_support;
mod options;
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel;
mod outbox;
mod output;
mod poller;
mod registration;
mod reporter;
mod runner;
mod runtime;
mod sampler;
#[cfg(feature = "schema")]
pub mod schema;
#[cfg(test)]
mod stub_api;
mod telemetry;
mod worker;
mod worker_options;

pub use api::TaskApi;
pub use concurrency_limiter::{AimdSettings, ConcurrencyLimiter, Gradient2Settings};
pub use config::{EnvLookup, WorkerConfig};
pub use context::TaskContext;
pub use control::{WorkerControl, WorkerStatus};
pub use fn_worker::FnWorker;
pub use handler::{TaskHandler, TaskHandlerBuilder};
pub use host::{ShutdownSender, WorkerHost, WorkerHostBuilder};
#[doc(hidden)]
pub use macro_support::private as __private;
pub use macro_support::{TaskError, WorkerErrorType, discovered_workers};
pub use options::RunnerOptions;
pub use output::{TaskInProgress, WorkerOutput};
pub use reporter::HAND_BACK_OUTPUT_KEY;
pub use worker::{
    DEFAULT_POLL_INTERVAL_MILLIS, DEFAULT_POLL_TIMEOUT_MILLIS, MAX_POLL_TIMEOUT_MILLIS, Worker,
    default_identity,
};
pub use worker_options::{RateLimit, WorkerOptions};
