//! The examples of the Conductor Rust SDK, as a library: one module per example, plus the shared
//! set-up (connect to `CONDUCTOR_SERVER_URL`, or start the embedded server).
//!
//! Each example lives in `src/<name>.rs` as `pub async fn run(env: &Environment) -> Result<Outcome, BoxError>`;
//! `examples/<name>.rs` is a thin `main` that calls [`connect`], `run`, prints the [`Outcome`] and
//! shuts down. The test suite (`tests/examples.rs`) calls the same `run` functions in-process,
//! each against a fresh embedded server, so every example is exercised on every `cargo test`.
//!
//! With `CONDUCTOR_SERVER_URL` set, the examples talk to that server unchanged (a real Conductor
//! or Orkes cluster); without it they start the embedded Conductor-compatible server in-process,
//! so `cargo run --example NAME` works on a fresh machine.
//!
//! Every name an example registers (workflows, task types, event handlers) goes through
//! [`Environment::name`]: `cargo run --example` keeps the plain names, while the test suite adds a
//! suffix unique to each test ([`Environment::with_name_suffix`]) so that examples running at the
//! same time on one shared server never poll each other's tasks.

use std::time::Duration;

use conductor::client::CorrelationOptions;
use conductor::models::{
    RetryLogic, Task, TaskDef, TaskStatus, Workflow, WorkflowDef, WorkflowStatus,
};
use conductor::server::{DevServer, DevServerBuilder};
use conductor::{ConductorClient, Configuration};

pub mod async_workers;
pub mod do_while_example;
pub mod dynamic_task_example;
pub mod dynamic_workflow;
pub mod event_driven_example;
pub mod fork_join_example;
pub mod fork_join_script_example;
pub mod hello_world;
pub mod http_poll_example;
pub mod http_task_example;
pub mod inline_task_example;
pub mod json_schema_example;
pub mod llm;
pub mod llm_chat_example;
pub mod local_http;
pub mod metrics_example;
pub mod openai_helloworld;
pub mod set_variable_example;
pub mod sub_workflow_example;
pub mod switch_task_example;
pub mod sync_state_update_example;
pub mod task_status_audit_example;
pub mod terminate_example;
#[cfg(feature = "otel")]
pub mod tracing_example;
pub mod vector_db_example;
pub mod wait_for_webhook_example;
pub mod wait_task_example;
#[cfg(feature = "macros")]
pub mod worker_macro_example;
pub mod workflow_rerun_example;

// The guides in `docs/` are compiled as doctests here, so their Rust code never drifts from the API.
#[cfg(doctest)]
#[doc = include_str!("../../docs/getting-started.md")]
struct GettingStartedDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/configuration.md")]
struct ConfigurationDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/workers.md")]
struct WorkersDoc;
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../../docs/worker-macro.md")]
struct WorkerMacroDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/metrics-and-events.md")]
struct MetricsAndEventsDoc;
#[cfg(all(doctest, feature = "otel"))]
#[doc = include_str!("../../docs/tracing.md")]
struct TracingDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/testing.md")]
struct TestingDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/migrating-from-python.md")]
struct MigratingFromPythonDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/examples.md")]
struct ExamplesDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/workflows-as-code.md")]
struct WorkflowsAsCodeDoc;
#[cfg(doctest)]
#[doc = include_str!("../../docs/embedded-server.md")]
struct EmbeddedServerDoc;

/// Where the examples run: the client configuration, and the embedded server when one was started.
#[derive(Debug)]
pub struct Environment {
    /// Configuration pointing at the server in use.
    pub config: Configuration,
    /// A ready client for that server.
    pub client: ConductorClient,
    /// The embedded server, kept alive as long as the environment lives; `None` with a remote server.
    pub embedded: Option<DevServer>,
    /// Appended (after `_`) to every name the examples register; `None` keeps the plain names.
    name_suffix: Option<String>,
    /// Whether the server can call HTTP services this process starts on 127.0.0.1.
    local_services: bool,
}

