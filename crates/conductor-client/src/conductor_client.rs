//! [`ConductorClient`]: the entry point that owns the HTTP client and hands out the resource
//! clients (tasks, workflows, metadata, events); also the server's health and version.

use conductor_http::{ApiClient, ConductorError, Configuration, Method, Result};
use conductor_models::HealthCheckStatus;

use crate::compat::{self, HEALTH, VERSION};
use crate::util::non_empty_text;
use crate::{EventClient, MetadataClient, TaskClient, WorkflowClient};

/// The entry point of the client API: one [`ApiClient`] (connection pool, auth token, retry
/// policy) shared by every resource client it hands out.
///
/// Cloning is cheap (the [`ApiClient`] is reference-counted) and the client is `Send + Sync`, so
/// build one per server and share it; the resource clients it returns share it too.
///
/// ```no_run
/// use conductor_client::{ConductorClient, Configuration};
///
/// # async fn run() -> conductor_client::Result<()> {
/// let client = ConductorClient::new(Configuration::from_env())?;
/// let task_client = client.task_client();
/// let workflow_client = client.workflow_client();
/// let metadata_client = client.metadata_client();
/// let event_client = client.event_client();
/// assert!(client.health().await?.healthy);
/// # let _ = (task_client, workflow_client, metadata_client, event_client);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConductorClient {
    api: ApiClient,
}

impl ConductorClient {
    /// Builds the HTTP client for `config` and wraps it.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Config`](crate::ConductorError::Config) when the configuration cannot
    /// produce an HTTP client (invalid URL, header or TLS set-up).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// let client = ConductorClient::new(
    ///     Configuration::new("http://localhost:8080/api").with_timeout(Duration::from_secs(30)),
    /// )?;
    /// assert_eq!(client.configuration().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    pub fn new(config: Configuration) -> Result<Self> {
        Ok(Self::from_api_client(ApiClient::new(config)?))
    }

    /// Wraps an existing [`ApiClient`] (to share it with other components, or to use one built
    /// with custom settings).
    ///
    /// ```
    /// use conductor_client::{ApiClient, ConductorClient, Configuration};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// // Both share one connection pool (and one auth token).
    /// let client = ConductorClient::from_api_client(api.clone());
    /// assert_eq!(client.api_client().server_url(), api.server_url());
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn from_api_client(api: ApiClient) -> Self {
        Self { api }
    }

    /// The shared [`ApiClient`], for endpoints this crate does not wrap.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// // An endpoint without a typed wrapper.
    /// let config: serde_json::Value = client.api_client().get("/admin/config").send_json().await?;
    /// # let _ = config;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn api_client(&self) -> &ApiClient {
        &self.api
    }

    /// The configuration the client was built with.
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(client.configuration().server_url(), "http://localhost:8080/api");
    /// assert!(!client.configuration().has_auth());
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn configuration(&self) -> &Configuration {
        self.api.configuration()
    }

    /// A client for the task resource (polling, updates, logs, queues).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let pending = client.task_client().get_queue_size("my_task").await?;
    /// # let _ = pending;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn task_client(&self) -> TaskClient {
        TaskClient::new(self.api.clone())
    }

    /// A client for the workflow resource (start, execute, lifecycle, search, bulk).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = client.workflow_client().get_workflow("8c2f1e6a-workflow-id").await?;
    /// # let _ = workflow;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn workflow_client(&self) -> WorkflowClient {
        WorkflowClient::new(self.api.clone())
    }

    /// A client for workflow and task definitions.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let exists = client.metadata_client().task_def_exists("my_task").await?;
    /// # let _ = exists;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn metadata_client(&self) -> MetadataClient {
        MetadataClient::new(self.api.clone())
    }

    /// A client for event handlers and the default event queues.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let handlers = client.event_client().get_event_handlers().await?;
    /// # let _ = handlers;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn event_client(&self) -> EventClient {
        EventClient::new(self.api.clone())
    }

    /// Asks the server whether it is healthy.
    ///
    /// `GET /health` under the API base (`/api/health`, conductor-oss 3.32+ and Orkes). OSS
    /// always answers `{"healthResults":[],"suppressedHealthResults":[],"healthy":true}` while it
    /// serves requests, so this is mainly a reachability check.
    ///
    /// conductor-oss before 3.32 serves health only at the server root: when `/api/health`
    /// answers `No static resource`, the SDK asks `GET {root}/health` (the server URL without
    /// `/api`), which answers the same document, and remembers to go there directly from then on
    /// (for every clone of this client).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`](crate::ConductorError::Http) when the server cannot be reached;
    /// [`ConductorError::Api`](crate::ConductorError::Api) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let status = client.health().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn health(&self) -> Result<HealthCheckStatus> {
        // Health never answers 404 when it exists, whatever sits in front of the server.
        let native = compat::attempt(
            &self.api,
            &HEALTH,
            |error| error.is_missing_endpoint() || error.status() == Some(404),
            || self.api.get("/health").send_json(),
        )
        .await?;
        match native {
            Some(status) => Ok(status),
            None => {
                self.api
                    .root_request(Method::GET, "/health")
                    .send_json()
                    .await
            }
        }
    }

    /// Reads the server's version string (e.g. `3.32.1`).
    ///
    /// `GET /version` (TEXT answer; conductor-oss 3.22.0+). Older servers have no such endpoint;
    /// there the SDK reads `build.version` from Spring Boot's `GET {root}/actuator/info` (served
    /// by conductor-oss 3.21 at the server root), remembering the missing endpoint per client.
    ///
    /// # Errors
    ///
    /// [`ConductorError::UnsupportedByServer`](crate::ConductorError::UnsupportedByServer) when
    /// neither answers a version;
    /// [`ConductorError::Decode`](crate::ConductorError::Decode) when the body is empty;
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Api`](crate::ConductorError::Api) /
    /// [`ConductorError::Server`](crate::ConductorError::Server).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let server_version = client.version().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn version(&self) -> Result<String> {
        let native = compat::attempt(
            &self.api,
            &VERSION,
            ConductorError::is_missing_endpoint,
            || self.api.get("/version").send_text(),
        )
        .await?;
        if let Some(text) = native {
            return non_empty_text(text).ok_or_else(|| ConductorError::Decode {
                status: 200,
                message: "expected a version string, got an empty body".to_owned(),
                body_snippet: String::new(),
            });
        }
        let info: Result<serde_json::Value> = self
            .api
            .root_request(Method::GET, "/actuator/info")
            .send_json()
            .await;
        match info {
            Ok(info) => info
                .pointer("/build/version")
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|version| !version.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| VERSION.unsupported()),
            Err(error) if error.is_missing_endpoint() || error.is_not_found() => {
                Err(VERSION.unsupported())
            }
            Err(error) => Err(error),
        }
    }
}
