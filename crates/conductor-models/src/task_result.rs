//! `TaskResult` (the worker → server task update) and `TaskResultStatus`.

use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{ExecutionMetadata, JsonMap, Task, TaskExecLog, TaskStatus};

wire_enum! {
    /// The status a worker reports in a [`TaskResult`] (`TaskResult.Status` in the server).
    pub enum TaskResultStatus {
        /// Still working: the task is handed out again after `callbackAfterSeconds`.
        InProgress => "IN_PROGRESS",
        /// Failed; retried if the task definition allows it.
        Failed => "FAILED",
        /// Failed; never retried.
        FailedWithTerminalError => "FAILED_WITH_TERMINAL_ERROR",
        /// Finished successfully.
        Completed => "COMPLETED",
        /// Cancelled (server v3.32.0+; older servers reject it).
        Canceled => "CANCELED",
    }
}

impl Default for TaskResultStatus {
    /// `IN_PROGRESS`: the only status that does not finish the task.
    fn default() -> Self {
        TaskResultStatus::InProgress
    }
}

impl From<&TaskStatus> for TaskResultStatus {
    /// The Java SDK's mapping (`new TaskResult(task)`): `CANCELED`, `COMPLETED_WITH_ERRORS`,
    /// `TIMED_OUT` and `SKIPPED` become `FAILED`, `SCHEDULED` becomes `IN_PROGRESS`; an unknown status
    /// is kept verbatim.
    ///
    /// `CANCELED` becomes `FAILED` although conductor-oss 3.32 has a `CANCELED` result status:
    /// servers before 3.32 refuse it (`400`, not one of the values accepted), so a result built from a
    /// task is accepted by every server. Send [`TaskResultStatus::Canceled`] explicitly to a 3.32+
    /// server to cancel.
    ///
    /// ```
    /// use conductor_models::{TaskResultStatus, TaskStatus};
    ///
    /// assert_eq!(TaskResultStatus::from(&TaskStatus::Canceled), TaskResultStatus::Failed);
    /// assert_eq!(TaskResultStatus::from(&TaskStatus::Scheduled), TaskResultStatus::InProgress);
    /// ```
    fn from(status: &TaskStatus) -> Self {
        match status {
            TaskStatus::InProgress | TaskStatus::Scheduled => TaskResultStatus::InProgress,
            TaskStatus::Canceled
            | TaskStatus::Failed
            | TaskStatus::CompletedWithErrors
            | TaskStatus::TimedOut
            | TaskStatus::Skipped => TaskResultStatus::Failed,
            TaskStatus::FailedWithTerminalError => TaskResultStatus::FailedWithTerminalError,
            TaskStatus::Completed => TaskResultStatus::Completed,
            TaskStatus::Unknown(raw) => TaskResultStatus::Unknown(raw.clone()),
        }
    }
}

/// The result of a task, sent by a worker to `POST /tasks` (or `update-v2`).
///
/// ```
/// use conductor_models::{TaskResult, TaskResultStatus};
/// let result = TaskResult::completed("task-1", "wf-1").with_output_value("greeting", "hi");
/// assert_eq!(result.status, TaskResultStatus::Completed);
/// let json = serde_json::to_value(&result).unwrap();
/// assert_eq!(json["outputData"]["greeting"], "hi");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
pub struct TaskResult {
    /// Id of the workflow the task belongs to (required by the server).
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_instance_id: String,
    /// Id of the task (required by the server).
    #[serde(deserialize_with = "null_as_default")]
    pub task_id: String,
    /// New status of the task.
    #[serde(deserialize_with = "null_as_default")]
    pub status: TaskResultStatus,
    /// Output of the task; replaces the task's output.
    #[serde(deserialize_with = "null_as_default")]
    pub output_data: JsonMap,
    /// Why the task failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// For `IN_PROGRESS`: seconds before the task is handed out again.
    #[serde(deserialize_with = "null_as_default")]
    pub callback_after_seconds: i64,
    /// Id of the worker reporting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// Log lines appended to the task's logs.
    #[serde(deserialize_with = "null_as_default")]
    pub logs: Vec<TaskExecLog>,
    /// Path of the output in external storage, when it was uploaded there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_output_payload_storage_path: Option<String>,
    /// Id of a sub-workflow the task started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_workflow_id: Option<String>,
    /// Heartbeat only: extend the response timeout lease without changing the task.
    #[serde(deserialize_with = "null_as_default")]
    pub extend_lease: bool,
    /// Timing metadata collected by the worker (server v3.21.19+); omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_metadata: Option<ExecutionMetadata>,
    /// The worker supports cancellation (server v3.32.0+; reserved).
    #[serde(deserialize_with = "null_as_default")]
    pub supports_cancellation: bool,
    /// Keys this result lacked when it was deserialised: serialising it leaves them out again while
    /// their value is the default, so a round trip adds no keys. Empty when built in code. Never
    /// serialised; ignored by `==`. See [`AbsentKeys`].
    #[serde(skip)]
    pub absent_keys: AbsentKeys,
}

