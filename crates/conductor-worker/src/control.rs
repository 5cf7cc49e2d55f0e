//! [`WorkerControl`]: a cloneable handle to the workers of a [`TaskHandler`](crate::TaskHandler)
//! or [`WorkerHost`](crate::WorkerHost) while they serve: pause, resume, stop, and read each
//! worker's state ([`WorkerStatus`]) from anywhere (an admin endpoint, a health check, a test).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::runtime::WorkerState;

/// Controls the workers of one handler while it runs; cheap to clone, `Send + Sync`.
///
/// Get it from [`TaskHandler::control`](crate::TaskHandler::control) or
/// [`WorkerHost::control`](crate::WorkerHost::control). Pausing stops a worker's polling (its
/// running tasks finish); [`request_stop`](Self::request_stop) asks the owner of the handler to
/// shut down gracefully: a [`WorkerHost`](crate::WorkerHost)'s `wait_for_shutdown` returns after
/// the drain, as after SIGTERM.
///
/// ```
/// use conductor_http::Configuration;
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
///
/// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
///     .worker(FnWorker::new("greet", |_task: Task| async {
///         Ok(WorkerOutput::completed_with_result("hi"))
///     }))
///     .build()?;
/// let control = handler.control();
/// // Hand `control` to an admin endpoint; it stays valid while the handler serves.
/// let admin = control.clone();
/// assert!(admin.pause("greet"));
/// let status = control.status("greet").expect("a worker of this type");
/// assert!(status.paused);
/// assert_eq!(status.active_tasks, 0);
/// assert_eq!(status.concurrency_limit, 0); // the thread count (or adaptive limit) once started
/// assert!(!status.running); // not started yet
/// admin.resume_all();
/// assert!(!control.status("greet").unwrap().paused);
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[derive(Clone)]
pub struct WorkerControl {
    shared: Arc<Shared>,
}

struct Shared {
    workers: RwLock<Vec<Controlled>>,
    running: AtomicBool,
    stop: CancellationToken,
}

#[derive(Clone)]
struct Controlled {
    task_type: String,
    state: Arc<WorkerState>,
}

/// One worker's state, as [`WorkerControl::status`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerStatus {
    /// The worker's task type.
    pub task_type: String,
    /// The worker id it polls with (after environment overrides; empty before the first start).
    pub worker_id: String,
    /// Whether it is paused (not polling).
    pub paused: bool,
    /// Whether its handler is running.
    pub running: bool,
    /// Tasks in an execution slot now: executing, or waiting for their result to be delivered.
    pub active_tasks: usize,
    /// How many tasks may be in a slot at once now: the thread count, or with adaptive
    /// concurrency the current adaptive limit (1 to the thread count). 0 before the first start.
    pub concurrency_limit: usize,
    /// How many times the worker waited for its rate limit before polling, since the handler was
    /// built (0 without a rate limit).
    pub rate_limit_waits: u64,
}

