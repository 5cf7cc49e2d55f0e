//! `/api/tasks/...`: polling (with real long polls), updates (v1, v2, by reference, sync),
//! signals, logs, queue inspection and maintenance, task search.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use conductor_models::{
    JsonMap, PollData, ReturnStrategy, SearchResult, TaskResult, TaskResultStatus,
};

use super::workflow::{signal_response, wait_for};
use super::{
    ApiError, ApiResult, AppState, Body, P, Q, Shutdown, json, no_content, ok_empty, text,
};
use crate::engine::error::EngineError;
use crate::queue::queue_name;

/// Longest long poll a batch poll may ask for.
const MAX_LONG_POLL_MS: u64 = 5000;
/// The fixed wait of the single-task poll.
const SINGLE_POLL_WAIT_MS: u64 = 100;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/tasks", post(update))
        .route("/api/tasks/update-v2", post(update_v2))
        .route("/api/tasks/poll/{task_type}", get(poll))
        .route("/api/tasks/poll/batch/{task_type}", get(batch_poll))
        .route("/api/tasks/search", get(search))
        .route("/api/tasks/search-v2", get(search_v2))
        .route("/api/tasks/queue/size", get(queue_size))
        .route("/api/tasks/queue/sizes", get(queue_sizes))
        .route("/api/tasks/queue/all", get(queue_all))
        .route("/api/tasks/queue/all/verbose", get(queue_all_verbose))
        .route("/api/tasks/queue/polldata", get(poll_data))
        .route("/api/tasks/queue/polldata/all", get(poll_data_all))
        .route("/api/tasks/queue/requeue/{task_type}", post(requeue))
        .route(
            "/api/tasks/queue/{task_type}/{task_id}",
            delete(remove_from_queue),
        )
        .route("/api/tasks/{id}", get(get_task))
        .route("/api/tasks/{id}/log", get(get_logs).post(add_log))
        .route("/api/tasks/{id}/{second}/signal", post(signal))
        .route("/api/tasks/{id}/{second}/signal/sync", post(signal_sync))
        .route("/api/tasks/{id}/{second}/{status}", post(update_by_ref))
        .route(
            "/api/tasks/{id}/{second}/{status}/sync",
            post(update_by_ref_sync),
        )
}

async fn poll(
    State(engine): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    P(task_type): P<String>,
    q: Q,
) -> ApiResult {
    let worker = q.get("workerid").map(str::to_owned);
    let domain = q.non_empty("domain").map(str::to_owned);
    let mut tasks = tokio::select! {
        // A stopping server hands out no more tasks; `poll_wait` pops tasks and returns them in
        // the same step, so ending it at an await point never loses one.
        biased;
        () = shutdown.requested() => Vec::new(),
        tasks = engine.poll_wait(
            &task_type,
            worker.as_deref(),
            domain.as_deref(),
            1,
            Duration::from_millis(SINGLE_POLL_WAIT_MS),
        ) => tasks,
    };
    match tasks.pop() {
        Some(task) => json(&task),
        None => no_content(),
    }
}

async fn batch_poll(
    State(engine): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    P(task_type): P<String>,
    q: Q,
) -> ApiResult {
    let worker = q.get("workerid").map(str::to_owned);
    let domain = q.non_empty("domain").map(str::to_owned);
    let count: i64 = q.parse_or("count", "int", 1)?;
    let timeout: i64 = q.parse_or("timeout", "int", 100)?;
    if timeout > i64::try_from(MAX_LONG_POLL_MS).unwrap_or(i64::MAX) {
        return Err(ApiError::bad_request(
            "Long Poll Timeout value cannot be more than 5 seconds",
        ));
    }
    let count = usize::try_from(count.max(0)).unwrap_or(0);
    let timeout = Duration::from_millis(u64::try_from(timeout.max(0)).unwrap_or(0));
    let tasks = tokio::select! {
        biased;
        () = shutdown.requested() => Vec::new(),
        tasks = engine.poll_wait(
            &task_type,
            worker.as_deref(),
            domain.as_deref(),
            count,
            timeout,
        ) => tasks,
    };
    json(&tasks)
}

