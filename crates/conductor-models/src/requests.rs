//! Request bodies of the workflow API: `StartWorkflowRequest`, `RerunWorkflowRequest`,
//! `SkipTaskRequest`, `UpgradeWorkflowRequest`, `WorkflowTestRequest` and `TaskMock`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;
use crate::{IdempotencyStrategy, JsonMap, TaskResultStatus, WorkflowDef};

/// Starts a workflow (`POST /workflow`, `POST /workflow/execute/...`).
///
/// ```
/// use conductor_models::StartWorkflowRequest;
/// let request = StartWorkflowRequest::new("my_workflow")
///     .with_version(1)
///     .with_input_value("name", "John");
/// assert_eq!(
///     serde_json::to_value(&request).unwrap(),
///     serde_json::json!({"name": "my_workflow", "version": 1, "input": {"name": "John"},
///                        "taskToDomain": {}, "priority": 0})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct StartWorkflowRequest {
    /// Workflow name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Version; `None` = latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Workflow input.
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Task name (or `"*"`) → domain.
    #[serde(deserialize_with = "null_as_default")]
    pub task_to_domain: BTreeMap<String, String>,
    /// Inline definition, used instead of the registered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_def: Option<WorkflowDef>,
    /// External storage path of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// Priority, 0–99 (default 0).
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// Who starts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Idempotency key (server v3.21.0+; stored, not enforced, by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// What to do on a repeated idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_strategy: Option<IdempotencyStrategy>,
}

impl StartWorkflowRequest {
    /// Starts the latest version of `name` with an empty input.
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment");
    /// let json = serde_json::to_value(&request)?;
    /// assert_eq!(json["name"], "order_fulfillment");
    /// assert!(request.version.is_none()); // the latest version
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        StartWorkflowRequest {
            name: name.into(),
            ..StartWorkflowRequest::default()
        }
    }

    /// Sets the version.
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment").with_version(3);
    /// assert_eq!(serde_json::to_value(&request)?["version"], 3);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// Sets one input value (`value`: `&str`, numbers, `json!`...).
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment")
    ///     .with_input_value("orderId", "order-42")
    ///     .with_input_value("items", serde_json::json!(["sku-1", "sku-2"]));
    /// assert_eq!(
    ///     serde_json::to_value(&request)?["input"],
    ///     serde_json::json!({"orderId": "order-42", "items": ["sku-1", "sku-2"]})
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_input_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.input.insert(key.into(), value.into());
        self
    }

    /// Replaces the whole input.
    ///
    /// ```
    /// use conductor_models::{JsonMap, StartWorkflowRequest};
    ///
    /// let mut input = JsonMap::new();
    /// input.insert("orderId".to_owned(), "order-42".into());
    /// let request = StartWorkflowRequest::new("order_fulfillment").with_input(input.clone());
    /// assert_eq!(request.input, input);
    /// ```
    #[must_use]
    pub fn with_input(mut self, input: JsonMap) -> Self {
        self.input = input;
        self
    }

    /// Sets the correlation id.
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment").with_correlation_id("order-42");
    /// assert_eq!(serde_json::to_value(&request)?["correlationId"], "order-42");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Sets the priority (0–99).
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment").with_priority(90);
    /// assert_eq!(serde_json::to_value(&request)?["priority"], 90);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Maps a task name (or `"*"` for all) to a domain.
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// // Route every task to the "staging" workers, except `charge_card`.
    /// let request = StartWorkflowRequest::new("order_fulfillment")
    ///     .with_task_to_domain("*", "staging")
    ///     .with_task_to_domain("charge_card", "sandbox");
    /// assert_eq!(
    ///     serde_json::to_value(&request)?["taskToDomain"],
    ///     serde_json::json!({"*": "staging", "charge_card": "sandbox"})
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_task_to_domain(
        mut self,
        task: impl Into<String>,
        domain: impl Into<String>,
    ) -> Self {
        self.task_to_domain.insert(task.into(), domain.into());
        self
    }

    /// Runs an inline definition instead of a registered one (its name is used as the request name
    /// when none was given).
    ///
    /// ```
    /// use conductor_models::{StartWorkflowRequest, WorkflowDef, WorkflowTask};
    ///
    /// let definition = WorkflowDef::new("adhoc_greeting").with_task(WorkflowTask::simple("greet", "greet_ref"));
    /// let request = StartWorkflowRequest::default().with_workflow_def(definition);
    /// assert_eq!(request.name, "adhoc_greeting"); // taken from the definition
    /// assert!(request.workflow_def.is_some());
    /// ```
    #[must_use]
    pub fn with_workflow_def(mut self, definition: WorkflowDef) -> Self {
        if self.name.is_empty() {
            self.name = definition.name.clone();
        }
        self.workflow_def = Some(definition);
        self
    }

    /// Sets the idempotency key and strategy.
    ///
    /// ```
    /// use conductor_models::{IdempotencyStrategy, StartWorkflowRequest};
    ///
    /// // Starting twice for the same order returns the first execution's id.
    /// let request = StartWorkflowRequest::new("order_fulfillment")
    ///     .with_idempotency_key("order-42", IdempotencyStrategy::ReturnExisting);
    /// let json = serde_json::to_value(&request)?;
    /// assert_eq!(json["idempotencyKey"], "order-42");
    /// assert_eq!(json["idempotencyStrategy"], "RETURN_EXISTING");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_idempotency_key(
        mut self,
        key: impl Into<String>,
        strategy: IdempotencyStrategy,
    ) -> Self {
        self.idempotency_key = Some(key.into());
        self.idempotency_strategy = Some(strategy);
        self
    }

    /// Sets `createdBy`.
    ///
    /// ```
    /// use conductor_models::StartWorkflowRequest;
    ///
    /// let request = StartWorkflowRequest::new("order_fulfillment").with_created_by("checkout-service");
    /// assert_eq!(request.created_by.as_deref(), Some("checkout-service"));
    /// ```
    #[must_use]
    pub fn with_created_by(mut self, created_by: impl Into<String>) -> Self {
        self.created_by = Some(created_by.into());
        self
    }
}

