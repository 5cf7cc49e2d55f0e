//! `/api/workflow/...`: start (three forms), read, lifecycle operations, search, the mocked test
//! run, and the bulk resource.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Extension, Router};
use conductor_models::{
    BulkResponse, IdempotencyStrategy, JsonMap, RerunWorkflowRequest, ReturnStrategy,
    SkipTaskRequest, StartWorkflowRequest, TaskRun, Workflow, WorkflowDef, WorkflowRun,
    WorkflowTestRequest,
};
use serde_json::Value;

use super::unknown_constants::KnownConstants as _;
use super::{
    ApiError, ApiResult, AppState, Body, P, Q, Shutdown, json, no_content, ok_empty, text,
};
use crate::engine::error::{EngineError, EngineResult, Violation};
use crate::engine::executor::Exec;
use crate::engine::start::StartParams;
use crate::engine::workflow_ops::SearchParams;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/workflow", post(start))
        .route(
            "/api/workflow/{id}",
            get(get_workflow).post(start_by_name).delete(terminate),
        )
        .route("/api/workflow/{id}/status", get(status))
        .route("/api/workflow/{id}/tasks", get(tasks))
        .route("/api/workflow/{id}/remove", axum::routing::delete(remove))
        .route(
            "/api/workflow/{id}/terminate-remove",
            axum::routing::delete(terminate_remove),
        )
        .route("/api/workflow/{id}/pause", put(pause))
        .route("/api/workflow/{id}/resume", put(resume))
        .route("/api/workflow/{id}/restart", post(restart))
        .route("/api/workflow/{id}/retry", post(retry))
        .route("/api/workflow/{id}/rerun", post(rerun))
        .route("/api/workflow/{id}/resetcallbacks", post(reset_callbacks))
        .route("/api/workflow/{id}/variables", post(update_variables))
        .route("/api/workflow/{id}/skiptask/{reference}", put(skip_task))
        .route("/api/workflow/{id}/correlated", post(correlated_batch))
        .route(
            "/api/workflow/{id}/correlated/{correlation_id}",
            get(correlated),
        )
        .route("/api/workflow/running/{name}", get(running))
        .route("/api/workflow/decide/{id}", put(decide))
        .route("/api/workflow/search", get(search))
        .route("/api/workflow/search-v2", get(search_v2))
        .route("/api/workflow/search-by-tasks", get(search_by_tasks))
        .route("/api/workflow/search-by-tasks-v2", get(search_by_tasks_v2))
        .route("/api/workflow/execute/{name}/{version}", post(execute))
        .route("/api/workflow/test", post(test))
        .route("/api/workflow/bulk/pause", put(bulk_pause))
        .route("/api/workflow/bulk/resume", put(bulk_resume))
        .route("/api/workflow/bulk/restart", post(bulk_restart))
        .route("/api/workflow/bulk/retry", post(bulk_retry))
        .route("/api/workflow/bulk/terminate", post(bulk_terminate))
        .route(
            "/api/workflow/bulk/remove",
            axum::routing::delete(bulk_remove),
        )
        .route(
            "/api/workflow/bulk/terminate-remove",
            axum::routing::delete(bulk_terminate_remove),
        )
        .route("/api/workflow/bulk/search", post(bulk_search))
}

/// The error for a start request with a `null` input: like OSS (`WorkflowServiceImpl` looks the
/// definition up before `WorkflowExecutorOps.validateWorkflow` rejects the input), an unknown
/// definition is reported first.
fn null_input_error(engine: &AppState, request: &StartWorkflowRequest) -> ApiError {
    unknown_definition(engine, request)
        .unwrap_or_else(|| ApiError::bad_request("NULL input passed when starting workflow"))
}

/// The 404 of a start request whose definition is neither inline nor registered.
fn unknown_definition(engine: &AppState, request: &StartWorkflowRequest) -> Option<ApiError> {
    let known = request.workflow_def.is_some()
        || engine.with(|e| {
            e.store
                .workflow_def(&request.name, request.version)
                .is_some()
        });
    (!known).then(|| {
        EngineError::NotFound(format!(
            "No such workflow defined. name={}, version={}",
            request.name,
            request.version.map_or("null".to_owned(), |v| v.to_string())
        ))
        .into()
    })
}

