//! Server-version compatibility against wiremock, with the exact answers conductor-oss 3.21.14
//! gives for endpoints it lacks (recorded with curl, see `docs/compatibility.md`): every fallback
//! (health, version, workflow status and tasks, sync execute, signal, names and versions, v2
//! searches), every typed `UnsupportedByServer`, the restored 409/404 statuses of SQL-backed
//! servers, and that a missing endpoint is asked for once per client (shared by its clones).

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::time::Duration;

use common::{
    Harness, Sent, error_response, json_response, task_json, task_summary_json, text_response,
    workflow_json, workflow_summary_json,
};
use conductor_client::models::{
    EventHandler, ReturnStrategy, SignalResponse, StartWorkflowRequest, TaskResult,
    TaskResultStatus, TaskStatus, WorkflowDef, WorkflowStatus,
};
use conductor_client::{
    ConductorError, ExecuteOptions, SearchQuery, WorkflowStatusOptions, WorkflowTasksOptions,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// conductor-oss's answer for a path no handler serves.
fn no_static_resource(path: &str) -> ResponseTemplate {
    error_response(
        404,
        &format!("No static resource {}.", path.trim_start_matches('/')),
    )
}

/// conductor-oss before 3.32's answer for a known path with the wrong method.
fn method_not_supported(verb: &str) -> ResponseTemplate {
    error_response(500, &format!("Request method '{verb}' is not supported"))
}

async fn mount(h: &Harness, verb: &str, at: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(response)
        .mount(&h.server)
        .await;
}

/// Like [`mount`], but only for the first `times` matching requests (earlier mounts win ties).
async fn mount_times(h: &Harness, verb: &str, at: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(response)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&h.server)
        .await;
}

async fn calls(h: &Harness, verb: &str, at: &str) -> Vec<Sent> {
    h.requests()
        .await
        .into_iter()
        .filter(|sent| sent.method == verb && sent.path == at)
        .collect()
}

async fn count(h: &Harness, verb: &str, at: &str) -> usize {
    calls(h, verb, at).await.len()
}

fn with_tasks(workflow_id: &str, status: &str, tasks: Vec<Value>) -> Value {
    let mut workflow = workflow_json(workflow_id, status);
    workflow["tasks"] = Value::Array(tasks);
    workflow
}

fn task(task_id: &str, task_type: &str, reference: &str, status: &str) -> Value {
    let mut task = task_json(task_id, status);
    task["taskType"] = json!(task_type);
    task["referenceTaskName"] = json!(reference);
    task["inputData"] = json!({});
    task
}

fn missing_endpoints(h: &Harness) -> Vec<String> {
    h.client.api_client().capabilities().missing_endpoints()
}

// ---------------------------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_endpoint_404_never_becomes_workflow_not_found() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        no_static_resource("/api/workflow/wf-1"),
    )
    .await;
    let error = h
        .client
        .workflow_client()
        .get_workflow("wf-1")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConductorError::Api { status: 404, .. }),
        "{error:?}"
    );
    assert!(error.is_missing_endpoint());
    assert!(!error.is_not_found());
}

// ---------------------------------------------------------------------------------------------
// Health and version
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_falls_back_to_the_root_once_per_client_and_its_clones() {
    let h = Harness::new().await;
    mount(&h, "GET", "/api/health", no_static_resource("/api/health")).await;
    mount(
        &h,
        "GET",
        "/health",
        json_response(
            &json!({"healthResults": [], "suppressedHealthResults": [], "healthy": true}),
        ),
    )
    .await;

    assert!(h.client.health().await.unwrap().healthy);
    assert!(h.client.health().await.unwrap().healthy);
    let clone = h.client.clone();
    assert!(clone.health().await.unwrap().healthy);

    assert_eq!(count(&h, "GET", "/api/health").await, 1);
    assert_eq!(count(&h, "GET", "/health").await, 3);
    assert_eq!(missing_endpoints(&h), vec!["GET /health".to_owned()]);
}