impl WorkerControl {
    pub(crate) fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                workers: RwLock::new(Vec::new()),
                running: AtomicBool::new(false),
                stop: CancellationToken::new(),
            }),
        }
    }

    pub(crate) fn add(&self, task_type: &str, state: Arc<WorkerState>) {
        let entry = Controlled {
            task_type: task_type.to_owned(),
            state,
        };
        match self.shared.workers.write() {
            Ok(mut workers) => workers.push(entry),
            Err(poisoned) => poisoned.into_inner().push(entry),
        }
    }

    pub(crate) fn set_running(&self, running: bool) {
        self.shared.running.store(running, Ordering::Relaxed);
    }

    /// The token a stop request cancels.
    pub(crate) fn stop_token(&self) -> CancellationToken {
        self.shared.stop.clone()
    }

    fn workers(&self) -> Vec<Controlled> {
        match self.shared.workers.read() {
            Ok(workers) => workers.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Pauses every worker of `task_type` (it stops polling; running tasks finish). `false` when
    /// there is no such worker.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("greet", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    /// #     .build()?;
    /// let control = handler.control();
    /// assert!(control.pause("greet"));
    /// assert!(!control.pause("no_such_task"));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn pause(&self, task_type: &str) -> bool {
        self.set_paused(task_type, true)
    }

    /// Resumes every worker of `task_type`. `false` when there is no such worker.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("greet", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }).with_paused(true))
    /// #     .build()?;
    /// let control = handler.control();
    /// assert!(control.resume("greet"));
    /// assert!(!control.status("greet").unwrap().paused);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn resume(&self, task_type: &str) -> bool {
        self.set_paused(task_type, false)
    }

    /// Pauses every worker.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("a", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    /// #     .build()?;
    /// handler.control().pause_all();
    /// assert!(handler.control().statuses().iter().all(|worker| worker.paused));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn pause_all(&self) {
        let workers = self.workers();
        for worker in &workers {
            worker.state.set_paused(true);
        }
        info!(workers = workers.len(), "all workers paused");
    }

    /// Resumes every worker.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("a", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    /// #     .build()?;
    /// let control = handler.control();
    /// control.pause_all();
    /// control.resume_all();
    /// assert!(control.statuses().iter().all(|worker| !worker.paused));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn resume_all(&self) {
        let workers = self.workers();
        for worker in &workers {
            worker.state.set_paused(false);
        }
        info!(workers = workers.len(), "all workers resumed");
    }

    /// The state of the (first) worker of `task_type`, or `None` when there is none.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("greet", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    /// #     .build()?;
    /// let status = handler.control().status("greet").unwrap();
    /// assert_eq!(status.task_type, "greet");
    /// assert!(handler.control().status("unknown").is_none());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn status(&self, task_type: &str) -> Option<WorkerStatus> {
        self.statuses()
            .into_iter()
            .find(|status| status.task_type == task_type)
    }

    /// The state of every worker, in the order they were added.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    /// # let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    /// #     .worker(FnWorker::new("a", |_t: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    /// #     .worker(FnWorker::new("b", |_t: Task| async { Ok(WorkerOutput::completed_with_result(2)) }))
    /// #     .build()?;
    /// let types: Vec<String> = handler.control().statuses().into_iter().map(|s| s.task_type).collect();
    /// assert_eq!(types, ["a", "b"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn statuses(&self) -> Vec<WorkerStatus> {
        let running = self.shared.running.load(Ordering::Relaxed);
        self.workers()
            .into_iter()
            .map(|worker| WorkerStatus {
                worker_id: worker.state.worker_id(),
                paused: worker.state.is_paused(),
                active_tasks: worker.state.active(),
                concurrency_limit: worker.state.concurrency_limit(),
                rate_limit_waits: worker.state.rate_limit_waits(),
                running,
                task_type: worker.task_type,
            })
            .collect()
    }

    /// Asks for a graceful stop. A [`WorkerHost`](crate::WorkerHost) stops as on SIGTERM (its
    /// `wait_for_shutdown` returns once the workers drained); the owner of a bare
    /// [`TaskHandler`](crate::TaskHandler) waits for [`stop_requested`](Self::stop_requested)
    /// and calls `stop`.
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::TaskHandler;
    /// let handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// let control = handler.control();
    /// assert!(!control.is_stop_requested());
    /// control.request_stop();
    /// assert!(control.is_stop_requested());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn request_stop(&self) {
        if !self.shared.stop.is_cancelled() {
            info!("stop requested through the worker control");
        }
        self.shared.stop.cancel();
    }

    /// Whether a stop was requested (by [`request_stop`](Self::request_stop), or a signal the
    /// host caught).
    ///
    /// ```
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::TaskHandler;
    /// let handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert!(!handler.control().is_stop_requested());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn is_stop_requested(&self) -> bool {
        self.shared.stop.is_cancelled()
    }

    /// Completes when a stop is requested.
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::TaskHandler;
    /// # async fn run(mut handler: TaskHandler) -> conductor_http::Result<()> {
    /// handler.start().await?;
    /// let control = handler.control();
    /// control.stop_requested().await; // someone called `request_stop`
    /// handler.stop().await
    /// # }
    /// ```
    pub async fn stop_requested(&self) {
        self.shared.stop.cancelled().await;
    }

    fn set_paused(&self, task_type: &str, paused: bool) -> bool {
        let mut found = false;
        for worker in self.workers() {
            if worker.task_type == task_type {
                worker.state.set_paused(paused);
                found = true;
            }
        }
        if found {
            info!(task_type, paused, "worker paused state changed");
        } else {
            warn!(task_type, "no worker with this task type");
        }
        found
    }
}

impl fmt::Debug for WorkerControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerControl")
            .field("workers", &self.statuses())
            .field("stop_requested", &self.is_stop_requested())
            .finish()
    }
}
