//! `/api/metadata/...` (task and workflow definitions) and `/api/event` (event handlers).

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use conductor_models::{EventHandler, TaskDef, WorkflowDef};

use super::{ApiError, ApiResult, AppState, Body, P, Q, json, ok_empty};
use crate::engine::error::EngineError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/metadata/workflow",
            post(register_workflow)
                .put(update_workflows)
                .get(list_workflows),
        )
        .route("/api/metadata/workflow/validate", post(validate_workflow))
        .route("/api/metadata/workflow/names", get(names))
        .route(
            "/api/metadata/workflow/names-and-versions",
            get(names_and_versions),
        )
        .route(
            "/api/metadata/workflow/latest-versions",
            get(latest_versions),
        )
        .route("/api/metadata/workflow/{name}", get(get_workflow))
        .route("/api/metadata/workflow/{name}/versions", get(versions))
        .route(
            "/api/metadata/workflow/{name}/{version}",
            axum::routing::delete(delete_workflow),
        )
        .route(
            "/api/metadata/taskdefs",
            post(register_task_defs)
                .put(update_task_def)
                .get(list_task_defs),
        )
        .route(
            "/api/metadata/taskdefs/{name}",
            get(get_task_def).delete(delete_task_def),
        )
        .route(
            "/api/event",
            post(add_handler).put(update_handler).get(list_handlers),
        )
        .route(
            "/api/event/{name}",
            get(handlers_for_event).delete(remove_handler),
        )
}

async fn register_workflow(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let def: WorkflowDef = body.workflow_defs()?;
    let overwrite = q.bool_or("overwrite", false)?;
    engine
        .with(|e| e.register_workflow_def(def, overwrite))
        .map_err(|e| ApiError::from(e).with_body_values(&body))?;
    ok_empty()
}

async fn update_workflows(State(engine): State<AppState>, body: Body) -> ApiResult {
    let defs: Vec<WorkflowDef> = body.workflow_defs()?;
    json(
        &engine
            .with(|e| e.update_workflow_defs(defs))
            .map_err(|e| ApiError::from(e).with_body_values(&body))?,
    )
}

async fn list_workflows(State(engine): State<AppState>, q: Q) -> ApiResult {
    let classifier = q.non_empty("classifier").map(str::to_owned);
    let defs = engine.with(|e| e.all_workflow_defs());
    let defs: Vec<WorkflowDef> = match classifier.as_deref() {
        None | Some("workflow") => defs,
        Some(_) => Vec::new(),
    };
    json(&defs)
}

async fn validate_workflow(State(engine): State<AppState>, body: Body) -> ApiResult {
    let def: WorkflowDef = body.workflow_defs()?;
    engine
        .with(|e| e.validate_workflow(&def))
        .map_err(|e| ApiError::from(e).with_body_values(&body))?;
    ok_empty()
}

async fn names(State(engine): State<AppState>) -> ApiResult {
    json(&engine.with(|e| e.names_and_versions().into_keys().collect::<Vec<_>>()))
}

async fn names_and_versions(State(engine): State<AppState>) -> ApiResult {
    json(&engine.with(|e| e.names_and_versions()))
}

async fn latest_versions(State(engine): State<AppState>) -> ApiResult {
    json(&engine.with(|e| e.latest_workflow_defs()))
}

async fn get_workflow(State(engine): State<AppState>, P(name): P<String>, q: Q) -> ApiResult {
    let version: Option<i32> = q.parse_opt("version", "java.lang.Integer")?;
    json(&engine.read(|e| e.get_workflow_def(&name, version))?)
}

async fn versions(State(engine): State<AppState>, P(name): P<String>) -> ApiResult {
    json(&engine.with(|e| e.workflow_def_versions(&name)))
}

async fn delete_workflow(
    State(engine): State<AppState>,
    P((name, version)): P<(String, String)>,
) -> ApiResult {
    let version: i32 = version.trim().parse().map_err(|_| {
        super::conversion_error(
            "version",
            "java.lang.Integer",
            &format!("For input string: \"{version}\""),
        )
    })?;
    engine
        .with(|e| e.delete_workflow_def(&name, version))
        .map_err(dao_error)?;
    ok_empty()
}