#[tokio::test]
async fn health_of_an_unreachable_root_is_the_root_error() {
    let h = Harness::new().await;
    mount(&h, "GET", "/api/health", no_static_resource("/api/health")).await;
    let error = h.client.health().await.unwrap_err();
    // wiremock answers 404 (empty body) for the unmatched /health.
    assert_eq!(error.status(), Some(404), "{error:?}");
}

#[tokio::test]
async fn version_falls_back_to_actuator_info_once() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/version",
        no_static_resource("/api/version"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/actuator/info",
        json_response(&json!({"build": {"artifact": "conductor-server", "version": "3.21.14"}})),
    )
    .await;

    assert_eq!(h.client.version().await.unwrap(), "3.21.14");
    assert_eq!(h.client.version().await.unwrap(), "3.21.14");
    assert_eq!(count(&h, "GET", "/api/version").await, 1);
    assert_eq!(count(&h, "GET", "/actuator/info").await, 2);
}

#[tokio::test]
async fn version_without_any_source_is_unsupported_by_server() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/version",
        no_static_resource("/api/version"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/actuator/info",
        no_static_resource("/actuator/info"),
    )
    .await;
    let error = h.client.version().await.unwrap_err();
    assert!(
        matches!(&error, ConductorError::UnsupportedByServer { endpoint, since }
            if endpoint == "GET /version" && since.contains("3.22.0")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Workflow status and tasks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn workflow_status_falls_back_to_the_workflow_once() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1/status",
        no_static_resource("/api/workflow/wf-1/status"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&workflow_json("wf-1", "RUNNING")),
    )
    .await;
    let workflows = h.client.workflow_client();

    let summary = workflows.get_workflow_status("wf-1").await.unwrap();
    assert_eq!(summary.workflow_id, "wf-1");
    assert_eq!(summary.status, WorkflowStatus::Running);
    assert_eq!(summary.correlation_id.as_deref(), Some("order-7"));
    assert_eq!((summary.output, summary.variables), (None, None));

    let summary = workflows
        .get_workflow_status_with(
            "wf-1",
            &WorkflowStatusOptions::new()
                .include_output(true)
                .include_variables(true),
        )
        .await
        .unwrap();
    assert_eq!(summary.output, Some(serde_json::Map::new()));
    assert_eq!(summary.variables.unwrap()["attempt"], 1);

    assert_eq!(count(&h, "GET", "/api/workflow/wf-1/status").await, 1);
    let reads = calls(&h, "GET", "/api/workflow/wf-1").await;
    assert_eq!(reads.len(), 2);
    assert!(
        reads
            .iter()
            .all(|sent| sent.query == [("includeTasks".to_owned(), "false".to_owned())])
    );
}

#[tokio::test]
async fn workflow_status_fallback_still_reports_a_missing_workflow() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/workflow/nope/status",
        no_static_resource("/api/workflow/nope/status"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/nope",
        error_response(404, "No such workflow found by id: nope"),
    )
    .await;
    let error = h
        .client
        .workflow_client()
        .get_workflow_status("nope")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConductorError::WorkflowNotFound(id) if id == "nope"),
        "{error:?}"
    );
}

#[tokio::test]
async fn workflow_tasks_fall_back_to_paging_the_workflow() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1/tasks",
        no_static_resource("/api/workflow/wf-1/tasks"),
    )
    .await;
    let tasks = vec![
        task("t1", "SIMPLE", "a", "COMPLETED"),
        task("t2", "SIMPLE", "b", "FAILED"),
        task("t3", "SIMPLE", "c", "COMPLETED"),
        task("t4", "SIMPLE", "d", "COMPLETED"),
        task("t5", "SIMPLE", "e", "IN_PROGRESS"),
    ];
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "RUNNING", tasks)),
    )
    .await;
    let workflows = h.client.workflow_client();

    let page = workflows
        .get_workflow_tasks_with(
            "wf-1",
            &WorkflowTasksOptions::new()
                .start(1)
                .count(2)
                .status(TaskStatus::Completed),
        )
        .await
        .unwrap();
    assert_eq!(page.total_hits, 3);
    let ids: Vec<&str> = page.results.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, ["t3", "t4"]);

    let all = workflows.get_workflow_tasks("wf-1").await.unwrap();
    assert_eq!((all.total_hits, all.results.len()), (5, 5));
    assert_eq!(count(&h, "GET", "/api/workflow/wf-1/tasks").await, 1);
}

