//! Bulk workflow operations (`/workflow/bulk/*`): pause, resume, restart, retry, terminate,
//! remove, terminate-remove and look up many workflows in one request.
//!
//! Every call takes 1 to 1000 workflow ids (OSS answers 400 outside that range) and returns a
//! [`BulkResponse`]: the ids that succeeded in `bulk_successful_results` and id → error message
//! in `bulk_error_results`. A failure for one id never fails the whole call.

use conductor_http::{ApiRequest, Result};
use conductor_models::{BulkResponse, Workflow};

use crate::WorkflowClient;
use crate::options::{
    GetWorkflowOptions, RemoveOptions, RestartOptions, TerminateOptions, TerminateRemoveOptions,
};
use crate::util::id_list;

impl WorkflowClient {
    /// Pauses many workflows.
    ///
    /// `PUT /workflow/bulk/pause` with the ids as a JSON array. Idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 400 for an empty list or more than
    /// 1000 ids; [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server) /
    /// [`ConductorError::Decode`](crate::ConductorError::Decode). Per-workflow failures are in
    /// the response, not errors.
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let pause_workflows = client.workflow_client().pause_workflows(&["wf-1", "wf-2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pause_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<String>> {
        send_ids(self.api.put("/workflow/bulk/pause"), workflow_ids, true).await
    }

    /// Resumes many paused workflows.
    ///
    /// `PUT /workflow/bulk/resume` with the ids as a JSON array. Idempotent.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let resume_workflows = client.workflow_client().resume_workflows(&["wf-1", "wf-2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resume_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<String>> {
        send_ids(self.api.put("/workflow/bulk/resume"), workflow_ids, true).await
    }

