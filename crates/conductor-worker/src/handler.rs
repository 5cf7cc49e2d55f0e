//! [`TaskHandler`]: runs a set of workers, each with its own task runner, and controls them:
//! start, pause/resume, graceful stop.

use std::fmt;
use std::sync::Arc;

use conductor_client::ConductorClient;
use conductor_events::{ActiveWorkersChanged, EventDispatcher, TaskRunnerEventsListener};
use conductor_http::{ConductorError, Configuration, Result};
#[cfg(feature = "metrics")]
use conductor_metrics::{MetricsCollector, MetricsServer, MetricsSettings};
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::api::TaskApi;
use crate::config::{EnvLookup, WorkerConfig};
use crate::control::WorkerControl;
use crate::options::RunnerOptions;
use crate::outbox::{Outbox, Pending};
use crate::registration;
use crate::reporter::Reporter;
use crate::runner::TaskRunner;
use crate::runtime::{Runtime, WorkerState};
use crate::sampler::{self, Sampled};
use crate::worker::Worker;

/// Sampling interval of the `ActiveWorkersChanged` events when no metrics settings give one.
const DEFAULT_SAMPLE_INTERVAL: Duration = Duration::from_secs(5);
/// How long `stop` waits for listeners to receive the last events.
const EVENT_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs workers: one task runner per worker, sharing one connection to the server, one event
/// dispatcher and (optionally) Prometheus metrics.
///
/// Each runner polls its task type in batches sized to its free slots (its thread count),
/// executes every task in its own tokio task, and delivers the result, retrying in the slot until
/// the server has it (see [`RunnerOptions`]). Workers can be paused and resumed at any time, from
/// any thread, also through a [`WorkerControl`] handle.
///
/// [`stop`](Self::stop) shuts down gracefully: polling stops, every execution's
/// [`TaskContext`](crate::TaskContext) is cancelled, running tasks get the grace period (default
/// 30 s) to finish and report, and tasks still running after it, or polled but not started, are
/// returned to the server (`IN_PROGRESS`, `callbackAfterSeconds` 0) so another worker takes them
/// at once instead of waiting for their response timeout.
///
/// ```no_run
/// use conductor_http::Configuration;
/// use conductor_metrics::MetricsSettings;
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
///
/// # async fn run() -> conductor_http::Result<()> {
/// let worker1 = FnWorker::new("task_type_1", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("one"))
/// });
/// let worker2 = FnWorker::new("task_type_2", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("two"))
/// })
/// .with_thread_count(4);
///
/// let mut handler = TaskHandler::builder(Configuration::from_env())
///     .worker(worker1)
///     .worker(worker2)
///     .metrics(MetricsSettings::default().with_http_port(9090))
///     .build()?;
/// handler.start().await?;
///
/// handler.pause_worker("task_type_1");
/// handler.resume_worker("task_type_1");
/// handler.pause_all();
/// handler.resume_all();
///
/// handler.stop().await?;
/// # Ok(())
/// # }
/// ```
pub struct TaskHandler {
    api: Arc<dyn TaskApi>,
    workers: Vec<Registered>,
    events: EventDispatcher,
    options: RunnerOptions,
    env: EnvLookup,
    #[cfg(feature = "metrics")]
    metrics: Option<Metrics>,
    running: Option<Running>,
    control: WorkerControl,
}

/// A worker and the state that outlives its runs.
struct Registered {
    worker: Arc<dyn Worker>,
    state: Arc<WorkerState>,
}

#[cfg(feature = "metrics")]
struct Metrics {
    settings: MetricsSettings,
    collector: MetricsCollector,
    server: Option<MetricsServer>,
}

/// What exists while the handler runs.
struct Running {
    runtime: Arc<Runtime>,
    loops: Vec<JoinHandle<()>>,
    sampler: Option<JoinHandle<()>>,
    /// The started workers, as the sampler sees them (task type and state).
    sampled: Sampled,
    tokio: tokio::runtime::Handle,
}