/// Reruns a workflow from a task (`POST /workflow/{workflowId}/rerun`). All fields optional.
///
/// ```
/// use conductor_models::RerunWorkflowRequest;
///
/// let request = RerunWorkflowRequest {
///     re_run_from_task_id: Some("task-7".into()),
///     ..RerunWorkflowRequest::default()
/// };
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json, serde_json::json!({"reRunFromTaskId": "task-7"}));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct RerunWorkflowRequest {
    /// The execution to rerun. Wire name `reRunFromWorkflowId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub re_run_from_workflow_id: Option<String>,
    /// New workflow input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_input: Option<JsonMap>,
    /// Task to rerun from; `None` = from the beginning. Wire name `reRunFromTaskId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub re_run_from_task_id: Option<String>,
    /// New input of that task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_input: Option<JsonMap>,
    /// New correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl RerunWorkflowRequest {
    /// Reruns `workflow_id` from the beginning.
    ///
    /// ```
    /// use conductor_models::RerunWorkflowRequest;
    ///
    /// let request = RerunWorkflowRequest::new("wf-1");
    /// assert_eq!(serde_json::to_value(&request)?["reRunFromWorkflowId"], "wf-1");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(workflow_id: impl Into<String>) -> Self {
        RerunWorkflowRequest {
            re_run_from_workflow_id: Some(workflow_id.into()),
            ..Default::default()
        }
    }

    /// Reruns from task `task_id`.
    ///
    /// ```
    /// use conductor_models::RerunWorkflowRequest;
    ///
    /// let request = RerunWorkflowRequest::new("wf-1").from_task("task-7");
    /// assert_eq!(serde_json::to_value(&request)?["reRunFromTaskId"], "task-7");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn from_task(mut self, task_id: impl Into<String>) -> Self {
        self.re_run_from_task_id = Some(task_id.into());
        self
    }

    /// Replaces the workflow input.
    ///
    /// ```
    /// use conductor_models::{JsonMap, RerunWorkflowRequest};
    ///
    /// let mut input = JsonMap::new();
    /// input.insert("orderId".to_owned(), "order-42".into());
    /// let request = RerunWorkflowRequest::new("wf-1").with_workflow_input(input.clone());
    /// assert_eq!(request.workflow_input, Some(input));
    /// ```
    #[must_use]
    pub fn with_workflow_input(mut self, input: JsonMap) -> Self {
        self.workflow_input = Some(input);
        self
    }

    /// Replaces the input of the task rerun from.
    ///
    /// ```
    /// use conductor_models::{JsonMap, RerunWorkflowRequest};
    ///
    /// let mut input = JsonMap::new();
    /// input.insert("retryWithCard".to_owned(), "card-2".into());
    /// let request = RerunWorkflowRequest::new("wf-1").from_task("charge-task").with_task_input(input.clone());
    /// assert_eq!(request.task_input, Some(input));
    /// ```
    #[must_use]
    pub fn with_task_input(mut self, input: JsonMap) -> Self {
        self.task_input = Some(input);
        self
    }

    /// Sets the correlation id.
    ///
    /// ```
    /// use conductor_models::RerunWorkflowRequest;
    ///
    /// let request = RerunWorkflowRequest::new("wf-1").with_correlation_id("order-42-rerun");
    /// assert_eq!(request.correlation_id.as_deref(), Some("order-42-rerun"));
    /// ```
    #[must_use]
    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }
}

