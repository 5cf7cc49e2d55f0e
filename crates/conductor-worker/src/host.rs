//! [`WorkerHost`]: a [`TaskHandler`] that runs until SIGINT/SIGTERM (or a programmatic signal)
//! and then shuts down gracefully.

use std::fmt;
use std::sync::Arc;

use conductor_events::TaskRunnerEventsListener;
use conductor_http::{Configuration, Result};
#[cfg(feature = "metrics")]
use conductor_metrics::MetricsSettings;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::api::TaskApi;
use crate::config::EnvLookup;
use crate::handler::{TaskHandler, TaskHandlerBuilder};
use crate::options::RunnerOptions;
use crate::worker::Worker;

/// The sending half of a [`WorkerHostBuilder::with_shutdown_channel`]: `send(())` starts a
/// graceful shutdown.
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
    pub fn builder(config: Configuration) -> WorkerHostBuilder {
        WorkerHostBuilder {
            handler: TaskHandler::builder(config),
            channel: None,
            handle_signals: true,
        }
    }

    /// The running handler (to pause or resume workers, read metrics...).
    #[must_use]
    pub fn handler(&self) -> &TaskHandler {
        &self.handler
    }

    /// Starts a graceful shutdown from code; [`wait_for_shutdown`](Self::wait_for_shutdown)
    /// then returns once it is done.
    pub fn request_shutdown(&self) {
        self.requested.cancel();
    }

    /// Waits for a shutdown request (signal, channel or [`request_shutdown`](Self::request_shutdown)),
    /// then stops the workers gracefully.
    ///
    /// # Errors
    ///
    /// As [`TaskHandler::stop`].
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

/// Builds and starts a [`WorkerHost`]; from [`WorkerHost::builder`].
#[must_use]
pub struct WorkerHostBuilder {
    handler: TaskHandlerBuilder,
    channel: Option<oneshot::Receiver<()>>,
    handle_signals: bool,
}

impl WorkerHostBuilder {
    /// Adds a worker.
    pub fn worker<W: Worker + 'static>(mut self, worker: W) -> Self {
        self.handler = self.handler.worker(worker);
        self
    }

    /// Adds a shared worker.
    pub fn worker_arc(mut self, worker: Arc<dyn Worker>) -> Self {
        self.handler = self.handler.worker_arc(worker);
        self
    }

    /// Enables Prometheus metrics. Default: none.
    #[cfg(feature = "metrics")]
    pub fn with_metrics(mut self, settings: MetricsSettings) -> Self {
        self.handler = self.handler.metrics(settings);
        self
    }

    /// Adds an event listener.
    pub fn event_listener(mut self, listener: Arc<dyn TaskRunnerEventsListener>) -> Self {
        self.handler = self.handler.event_listener(listener);
        self
    }

    /// Replaces the runtime options.
    pub fn options(mut self, options: RunnerOptions) -> Self {
        self.handler = self.handler.options(options);
        self
    }

    /// Sets the graceful shutdown period. Default 30 s.
    pub fn shutdown_grace_period(mut self, period: Duration) -> Self {
        self.handler = self.handler.shutdown_grace_period(period);
        self
    }

    /// Creates missing task definitions at start-up. Default `false`.
    pub fn register_task_defs(mut self, register: bool) -> Self {
        self.handler = self.handler.register_task_defs(register);
        self
    }

    /// Talks to the server through `api` (see [`TaskHandlerBuilder::task_api`]).
    pub fn task_api(mut self, api: Arc<dyn TaskApi>) -> Self {
        self.handler = self.handler.task_api(api);
        self
    }

    /// Reads environment overrides through `env`.
    pub fn env_lookup(mut self, env: EnvLookup) -> Self {
        self.handler = self.handler.env_lookup(env);
        self
    }

    /// Whether SIGINT/SIGTERM start the shutdown. Default `true`. Turn it off when the
    /// application handles signals itself (and use the channel or
    /// [`WorkerHost::request_shutdown`]).
    pub fn handle_signals(mut self, handle: bool) -> Self {
        self.handle_signals = handle;
        self
    }

    /// Adds a programmatic shutdown trigger: `shutdown_tx.send(())` starts the shutdown.
    ///
    /// Dropping the sender without sending is ignored while signals are handled (the host keeps
    /// running until a signal); with [`handle_signals(false)`](Self::handle_signals) it counts as
    /// a shutdown request, since nothing else could stop the host.
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
    pub async fn start(self) -> Result<WorkerHost> {
        let requested = CancellationToken::new();
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
        let mut handler = match self.handler.build() {
            Ok(handler) => handler,
            Err(err) => {
                watchers.iter().for_each(JoinHandle::abort);
                return Err(err);
            }
        };
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
