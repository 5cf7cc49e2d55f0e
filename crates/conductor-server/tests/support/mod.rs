//! Shared harness of the `client_*` API tests: a [`DevServer`] on a manual clock and a
//! `conductor-client` [`ConductorClient`] talking to it over real HTTP, plus helpers that register
//! definitions, start workflows and act as a worker.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::sync::Arc;
use std::time::Duration;

use conductor_client::models::{
    JsonMap, StartWorkflowRequest, Task, TaskResult, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_client::{
    ConductorClient, ConductorError, Configuration, EventClient, MetadataClient, RetryPolicy,
    TaskClient, WorkflowClient,
};
use conductor_server::{Clock, DevServer, ManualClock};
use serde_json::Value;

/// The manual clock's start: 2023-11-14T22:13:20Z.
pub const EPOCH_MILLIS: i64 = 1_700_000_000_000;

/// The worker id the helpers poll with.
pub const WORKER: &str = "worker-1";

/// A server and a client for it.
pub struct Env {
    pub server: DevServer,
    pub clock: Arc<ManualClock>,
    pub client: ConductorClient,
    pub tasks: TaskClient,
    pub workflows: WorkflowClient,
    pub metadata: MetadataClient,
    pub events: EventClient,
}

impl Env {
    /// Starts a server on a manual clock (no background sweeper) and a client with HTTP-layer
    /// retries off, so every call is exactly one request.
    pub async fn start() -> Env {
        let clock = Arc::new(ManualClock::new(EPOCH_MILLIS));
        let server = DevServer::builder()
            .manual_clock(clock.clone())
            .start()
            .await
            .expect("the dev server starts");
        let config = Configuration::new(server.url()).with_retry_policy(RetryPolicy::none());
        let client = ConductorClient::new(config).expect("the client builds");
        Env {
            tasks: client.task_client(),
            workflows: client.workflow_client(),
            metadata: client.metadata_client(),
            events: client.event_client(),
            client,
            server,
            clock,
        }
    }

    /// The server's current time (epoch milliseconds).
    pub fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Moves the server's clock forward (and wakes its long polls).
    pub fn advance(&self, by: Duration) {
        assert!(self.server.advance(by), "the server runs on a manual clock");
    }

    /// Registers `def`.
    pub async fn register(&self, def: &WorkflowDef) {
        self.metadata
            .register_workflow_def(def)
            .await
            .unwrap_or_else(|e| panic!("registering {}: {e}", def.name));
    }

    /// Registers workflow `name` (version 1) running one `SIMPLE` task per type in order, with
    /// references `{type}_ref`; each task gets the workflow input `x` as its input `x`.
    pub async fn register_linear(&self, name: &str, task_types: &[&str]) -> WorkflowDef {
        let def = linear_def(name, task_types);
        self.register(&def).await;
        def
    }

    /// Starts the latest version of `name` with `input`.
    pub async fn start_with(&self, name: &str, input: Value) -> String {
        self.workflows
            .start_workflow(&StartWorkflowRequest::new(name).with_input(object(input)))
            .await
            .unwrap_or_else(|e| panic!("starting {name}: {e}"))
    }

    /// Starts the latest version of `name` with an empty input.
    pub async fn start_workflow(&self, name: &str) -> String {
        self.start_with(name, serde_json::json!({})).await
    }

    /// Polls one task of `task_type` as [`WORKER`]; fails the test when none is queued.
    pub async fn poll(&self, task_type: &str) -> Task {
        self.tasks
            .poll_task(task_type, Some(WORKER), None)
            .await
            .unwrap_or_else(|e| panic!("polling {task_type}: {e}"))
            .unwrap_or_else(|| panic!("no {task_type} task is queued"))
    }

    /// Completes `task` with `output`.
    pub async fn complete(&self, task: &Task, output: Value) {
        let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
            .with_output(object(output))
            .with_worker_id(WORKER);
        self.tasks
            .update_task(&result)
            .await
            .unwrap_or_else(|e| panic!("completing {}: {e}", task.reference_task_name));
    }

    /// Fails `task` (retryable) with `reason`.
    pub async fn fail(&self, task: &Task, reason: &str) {
        let result = TaskResult::failed(&task.task_id, &task.workflow_instance_id, reason)
            .with_worker_id(WORKER);
        self.tasks
            .update_task(&result)
            .await
            .unwrap_or_else(|e| panic!("failing {}: {e}", task.reference_task_name));
    }

    /// Polls one task of `task_type` and completes it with `output`.
    pub async fn work(&self, task_type: &str, output: Value) -> Task {
        let task = self.poll(task_type).await;
        self.complete(&task, output).await;
        task
    }

    /// The status of a workflow.
    pub async fn status_of(&self, workflow_id: &str) -> WorkflowStatus {
        self.workflows
            .get_workflow(workflow_id)
            .await
            .unwrap_or_else(|e| panic!("reading {workflow_id}: {e}"))
            .status
    }

    /// Starts `name` and fails its first task (of `task_type`) with no retries left, so the
    /// workflow ends `FAILED`.
    pub async fn start_failed(&self, name: &str, task_type: &str) -> String {
        let id = self.start_workflow(name).await;
        let task = self.poll(task_type).await;
        let result = TaskResult::failed_with_terminal_error(
            &task.task_id,
            &task.workflow_instance_id,
            "boom",
        );
        self.tasks.update_task(&result).await.expect("task failed");
        assert_eq!(self.status_of(&id).await, WorkflowStatus::Failed);
        id
    }
}

/// Workflow `name` (version 1) running one `SIMPLE` task per type in order, references
/// `{type}_ref`, each task's input `x` wired to the workflow input `x`.
pub fn linear_def(name: &str, task_types: &[&str]) -> WorkflowDef {
    WorkflowDef::new(name)
        .with_version(1)
        .with_tasks(task_types.iter().map(|task_type| {
            WorkflowTask::simple(*task_type, format!("{task_type}_ref"))
                .with_input_param("x", "${workflow.input.x}")
        }))
}

/// A JSON object value as a map; panics for anything else.
pub fn object(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}

/// The server's message of an error answer (the `ErrorResponse.message`), or the error's text.
pub fn message(error: &ConductorError) -> String {
    error
        .error_response()
        .and_then(|response| response.message.clone())
        .unwrap_or_else(|| error.to_string())
}

/// Asserts that `result` failed with HTTP `status` and a message containing `part`.
#[track_caller]
pub fn assert_status<T: std::fmt::Debug>(
    result: conductor_client::Result<T>,
    status: u16,
    part: &str,
) -> ConductorError {
    let error = match result {
        Ok(value) => panic!("expected HTTP {status}, got Ok({value:?})"),
        Err(error) => error,
    };
    assert_eq!(error.status(), Some(status), "{error:?}");
    assert!(
        message(&error).contains(part),
        "expected a message containing {part:?}, got {error:?}"
    );
    error
}