/// The error for a start request whose input is in external storage (an empty input and a
/// non-blank `externalInputPayloadStoragePath`): the embedded server stores no payloads, and
/// like conductor-oss's default storage, whose payloads the server alone writes, it cannot
/// download one (a 500, after an unknown definition's 404). With an input, the path is ignored,
/// as there.
fn external_input_error(engine: &AppState, request: &StartWorkflowRequest) -> Option<ApiError> {
    let path = request
        .external_input_payload_storage_path
        .as_deref()
        .filter(|path| !path.trim().is_empty())?;
    if !request.input.is_empty() {
        return None;
    }
    Some(unknown_definition(engine, request).unwrap_or_else(|| {
        ApiError::internal(format!(
            "Unable to download payload from external storage path: {path}"
        ))
    }))
}

/// Parses a start request, enforcing what OSS validates (name, priority); the second value
/// tells whether the input was `null` (see [`null_input_error`]).
fn start_request(body: &Body) -> Result<(StartWorkflowRequest, bool), ApiError> {
    let raw: Value = body.json()?;
    let null_input = raw.get("input").is_some_and(Value::is_null)
        && raw.get("externalInputPayloadStoragePath").is_none();
    let request: StartWorkflowRequest = checked_start(raw, |r: &StartWorkflowRequest| {
        (&r.workflow_def, &r.idempotency_strategy, r.priority)
    })?;
    // An empty name passes the constraint and fails the definition lookup.
    if request.name.trim().is_empty() && request.workflow_def.is_none() {
        return Err(ApiError::bad_request(
            "Workflow name must be specified when searching for a definition",
        ));
    }
    Ok((request, null_input))
}

/// Reads a start (or test) request from its JSON: Jackson's coercions, the enum constants of an
/// inline definition and the `null`s its validators would dereference (`null_collections`),
/// then the request's bean constraints. `parts` gives the request's inline
/// definition and priority.
fn checked_start<T>(
    raw: Value,
    parts: impl Fn(&T) -> (&Option<WorkflowDef>, &Option<IdempotencyStrategy>, i32),
) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned + schemars::JsonSchema + 'static,
{
    if raw.is_array()
        && let Some(refused) = super::openapi::coerce::array_refused::<T>()
    {
        return Err(ApiError::internal(format!("JSON parse error: {refused}")));
    }
    let name_missing = raw.get("name").is_none_or(Value::is_null);
    let null_refused = raw
        .get("workflowDef")
        .filter(|def| def.is_object())
        .and_then(super::null_collections::refused);
    let request: T = super::openapi::coerce::from_value(raw)
        .map_err(|e| ApiError::internal(format!("JSON parse error: {e}")))?;
    let (def, strategy, priority) = parts(&request);
    if let Some(refused) = strategy
        .refused()
        .or_else(|| def.refused())
        .or(null_refused)
    {
        return Err(refused);
    }
    start_constraints(name_missing && def.is_none(), priority)?;
    Ok(request)
}

/// A start request's bean constraints (`@NotNull` name, `@Min(0)` / `@Max(99)` priority),
/// checked before anything else (also for a test run, whose request extends the start request).
fn start_constraints(name_missing: bool, priority: i32) -> Result<(), ApiError> {
    let mut violations = Vec::new();
    if name_missing {
        violations.push(Violation::new(
            "startWorkflow.arg0.name",
            "Workflow name cannot be null or empty",
        ));
    }
    let bound = if priority > 99 {
        Some(format!("priority: {priority} should be maximum 99"))
    } else if priority < 0 {
        Some(format!("priority: {priority} should be minimum 0"))
    } else {
        None
    };
    if let Some(message) = bound {
        violations.push(Violation::with_value(
            "startWorkflow.arg0.priority",
            message,
            priority,
        ));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Validation(violations).into())
    }
}

/// `StartWorkflowRequest.workflowDef` is `@Valid`: an inline definition is checked like a
/// registered one (e.g. an empty task list is a 400) before anything starts.
fn validate_inline_def(engine: &AppState, request: &StartWorkflowRequest) -> Result<(), ApiError> {
    let Some(def) = &request.workflow_def else {
        return Ok(());
    };
    let errors = engine.with(|e| {
        crate::engine::metadata::validate_workflow_def(
            def,
            "startWorkflow.arg0.workflowDef",
            &|name, key| e.template_has(name, key),
        )
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Validation(errors).into())
    }
}

