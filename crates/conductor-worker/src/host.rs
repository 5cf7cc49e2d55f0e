//! [`WorkerHost`]: a [`TaskHandler`] that runs until SIGINT/SIGTERM (or a programmatic signal)
//! and then shuts down gracefully.

use std::fmt;

use conductor_http::{Configuration, Result};
#[cfg(feature = "metrics")]
use conductor_metrics::MetricsSettings;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::handler::{TaskHandler, TaskHandlerBuilder};
use crate::worker::Worker;

/// The sending half of a [`WorkerHostBuilder::with_shutdown_channel`]: `send(())` starts a
/// graceful shutdown.
///
/// ```no_run
/// # use conductor_http::Configuration;
/// use conductor_worker::{ShutdownSender, WorkerHost};
///
/// # async fn run() -> conductor_http::Result<()> {
/// let (builder, shutdown_tx): (_, ShutdownSender) =
///     WorkerHost::builder(Configuration::from_env()).with_shutdown_channel();
/// let host = builder.start().await?;
/// shutdown_tx.send(()).ok(); // e.g. from an admin endpoint
/// host.wait_for_shutdown().await
/// # }
/// ```
pub type ShutdownSender = oneshot::Sender<()>;

/// Runs workers until the process is told to stop, then drains them.
///
/// [`wait_for_shutdown`](Self::wait_for_shutdown) waits for SIGINT (Ctrl-C) or SIGTERM (what
/// Kubernetes and systemd send; on non-Unix platforms only Ctrl-C), or for the
/// [shutdown channel](WorkerHostBuilder::with_shutdown_channel), then calls
/// [`TaskHandler::stop`]: polling stops, running tasks get the grace period to finish and report,
/// unfinished ones are returned to the server. A second signal during the drain ends the grace
/// period at once.
///
/// The signal handlers are installed by [`start`](WorkerHostBuilder::start), so a signal that
/// arrives before `wait_for_shutdown` is not lost (and does not kill the process).
///
/// ```no_run
/// use conductor_http::Configuration;
/// use conductor_metrics::MetricsSettings;
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
///
/// # async fn run() -> conductor_http::Result<()> {
/// let my_worker = FnWorker::new("greet", |task: Task| async move {
///     let name = task.get_input_string("name").unwrap_or_default();
///     Ok(WorkerOutput::completed_with_result(format!("Hello, {name}!")))
/// });
/// let host = WorkerHost::builder(Configuration::from_env())
///     .worker(my_worker)
///     .with_metrics(MetricsSettings::default().with_http_port(9090))
///     .start()
///     .await?;
///
/// // Runs until Ctrl+C or SIGTERM
/// host.wait_for_shutdown().await?;
/// # Ok(())
/// # }
/// ```
///
/// With a programmatic trigger:
///
/// ```no_run
/// # use conductor_http::Configuration;
/// # use conductor_models::Task;
/// # use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
/// # async fn run(config: Configuration, my_worker: FnWorker) -> conductor_http::Result<()> {
/// let (builder, shutdown_tx) = WorkerHost::builder(config)
///     .worker(my_worker)
///     .with_shutdown_channel();
/// let host = builder.start().await?;
///
/// // Later, trigger shutdown programmatically
/// shutdown_tx.send(()).ok();
/// host.wait_for_shutdown().await?;
/// # Ok(())
/// # }
/// ```
pub struct WorkerHost {
    handler: TaskHandler,
    requested: CancellationToken,
    force: CancellationToken,
    watchers: Vec<JoinHandle<()>>,
}

impl WorkerHost {
    /// A builder for a host connecting to the server of `config`.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(FnWorker::new("greet", |_task: Task| async {
    ///         Ok(WorkerOutput::completed_with_result("hi"))
    ///     }))
    ///     .start()
    ///     .await?;
    /// host.wait_for_shutdown().await
    /// # }
    /// ```
    pub fn builder(config: Configuration) -> WorkerHostBuilder {
        WorkerHostBuilder::from(TaskHandler::builder(config))
    }

    /// The running handler (to pause or resume workers, read metrics...).
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_models::Task;
    /// # use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// // Stop taking "greet" tasks for a while (maintenance of a downstream system).
    /// host.handler().pause_worker("greet");
    /// assert_eq!(host.handler().is_paused("greet"), Some(true));
    /// host.handler().resume_worker("greet");
    /// # host.shutdown().await
    /// # }
    /// ```
    #[must_use]
    pub fn handler(&self) -> &TaskHandler {
        &self.handler
    }