// ---------------------------------------------------------------------------------------------
// Synchronous execution
// ---------------------------------------------------------------------------------------------

const EXECUTE_PATH: &str = "/api/workflow/execute/video_pipeline/0";

async fn old_execute(h: &Harness) {
    mount(h, "POST", EXECUTE_PATH, no_static_resource(EXECUTE_PATH)).await;
    mount(h, "POST", "/api/workflow", text_response("wf-1")).await;
}

#[tokio::test]
async fn execute_falls_back_to_start_then_poll_until_terminal() {
    let h = Harness::new().await;
    old_execute(&h).await;
    mount_times(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks(
            "wf-1",
            "RUNNING",
            vec![task("t1", "SIMPLE", "a", "SCHEDULED")],
        )),
        1,
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks(
            "wf-1",
            "COMPLETED",
            vec![task("t1", "SIMPLE", "a", "COMPLETED")],
        )),
    )
    .await;
    let request = StartWorkflowRequest::new("video_pipeline").with_input_value("x", 1);

    let run = h
        .client
        .workflow_client()
        .execute_workflow(&request, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert_eq!(run.workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(run.target_workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(run.target_workflow_status.as_deref(), Some("COMPLETED"));
    assert_eq!(run.response_type, ReturnStrategy::TargetWorkflow);
    assert!(!run.signal_timeout);
    assert_eq!(run.request_id.as_ref().map(String::len), Some(36));
    assert_eq!(run.tasks.len(), 1);

    let started = calls(&h, "POST", "/api/workflow").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].json_body()["name"], "video_pipeline");
    assert_eq!(started[0].json_body()["input"]["x"], 1);
    assert!(count(&h, "GET", "/api/workflow/wf-1").await >= 2);

    // Known missing now: the next execute starts directly.
    h.client
        .workflow_client()
        .execute_workflow(&request, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(count(&h, "POST", EXECUTE_PATH).await, 1);
    assert_eq!(count(&h, "POST", "/api/workflow").await, 2);
}

#[tokio::test]
async fn execute_fallback_returns_the_blocking_wait_task() {
    let h = Harness::new().await;
    old_execute(&h).await;
    let mut wait = task("t2", "WAIT", "approve", "IN_PROGRESS");
    wait["inputData"] = json!({"question": "ok?"});
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks(
            "wf-1",
            "RUNNING",
            vec![task("t1", "SIMPLE", "a", "COMPLETED"), wait],
        )),
    )
    .await;

    let response = h
        .client
        .workflow_client()
        .execute_workflow_with(
            &StartWorkflowRequest::new("video_pipeline"),
            &ExecuteOptions::new()
                .return_strategy(ReturnStrategy::BlockingTaskInput)
                .request_id("req-1"),
        )
        .await
        .unwrap();
    let SignalResponse::Task(run) = response else {
        panic!("expected a task run: {response:?}");
    };
    assert_eq!(run.task_id.as_deref(), Some("t2"));
    assert_eq!(run.reference_task_name.as_deref(), Some("approve"));
    assert_eq!(run.input["question"], "ok?");
    assert_eq!(run.request_id.as_deref(), Some("req-1"));
    assert_eq!(run.target_workflow_status.as_deref(), Some("RUNNING"));
    assert_eq!(run.response_type, ReturnStrategy::BlockingTaskInput);
}