fn start_params(request: StartWorkflowRequest) -> StartParams {
    let name = if request.name.is_empty() {
        request
            .workflow_def
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default()
    } else {
        request.name
    };
    StartParams {
        name,
        version: request.version,
        correlation_id: request.correlation_id,
        input: request.input,
        task_to_domain: request.task_to_domain,
        workflow_def: request.workflow_def,
        priority: request.priority,
        // OSS does not keep `StartWorkflowRequest.createdBy`: the execution has none.
        created_by: None,
        idempotency_key: request.idempotency_key,
        ..StartParams::default()
    }
}

async fn start(State(engine): State<AppState>, body: Body) -> ApiResult {
    let (request, null_input) = start_request(&body).map_err(|e| e.with_body_values(&body))?;
    if null_input {
        return Err(null_input_error(&engine, &request));
    }
    if let Some(error) = external_input_error(&engine, &request) {
        return Err(error);
    }
    validate_inline_def(&engine, &request).map_err(|e| e.with_body_values(&body))?;
    let id = engine
        .run(|e| e.start_workflow(start_params(request)))
        .await?;
    text(id)
}

async fn start_by_name(
    State(engine): State<AppState>,
    P(name): P<String>,
    q: Q,
    body: Body,
) -> ApiResult {
    let input: JsonMap = body.json()?;
    let version: Option<i32> = q.parse_opt("version", "java.lang.Integer")?;
    let priority: i32 = q.parse_or("priority", "int", 0)?;
    // `@Min(0)` / `@Max(99)` on the parameter.
    let bound = if priority < 0 {
        Some("0 is the minimum priority value")
    } else if priority > 99 {
        Some("99 is the maximum priority value")
    } else {
        None
    };
    if let Some(message) = bound {
        return Err(EngineError::Validation(vec![Violation::with_value(
            "startWorkflow.arg3",
            message,
            priority,
        )])
        .into());
    }
    let params = StartParams {
        name: name.clone(),
        version,
        correlation_id: q.get("correlationId").map(str::to_owned),
        input,
        priority,
        ..StartParams::default()
    };
    let id = engine
        .run(|e| {
            if e.store.workflow_def(&name, version).is_none() {
                return Err(EngineError::NotFound(format!(
                    "No such workflow found by name: {name}, version: {}",
                    version.map_or("null".into(), |v| v.to_string())
                )));
            }
            e.start_workflow(params)
        })
        .await?;
    text(id)
}

async fn get_workflow(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let include_tasks = q.bool_or("includeTasks", true)?;
    json(&engine.read(|e| e.get_workflow(&id, include_tasks))?)
}

async fn status(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let output = q.bool_or("includeOutput", false)?;
    let variables = q.bool_or("includeVariables", false)?;
    json(
        &engine
            .run(|e| e.workflow_status(&id, output, variables))
            .await?,
    )
}

async fn tasks(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    // Java `int`s, cut as Java's `subList` cuts (see `workflow_tasks`).
    let start = q.parse_or::<i32>("start", "java.lang.Integer", 0)?;
    let count = q.parse_or::<i32>("count", "java.lang.Integer", 15)?;
    let statuses = q.all("status");
    json(
        &engine
            .run(|e| e.workflow_tasks(&id, start, count, &statuses))
            .await?,
    )
}

async fn terminate(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let reason = q.get("reason").map(str::to_owned);
    engine.run(|e| e.terminate(&id, reason)).await?;
    ok_empty()
}

async fn remove(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let archive = q.bool_or("archiveWorkflow", true)?;
    engine.run(|e| e.remove_workflow(&id, archive)).await?;
    ok_empty()
}

/// `WorkflowServiceImpl.terminateRemove`: terminates, then removes; a workflow that cannot be
/// terminated (a COMPLETED one: 409) is not removed.
fn terminate_and_remove(
    e: &mut Exec<'_>,
    id: &str,
    reason: Option<String>,
    archive: bool,
) -> EngineResult<()> {
    e.terminate(id, reason)?;
    e.remove_workflow(id, archive)
}

