//! Responses of synchronous execution and signals: `WorkflowRun`, `TaskRun`, the `SignalResponse`
//! that chooses between them by `responseType`, and `ReturnStrategy`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{JsonMap, Task, TaskStatus, WorkflowStatus};

wire_enum! {
    /// What a synchronous execution or signal returns (`WorkflowSignalReturnStrategy`; query parameter
    /// `returnStrategy`, response field `responseType`).
    pub enum ReturnStrategy {
        /// The workflow named in the request (a [`WorkflowRun`]).
        TargetWorkflow => "TARGET_WORKFLOW",
        /// The workflow currently blocking, possibly a sub-workflow (a [`WorkflowRun`]).
        BlockingWorkflow => "BLOCKING_WORKFLOW",
        /// The task currently blocking (a [`TaskRun`]).
        BlockingTask => "BLOCKING_TASK",
        /// The input of the task currently blocking (a [`TaskRun`]).
        BlockingTaskInput => "BLOCKING_TASK_INPUT",
    }
}

impl Default for ReturnStrategy {
    /// `TARGET_WORKFLOW`, the server's default.
    fn default() -> Self {
        ReturnStrategy::TargetWorkflow
    }
}

impl ReturnStrategy {
    /// `true` for the strategies answered with a [`TaskRun`].
    ///
    /// ```
    /// use conductor_models::ReturnStrategy;
    ///
    /// assert!(ReturnStrategy::BlockingTask.returns_task());
    /// assert!(!ReturnStrategy::TargetWorkflow.returns_task());
    /// ```
    pub fn returns_task(&self) -> bool {
        matches!(
            self,
            ReturnStrategy::BlockingTask | ReturnStrategy::BlockingTaskInput
        )
    }
}

/// A workflow's state returned by a synchronous execution or signal (`WorkflowRun`).
///
/// ```
/// use conductor_models::SignalResponse;
///
/// let response: SignalResponse = serde_json::from_value(serde_json::json!({
///     "responseType": "TARGET_WORKFLOW", "workflowId": "wf-1", "status": "COMPLETED",
///     "output": {"greeting": "Hello, World!"}
/// }))?;
/// let run = response.as_workflow().expect("a workflow run");
/// assert_eq!(run.workflow_id.as_deref(), Some("wf-1"));
/// assert_eq!(run.output["greeting"], "Hello, World!");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowRun {
    /// Which strategy produced this response.
    #[serde(deserialize_with = "null_as_default")]
    pub response_type: ReturnStrategy,
    /// Id of the workflow named in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_workflow_id: Option<String>,
    /// Status of the workflow named in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_workflow_status: Option<String>,
    /// Request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Id of the workflow described.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Workflow input.
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Workflow output.
    #[serde(deserialize_with = "null_as_default")]
    pub output: JsonMap,
    /// The wait timed out before the workflow reached the awaited state (OSS only).
    #[serde(deserialize_with = "null_as_default")]
    pub signal_timeout: bool,
    /// Priority.
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// Workflow variables.
    #[serde(deserialize_with = "null_as_default")]
    pub variables: JsonMap,
    /// Tasks of the workflow.
    #[serde(deserialize_with = "null_as_default")]
    pub tasks: Vec<Task>,
    /// Who started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Start time (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub create_time: i64,
    /// Status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: WorkflowStatus,
    /// Last update (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub update_time: i64,
}

/// A task's state returned by a synchronous execution or signal (`TaskRun`). For a `TaskRun`,
/// `workflowId` is the task's workflow (possibly a sub-workflow) and `input`/`output` are the task's.
///
/// ```
/// use conductor_models::SignalResponse;
///
/// let response: SignalResponse = serde_json::from_value(serde_json::json!({
///     "responseType": "BLOCKING_TASK", "taskId": "task-9", "referenceTaskName": "approval_ref"
/// }))?;
/// let task = response.as_task().expect("a task run");
/// assert_eq!(task.task_id.as_deref(), Some("task-9"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TaskRun {
    /// Which strategy produced this response.
    #[serde(deserialize_with = "null_as_default")]
    pub response_type: ReturnStrategy,
    /// Id of the workflow named in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_workflow_id: Option<String>,
    /// Status of the workflow named in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_workflow_status: Option<String>,
    /// Request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Id of the task's workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Task input.
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Task output.
    #[serde(deserialize_with = "null_as_default")]
    pub output: JsonMap,
    /// The wait timed out (OSS only).
    #[serde(deserialize_with = "null_as_default")]
    pub signal_timeout: bool,
    /// Task type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Task id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Task reference name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_task_name: Option<String>,
    /// Attempt number.
    #[serde(deserialize_with = "null_as_default")]
    pub retry_count: i32,
    /// Task definition name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_def_name: Option<String>,
    /// Id of the task this one retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_task_id: Option<String>,
    /// Workflow name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_type: Option<String>,
    /// Failure reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// Workflow priority.
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// Declared by the server, never set for a task (omitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<JsonMap>,
    /// Declared by the server, never set for a task (omitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<Task>>,
    /// The task's worker id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The task's start time (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub create_time: i64,
    /// Last update (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub update_time: i64,
    /// Task status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: TaskStatus,
}