#[tokio::test]
async fn execute_fallback_finds_the_blocking_sub_workflow() {
    let h = Harness::new().await;
    old_execute(&h).await;
    let mut sub_task = task("t1", "SUB_WORKFLOW", "child", "IN_PROGRESS");
    sub_task["subWorkflowId"] = json!("sub-1");
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "RUNNING", vec![sub_task])),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/sub-1",
        json_response(&with_tasks(
            "sub-1",
            "RUNNING",
            vec![task("s1", "WAIT", "wait_in_child", "IN_PROGRESS")],
        )),
    )
    .await;

    let response = h
        .client
        .workflow_client()
        .execute_workflow_with(
            &StartWorkflowRequest::new("video_pipeline"),
            &ExecuteOptions::new().return_strategy(ReturnStrategy::BlockingWorkflow),
        )
        .await
        .unwrap();
    let run = response.as_workflow().unwrap();
    assert_eq!(run.workflow_id.as_deref(), Some("sub-1"));
    assert_eq!(run.target_workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(run.response_type, ReturnStrategy::BlockingWorkflow);
}

#[tokio::test]
async fn execute_fallback_waits_for_the_named_task_refs() {
    let h = Harness::new().await;
    old_execute(&h).await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks(
            "wf-1",
            "RUNNING",
            vec![
                task("t1", "SIMPLE", "first", "COMPLETED"),
                task("t2", "SIMPLE", "second", "SCHEDULED"),
            ],
        )),
    )
    .await;

    let response = h
        .client
        .workflow_client()
        .execute_workflow_with(
            &StartWorkflowRequest::new("video_pipeline"),
            &ExecuteOptions::new()
                .wait_until_task_ref("first")
                .return_strategy(ReturnStrategy::BlockingTask),
        )
        .await
        .unwrap();
    assert_eq!(
        response.as_task().unwrap().reference_task_name.as_deref(),
        Some("first")
    );
}

#[tokio::test]
async fn execute_fallback_times_out_with_the_current_state() {
    let h = Harness::new().await;
    old_execute(&h).await;
    // A timed WAIT does not block a synchronous call.
    let mut timed_wait = task("t1", "WAIT", "pause", "IN_PROGRESS");
    timed_wait["inputData"] = json!({"duration": "1 hour"});
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "RUNNING", vec![timed_wait])),
    )
    .await;
    let started = std::time::Instant::now();

    let run = h
        .client
        .workflow_client()
        .execute_workflow(
            &StartWorkflowRequest::new("video_pipeline"),
            Duration::from_millis(300),
        )
        .await
        .unwrap();
    assert!(run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);
    // `wait_for` is rounded up to whole seconds, as for the server.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn execute_fallback_without_a_blocking_task_for_a_task_strategy_is_a_workflow_error() {
    let h = Harness::new().await;
    old_execute(&h).await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "COMPLETED", Vec::new())),
    )
    .await;
    let error = h
        .client
        .workflow_client()
        .execute_workflow_with(
            &StartWorkflowRequest::new("video_pipeline"),
            &ExecuteOptions::new().return_strategy(ReturnStrategy::BlockingTask),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Workflow(_)), "{error:?}");
    assert!(error.to_string().contains("no blocking task"), "{error}");
}