async fn terminate_remove(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let reason = q.get("reason").map(str::to_owned);
    let archive = q.bool_or("archiveWorkflow", true)?;
    engine
        .run(|e| terminate_and_remove(e, &id, reason, archive))
        .await?;
    ok_empty()
}

async fn pause(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    engine.run(|e| e.pause(&id)).await?;
    ok_empty()
}

async fn resume(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    engine.run(|e| e.resume(&id)).await?;
    ok_empty()
}

async fn restart(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let latest = q.bool_or("useLatestDefinitions", false)?;
    engine.run(|e| e.restart(&id, latest)).await?;
    no_content()
}

async fn retry(State(engine): State<AppState>, P(id): P<String>, q: Q) -> ApiResult {
    let resume_subworkflows = q.bool_or("resumeSubworkflowTasks", false)?;
    engine
        .run(|e| e.retry_workflow_with(&id, resume_subworkflows))
        .await?;
    no_content()
}

async fn rerun(State(engine): State<AppState>, P(id): P<String>, body: Body) -> ApiResult {
    let request: RerunWorkflowRequest = body.json_opt()?.unwrap_or_default();
    text(engine.run(|e| e.rerun(&id, request)).await?)
}

async fn reset_callbacks(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    engine.run(|e| e.reset_callbacks(&id)).await?;
    no_content()
}

async fn update_variables(
    State(engine): State<AppState>,
    P(id): P<String>,
    body: Body,
) -> ApiResult {
    let variables: JsonMap = body.json()?;
    json(&engine.run(|e| e.update_variables(&id, variables)).await?)
}

async fn skip_task(
    State(engine): State<AppState>,
    P((id, reference)): P<(String, String)>,
) -> ApiResult {
    // OSS's controller takes the `SkipTaskRequest` without `@RequestBody`: a JSON body (as Orkes
    // and the SDKs send it) is ignored, so the skipped task gets no input or output.
    engine
        .run(|e| e.skip_task(&id, &reference, SkipTaskRequest::default()))
        .await?;
    ok_empty()
}

async fn correlated(
    State(engine): State<AppState>,
    P((name, correlation_id)): P<(String, String)>,
    q: Q,
) -> ApiResult {
    let closed = q.bool_or("includeClosed", false)?;
    let tasks = q.bool_or("includeTasks", false)?;
    json(
        &engine
            .run(|e| e.correlated(&name, &correlation_id, closed, tasks))
            .await,
    )
}

async fn correlated_batch(
    State(engine): State<AppState>,
    P(name): P<String>,
    q: Q,
    body: Body,
) -> ApiResult {
    let ids: Vec<String> = body.json()?;
    let closed = q.bool_or("includeClosed", false)?;
    let tasks = q.bool_or("includeTasks", false)?;
    let result: BTreeMap<String, Vec<Workflow>> = engine
        .run(|e| {
            ids.iter()
                .map(|cid| (cid.clone(), e.correlated(&name, cid, closed, tasks)))
                .collect()
        })
        .await;
    json(&result)
}

async fn running(State(engine): State<AppState>, P(name): P<String>, q: Q) -> ApiResult {
    let version: i32 = q.parse_or("version", "int", 1)?;
    let start: i64 = q.parse_or("startTime", "java.lang.Long", 0)?;
    let end: i64 = q.parse_or("endTime", "java.lang.Long", 0)?;
    let window = (start != 0 && end != 0).then_some((start, end));
    json(&engine.run(|e| e.running_ids(&name, version, window)).await)
}

async fn decide(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    engine
        .run(|e| {
            // OSS reads the workflow first: an unknown id is a 404.
            e.get_workflow(&id, false)?;
            e.decide(&id);
            Ok::<(), EngineError>(())
        })
        .await?;
    ok_empty()
}

fn search_params(q: &Q) -> Result<SearchParams, ApiError> {
    Ok(SearchParams {
        start: q.parse_or("start", "int", 0)?,
        size: q.parse_or("size", "int", 100)?,
        sort: q.get("sort").map(str::to_owned),
        free_text: q.get("freeText").map(str::to_owned),
        query: q.get("query").map(str::to_owned),
    })
}