    /// Restarts many terminal workflows with the definitions they ran with.
    ///
    /// `POST /workflow/bulk/restart?useLatestDefinitions=false` with the ids as a JSON array.
    /// Not idempotent.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let restart_workflows = client.workflow_client()
    ///     .restart_workflows(&["wf-1", "wf-2"])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<String>> {
        self.restart_workflows_with(workflow_ids, &RestartOptions::new())
            .await
    }

    /// Restarts many terminal workflows, optionally with the latest definitions.
    ///
    /// `POST /workflow/bulk/restart?useLatestDefinitions=` with the ids as a JSON array.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RestartOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let restart_workflows = client.workflow_client()
    ///     .restart_workflows_with(&["wf-1", "wf-2"], &RestartOptions::new().use_latest_definitions(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_workflows_with<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        options: &RestartOptions,
    ) -> Result<BulkResponse<String>> {
        let request = options.apply(self.api.post("/workflow/bulk/restart"));
        send_ids(request, workflow_ids, false).await
    }

    /// Retries many failed workflows from their last failed task.
    ///
    /// `POST /workflow/bulk/retry` with the ids as a JSON array. Not idempotent.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let retry_workflows = client.workflow_client().retry_workflows(&["wf-1", "wf-2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn retry_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<String>> {
        send_ids(self.api.post("/workflow/bulk/retry"), workflow_ids, false).await
    }

    /// Terminates many workflows.
    ///
    /// `POST /workflow/bulk/terminate?reason=&triggerFailureWorkflow=false` with the ids as a
    /// JSON array. Idempotent (terminating twice is a no-op).
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let terminate_workflows = client.workflow_client()
    ///     .terminate_workflows(&["wf-1", "wf-2"], Some("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        reason: Option<&str>,
    ) -> Result<BulkResponse<String>> {
        let mut options = TerminateOptions::new();
        if let Some(reason) = reason {
            options = options.reason(reason);
        }
        self.terminate_workflows_with(workflow_ids, &options).await
    }

    /// Terminates many workflows with a reason and, on Orkes, optionally their failure
    /// workflows.
    ///
    /// `POST /workflow/bulk/terminate?reason=&triggerFailureWorkflow=` (OSS ignores
    /// `triggerFailureWorkflow`).
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::TerminateOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let terminate_workflows = client.workflow_client()
    ///     .terminate_workflows_with(&["wf-1", "wf-2"], &TerminateOptions::new().reason("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_workflows_with<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        options: &TerminateOptions,
    ) -> Result<BulkResponse<String>> {
        let request = options.apply(self.api.post("/workflow/bulk/terminate"));
        send_ids(request, workflow_ids, true).await
    }

    /// Deletes many workflow executions, archiving them.
    ///
    /// `DELETE /workflow/bulk/remove?archiveWorkflow=true` with the ids as a JSON array (a
    /// DELETE with a body). OSS-only: Orkes deletes in bulk with `POST /workflow/bulk/delete`.
    /// Idempotent.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let delete_workflows = client.workflow_client().delete_workflows(&["wf-1", "wf-2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<String>> {
        self.delete_workflows_with(workflow_ids, &RemoveOptions::new())
            .await
    }

    /// Deletes many workflow executions, archiving them or not.
    ///
    /// `DELETE /workflow/bulk/remove?archiveWorkflow=` with the ids as a JSON array.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::RemoveOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let delete_workflows = client.workflow_client()
    ///     .delete_workflows_with(&["wf-1", "wf-2"], &RemoveOptions::new().archive(true))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_workflows_with<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        options: &RemoveOptions,
    ) -> Result<BulkResponse<String>> {
        let request = options.apply(self.api.delete("/workflow/bulk/remove"));
        send_ids(request, workflow_ids, true).await
    }

    /// Terminates (when running) and deletes many workflows, archiving them.
    ///
    /// `DELETE /workflow/bulk/terminate-remove?reason=&archiveWorkflow=true` with the ids as a
    /// JSON array (OSS-only). Idempotent.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let terminate_remove_workflows = client.workflow_client()
    ///     .terminate_remove_workflows(&["wf-1", "wf-2"], Some("cancelled by operator"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_remove_workflows<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        reason: Option<&str>,
    ) -> Result<BulkResponse<String>> {
        let mut options = TerminateRemoveOptions::new();
        if let Some(reason) = reason {
            options = options.reason(reason);
        }
        self.terminate_remove_workflows_with(workflow_ids, &options)
            .await
    }

    /// Terminates and deletes many workflows, with a reason and the archive choice.
    ///
    /// `DELETE /workflow/bulk/terminate-remove?reason=&archiveWorkflow=`.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::TerminateRemoveOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let terminate_remove_workflows = client.workflow_client()
    ///     .terminate_remove_workflows_with(&["wf-1", "wf-2"], &TerminateRemoveOptions::new().reason("cleanup"))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn terminate_remove_workflows_with<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        options: &TerminateRemoveOptions,
    ) -> Result<BulkResponse<String>> {
        let request = options.apply(self.api.delete("/workflow/bulk/terminate-remove"));
        send_ids(request, workflow_ids, true).await
    }

    /// Reads many workflows by id in one request (with their tasks); unknown ids land in
    /// `bulk_error_results`.
    ///
    /// `POST /workflow/bulk/search?includeTasks=true` with the ids as a JSON array (OSS-only).
    /// Read-only, so marked idempotent. OSS answers its **internal** workflow model here, which
    /// differs from [`Workflow`]: it has `updatedTime` instead of `updateTime` (so
    /// `update_time` stays `None`) and no derived `startTime` (use `create_time`), and its tasks
    /// are the internal task model; the other fields decode normally.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_ids = client.workflow_client()
    ///     .get_workflows_by_ids(&["wf-1", "wf-2"])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_ids<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
    ) -> Result<BulkResponse<Workflow>> {
        self.get_workflows_by_ids_with(workflow_ids, &GetWorkflowOptions::new())
            .await
    }

    /// Reads many workflows by id in one request, with or without their tasks.
    ///
    /// `POST /workflow/bulk/search?includeTasks=` with the ids as a JSON array.
    ///
    /// # Errors
    ///
    /// As [`pause_workflows`](Self::pause_workflows).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::GetWorkflowOptions;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflows_by_ids = client.workflow_client()
    ///     .get_workflows_by_ids_with(&["wf-1", "wf-2"], &GetWorkflowOptions::new().include_tasks(false))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_workflows_by_ids_with<S: AsRef<str>>(
        &self,
        workflow_ids: &[S],
        options: &GetWorkflowOptions,
    ) -> Result<BulkResponse<Workflow>> {
        let request = options.apply(self.api.post("/workflow/bulk/search"));
        send_ids(request, workflow_ids, true).await
    }
}

/// Sends `workflow_ids` as the JSON array body of `request` and decodes the bulk answer.
async fn send_ids<S, T>(
    request: ApiRequest,
    workflow_ids: &[S],
    idempotent: bool,
) -> Result<BulkResponse<T>>
where
    S: AsRef<str>,
    T: serde::de::DeserializeOwned,
{
    request
        .json_body(&id_list(workflow_ids))?
        .idempotent(idempotent)
        .send_json()
        .await
}