#[tokio::test]
async fn a_native_execute_is_used_as_is() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        EXECUTE_PATH,
        json_response(&common::workflow_run_json(
            "wf-9",
            "COMPLETED",
            "TARGET_WORKFLOW",
        )),
    )
    .await;
    let run = h
        .client
        .workflow_client()
        .execute_workflow(
            &StartWorkflowRequest::new("video_pipeline"),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(run.workflow_id.as_deref(), Some("wf-9"));
    assert_eq!(h.requests().await.len(), 1);
    assert!(missing_endpoints(&h).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

/// The answer of conductor-oss 3.21.14 to `POST /tasks/{id}/COMPLETED/signal` (recorded).
fn signal_collision() -> ResponseTemplate {
    error_response(
        500,
        "Method parameter 'status': Failed to convert value of type 'java.lang.String' to \
         required type 'com.netflix.conductor.common.metadata.tasks.TaskResult$Status'; Failed \
         to convert from type [java.lang.String] to type [@org.springframework.web.bind.\
         annotation.PathVariable com.netflix.conductor.common.metadata.tasks.TaskResult$Status] \
         for value [signal]",
    )
}

fn waiting_workflow(output: Value) -> Value {
    let mut wait = task("t2", "WAIT", "approve", "IN_PROGRESS");
    wait["outputData"] = output;
    wait["workflowInstanceId"] = json!("wf-1");
    with_tasks(
        "wf-1",
        "RUNNING",
        vec![task("t1", "SIMPLE", "a", "COMPLETED"), wait],
    )
}

#[tokio::test]
async fn signal_falls_back_to_updating_the_pending_wait_task() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/wf-1/COMPLETED/signal",
        signal_collision(),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&waiting_workflow(json!({"kept": true}))),
    )
    .await;
    mount(&h, "POST", "/api/tasks", text_response("t2")).await;
    let tasks = h.client.task_client();

    tasks
        .signal(
            "wf-1",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
        )
        .await
        .unwrap();
    tasks
        .signal(
            "wf-1",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
        )
        .await
        .unwrap();

    assert_eq!(
        count(&h, "POST", "/api/tasks/wf-1/COMPLETED/signal").await,
        1
    );
    let updates = calls(&h, "POST", "/api/tasks").await;
    assert_eq!(updates.len(), 2);
    let body = updates[0].json_body();
    assert_eq!(body["taskId"], "t2");
    assert_eq!(body["workflowInstanceId"], "wf-1");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["outputData"], json!({"kept": true, "approved": true}));
}

#[tokio::test]
async fn signal_fallback_without_a_wait_task_does_nothing() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/wf-1/COMPLETED/signal",
        signal_collision(),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks(
            "wf-1",
            "RUNNING",
            vec![task("t1", "SIMPLE", "a", "SCHEDULED")],
        )),
    )
    .await;
    h.client
        .task_client()
        .signal("wf-1", TaskResultStatus::Completed, &json!({}))
        .await
        .unwrap();
    assert_eq!(count(&h, "POST", "/api/tasks").await, 0);
}

#[tokio::test]
async fn signal_sync_falls_back_to_signal_then_wait() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/wf-1/COMPLETED/signal/sync",
        signal_collision(),
    )
    .await;
    mount_times(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&waiting_workflow(json!({}))),
        1,
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "COMPLETED", Vec::new())),
    )
    .await;
    mount(&h, "POST", "/api/tasks", text_response("t2")).await;

    let response = h
        .client
        .task_client()
        .signal_sync(
            "wf-1",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
            ReturnStrategy::TargetWorkflow,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let run = response.as_workflow().unwrap();
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert_eq!(count(&h, "POST", "/api/tasks").await, 1);
}

#[tokio::test]
async fn signal_sync_fallback_without_a_blocked_task_is_the_servers_404() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/wf-1/COMPLETED/signal/sync",
        signal_collision(),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&with_tasks("wf-1", "RUNNING", Vec::new())),
    )
    .await;
    let error = h
        .client
        .task_client()
        .signal_sync(
            "wf-1",
            TaskResultStatus::Completed,
            &json!({}),
            ReturnStrategy::TargetWorkflow,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert!(
        error.to_string().contains("Found no blocked task"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Endpoints without a fallback
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_v2_on_a_server_before_3_21_12_is_unsupported_and_not_asked_again() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/update-v2",
        method_not_supported("POST"),
    )
    .await;
    let tasks = h.client.task_client();
    let result = TaskResult::completed("t-1", "wf-1");
    for _ in 0..3 {
        let error = tasks.update_task_v2(&result).await.unwrap_err();
        assert!(
            matches!(&error, ConductorError::UnsupportedByServer { endpoint, since }
                if endpoint == "POST /tasks/update-v2" && since.contains("3.21.12")),
            "{error:?}"
        );
    }
    assert_eq!(count(&h, "POST", "/api/tasks/update-v2").await, 1);
}

#[tokio::test]
async fn update_v2_errors_about_the_task_are_not_mistaken_for_a_missing_endpoint() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/tasks/update-v2",
        error_response(404, "No such workflow found by id: wf-1"),
    )
    .await;
    let tasks = h.client.task_client();
    let result = TaskResult::completed("t-1", "wf-1");
    for _ in 0..2 {
        let error = tasks.update_task_v2(&result).await.unwrap_err();
        assert!(error.is_not_found(), "{error:?}");
    }
    assert_eq!(count(&h, "POST", "/api/tasks/update-v2").await, 2);
    assert!(missing_endpoints(&h).is_empty());
}