/// The parameters of `/workflow/search` and `search-v2`, whose `classifier` and `topLevelOnly`
/// are folded into the query as OSS's `WorkflowResource` does (`withClassifierFilter`,
/// `withTopLevelFilter`: appended with `AND`, without parentheses).
fn workflow_search_params(q: &Q) -> Result<SearchParams, ApiError> {
    let mut params = search_params(q)?;
    let mut clauses = Vec::new();
    let classifiers: Vec<String> = q.all("classifier");
    if !classifiers.is_empty() {
        clauses.push(format!("classifier IN ({})", classifiers.join(",")));
    }
    if q.bool_or("topLevelOnly", false)? {
        clauses.push("parentWorkflowId=\"\"".to_owned());
    }
    for clause in clauses {
        params.query = Some(match params.query.take().filter(|q| !q.trim().is_empty()) {
            Some(query) => format!("{query} AND {clause}"),
            None => clause,
        });
    }
    Ok(params)
}

async fn search(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = workflow_search_params(&q)?;
    json(&engine.run(|e| e.search_summaries(&params, false)).await?)
}

async fn search_v2(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = workflow_search_params(&q)?;
    json(&engine.run(|e| e.search_workflows(&params, false)).await?)
}

async fn search_by_tasks(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = search_params(&q)?;
    json(&engine.run(|e| e.search_summaries(&params, true)).await?)
}

async fn search_by_tasks_v2(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = search_params(&q)?;
    json(&engine.run(|e| e.search_workflows(&params, true)).await?)
}

async fn test(State(engine): State<AppState>, body: Body) -> ApiResult {
    let request: WorkflowTestRequest = checked_start(body.json()?, |r: &WorkflowTestRequest| {
        (&r.workflow_def, &r.idempotency_strategy, r.priority)
    })?;
    // The answer is the finished run: its scripts are evaluated in place.
    json(&engine.with(|e| e.evaluating_in_place(|e| e.test_workflow(request)))?)
}

/// Renders a sync-execution / signal response for `strategy`.
pub(super) fn signal_response(
    workflow: &Workflow,
    strategy: &ReturnStrategy,
    request_id: &str,
    wait_refs: &[String],
    timed_out: bool,
) -> ApiResult {
    let blocking = workflow
        .tasks
        .iter()
        .find(|t| wait_refs.contains(&t.reference_task_name) && t.status.is_terminal())
        .or_else(|| {
            workflow
                .tasks
                .iter()
                .find(|t| crate::engine::tasks::is_blocking_wait(t))
        });
    match strategy {
        ReturnStrategy::BlockingTask | ReturnStrategy::BlockingTaskInput => {
            let Some(task) = blocking else {
                // OSS's responder maps the missing task to null, which Reactor refuses (500).
                return Err(ApiError::internal(
                    "The mapper [com.netflix.conductor.rest.controllers.WorkflowSignalResponder$$Lambda] \
                     returned a null value.",
                ));
            };
            let run = TaskRun {
                response_type: strategy.clone(),
                target_workflow_id: Some(workflow.workflow_id.clone()),
                target_workflow_status: Some(workflow.status.as_str().to_owned()),
                request_id: Some(request_id.to_owned()),
                workflow_id: Some(task.workflow_instance_id.clone()),
                correlation_id: task.correlation_id.clone(),
                input: task.input_data.clone(),
                output: task.output_data.clone(),
                signal_timeout: timed_out,
                task_type: Some(task.task_type.clone()),
                task_id: Some(task.task_id.clone()),
                reference_task_name: Some(task.reference_task_name.clone()),
                retry_count: task.retry_count,
                task_def_name: Some(task.task_def_name.clone()),
                retried_task_id: task.retried_task_id.clone(),
                workflow_type: Some(task.workflow_type.clone()),
                reason_for_incompletion: task.reason_for_incompletion.clone(),
                priority: task.workflow_priority,
                created_by: task.worker_id.clone(),
                create_time: task.start_time,
                update_time: task.update_time,
                status: task.status.clone(),
                ..TaskRun::default()
            };
            json(&run)
        }
        ReturnStrategy::TargetWorkflow | ReturnStrategy::BlockingWorkflow => {
            let run = WorkflowRun {
                response_type: strategy.clone(),
                target_workflow_id: Some(workflow.workflow_id.clone()),
                target_workflow_status: Some(workflow.status.as_str().to_owned()),
                request_id: Some(request_id.to_owned()),
                workflow_id: Some(workflow.workflow_id.clone()),
                correlation_id: workflow.correlation_id.clone(),
                input: workflow.input.clone(),
                output: workflow.output.clone(),
                signal_timeout: timed_out,
                priority: workflow.priority,
                variables: workflow.variables.clone(),
                tasks: workflow.tasks.clone(),
                created_by: workflow.created_by.clone(),
                create_time: workflow.create_time.unwrap_or(0),
                status: workflow.status.clone(),
                update_time: workflow.update_time.unwrap_or(0),
            };
            json(&run)
        }
        ReturnStrategy::Unknown(raw) => Err(ApiError::internal(format!(
            "No enum constant WorkflowSignalReturnStrategy.{raw}"
        ))),
        other => Err(ApiError::internal(format!(
            "Unsupported return strategy {other}"
        ))),
    }
}

