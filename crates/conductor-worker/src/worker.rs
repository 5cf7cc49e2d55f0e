//! The [`Worker`] trait: what the runtime needs to know about a task type and how to execute it.
//! Its default settings are those of [`WorkerOptions::DEFAULT`].

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use conductor_http::Result;
use conductor_models::{Task, TaskDef};

use crate::ConcurrencyLimiter;
use crate::output::WorkerOutput;
use crate::worker_options::{RateLimit, WorkerOptions};

/// Default poll interval, in milliseconds.
///
/// ```
/// use conductor_models::Task;
/// use conductor_worker::{DEFAULT_POLL_INTERVAL_MILLIS, FnWorker, Worker, WorkerOutput};
///
/// let worker = FnWorker::new("greet", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("hi"))
/// });
/// assert_eq!(worker.poll_interval_millis(), DEFAULT_POLL_INTERVAL_MILLIS);
/// ```
pub const DEFAULT_POLL_INTERVAL_MILLIS: u64 = 100;
/// Default long-poll timeout sent to the server, in milliseconds (the server's own default).
///
/// ```
/// use conductor_models::Task;
/// use conductor_worker::{DEFAULT_POLL_TIMEOUT_MILLIS, FnWorker, Worker, WorkerOutput};
///
/// let worker = FnWorker::new("greet", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("hi"))
/// });
/// assert_eq!(worker.poll_timeout_millis(), DEFAULT_POLL_TIMEOUT_MILLIS);
/// ```
pub const DEFAULT_POLL_TIMEOUT_MILLIS: u64 = 100;
/// Largest long-poll timeout the server accepts, in milliseconds.
///
/// ```
/// use std::collections::HashMap;
/// use conductor_models::Task;
/// use conductor_worker::{EnvLookup, FnWorker, MAX_POLL_TIMEOUT_MILLIS, WorkerConfig, WorkerOutput};
///
/// let worker = FnWorker::new("greet", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("hi"))
/// })
/// .with_poll_timeout_millis(MAX_POLL_TIMEOUT_MILLIS + 1);
/// // Longer than the server accepts: rejected when the settings are resolved.
/// assert!(WorkerConfig::resolve_with(&worker, &EnvLookup::from_map(HashMap::new())).is_err());
/// ```
pub const MAX_POLL_TIMEOUT_MILLIS: u64 = 5_000;

/// Executes the tasks of one task type.
///
/// Only [`task_definition_name`](Self::task_definition_name) and [`execute`](Self::execute) are
/// required; every other method has a default, and each of those settings can also be changed
/// from the environment without touching the code (see [`WorkerConfig`](crate::WorkerConfig)).
///
/// The trait is object-safe through `async_trait` (the runtime holds workers as
/// `Arc<dyn Worker>`), so implementations write `#[async_trait] impl Worker for ...`. For a
/// closure, use [`FnWorker`](crate::FnWorker) instead.
///
/// `execute` runs on a tokio worker thread: do not block it; move blocking work to
/// `tokio::task::spawn_blocking`. Inside `execute`, [`TaskContext::current`](crate::TaskContext::current)
/// gives the task's context (log lines, callback delay, cancellation on shutdown).
///
/// ```
/// use async_trait::async_trait;
/// use conductor_http::{ConductorError, Result};
/// use conductor_models::Task;
/// use conductor_worker::{Worker, WorkerOutput};
///
/// struct OrderProcessor;
///
/// #[async_trait]
/// impl Worker for OrderProcessor {
///     fn task_definition_name(&self) -> &str {
///         "process_order"
///     }
///
///     fn thread_count(&self) -> usize {
///         8
///     }
///
///     fn poll_interval_millis(&self) -> u64 {
///         200
///     }
///
///     async fn execute(&self, task: &Task) -> Result<WorkerOutput> {
///         let order_id: String = task
///             .get_input("orderId")
///             .ok_or_else(|| ConductorError::non_retryable("missing orderId"))?;
///         Ok(WorkerOutput::completed_with_result(format!("processed {order_id}")))
///     }
/// }
/// ```
#[async_trait]
pub trait Worker: Send + Sync {
    /// The task type this worker polls for (the task definition's `name`).
    fn task_definition_name(&self) -> &str;

