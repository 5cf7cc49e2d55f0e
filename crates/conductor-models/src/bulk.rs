//! `BulkResponse<T>`: the result of the `/workflow/bulk/...` operations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;

/// Result of a bulk operation (`/workflow/bulk/...`): ids that succeeded, and id → error message.
///
/// ```
/// use conductor_models::BulkResponse;
///
/// let response: BulkResponse = serde_json::from_value(serde_json::json!({
///     "bulkSuccessfulResults": ["wf-1", "wf-2"], "bulkErrorResults": {}
/// }))?;
/// assert!(response.is_all_successful());
/// assert_eq!(response.bulk_successful_results, ["wf-1", "wf-2"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "BulkResponse{T}"))]
#[serde(rename_all = "camelCase")]
#[serde(bound(deserialize = "T: Deserialize<'de>", serialize = "T: Serialize"))]
pub struct BulkResponse<T = String> {
    /// The successful results (workflow ids for most operations).
    #[serde(default, deserialize_with = "null_as_default")]
    pub bulk_successful_results: Vec<T>,
    /// Failed id → error message.
    #[serde(default, deserialize_with = "null_as_default")]
    pub bulk_error_results: BTreeMap<String, String>,
    /// Summary message (sent by Orkes; OSS omits it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl<T> Default for BulkResponse<T> {
    fn default() -> Self {
        BulkResponse {
            bulk_successful_results: Vec::new(),
            bulk_error_results: BTreeMap::new(),
            message: None,
        }
    }
}

impl<T> BulkResponse<T> {
    /// `true` when no item failed.
    ///
    /// ```
    /// use conductor_models::BulkResponse;
    ///
    /// let response: BulkResponse = serde_json::from_value(serde_json::json!({
    ///     "bulkSuccessfulResults": ["wf-1"],
    ///     "bulkErrorResults": {"wf-2": "Workflow is in a terminal state"}
    /// }))?;
    /// assert!(!response.is_all_successful());
    /// assert_eq!(response.bulk_error_results["wf-2"], "Workflow is in a terminal state");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_all_successful(&self) -> bool {
        self.bulk_error_results.is_empty()
    }
}
