//! Wire-contract tests of `WorkflowClient` (start, execute, read, lifecycle, search,
//! correlation lookups, bulk operations): the exact request of every method and the decoding of
//! real-shaped answers, including TEXT ids, 204s, not-found mapping, sub-second execute rounding
//! and return strategies.

mod common;

use std::time::Duration;

use common::{
    Harness, bulk_json, empty_ok, error_response, json_response, no_content, task_json,
    task_run_json, text_response, workflow_json, workflow_run_json, workflow_summary_json,
};
use conductor_client::models::{
    JsonMap, RerunWorkflowRequest, ReturnStrategy, SignalResponse, SkipTaskRequest,
    StartWorkflowRequest, TaskMock, TaskStatus, WorkflowStatus, WorkflowTestRequest,
};
use conductor_client::{
    ConductorClient, ConductorError, Configuration, CorrelationOptions, ExecuteOptions,
    GetWorkflowOptions, RemoveOptions, RestartOptions, RetryOptions, RetryPolicy,
    RunningWorkflowsOptions, SearchQuery, StartWorkflowOptions, TerminateOptions,
    TerminateRemoveOptions, WorkflowStatusOptions, WorkflowTasksOptions,
};
use serde_json::{Value, json};

/// Method, encoded path and query parameters of one expected request.
type ExpectedCall<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

fn request() -> StartWorkflowRequest {
    StartWorkflowRequest::new("my_workflow")
        .with_version(1)
        .with_input_value("name", "John")
}

fn object(value: Value) -> JsonMap {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Start / execute / test
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn start_workflow_posts_the_request_and_returns_the_text_id() {
    let h = Harness::new().await;
    h.respond(text_response("3f2c9a1e-7b7d-4c52-9d0e-1a2b3c4d5e6f"))
        .await;
    let request = request().with_correlation_id("order-7");

    let id = h
        .client
        .workflow_client()
        .start_workflow(&request)
        .await
        .unwrap();

    assert_eq!(id, "3f2c9a1e-7b7d-4c52-9d0e-1a2b3c4d5e6f");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow", &[]);
    sent.assert_json_body(&serde_json::to_value(&request).unwrap());
    let body = sent.json_body();
    assert_eq!(body["name"], "my_workflow");
    assert_eq!(body["version"], 1);
    assert_eq!(body["input"], json!({"name": "John"}));
    assert_eq!(body["correlationId"], "order-7");
}

#[tokio::test]
async fn start_workflow_rejects_an_empty_answer() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    let error = h
        .client
        .workflow_client()
        .start_workflow(&request())
        .await
        .unwrap_err();

    assert!(matches!(error, ConductorError::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn start_workflow_is_never_replayed_but_pause_is() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = Configuration::new(server.uri()).with_retry_policy(
        RetryPolicy::default()
            .with_max_retries(2)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let workflows = ConductorClient::new(config).unwrap().workflow_client();

    assert!(workflows.start_workflow(&request()).await.is_err());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "start is not idempotent"
    );

    assert!(workflows.pause_workflow("wf-1").await.is_err());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "pause is idempotent: 1 attempt + 2 retries"
    );
}

#[tokio::test]
async fn start_workflow_by_name_sends_input_and_options() {
    let h = Harness::new().await;
    h.respond(text_response("wf-9")).await;

    let id = h
        .client
        .workflow_client()
        .start_workflow_by_name(
            "video pipeline",
            &json!({"fileUrl": "s3://bucket/in.mp4"}),
            &StartWorkflowOptions::new()
                .version(2)
                .correlation_id("order-7")
                .priority(5),
        )
        .await
        .unwrap();

    assert_eq!(id, "wf-9");
    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/video%20pipeline",
        &[
            ("version", "2"),
            ("correlationId", "order-7"),
            ("priority", "5"),
        ],
    );
    sent.assert_json_body(&json!({"fileUrl": "s3://bucket/in.mp4"}));
}

#[tokio::test]
async fn execute_workflow_seed_shape_returns_a_workflow_run() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "wf-1",
        "COMPLETED",
        "TARGET_WORKFLOW",
    )))
    .await;
    let request = request();

    let run = h
        .client
        .workflow_client()
        .execute_workflow(&request, Duration::from_secs(30))
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/execute/my_workflow/1",
        &[("waitForSeconds", "30")],
    );
    sent.assert_json_body(&serde_json::to_value(&request).unwrap());
    assert_eq!(run.workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert!(!run.signal_timeout);
    assert_eq!(run.tasks[0].status, TaskStatus::Completed);
}