    /// A cloneable handle to pause, resume and stop the workers and read their state while the
    /// host serves; [`wait_for_shutdown`](Self::wait_for_shutdown) consumes the host, the handle
    /// stays usable. Its [`request_stop`](crate::WorkerControl::request_stop) is a shutdown
    /// request, like SIGTERM.
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::{FnWorker, WorkerHost};
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// let control = host.control();
    /// tokio::spawn(async move {
    ///     // e.g. an admin endpoint
    ///     control.pause("greet");
    ///     let status = control.status("greet");
    ///     control.request_stop();
    ///     status
    /// });
    /// host.wait_for_shutdown().await // returns once the stop requested above drained
    /// # }
    /// ```
    #[must_use]
    pub fn control(&self) -> crate::WorkerControl {
        self.handler.control()
    }

    /// Starts a graceful shutdown from code; [`wait_for_shutdown`](Self::wait_for_shutdown)
    /// then returns once it is done.
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::{FnWorker, WorkerHost};
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// host.request_shutdown(); // e.g. when a health check decides the pod must go
    /// host.wait_for_shutdown().await?; // returns once the workers have drained
    /// # Ok(())
    /// # }
    /// ```
    pub fn request_shutdown(&self) {
        self.requested.cancel();
    }

    /// Waits for a shutdown request (signal, channel or [`request_shutdown`](Self::request_shutdown)),
    /// then stops the workers gracefully.
    ///
    /// # Errors
    ///
    /// As [`TaskHandler::stop`].
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::{FnWorker, WorkerHost};
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// // Runs until SIGINT/SIGTERM, then drains the workers.
    /// host.wait_for_shutdown().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_shutdown(mut self) -> Result<()> {
        self.requested.cancelled().await;
        info!("shutdown requested");
        self.stop().await
    }

    /// Stops the workers gracefully now.
    ///
    /// # Errors
    ///
    /// As [`TaskHandler::stop`].
    ///
    /// ```no_run
    /// # use conductor_http::Configuration;
    /// # use conductor_worker::{FnWorker, WorkerHost};
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// // ... the application decides it is done:
    /// host.shutdown().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) -> Result<()> {
        self.requested.cancel();
        self.stop().await
    }

    async fn stop(&mut self) -> Result<()> {
        let deadline = self.handler.deadline_token();
        let force = self.force.clone();
        let forced = async move {
            force.cancelled().await;
            warn!("second shutdown signal: ending the grace period now");
            if let Some(deadline) = deadline {
                deadline.cancel();
            }
            std::future::pending::<()>().await;
        };
        let result = tokio::select! {
            result = self.handler.stop() => result,
            () = forced => Ok(()),
        };
        for watcher in self.watchers.drain(..) {
            watcher.abort();
        }
        result
    }
}