/// An unknown or duplicate name found by conductor-oss's metadata and event-handler DAOs: they
/// throw plain exceptions, which its REST layer answers with 500 and the DAO's message (3.21.14
/// and 3.32.3, by the wire diff). The SDK maps those messages to `is_not_found()` /
/// `is_conflict()`; validation errors keep their 400.
fn dao_error(error: EngineError) -> ApiError {
    match error {
        EngineError::NotFound(message) | EngineError::Conflict(message) => {
            ApiError::internal(message)
        }
        other => other.into(),
    }
}

/// The client application OSS records as `createdBy` / `updatedBy` (`WorkflowContext`'s client
/// app): empty on a server without auth.
const CLIENT_APP: &str = "";

async fn register_task_defs(State(engine): State<AppState>, body: Body) -> ApiResult {
    let mut defs: Vec<TaskDef> = body.json_known()?;
    // `MetadataServiceImpl.registerTaskDef` stamps the creator over whatever was sent.
    for def in &mut defs {
        def.created_by = Some(CLIENT_APP.to_owned());
    }
    engine
        .with(|e| e.register_task_defs(defs))
        .map_err(|e| ApiError::from(e).with_body_values(&body))?;
    ok_empty()
}

async fn update_task_def(State(engine): State<AppState>, body: Body) -> ApiResult {
    let mut def: TaskDef = body.json_known()?;
    // `updateTaskDef` stamps the updater; the stored definition keeps a creator.
    def.updated_by = Some(CLIENT_APP.to_owned());
    def.created_by.get_or_insert_with(|| CLIENT_APP.to_owned());
    engine
        .with(|e| e.update_task_def(def))
        .map_err(|e| ApiError::from(e).with_body_values(&body))?;
    ok_empty()
}

async fn list_task_defs(State(engine): State<AppState>) -> ApiResult {
    json(&engine.with(|e| e.store.task_defs.values().cloned().collect::<Vec<_>>()))
}

async fn get_task_def(State(engine): State<AppState>, P(name): P<String>) -> ApiResult {
    json(&engine.with(|e| e.task_def(&name))?)
}

async fn delete_task_def(State(engine): State<AppState>, P(name): P<String>) -> ApiResult {
    engine
        .with(|e| e.delete_task_def(&name))
        .map_err(dao_error)?;
    ok_empty()
}

async fn add_handler(State(engine): State<AppState>, body: Body) -> ApiResult {
    let handler: EventHandler = body.json_known()?;
    let actions_null = actions_null(&body);
    engine
        .with(|e| e.add_event_handler(handler, actions_null))
        .map_err(|e| dao_error(e).with_body_values(&body))?;
    ok_empty()
}

async fn update_handler(State(engine): State<AppState>, body: Body) -> ApiResult {
    let handler: EventHandler = body.json_known()?;
    let actions_null = actions_null(&body);
    engine
        .with(|e| e.update_event_handler(handler, actions_null))
        .map_err(|e| dao_error(e).with_body_values(&body))?;
    ok_empty()
}

/// Whether an event handler's body sets `actions` to `null` (the models read it as empty):
/// conductor-oss then reports its `@NotNull` too.
fn actions_null(body: &Body) -> bool {
    body.raw_json()
        .is_some_and(|raw| raw.get("actions").is_some_and(serde_json::Value::is_null))
}

async fn list_handlers(State(engine): State<AppState>) -> ApiResult {
    json(&engine.with(|e| e.store.event_handlers.values().cloned().collect::<Vec<_>>()))
}

async fn handlers_for_event(
    State(engine): State<AppState>,
    P(event): P<String>,
    q: Q,
) -> ApiResult {
    let active_only = q.bool_or("activeOnly", true)?;
    json(&engine.with(|e| e.event_handlers_for(&event, active_only)))
}

async fn remove_handler(State(engine): State<AppState>, P(name): P<String>) -> ApiResult {
    engine
        .with(|e| e.remove_event_handler(&name))
        .map_err(dao_error)?;
    ok_empty()
}
