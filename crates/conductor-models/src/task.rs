//! `Task` (a running task instance as the server reports it), `TaskStatus` and `TaskExecLog`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{ExecutionMetadata, JsonMap, TaskDef, WorkflowTask};

wire_enum! {
    /// Status of a [`Task`] (`Task.Status` in the server).
    ///
    /// The predicates follow the flags of the Java enum exactly (see [`TaskStatus::is_terminal`]).
    pub enum TaskStatus {
        /// Polled by a worker (or started by the server) and not finished yet.
        InProgress => "IN_PROGRESS",
        /// Cancelled (for example because the workflow was terminated).
        Canceled => "CANCELED",
        /// Failed; retried if the task definition allows it.
        Failed => "FAILED",
        /// Failed with no retries, whatever the task definition says.
        FailedWithTerminalError => "FAILED_WITH_TERMINAL_ERROR",
        /// Finished successfully.
        Completed => "COMPLETED",
        /// An `optional` task that failed: the workflow continues.
        CompletedWithErrors => "COMPLETED_WITH_ERRORS",
        /// Waiting in a queue to be polled.
        Scheduled => "SCHEDULED",
        /// Timed out (`timeoutSeconds` or `responseTimeoutSeconds` exceeded).
        TimedOut => "TIMED_OUT",
        /// Skipped through the skip-task API.
        Skipped => "SKIPPED",
    }
}

impl Default for TaskStatus {
    /// `SCHEDULED`: the status every task starts with.
    fn default() -> Self {
        TaskStatus::Scheduled
    }
}

impl TaskStatus {
    /// `true` when the task has finished: everything except `IN_PROGRESS` and `SCHEDULED`.
    ///
    /// An unknown status counts as terminal: a newer server's status is far more likely to be a new
    /// final state than a new way of running, and callers waiting for termination must not hang.
    ///
    /// ```
    /// use conductor_models::TaskStatus;
    ///
    /// assert!(TaskStatus::Completed.is_terminal());
    /// assert!(TaskStatus::FailedWithTerminalError.is_terminal());
    /// assert!(!TaskStatus::InProgress.is_terminal());
    /// assert!(!TaskStatus::Scheduled.is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        !matches!(self, TaskStatus::InProgress | TaskStatus::Scheduled)
    }

    /// `true` when the status is not a failure: `IN_PROGRESS`, `COMPLETED`, `COMPLETED_WITH_ERRORS`,
    /// `SCHEDULED`, `SKIPPED` (the Java enum's `successful` flag). Unknown statuses are not successful.
    ///
    /// ```
    /// use conductor_models::TaskStatus;
    ///
    /// assert!(TaskStatus::Completed.is_successful());
    /// assert!(TaskStatus::Skipped.is_successful());
    /// assert!(!TaskStatus::Failed.is_successful());
    /// ```
    pub fn is_successful(&self) -> bool {
        matches!(
            self,
            TaskStatus::InProgress
                | TaskStatus::Completed
                | TaskStatus::CompletedWithErrors
                | TaskStatus::Scheduled
                | TaskStatus::Skipped
        )
    }

    /// `true` when the server may retry a task in this status: everything except `CANCELED`,
    /// `FAILED_WITH_TERMINAL_ERROR` and `SKIPPED` (the Java enum's `retriable` flag). Unknown statuses
    /// are not retriable.
    ///
    /// ```
    /// use conductor_models::TaskStatus;
    ///
    /// assert!(TaskStatus::Failed.is_retriable());
    /// assert!(!TaskStatus::FailedWithTerminalError.is_retriable());
    /// assert!(!TaskStatus::Canceled.is_retriable());
    /// ```
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            TaskStatus::InProgress
                | TaskStatus::Failed
                | TaskStatus::Completed
                | TaskStatus::CompletedWithErrors
                | TaskStatus::Scheduled
                | TaskStatus::TimedOut
        )
    }
}