impl TaskHandler {
    /// A handler with no worker yet, connecting to the server of `config`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Config`] when the configuration is invalid (bad URL, TLS set-up).
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let mut handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// handler.add_worker(FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// }));
    /// assert_eq!(handler.worker_names(), ["greet"]);
    /// assert!(!handler.is_running());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn new(config: Configuration) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder for a handler connecting to the server of `config`.
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
    /// assert_eq!(handler.worker_names(), ["greet"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn builder(config: Configuration) -> TaskHandlerBuilder {
        TaskHandlerBuilder {
            config,
            api: None,
            workers: Vec::new(),
            listeners: Vec::new(),
            event_queue_capacity: conductor_events::DEFAULT_QUEUE_CAPACITY,
            options: RunnerOptions::default(),
            env: EnvLookup::process(),
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// Adds a worker. If the handler is running, the worker starts at once (an invalid
    /// environment override is then logged at `error` and the worker does not start; before
    /// [`start`](Self::start) it makes `start` fail).
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let mut handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// handler.add_worker(FnWorker::new("first", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result(1))
    /// }));
    /// handler.add_worker(FnWorker::new("second", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result(2))
    /// }));
    /// assert_eq!(handler.worker_names(), ["first", "second"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn add_worker<W: Worker + 'static>(&mut self, worker: W) {
        self.add_worker_arc(Arc::new(worker));
    }