#[tokio::test]
async fn remove_task_from_queue_is_unsupported_on_every_oss_answer() {
    for answer in [
        method_not_supported("DELETE"),
        error_response(405, "Request method 'DELETE' is not supported"),
    ] {
        let h = Harness::new().await;
        h.respond(answer).await;
        let tasks = h.client.task_client();
        for _ in 0..2 {
            let error = tasks
                .remove_task_from_queue("encode", "t-1")
                .await
                .unwrap_err();
            assert!(error.is_unsupported_by_server(), "{error:?}");
        }
        assert_eq!(h.requests().await.len(), 1);
    }
}

#[tokio::test]
async fn update_variables_on_oss_is_unsupported() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/workflow/wf-1/variables",
        no_static_resource("/api/workflow/wf-1/variables"),
    )
    .await;
    let workflows = h.client.workflow_client();
    for _ in 0..2 {
        let error = workflows
            .update_variables("wf-1", &json!({"a": 1}))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ConductorError::UnsupportedByServer { since, .. } if since.contains("Orkes")),
            "{error:?}"
        );
    }
    assert_eq!(h.requests().await.len(), 1);
}

#[tokio::test]
async fn send_message_with_the_feature_off_is_unsupported_but_a_missing_workflow_is_not() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/workflow/wf-1/messages",
        ResponseTemplate::new(404).set_body_string("Workflow not found: wf-1"),
    )
    .await;
    let error = h
        .client
        .workflow_client()
        .send_message("wf-1", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");

    let h = Harness::new().await;
    h.respond(no_static_resource("/api/workflow/wf-1/messages"))
        .await;
    let error = h
        .client
        .workflow_client()
        .send_message("wf-1", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(error.is_unsupported_by_server(), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

fn names_and_versions() -> ResponseTemplate {
    json_response(&json!({
        "zeta": [{"name": "zeta", "version": 1, "createTime": 0}],
        "alpha": [
            {"name": "alpha", "version": 2, "createTime": 0},
            {"name": "alpha", "version": 1, "createTime": 0}
        ]
    }))
}

#[tokio::test]
async fn workflow_names_fall_back_to_names_and_versions() {
    let h = Harness::new().await;
    // Before 3.30 the path is read as a definition called "names".
    mount(
        &h,
        "GET",
        "/api/metadata/workflow/names",
        error_response(404, "No such workflow found by name: names, version: null"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/metadata/workflow/names-and-versions",
        names_and_versions(),
    )
    .await;
    let metadata = h.client.metadata_client();
    assert_eq!(
        metadata.get_workflow_names().await.unwrap(),
        ["alpha", "zeta"]
    );
    assert_eq!(
        metadata.get_workflow_names().await.unwrap(),
        ["alpha", "zeta"]
    );
    assert_eq!(count(&h, "GET", "/api/metadata/workflow/names").await, 1);
}

#[tokio::test]
async fn workflow_def_versions_fall_back_to_names_and_versions() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/metadata/workflow/names-and-versions",
        names_and_versions(),
    )
    .await;
    // Mounted second, so the more specific mock above wins.
    h.respond(method_not_supported("GET")).await;
    let metadata = h.client.metadata_client();
    let versions = metadata.get_workflow_def_versions("alpha").await.unwrap();
    let numbers: Vec<i32> = versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [1, 2]);
    assert!(
        metadata
            .get_workflow_def_versions("unknown")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        count(&h, "GET", "/api/metadata/workflow/alpha/versions").await,
        1
    );
    assert_eq!(
        count(&h, "GET", "/api/metadata/workflow/unknown/versions").await,
        0
    );
}

#[tokio::test]
async fn a_wrapped_duplicate_definition_is_a_conflict_and_upserts_switch_to_put() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/metadata/workflow",
        error_response(500, "Workflow with video_pipeline.1 already exists!"),
    )
    .await;
    mount(
        &h,
        "PUT",
        "/api/metadata/workflow",
        json_response(
            &json!({"bulkErrorResults": {}, "bulkSuccessfulResults": ["video_pipeline"]}),
        ),
    )
    .await;
    let metadata = h.client.metadata_client();
    let def = WorkflowDef::new("video_pipeline");

    let error = metadata.register_workflow_def(&def).await.unwrap_err();
    assert!(error.is_conflict(), "{error:?}");
    assert_eq!(error.error_response().map(|r| r.status), Some(500));

    metadata
        .register_or_update_workflow_def(&def)
        .await
        .unwrap();
    metadata
        .register_or_update_workflow_def(&def)
        .await
        .unwrap();
    let posts = calls(&h, "POST", "/api/metadata/workflow").await;
    let with_overwrite = posts
        .iter()
        .filter(|sent| sent.query.iter().any(|(name, _)| name == "overwrite"))
        .count();
    assert_eq!(with_overwrite, 1);
    assert_eq!(count(&h, "PUT", "/api/metadata/workflow").await, 2);
}