/// Parses a `TaskResult` body; an unknown `status` is refused like Jackson refuses an unknown
/// enum constant (500), instead of being stored verbatim.
fn task_result(body: &Body) -> Result<TaskResult, ApiError> {
    body.json_known()
}

async fn update(State(engine): State<AppState>, body: Body) -> ApiResult {
    let result = task_result(&body)?;
    text(
        engine
            .run(|e| e.update_task(&result))
            .await
            .map_err(|e| ApiError::from(e).with_body_values(&body))?,
    )
}

async fn update_v2(State(engine): State<AppState>, body: Body) -> ApiResult {
    let result = task_result(&body)?;
    if result.workflow_instance_id.is_empty() || result.task_id.is_empty() {
        // Controller-level @Valid in OSS: 500, not 400, with Spring's message.
        return Err(ApiError::internal(update_v2_violations(&result)));
    }
    let next = engine
        .run(|e| {
            e.update_task(&result)?;
            let task = e.store.task(&result.task_id).cloned();
            let terminal = task.as_ref().is_some_and(|t| t.status.is_terminal());
            if result.extend_lease || !terminal {
                return Ok::<_, EngineError>(None);
            }
            let task = task.unwrap_or_default();
            Ok(e.poll(
                &task.task_type,
                result.worker_id.as_deref(),
                task.domain.as_deref(),
                1,
            )
            .pop())
        })
        .await?;
    match next {
        Some(task) => json(&task),
        None => no_content(),
    }
}

/// Spring's `MethodArgumentNotValidException` message for an update-v2 body without a workflow
/// or task id, as conductor-oss answers it (with HTTP 500).
fn update_v2_violations(result: &TaskResult) -> String {
    let field_error = |field: &str, message: &str| {
        format!(
            "[Field error in object 'taskResult' on field '{field}': rejected value []; codes \
             [NotEmpty.taskResult.{field},NotEmpty.{field},NotEmpty.java.lang.String,NotEmpty]; \
             arguments [org.springframework.context.support.DefaultMessageSourceResolvable: codes \
             [taskResult.{field},{field}]; arguments []; default message [{field}]]; default \
             message [{message}]] "
        )
    };
    let mut errors = Vec::new();
    if result.workflow_instance_id.is_empty() {
        errors.push(field_error(
            "workflowInstanceId",
            "Workflow Id cannot be null or empty",
        ));
    }
    if result.task_id.is_empty() {
        errors.push(field_error("taskId", "Task ID cannot be null or empty"));
    }
    let count = if errors.len() > 1 {
        format!(" with {} errors", errors.len())
    } else {
        String::new()
    };
    format!(
        "Validation failed for argument [0] in public \
         org.springframework.http.ResponseEntity<com.netflix.conductor.common.metadata.tasks.Task> \
         com.netflix.conductor.rest.controllers.TaskResource.updateTaskV2(\
         com.netflix.conductor.common.metadata.tasks.TaskResult){count}: {}",
        errors.concat()
    )
}

fn result_status(raw: &str) -> Result<TaskResultStatus, ApiError> {
    let status = TaskResultStatus::from_wire(raw);
    if status.is_unknown() {
        return Err(super::enum_path_error(
            "status",
            "com.netflix.conductor.common.metadata.tasks.TaskResult$Status",
            raw,
        ));
    }
    Ok(status)
}

async fn update_by_ref(
    State(engine): State<AppState>,
    P((workflow_id, reference, status)): P<(String, String, String)>,
    q: Q,
    body: Body,
) -> ApiResult {
    let status = result_status(&status)?;
    let output: JsonMap = body.json_opt()?.unwrap_or_default();
    let worker = q.get("workerid").map(str::to_owned);
    match engine
        .run(|e| e.update_task_by_ref(&workflow_id, &reference, status, output, worker))
        .await?
    {
        Some(task_id) => text(task_id),
        None => ok_empty(),
    }
}