/// The response of a signal or synchronous execution: a [`WorkflowRun`] or a [`TaskRun`], chosen by
/// `responseType` (`BLOCKING_TASK`/`BLOCKING_TASK_INPUT` → task; anything else, including a missing or
/// unknown value, → workflow, whose fields are the common superset).
///
/// ```
/// use conductor_models::SignalResponse;
///
/// let response: SignalResponse = serde_json::from_str(
///     r#"{"responseType": "TARGET_WORKFLOW", "workflowId": "wf-1", "status": "COMPLETED", "tasks": []}"#,
/// ).unwrap();
/// assert!(matches!(response, SignalResponse::Workflow(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SignalResponse {
    /// A workflow's state.
    Workflow(Box<WorkflowRun>),
    /// A task's state.
    Task(Box<TaskRun>),
}

impl SignalResponse {
    /// The strategy that produced the response.
    ///
    /// ```
    /// use conductor_models::{ReturnStrategy, SignalResponse};
    ///
    /// let response: SignalResponse = serde_json::from_value(serde_json::json!({"responseType": "BLOCKING_TASK_INPUT"}))?;
    /// assert_eq!(response.response_type(), &ReturnStrategy::BlockingTaskInput);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn response_type(&self) -> &ReturnStrategy {
        match self {
            SignalResponse::Workflow(run) => &run.response_type,
            SignalResponse::Task(run) => &run.response_type,
        }
    }

    /// The workflow run, if this is one.
    ///
    /// ```
    /// use conductor_models::SignalResponse;
    ///
    /// // A missing or unknown responseType is read as a workflow run.
    /// let response: SignalResponse = serde_json::from_value(serde_json::json!({"workflowId": "wf-1"}))?;
    /// assert!(response.as_workflow().is_some());
    /// assert!(response.as_task().is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn as_workflow(&self) -> Option<&WorkflowRun> {
        match self {
            SignalResponse::Workflow(run) => Some(run),
            SignalResponse::Task(_) => None,
        }
    }

    /// The task run, if this is one.
    ///
    /// ```
    /// use conductor_models::SignalResponse;
    ///
    /// let response: SignalResponse = serde_json::from_value(serde_json::json!({"responseType": "BLOCKING_TASK"}))?;
    /// assert!(response.as_task().is_some());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn as_task(&self) -> Option<&TaskRun> {
        match self {
            SignalResponse::Task(run) => Some(run),
            SignalResponse::Workflow(_) => None,
        }
    }

    /// The output (workflow output or task output).
    ///
    /// ```
    /// use conductor_models::SignalResponse;
    ///
    /// let response: SignalResponse = serde_json::from_value(serde_json::json!({
    ///     "responseType": "TARGET_WORKFLOW", "output": {"total": 42}
    /// }))?;
    /// assert_eq!(response.output()["total"], 42);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn output(&self) -> &JsonMap {
        match self {
            SignalResponse::Workflow(run) => &run.output,
            SignalResponse::Task(run) => &run.output,
        }
    }

    /// `true` when the server gave up waiting (`signalTimeout`).
    ///
    /// ```
    /// use conductor_models::SignalResponse;
    ///
    /// let response: SignalResponse = serde_json::from_value(serde_json::json!({
    ///     "responseType": "TARGET_WORKFLOW", "signalTimeout": true
    /// }))?;
    /// assert!(response.signal_timeout()); // the workflow was still running when the wait ended
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn signal_timeout(&self) -> bool {
        match self {
            SignalResponse::Workflow(run) => run.signal_timeout,
            SignalResponse::Task(run) => run.signal_timeout,
        }
    }
}

impl Serialize for SignalResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SignalResponse::Workflow(run) => run.serialize(serializer),
            SignalResponse::Task(run) => run.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for SignalResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let returns_task = value
            .get("responseType")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|raw| ReturnStrategy::from_wire(raw).returns_task());
        if returns_task {
            TaskRun::deserialize(value)
                .map(|run| SignalResponse::Task(Box::new(run)))
                .map_err(serde::de::Error::custom)
        } else {
            WorkflowRun::deserialize(value)
                .map(|run| SignalResponse::Workflow(Box::new(run)))
                .map_err(serde::de::Error::custom)
        }
    }
}
