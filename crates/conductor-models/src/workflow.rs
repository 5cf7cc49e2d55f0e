//! `Workflow` (a workflow execution), `WorkflowStatus`, and the status summary `WorkflowStatusSummary`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{JsonMap, Task, TokenUsage, WorkflowDef};

wire_enum! {
    /// Status of a workflow execution (`Workflow.WorkflowStatus`).
    pub enum WorkflowStatus {
        /// Running.
        Running => "RUNNING",
        /// Finished successfully.
        Completed => "COMPLETED",
        /// Failed.
        Failed => "FAILED",
        /// Timed out.
        TimedOut => "TIMED_OUT",
        /// Terminated by a user or a `TERMINATE` task.
        Terminated => "TERMINATED",
        /// Paused (no new tasks are scheduled until resumed).
        Paused => "PAUSED",
    }
}

impl Default for WorkflowStatus {
    /// `RUNNING`: the status every execution starts with.
    fn default() -> Self {
        WorkflowStatus::Running
    }
}

impl WorkflowStatus {
    /// `true` once the workflow has finished: `COMPLETED`, `FAILED`, `TIMED_OUT`, `TERMINATED`.
    ///
    /// An unknown status counts as terminal, so code waiting for the end of a workflow does not hang
    /// on a newer server's final state.
    ///
    /// ```
    /// use conductor_models::WorkflowStatus;
    ///
    /// assert!(WorkflowStatus::Completed.is_terminal());
    /// assert!(WorkflowStatus::Terminated.is_terminal());
    /// assert!(!WorkflowStatus::Running.is_terminal());
    /// assert!(!WorkflowStatus::Paused.is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        !matches!(self, WorkflowStatus::Running | WorkflowStatus::Paused)
    }

    /// `true` for `COMPLETED` and `PAUSED` (the Java enum's `successful` flag).
    ///
    /// ```
    /// use conductor_models::WorkflowStatus;
    ///
    /// assert!(WorkflowStatus::Completed.is_successful());
    /// assert!(!WorkflowStatus::Failed.is_successful());
    /// ```
    pub fn is_successful(&self) -> bool {
        matches!(self, WorkflowStatus::Completed | WorkflowStatus::Paused)
    }
}