/// Input/output to record for a skipped task (`PUT /workflow/{workflowId}/skiptask/{taskRef}`).
///
/// ```
/// use conductor_models::SkipTaskRequest;
///
/// let mut output = conductor_models::JsonMap::new();
/// output.insert("skipped".into(), true.into());
/// let request = SkipTaskRequest { task_output: Some(output), ..SkipTaskRequest::default() };
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json, serde_json::json!({"taskOutput": {"skipped": true}}));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct SkipTaskRequest {
    /// Input to record on the skipped task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_input: Option<JsonMap>,
    /// Output to record on the skipped task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_output: Option<JsonMap>,
}

/// Upgrades a running execution to another definition version (model in OSS; endpoint Orkes-only).
///
/// ```
/// let request: conductor_models::UpgradeWorkflowRequest =
///     serde_json::from_str(r#"{"name": "order", "version": 3}"#).unwrap();
/// assert_eq!(request.version, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct UpgradeWorkflowRequest {
    /// Workflow name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Target version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// New workflow input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_input: Option<JsonMap>,
    /// Output for tasks that do not exist in the old version (task ref → output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_output: Option<JsonMap>,
}

/// A mocked result for one execution of a task in a [`WorkflowTestRequest`].
///
/// ```
/// use conductor_models::{TaskMock, TaskMockStatus, TaskResultStatus};
///
/// let mock: TaskMock = serde_json::from_str(r#"{"output": {"ok": true}}"#).unwrap();
/// assert_eq!(mock.status, TaskMockStatus(TaskResultStatus::Completed));
/// assert_eq!(mock.output["ok"], true);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TaskMock {
    /// Status to report (default `COMPLETED`).
    #[serde(deserialize_with = "null_as_default")]
    pub status: TaskMockStatus,
    /// Output to report.
    #[serde(deserialize_with = "null_as_default")]
    pub output: JsonMap,
    /// Simulated execution time in ms.
    #[serde(deserialize_with = "null_as_default")]
    pub execution_time: i64,
    /// Simulated queue wait time in ms.
    #[serde(deserialize_with = "null_as_default")]
    pub queue_wait_time: i64,
}