impl Environment {
    /// Starts an embedded server from `builder` and returns an environment pointing at it
    /// (what [`connect`] does when `CONDUCTOR_SERVER_URL` is unset; tests use it directly).
    ///
    /// # Errors
    ///
    /// When the embedded server cannot bind its port.
    pub async fn embedded(builder: DevServerBuilder) -> Result<Self, BoxError> {
        let server = builder.start().await?;
        let url = server.url();
        // Only the server URL is forced; auth, timeouts and the worker settings still come from
        // the environment, as they would for a remote server.
        let config = Configuration::from_env_vars(|name| match name {
            "CONDUCTOR_SERVER_URL" => Some(url.clone()),
            other => std::env::var(other).ok(),
        });
        let client = ConductorClient::new(config.clone())?;
        Ok(Self {
            config,
            client,
            embedded: Some(server),
            name_suffix: None,
            local_services: true,
        })
    }

    /// An environment pointing at the server at `url` (a base URL such as
    /// `http://localhost:8080/api`), without checking that it answers; auth, timeouts and the
    /// worker settings still come from the environment. The test suite uses it to run the
    /// examples against a real conductor-oss; [`connect`] does the same for
    /// `CONDUCTOR_SERVER_URL`, after a health check.
    ///
    /// The server is taken to be remote: the HTTP examples do not start local services for it to
    /// call unless [`with_local_services`](Self::with_local_services) says it can reach them.
    ///
    /// # Errors
    ///
    /// When the client cannot be built from the configuration (for instance an invalid URL).
    pub fn external(url: impl Into<String>) -> Result<Self, BoxError> {
        let url = url.into();
        let config = Configuration::from_env_vars(|name| match name {
            "CONDUCTOR_SERVER_URL" => Some(url.clone()),
            other => std::env::var(other).ok(),
        });
        let client = ConductorClient::new(config.clone())?;
        Ok(Self {
            config,
            client,
            embedded: None,
            name_suffix: None,
            local_services: false,
        })
    }

    /// Appends `_{suffix}` to every name the examples register through [`name`](Self::name),
    /// so that several runs can share one server without seeing each other's tasks.
    #[must_use]
    pub fn with_name_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.name_suffix = Some(suffix.into());
        self
    }

    /// Says whether the server can call HTTP services this process starts on 127.0.0.1 (true for
    /// the embedded server, and for a real server running on this machine).
    #[must_use]
    pub fn with_local_services(mut self, reachable: bool) -> Self {
        self.local_services = reachable;
        self
    }

    /// The name to register for `base`: `base` itself, or `{base}_{suffix}` when a suffix was
    /// set with [`with_name_suffix`](Self::with_name_suffix).
    ///
    /// ```
    /// let env = conductor_examples::Environment::external("http://localhost:8080/api")?;
    /// assert_eq!(env.name("greet"), "greet");
    /// assert_eq!(env.with_name_suffix("t1").name("greet"), "greet_t1");
    /// # Ok::<(), conductor_examples::BoxError>(())
    /// ```
    #[must_use]
    pub fn name(&self, base: &str) -> String {
        match &self.name_suffix {
            Some(suffix) => format!("{base}_{suffix}"),
            None => base.to_owned(),
        }
    }

    /// Whether the examples run on the embedded server.
    #[must_use]
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Whether the server can call HTTP services this process starts on 127.0.0.1, so the HTTP
    /// examples can serve their endpoints locally (see [`with_local_services`](Self::with_local_services)).
    #[must_use]
    pub fn local_services(&self) -> bool {
        self.local_services
    }

    /// The server's URL without its `/api` suffix, where conductor-oss serves `/health`.
    #[must_use]
    pub fn root_url(&self) -> &str {
        let url = self.config.server_url().trim_end_matches('/');
        url.strip_suffix("/api").unwrap_or(url)
    }

    /// Stops the embedded server, if one was started.
    pub async fn shutdown(self) {
        if let Some(server) = self.embedded {
            server.shutdown().await;
        }
    }
}