    /// Adds a shared worker (see [`add_worker`](Self::add_worker)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, Worker, WorkerOutput};
    ///
    /// let shared: Arc<dyn Worker> = Arc::new(FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// }));
    /// let mut handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// handler.add_worker_arc(Arc::clone(&shared));
    /// assert_eq!(handler.worker_names(), ["greet"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn add_worker_arc(&mut self, worker: Arc<dyn Worker>) {
        let registered = Registered {
            worker,
            state: WorkerState::new(),
        };
        self.control.add(
            registered.worker.task_definition_name(),
            Arc::clone(&registered.state),
        );
        let started = self
            .running
            .as_ref()
            .and_then(|running| match self.resolve(&registered) {
                Ok(config) => Some(spawn_runner(running, &registered, config)),
                Err(err) => {
                    error!(
                        task_type = registered.worker.task_definition_name(),
                        %err,
                        "worker not started: invalid configuration"
                    );
                    None
                }
            });
        if let (Some(handle), Some(running)) = (started, &mut self.running) {
            running.loops.push(handle);
        }
        self.workers.push(registered);
    }

    /// Registers an event listener; it receives every event from now on.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_events::{TaskExecutionFailure, TaskRunnerEventsListener};
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// struct FailureAlerts;
    ///
    /// impl TaskRunnerEventsListener for FailureAlerts {
    ///     fn on_task_execution_failure(&self, event: &TaskExecutionFailure) {
    ///         tracing::warn!(task_id = %event.task_id, error = %event.error, "task failed");
    ///     }
    /// }
    ///
    /// let handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// handler.add_event_listener(Arc::new(FailureAlerts));
    /// assert_eq!(handler.event_dispatcher().listener_count(), 1);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn add_event_listener(&self, listener: Arc<dyn TaskRunnerEventsListener>) {
        self.events.add_listener(listener);
    }

    /// The dispatcher the runners publish to.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert!(!handler.event_dispatcher().has_listeners());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn event_dispatcher(&self) -> &EventDispatcher {
        &self.events
    }

    /// The Prometheus collector, when metrics are enabled.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_metrics::MetricsSettings;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .metrics(MetricsSettings::default())
    ///     .build()?;
    /// assert!(handler.metrics_collector().is_some());
    /// assert!(TaskHandler::new(Configuration::new("http://localhost:8080/api"))?.metrics_collector().is_none());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[cfg(feature = "metrics")]
    #[must_use]
    pub fn metrics_collector(&self) -> Option<&MetricsCollector> {
        self.metrics.as_ref().map(|metrics| &metrics.collector)
    }

    /// The address the metrics endpoint listens on, while it runs.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_metrics::MetricsSettings;
    /// use conductor_worker::TaskHandler;
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let mut handler = TaskHandler::builder(Configuration::from_env())
    ///     .metrics(MetricsSettings::default().with_http_port(9090))
    ///     .build()?;
    /// assert_eq!(handler.metrics_address(), None); // not serving yet
    /// handler.start().await?;
    /// let address = handler.metrics_address().expect("metrics endpoint is up");
    /// assert_eq!(address.port(), 9090);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "metrics")]
    #[must_use]
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|metrics| metrics.server.as_ref())
            .map(MetricsServer::local_addr)
    }

    /// Starts every worker (and the metrics endpoint, if configured).
    ///
    /// Resolves each worker's [`WorkerConfig`] (environment overrides), starts its runner, and,
    /// for workers with registration on, creates missing task definitions in the background
    /// (waiting for the server if it is not up yet).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Worker`] if already started, [`ConductorError::Config`] for an invalid
    /// environment override, [`ConductorError::Io`] when the metrics endpoint cannot bind.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let mut handler = TaskHandler::builder(Configuration::from_env())
    ///     .worker(FnWorker::new("greet", |_task: Task| async {
    ///         Ok(WorkerOutput::completed_with_result("hi"))
    ///     }))
    ///     .build()?;
    /// handler.start().await?;
    /// assert!(handler.is_running());
    /// // A second start is refused.
    /// assert!(handler.start().await.is_err());
    /// # handler.stop().await
    /// # }
    /// ```
    pub async fn start(&mut self) -> Result<()> {
        if self.running.is_some() {
            return Err(ConductorError::worker(
                "the task handler is already running",
            ));
        }
        let configs = self
            .workers
            .iter()
            .map(|registered| self.resolve(registered))
            .collect::<Result<Vec<_>>>()?;
        if configs.is_empty() {
            warn!("starting a task handler without workers");
        }

        #[cfg(feature = "metrics")]
        if let Some(metrics) = &mut self.metrics
            && metrics.settings.http_port().is_some()
            && metrics.server.is_none()
        {
            let server = MetricsServer::start(metrics.collector.clone(), &metrics.settings)
                .await
                .map_err(|err| match err {
                    conductor_metrics::MetricsError::Bind { source, .. } => {
                        ConductorError::Io(source)
                    }
                    other => ConductorError::config(other.to_string()),
                })?;
            metrics.server = Some(server);
        }

        let mut runtime = Runtime::new(
            Arc::clone(&self.api),
            self.events.clone(),
            self.options.clone(),
        );
        let mut undelivered = Vec::new();
        if let Some(dir) = self.options.outbox_dir() {
            let (outbox, pending) = open_outbox(dir.to_owned()).await?;
            runtime = runtime.with_outbox(outbox);
            undelivered = pending;
        }
        let runtime = Arc::new(runtime);
        if !undelivered.is_empty() {
            info!(
                results = undelivered.len(),
                "re-sending results an earlier run could not deliver"
            );
        }
        // One reporter per worker, so its once-a-minute warning covers all of its results.
        let mut reporters: std::collections::HashMap<(String, String), Arc<Reporter>> =
            std::collections::HashMap::new();
        for pending in undelivered {
            let key = (pending.task_type.clone(), pending.worker_id.clone());
            let reporter = Arc::clone(reporters.entry(key).or_insert_with(|| {
                Arc::new(Reporter::new(
                    Arc::clone(&runtime),
                    &pending.task_type,
                    &pending.worker_id,
                ))
            }));
            runtime
                .tracker
                .spawn(async move { reporter.redeliver(pending).await });
        }
        let mut running = Running {
            runtime,
            loops: Vec::new(),
            sampler: None,
            sampled: Arc::default(),
            tokio: tokio::runtime::Handle::current(),
        };
        for (registered, config) in self.workers.iter().zip(configs) {
            let handle = spawn_runner(&running, registered, config);
            running.loops.push(handle);
        }
        running.sampler = Some(self.spawn_sampler(&running));
        self.running = Some(running);
        self.control.set_running(true);
        Ok(())
    }

    /// Stops gracefully (see the type's documentation) and returns when every task has finished
    /// and reported, or has been returned to the server: at most the grace period plus the
    /// blocking grace and twice the hand-back timeout ([`RunnerOptions`]), and only as long when
    /// code still runs. Calling it when not running does nothing.
    ///
    /// # Errors
    ///
    /// None at present; results that could not be delivered are logged and published as
    /// `TaskUpdateFailure` events rather than failing the shutdown.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// # async fn run(mut handler: TaskHandler) -> conductor_http::Result<()> {
    /// handler.start().await?;
    /// // ... on shutdown: running tasks finish (or are handed back), results are reported.
    /// handler.stop().await?;
    /// assert!(!handler.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop(&mut self) -> Result<()> {
        let Some(running) = self.running.take() else {
            return Ok(());
        };
        self.control.set_running(false);
        let Running {
            runtime,
            loops,
            sampler,
            ..
        } = running;
        let grace = runtime.options.shutdown_grace_period();
        let started = Instant::now();
        info!(
            active = self.workers.iter().map(|w| w.state.active()).sum::<usize>(),
            grace_period_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX),
            "stopping workers: polling stopped, letting running tasks finish"
        );
        runtime.stopping.cancel();
        let tracker = runtime.tracker.clone();
        let drained = async move {
            for handle in loops {
                if let Err(err) = handle.await {
                    error!(%err, "a poll loop ended abnormally");
                }
            }
            // Only now can no more slot tasks be spawned (the loops dispatch their last poll).
            tracker.close();
            tracker.wait().await;
        };
        tokio::pin!(drained);
        let finished_in_grace = tokio::select! {
            () = &mut drained => true,
            () = tokio::time::sleep(grace) => false,
        };
        if !finished_in_grace {
            warn!(
                unfinished = runtime.tracker.len(),
                "grace period over: returning unfinished tasks to the server"
            );
            runtime.deadline.cancel();
            // Hand-backs and last update attempts take up to the hand-back timeout; a poll in
            // flight gets its own timeout plus that; code on a blocking thread gets its grace.
            let margin = runtime.options.blocking_shutdown_grace()
                + runtime.options.hand_back_timeout() * 2
                + Duration::from_secs(1);
            if tokio::time::timeout(margin, &mut drained).await.is_err() {
                error!(
                    unfinished = runtime.tracker.len(),
                    "some executions did not stop (worker code blocking its thread?); giving up on them"
                );
            }
        }
        if let Some(sampler) = sampler {
            sampler.abort();
        }
        for registered in &self.workers {
            self.events.publish_with(|| ActiveWorkersChanged {
                task_type: registered.worker.task_definition_name().to_owned(),
                worker_id: registered.state.worker_id(),
                count: registered.state.active(),
            });
        }
        #[cfg(feature = "metrics")]
        if let Some(server) = self
            .metrics
            .as_mut()
            .and_then(|metrics| metrics.server.take())
        {
            server.shutdown().await;
        }
        if !self.events.flush(EVENT_FLUSH_TIMEOUT).await {
            warn!("some event listeners did not receive the last events in time");
        }
        info!(
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "workers stopped"
        );
        Ok(())
    }

    /// Whether the handler is running (started and not stopped).
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert!(!handler.is_running()); // until `start`
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Pauses every worker of task type `task_type` (it stops polling; running tasks finish).
    /// Returns `false` when no worker has that task type.
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
    /// assert!(handler.pause_worker("greet"));
    /// assert_eq!(handler.is_paused("greet"), Some(true));
    /// assert!(!handler.pause_worker("no_such_task"));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn pause_worker(&self, task_type: &str) -> bool {
        self.control.pause(task_type)
    }

    /// Resumes every worker of task type `task_type`. Returns `false` when no worker has it.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(
    ///         FnWorker::new("greet", |_task: Task| async {
    ///             Ok(WorkerOutput::completed_with_result("hi"))
    ///         })
    ///         .with_paused(true),
    ///     )
    ///     .build()?;
    /// assert!(handler.resume_worker("greet"));
    /// assert_eq!(handler.is_paused("greet"), Some(false));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn resume_worker(&self, task_type: &str) -> bool {
        self.control.resume(task_type)
    }

    /// Pauses every worker.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(FnWorker::new("a", |_task: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    ///     .worker(FnWorker::new("b", |_task: Task| async { Ok(WorkerOutput::completed_with_result(2)) }))
    ///     .build()?;
    /// handler.pause_all();
    /// assert_eq!(handler.is_paused("a"), Some(true));
    /// assert_eq!(handler.is_paused("b"), Some(true));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn pause_all(&self) {
        self.control.pause_all();
    }

    /// Resumes every worker.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(FnWorker::new("a", |_task: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    ///     .build()?;
    /// handler.pause_all();
    /// handler.resume_all();
    /// assert_eq!(handler.is_paused("a"), Some(false));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn resume_all(&self) {
        self.control.resume_all();
    }

    /// Whether the worker of `task_type` is paused (`None` when there is no such worker).
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
    /// assert_eq!(handler.is_paused("greet"), Some(false));
    /// assert_eq!(handler.is_paused("unknown"), None);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn is_paused(&self, task_type: &str) -> Option<bool> {
        self.find(task_type)
            .next()
            .map(|registered| registered.state.is_paused())
    }

    /// How many tasks of `task_type` are executing or being reported right now (`None` when
    /// there is no such worker).
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
    /// assert_eq!(handler.active_tasks("greet"), Some(0));
    /// assert_eq!(handler.active_tasks("unknown"), None);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn active_tasks(&self, task_type: &str) -> Option<usize> {
        let mut found = self.find(task_type).peekable();
        found.peek()?;
        Some(found.map(|registered| registered.state.active()).sum())
    }

    /// The task types of the workers, in the order they were added.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(FnWorker::new("b_task", |_task: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    ///     .worker(FnWorker::new("a_task", |_task: Task| async { Ok(WorkerOutput::completed_with_result(2)) }))
    ///     .build()?;
    /// assert_eq!(handler.worker_names(), ["b_task", "a_task"]); // insertion order
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn worker_names(&self) -> Vec<&str> {
        self.workers
            .iter()
            .map(|registered| registered.worker.task_definition_name())
            .collect()
    }

    /// A cloneable handle to pause, resume and stop the workers, and read their state, while the
    /// handler serves (from an admin endpoint, another task...). See [`WorkerControl`].
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
    /// std::thread::spawn(move || control.pause("greet")).join().unwrap();
    /// assert_eq!(handler.is_paused("greet"), Some(true));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn control(&self) -> WorkerControl {
        self.control.clone()
    }

    /// The cancellation token that ends the grace period of a running shutdown at once.
    pub(crate) fn deadline_token(&self) -> Option<CancellationToken> {
        self.running
            .as_ref()
            .map(|running| running.runtime.deadline.clone())
    }

    fn find<'a>(&'a self, task_type: &'a str) -> impl Iterator<Item = &'a Registered> + 'a {
        self.workers
            .iter()
            .filter(move |registered| registered.worker.task_definition_name() == task_type)
    }

    fn resolve(&self, registered: &Registered) -> Result<WorkerConfig> {
        let config = WorkerConfig::resolve_with(registered.worker.as_ref(), &self.env)?;
        let register = config.register_task_def() || self.options.register_task_defs();
        Ok(config.with_register_task_def(register))
    }

    fn sample_interval(&self) -> Duration {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.metrics {
            return metrics.settings.update_interval();
        }
        DEFAULT_SAMPLE_INTERVAL
    }

    fn spawn_sampler(&self, running: &Running) -> JoinHandle<()> {
        sampler::spawn(
            self.sample_interval(),
            Arc::clone(&running.sampled),
            running.runtime.events.clone(),
            running.runtime.stopping.clone(),
        )
    }
}

