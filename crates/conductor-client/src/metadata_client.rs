//! [`MetadataClient`]: the metadata resource (`/metadata`): workflow definitions and task
//! definitions (register, update, read, list, delete, validate).

use std::collections::HashMap;

use conductor_http::{ApiClient, ConductorError, Result, encode_segment};
use conductor_models::{BulkResponse, TaskDef, WorkflowDef, WorkflowDefSummary};
use tracing::debug;

use crate::compat::{self, REGISTER_OVERWRITE, WORKFLOW_NAMES, WORKFLOW_VERSIONS};

/// Client for the metadata resource (`/api/metadata`): workflow and task definitions.
///
/// Cheap to clone (it shares the [`ApiClient`] of the [`ConductorClient`](crate::ConductorClient)
/// it came from), `Send + Sync`. Every call here is idempotent (registering twice is refused
/// with 409 or is an upsert), so the HTTP layer may retry them.
///
/// ```no_run
/// use conductor_client::{ConductorClient, Configuration};
/// use conductor_client::models::{TaskDef, WorkflowDef, WorkflowTask};
///
/// # async fn run() -> conductor_client::Result<()> {
/// let metadata_client = ConductorClient::new(Configuration::from_env())?.metadata_client();
/// metadata_client.register_task_def(&TaskDef::new("my_task")).await?;
/// let workflow_def = WorkflowDef::new("my_workflow")
///     .with_version(1)
///     .with_task(WorkflowTask::simple("my_task", "task_ref_1"));
/// metadata_client.register_workflow_def(&workflow_def).await?;
/// assert!(metadata_client.workflow_def_exists("my_workflow", Some(1)).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MetadataClient {
    api: ApiClient,
}