/// Waits (without polling) until `done` holds for the workflow, `timeout` elapses or the server
/// shuts down; returns the workflow and whether the wait ended before `done` held.
pub(super) async fn wait_for(
    engine: &AppState,
    shutdown: &Shutdown,
    id: &str,
    timeout: Duration,
    done: impl Fn(&Workflow) -> bool,
) -> Result<(Workflow, bool), ApiError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let changed = engine.changed();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let workflow = engine.read(|e| e.get_workflow(id, true))?;
        if done(&workflow) {
            return Ok((workflow, false));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok((workflow, true));
        }
        let stopping = tokio::select! {
            () = &mut changed => false,
            () = tokio::time::sleep_until(deadline) => false,
            () = shutdown.requested() => true,
        };
        if stopping {
            let workflow = engine.read(|e| e.get_workflow(id, true))?;
            return Ok((workflow, true));
        }
    }
}

async fn execute(
    State(engine): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    P((name, version)): P<(String, String)>,
    q: Q,
    body: Body,
) -> ApiResult {
    let version: i32 = version.parse().map_err(|_| {
        ApiError::internal(format!(
            "Failed to convert path variable version: \"{version}\""
        ))
    })?;
    // The path names the workflow: the body may omit `name` (and may be empty).
    let mut raw: Value = body.json_opt()?.unwrap_or_else(|| serde_json::json!({}));
    if let Value::Object(map) = &mut raw {
        map.insert("name".into(), Value::String(name));
        map.remove("version");
    }
    let (mut request, null_input) = start_request(&Body(raw.to_string().into()))?;
    request.version = (version > 0).then_some(version);
    if null_input {
        return Err(null_input_error(&engine, &request));
    }
    let request_id = q
        .non_empty("requestId")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let wait_refs = q.all("waitUntilTaskRef");
    // A Java `int`: 0 reads as the default, a negative value as no wait (as on 3.32.3).
    let wait_seconds = match q.parse_or::<i32>("waitForSeconds", "int", 10)? {
        0 => 10,
        n => u64::try_from(n).unwrap_or(0),
    };
    let strategy = q
        .non_empty("returnStrategy")
        .map_or(ReturnStrategy::TargetWorkflow, ReturnStrategy::from_wire);
    if strategy.is_unknown() {
        return Err(ApiError::internal(format!(
            "No enum constant WorkflowSignalReturnStrategy.{strategy}"
        )));
    }
    let id = engine
        .run(|e| e.start_workflow(start_params(request)))
        .await?;
    let refs = wait_refs.clone();
    let (workflow, timed_out) = wait_for(
        &engine,
        &shutdown,
        &id,
        Duration::from_secs(wait_seconds),
        move |wf| {
            wf.status.is_terminal()
                || wf
                    .tasks
                    .iter()
                    .any(|t| refs.contains(&t.reference_task_name) && t.status.is_terminal())
                || wf.tasks.iter().any(crate::engine::tasks::is_blocking_wait)
        },
    )
    .await?;
    signal_response(&workflow, &strategy, &request_id, &wait_refs, timed_out)
}