/// Opens the outbox in `dir` and reads what an earlier run left in it, off the async threads.
async fn open_outbox(dir: std::path::PathBuf) -> Result<(Outbox, Vec<Pending>)> {
    let opened = tokio::task::spawn_blocking(move || {
        let outbox = Outbox::open(&dir)?;
        let pending = outbox.load()?;
        Ok::<_, std::io::Error>((outbox, pending))
    })
    .await
    .map_err(|err| ConductorError::worker(format!("opening the outbox failed: {err}")))?;
    opened.map_err(ConductorError::Io)
}

/// Starts one worker's runner (and its registration) on the handler's tokio runtime.
fn spawn_runner(
    running: &Running,
    registered: &Registered,
    config: WorkerConfig,
) -> JoinHandle<()> {
    if config.paused() {
        registered.state.set_paused(true);
    }
    registered.state.set_worker_id(config.worker_id());
    let entry = (config.task_type().to_owned(), Arc::clone(&registered.state));
    match running.sampled.lock() {
        Ok(mut sampled) => sampled.push(entry),
        Err(poisoned) => poisoned.into_inner().push(entry),
    }
    info!(
        task_type = config.task_type(),
        worker_id = config.worker_id(),
        domain = config.domain().unwrap_or(""),
        thread_count = config.thread_count(),
        poll_interval_ms = u64::try_from(config.poll_interval().as_millis()).unwrap_or(u64::MAX),
        poll_timeout_ms = u64::try_from(config.poll_timeout().as_millis()).unwrap_or(u64::MAX),
        paused = registered.state.is_paused(),
        register_task_def = config.register_task_def(),
        lease_extend = config.lease_extend_enabled(),
        "starting worker"
    );
    let register = config.register_task_def();
    let runner = TaskRunner::new(
        Arc::clone(&registered.worker),
        config,
        Arc::clone(&registered.state),
        Arc::clone(&running.runtime),
    );
    if register {
        let registering = Arc::clone(&runner);
        running.runtime.tracker.spawn_on(
            async move { registration::register_until_done(&registering).await },
            &running.tokio,
        );
    }
    running.tokio.spawn(runner.run())
}