impl MetadataClient {
    /// A metadata client on `api`.
    ///
    /// ```
    /// use conductor_client::{ApiClient, Configuration, MetadataClient};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let metadata = MetadataClient::new(api);
    /// assert_eq!(metadata.api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn new(api: ApiClient) -> Self {
        Self { api }
    }

    /// The [`ApiClient`] this client sends its requests through.
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(client.metadata_client().api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn api_client(&self) -> &ApiClient {
        &self.api
    }

    // ----------------------------------------------------------------------------------------
    // Workflow definitions: write
    // ----------------------------------------------------------------------------------------

    /// Registers a new workflow definition (its `name` + `version`).
    ///
    /// `POST /metadata/workflow` with the definition as JSON (`overwrite` not sent: the server
    /// default, `false`).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 409 when that name and version already exist
    /// ([`ConductorError::is_conflict`]; SQL-backed conductor-oss before 3.31.2 answers 500
    /// `Workflow with {name}.{version} already exists!`, which the SDK reports as this 409 with
    /// the server's body in `response`), 400 with
    /// [`validation_errors`](ConductorError::validation_errors) for an invalid definition;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(workflow_def: WorkflowDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().register_workflow_def(&workflow_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_workflow_def(&self, workflow_def: &WorkflowDef) -> Result<()> {
        debug!(name = %workflow_def.name, version = workflow_def.version, "registering workflow definition");
        self.api
            .post("/metadata/workflow")
            .json_body(workflow_def)?
            .idempotent(true)
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }

    /// Registers a workflow definition, replacing an existing one with the same name and
    /// version.
    ///
    /// `POST /metadata/workflow?overwrite=true` (OSS v3.31.2+ and Orkes). Servers before
    /// v3.31.2 ignore `overwrite` and answer 409 (500 with a SQL store) for an existing
    /// definition; the SDK then updates it with `PUT /metadata/workflow` (see
    /// [`update_workflow_def`](Self::update_workflow_def)), so the call is an upsert on every
    /// version. Once a server has ignored `overwrite`, the client remembers it and sends the
    /// `PUT` (an upsert there too) directly.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an invalid definition; [`ConductorError::Workflow`] when
    /// the fallback update is refused; [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(workflow_def: WorkflowDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().register_or_update_workflow_def(&workflow_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_or_update_workflow_def(&self, workflow_def: &WorkflowDef) -> Result<()> {
        if REGISTER_OVERWRITE.known_missing(&self.api) {
            return self.update_workflow_def(workflow_def).await;
        }
        let registered = self
            .api
            .post("/metadata/workflow")
            .query("overwrite", true)
            .json_body(workflow_def)?
            .idempotent(true)
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status);
        match registered {
            Err(error) if error.is_conflict() => {
                debug!(name = %workflow_def.name, "server ignored overwrite=true, updating instead");
                REGISTER_OVERWRITE.mark_missing(&self.api);
                self.update_workflow_def(workflow_def).await
            }
            other => other,
        }
    }

    /// Updates a workflow definition (creating it when it does not exist: OSS's update is an
    /// upsert).
    ///
    /// `PUT /metadata/workflow` with a one-element JSON array. The server answers a
    /// [`BulkResponse`]; a failure listed in it for this definition becomes an error. A failure
    /// that says the SQLite store was busy (`[SQLITE_BUSY] ...`, conductor-oss 3.21 under
    /// concurrent writes) is retried per the client's [`RetryPolicy`](crate::RetryPolicy), as the
    /// HTTP layer retries such a 500.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Workflow`] carrying the server's message when the definition is listed
    /// in `bulkErrorResults`; [`ConductorError::Api`] 400 for an invalid definition;
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(workflow_def: WorkflowDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().update_workflow_def(&workflow_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_workflow_def(&self, workflow_def: &WorkflowDef) -> Result<()> {
        let policy = self.api.configuration().retry_policy().clone();
        let mut retry = 0_u32;
        loop {
            let response = self
                .update_workflow_defs(std::slice::from_ref(workflow_def))
                .await?;
            let Some((name, message)) = response.bulk_error_results.into_iter().next() else {
                return Ok(());
            };
            if compat::is_busy_store(&message) && retry < policy.max_retries() {
                tokio::time::sleep(policy.backoff(retry)).await;
                retry += 1;
                continue;
            }
            return Err(ConductorError::workflow(format!(
                "workflow definition {name} was not updated: {message}"
            )));
        }
    }

    /// Creates or updates several workflow definitions in one request.
    ///
    /// `PUT /metadata/workflow` with the definitions as a JSON array. Returns the server's
    /// [`BulkResponse`]: the names updated and name → error for the others (Orkes answers `{}`,
    /// which decodes as an empty response).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an empty list or an invalid definition;
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(workflow_defs: Vec<WorkflowDef>) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let response = client.metadata_client().update_workflow_defs(&workflow_defs).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_workflow_defs(
        &self,
        workflow_defs: &[WorkflowDef],
    ) -> Result<BulkResponse<String>> {
        self.api
            .put("/metadata/workflow")
            .json_body(workflow_defs)?
            .idempotent(true)
            .send_json()
            .await
    }

    /// Validates a workflow definition without registering it.
    ///
    /// `POST /metadata/workflow/validate` (OSS-only).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an invalid definition, with the problems in
    /// [`validation_errors`](ConductorError::validation_errors); [`ConductorError::Http`] /
    /// [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::WorkflowDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(workflow_def: WorkflowDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().validate_workflow_def(&workflow_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn validate_workflow_def(&self, workflow_def: &WorkflowDef) -> Result<()> {
        self.api
            .post("/metadata/workflow/validate")
            .json_body(workflow_def)?
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Deletes one version of a workflow definition (executions are kept).
    ///
    /// `DELETE /metadata/workflow/{name}/{version}`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when that version does not exist (SQL-backed conductor-oss
    /// answers 500 `No such workflow definition: ...`, reported as this 404 with the server's
    /// body in `response`); [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().delete_workflow_def("order_fulfillment", 1).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_workflow_def(&self, name: &str, version: i32) -> Result<()> {
        self.api
            .delete(format!(
                "/metadata/workflow/{}/{}",
                encode_segment(name),
                version
            ))
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }

    // ----------------------------------------------------------------------------------------
    // Workflow definitions: read
    // ----------------------------------------------------------------------------------------

    /// Reads a workflow definition: `version`, or the latest version when `None`.
    ///
    /// `GET /metadata/workflow/{name}?version=`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when no such definition exists
    /// ([`ConductorError::is_not_found`]); [`ConductorError::Http`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_def = client.metadata_client()
    ///     .get_workflow_def("order_fulfillment", Some(1))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_def(&self, name: &str, version: Option<i32>) -> Result<WorkflowDef> {
        self.api
            .get(format!("/metadata/workflow/{}", encode_segment(name)))
            .query_opt("version", version)
            .send_json()
            .await
    }

    /// Whether a workflow definition exists (`version`, or any version when `None`).
    ///
    /// `GET /metadata/workflow/{name}?version=`: 404 gives `false`.
    ///
    /// # Errors
    ///
    /// Any error other than "not found": [`ConductorError::Http`] / [`ConductorError::Api`] /
    /// [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let exists = client.metadata_client()
    ///     .workflow_def_exists("order_fulfillment", Some(1))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn workflow_def_exists(&self, name: &str, version: Option<i32>) -> Result<bool> {
        exists(self.get_workflow_def(name, version).await)
    }

    /// Lists every workflow definition, every version.
    ///
    /// `GET /metadata/workflow`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_workflow_defs = client.metadata_client().get_all_workflow_defs().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_workflow_defs(&self) -> Result<Vec<WorkflowDef>> {
        self.api.get("/metadata/workflow").send_json().await
    }

    /// Lists the workflow definitions of one classifier: `workflow` (plain workflows) or
    /// `agent` (OSS v3.31.2+; older servers ignore the filter and return every definition,
    /// which there are all plain workflows).
    ///
    /// `GET /metadata/workflow?classifier=`.
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_defs_by_classifier = client.metadata_client()
    ///     .get_workflow_defs_by_classifier("billing")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_defs_by_classifier(
        &self,
        classifier: &str,
    ) -> Result<Vec<WorkflowDef>> {
        self.api
            .get("/metadata/workflow")
            .query("classifier", classifier)
            .send_json()
            .await
    }

    /// Lists every version of workflow definition `name`, full definitions, by ascending
    /// version.
    ///
    /// `GET /metadata/workflow` (every definition) filtered to `name` on the client: this
    /// works on every server but transfers all definitions. For names and versions only, use
    /// [`get_workflow_def_versions`](Self::get_workflow_def_versions).
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_workflow_def_versions = client.metadata_client()
    ///     .get_all_workflow_def_versions("order_fulfillment")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_workflow_def_versions(&self, name: &str) -> Result<Vec<WorkflowDef>> {
        let mut versions: Vec<WorkflowDef> = self
            .get_all_workflow_defs()
            .await?
            .into_iter()
            .filter(|workflow_def| workflow_def.name == name)
            .collect();
        versions.sort_by_key(|workflow_def| workflow_def.version);
        Ok(versions)
    }

    /// Lists the versions of workflow definition `name` as summaries (name, version, create and
    /// update times), without the definitions.
    ///
    /// `GET /metadata/workflow/{name}/versions` (OSS v3.30.0+). Older servers answer 500
    /// `Request method 'GET' is not supported` (the path matches the `DELETE` of one version);
    /// there the SDK takes `name`'s entry of
    /// [`get_workflow_names_and_versions`](Self::get_workflow_names_and_versions) (empty for an
    /// unknown name, as the server answers), detected once per client.
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_def_versions = client.metadata_client()
    ///     .get_workflow_def_versions("order_fulfillment")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_def_versions(&self, name: &str) -> Result<Vec<WorkflowDefSummary>> {
        let native = compat::attempt(
            &self.api,
            &WORKFLOW_VERSIONS,
            ConductorError::is_missing_endpoint,
            || {
                self.api
                    .get(format!(
                        "/metadata/workflow/{}/versions",
                        encode_segment(name)
                    ))
                    .send_json()
            },
        )
        .await?;
        if let Some(versions) = native {
            return Ok(versions);
        }
        let mut versions = self
            .get_workflow_names_and_versions()
            .await?
            .remove(name)
            .unwrap_or_default();
        versions.sort_by_key(|summary| summary.version);
        Ok(versions)
    }

    /// Lists the latest version of every workflow definition.
    ///
    /// `GET /metadata/workflow/latest-versions` (OSS-only).
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let latest_workflow_defs = client.metadata_client().get_latest_workflow_defs().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_latest_workflow_defs(&self) -> Result<Vec<WorkflowDef>> {
        self.api
            .get("/metadata/workflow/latest-versions")
            .send_json()
            .await
    }

    /// Lists the distinct workflow definition names.
    ///
    /// `GET /metadata/workflow/names` (OSS v3.30.0+). Older servers route the path to
    /// `GET /metadata/workflow/{name}` and answer 404 `No such workflow found by name: names`;
    /// there the SDK lists the keys of
    /// [`get_workflow_names_and_versions`](Self::get_workflow_names_and_versions), sorted as the
    /// server sorts them (detected once per client).
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_names = client.metadata_client().get_workflow_names().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_names(&self) -> Result<Vec<String>> {
        let native = compat::attempt(
            &self.api,
            &WORKFLOW_NAMES,
            compat::is_names_route_collision,
            || self.api.get("/metadata/workflow/names").send_json(),
        )
        .await?;
        if let Some(names) = native {
            return Ok(names);
        }
        let mut names: Vec<String> = self
            .get_workflow_names_and_versions()
            .await?
            .into_keys()
            .collect();
        names.sort();
        Ok(names)
    }

    /// Lists every workflow name with its versions (as summaries, ascending).
    ///
    /// `GET /metadata/workflow/names-and-versions` (OSS-only).
    ///
    /// # Errors
    ///
    /// As [`get_all_workflow_defs`](Self::get_all_workflow_defs).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow_names_and_versions = client.metadata_client()
    ///     .get_workflow_names_and_versions()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflow_names_and_versions(
        &self,
    ) -> Result<HashMap<String, Vec<WorkflowDefSummary>>> {
        self.api
            .get("/metadata/workflow/names-and-versions")
            .send_json()
            .await
    }

    // ----------------------------------------------------------------------------------------
    // Task definitions
    // ----------------------------------------------------------------------------------------

    /// Registers a task definition (an upsert on OSS: an existing definition is replaced).
    ///
    /// `POST /metadata/taskdefs` with a one-element JSON array.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an invalid definition (e.g. `responseTimeoutSeconds`
    /// above `timeoutSeconds`); [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::TaskDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(task_def: TaskDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().register_task_def(&task_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_task_def(&self, task_def: &TaskDef) -> Result<()> {
        self.register_task_defs(std::slice::from_ref(task_def))
            .await
    }

    /// Registers several task definitions in one request (upserts on OSS).
    ///
    /// `POST /metadata/taskdefs` with the definitions as a JSON array.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 400 for an empty list or an invalid definition;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::TaskDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(task_defs: Vec<TaskDef>) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().register_task_defs(&task_defs).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_task_defs(&self, task_defs: &[TaskDef]) -> Result<()> {
        debug!(count = task_defs.len(), "registering task definitions");
        self.api
            .post("/metadata/taskdefs")
            .json_body(task_defs)?
            .idempotent(true)
            .send_empty()
            .await
    }

    /// Updates an existing task definition.
    ///
    /// `PUT /metadata/taskdefs` with the definition as JSON.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when no definition has that name, 400 when it is invalid;
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// # use conductor_client::models::TaskDef;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(task_def: TaskDef) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().update_task_def(&task_def).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_task_def(&self, task_def: &TaskDef) -> Result<()> {
        self.api
            .put("/metadata/taskdefs")
            .json_body(task_def)?
            .send_empty()
            .await
    }

    /// Reads a task definition.
    ///
    /// `GET /metadata/taskdefs/{taskType}`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when it does not exist ([`ConductorError::is_not_found`]);
    /// [`ConductorError::Http`] / [`ConductorError::Server`] / [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let task_def = client.metadata_client().get_task_def("order_fulfillment").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_task_def(&self, name: &str) -> Result<TaskDef> {
        self.api
            .get(format!("/metadata/taskdefs/{}", encode_segment(name)))
            .send_json()
            .await
    }

    /// Whether a task definition exists.
    ///
    /// `GET /metadata/taskdefs/{taskType}`: 404 gives `false`.
    ///
    /// # Errors
    ///
    /// Any error other than "not found".
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let exists = client.metadata_client().task_def_exists("order_fulfillment").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn task_def_exists(&self, name: &str) -> Result<bool> {
        exists(self.get_task_def(name).await)
    }

    /// Lists every task definition.
    ///
    /// `GET /metadata/taskdefs`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`] / [`ConductorError::Api`] / [`ConductorError::Server`] /
    /// [`ConductorError::Decode`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let all_task_defs = client.metadata_client().get_all_task_defs().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_all_task_defs(&self) -> Result<Vec<TaskDef>> {
        self.api.get("/metadata/taskdefs").send_json().await
    }

    /// Deletes a task definition.
    ///
    /// `DELETE /metadata/taskdefs/{taskType}`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`] 404 when it does not exist (SQL-backed conductor-oss answers 500
    /// `No such task definition`, reported as this 404 with the server's body in `response`);
    /// [`ConductorError::Http`] / [`ConductorError::Server`].
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.metadata_client().delete_task_def("order_fulfillment").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_task_def(&self, name: &str) -> Result<()> {
        self.api
            .delete(format!("/metadata/taskdefs/{}", encode_segment(name)))
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }
}

/// `Ok(true)` for a found resource, `Ok(false)` for "not found", the error otherwise.
fn exists<T>(lookup: Result<T>) -> Result<bool> {
    match lookup {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error),
    }
}