    /// Executes one task.
    ///
    /// # Errors
    ///
    /// Any error fails the task: `FAILED` (retried per the task definition), or
    /// `FAILED_WITH_TERMINAL_ERROR` for
    /// [`ConductorError::non_retryable`](conductor_http::ConductorError::non_retryable). The
    /// error's text becomes the task's `reasonForIncompletion`. A panic fails the task `FAILED`
    /// with the panic message.
    async fn execute(&self, task: &Task) -> Result<WorkerOutput>;

    /// The worker id sent with polls and updates. Default: `{hostname}-{pid}`.
    fn identity(&self) -> String {
        default_identity().to_owned()
    }

    /// The task domain to poll in. Default: none (the domain-less queue).
    fn domain(&self) -> Option<&str> {
        None
    }

    /// How long to wait between polls that return nothing, in milliseconds. Default 100. After
    /// an empty poll the runner waits 1 ms, then 2, 4, 8... up to this interval; any task resets
    /// the wait to zero.
    fn poll_interval_millis(&self) -> u64 {
        WorkerOptions::DEFAULT.poll_interval_millis()
    }

    /// How many tasks of this type may execute at once. Default 1.
    fn thread_count(&self) -> usize {
        WorkerOptions::DEFAULT.thread_count()
    }

    /// How long the server may hold a poll open waiting for a task (long poll), in milliseconds,
    /// at most 5000. Default 100.
    fn poll_timeout_millis(&self) -> u64 {
        WorkerOptions::DEFAULT.poll_timeout_millis()
    }

    /// A JSON Schema for the task's input, registered with the task definition when
    /// registration is on. Default: none.
    fn input_schema(&self) -> Option<serde_json::Value> {
        None
    }

    /// A JSON Schema for the task's output, registered with the task definition when
    /// registration is on. Default: none.
    fn output_schema(&self) -> Option<serde_json::Value> {
        None
    }

    /// The task definition to create when registration is on and the server has none (retries,
    /// timeouts...). Default: none, which registers `TaskDef::new(name)` with the server's
    /// defaults. The schemas of [`input_schema`](Self::input_schema) and
    /// [`output_schema`](Self::output_schema) are linked into it.
    fn task_def_template(&self) -> Option<TaskDef> {
        None
    }

    /// Whether to create this task's definition at start-up when the server has none. Default
    /// `false`. An existing definition is never changed.
    fn register_task_def(&self) -> bool {
        WorkerOptions::DEFAULT.register_task_def()
    }

    /// Whether to extend the task's lease while it executes (heartbeats at a fraction of its
    /// `responseTimeoutSeconds`), for tasks that may run longer than their response timeout.
    /// Default `false`.
    fn lease_extend_enabled(&self) -> bool {
        WorkerOptions::DEFAULT.lease_extend_enabled()
    }

    /// Whether the worker starts paused (not polling until resumed). Default `false`.
    fn paused(&self) -> bool {
        WorkerOptions::DEFAULT.paused()
    }

    /// A cap on the tasks taken per second (polled or handed out by update-v2), with a burst.
    /// Default: none. See [`RateLimit`].
    ///
    /// ```
    /// use async_trait::async_trait;
    /// use conductor_models::Task;
    /// use conductor_worker::{RateLimit, Worker, WorkerOutput};
    ///
    /// struct CallsAPartnerApi;
    ///
    /// #[async_trait]
    /// impl Worker for CallsAPartnerApi {
    ///     fn task_definition_name(&self) -> &str {
    ///         "partner_call"
    ///     }
    ///     fn rate_limit(&self) -> Option<RateLimit> {
    ///         Some(RateLimit::new(5.0, 10)) // the partner allows 5 calls a second
    ///     }
    ///     async fn execute(&self, _task: &Task) -> conductor_http::Result<WorkerOutput> {
    ///         Ok(WorkerOutput::completed_with_result("called"))
    ///     }
    /// }
    /// assert_eq!(CallsAPartnerApi.rate_limit().map(|limit| limit.burst()), Some(10));
    /// ```
    fn rate_limit(&self) -> Option<RateLimit> {
        WorkerOptions::DEFAULT.rate_limit()
    }

