//! Search results: `SearchResult<T>`, `WorkflowSummary`, `TaskSummary`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;
use crate::{TaskStatus, WorkflowStatus};

/// One page of search results (`GET /workflow/search`, `/tasks/search`...): `{totalHits, results}`.
///
/// ```
/// use conductor_models::{SearchResult, WorkflowSummary};
///
/// let page: SearchResult<WorkflowSummary> = serde_json::from_str(
///     r#"{"totalHits": 120, "results": [{"workflowId": "wf-1", "workflowType": "order", "status": "RUNNING"}]}"#,
/// ).unwrap();
/// assert_eq!(page.total_hits, 120);
/// assert_eq!(page.results[0].workflow_id, "wf-1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "SearchResult{T}"))]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: Deserialize<'de>", serialize = "T: Serialize"))]
pub struct SearchResult<T> {
    /// Total number of matches (not just this page).
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_hits: i64,
    /// This page of matches.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<T>,
}

impl<T> Default for SearchResult<T> {
    fn default() -> Self {
        SearchResult {
            total_hits: 0,
            results: Vec::new(),
        }
    }
}

impl<T> SearchResult<T> {
    /// A page with the given total and results.
    ///
    /// ```
    /// use conductor_models::{SearchResult, WorkflowSummary};
    ///
    /// let page: SearchResult<WorkflowSummary> = SearchResult::new(0, Vec::new());
    /// assert_eq!(page.total_hits, 0);
    /// assert!(page.results.is_empty());
    /// ```
    pub fn new(total_hits: i64, results: Vec<T>) -> Self {
        SearchResult {
            total_hits,
            results,
        }
    }
}

/// A workflow search hit (`WorkflowSummary`).
///
/// Unlike `Workflow`, times are **strings** (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, UTC), `input`/`output` are
/// strings (by default Java's `Map.toString()`, e.g. `{a=1, b=x}`, not JSON), and
/// `failedReferenceTaskNames` is one comma-joined string.
///
/// ```
/// let summary: conductor_models::WorkflowSummary = serde_json::from_str(
///     r#"{"workflowId": "wf-1", "workflowType": "order", "version": 2, "status": "COMPLETED",
///         "startTime": "2026-11-22T04:00:00.000Z", "input": "{orderId=42}", "executionTime": 850}"#,
/// ).unwrap();
/// assert_eq!(summary.version, 2);
/// assert_eq!(summary.input.as_deref(), Some("{orderId=42}"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowSummary {
    /// Workflow name.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_type: String,
    /// Definition version.
    #[serde(deserialize_with = "null_as_default")]
    pub version: i32,
    /// Execution id.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_id: String,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Start time (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Last update (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// End time (formatted string; only once ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: WorkflowStatus,
    /// Input, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Output, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Derived: length of `input`.
    #[serde(deserialize_with = "null_as_default")]
    pub input_size: i64,
    /// Derived: length of `output`.
    #[serde(deserialize_with = "null_as_default")]
    pub output_size: i64,
    /// Failure reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// `endTime - startTime` in ms once ended, else 0.
    #[serde(deserialize_with = "null_as_default")]
    pub execution_time: i64,
    /// Event that started the workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Failed task reference names, comma-joined (default `""`).
    #[serde(deserialize_with = "null_as_default")]
    pub failed_reference_task_names: String,
    /// Failed task names.
    #[serde(deserialize_with = "null_as_default")]
    pub failed_task_names: Vec<String>,
    /// External storage path of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// External storage path of the output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_output_payload_storage_path: Option<String>,
    /// Priority.
    #[serde(deserialize_with = "null_as_default")]
    pub priority: i32,
    /// Who started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Task-to-domain mapping.
    #[serde(deserialize_with = "null_as_default")]
    pub task_to_domain: BTreeMap<String, String>,
    /// Idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Parent workflow id (`""` for top-level workflows; OSS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_workflow_id: Option<String>,
    /// `workflow` or `agent` (OSS v3.32+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classifier: Option<String>,
}

/// A task search hit (`TaskSummary`). Times and `input`/`output` are strings, as in
/// [`WorkflowSummary`]; an unset time reads `1970-01-01T00:00:00.000Z`.
///
/// ```
/// let summary: conductor_models::TaskSummary = serde_json::from_str(
///     r#"{"taskId": "t-1", "workflowId": "wf-1", "taskType": "greet", "status": "COMPLETED",
///         "scheduledTime": "2026-11-22T04:00:00.000Z", "queueWaitTime": 12}"#,
/// ).unwrap();
/// assert_eq!(summary.task_id, "t-1");
/// assert_eq!(summary.queue_wait_time, 12);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TaskSummary {
    /// Workflow id.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_id: String,
    /// Workflow name.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_type: String,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Scheduled time (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    /// Start time (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Last update (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// End time (formatted string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Status.
    #[serde(deserialize_with = "null_as_default")]
    pub status: TaskStatus,
    /// Failure reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    /// `endTime - startTime` in ms.
    #[serde(deserialize_with = "null_as_default")]
    pub execution_time: i64,
    /// `startTime - scheduledTime` in ms.
    #[serde(deserialize_with = "null_as_default")]
    pub queue_wait_time: i64,
    /// Task definition name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_def_name: Option<String>,
    /// Task type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Input, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Output, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Task id.
    #[serde(deserialize_with = "null_as_default")]
    pub task_id: String,
    /// External storage path of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_input_payload_storage_path: Option<String>,
    /// External storage path of the output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_output_payload_storage_path: Option<String>,
    /// Workflow priority.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_priority: i32,
    /// Domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Task reference name (Orkes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_reference_name: Option<String>,
}