impl fmt::Debug for WorkerHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerHost")
            .field("handler", &self.handler)
            .field("shutdown_requested", &self.requested.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// Builds and starts a [`WorkerHost`]; from [`WorkerHost::builder`], or from a
/// [`TaskHandlerBuilder`] (`WorkerHostBuilder::from`).
///
/// It wraps the [`TaskHandlerBuilder`] rather than copying its methods: besides the seed's
/// [`worker`](Self::worker) and [`with_metrics`](Self::with_metrics), the handler's settings are
/// changed through [`configure`](Self::configure), under the one name the handler gives them.
/// What belongs to the host alone (signals, the shutdown channel) is set here.
///
/// ```no_run
/// use std::time::Duration;
/// use conductor_http::Configuration;
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
///
/// # async fn run() -> conductor_http::Result<()> {
/// let host = WorkerHost::builder(Configuration::from_env())
///     .worker(FnWorker::new("greet", |_task: Task| async {
///         Ok(WorkerOutput::completed_with_result("hi"))
///     }))
///     .configure(|handler| {
///         handler
///             .shutdown_grace_period(Duration::from_secs(20))
///             .register_task_defs(true)
///     })
///     .start()
///     .await?;
/// host.wait_for_shutdown().await
/// # }
/// ```
#[must_use]
pub struct WorkerHostBuilder {
    handler: TaskHandlerBuilder,
    channel: Option<oneshot::Receiver<()>>,
    handle_signals: bool,
}

impl WorkerHostBuilder {
    /// Adds a worker.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};
    ///
    /// # async fn run() -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(FnWorker::new("a", |_task: Task| async { Ok(WorkerOutput::completed_with_result(1)) }))
    ///     .worker(FnWorker::new("b", |_task: Task| async { Ok(WorkerOutput::completed_with_result(2)) }))
    ///     .start()
    ///     .await?;
    /// assert_eq!(host.handler().worker_names(), ["a", "b"]);
    /// # host.shutdown().await
    /// # }
    /// ```
    pub fn worker<W: Worker + 'static>(mut self, worker: W) -> Self {
        self.handler = self.handler.worker(worker);
        self
    }

    /// Enables Prometheus metrics. Default: none.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_metrics::MetricsSettings;
    /// # use conductor_worker::{FnWorker, WorkerHost};
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(worker)
    ///     .with_metrics(MetricsSettings::default().with_http_port(9090)) // GET :9090/metrics
    ///     .start()
    ///     .await?;
    /// assert!(host.handler().metrics_collector().is_some());
    /// # host.shutdown().await
    /// # }
    /// ```
    #[cfg(feature = "metrics")]
    pub fn with_metrics(mut self, settings: MetricsSettings) -> Self {
        self.handler = self.handler.metrics(settings);
        self
    }

    /// Changes the underlying [`TaskHandlerBuilder`]: every setting of the handler (event
    /// listeners, [`RunnerOptions`](crate::RunnerOptions), the grace period, task-definition
    /// registration, the [`TaskApi`](crate::TaskApi), environment overrides, shared workers) is
    /// set there, under its one name, rather than copied onto this builder.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use conductor_events::{PollFailure, TaskRunnerEventsListener};
    /// use conductor_http::Configuration;
    /// use conductor_worker::{RunnerOptions, WorkerHost};
    /// # use conductor_worker::FnWorker;
    ///
    /// struct PollAlerts;
    ///
    /// impl TaskRunnerEventsListener for PollAlerts {
    ///     fn on_poll_failure(&self, event: &PollFailure) {
    ///         tracing::warn!(task_type = %event.task_type, error = %event.error, "poll failed");
    ///     }
    /// }
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(worker)
    ///     .configure(|handler| {
    ///         handler
    ///             .event_listener(Arc::new(PollAlerts))
    ///             .shutdown_grace_period(Duration::from_secs(20))
    ///             .options(RunnerOptions::default().with_update_retries(10))
    ///     })
    ///     .start()
    ///     .await?;
    /// # host.shutdown().await
    /// # }
    /// ```
    pub fn configure(
        mut self,
        change: impl FnOnce(TaskHandlerBuilder) -> TaskHandlerBuilder,
    ) -> Self {
        self.handler = change(self.handler);
        self
    }

    /// Whether SIGINT/SIGTERM start the shutdown. Default `true`. Turn it off when the
    /// application handles signals itself (and use the channel or
    /// [`WorkerHost::request_shutdown`]).
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::WorkerHost;
    /// # use conductor_worker::FnWorker;
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// // The application owns signal handling and stops the host itself.
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(worker)
    ///     .handle_signals(false)
    ///     .start()
    ///     .await?;
    /// tokio::signal::ctrl_c().await?;
    /// host.shutdown().await
    /// # }
    /// ```
    pub fn handle_signals(mut self, handle: bool) -> Self {
        self.handle_signals = handle;
        self
    }

    /// Leaves SIGINT and SIGTERM to the application: the named form of
    /// [`handle_signals(false)`](Self::handle_signals). The host then stops through the shutdown
    /// channel, [`WorkerHost::request_shutdown`] or [`WorkerHost::shutdown`].
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::WorkerHost;
    /// # use conductor_worker::FnWorker;
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env())
    ///     .worker(worker)
    ///     .ignore_signals()
    ///     .start()
    ///     .await?;
    /// tokio::signal::ctrl_c().await?;
    /// host.shutdown().await
    /// # }
    /// ```
    pub fn ignore_signals(self) -> Self {
        self.handle_signals(false)
    }

    /// Adds a programmatic shutdown trigger: `shutdown_tx.send(())` starts the shutdown.
    ///
    /// Dropping the sender without sending is ignored while signals are handled (the host keeps
    /// running until a signal); with [`handle_signals(false)`](Self::handle_signals) it counts as
    /// a shutdown request, since nothing else could stop the host.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::WorkerHost;
    /// # use conductor_worker::FnWorker;
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let (builder, shutdown_tx) = WorkerHost::builder(Configuration::from_env())
    ///     .worker(worker)
    ///     .with_shutdown_channel();
    /// let host = builder.start().await?;
    /// tokio::spawn(async move {
    ///     tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    ///     shutdown_tx.send(()).ok(); // run for an hour at most
    /// });
    /// host.wait_for_shutdown().await
    /// # }
    /// ```
    pub fn with_shutdown_channel(mut self) -> (Self, ShutdownSender) {
        let (sender, receiver) = oneshot::channel();
        self.channel = Some(receiver);
        (self, sender)
    }

    /// Installs the signal handlers and starts the workers.
    ///
    /// # Errors
    ///
    /// As [`TaskHandlerBuilder::build`] and [`TaskHandler::start`];
    /// [`ConductorError::Io`](conductor_http::ConductorError::Io) when the signal handlers cannot
    /// be installed.
    ///
    /// ```no_run
    /// use conductor_http::Configuration;
    /// use conductor_worker::WorkerHost;
    /// # use conductor_worker::FnWorker;
    ///
    /// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
    /// let host = WorkerHost::builder(Configuration::from_env()).worker(worker).start().await?;
    /// assert!(host.handler().is_running());
    /// host.wait_for_shutdown().await
    /// # }
    /// ```
    pub async fn start(self) -> Result<WorkerHost> {
        let mut handler = self.handler.build()?;
        // A stop requested through the handler's control is a shutdown request like a signal.
        let requested = handler.control().stop_token();
        let force = CancellationToken::new();
        let mut watchers = Vec::new();
        if self.handle_signals {
            watchers.push(watch_signals(requested.clone(), force.clone())?);
        }
        if let Some(channel) = self.channel {
            let requested = requested.clone();
            let dropped_means_stop = !self.handle_signals;
            watchers.push(tokio::spawn(async move {
                match channel.await {
                    Ok(()) => {
                        info!("shutdown requested through the shutdown channel");
                        requested.cancel();
                    }
                    Err(_) if dropped_means_stop => {
                        info!("shutdown sender dropped and signals are not handled: shutting down");
                        requested.cancel();
                    }
                    Err(_) => debug!("shutdown sender dropped; waiting for a signal"),
                }
            }));
        }
        if let Err(err) = handler.start().await {
            watchers.iter().for_each(JoinHandle::abort);
            return Err(err);
        }
        Ok(WorkerHost {
            handler,
            requested,
            force,
            watchers,
        })
    }
}