/// [`TaskResultStatus`] defaulting to `COMPLETED`, as `TaskMock.status` does on the server.
///
/// ```
/// use conductor_models::{TaskMockStatus, TaskResultStatus};
///
/// assert_eq!(TaskMockStatus::default(), TaskMockStatus(TaskResultStatus::Completed));
/// assert_eq!(serde_json::to_value(TaskMockStatus::default()).unwrap(), "COMPLETED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct TaskMockStatus(pub TaskResultStatus);

impl Default for TaskMockStatus {
    fn default() -> Self {
        TaskMockStatus(TaskResultStatus::Completed)
    }
}

impl From<TaskResultStatus> for TaskMockStatus {
    fn from(status: TaskResultStatus) -> Self {
        TaskMockStatus(status)
    }
}

impl TaskMock {
    /// A `COMPLETED` mock with the given output.
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock, TaskResultStatus};
    ///
    /// let mut output = JsonMap::new();
    /// output.insert("approved".to_owned(), true.into());
    /// let mock = TaskMock::completed(output);
    /// assert_eq!(mock.status.0, TaskResultStatus::Completed);
    /// assert_eq!(mock.output["approved"], true);
    /// ```
    pub fn completed(output: JsonMap) -> Self {
        TaskMock {
            output,
            ..TaskMock::default()
        }
    }

    /// A mock with the given status and output.
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock, TaskResultStatus};
    ///
    /// let mock = TaskMock::new(TaskResultStatus::Failed, JsonMap::new());
    /// assert_eq!(mock.status.0, TaskResultStatus::Failed);
    /// ```
    pub fn new(status: TaskResultStatus, output: JsonMap) -> Self {
        TaskMock {
            status: TaskMockStatus(status),
            output,
            ..TaskMock::default()
        }
    }

    /// Sets the simulated execution time (ms).
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock};
    ///
    /// let mock = TaskMock::completed(JsonMap::new()).with_execution_time(250);
    /// assert_eq!(mock.execution_time, 250);
    /// ```
    #[must_use]
    pub fn with_execution_time(mut self, millis: i64) -> Self {
        self.execution_time = millis;
        self
    }

    /// Sets the simulated queue wait time (ms).
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock};
    ///
    /// let mock = TaskMock::completed(JsonMap::new()).with_queue_wait_time(1_000);
    /// assert_eq!(mock.queue_wait_time, 1_000);
    /// ```
    #[must_use]
    pub fn with_queue_wait_time(mut self, millis: i64) -> Self {
        self.queue_wait_time = millis;
        self
    }
}

/// Runs a workflow with mocked task outputs (`POST /workflow/test`): every [`StartWorkflowRequest`]
/// field plus the mocks.
///
/// ```
/// let request: conductor_models::WorkflowTestRequest = serde_json::from_str(
///     r#"{"name": "order", "input": {"id": 1},
///         "taskRefToMockOutput": {"charge_ref": [{"status": "FAILED"}, {"status": "COMPLETED"}]}}"#,
/// ).unwrap();
/// assert_eq!(request.task_ref_to_mock_output["charge_ref"].len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowTestRequest {
    /// Workflow name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Version; `None` = latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Workflow input.
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Task name (or `"*"`) → domain.
    #[serde(deserialize_with = "null_as_default")]
    pub task_to_domain: BTreeMap<String, String>,
    /// Inline definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_def: Option<WorkflowDef>,
    /// External storage path of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// Priority, 0–99.
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// Who starts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Idempotency strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_strategy: Option<IdempotencyStrategy>,
    /// Task reference name → mocks, consumed in order by successive executions (retries, loops).
    #[serde(deserialize_with = "null_as_default")]
    pub task_ref_to_mock_output: BTreeMap<String, Vec<TaskMock>>,
    /// `SUB_WORKFLOW` task reference name → the test request for that sub-workflow.
    #[serde(deserialize_with = "null_as_default")]
    pub sub_workflow_test_request: BTreeMap<String, WorkflowTestRequest>,
}