#[tokio::test]
async fn wrapped_not_found_answers_of_deletes_are_404() {
    let h = Harness::new().await;
    mount(
        &h,
        "DELETE",
        "/api/metadata/taskdefs/gone",
        error_response(500, "No such task definition"),
    )
    .await;
    mount(
        &h,
        "DELETE",
        "/api/metadata/workflow/gone/1",
        error_response(500, "No such workflow definition: gone version: 1"),
    )
    .await;
    let metadata = h.client.metadata_client();
    assert!(
        metadata
            .delete_task_def("gone")
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        metadata
            .delete_workflow_def("gone", 1)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn wrapped_event_handler_answers_are_409_and_404() {
    let h = Harness::new().await;
    mount(
        &h,
        "POST",
        "/api/event",
        error_response(500, "EventHandler with name h already exists!"),
    )
    .await;
    mount(
        &h,
        "PUT",
        "/api/event",
        error_response(500, "EventHandler with name h not found!"),
    )
    .await;
    mount(
        &h,
        "DELETE",
        "/api/event/h",
        error_response(500, "EventHandler with name h not found!"),
    )
    .await;
    let events = h.client.event_client();
    let handler: EventHandler = serde_json::from_value(json!({
        "name": "h", "event": "conductor:wf:ref", "actions": [], "active": false
    }))
    .unwrap();
    assert!(
        events
            .register_event_handler(&handler)
            .await
            .unwrap_err()
            .is_conflict()
    );
    assert!(
        events
            .update_event_handler(&handler)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        events
            .delete_event_handler("h")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

// ---------------------------------------------------------------------------------------------
// v2 searches on an index without id search (SQLite before 3.23.0)
// ---------------------------------------------------------------------------------------------

fn result_is_null() -> ResponseTemplate {
    error_response(
        500,
        "Cannot invoke \"com.netflix.conductor.common.run.SearchResult.getResults()\" because \
         \"result\" is null",
    )
}

#[tokio::test]
async fn task_search_v2_falls_back_to_summaries_and_reads() {
    let h = Harness::new().await;
    mount(&h, "GET", "/api/tasks/search-v2", result_is_null()).await;
    mount(
        &h,
        "GET",
        "/api/tasks/search",
        json_response(&json!({
            "totalHits": 3,
            "results": [task_summary_json("t1"), task_summary_json("t2"), task_summary_json("t3")]
        })),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/tasks/t1",
        json_response(&task_json("t1", "IN_PROGRESS")),
    )
    .await;
    // Gone since the index was written (3.21 answers 204 for an unknown task).
    mount(&h, "GET", "/api/tasks/t2", ResponseTemplate::new(204)).await;
    mount(
        &h,
        "GET",
        "/api/tasks/t3",
        json_response(&task_json("t3", "IN_PROGRESS")),
    )
    .await;
    let tasks = h.client.task_client();

    let found = tasks
        .get_tasks_in_progress("encode_video", 0, 10)
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, ["t1", "t3"]);
    let page = tasks
        .search_tasks_v2(&SearchQuery::new().query("status = 'IN_PROGRESS'"))
        .await
        .unwrap();
    assert_eq!(page.total_hits, 2);
    assert_eq!(count(&h, "GET", "/api/tasks/search-v2").await, 1);
    let summary_searches = calls(&h, "GET", "/api/tasks/search").await;
    assert_eq!(summary_searches.len(), 2);
    assert!(
        summary_searches[0]
            .query
            .contains(&("size".to_owned(), "10".to_owned()))
    );
}

#[tokio::test]
async fn workflow_search_v2_falls_back_to_summaries_and_reads() {
    let h = Harness::new().await;
    mount(&h, "GET", "/api/workflow/search-v2", result_is_null()).await;
    mount(
        &h,
        "GET",
        "/api/workflow/search",
        json_response(&json!({
            "totalHits": 1,
            "results": [workflow_summary_json("wf-1")]
        })),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/workflow/wf-1"))
        .and(query_param("includeTasks", "false"))
        .respond_with(json_response(&workflow_json("wf-1", "RUNNING")))
        .mount(&h.server)
        .await;
    let found = h
        .client
        .workflow_client()
        .search_workflows_v2(&SearchQuery::new())
        .await
        .unwrap();
    assert_eq!(found.total_hits, 1);
    assert_eq!(found.results[0].workflow_id, "wf-1");
}

// ---------------------------------------------------------------------------------------------
// Sharing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn what_one_resource_client_learns_every_other_one_knows() {
    let h = Harness::new().await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1/status",
        no_static_resource("/api/workflow/wf-1/status"),
    )
    .await;
    mount(
        &h,
        "GET",
        "/api/workflow/wf-1",
        json_response(&workflow_json("wf-1", "RUNNING")),
    )
    .await;
    h.client
        .workflow_client()
        .get_workflow_status("wf-1")
        .await
        .unwrap();
    let other = conductor_client::ConductorClient::from_api_client(h.client.api_client().clone());
    let workflows = other.workflow_client();
    let clone = workflows.clone();
    clone.get_workflow_status("wf-1").await.unwrap();
    assert_eq!(count(&h, "GET", "/api/workflow/wf-1/status").await, 1);

    // A fresh client asks again.
    let fresh = conductor_client::ConductorClient::new(h.client.configuration().clone()).unwrap();
    fresh
        .workflow_client()
        .get_workflow_status("wf-1")
        .await
        .unwrap();
    assert_eq!(count(&h, "GET", "/api/workflow/wf-1/status").await, 2);
}

#[tokio::test]
async fn a_busy_sqlite_store_in_a_bulk_update_is_retried() {
    let h = Harness::new().await;
    mount_times(
        &h,
        "PUT",
        "/api/metadata/workflow",
        json_response(&json!({
            "bulkErrorResults": {
                "video_pipeline": "[SQLITE_BUSY] The database file is locked (database is locked)"
            },
            "bulkSuccessfulResults": []
        })),
        1,
    )
    .await;
    mount(
        &h,
        "PUT",
        "/api/metadata/workflow",
        json_response(
            &json!({"bulkErrorResults": {}, "bulkSuccessfulResults": ["video_pipeline"]}),
        ),
    )
    .await;
    let retrying = conductor_client::ConductorClient::new(
        conductor_client::Configuration::new(h.server.uri()).with_retry_policy(
            conductor_client::RetryPolicy::default().with_initial_backoff(Duration::from_millis(1)),
        ),
    )
    .unwrap();
    retrying
        .metadata_client()
        .update_workflow_def(&WorkflowDef::new("video_pipeline"))
        .await
        .unwrap();
    assert_eq!(count(&h, "PUT", "/api/metadata/workflow").await, 2);
}