/// A workflow execution (`GET /workflow/{workflowId}`).
///
/// Includes the derived, read-only properties the server emits (`workflowName`, `workflowVersion`,
/// `startTime`) so a round trip keeps them.
///
/// ```
/// use conductor_models::{Workflow, WorkflowStatus};
///
/// let workflow: Workflow = serde_json::from_str(
///     r#"{"workflowId": "wf-1", "status": "COMPLETED", "output": {"greeting": "Hello"},
///         "workflowDefinition": {"name": "greeting_workflow", "version": 1, "tasks": []}}"#,
/// ).unwrap();
/// assert_eq!(workflow.status, WorkflowStatus::Completed);
/// assert!(workflow.status.is_terminal());
/// assert_eq!(workflow.output["greeting"], "Hello");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
pub struct Workflow {
    /// Execution id.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_id: String,
    /// Current status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: WorkflowStatus,
    /// The definition executed (possibly inline), with task definitions embedded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_definition: Option<WorkflowDef>,
    /// Derived: the definition's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// Derived: the definition's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_version: Option<i32>,
    /// Start time (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Derived: equal to `createTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// Last update (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// End time (epoch ms); 0 while running.
    #[serde(deserialize_with = "null_as_default")]
    pub end_time: i64,
    /// Workflow input (`{}` when externalised).
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Workflow output.
    #[serde(deserialize_with = "null_as_default")]
    pub output: JsonMap,
    /// Tasks scheduled so far (empty when fetched with `includeTasks=false`).
    #[serde(deserialize_with = "null_as_default")]
    pub tasks: Vec<Task>,
    /// Workflow variables.
    #[serde(deserialize_with = "null_as_default")]
    pub variables: JsonMap,
    /// Task name (or `"*"`) → domain.
    #[serde(deserialize_with = "null_as_default")]
    pub task_to_domain: BTreeMap<String, String>,
    /// Reference names of failed tasks.
    #[serde(deserialize_with = "null_as_default")]
    pub failed_reference_task_names: Vec<String>,
    /// Names of failed tasks.
    #[serde(deserialize_with = "null_as_default")]
    pub failed_task_names: Vec<String>,
    /// Previous runs (always empty in OSS).
    #[serde(deserialize_with = "null_as_default")]
    pub history: Vec<Workflow>,
    /// Priority (0–99).
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// When the workflow was last retried (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub last_retried_time: i64,
    /// Whether the workflow is rate limited (always false in OSS).
    #[serde(deserialize_with = "null_as_default")]
    pub rate_limited: bool,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Parent workflow id (for sub-workflows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_workflow_id: Option<String>,
    /// Id of the parent's `SUB_WORKFLOW` task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_workflow_task_id: Option<String>,
    /// Execution this one was rerun from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub re_run_from_workflow_id: Option<String>,
    /// Why the workflow failed or was terminated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// Event that started the workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// External storage path of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// External storage path of the output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_output_payload_storage_path: Option<String>,
    /// Idempotency key (not populated by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Rate limit key (not populated by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_key: Option<String>,
    /// LLM token usage (agent executions, server v3.32.0+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_token_usage: Option<TokenUsage>,
    /// Application that owns the execution (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_app: Option<String>,
    /// Who started it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who last updated it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Keys this workflow lacked when it was deserialised (an older server's, or a partial object):
    /// serialising it leaves them out again while their value is the default, so a round trip adds
    /// no keys. Empty when built in code. Never serialised; ignored by `==`. See [`AbsentKeys`].
    #[serde(skip)]
    pub absent_keys: AbsentKeys,
}

keeps_shape!(Workflow, Execution);

impl Workflow {
    /// The most recent task with reference name `reference` (the last attempt when it was retried).
    ///
    /// ```
    /// use conductor_models::Workflow;
    ///
    /// let workflow: Workflow = serde_json::from_value(serde_json::json!({
    ///     "workflowId": "wf-1",
    ///     "tasks": [
    ///         {"taskId": "t-1", "referenceTaskName": "charge_ref", "status": "FAILED"},
    ///         {"taskId": "t-2", "referenceTaskName": "charge_ref", "status": "COMPLETED"}
    ///     ]
    /// }))?;
    /// // The retry, not the failed first attempt.
    /// assert_eq!(workflow.task_by_ref("charge_ref").map(|task| task.task_id.as_str()), Some("t-2"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn task_by_ref(&self, reference: &str) -> Option<&Task> {
        self.tasks
            .iter()
            .rev()
            .find(|task| task.reference_task_name == reference)
    }

    /// The tasks that are not finished (`SCHEDULED` or `IN_PROGRESS`).
    ///
    /// ```
    /// use conductor_models::Workflow;
    ///
    /// let workflow: Workflow = serde_json::from_value(serde_json::json!({
    ///     "tasks": [
    ///         {"referenceTaskName": "charge_ref", "status": "COMPLETED"},
    ///         {"referenceTaskName": "approval_ref", "status": "IN_PROGRESS"}
    ///     ]
    /// }))?;
    /// let pending: Vec<&str> = workflow.pending_tasks().map(|task| task.reference_task_name.as_str()).collect();
    /// assert_eq!(pending, ["approval_ref"]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn pending_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|task| !task.status.is_terminal())
    }

    /// The workflow name: the derived `workflowName`, else the embedded definition's name.
    ///
    /// ```
    /// use conductor_models::Workflow;
    ///
    /// let workflow: Workflow = serde_json::from_value(serde_json::json!({"workflowName": "order_fulfillment"}))?;
    /// assert_eq!(workflow.name(), Some("order_fulfillment"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.workflow_name.as_deref().or_else(|| {
            self.workflow_definition
                .as_ref()
                .map(|def| def.name.as_str())
        })
    }
}

/// The short status of an execution (`GET /workflow/{workflowId}/status`); the server's
/// `org.conductoross.conductor.model.WorkflowStatus` class, renamed because the enum owns the name.
///
/// ```
/// use conductor_models::{WorkflowStatus, WorkflowStatusSummary};
///
/// let summary: WorkflowStatusSummary =
///     serde_json::from_str(r#"{"workflowId": "wf-1", "status": "PAUSED"}"#).unwrap();
/// assert_eq!(summary.status, WorkflowStatus::Paused);
/// assert_eq!(summary.output, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowStatusSummary {
    /// Execution id.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_id: String,
    /// Correlation id (omitted when empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Output (only with `includeOutput=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<JsonMap>,
    /// Variables (only with `includeVariables=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<JsonMap>,
    /// Status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: WorkflowStatus,
}