impl WorkflowTestRequest {
    /// Tests the latest version of `name`.
    ///
    /// ```
    /// use conductor_models::WorkflowTestRequest;
    ///
    /// let request = WorkflowTestRequest::new("order_fulfillment");
    /// assert_eq!(request.name, "order_fulfillment");
    /// assert!(request.task_ref_to_mock_output.is_empty());
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        WorkflowTestRequest {
            name: name.into(),
            ..WorkflowTestRequest::default()
        }
    }

    /// Tests with the settings of a start request.
    ///
    /// ```
    /// use conductor_models::{StartWorkflowRequest, WorkflowTestRequest};
    ///
    /// let start = StartWorkflowRequest::new("order_fulfillment").with_input_value("orderId", "order-42");
    /// let test = WorkflowTestRequest::from_start_request(start);
    /// assert_eq!(test.name, "order_fulfillment");
    /// assert_eq!(test.input["orderId"], "order-42");
    /// ```
    pub fn from_start_request(request: StartWorkflowRequest) -> Self {
        WorkflowTestRequest {
            name: request.name,
            version: request.version,
            correlation_id: request.correlation_id,
            input: request.input,
            task_to_domain: request.task_to_domain,
            workflow_def: request.workflow_def,
            external_input_payload_storage_path: request.external_input_payload_storage_path,
            priority: request.priority,
            created_by: request.created_by,
            idempotency_key: request.idempotency_key,
            idempotency_strategy: request.idempotency_strategy,
            ..WorkflowTestRequest::default()
        }
    }

    /// Runs an inline definition.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask, WorkflowTestRequest};
    ///
    /// let definition = WorkflowDef::new("draft").with_task(WorkflowTask::simple("greet", "greet_ref"));
    /// let request = WorkflowTestRequest::new("draft").with_workflow_def(definition);
    /// assert!(request.workflow_def.is_some());
    /// ```
    #[must_use]
    pub fn with_workflow_def(mut self, definition: WorkflowDef) -> Self {
        self.workflow_def = Some(definition);
        self
    }

    /// Sets one input value.
    ///
    /// ```
    /// use conductor_models::WorkflowTestRequest;
    ///
    /// let request = WorkflowTestRequest::new("order_fulfillment").with_input_value("orderId", "order-42");
    /// assert_eq!(request.input["orderId"], "order-42");
    /// ```
    #[must_use]
    pub fn with_input_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.input.insert(key.into(), value.into());
        self
    }

    /// Appends a mock for task `task_ref`.
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock, TaskResultStatus, WorkflowTestRequest};
    ///
    /// // The first attempt of `charge_ref` fails, the retry succeeds.
    /// let request = WorkflowTestRequest::new("order_fulfillment")
    ///     .with_mock("charge_ref", TaskMock::new(TaskResultStatus::Failed, JsonMap::new()))
    ///     .with_mock("charge_ref", TaskMock::completed(JsonMap::new()));
    /// assert_eq!(request.task_ref_to_mock_output["charge_ref"].len(), 2);
    /// ```
    #[must_use]
    pub fn with_mock(mut self, task_ref: impl Into<String>, mock: TaskMock) -> Self {
        self.task_ref_to_mock_output
            .entry(task_ref.into())
            .or_default()
            .push(mock);
        self
    }

    /// Sets the test request of the sub-workflow started by `task_ref`.
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskMock, WorkflowTestRequest};
    ///
    /// let child = WorkflowTestRequest::new("ship_order").with_mock("label_ref", TaskMock::completed(JsonMap::new()));
    /// let request = WorkflowTestRequest::new("order_fulfillment").with_sub_workflow_test("ship_sub_ref", child);
    /// assert_eq!(request.sub_workflow_test_request["ship_sub_ref"].name, "ship_order");
    /// ```
    #[must_use]
    pub fn with_sub_workflow_test(
        mut self,
        task_ref: impl Into<String>,
        request: WorkflowTestRequest,
    ) -> Self {
        self.sub_workflow_test_request
            .insert(task_ref.into(), request);
        self
    }
}
