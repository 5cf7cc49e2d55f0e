//! [`DevServer`]: starts the server in-process on a free port, with a handle for tests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::router;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::engine::{Engine, LlmSettings, Settings};

/// Why the server could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding the listening socket failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database file could not be opened or loaded.
    #[cfg(feature = "sqlite")]
    #[error(transparent)]
    Storage(#[from] crate::sqlite::StoreError),
}

/// Configures and starts a [`DevServer`].
#[derive(Debug)]
#[must_use]
pub struct DevServerBuilder {
    host: IpAddr,
    port: u16,
    clock: Option<Arc<dyn Clock>>,
    manual_clock: Option<Arc<ManualClock>>,
    sweep_interval: Option<Duration>,
    shutdown_grace: Duration,
    settings: Settings,
    #[cfg(feature = "sqlite")]
    database: Option<std::path::PathBuf>,
    #[cfg(feature = "sqlite")]
    durability: crate::Durability,
}

/// Environment variable naming an OpenAI-compatible endpoint for the LLM tasks.
pub const OPENAI_BASE_URL_ENV: &str = "CONDUCTOR_SERVER_OPENAI_BASE_URL";
/// Environment variable holding the API key of that endpoint.
pub const OPENAI_API_KEY_ENV: &str = "CONDUCTOR_SERVER_OPENAI_API_KEY";
/// Environment variable naming the model used when an LLM task names none.
pub const OPENAI_MODEL_ENV: &str = "CONDUCTOR_SERVER_OPENAI_MODEL";
/// How long shutdown waits for in-flight network calls and evaluations by default.
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Model used by LLM tasks that name none, when [`OPENAI_MODEL_ENV`] is not set.
const DEFAULT_LLM_MODEL: &str = "gpt-4o-mini";

impl Default for DevServerBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            clock: None,
            manual_clock: None,
            sweep_interval: Some(Duration::from_secs(1)),
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            settings: Settings::default(),
            #[cfg(feature = "sqlite")]
            database: None,
            #[cfg(feature = "sqlite")]
            durability: crate::Durability::default(),
        }
    }
}

impl DevServerBuilder {
    /// The address to bind (default `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to bind (default `0`: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Reads time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self.manual_clock = None;
        self
    }

    /// Reads time from a manual clock the test controls; the handle's
    /// [`DevServer::advance`] moves it and wakes long polls. The background sweeper is turned off
    /// (call [`DevServer::sweep_now`]), so tests are deterministic.
    pub fn manual_clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Some(clock.clone());
        self.manual_clock = Some(clock);
        self.sweep_interval = None;
        self
    }

    /// How often the background sweeper runs (default 1 s); `None` turns it off.
    pub fn sweep_interval(mut self, interval: impl Into<Option<Duration>>) -> Self {
        self.sweep_interval = interval.into();
        self
    }

    /// How shutdown treats in-flight network calls (HTTP, HTTP_POLL, LLM tasks) and script
    /// evaluations: it waits up to `grace` (default 5 s) for them, then cancels the rest. A
    /// cancelled task stays IN_PROGRESS; with a [database](Self::database) it is run again after
    /// a restart, once its response timeout has passed.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long a script (INLINE, SWITCH, DO_WHILE condition...) may run before its task fails
    /// (default 4 s, conductor-oss's `CONDUCTOR_SCRIPT_MAX_EXECUTION_SECONDS`). INLINE and LAMBDA
    /// scripts and HTTP_POLL conditions run outside the engine lock, on blocking threads; the
    /// other scripts (SWITCH, DO_WHILE, JOIN and event-handler conditions) run under it, so this
    /// also bounds how long one of those stalls the server.
    pub fn script_time_limit(mut self, limit: Duration) -> Self {
        self.settings.script.time = limit;
        self
    }

    /// How much memory one script evaluation may allocate (default 64 MiB).
    pub fn script_memory_limit(mut self, bytes: usize) -> Self {
        self.settings.script.memory_bytes = bytes;
        self
    }

    /// Runs the LLM tasks (LLM_TEXT_COMPLETE, LLM_CHAT_COMPLETE → `/v1/chat/completions`,
    /// LLM_GENERATE_EMBEDDINGS → `/v1/embeddings`) against an OpenAI-compatible endpoint at
    /// `base_url` (without `/v1`). Without it they fail with "no AI integration configured".
    pub fn openai(mut self, base_url: impl Into<String>, api_key: Option<String>) -> Self {
        self.settings.llm = Some(LlmSettings {
            base_url: base_url.into(),
            api_key,
            default_model: DEFAULT_LLM_MODEL.to_owned(),
        });
        self
    }

    /// The model LLM tasks use when their input names none (default `gpt-4o-mini`).
    pub fn openai_default_model(mut self, model: impl Into<String>) -> Self {
        if let Some(llm) = &mut self.settings.llm {
            llm.default_model = model.into();
        }
        self
    }

    /// Configures the LLM endpoint from [`OPENAI_BASE_URL_ENV`], [`OPENAI_API_KEY_ENV`] and
    /// [`OPENAI_MODEL_ENV`] when the first is set; leaves the builder unchanged otherwise.
    pub fn openai_from_env(self) -> Self {
        let Some(base_url) = std::env::var(OPENAI_BASE_URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            return self;
        };
        let key = std::env::var(OPENAI_API_KEY_ENV)
            .ok()
            .filter(|k| !k.is_empty());
        let builder = self.openai(base_url, key);
        match std::env::var(OPENAI_MODEL_ENV)
            .ok()
            .filter(|m| !m.is_empty())
        {
            Some(model) => builder.openai_default_model(model),
            None => builder,
        }
    }

    /// Keeps the server's state in the SQLite database at `path` (created if missing) instead of
    /// in memory only: definitions, executions, queues with their visibility delays, event
    /// handlers, poll data and task logs survive a restart, even a crash of the process. Every
    /// response is sent only after the changes it reflects are committed. Feature `sqlite`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conductor_server::ServerError> {
    /// let server = conductor_server::DevServer::builder()
    ///     .database("conductor.db")
    ///     .start()
    ///     .await?;
    /// // ... the state outlives the process; start again on the same file to get it back.
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "sqlite")]
    pub fn database(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.database = Some(path.into());
        self
    }

    /// What an acknowledged change survives with a [database](Self::database): the death of the
    /// process (the default, [`Durability::ProcessCrash`](crate::Durability::ProcessCrash)) or
    /// a power loss too ([`Durability::PowerLoss`](crate::Durability::PowerLoss): an fsync per
    /// commit). Without a database it changes nothing. Feature `sqlite`.
    #[cfg(feature = "sqlite")]
    pub fn durability(mut self, durability: crate::Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The engine, over the database when one is configured.
    fn engine(&self, clock: Arc<dyn Clock>) -> Result<Engine, ServerError> {
        #[cfg(feature = "sqlite")]
        if let Some(path) = &self.database {
            let (conn, store) = crate::sqlite::open(path, self.durability)?;
            let store = Arc::new(std::sync::Mutex::new(store));
            let writer = crate::sqlite::writer::Writer::spawn(conn, path.clone(), store.clone())?;
            return Ok(Engine::with_storage(
                clock,
                self.settings.clone(),
                store,
                writer,
            ));
        }
        Ok(Engine::new(clock, self.settings.clone()))
    }

    /// Binds and starts serving (after loading the database, if one is configured).
    pub async fn start(self) -> Result<DevServer, ServerError> {
        let clock = self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let engine = self.engine(clock)?.into_shared();
        let addr = SocketAddr::new(self.host, self.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let app = router(engine.clone(), stop_rx.clone());
        let mut server_stop = stop_rx.clone();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = server_stop.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(%error, "server stopped with an error");
            }
        });
        let sweeper = self.sweep_interval.map(|interval| {
            let engine = engine.clone();
            let mut stop = stop_rx;
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = ticker.tick() => {
                            let decided = engine.sweep(false);
                            if decided > 0 {
                                tracing::trace!(decided, "sweep");
                            }
                        }
                        _ = stop.wait_for(|stop| *stop) => break,
                    }
                }
            })
        });
        let network = engine.spawn_network_workers(stop_tx.subscribe());
        tracing::debug!(%local, "conductor-server started");
        Ok(DevServer {
            addr: local,
            engine,
            manual_clock: self.manual_clock,
            stop: stop_tx,
            shutdown_grace: self.shutdown_grace,
            server: Some(server),
            sweeper,
            network,
        })
    }
}