    /// Whether the number of executions in flight adapts (AIMD, between 1 and
    /// [`thread_count`](Self::thread_count)) to their latency and failures. Default `false`.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// assert!(!worker.adaptive_concurrency());
    /// ```
    fn adaptive_concurrency(&self) -> bool {
        WorkerOptions::DEFAULT.adaptive_concurrency()
    }

    /// The adaptive-concurrency algorithm when [`adaptive_concurrency`](Self::adaptive_concurrency)
    /// is on: by default AIMD with its defaults ([`ConcurrencyLimiter::AIMD`]); `None` when off.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{ConcurrencyLimiter, FnWorker, Worker, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_concurrency_limiter(ConcurrencyLimiter::GRADIENT2);
    /// assert_eq!(worker.concurrency_limiter(), Some(ConcurrencyLimiter::GRADIENT2));
    /// ```
    fn concurrency_limiter(&self) -> Option<ConcurrencyLimiter> {
        self.adaptive_concurrency()
            .then_some(ConcurrencyLimiter::AIMD)
    }
}

#[async_trait]
impl<W: Worker + ?Sized> Worker for Arc<W> {
    fn task_definition_name(&self) -> &str {
        (**self).task_definition_name()
    }

    async fn execute(&self, task: &Task) -> Result<WorkerOutput> {
        (**self).execute(task).await
    }

    fn identity(&self) -> String {
        (**self).identity()
    }

    fn domain(&self) -> Option<&str> {
        (**self).domain()
    }

    fn poll_interval_millis(&self) -> u64 {
        (**self).poll_interval_millis()
    }

    fn thread_count(&self) -> usize {
        (**self).thread_count()
    }

    fn poll_timeout_millis(&self) -> u64 {
        (**self).poll_timeout_millis()
    }

    fn input_schema(&self) -> Option<serde_json::Value> {
        (**self).input_schema()
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        (**self).output_schema()
    }

    fn task_def_template(&self) -> Option<TaskDef> {
        (**self).task_def_template()
    }

    fn register_task_def(&self) -> bool {
        (**self).register_task_def()
    }

    fn lease_extend_enabled(&self) -> bool {
        (**self).lease_extend_enabled()
    }

    fn paused(&self) -> bool {
        (**self).paused()
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        (**self).rate_limit()
    }

    fn adaptive_concurrency(&self) -> bool {
        (**self).adaptive_concurrency()
    }

    fn concurrency_limiter(&self) -> Option<ConcurrencyLimiter> {
        (**self).concurrency_limiter()
    }
}

/// The default worker id: `{hostname}-{pid}`, computed once.
///
/// The host name comes from the kernel (`/proc/sys/kernel/hostname`), else the `HOSTNAME` or
/// `COMPUTERNAME` variable, else `localhost`.
///
/// ```
/// let id = conductor_worker::default_identity();
/// assert!(id.ends_with(&format!("-{}", std::process::id())));
/// ```
#[must_use]
pub fn default_identity() -> &'static str {
    static IDENTITY: OnceLock<String> = OnceLock::new();
    IDENTITY.get_or_init(|| format!("{}-{}", host_name(), std::process::id()))
}

fn host_name() -> String {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned());
    from_kernel
        .into_iter()
        .chain(std::env::var("HOSTNAME").ok())
        .chain(std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
