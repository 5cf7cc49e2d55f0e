//! Shared set-up for the examples: connect to `CONDUCTOR_SERVER_URL`, or start the embedded server.
//!
//! Every example calls [`connect`] first. With `CONDUCTOR_SERVER_URL` set, the examples talk to that
//! server unchanged (a real Conductor or Orkes cluster); without it, they start the embedded
//! Conductor-compatible server in-process, so `cargo run --example NAME` works on a fresh machine.

use std::time::Duration;

use conductor::models::{Workflow, WorkflowStatus};
use conductor::server::DevServer;
use conductor::{ConductorClient, Configuration};

/// Where the examples run: the client configuration, and the embedded server when one was started.
#[derive(Debug)]
pub struct Environment {
    /// Configuration pointing at the server in use.
    pub config: Configuration,
    /// A ready client for that server.
    pub client: ConductorClient,
    /// The embedded server, kept alive as long as the environment lives; `None` with a remote server.
    pub embedded: Option<DevServer>,
}

impl Environment {
    /// Stops the embedded server, if one was started.
    pub async fn shutdown(self) {
        if let Some(server) = self.embedded {
            server.shutdown().await;
        }
    }
}

/// The error every example reports: a message for people, with the cause chain folded in.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to `CONDUCTOR_SERVER_URL`, or starts the embedded server when the variable is unset.
///
/// # Errors
///
/// Fails with a message that names the URL when the configured server does not answer its health
/// check, and when the embedded server cannot bind a port.
pub async fn connect() -> Result<Environment, BoxError> {
    init_tracing();
    match std::env::var("CONDUCTOR_SERVER_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let config = Configuration::from_env();
            let client = ConductorClient::new(config.clone())?;
            if let Err(err) = client.health().await {
                return Err(format!(
                    "no Conductor server answers at {url} ({err}); start one there, or unset \
                     CONDUCTOR_SERVER_URL to run on the embedded server"
                )
                .into());
            }
            tracing::info!(url = %config.server_url(), "using the Conductor server from CONDUCTOR_SERVER_URL");
            Ok(Environment {
                config,
                client,
                embedded: None,
            })
        }
        _ => {
            let server = DevServer::start().await?;
            tracing::info!(url = %server.url(), "CONDUCTOR_SERVER_URL is not set: started the embedded server");
            let config = Configuration::from_env_vars(|name| match name {
                "CONDUCTOR_SERVER_URL" => Some(server.url()),
                other => std::env::var(other).ok(),
            });
            let client = ConductorClient::new(config.clone())?;
            Ok(Environment {
                config,
                client,
                embedded: Some(server),
            })
        }
    }
}

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
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let workflow = client.workflow_client().get_workflow(workflow_id).await?;
        if workflow.status.is_terminal() {
            return Ok(workflow);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "workflow {workflow_id} is still {} after {limit:?}",
                status_name(&workflow.status)
            )
            .into());
        }
        tokio::time::sleep(every).await;
    }
}

fn status_name(status: &WorkflowStatus) -> &str {
    status.as_str()
}

/// Logs to stderr at `info` (override with `RUST_LOG`), once per process.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