#[tokio::test]
async fn execute_workflow_without_version_runs_the_latest_via_version_zero() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "wf-1",
        "RUNNING",
        "TARGET_WORKFLOW",
    )))
    .await;

    h.client
        .workflow_client()
        .execute_workflow(
            &StartWorkflowRequest::new("my workflow"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "POST",
        "/api/workflow/execute/my%20workflow/0",
        &[("waitForSeconds", "10")],
    );
}

#[tokio::test]
async fn execute_workflow_rounds_sub_second_waits_up_and_never_sends_zero() {
    for (wait, expected) in [
        (Duration::ZERO, "1"),
        (Duration::from_millis(1), "1"),
        (Duration::from_millis(200), "1"),
        (Duration::from_millis(1000), "1"),
        (Duration::from_millis(1500), "2"),
    ] {
        let h = Harness::new().await;
        h.respond(json_response(&workflow_run_json(
            "wf-1",
            "RUNNING",
            "TARGET_WORKFLOW",
        )))
        .await;

        h.client
            .workflow_client()
            .execute_workflow(&request(), wait)
            .await
            .unwrap();

        h.single_request().await.assert_call(
            "POST",
            "/api/workflow/execute/my_workflow/1",
            &[("waitForSeconds", expected)],
        );
    }
}

#[tokio::test]
async fn execute_workflow_with_sends_every_option_and_decodes_a_task_run() {
    let h = Harness::new().await;
    h.respond(json_response(&task_run_json(
        "task-5",
        "BLOCKING_TASK_INPUT",
    )))
    .await;
    let options = ExecuteOptions::new()
        .wait_for(Duration::from_millis(2500))
        .wait_until_task_ref("approval_ref")
        .wait_until_task_refs(["review_ref", "publish_ref"])
        .request_id("req-42")
        .return_strategy(ReturnStrategy::BlockingTaskInput)
        .consistency("SYNCHRONOUS");

    let response = h
        .client
        .workflow_client()
        .execute_workflow_with(&request(), &options)
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "POST",
        "/api/workflow/execute/my_workflow/1",
        &[
            ("waitForSeconds", "3"),
            ("waitUntilTaskRef", "approval_ref,review_ref,publish_ref"),
            ("requestId", "req-42"),
            ("returnStrategy", "BLOCKING_TASK_INPUT"),
            ("consistency", "SYNCHRONOUS"),
        ],
    );
    let SignalResponse::Task(run) = response else {
        panic!("expected a TaskRun, got {response:?}");
    };
    assert_eq!(run.task_id.as_deref(), Some("task-5"));
    assert_eq!(run.input["question"], "approve?");
}

#[tokio::test]
async fn execute_workflow_with_blocking_workflow_decodes_a_workflow_run() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "sub-1",
        "RUNNING",
        "BLOCKING_WORKFLOW",
    )))
    .await;

    let response = h
        .client
        .workflow_client()
        .execute_workflow_with(
            &request(),
            &ExecuteOptions::new().return_strategy(ReturnStrategy::BlockingWorkflow),
        )
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "POST",
        "/api/workflow/execute/my_workflow/1",
        &[
            ("waitForSeconds", "10"),
            ("returnStrategy", "BLOCKING_WORKFLOW"),
        ],
    );
    let run = response.as_workflow().expect("a WorkflowRun");
    assert_eq!(run.workflow_id.as_deref(), Some("sub-1"));
    assert_eq!(run.response_type, ReturnStrategy::BlockingWorkflow);
}

#[tokio::test]
async fn test_workflow_posts_the_test_request() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_json("wf-t", "COMPLETED")))
        .await;
    let test_request = WorkflowTestRequest::new("my_workflow")
        .with_input_value("name", "John")
        .with_mock(
            "encode_ref",
            TaskMock::completed(object(json!({"url": "u"}))),
        );

    let workflow = h
        .client
        .workflow_client()
        .test_workflow(&test_request)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow/test", &[]);
    sent.assert_json_body(&serde_json::to_value(&test_request).unwrap());
    assert_eq!(
        sent.json_body()["taskRefToMockOutput"]["encode_ref"][0]["output"]["url"],
        "u"
    );
    assert_eq!(workflow.workflow_id, "wf-t");
    assert_eq!(workflow.status, WorkflowStatus::Completed);
}

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_workflow_includes_tasks_and_decodes() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_json("wf 1", "RUNNING")))
        .await;

    let workflow = h
        .client
        .workflow_client()
        .get_workflow("wf 1")
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/wf%201",
        &[("includeTasks", "true")],
    );
    assert_eq!(workflow.workflow_id, "wf 1");
    assert_eq!(workflow.workflow_name.as_deref(), Some("video_pipeline"));
    assert_eq!(workflow.workflow_version, Some(2));
    assert_eq!(workflow.variables["attempt"], 1);
    assert_eq!(workflow.tasks[0].task_id, "task-1");
}