keeps_shape!(TaskResult, Always);

impl TaskResult {
    /// A result with the given status for a task.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::new("task-1", "wf-1", TaskResultStatus::Completed);
    /// let json = serde_json::to_value(&result)?;
    /// assert_eq!(json["taskId"], "task-1");
    /// assert_eq!(json["workflowInstanceId"], "wf-1");
    /// assert_eq!(json["status"], "COMPLETED");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(
        task_id: impl Into<String>,
        workflow_instance_id: impl Into<String>,
        status: TaskResultStatus,
    ) -> Self {
        TaskResult {
            task_id: task_id.into(),
            workflow_instance_id: workflow_instance_id.into(),
            status,
            ..TaskResult::default()
        }
    }

    /// A `COMPLETED` result.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_output_value("sent", true);
    /// assert_eq!(result.status, TaskResultStatus::Completed);
    /// assert_eq!(result.output_data["sent"], true);
    /// ```
    pub fn completed(task_id: impl Into<String>, workflow_instance_id: impl Into<String>) -> Self {
        Self::new(task_id, workflow_instance_id, TaskResultStatus::Completed)
    }

    /// A `FAILED` result (retried if the task definition allows it) with a reason.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::failed("task-1", "wf-1", "SMTP server unavailable");
    /// assert_eq!(result.status, TaskResultStatus::Failed);
    /// assert_eq!(result.reason_for_incompletion.as_deref(), Some("SMTP server unavailable"));
    /// ```
    pub fn failed(
        task_id: impl Into<String>,
        workflow_instance_id: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(task_id, workflow_instance_id, TaskResultStatus::Failed).with_reason(reason)
    }

    /// A `FAILED_WITH_TERMINAL_ERROR` result (never retried) with a reason.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::failed_with_terminal_error("task-1", "wf-1", "address rejected");
    /// let json = serde_json::to_value(&result)?;
    /// assert_eq!(json["status"], "FAILED_WITH_TERMINAL_ERROR");
    /// assert_eq!(json["reasonForIncompletion"], "address rejected");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn failed_with_terminal_error(
        task_id: impl Into<String>,
        workflow_instance_id: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(
            task_id,
            workflow_instance_id,
            TaskResultStatus::FailedWithTerminalError,
        )
        .with_reason(reason)
    }

    /// An `IN_PROGRESS` result: the task is handed out again after `callback_after_seconds`.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::in_progress("task-1", "wf-1", 30);
    /// assert_eq!(result.status, TaskResultStatus::InProgress);
    /// assert_eq!(result.callback_after_seconds, 30);
    /// ```
    pub fn in_progress(
        task_id: impl Into<String>,
        workflow_instance_id: impl Into<String>,
        callback_after_seconds: i64,
    ) -> Self {
        Self::new(task_id, workflow_instance_id, TaskResultStatus::InProgress)
            .with_callback_after_seconds(callback_after_seconds)
    }

    /// A result for `task` carrying its ids, status (mapped like the server's `new TaskResult(task)`,
    /// see [`TaskResultStatus::from`]), output, reason, callback delay, worker id and sub-workflow id.
    ///
    /// ```
    /// use conductor_models::{Task, TaskResult, TaskResultStatus};
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({
    ///     "taskId": "task-1", "workflowInstanceId": "wf-1", "status": "IN_PROGRESS"
    /// }))?;
    /// let result = TaskResult::from_task(&task).with_status(TaskResultStatus::Completed);
    /// assert_eq!((result.task_id.as_str(), result.workflow_instance_id.as_str()), ("task-1", "wf-1"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_task(task: &Task) -> Self {
        TaskResult {
            workflow_instance_id: task.workflow_instance_id.clone(),
            task_id: task.task_id.clone(),
            status: TaskResultStatus::from(&task.status),
            output_data: task.output_data.clone(),
            reason_for_incompletion: task.reason_for_incompletion.clone(),
            callback_after_seconds: task.callback_after_seconds,
            worker_id: task.worker_id.clone(),
            external_output_payload_storage_path: task.external_output_payload_storage_path.clone(),
            sub_workflow_id: task.sub_workflow_id.clone(),
            ..TaskResult::default()
        }
    }

    /// Sets the status.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_status(TaskResultStatus::Failed);
    /// assert_eq!(result.status, TaskResultStatus::Failed);
    /// ```
    #[must_use]
    pub fn with_status(mut self, status: TaskResultStatus) -> Self {
        self.status = status;
        self
    }

    /// Adds one output value (`value` is anything convertible to JSON: `&str`, numbers, `json!`...).
    ///
    /// ```
    /// use conductor_models::TaskResult;
    ///
    /// let result = TaskResult::completed("task-1", "wf-1")
    ///     .with_output_value("messageId", "m-42")
    ///     .with_output_value("attempts", 1);
    /// let json = serde_json::to_value(&result)?;
    /// assert_eq!(json["outputData"], serde_json::json!({"messageId": "m-42", "attempts": 1}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_output_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.output_data.insert(key.into(), value.into());
        self
    }

    /// Replaces the whole output.
    ///
    /// ```
    /// use conductor_models::{JsonMap, TaskResult};
    ///
    /// let mut output = JsonMap::new();
    /// output.insert("rows".to_owned(), 120.into());
    /// let result = TaskResult::completed("task-1", "wf-1").with_output(output.clone());
    /// assert_eq!(result.output_data, output);
    /// ```
    #[must_use]
    pub fn with_output(mut self, output: JsonMap) -> Self {
        self.output_data = output;
        self
    }

    /// Sets the failure reason.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::new("task-1", "wf-1", TaskResultStatus::Failed).with_reason("timeout");
    /// assert_eq!(result.reason_for_incompletion.as_deref(), Some("timeout"));
    /// ```
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason_for_incompletion = Some(reason.into());
        self
    }

    /// Sets the callback delay (seconds) for an `IN_PROGRESS` result.
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// let result = TaskResult::new("task-1", "wf-1", TaskResultStatus::InProgress)
    ///     .with_callback_after_seconds(60);
    /// assert_eq!(serde_json::to_value(&result)?["callbackAfterSeconds"], 60);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_callback_after_seconds(mut self, seconds: i64) -> Self {
        self.callback_after_seconds = seconds;
        self
    }

    /// Appends a log line (its task id is set to this result's task id).
    ///
    /// ```
    /// use conductor_models::TaskResult;
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_log("connected").with_log("sent");
    /// assert_eq!(result.logs.len(), 2);
    /// assert_eq!(result.logs[0].log, "connected");
    /// assert_eq!(result.logs[0].task_id.as_deref(), Some("task-1"));
    /// ```
    #[must_use]
    pub fn with_log(mut self, log: impl Into<String>) -> Self {
        let line = TaskExecLog::new(log).with_task_id(self.task_id.clone());
        self.logs.push(line);
        self
    }

    /// Sets the worker id.
    ///
    /// ```
    /// use conductor_models::TaskResult;
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_worker_id("host-1");
    /// assert_eq!(result.worker_id.as_deref(), Some("host-1"));
    /// ```
    #[must_use]
    pub fn with_worker_id(mut self, worker_id: impl Into<String>) -> Self {
        self.worker_id = Some(worker_id.into());
        self
    }

    /// Sets the sub-workflow id.
    ///
    /// ```
    /// use conductor_models::TaskResult;
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_sub_workflow_id("child-wf-7");
    /// assert_eq!(result.sub_workflow_id.as_deref(), Some("child-wf-7"));
    /// ```
    #[must_use]
    pub fn with_sub_workflow_id(mut self, sub_workflow_id: impl Into<String>) -> Self {
        self.sub_workflow_id = Some(sub_workflow_id.into());
        self
    }

    /// Marks the result as a lease extension (heartbeat).
    ///
    /// ```
    /// use conductor_models::{TaskResult, TaskResultStatus};
    ///
    /// // A heartbeat: keep the task, push its response timeout back.
    /// let result = TaskResult::new("task-1", "wf-1", TaskResultStatus::InProgress).with_extend_lease(true);
    /// assert_eq!(serde_json::to_value(&result)?["extendLease"], true);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_extend_lease(mut self, extend_lease: bool) -> Self {
        self.extend_lease = extend_lease;
        self
    }

    /// Attaches execution metadata.
    ///
    /// ```
    /// use conductor_models::{ExecutionMetadata, TaskResult};
    ///
    /// let result = TaskResult::completed("task-1", "wf-1").with_execution_metadata(ExecutionMetadata::default());
    /// assert!(result.execution_metadata.is_some());
    /// ```
    #[must_use]
    pub fn with_execution_metadata(mut self, metadata: ExecutionMetadata) -> Self {
        self.execution_metadata = Some(metadata);
        self
    }
}