/// The error every example reports: a message for people, with the cause chain folded in.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How an example ended.
#[derive(Debug)]
pub enum Outcome {
    /// The example ran: the workflow it was about, in its final state.
    Finished(Box<Workflow>),
    /// The example cannot run against this server (for instance no AI integration is
    /// configured); the explanation says what to set up.
    Unavailable(String),
}

impl Outcome {
    /// The final workflow, when the example ran.
    #[must_use]
    pub fn workflow(&self) -> Option<&Workflow> {
        match self {
            Outcome::Finished(workflow) => Some(workflow),
            Outcome::Unavailable(_) => None,
        }
    }

    /// A few lines for people: the workflow's id, status and output, or the explanation.
    #[must_use]
    pub fn report(&self) -> String {
        match self {
            Outcome::Finished(workflow) => {
                let output = serde_json::to_string_pretty(&workflow.output)
                    .unwrap_or_else(|err| format!("<output not printable: {err}>"));
                format!(
                    "workflow {} ({}) is {}\noutput: {output}",
                    workflow.workflow_id,
                    workflow.name().unwrap_or("?"),
                    workflow.status
                )
            }
            Outcome::Unavailable(why) => format!("not run: {why}"),
        }
    }
}

/// Connects to `CONDUCTOR_SERVER_URL`, or starts the embedded server when the variable is unset
/// (with the LLM endpoint from `CONDUCTOR_SERVER_OPENAI_BASE_URL`, when set).
///
/// # Errors
///
/// Fails with a message that names the URL when the configured server does not answer its health
/// check, and when the embedded server cannot bind a port.
pub async fn connect() -> Result<Environment, BoxError> {
    init_tracing();
    match std::env::var("CONDUCTOR_SERVER_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let env = Environment::external(url.clone())?;
            if let Err(err) = env.client.health().await {
                return Err(format!(
                    "no Conductor server answers at {url} ({err}); start one there, or unset \
                     CONDUCTOR_SERVER_URL to run on the embedded server"
                )
                .into());
            }
            tracing::info!(url = %env.config.server_url(), "using the Conductor server from CONDUCTOR_SERVER_URL");
            Ok(env)
        }
        _ => {
            let env = Environment::embedded(DevServer::builder().openai_from_env()).await?;
            tracing::info!(url = %env.config.server_url(), "CONDUCTOR_SERVER_URL is not set: started the embedded server");
            Ok(env)
        }
    }
}

/// How long the examples wait for a workflow before giving up.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);
/// How often the examples look at a workflow they wait for.
pub(crate) const WAIT_EVERY: Duration = Duration::from_millis(50);
/// How long the event examples wait for an event handler to act. The embedded server handles an
/// event at once; conductor-oss starts listening to the queue of a newly registered event
/// handler on its next refresh, which runs every 60 seconds, and handles the events waiting
/// there then.
pub const EVENT_WAIT_LIMIT: Duration = Duration::from_secs(90);

/// Waits until the workflow reaches a terminal status, checking every `every`, for at most `limit`.
///
/// # Errors
///
/// Fails when the server cannot be reached, or when the workflow is still running after `limit`.
pub async fn wait_for_terminal(
    client: &ConductorClient,
    workflow_id: &str,
    every: Duration,
    limit: Duration,
) -> Result<Workflow, BoxError> {
    wait_until(
        client,
        workflow_id,
        "reach a terminal status",
        every,
        limit,
        |wf| wf.status.is_terminal(),
    )
    .await
}

/// Waits (up to [`WAIT_LIMIT`]) until the workflow is terminal.
///
/// # Errors
///
/// As [`wait_for_terminal`].
pub async fn finished(client: &ConductorClient, workflow_id: &str) -> Result<Workflow, BoxError> {
    wait_for_terminal(client, workflow_id, WAIT_EVERY, WAIT_LIMIT).await
}