#[tokio::test]
async fn get_workflow_with_can_leave_tasks_out() {
    let h = Harness::new().await;
    let mut body = workflow_json("wf-1", "PAUSED");
    body["tasks"] = json!([]);
    h.respond(json_response(&body)).await;

    let workflow = h
        .client
        .workflow_client()
        .get_workflow_with("wf-1", &GetWorkflowOptions::new().include_tasks(false))
        .await
        .unwrap();

    h.single_request()
        .await
        .assert_call("GET", "/api/workflow/wf-1", &[("includeTasks", "false")]);
    assert_eq!(workflow.status, WorkflowStatus::Paused);
    assert!(workflow.tasks.is_empty());
}

#[tokio::test]
async fn workflow_reads_map_404_to_workflow_not_found() {
    let h = Harness::new().await;
    h.respond(error_response(404, "No such workflow found by id: nope"))
        .await;
    let workflows = h.client.workflow_client();

    let errors = [
        workflows.get_workflow("nope").await.unwrap_err(),
        workflows.get_workflow_status("nope").await.unwrap_err(),
        workflows.get_workflow_tasks("nope").await.unwrap_err(),
    ];

    for error in errors {
        assert!(
            matches!(&error, ConductorError::WorkflowNotFound(id) if id == "nope"),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn get_workflow_status_and_with_options() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "workflowId": "wf-1", "correlationId": "order-7", "status": "RUNNING"
    })))
    .await;
    let status = h
        .client
        .workflow_client()
        .get_workflow_status("wf-1")
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/wf-1/status",
        &[("includeOutput", "false"), ("includeVariables", "false")],
    );
    assert_eq!(status.status, WorkflowStatus::Running);
    assert_eq!(status.correlation_id.as_deref(), Some("order-7"));
    assert!(status.output.is_none());

    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "workflowId": "wf-1",
        "output": {"url": "u"},
        "variables": {"attempt": 2},
        "status": "COMPLETED"
    })))
    .await;
    let status = h
        .client
        .workflow_client()
        .get_workflow_status_with(
            "wf-1",
            &WorkflowStatusOptions::new()
                .include_output(true)
                .include_variables(true),
        )
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/wf-1/status",
        &[("includeOutput", "true"), ("includeVariables", "true")],
    );
    assert_eq!(status.output.expect("output")["url"], "u");
    assert_eq!(status.variables.expect("variables")["attempt"], 2);
}

#[tokio::test]
async fn get_workflow_tasks_pages_and_filters_by_status() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "totalHits": 3,
        "results": [task_json("task-2", "FAILED")]
    })))
    .await;
    let options = WorkflowTasksOptions::new()
        .start(1)
        .count(1)
        .status(TaskStatus::Failed)
        .status(TaskStatus::TimedOut);

    let page = h
        .client
        .workflow_client()
        .get_workflow_tasks_with("wf-1", &options)
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/wf-1/tasks",
        &[
            ("start", "1"),
            ("count", "1"),
            ("status", "FAILED"),
            ("status", "TIMED_OUT"),
        ],
    );
    assert_eq!(page.total_hits, 3);
    assert_eq!(page.results[0].status, TaskStatus::Failed);

    let h = Harness::new().await;
    h.respond(json_response(&json!({"totalHits": 0, "results": []})))
        .await;
    let page = h
        .client
        .workflow_client()
        .get_workflow_tasks("wf-1")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/workflow/wf-1/tasks", &[]);
    assert_eq!(page.total_hits, 0);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn pause_resume_decide_and_reset_callbacks() {
    let cases: [(&str, &str, &str); 4] = [
        ("pause", "PUT", "/api/workflow/wf%2F1/pause"),
        ("resume", "PUT", "/api/workflow/wf%2F1/resume"),
        ("decide", "PUT", "/api/workflow/decide/wf%2F1"),
        ("reset", "POST", "/api/workflow/wf%2F1/resetcallbacks"),
    ];
    for (operation, method, path) in cases {
        let h = Harness::new().await;
        h.respond(if operation == "reset" {
            no_content()
        } else {
            empty_ok()
        })
        .await;
        let workflows = h.client.workflow_client();

        match operation {
            "pause" => workflows.pause_workflow("wf/1").await.unwrap(),
            "resume" => workflows.resume_workflow("wf/1").await.unwrap(),
            "decide" => workflows.decide_workflow("wf/1").await.unwrap(),
            _ => workflows.reset_callbacks("wf/1").await.unwrap(),
        }

        let sent = h.single_request().await;
        sent.assert_call(method, path, &[]);
        sent.assert_no_body();
    }
}

