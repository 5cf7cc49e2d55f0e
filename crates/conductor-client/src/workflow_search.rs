//! Workflow lookups that return many executions: searches (summaries, full workflows, by task
//! fields), correlation-id lookups, running workflow ids, external storage locations.

use std::collections::HashMap;

use conductor_http::{Result, encode_segment};
use conductor_models::TaskSummary;
use conductor_models::{
    ExternalStorageLocation, PayloadOperation, PayloadType, SearchResult, Workflow, WorkflowSummary,
};

use crate::WorkflowClient;
use crate::compat::{self, SEARCH_V2};
use crate::options::{CorrelationOptions, RunningWorkflowsOptions};
use crate::search::SearchQuery;
use crate::util::{id_list, observe_external_payload};

impl WorkflowClient {
    /// Searches workflow executions; the hits are [`WorkflowSummary`]s (times as strings,
    /// input/output as strings).
    ///
    /// `GET /workflow/search?start=&size=&sort=&freeText=&query=&classifier=&topLevelOnly=`
    /// (only the parameters set in `query` are sent). OSS answers 400 for `size` above 5000.
    /// Orkes answers a scrollable result whose `results` / `totalHits` decode the same.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration, SearchQuery};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let workflows = ConductorClient::new(Configuration::from_env())?.workflow_client();
    /// let page = workflows
    ///     .search_workflows(
    ///         &SearchQuery::new()
    ///             .query("status = 'RUNNING'")
    ///             .free_text("*")
    ///             .sort("startTime:DESC")
    ///             .start(0)
    ///             .size(20),
    ///     )
    ///     .await?;
    /// assert!(page.results.len() <= 20);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 400 for an invalid size or query;
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode).
    pub async fn search_workflows(
        &self,
        query: &SearchQuery,
    ) -> Result<SearchResult<WorkflowSummary>> {
        query
            .apply_workflow_search(self.api.get("/workflow/search"))
            .send_json()
            .await
    }

    /// Searches workflow executions, returning full [`Workflow`]s.
    ///
    /// `GET /workflow/search-v2?start=&size=&sort=&freeText=&query=&classifier=&topLevelOnly=`
    /// (OSS-only endpoint). The server runs the summary search and reads each hit (without its
    /// tasks); where its index cannot search by id (the SQLite index before conductor-oss 3.23.0
    /// answers 500 `... because "result" is null`) the SDK does the same from the client:
    /// [`search_workflows`](Self::search_workflows), then `GET /workflow/{id}?includeTasks=false`
    /// per hit (up to 8 at once), leaving out workflows that no longer exist. Detected once per
    /// client.
    ///
    /// # Errors
    ///
    /// As [`search_workflows`](Self::search_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::SearchQuery;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows = client.workflow_client()
    ///     .search_workflows_v2(&SearchQuery::new().query("status IN (FAILED)").size(20))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_workflows_v2(&self, query: &SearchQuery) -> Result<SearchResult<Workflow>> {
        let native = compat::attempt(
            &self.api,
            &SEARCH_V2,
            compat::is_search_v2_unsupported,
            || {
                query
                    .apply_workflow_search(self.api.get("/workflow/search-v2"))
                    .send_json()
            },
        )
        .await?;
        if let Some(found) = native {
            return Ok(found);
        }
        let summaries = self.search_workflows(query).await?;
        let paths = summaries
            .results
            .iter()
            .map(|summary| workflow_path(&summary.workflow_id))
            .collect();
        compat::fetch_each(&self.api, summaries.total_hits, paths).await
    }

    /// Searches workflow executions by the fields of their tasks (the `query` is evaluated
    /// against the task index); hits are [`WorkflowSummary`]s.
    ///
    /// `GET /workflow/search-by-tasks?start=&size=&sort=&freeText=&query=` (OSS-only; the
    /// workflow-only `classifier` / `topLevelOnly` are not sent).
    ///
    /// # Errors
    ///
    /// As [`search_workflows`](Self::search_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::SearchQuery;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_tasks = client.workflow_client()
    ///     .search_workflows_by_tasks(&SearchQuery::new().query("status IN (FAILED)").size(20))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_workflows_by_tasks(
        &self,
        query: &SearchQuery,
    ) -> Result<SearchResult<WorkflowSummary>> {
        query
            .apply(self.api.get("/workflow/search-by-tasks"))
            .send_json()
            .await
    }

    /// Searches workflow executions by the fields of their tasks, returning full [`Workflow`]s.
    ///
    /// `GET /workflow/search-by-tasks-v2?start=&size=&sort=&freeText=&query=` (OSS-only). Where
    /// the index cannot search by id (SQLite before conductor-oss 3.23.0) the SDK runs the
    /// server's algorithm itself: `GET /tasks/search`, then the workflow of each hit
    /// (`includeTasks=false`), without duplicates.
    ///
    /// # Errors
    ///
    /// As [`search_workflows`](Self::search_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::SearchQuery;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_tasks = client.workflow_client()
    ///     .search_workflows_by_tasks_v2(&SearchQuery::new().query("status IN (FAILED)").size(20))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search_workflows_by_tasks_v2(
        &self,
        query: &SearchQuery,
    ) -> Result<SearchResult<Workflow>> {
        let native = compat::attempt(
            &self.api,
            &SEARCH_V2,
            compat::is_search_v2_unsupported,
            || {
                query
                    .apply(self.api.get("/workflow/search-by-tasks-v2"))
                    .send_json()
            },
        )
        .await?;
        if let Some(found) = native {
            return Ok(found);
        }
        // The server's algorithm: search tasks, read each hit's workflow, drop duplicates.
        let tasks: SearchResult<TaskSummary> = query
            .apply(self.api.get("/tasks/search"))
            .send_json()
            .await?;
        let paths = tasks
            .results
            .iter()
            .map(|summary| workflow_path(&summary.workflow_id))
            .collect();
        let mut found: SearchResult<Workflow> =
            compat::fetch_each(&self.api, tasks.total_hits, paths).await?;
        let mut seen = std::collections::HashSet::new();
        found
            .results
            .retain(|workflow| seen.insert(workflow.workflow_id.clone()));
        Ok(found)
    }

    /// Lists the running executions of workflow `name` that carry `correlation_id` (without
    /// tasks).
    ///
    /// `GET /workflow/{name}/correlated/{correlationId}?includeClosed=false&includeTasks=false`.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Api`](crate::ConductorError::Api) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_correlation_id = client.workflow_client()
    ///     .get_workflows_by_correlation_id("order_fulfillment", "order-42")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_correlation_id(
        &self,
        name: &str,
        correlation_id: &str,
    ) -> Result<Vec<Workflow>> {
        self.get_workflows_by_correlation_id_with(name, correlation_id, &CorrelationOptions::new())
            .await
    }

    /// Lists the executions of workflow `name` that carry `correlation_id`, optionally with
    /// terminal ones and with tasks.
    ///
    /// `GET /workflow/{name}/correlated/{correlationId}?includeClosed=&includeTasks=`.
    ///
    /// # Errors
    ///
    /// As [`get_workflows_by_correlation_id`](Self::get_workflows_by_correlation_id).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::CorrelationOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_correlation_id = client.workflow_client()
    ///     .get_workflows_by_correlation_id_with("order_fulfillment", "order-42", &CorrelationOptions::new().include_closed(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_correlation_id_with(
        &self,
        name: &str,
        correlation_id: &str,
        options: &CorrelationOptions,
    ) -> Result<Vec<Workflow>> {
        let request = self.api.get(format!(
            "/workflow/{}/correlated/{}",
            encode_segment(name),
            encode_segment(correlation_id)
        ));
        options.apply(request).send_json().await
    }

    /// Looks up several correlation ids at once: correlation id → running executions of
    /// workflow `name` (without tasks).
    ///
    /// `POST /workflow/{name}/correlated?includeClosed=false&includeTasks=false` with the ids
    /// as a JSON array. Read-only, so marked idempotent.
    ///
    /// # Errors
    ///
    /// As [`get_workflows_by_correlation_id`](Self::get_workflows_by_correlation_id).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_correlation_ids = client.workflow_client()
    ///     .get_workflows_by_correlation_ids("order_fulfillment", &["order-42", "order-43"])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_correlation_ids<S: AsRef<str>>(
        &self,
        name: &str,
        correlation_ids: &[S],
    ) -> Result<HashMap<String, Vec<Workflow>>> {
        self.get_workflows_by_correlation_ids_with(
            name,
            correlation_ids,
            &CorrelationOptions::new(),
        )
        .await
    }

    /// Looks up several correlation ids at once, optionally with terminal executions and tasks.
    ///
    /// `POST /workflow/{name}/correlated?includeClosed=&includeTasks=` with the ids as a JSON
    /// array.
    ///
    /// # Errors
    ///
    /// As [`get_workflows_by_correlation_id`](Self::get_workflows_by_correlation_id).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::CorrelationOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_correlation_ids = client.workflow_client()
    ///     .get_workflows_by_correlation_ids_with(
    ///         "order_fulfillment",
    ///         &["order-42", "order-43"],
    ///         &CorrelationOptions::new().include_closed(true),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_correlation_ids_with<S: AsRef<str>>(
        &self,
        name: &str,
        correlation_ids: &[S],
        options: &CorrelationOptions,
    ) -> Result<HashMap<String, Vec<Workflow>>> {
        let request = self
            .api
            .post(format!("/workflow/{}/correlated", encode_segment(name)))
            .json_body(&id_list(correlation_ids))?
            .idempotent(true);
        options.apply(request).send_json().await
    }

    /// Lists the ids of the `RUNNING` executions of workflow `name`, of definition `version`.
    ///
    /// `GET /workflow/running/{name}?version=`. With `version: None` nothing is sent and **OSS
    /// uses version 1, not the latest version**: pass the version you mean.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Api`](crate::ConductorError::Api) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let running_workflows = client.workflow_client()
    ///     .get_running_workflows("order_fulfillment", Some(1))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_running_workflows(
        &self,
        name: &str,
        version: Option<i32>,
    ) -> Result<Vec<String>> {
        let mut options = RunningWorkflowsOptions::new();
        if let Some(version) = version {
            options = options.version(version);
        }
        self.get_running_workflows_with(name, &options).await
    }

    /// Lists the ids of running executions of workflow `name`, optionally restricted to a start
    /// time window.
    ///
    /// `GET /workflow/running/{name}?version=&startTime=&endTime=`.
    ///
    /// # Errors
    ///
    /// As [`get_running_workflows`](Self::get_running_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RunningWorkflowsOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let running_workflows = client.workflow_client()
    ///     .get_running_workflows_with("order_fulfillment", &RunningWorkflowsOptions::new().version(1))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_running_workflows_with(
        &self,
        name: &str,
        options: &RunningWorkflowsOptions,
    ) -> Result<Vec<String>> {
        let request = self
            .api
            .get(format!("/workflow/running/{}", encode_segment(name)));
        options.apply(request).send_json().await
    }

    /// Asks where a workflow payload of `payload_type` (`WORKFLOW_INPUT` / `WORKFLOW_OUTPUT`)
    /// should be read from or written to (`operation`: `READ` / `WRITE`) in external payload
    /// storage.
    ///
    /// `GET /workflow/externalstoragelocation?path=&operation=&payloadType=`. Only useful when
    /// the server has external payload storage configured; without it (OSS's default dummy
    /// storage) the answer has no `uri`, only a `path` made of `path`, a UUID and `.json`.
    /// `operation` and `payload_type` are read case-insensitively.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 400 for an unknown operation or
    /// payload type (OSS's `IllegalArgumentException`);
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let external_storage_location = client.workflow_client()
    ///     .get_external_storage_location("payloads/input.json", "WRITE", "WORKFLOW_INPUT")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_external_storage_location(
        &self,
        path: &str,
        operation: &str,
        payload_type: &str,
    ) -> Result<ExternalStorageLocation> {
        let outcome = self
            .api
            .get("/workflow/externalstoragelocation")
            .query("path", path)
            .query("operation", operation)
            .query("payloadType", payload_type)
            .send_json()
            .await;
        observe_external_payload(&self.api, "workflow", operation, payload_type, outcome)
    }

    /// [`get_external_storage_location`](Self::get_external_storage_location) with typed
    /// `operation` and `payload_type`, so a misspelt one cannot reach the server.
    ///
    /// # Errors
    ///
    /// As [`get_external_storage_location`](Self::get_external_storage_location).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::{PayloadOperation, PayloadType};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let location = client.workflow_client()
    ///     .get_external_storage_location_for(
    ///         "payloads/input.json",
    ///         PayloadOperation::Write,
    ///         PayloadType::WorkflowInput,
    ///     )
    ///     .await?;
    /// # let _ = location;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_external_storage_location_for(
        &self,
        path: &str,
        operation: PayloadOperation,
        payload_type: PayloadType,
    ) -> Result<ExternalStorageLocation> {
        self.get_external_storage_location(path, operation.as_str(), payload_type.as_str())
            .await
    }
}

/// `GET /workflow/{id}?includeTasks=false`, what the server reads for each hit of a v2 search.
fn workflow_path(workflow_id: &str) -> String {
    format!(
        "/workflow/{}?includeTasks=false",
        encode_segment(workflow_id)
    )
}