/// A task instance as the server reports it: what a worker receives from a poll, and what
/// [`Workflow::tasks`](crate::Workflow::tasks) holds.
///
/// Every field the server emits is modelled, including the derived, read-only ones
/// (`queueWaitTime`, `loopOverTask`, `taskDefinition`), so a `Task` read from the server serialises back
/// to the same JSON. The server ignores the derived ones on input.
///
/// ```
/// use conductor_models::Task;
/// let task: Task = serde_json::from_value(serde_json::json!({
///     "taskId": "t1", "taskType": "greet", "status": "SCHEDULED",
///     "inputData": {"name": "World", "count": 3}
/// })).unwrap();
/// assert_eq!(task.get_input_string("name").as_deref(), Some("World"));
/// assert_eq!(task.get_input::<u32>("count"), Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
pub struct Task {
    /// The task type: for worker (`SIMPLE`) tasks the task *name* workers poll for; `FORK` for fork
    /// tasks; otherwise the system type (`HTTP`, `WAIT`, ...).
    #[serde(deserialize_with = "null_as_default")]
    pub task_type: String,
    /// Current status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: TaskStatus,
    /// Resolved input of the task.
    #[serde(deserialize_with = "null_as_default")]
    pub input_data: JsonMap,
    /// Reference name in the workflow (suffixed `__N` inside a `DO_WHILE` iteration).
    #[serde(deserialize_with = "null_as_default")]
    pub reference_task_name: String,
    /// Attempt number, 0 for the first attempt.
    #[serde(deserialize_with = "null_as_default")]
    pub retry_count: i32,
    /// Scheduling sequence number within the workflow.
    #[serde(deserialize_with = "null_as_default")]
    pub seq: i32,
    /// Correlation id of the workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// How many times the task has been polled.
    #[serde(deserialize_with = "null_as_default")]
    pub poll_count: i32,
    /// Name of the task definition (`WorkflowTask.name`).
    #[serde(deserialize_with = "null_as_default")]
    pub task_def_name: String,
    /// When the task was scheduled (epoch ms; 0 when not yet).
    #[serde(deserialize_with = "null_as_default")]
    pub scheduled_time: i64,
    /// When the task was (last) polled (epoch ms; 0 when not yet).
    #[serde(deserialize_with = "null_as_default")]
    pub start_time: i64,
    /// When the task finished (epoch ms; 0 when not yet).
    #[serde(deserialize_with = "null_as_default")]
    pub end_time: i64,
    /// When the task was last updated (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub update_time: i64,
    /// Delay before the task becomes pollable, in seconds.
    #[serde(deserialize_with = "null_as_default")]
    pub start_delay_in_seconds: i32,
    /// Id of the task this one retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_task_id: Option<String>,
    /// A retry task was created for this one.
    #[serde(deserialize_with = "null_as_default")]
    pub retried: bool,
    /// The decider processed this task's completion.
    #[serde(deserialize_with = "null_as_default")]
    pub executed: bool,
    /// The task is updated by a worker (server default `true`).
    #[serde(deserialize_with = "null_as_default")]
    pub callback_from_worker: bool,
    /// Seconds the worker has to report back before the task is re-queued.
    #[serde(deserialize_with = "null_as_default")]
    pub response_timeout_seconds: i64,
    /// Id of the workflow this task belongs to.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_instance_id: String,
    /// Name of the workflow this task belongs to.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_type: String,
    /// Unique id of this task instance.
    #[serde(deserialize_with = "null_as_default")]
    pub task_id: String,
    /// Why the task failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// Seconds after which an `IN_PROGRESS` task is handed out again.
    #[serde(deserialize_with = "null_as_default")]
    pub callback_after_seconds: i64,
    /// Id of the worker that polled the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// Output of the task.
    #[serde(deserialize_with = "null_as_default")]
    pub output_data: JsonMap,
    /// The definition of this task in the workflow (the server always includes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_task: Option<WorkflowTask>,
    /// Domain the task was polled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Rate limit: tasks per `rateLimitFrequencyInSeconds` (0 = none).
    #[serde(deserialize_with = "null_as_default")]
    pub rate_limit_per_frequency: i32,
    /// Rate limit window, in seconds.
    #[serde(deserialize_with = "null_as_default")]
    pub rate_limit_frequency_in_seconds: i32,
    /// Path of the input payload in external storage, when it was too large to inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// Path of the output payload in external storage, when it was too large to inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_output_payload_storage_path: Option<String>,
    /// Priority of the workflow (0–99).
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_priority: i32,
    /// Execution namespace of the task definition.
    #[serde(rename = "executionNameSpace", skip_serializing_if = "Option::is_none")]
    pub execution_name_space: Option<String>,
    /// Isolation group of the task definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation_group_id: Option<String>,
    /// `DO_WHILE` iteration (1-based inside a loop, 0 outside).
    #[serde(deserialize_with = "null_as_default")]
    pub iteration: i32,
    /// Id of the sub-workflow started by a `SUB_WORKFLOW` task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_workflow_id: Option<String>,
    /// The sub-workflow was changed (rerun/restarted) and the parent must re-evaluate it.
    /// The wire name has a lower-case `w`: `subworkflowChanged`.
    #[serde(rename = "subworkflowChanged", deserialize_with = "null_as_default")]
    pub subworkflow_changed: bool,
    /// Id of the parent task (for tasks created by another task, e.g. a fork or loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_task_id: Option<String>,
    /// When the first attempt of this task started (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub first_start_time: i64,
    /// Timing/context metadata; the server always emits it (an empty one when unused).
    #[serde(deserialize_with = "null_as_default")]
    pub execution_metadata: ExecutionMetadata,
    /// Secrets/environment values resolved at poll time (names listed in `TaskDef.runtimeMetadata`);
    /// omitted when empty, as the server does.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub runtime_metadata: BTreeMap<String, String>,
    /// Derived by the server: `startTime - scheduledTime - callbackAfterSeconds*1000` (0 before start).
    /// Read-only; ignored by the server on input.
    #[serde(deserialize_with = "null_as_default")]
    pub queue_wait_time: i64,
    /// Derived by the server: `iteration > 0`. Read-only; ignored by the server on input.
    #[serde(deserialize_with = "null_as_default")]
    pub loop_over_task: bool,
    /// Derived by the server: the task definition embedded in `workflowTask`. The server always emits
    /// this key, as `null` when there is none, so it is serialised even when `None`.
    pub task_definition: Option<TaskDef>,
    /// Keys this task lacked when it was deserialised (an older server's, or a partial object):
    /// serialising it leaves them out again while their value is the default, so a round trip adds
    /// no keys. Empty when built in code. Never serialised; ignored by `==`. See [`AbsentKeys`].
    #[serde(skip)]
    pub absent_keys: AbsentKeys,
}