fn bulk_ids(body: &Body) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = body.json()?;
    // `@NotEmpty` and `@Size(max = 1000)` on the list, with conductor-oss's messages.
    let violated = if ids.is_empty() {
        "WorkflowIds list cannot be null."
    } else if ids.len() > 1000 {
        "Cannot process more than 1000 workflows. Please use multiple requests."
    } else {
        return Ok(ids);
    };
    Err(EngineError::Validation(vec![Violation::new("workflowIds", violated)]).into())
}

async fn bulk(
    engine: &AppState,
    ids: Vec<String>,
    op: impl Fn(&mut Exec<'_>, &str) -> EngineResult<()>,
) -> ApiResult {
    let mut response = BulkResponse {
        bulk_successful_results: Vec::new(),
        bulk_error_results: BTreeMap::new(),
        message: None,
    };
    engine
        .run(|e| {
            for id in ids {
                match op(e, &id) {
                    Ok(()) => response.bulk_successful_results.push(id),
                    Err(error) => {
                        response.bulk_error_results.insert(id, error.to_string());
                    }
                }
            }
        })
        .await;
    json(&response)
}

async fn bulk_pause(State(engine): State<AppState>, body: Body) -> ApiResult {
    bulk(&engine, bulk_ids(&body)?, |e, id| e.pause(id)).await
}

async fn bulk_resume(State(engine): State<AppState>, body: Body) -> ApiResult {
    bulk(&engine, bulk_ids(&body)?, |e, id| e.resume(id)).await
}

async fn bulk_restart(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let latest = q.bool_or("useLatestDefinitions", false)?;
    bulk(&engine, bulk_ids(&body)?, |e, id| e.restart(id, latest)).await
}

async fn bulk_retry(State(engine): State<AppState>, body: Body) -> ApiResult {
    bulk(&engine, bulk_ids(&body)?, |e, id| e.retry_workflow(id)).await
}

async fn bulk_terminate(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let reason = q.get("reason").map(str::to_owned);
    bulk(&engine, bulk_ids(&body)?, |e, id| {
        e.terminate(id, reason.clone())
    })
    .await
}

async fn bulk_remove(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let archive = q.bool_or("archiveWorkflow", true)?;
    bulk(&engine, bulk_ids(&body)?, |e, id| {
        e.remove_workflow(id, archive)
    })
    .await
}

/// `WorkflowBulkServiceImpl.terminateRemove`: two steps per id, each recorded on its own, so a
/// running workflow is listed twice as successful, a completed one as failed (terminate) and
/// successful (remove), and an unknown one as failed.
async fn bulk_terminate_remove(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let reason = q.get("reason").map(str::to_owned);
    let archive = q.bool_or("archiveWorkflow", true)?;
    let ids = bulk_ids(&body)?;
    let mut response = BulkResponse {
        bulk_successful_results: Vec::new(),
        bulk_error_results: BTreeMap::new(),
        message: None,
    };
    engine
        .run(|e| {
            for id in ids {
                let steps = [
                    e.terminate(&id, reason.clone()),
                    e.remove_workflow(&id, archive),
                ];
                for step in steps {
                    match step {
                        Ok(()) => response.bulk_successful_results.push(id.clone()),
                        Err(error) => {
                            response
                                .bulk_error_results
                                .insert(id.clone(), error.to_string());
                        }
                    }
                }
            }
        })
        .await;
    json(&response)
}

async fn bulk_search(State(engine): State<AppState>, q: Q, body: Body) -> ApiResult {
    let include_tasks = q.bool_or("includeTasks", true)?;
    let ids = bulk_ids(&body)?;
    let mut response: BulkResponse<Workflow> = BulkResponse {
        bulk_successful_results: Vec::new(),
        bulk_error_results: BTreeMap::new(),
        message: None,
    };
    engine
        .run(|e| {
            for id in ids {
                match e.get_workflow(&id, include_tasks) {
                    Ok(wf) => response.bulk_successful_results.push(wf),
                    Err(error) => {
                        response.bulk_error_results.insert(id, error.to_string());
                    }
                }
            }
        })
        .await;
    json(&response)
}