#[tokio::test]
async fn resume_surfaces_the_oss_500_for_a_workflow_that_is_not_paused() {
    let h = Harness::new().await;
    h.respond(error_response(
        500,
        "The workflow wf-1 is not PAUSED so cannot resume",
    ))
    .await;

    let error = h
        .client
        .workflow_client()
        .resume_workflow("wf-1")
        .await
        .unwrap_err();

    assert!(
        matches!(error, ConductorError::Server { status: 500, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not PAUSED"));
}

#[tokio::test]
async fn terminate_workflow_sends_reason_and_failure_workflow_flag() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    h.client
        .workflow_client()
        .terminate_workflow("wf-1", Some("cancelled by user"))
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "DELETE",
        "/api/workflow/wf-1",
        &[
            ("reason", "cancelled by user"),
            ("triggerFailureWorkflow", "false"),
        ],
    );

    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    h.client
        .workflow_client()
        .terminate_workflow_with(
            "wf-1",
            &TerminateOptions::new().trigger_failure_workflow(true),
        )
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "DELETE",
        "/api/workflow/wf-1",
        &[("triggerFailureWorkflow", "true")],
    );
}

#[tokio::test]
async fn terminate_conflict_is_reported() {
    let h = Harness::new().await;
    h.respond(error_response(
        409,
        "Cannot terminate a COMPLETED workflow.",
    ))
    .await;

    let error = h
        .client
        .workflow_client()
        .terminate_workflow("wf-1", None)
        .await
        .unwrap_err();

    assert!(error.is_conflict(), "{error:?}");
}

#[tokio::test]
async fn restart_and_retry_with_and_without_options() {
    let h = Harness::new().await;
    h.respond(no_content()).await;
    let workflows = h.client.workflow_client();

    workflows.restart_workflow("wf-1").await.unwrap();
    workflows
        .restart_workflow_with("wf-1", &RestartOptions::new().use_latest_definitions(true))
        .await
        .unwrap();
    workflows.retry_workflow("wf-1").await.unwrap();
    workflows
        .retry_workflow_with("wf-1", &RetryOptions::new().resume_subworkflow_tasks(true))
        .await
        .unwrap();

    let sent = h.requests().await;
    assert_eq!(sent.len(), 4);
    sent[0].assert_call(
        "POST",
        "/api/workflow/wf-1/restart",
        &[("useLatestDefinitions", "false")],
    );
    sent[1].assert_call(
        "POST",
        "/api/workflow/wf-1/restart",
        &[("useLatestDefinitions", "true")],
    );
    sent[2].assert_call(
        "POST",
        "/api/workflow/wf-1/retry",
        &[("resumeSubworkflowTasks", "false")],
    );
    sent[3].assert_call(
        "POST",
        "/api/workflow/wf-1/retry",
        &[("resumeSubworkflowTasks", "true")],
    );
    for request in &sent {
        request.assert_no_body();
    }
}