/// A host around a handler built so far: `WorkerHostBuilder::from(TaskHandler::builder(config))`.
///
/// ```no_run
/// use conductor_http::Configuration;
/// use conductor_worker::{TaskHandler, WorkerHostBuilder};
/// # use conductor_worker::FnWorker;
///
/// # async fn run(worker: FnWorker) -> conductor_http::Result<()> {
/// let handler = TaskHandler::builder(Configuration::from_env()).worker(worker);
/// let host = WorkerHostBuilder::from(handler).start().await?;
/// # host.shutdown().await
/// # }
/// ```
impl From<TaskHandlerBuilder> for WorkerHostBuilder {
    fn from(handler: TaskHandlerBuilder) -> Self {
        Self {
            handler,
            channel: None,
            handle_signals: true,
        }
    }
}

impl fmt::Debug for WorkerHostBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerHostBuilder")
            .field("handler", &self.handler)
            .field("shutdown_channel", &self.channel.is_some())
            .field("handle_signals", &self.handle_signals)
            .finish()
    }
}

/// Cancels `requested` on the first SIGINT/SIGTERM and `force` on the second.
#[cfg(unix)]
fn watch_signals(requested: CancellationToken, force: CancellationToken) -> Result<JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(tokio::spawn(async move {
        loop {
            let name = tokio::select! {
                received = interrupt.recv() => if received.is_some() { "SIGINT" } else { return },
                received = terminate.recv() => if received.is_some() { "SIGTERM" } else { return },
            };
            if requested.is_cancelled() {
                info!(signal = name, "second signal received");
                force.cancel();
                return;
            }
            info!(
                signal = name,
                "signal received: shutting down gracefully (send it again to stop at once)"
            );
            requested.cancel();
        }
    }))
}

/// Cancels `requested` on the first Ctrl-C and `force` on the second.
#[cfg(not(unix))]
fn watch_signals(requested: CancellationToken, force: CancellationToken) -> Result<JoinHandle<()>> {
    Ok(tokio::spawn(async move {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            if requested.is_cancelled() {
                force.cancel();
                return;
            }
            info!("Ctrl-C received: shutting down gracefully (press it again to stop at once)");
            requested.cancel();
        }
    }))
}
