//! [`EventClient`]: event handlers (`/event`) and the admin view of the server's default event
//! queues (`/queue`).

use std::collections::HashMap;

use conductor_http::{ApiClient, Result, encode_segment};
use conductor_models::{EventHandler, TaskStatus};
use serde::Serialize;

use crate::compat;
use crate::util::json_object;

/// Client for event handlers (`/api/event`) and the default event queues (`/api/queue`).
///
/// Event handlers react to messages on an event queue (`conductor:{workflow}:{event}`, `sqs:...`,
/// `kafka:...`) with actions: start a workflow, complete or fail a task, terminate a workflow,
/// update variables. Cheap to clone, `Send + Sync`.
///
/// ```no_run
/// use conductor_client::{ConductorClient, Configuration};
///
/// # async fn run() -> conductor_client::Result<()> {
/// let events = ConductorClient::new(Configuration::from_env())?.event_client();
/// for handler in events.get_event_handlers_for_event("conductor:orders:paid", true).await? {
///     events.delete_event_handler(&handler.name).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EventClient {
    api: ApiClient,
}

impl EventClient {
    /// An event client on `api`.
    ///
    /// ```
    /// use conductor_client::{ApiClient, Configuration, EventClient};
    ///
    /// let api = ApiClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let events = EventClient::new(api);
    /// assert_eq!(events.api_client().server_url(), "http://localhost:8080/api");
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
    /// assert_eq!(client.event_client().api_client().server_url(), "http://localhost:8080/api");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn api_client(&self) -> &ApiClient {
        &self.api
    }

    /// Registers a new event handler. Note that [`EventHandler::active`] defaults to `false`:
    /// an inactive handler never fires.
    ///
    /// `POST /event` with the handler as JSON. OSS takes one handler per request; Orkes expects
    /// a JSON array of handlers on this endpoint. Idempotent (a duplicate is refused).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 409 when a handler with that name
    /// exists (SQL-backed conductor-oss answers 500 `EventHandler with name {name} already
    /// exists!` on every version; the SDK reports it as this 409, keeping the server's body in
    /// `response`), 400 for a missing name, event or action;
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server).
    ///
    /// ```no_run
    /// # use conductor_client::models::EventHandler;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(handler: EventHandler) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.event_client().register_event_handler(&handler).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register_event_handler(&self, handler: &EventHandler) -> Result<()> {
        self.api
            .post("/event")
            .json_body(handler)?
            .idempotent(true)
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }

    /// Replaces an existing event handler (matched by name).
    ///
    /// `PUT /event` with the handler as JSON.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 404 when no handler has that name
    /// (SQL-backed conductor-oss answers 500 `EventHandler with name {name} not found!`,
    /// reported as this 404);
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server).
    ///
    /// ```no_run
    /// # use conductor_client::models::EventHandler;
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run(handler: EventHandler) -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.event_client().update_event_handler(&handler).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_event_handler(&self, handler: &EventHandler) -> Result<()> {
        self.api
            .put("/event")
            .json_body(handler)?
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }

    /// Deletes the event handler called `name`.
    ///
    /// `DELETE /event/{name}` (by handler **name**, whereas
    /// [`get_event_handlers_for_event`](Self::get_event_handlers_for_event) matches the
    /// **event**).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Api`](crate::ConductorError::Api) 404 when it does not exist (500
    /// `EventHandler with name {name} not found!` from SQL-backed conductor-oss, reported as
    /// this 404); [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Server`](crate::ConductorError::Server).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.event_client().delete_event_handler("order_fulfillment").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_event_handler(&self, name: &str) -> Result<()> {
        self.api
            .delete(format!("/event/{}", encode_segment(name)))
            .send_empty()
            .await
            .map_err(compat::restore_wrapped_status)
    }

    /// Lists every event handler.
    ///
    /// `GET /event`.
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
    /// let event_handlers = client.event_client().get_event_handlers().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_event_handlers(&self) -> Result<Vec<EventHandler>> {
        self.api.get("/event").send_json().await
    }

    /// Lists the handlers listening to `event` (e.g. `conductor:orders:paid`, `sqs:my_queue`),
    /// only the active ones when `active_only`.
    ///
    /// `GET /event/{event}?activeOnly=`.
    ///
    /// # Errors
    ///
    /// As [`get_event_handlers`](Self::get_event_handlers).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let event_handlers_for_event = client.event_client()
    ///     .get_event_handlers_for_event("kafka:orders", true)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_event_handlers_for_event(
        &self,
        event: &str,
        active_only: bool,
    ) -> Result<Vec<EventHandler>> {
        self.api
            .get(format!("/event/{}", encode_segment(event)))
            .query("activeOnly", active_only)
            .send_json()
            .await
    }

    /// Reads the size of each of the server's default event queues (queue name → messages).
    ///
    /// `GET /queue/size` (OSS `QueueAdminResource`).
    ///
    /// # Errors
    ///
    /// As [`get_event_handlers`](Self::get_event_handlers).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let event_queue_sizes = client.event_client().get_event_queue_sizes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_event_queue_sizes(&self) -> Result<HashMap<String, i64>> {
        self.api.get("/queue/size").send_json().await
    }

    /// Reads the names of the server's default event queues, keyed by the task status each
    /// queue carries (`COMPLETED`, `FAILED`...).
    ///
    /// `GET /queue/` (OSS `QueueAdminResource`; note the trailing slash).
    ///
    /// # Errors
    ///
    /// As [`get_event_handlers`](Self::get_event_handlers).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let event_queue_names = client.event_client().get_event_queue_names().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_event_queue_names(&self) -> Result<HashMap<String, String>> {
        self.api.get("/queue/").send_json().await
    }

    /// Publishes a message on the default event queue that sets the `WAIT` / `HUMAN` task
    /// `task_ref_name` of a workflow to `status` with `output`; the server applies it
    /// asynchronously.
    ///
    /// `POST /queue/update/{workflowId}/{taskRefName}/{status}` with `output` as a JSON object
    /// (OSS-only). The server merges `output` (plus an `externalId` key naming the task) into the
    /// first non-terminal task with that reference; a message for an unknown workflow or task is
    /// dropped by the server after this call returned. Not idempotent.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`](crate::ConductorError::Json) when `output` is not a JSON object;
    /// [`ConductorError::Api`](crate::ConductorError::Api) 400 when the server has no default
    /// queue for `status` (the queue modules OSS ships have one for `COMPLETED` and one for
    /// `FAILED`; a server with no default queue configured has none);
    /// [`ConductorError::Http`](crate::ConductorError::Http) /
    /// [`ConductorError::Api`](crate::ConductorError::Api) /
    /// [`ConductorError::Server`](crate::ConductorError::Server).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskStatus;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.event_client()
    ///     .publish_task_update(
    ///         "8c2f1e6a-workflow-id",
    ///         "approval_ref",
    ///         TaskStatus::Completed,
    ///         &json!({"approved": true}),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_task_update<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        task_ref_name: &str,
        status: TaskStatus,
        output: &O,
    ) -> Result<()> {
        let body = json_object(output, "task output")?;
        self.api
            .post(format!(
                "/queue/update/{}/{}/{}",
                encode_segment(workflow_id),
                encode_segment(task_ref_name),
                encode_segment(status.as_str())
            ))
            .json_body(&body)?
            .idempotent(false)
            .send_empty()
            .await
    }

    /// Like [`publish_task_update`](Self::publish_task_update), addressing the task by id.
    ///
    /// `POST /queue/update/{workflowId}/task/{taskId}/{status}` (OSS-only). Not idempotent.
    ///
    /// # Errors
    ///
    /// As [`publish_task_update`](Self::publish_task_update).
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, Configuration};
    /// use conductor_client::models::TaskStatus;
    /// use serde_json::json;
    ///
    /// # async fn run() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// client.event_client()
    ///     .publish_task_update_by_id(
    ///         "8c2f1e6a-workflow-id",
    ///         "4d7a9b10-task-id",
    ///         TaskStatus::Completed,
    ///         &json!({"approved": true}),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_task_update_by_id<O: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        task_id: &str,
        status: TaskStatus,
        output: &O,
    ) -> Result<()> {
        let body = json_object(output, "task output")?;
        self.api
            .post(format!(
                "/queue/update/{}/task/{}/{}",
                encode_segment(workflow_id),
                encode_segment(task_id),
                encode_segment(status.as_str())
            ))
            .json_body(&body)?
            .idempotent(false)
            .send_empty()
            .await
    }
}