#[tokio::test]
async fn retry_of_a_running_workflow_is_the_oss_404() {
    let h = Harness::new().await;
    h.respond(error_response(
        404,
        "Workflow is still running.  status=RUNNING",
    ))
    .await;

    let error = h
        .client
        .workflow_client()
        .retry_workflow("wf-1")
        .await
        .unwrap_err();

    // Lifecycle calls keep the server's status: this 404 is not "workflow not found".
    assert!(
        matches!(error, ConductorError::Api { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn rerun_workflow_sends_the_request_and_returns_the_text_id() {
    let h = Harness::new().await;
    h.respond(text_response("wf-1")).await;
    let rerun = RerunWorkflowRequest::new("wf-1")
        .from_task("task-2")
        .with_task_input(object(json!({"bitrate": 2000})));

    let id = h
        .client
        .workflow_client()
        .rerun_workflow("wf-1", &rerun)
        .await
        .unwrap();

    assert_eq!(id, "wf-1");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow/wf-1/rerun", &[]);
    sent.assert_json_body(&json!({
        "reRunFromWorkflowId": "wf-1",
        "reRunFromTaskId": "task-2",
        "taskInput": {"bitrate": 2000}
    }));
}

#[tokio::test]
async fn skip_task_sends_an_empty_json_body_and_skip_task_with_sends_input_and_output() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let workflows = h.client.workflow_client();

    workflows.skip_task("wf-1", "notify ref").await.unwrap();
    let request = SkipTaskRequest {
        task_input: Some(object(json!({"channel": "email"}))),
        task_output: Some(object(json!({"skipped": true}))),
    };
    workflows
        .skip_task_with("wf-1", "notify ref", &request)
        .await
        .unwrap();

    let sent = h.requests().await;
    sent[0].assert_call("PUT", "/api/workflow/wf-1/skiptask/notify%20ref", &[]);
    sent[0].assert_json_body(&json!({}));
    sent[1].assert_call("PUT", "/api/workflow/wf-1/skiptask/notify%20ref", &[]);
    sent[1].assert_json_body(&json!({
        "taskInput": {"channel": "email"},
        "taskOutput": {"skipped": true}
    }));
}

#[tokio::test]
async fn update_variables_posts_to_the_orkes_endpoint() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_json("wf-1", "RUNNING")))
        .await;

    let workflow = h
        .client
        .workflow_client()
        .update_variables("wf-1", &json!({"attempt": 1}))
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow/wf-1/variables", &[]);
    sent.assert_json_body(&json!({"attempt": 1}));
    assert_eq!(workflow.variables["attempt"], 1);
}

#[tokio::test]
async fn update_variables_on_oss_is_unsupported_by_server() {
    let h = Harness::new().await;
    // conductor-oss 3.21.14 and 3.32.3 both answer this for the Orkes-only endpoint.
    h.respond(error_response(
        404,
        "No static resource api/workflow/wf-1/variables.",
    ))
    .await;

    let error = h
        .client
        .workflow_client()
        .update_variables("wf-1", &json!({"a": 1}))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ConductorError::UnsupportedByServer { endpoint, .. }
            if endpoint == "POST /workflow/{workflowId}/variables"),
        "{error:?}"
    );
}

#[tokio::test]
async fn delete_workflow_archives_by_default() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let workflows = h.client.workflow_client();

    workflows.delete_workflow("wf-1").await.unwrap();
    workflows
        .delete_workflow_with("wf-1", &RemoveOptions::new().archive(false))
        .await
        .unwrap();

    let sent = h.requests().await;
    sent[0].assert_call(
        "DELETE",
        "/api/workflow/wf-1/remove",
        &[("archiveWorkflow", "true")],
    );
    sent[1].assert_call(
        "DELETE",
        "/api/workflow/wf-1/remove",
        &[("archiveWorkflow", "false")],
    );
}

#[tokio::test]
async fn terminate_remove_workflow_sends_reason_and_archive() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let workflows = h.client.workflow_client();

    workflows
        .terminate_remove_workflow("wf-1", Some("cleanup"))
        .await
        .unwrap();
    workflows
        .terminate_remove_workflow_with("wf-1", &TerminateRemoveOptions::new().archive(false))
        .await
        .unwrap();

    let sent = h.requests().await;
    sent[0].assert_call(
        "DELETE",
        "/api/workflow/wf-1/terminate-remove",
        &[("reason", "cleanup"), ("archiveWorkflow", "true")],
    );
    sent[1].assert_call(
        "DELETE",
        "/api/workflow/wf-1/terminate-remove",
        &[("archiveWorkflow", "false")],
    );
}

#[tokio::test]
async fn send_message_posts_the_payload_and_returns_the_message_id() {
    let h = Harness::new().await;
    h.respond(text_response("msg-1")).await;

    let id = h
        .client
        .workflow_client()
        .send_message("wf-1", &json!({"kind": "nudge"}))
        .await
        .unwrap();

    assert_eq!(id, "msg-1");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow/wf-1/messages", &[]);
    sent.assert_json_body(&json!({"kind": "nudge"}));
}