impl Drop for TaskHandler {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            warn!(
                "task handler dropped while running: stopping without a grace period (call stop() to drain)"
            );
            running.runtime.stopping.cancel();
            running.runtime.deadline.cancel();
        }
    }
}

impl fmt::Debug for TaskHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandler")
            .field("workers", &self.worker_names())
            .field("running", &self.is_running())
            .field("options", &self.options)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Builds a [`TaskHandler`]; from [`TaskHandler::builder`].
///
/// ```
/// use std::time::Duration;
/// use conductor_http::Configuration;
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
///
/// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
///     .worker(FnWorker::new("task_a", |_task: Task| async {
///         Ok(WorkerOutput::completed_with_result("A done"))
///     }))
///     .shutdown_grace_period(Duration::from_secs(60))
///     .register_task_defs(true)
///     .build()?;
/// assert_eq!(handler.worker_names(), ["task_a"]);
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[must_use]
pub struct TaskHandlerBuilder {
    config: Configuration,
    api: Option<Arc<dyn TaskApi>>,
    workers: Vec<Arc<dyn Worker>>,
    listeners: Vec<Arc<dyn TaskRunnerEventsListener>>,
    event_queue_capacity: usize,
    options: RunnerOptions,
    env: EnvLookup,
    #[cfg(feature = "metrics")]
    metrics: Option<MetricsSettings>,
}