/// Waits (up to [`WAIT_LIMIT`]) until the task `reference` of the workflow has `status`, and
/// returns that task.
///
/// # Errors
///
/// When the server cannot be reached, or the task does not reach `status` in time.
pub async fn task_reaches(
    client: &ConductorClient,
    workflow_id: &str,
    reference: &str,
    status: TaskStatus,
) -> Result<Task, BoxError> {
    let what = format!("have task {reference} {status}");
    let workflow = wait_until(client, workflow_id, &what, WAIT_EVERY, WAIT_LIMIT, |wf| {
        wf.task_by_ref(reference)
            .is_some_and(|t| t.status == status)
    })
    .await?;
    workflow
        .task_by_ref(reference)
        .cloned()
        .ok_or_else(|| format!("task {reference} vanished from workflow {workflow_id}").into())
}

/// Waits (up to `limit`) until at least `count` workflows named `name` with `correlation_id`
/// exist, running or closed, and returns them all: how the event examples find the workflows
/// their event handlers started.
///
/// # Errors
///
/// When the server cannot be reached, or fewer than `count` workflows exist after `limit`.
pub async fn correlated_workflows(
    client: &ConductorClient,
    name: &str,
    correlation_id: &str,
    count: usize,
    limit: Duration,
) -> Result<Vec<Workflow>, BoxError> {
    let deadline = tokio::time::Instant::now() + limit;
    // Closed ones too: a fast workflow may have completed already.
    let options = CorrelationOptions::new().include_closed(true);
    loop {
        let found = client
            .workflow_client()
            .get_workflows_by_correlation_id_with(name, correlation_id, &options)
            .await?;
        if found.len() >= count {
            return Ok(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "found {} of the {count} workflows {name} correlated with {correlation_id} \
                 (waited up to {limit:?})",
                found.len()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until `done` holds for the workflow, checking every `every` for at most `limit`.
///
/// # Errors
///
/// When the server cannot be reached, or `done` still fails after `limit` (the message says
/// what was awaited, via `what`).
pub async fn wait_until(
    client: &ConductorClient,
    workflow_id: &str,
    what: &str,
    every: Duration,
    limit: Duration,
    done: impl Fn(&Workflow) -> bool,
) -> Result<Workflow, BoxError> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let workflow = client.workflow_client().get_workflow(workflow_id).await?;
        if done(&workflow) {
            return Ok(workflow);
        }
        if workflow.status.is_terminal() || tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "workflow {workflow_id} did not {what}: it is {} (waited up to {limit:?}){}",
                workflow.status,
                workflow
                    .reason_for_incompletion
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )
            .into());
        }
        tokio::time::sleep(every).await;
    }
}

/// Checks that the workflow ended with `expected`, and wraps it in an [`Outcome`].
///
/// # Errors
///
/// When it ended otherwise: the message names both statuses and the server's reason.
pub fn expect_status(workflow: Workflow, expected: WorkflowStatus) -> Result<Outcome, BoxError> {
    if workflow.status == expected {
        Ok(Outcome::Finished(Box::new(workflow)))
    } else {
        Err(format!(
            "workflow {} ended {} instead of {expected}{}",
            workflow.workflow_id,
            workflow.status,
            workflow
                .reason_for_incompletion
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )
        .into())
    }
}

/// Registers a task definition for each name in `task_names` (no retries, so failures show at
/// once), then creates or updates `workflow`.
///
/// # Errors
///
/// When the server rejects a definition.
pub async fn register(
    client: &ConductorClient,
    task_names: &[&str],
    workflow: &WorkflowDef,
) -> Result<(), BoxError> {
    let metadata = client.metadata_client();
    if !task_names.is_empty() {
        let defs: Vec<TaskDef> = task_names
            .iter()
            .map(|name| {
                TaskDef::new(*name)
                    .with_retry(0, RetryLogic::Fixed, 0)
                    .with_owner("examples@conductor.rs")
            })
            .collect();
        metadata.register_task_defs(&defs).await?;
    }
    metadata.register_or_update_workflow_def(workflow).await?;
    Ok(())
}

/// Logs to stderr at `info` (override with `RUST_LOG`), once per process.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}