#[tokio::test]
async fn send_message_keeps_the_plain_text_error() {
    let h = Harness::new().await;
    h.respond(
        wiremock::ResponseTemplate::new(409)
            .set_body_string("Workflow wf-1 is not in RUNNING state (current: COMPLETED)"),
    )
    .await;

    let error = h
        .client
        .workflow_client()
        .send_message("wf-1", &json!({}))
        .await
        .unwrap_err();

    assert!(error.is_conflict());
    assert!(
        error.to_string().contains("not in RUNNING state"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Search and lookups
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn search_workflows_sends_query_free_text_sort_paging_and_workflow_filters() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "totalHits": 120,
        "results": [workflow_summary_json("wf-1"), workflow_summary_json("wf-2")]
    })))
    .await;
    let query = SearchQuery::new()
        .query("status = 'RUNNING'")
        .free_text("*")
        .sort("startTime:DESC")
        .start(0)
        .size(20)
        .classifier("workflow")
        .top_level_only(true);

    let page = h
        .client
        .workflow_client()
        .search_workflows(&query)
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/search",
        &[
            ("query", "status = 'RUNNING'"),
            ("freeText", "*"),
            ("sort", "startTime:DESC"),
            ("start", "0"),
            ("size", "20"),
            ("classifier", "workflow"),
            ("topLevelOnly", "true"),
        ],
    );
    assert_eq!(page.total_hits, 120);
    assert_eq!(page.results.len(), 2);
    let hit = &page.results[0];
    assert_eq!(hit.workflow_id, "wf-1");
    assert_eq!(hit.status, WorkflowStatus::Running);
    assert_eq!(hit.start_time.as_deref(), Some("2023-11-14T22:13:20.000Z"));
    assert_eq!(hit.input.as_deref(), Some("{fileUrl=s3://bucket/in.mp4}"));
}

#[tokio::test]
async fn search_variants_use_their_endpoints_and_result_types() {
    let full = json!({"totalHits": 1, "results": [workflow_json("wf-1", "FAILED")]});
    let summaries = json!({"totalHits": 1, "results": [workflow_summary_json("wf-1")]});
    let query = SearchQuery::new()
        .query("taskType = 'encode_video'")
        .classifier("agent");

    let h = Harness::new().await;
    h.respond(json_response(&full)).await;
    let page = h
        .client
        .workflow_client()
        .search_workflows_v2(&query)
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/search-v2",
        &[
            ("query", "taskType = 'encode_video'"),
            ("classifier", "agent"),
        ],
    );
    assert_eq!(page.results[0].status, WorkflowStatus::Failed);

    // The by-tasks searches have no classifier / topLevelOnly parameters.
    let h = Harness::new().await;
    h.respond(json_response(&summaries)).await;
    let page = h
        .client
        .workflow_client()
        .search_workflows_by_tasks(&query)
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/search-by-tasks",
        &[("query", "taskType = 'encode_video'")],
    );
    assert_eq!(page.results[0].workflow_type, "video_pipeline");

    let h = Harness::new().await;
    h.respond(json_response(&full)).await;
    let page = h
        .client
        .workflow_client()
        .search_workflows_by_tasks_v2(&query)
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/search-by-tasks-v2",
        &[("query", "taskType = 'encode_video'")],
    );
    assert_eq!(page.results[0].tasks.len(), 1);
}

#[tokio::test]
async fn correlation_id_lookups_single_and_batch() {
    let h = Harness::new().await;
    h.respond(json_response(&json!([workflow_json("wf-1", "RUNNING")])))
        .await;
    let workflows = h
        .client
        .workflow_client()
        .get_workflows_by_correlation_id("video pipeline", "order/7")
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/video%20pipeline/correlated/order%2F7",
        &[("includeClosed", "false"), ("includeTasks", "false")],
    );
    assert_eq!(workflows[0].workflow_id, "wf-1");

    let h = Harness::new().await;
    h.respond(json_response(&json!([]))).await;
    h.client
        .workflow_client()
        .get_workflows_by_correlation_id_with(
            "p",
            "c",
            &CorrelationOptions::new()
                .include_closed(true)
                .include_tasks(true),
        )
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/p/correlated/c",
        &[("includeClosed", "true"), ("includeTasks", "true")],
    );

    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "order-7": [workflow_json("wf-1", "RUNNING")],
        "order-8": []
    })))
    .await;
    let by_id = h
        .client
        .workflow_client()
        .get_workflows_by_correlation_ids("video_pipeline", &["order-7", "order-8"])
        .await
        .unwrap();
    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/video_pipeline/correlated",
        &[("includeClosed", "false"), ("includeTasks", "false")],
    );
    sent.assert_json_body(&json!(["order-7", "order-8"]));
    assert_eq!(by_id["order-7"][0].workflow_id, "wf-1");
    assert!(by_id["order-8"].is_empty());

    let h = Harness::new().await;
    h.respond(json_response(&json!({}))).await;
    let ids = vec!["a".to_owned()];
    h.client
        .workflow_client()
        .get_workflows_by_correlation_ids_with(
            "p",
            &ids,
            &CorrelationOptions::new().include_closed(true),
        )
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "POST",
        "/api/workflow/p/correlated",
        &[("includeClosed", "true"), ("includeTasks", "false")],
    );
}