impl TaskHandlerBuilder {
    /// How many undelivered events each listener may have queued before routine events are
    /// dropped for it (default [`DEFAULT_QUEUE_CAPACITY`](conductor_events::DEFAULT_QUEUE_CAPACITY),
    /// at least 1). Lost task results ([`TaskUpdateFailure`](conductor_events::TaskUpdateFailure))
    /// are never dropped, whatever the capacity.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .event_queue_capacity(16_384)
    ///     .build()?;
    /// assert_eq!(handler.event_dispatcher().dropped_events(), 0);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn event_queue_capacity(mut self, capacity: usize) -> Self {
        self.event_queue_capacity = capacity;
        self
    }

    /// Adds a worker.
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
    /// assert_eq!(handler.worker_names(), ["greet"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn worker<W: Worker + 'static>(mut self, worker: W) -> Self {
        self.workers.push(Arc::new(worker));
        self
    }

    /// Adds a shared worker.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, Worker, WorkerOutput};
    ///
    /// let worker: Arc<dyn Worker> = Arc::new(FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// }));
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker_arc(worker)
    ///     .build()?;
    /// assert_eq!(handler.worker_names(), ["greet"]);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn worker_arc(mut self, worker: Arc<dyn Worker>) -> Self {
        self.workers.push(worker);
        self
    }

    /// Adds an event listener.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_events::{TaskRunnerEventsListener, TaskUpdateFailure};
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// struct LostResults;
    ///
    /// impl TaskRunnerEventsListener for LostResults {
    ///     fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
    ///         tracing::error!(task_id = %event.task_id, "result could not be reported");
    ///     }
    /// }
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .event_listener(Arc::new(LostResults))
    ///     .build()?;
    /// assert_eq!(handler.event_dispatcher().listener_count(), 1);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn event_listener(mut self, listener: Arc<dyn TaskRunnerEventsListener>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Enables Prometheus metrics with `settings` (served over HTTP when they have a port).
    /// Default: no metrics.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_metrics::MetricsSettings;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .metrics(MetricsSettings::default()) // collect; serve with `.with_http_port(..)`
    ///     .build()?;
    /// assert!(handler.metrics_collector().is_some());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[cfg(feature = "metrics")]
    pub fn metrics(mut self, settings: MetricsSettings) -> Self {
        self.metrics = Some(settings);
        self
    }

    /// Replaces the runtime options. Default [`RunnerOptions::default`].
    ///
    /// [`shutdown_grace_period`](Self::shutdown_grace_period) and
    /// [`register_task_defs`](Self::register_task_defs) are shortcuts that change one field of
    /// this same value: call them after `options`, which replaces the whole value.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    /// use conductor_worker::{RunnerOptions, TaskHandler};
    ///
    /// let options = RunnerOptions::default()
    ///     .with_update_retries(10)
    ///     .with_poll_error_backoff(Duration::from_millis(500), Duration::from_secs(10));
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .options(options)
    ///     .build()?;
    /// # let _ = handler;
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn options(mut self, options: RunnerOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the graceful shutdown period (see [`RunnerOptions::with_shutdown_grace_period`]).
    /// Default 30 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .shutdown_grace_period(Duration::from_secs(120))
    ///     .build()?;
    /// # let _ = handler;
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn shutdown_grace_period(mut self, period: Duration) -> Self {
        self.options = self.options.with_shutdown_grace_period(period);
        self
    }

    /// Creates missing task definitions for every worker at start-up. Default `false`.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
    ///
    /// // At start-up, creates the definition of "greet" if the server has none.
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(FnWorker::new("greet", |_task: Task| async {
    ///         Ok(WorkerOutput::completed_with_result("hi"))
    ///     }))
    ///     .register_task_defs(true)
    ///     .build()?;
    /// # let _ = handler;
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn register_task_defs(mut self, register: bool) -> Self {
        self.options = self.options.with_register_task_defs(register);
        self
    }

    /// Talks to the server through `api` instead of a [`ConductorClient`] built from the
    /// configuration (a shared client, or a fake in tests).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_client::ConductorClient;
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let config = Configuration::new("http://localhost:8080/api");
    /// // Share one client between the workers and the rest of the application.
    /// let client = Arc::new(ConductorClient::new(config.clone())?);
    /// let handler = TaskHandler::builder(config).task_api(client.clone()).build()?;
    /// # let _ = handler;
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn task_api(mut self, api: Arc<dyn TaskApi>) -> Self {
        self.api = Some(api);
        self
    }

    /// Reads environment overrides through `env` instead of the process environment. Default
    /// [`EnvLookup::process`].
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, TaskHandler, WorkerOutput};
    ///
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_GREET_THREAD_COUNT".to_owned(), "4".to_owned()),
    /// ]));
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api"))
    ///     .worker(FnWorker::new("greet", |_task: Task| async {
    ///         Ok(WorkerOutput::completed_with_result("hi"))
    ///     }))
    ///     .env_lookup(env)
    ///     .build()?;
    /// # let _ = handler;
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn env_lookup(mut self, env: EnvLookup) -> Self {
        self.env = env;
        self
    }

    /// Builds the handler.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Config`] when the configuration is invalid or the metrics settings do
    /// not validate.
    ///
    /// ```
    /// use conductor_http::Configuration;
    /// use conductor_worker::TaskHandler;
    ///
    /// let handler = TaskHandler::builder(Configuration::new("http://localhost:8080/api")).build()?;
    /// assert!(handler.worker_names().is_empty());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn build(self) -> Result<TaskHandler> {
        let events = EventDispatcher::with_capacity(self.event_queue_capacity);
        #[cfg_attr(not(feature = "metrics"), allow(unused_mut))]
        let mut config = self.config;
        #[cfg(feature = "metrics")]
        let metrics = match self.metrics {
            Some(settings) => {
                let collector = MetricsCollector::new(&settings)
                    .map_err(|err| ConductorError::config(err.to_string()))?;
                events.add_listener(Arc::new(collector.clone()));
                // The runtime's own HTTP calls are timed too, unless an observer is set already.
                if config.observer().is_none() {
                    config = config.with_observer(Arc::new(collector.clone()));
                }
                Some(Metrics {
                    settings,
                    collector,
                    server: None,
                })
            }
            None => None,
        };
        let api: Arc<dyn TaskApi> = match self.api {
            Some(api) => api,
            None => Arc::new(ConductorClient::new(config)?),
        };
        for listener in self.listeners {
            events.add_listener(listener);
        }
        let control = WorkerControl::new();
        let workers = self
            .workers
            .into_iter()
            .map(|worker| {
                let state = WorkerState::new();
                control.add(worker.task_definition_name(), Arc::clone(&state));
                Registered { worker, state }
            })
            .collect();
        Ok(TaskHandler {
            api,
            workers,
            events,
            options: self.options,
            env: self.env,
            #[cfg(feature = "metrics")]
            metrics,
            running: None,
            control,
        })
    }
}

impl fmt::Debug for TaskHandlerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandlerBuilder")
            .field("workers", &self.workers.len())
            .field("listeners", &self.listeners.len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