async fn update_by_ref_sync(
    State(engine): State<AppState>,
    P((workflow_id, reference, status)): P<(String, String, String)>,
    q: Q,
    body: Body,
) -> ApiResult {
    let status = result_status(&status)?;
    let output: JsonMap = body.json_opt()?.unwrap_or_default();
    let worker = q.get("workerid").map(str::to_owned);
    let workflow = engine
        .run(
            |e| match e.update_task_by_ref(&workflow_id, &reference, status, output, worker)? {
                Some(_) => e.get_workflow(&workflow_id, true),
                None => Err(EngineError::NotFound(format!(
                    "Found no running task {reference} of workflow {workflow_id} to update"
                ))),
            },
        )
        .await?;
    json(&workflow)
}

/// The blocking task of a workflow (a WAIT without deadline, also in running sub-workflows), as
/// `(workflow id, ref)`.
fn blocking_wait(
    engine: &AppState,
    workflow_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    Ok(engine.read(|e| {
        e.get_workflow(workflow_id, false)
            .map(|_| e.blocking_task(workflow_id))
    })?)
}

async fn signal(
    State(engine): State<AppState>,
    P((workflow_id, status)): P<(String, String)>,
    body: Body,
) -> ApiResult {
    let status = result_status(&status)?;
    let output: JsonMap = body.json_opt()?.unwrap_or_default();
    if let Some((target, reference)) = blocking_wait(&engine, &workflow_id)? {
        engine
            .run(|e| e.update_task_by_ref(&target, &reference, status, output, None))
            .await?;
    }
    ok_empty()
}

async fn signal_sync(
    State(engine): State<AppState>,
    Extension(shutdown): Extension<Shutdown>,
    P((workflow_id, status)): P<(String, String)>,
    q: Q,
    body: Body,
) -> ApiResult {
    let status = result_status(&status)?;
    let output: JsonMap = body.json_opt()?.unwrap_or_default();
    let strategy = q
        .non_empty("returnStrategy")
        .map_or(ReturnStrategy::TargetWorkflow, ReturnStrategy::from_wire);
    // A Java `long`: a negative value is accepted (and reads as no wait).
    let timeout_ms = u64::try_from(q.parse_or::<i64>("timeoutMillis", "long", 5000)?).unwrap_or(0);
    let Some((target, reference)) = blocking_wait(&engine, &workflow_id)? else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!("Found no blocked task in workflow {workflow_id} to signal"),
        ));
    };
    engine
        .run(|e| e.update_task_by_ref(&target, &reference, status, output, None))
        .await?;
    let (workflow, timed_out) = wait_for(
        &engine,
        &shutdown,
        &workflow_id,
        Duration::from_millis(timeout_ms),
        |wf| wf.status.is_terminal() || wf.tasks.iter().any(crate::engine::tasks::is_blocking_wait),
    )
    .await?;
    signal_response(
        &workflow,
        &strategy,
        &uuid::Uuid::new_v4().to_string(),
        &[],
        timed_out,
    )
}

async fn get_task(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    json(&engine.read(|e| e.get_task(&id))?)
}

async fn get_logs(State(engine): State<AppState>, P(id): P<String>) -> ApiResult {
    let logs = engine
        .run(|e| e.store.task_logs.get(&id).cloned().unwrap_or_default())
        .await;
    if logs.is_empty() {
        no_content()
    } else {
        json(&logs)
    }
}

async fn add_log(State(engine): State<AppState>, P(id): P<String>, body: Body) -> ApiResult {
    // A body of spaces is a log line; none at all is Spring's missing body (3.21.14, 3.32.3).
    if body.0.is_empty() {
        return Err(ApiError::internal(
            "Required request body is missing: public void com.netflix.conductor.rest.controllers.TaskResource.log(java.lang.String,java.lang.String)",
        ));
    }
    let line = body.text();
    engine.run(|e| e.add_log(&id, line)).await;
    ok_empty()
}