#[tokio::test]
async fn running_workflow_ids_by_version_and_time_window() {
    let h = Harness::new().await;
    h.respond(json_response(&json!(["wf-1", "wf-2"]))).await;
    let workflows = h.client.workflow_client();

    let ids = workflows
        .get_running_workflows("video pipeline", Some(2))
        .await
        .unwrap();
    workflows
        .get_running_workflows("video pipeline", None)
        .await
        .unwrap();
    workflows
        .get_running_workflows_with(
            "video pipeline",
            &RunningWorkflowsOptions::new()
                .version(3)
                .time_window(1_700_000_000_000, 1_700_000_600_000),
        )
        .await
        .unwrap();

    assert_eq!(ids, ["wf-1", "wf-2"]);
    let sent = h.requests().await;
    let path = "/api/workflow/running/video%20pipeline";
    sent[0].assert_call("GET", path, &[("version", "2")]);
    sent[1].assert_call("GET", path, &[]);
    sent[2].assert_call(
        "GET",
        path,
        &[
            ("version", "3"),
            ("startTime", "1700000000000"),
            ("endTime", "1700000600000"),
        ],
    );
}

#[tokio::test]
async fn workflow_external_storage_location() {
    let h = Harness::new().await;
    h.respond(json_response(
        &json!({"uri": "s3://payloads/wf/1.json", "path": "wf/1.json"}),
    ))
    .await;

    let location = h
        .client
        .workflow_client()
        .get_external_storage_location("wf/1.json", "READ", "WORKFLOW_INPUT")
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/workflow/externalstoragelocation",
        &[
            ("path", "wf/1.json"),
            ("operation", "READ"),
            ("payloadType", "WORKFLOW_INPUT"),
        ],
    );
    assert_eq!(location.uri.as_deref(), Some("s3://payloads/wf/1.json"));
}

// ---------------------------------------------------------------------------------------------
// Bulk
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bulk_operations_send_ids_and_decode_bulk_responses() {
    let h = Harness::new().await;
    h.respond(json_response(&bulk_json(
        &["wf-1"],
        &[("wf-2", "Workflow wf-2 has ended, status cannot be updated.")],
    )))
    .await;
    let workflows = h.client.workflow_client();
    let ids = ["wf-1", "wf-2"];

    let responses = vec![
        workflows.pause_workflows(&ids).await.unwrap(),
        workflows.resume_workflows(&ids).await.unwrap(),
        workflows.restart_workflows(&ids).await.unwrap(),
        workflows
            .restart_workflows_with(&ids, &RestartOptions::new().use_latest_definitions(true))
            .await
            .unwrap(),
        workflows.retry_workflows(&ids).await.unwrap(),
        workflows
            .terminate_workflows(&ids, Some("cleanup"))
            .await
            .unwrap(),
        workflows
            .terminate_workflows_with(
                &ids,
                &TerminateOptions::new().trigger_failure_workflow(true),
            )
            .await
            .unwrap(),
        workflows.delete_workflows(&ids).await.unwrap(),
        workflows
            .delete_workflows_with(&ids, &RemoveOptions::new().archive(false))
            .await
            .unwrap(),
        workflows
            .terminate_remove_workflows(&ids, Some("gone"))
            .await
            .unwrap(),
        workflows
            .terminate_remove_workflows_with(&ids, &TerminateRemoveOptions::new().archive(false))
            .await
            .unwrap(),
    ];

    for response in &responses {
        assert_eq!(response.bulk_successful_results, ["wf-1"]);
        assert_eq!(
            response.bulk_error_results["wf-2"],
            "Workflow wf-2 has ended, status cannot be updated."
        );
    }
    let expected: [ExpectedCall<'_>; 11] = [
        ("PUT", "/api/workflow/bulk/pause", &[]),
        ("PUT", "/api/workflow/bulk/resume", &[]),
        (
            "POST",
            "/api/workflow/bulk/restart",
            &[("useLatestDefinitions", "false")],
        ),
        (
            "POST",
            "/api/workflow/bulk/restart",
            &[("useLatestDefinitions", "true")],
        ),
        ("POST", "/api/workflow/bulk/retry", &[]),
        (
            "POST",
            "/api/workflow/bulk/terminate",
            &[("reason", "cleanup"), ("triggerFailureWorkflow", "false")],
        ),
        (
            "POST",
            "/api/workflow/bulk/terminate",
            &[("triggerFailureWorkflow", "true")],
        ),
        (
            "DELETE",
            "/api/workflow/bulk/remove",
            &[("archiveWorkflow", "true")],
        ),
        (
            "DELETE",
            "/api/workflow/bulk/remove",
            &[("archiveWorkflow", "false")],
        ),
        (
            "DELETE",
            "/api/workflow/bulk/terminate-remove",
            &[("reason", "gone"), ("archiveWorkflow", "true")],
        ),
        (
            "DELETE",
            "/api/workflow/bulk/terminate-remove",
            &[("archiveWorkflow", "false")],
        ),
    ];
    let sent = h.requests().await;
    assert_eq!(sent.len(), expected.len());
    for (request, (method, path, query)) in sent.iter().zip(expected) {
        request.assert_call(method, path, query);
        request.assert_json_body(&json!(["wf-1", "wf-2"]));
    }
}