/// A running in-process server. Dropping it stops it (use [`DevServer::shutdown`] to wait).
///
/// ```no_run
/// # async fn demo() -> Result<(), conductor_server::ServerError> {
/// let server = conductor_server::DevServer::start().await?;
/// let base = server.url(); // "http://127.0.0.1:PORT/api"
/// # let _ = base;
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DevServer {
    addr: SocketAddr,
    engine: Arc<Engine>,
    manual_clock: Option<Arc<ManualClock>>,
    stop: watch::Sender<bool>,
    shutdown_grace: Duration,
    server: Option<JoinHandle<()>>,
    sweeper: Option<JoinHandle<()>>,
    network: Vec<JoinHandle<()>>,
}

impl DevServer {
    /// Starts a server on 127.0.0.1, any free port, system clock, sweeper every second.
    pub async fn start() -> Result<DevServer, ServerError> {
        DevServerBuilder::default().start().await
    }

    /// A builder for other settings.
    pub fn builder() -> DevServerBuilder {
        DevServerBuilder::default()
    }

    /// The API base URL, ending in `/api`.
    pub fn url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The clock the server reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.engine.clock().clone()
    }

    /// Moves the manual clock forward and wakes long polls. Returns `false` (and does nothing)
    /// when the server was not built with [`DevServerBuilder::manual_clock`].
    pub fn advance(&self, by: Duration) -> bool {
        let Some(clock) = &self.manual_clock else {
            return false;
        };
        clock.advance(by);
        self.engine.wake_all();
        true
    }

    /// Runs the sweeper now over every running workflow (timeouts, retries becoming due, queue
    /// repair); returns how many workflows were decided. The scripts the sweep triggers (INLINE
    /// tasks scheduled by the decisions) are evaluated on the calling thread before it returns.
    pub fn sweep_now(&self) -> usize {
        let decided = self.engine.sweep_settled(true);
        self.engine.wake_all();
        decided
    }

    /// Stops accepting requests, lets in-flight ones finish, and stops the sweeper. Requests the
    /// server holds open (long polls, sync executions and signals) are answered at once, as if
    /// their wait had ended, so shutting down never waits for them. In-flight network calls and
    /// script evaluations get the [grace period](DevServerBuilder::shutdown_grace) to finish,
    /// then are cancelled (their tasks stay IN_PROGRESS).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(sweeper) = self.sweeper.take() {
            let _ = sweeper.await;
        }
        for worker in self.network.drain(..) {
            let _ = worker.await;
        }
        self.engine.background().shutdown(self.shutdown_grace).await;
        // Last: nothing changes the state any more, so everything is written before this returns.
        self.engine.close_storage().await;
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