async fn queue_size(State(engine): State<AppState>, q: Q) -> ApiResult {
    let task_type = q.required("taskType")?.to_owned();
    let mut name = queue_name(&task_type, q.non_empty("domain"));
    if let Some(ns) = q.non_empty("executionNamespace") {
        name = format!("{name}@{ns}");
    }
    if let Some(group) = q.non_empty("isolationGroupId") {
        name = format!("{name}-{group}");
    }
    json(&engine.run(|e| e.store.queues.size(&name)).await)
}

async fn queue_sizes(State(engine): State<AppState>, q: Q) -> ApiResult {
    let types = q.all("taskType");
    // Present but empty (`?taskType=`) is an empty list to Spring: `{}`.
    if q.get("taskType").is_none() {
        return Err(ApiError::internal(
            "Required request parameter 'taskType' for method parameter type List is not present",
        ));
    }
    let sizes: BTreeMap<String, usize> = engine
        .run(|e| {
            types
                .iter()
                .map(|t| (t.clone(), e.store.queues.size(t)))
                .collect()
        })
        .await;
    json(&sizes)
}

async fn queue_all(State(engine): State<AppState>) -> ApiResult {
    json(&engine.run(|e| e.store.queues.sizes()).await)
}

async fn queue_all_verbose(State(engine): State<AppState>) -> ApiResult {
    let verbose: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>> = engine
        .run(|e| {
            e.store
                .queues
                .sizes()
                .into_iter()
                .map(|(name, size)| {
                    let shard =
                        BTreeMap::from([("size".to_owned(), size), ("uacked".to_owned(), 0)]);
                    (name, BTreeMap::from([("a".to_owned(), shard)]))
                })
                .collect()
        })
        .await;
    json(&verbose)
}

async fn poll_data(State(engine): State<AppState>, q: Q) -> ApiResult {
    let task_type = q.required("taskType")?.to_owned();
    // `@NotEmpty` on the parameter: spaces pass.
    if task_type.is_empty() {
        return Err(
            EngineError::Validation(vec![crate::engine::error::Violation::with_value(
                "getPollData.arg0",
                "TaskType cannot be null or empty.",
                "",
            )])
            .into(),
        );
    }
    let data: Vec<PollData> = engine
        .run(|e| {
            e.store
                .poll_data
                .iter()
                .filter(|((t, _), _)| *t == task_type)
                .map(|(_, p)| p.clone())
                .collect()
        })
        .await;
    json(&data)
}

async fn poll_data_all(State(engine): State<AppState>) -> ApiResult {
    json(
        &engine
            .run(|e| e.store.poll_data.values().cloned().collect::<Vec<_>>())
            .await,
    )
}

async fn requeue(State(engine): State<AppState>, P(task_type): P<String>) -> ApiResult {
    text(engine.run(|e| e.requeue(&task_type)).await.to_string())
}

async fn remove_from_queue(
    State(engine): State<AppState>,
    P((task_type, task_id)): P<(String, String)>,
) -> ApiResult {
    engine
        .run(|e| e.remove_from_queue(&task_type, &task_id))
        .await;
    ok_empty()
}

fn search_params(q: &Q) -> Result<crate::engine::workflow_ops::SearchParams, ApiError> {
    Ok(crate::engine::workflow_ops::SearchParams {
        start: q.parse_or("start", "int", 0)?,
        size: q.parse_or("size", "int", 100)?,
        sort: q.get("sort").map(str::to_owned),
        free_text: q.get("freeText").map(str::to_owned),
        query: q.get("query").map(str::to_owned),
    })
}

async fn search(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = search_params(&q)?;
    let mut summaries = engine.run(|e| e.search_task_summaries(&params)).await?;
    // `taskReferenceName` is an Orkes field: conductor-oss's `TaskSummary` has none.
    for summary in &mut summaries.results {
        summary.task_reference_name = None;
    }
    json(&summaries)
}

async fn search_v2(State(engine): State<AppState>, q: Q) -> ApiResult {
    let params = search_params(&q)?;
    let (hits, total) = engine.run(|e| e.search_tasks(&params)).await?;
    json(&SearchResult {
        total_hits: total,
        results: hits.into_iter().map(|(t, _)| t).collect(),
    })
}