keeps_shape!(Task, Execution);

impl Default for Task {
    /// An empty task with the server's defaults (`callbackFromWorker: true`, status `SCHEDULED`).
    fn default() -> Self {
        Task {
            task_type: String::new(),
            status: TaskStatus::default(),
            input_data: JsonMap::new(),
            reference_task_name: String::new(),
            retry_count: 0,
            seq: 0,
            correlation_id: None,
            poll_count: 0,
            task_def_name: String::new(),
            scheduled_time: 0,
            start_time: 0,
            end_time: 0,
            update_time: 0,
            start_delay_in_seconds: 0,
            retried_task_id: None,
            retried: false,
            executed: false,
            callback_from_worker: true,
            response_timeout_seconds: 0,
            workflow_instance_id: String::new(),
            workflow_type: String::new(),
            task_id: String::new(),
            reason_for_incompletion: None,
            callback_after_seconds: 0,
            worker_id: None,
            output_data: JsonMap::new(),
            workflow_task: None,
            domain: None,
            rate_limit_per_frequency: 0,
            rate_limit_frequency_in_seconds: 0,
            external_input_payload_storage_path: None,
            external_output_payload_storage_path: None,
            workflow_priority: 0,
            execution_name_space: None,
            isolation_group_id: None,
            iteration: 0,
            sub_workflow_id: None,
            subworkflow_changed: false,
            parent_task_id: None,
            first_start_time: 0,
            execution_metadata: ExecutionMetadata::default(),
            runtime_metadata: BTreeMap::new(),
            queue_wait_time: 0,
            loop_over_task: false,
            task_definition: None,
            absent_keys: AbsentKeys::default(),
        }
    }
}