#[tokio::test]
async fn bulk_accepts_owned_ids_and_an_orkes_message() {
    let h = Harness::new().await;
    let mut body = bulk_json(&["wf-1"], &[]);
    body["message"] = json!("Bulk Request has been processed.");
    h.respond(json_response(&body)).await;
    let ids = vec!["wf-1".to_owned()];

    let response = h
        .client
        .workflow_client()
        .pause_workflows(&ids)
        .await
        .unwrap();

    assert_eq!(
        response.message.as_deref(),
        Some("Bulk Request has been processed.")
    );
    assert!(response.bulk_error_results.is_empty());
}

#[tokio::test]
async fn get_workflows_by_ids_decodes_the_internal_workflow_model() {
    // OSS answers its internal WorkflowModel here: `updatedTime`, `previousStatus`, no
    // `startTime`, internal task models.
    let model = json!({
        "status": "COMPLETED",
        "endTime": 1_700_000_002_000_i64,
        "workflowId": "wf-1",
        "tasks": [task_json("task-1", "COMPLETED")],
        "input": {"fileUrl": "s3://bucket/in.mp4"},
        "output": {"url": "u"},
        "taskToDomain": {},
        "workflowDefinition": common::workflow_def_json("video_pipeline", 2),
        "priority": 0,
        "variables": {},
        "lastRetriedTime": 0,
        "createTime": 1_700_000_000_000_i64,
        "updatedTime": 1_700_000_002_000_i64,
        "previousStatus": "RUNNING",
        "workflowName": "video_pipeline",
        "workflowVersion": 2
    });
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "bulkSuccessfulResults": [model],
        "bulkErrorResults": {"wf-404": "No such workflow found by id: wf-404"}
    })))
    .await;

    let response = h
        .client
        .workflow_client()
        .get_workflows_by_ids(&["wf-1", "wf-404"])
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/bulk/search",
        &[("includeTasks", "true")],
    );
    sent.assert_json_body(&json!(["wf-1", "wf-404"]));
    let workflow = &response.bulk_successful_results[0];
    assert_eq!(workflow.workflow_id, "wf-1");
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.create_time, Some(1_700_000_000_000));
    assert_eq!(
        workflow.update_time, None,
        "the internal model says updatedTime"
    );
    assert_eq!(workflow.workflow_name.as_deref(), Some("video_pipeline"));
    assert!(response.bulk_error_results.contains_key("wf-404"));

    let h = Harness::new().await;
    h.respond(json_response(&bulk_json(&[], &[]))).await;
    h.client
        .workflow_client()
        .get_workflows_by_ids_with(&["wf-1"], &GetWorkflowOptions::new().include_tasks(false))
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "POST",
        "/api/workflow/bulk/search",
        &[("includeTasks", "false")],
    );
}
