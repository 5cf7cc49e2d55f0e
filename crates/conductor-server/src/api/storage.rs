//! `GET /api/tasks/externalstoragelocation` and `GET /api/workflow/externalstoragelocation` (with
//! their `external-storage-location` aliases): where a large payload should be stored.
//!
//! The dev server has no external payload storage; it answers like OSS with its default
//! `DummyPayloadStorage`: a location with a fresh `path` (the given path, a UUID, `.json`) and no
//! `uri`.

use axum::Router;
use axum::routing::get;
use conductor_models::ExternalStorageLocation;

use super::{ApiError, ApiResult, AppState, Q, json};

const OPERATIONS: [&str; 2] = ["READ", "WRITE"];
const PAYLOAD_TYPES: [&str; 4] = [
    "WORKFLOW_INPUT",
    "WORKFLOW_OUTPUT",
    "TASK_INPUT",
    "TASK_OUTPUT",
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tasks/externalstoragelocation", get(location))
        .route("/api/tasks/external-storage-location", get(location))
        .route("/api/workflow/externalstoragelocation", get(location))
        .route("/api/workflow/external-storage-location", get(location))
}

async fn location(q: Q) -> ApiResult {
    let path = q.required("path")?;
    let operation = q.required("operation")?;
    let payload_type = q.required("payloadType")?;
    // `ExecutionService.getExternalStorageLocation` upper-cases both and maps any failure to an
    // `IllegalArgumentException` (400).
    if !OPERATIONS.contains(&operation.to_uppercase().as_str())
        || !PAYLOAD_TYPES.contains(&payload_type.to_uppercase().as_str())
    {
        return Err(ApiError::bad_request(format!(
            "Invalid input - Operation: {operation}, PayloadType: {payload_type}"
        )));
    }
    json(&ExternalStorageLocation {
        uri: None,
        path: Some(format!("{path}{}.json", uuid::Uuid::new_v4())),
    })
}