impl Task {
    /// Reads input `key` as `T`; `None` if it is absent, `null`, or not convertible to `T`.
    ///
    /// Use [`Task::try_get_input`] to tell a missing key from a value of the wrong shape.
    ///
    /// ```
    /// use conductor_models::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({
    ///     "inputData": {"count": 3, "tags": ["a", "b"], "name": "World"}
    /// }))?;
    /// assert_eq!(task.get_input::<u32>("count"), Some(3));
    /// assert_eq!(task.get_input::<Vec<String>>("tags"), Some(vec!["a".to_owned(), "b".to_owned()]));
    /// assert_eq!(task.get_input::<u32>("name"), None); // wrong type
    /// assert_eq!(task.get_input::<u32>("missing"), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_input<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.try_get_input(key).ok().flatten()
    }

    /// Reads input `key` as `T`: `Ok(None)` if absent or `null`, an error if present but not a `T`.
    ///
    /// ```
    /// use conductor_models::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({"inputData": {"count": "three"}}))?;
    /// assert!(task.try_get_input::<u32>("count").is_err()); // present, wrong shape
    /// assert_eq!(task.try_get_input::<u32>("missing")?, None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn try_get_input<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        get_typed(&self.input_data, key)
    }

    /// Reads input `key` if it is a JSON **string**; `None` for any other JSON type.
    ///
    /// Numbers and booleans are deliberately not converted: use [`Task::get_input`] with the type you
    /// expect (`task.get_input::<i64>("n")`) or read [`Task::input_data`] directly.
    ///
    /// ```
    /// use conductor_models::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({"inputData": {"name": "World", "count": 3}}))?;
    /// assert_eq!(task.get_input_string("name").as_deref(), Some("World"));
    /// assert_eq!(task.get_input_string("count"), None); // a number, not a string
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_input_string(&self, key: &str) -> Option<String> {
        self.input_data
            .get(key)
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    }

    /// Reads output `key` as `T`; `None` if it is absent, `null`, or not convertible to `T`.
    ///
    /// ```
    /// use conductor_models::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({"outputData": {"messageId": "m-42"}}))?;
    /// assert_eq!(task.get_output::<String>("messageId").as_deref(), Some("m-42"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_output<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        get_typed(&self.output_data, key).ok().flatten()
    }

    /// The task definition embedded in the workflow task (what the server reports as `taskDefinition`).
    ///
    /// ```
    /// use conductor_models::Task;
    ///
    /// let task: Task = serde_json::from_value(serde_json::json!({
    ///     "workflowTask": {"name": "greet", "taskReferenceName": "greet_ref", "taskDefinition": {"name": "greet", "retryCount": 2}}
    /// }))?;
    /// assert_eq!(task.embedded_task_def().map(|def| def.retry_count), Some(2));
    /// assert!(Task::default().embedded_task_def().is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn embedded_task_def(&self) -> Option<&TaskDef> {
        self.task_definition.as_ref().or_else(|| {
            self.workflow_task
                .as_ref()
                .and_then(|wt| wt.task_definition.as_ref())
        })
    }
}

fn get_typed<T: DeserializeOwned>(
    map: &JsonMap,
    key: &str,
) -> Result<Option<T>, serde_json::Error> {
    match map.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => T::deserialize(value).map(Some),
    }
}

/// One log line attached to a task (`POST /tasks/{taskId}/log`, or `TaskResult.logs`).
///
/// ```
/// use conductor_models::TaskExecLog;
///
/// let line = TaskExecLog::new("charged card").with_task_id("task-1").with_created_time(1_700_000_000_000);
/// let json = serde_json::to_value(&line)?;
/// assert_eq!(json["log"], "charged card");
/// assert_eq!(json["taskId"], "task-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TaskExecLog {
    /// The log text.
    #[serde(deserialize_with = "null_as_default")]
    pub log: String,
    /// Id of the task the line belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// When the line was written (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub created_time: i64,
}

impl TaskExecLog {
    /// A log line with no task id and `createdTime` 0 (the server fills both when it stores the line).
    ///
    /// ```
    /// use conductor_models::TaskExecLog;
    ///
    /// let line = TaskExecLog::new("fetched 120 rows");
    /// assert_eq!(line.log, "fetched 120 rows");
    /// assert_eq!(line.task_id, None);
    /// ```
    pub fn new(log: impl Into<String>) -> Self {
        TaskExecLog {
            log: log.into(),
            ..TaskExecLog::default()
        }
    }

    /// Sets the task id.
    ///
    /// ```
    /// use conductor_models::TaskExecLog;
    ///
    /// assert_eq!(TaskExecLog::new("x").with_task_id("task-1").task_id.as_deref(), Some("task-1"));
    /// ```
    #[must_use]
    pub fn with_task_id(mut self, task_id: impl Into<String>) -> Self {
        self.task_id = Some(task_id.into());
        self
    }

    /// Sets the creation time (epoch ms).
    ///
    /// ```
    /// use conductor_models::TaskExecLog;
    ///
    /// let line = TaskExecLog::new("x").with_created_time(1_700_000_000_000);
    /// assert_eq!(serde_json::to_value(&line)?["createdTime"], 1_700_000_000_000_i64);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_created_time(mut self, created_time: i64) -> Self {
        self.created_time = created_time;
        self
    }
}
