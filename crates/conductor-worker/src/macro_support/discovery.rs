//! Worker discovery: every `#[worker]` function registers its constructor in a link-time registry
//! (`inventory`), so an application can run all of them without listing each one.

use crate::fn_worker::FnWorker;
use crate::handler::{TaskHandler, TaskHandlerBuilder};
use crate::host::WorkerHostBuilder;
use crate::worker::Worker;

/// One `#[worker]` function's entry in the discovery registry (emitted by the macro).
#[derive(Debug)]
pub struct WorkerRegistration {
    build: fn() -> FnWorker,
}

impl WorkerRegistration {
    /// The entry for the worker built by `build` (the generated `{fn}_worker`).
    #[must_use]
    pub const fn new(build: fn() -> FnWorker) -> Self {
        Self { build }
    }
}

inventory::collect!(WorkerRegistration);

/// Every worker defined with `#[worker]` in the program, sorted by task type.
///
/// Each call builds new workers (through the generated `{fn}_worker()` constructors). Workers are
/// found at link time: a `#[worker]` function in a library crate is included when the library is
/// linked into the program, which it is as soon as the program uses anything from it.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_worker::{TaskHandler, Worker, discovered_workers};
///
/// let names: Vec<String> = discovered_workers()
///     .iter()
///     .map(|worker| worker.task_definition_name().to_owned())
///     .collect();
/// // The same workers, added to a handler without listing them.
/// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
///     .discovered_workers()
///     .build()?;
/// assert_eq!(handler.worker_names(), names);
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[must_use]
pub fn discovered_workers() -> Vec<FnWorker> {
    let mut workers: Vec<FnWorker> = inventory::iter::<WorkerRegistration>
        .into_iter()
        .map(|registration| (registration.build)())
        .collect();
    workers.sort_by(|a, b| a.task_definition_name().cmp(b.task_definition_name()));
    workers
}

impl TaskHandlerBuilder {
    /// Adds every worker defined with `#[worker]` in the program ([`discovered_workers`]).
    ///
    /// Do not also add one of them by hand: the handler would run it twice.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::{TaskHandler, discovered_workers};
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .discovered_workers()
    ///     .build()?;
    /// assert_eq!(handler.worker_names().len(), discovered_workers().len());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn discovered_workers(self) -> Self {
        discovered_workers()
            .into_iter()
            .fold(self, TaskHandlerBuilder::worker)
    }
}

impl TaskHandler {
    /// Adds every worker defined with `#[worker]` in the program ([`discovered_workers`]), as
    /// [`add_worker`](Self::add_worker) would.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::{TaskHandler, discovered_workers};
    ///
    /// let mut handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// handler.add_discovered_workers();
    /// assert_eq!(handler.worker_names().len(), discovered_workers().len());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn add_discovered_workers(&mut self) {
        for worker in discovered_workers() {
            self.add_worker(worker);
        }
    }
}

impl WorkerHostBuilder {
    /// Adds every worker defined with `#[worker]` in the program ([`discovered_workers`]).
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::WorkerHost;
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .discovered_workers()
    ///     .start()
    ///     .await?;
    /// host.wait_for_shutdown().await
    /// # }
    /// ```
    pub fn discovered_workers(self) -> Self {
        discovered_workers()
            .into_iter()
            .fold(self, WorkerHostBuilder::worker)
    }
}
