//! Wire-contract tests of `TaskClient`: for every method, the exact request sent (method, encoded
//! path, query, body) and the decoding of a real-shaped answer, including 204s, TEXT answers,
//! raw log bodies, not-found mapping and update retries.

mod common;

use std::time::Duration;

use common::{
    Harness, empty_ok, error_response, json_response, no_content, task_json, task_run_json,
    task_summary_json, text_response, workflow_json, workflow_run_json,
};
use conductor_client::models::{
    PayloadOperation, PayloadType, ReturnStrategy, SignalResponse, TaskResult, TaskResultStatus,
    TaskStatus, WorkflowStatus,
};
use conductor_client::{
    Backoff, BatchPollOptions, ConductorError, Jitter, QueueSizeOptions, RetryPolicy, SearchQuery,
    TaskClient,
};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, ResponseTemplate};

fn completed_result() -> TaskResult {
    TaskResult::completed("task-1", "wf-1")
        .with_worker_id("worker-1")
        .with_output_value("url", "https://cdn.example.com/out.mp4")
}

#[tokio::test]
async fn poll_task_sends_worker_and_domain_and_decodes_the_task() {
    let h = Harness::new().await;
    h.respond(json_response(&task_json("task-1", "IN_PROGRESS")))
        .await;

    let task = h
        .client
        .task_client()
        .poll_task("video encode/v2", Some("worker-1"), Some("blue"))
        .await
        .unwrap()
        .expect("a task");

    let sent = h.single_request().await;
    sent.assert_call(
        "GET",
        "/api/tasks/poll/video%20encode%2Fv2",
        &[("workerid", "worker-1"), ("domain", "blue")],
    );
    sent.assert_no_body();
    assert_eq!(task.task_id, "task-1");
    assert_eq!(task.status, TaskStatus::InProgress);
    assert_eq!(task.workflow_instance_id, "wf-1");
    assert_eq!(task.input_data["bitrate"], 4000);
    assert_eq!(task.poll_count, 1);
}

#[tokio::test]
async fn poll_task_maps_204_to_none_and_omits_unset_parameters() {
    let h = Harness::new().await;
    h.respond(no_content()).await;

    let task = h
        .client
        .task_client()
        .poll_task("encode_video", None, None)
        .await
        .unwrap();

    assert!(task.is_none());
    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/poll/encode_video", &[]);
}

#[tokio::test]
async fn batch_poll_seed_shape_sends_count_and_timeout_in_millis() {
    let h = Harness::new().await;
    h.respond(json_response(&json!([
        task_json("task-1", "IN_PROGRESS"),
        task_json("task-2", "IN_PROGRESS")
    ])))
    .await;

    let tasks = h
        .client
        .task_client()
        .batch_poll(
            "my_task",
            Some("worker-1"),
            None,
            10,
            Duration::from_secs(1),
        )
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/poll/batch/my_task",
        &[
            ("workerid", "worker-1"),
            ("count", "10"),
            ("timeout", "1000"),
        ],
    );
    let ids: Vec<&str> = tasks.iter().map(|task| task.task_id.as_str()).collect();
    assert_eq!(ids, ["task-1", "task-2"]);
}

#[tokio::test]
async fn batch_poll_with_options_sends_what_the_positional_form_sends() {
    let h = Harness::new().await;
    h.respond(json_response(&json!([task_json("task-1", "IN_PROGRESS")])))
        .await;

    let options = BatchPollOptions::new()
        .worker_id("worker-1")
        .domain("blue")
        .count(10)
        .timeout(Duration::from_secs(1));
    let tasks = h
        .client
        .task_client()
        .batch_poll_with("my_task", &options)
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/poll/batch/my_task",
        &[
            ("workerid", "worker-1"),
            ("domain", "blue"),
            ("count", "10"),
            ("timeout", "1000"),
        ],
    );
    assert_eq!(tasks.len(), 1);
}

#[tokio::test]
async fn batch_poll_rounds_sub_millisecond_timeouts_up_and_accepts_empty_answers() {
    for empty in [json_response(&json!([])), no_content()] {
        let h = Harness::new().await;
        h.respond(empty).await;

        let tasks = h
            .client
            .task_client()
            .batch_poll("t", None, Some("blue"), 2, Duration::from_micros(1500))
            .await
            .unwrap();

        assert!(tasks.is_empty());
        h.single_request().await.assert_call(
            "GET",
            "/api/tasks/poll/batch/t",
            &[("domain", "blue"), ("count", "2"), ("timeout", "2")],
        );
    }
}

#[tokio::test]
async fn update_task_posts_the_result_and_returns_the_echoed_id() {
    let h = Harness::new().await;
    h.respond(text_response("task-1")).await;
    let result = completed_result();

    let task_id = h.client.task_client().update_task(&result).await.unwrap();

    assert_eq!(task_id, "task-1");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks", &[]);
    sent.assert_json_body(&serde_json::to_value(&result).unwrap());
    let body = sent.json_body();
    assert_eq!(body["taskId"], "task-1");
    assert_eq!(body["workflowInstanceId"], "wf-1");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["workerId"], "worker-1");
    assert_eq!(
        body["outputData"],
        json!({"url": "https://cdn.example.com/out.mp4"})
    );
}

#[tokio::test]
async fn update_task_with_retry_retries_retryable_failures_then_succeeds() {
    let h = Harness::new().await;
    Mock::given(any())
        .respond_with(error_response(503, "overloaded"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&h.server)
        .await;
    h.respond(text_response("task-1")).await;
    let tasks = h.client.task_client().with_update_backoff(fast_backoff());
    let result = completed_result();

    let task_id = tasks.update_task_with_retry(&result, 3).await.unwrap();

    assert_eq!(task_id, "task-1");
    let sent = h.requests().await;
    assert_eq!(sent.len(), 3, "two failures, then success");
    for request in &sent {
        request.assert_call("POST", "/api/tasks", &[]);
        request.assert_json_body(&serde_json::to_value(&result).unwrap());
    }
}

#[tokio::test]
async fn update_task_with_retry_stops_after_max_retries() {
    let h = Harness::new().await;
    h.respond(error_response(503, "overloaded")).await;
    let tasks = h.client.task_client().with_update_backoff(fast_backoff());

    let error = tasks
        .update_task_with_retry(&completed_result(), 2)
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert_eq!(h.requests().await.len(), 3, "one attempt plus two retries");
}

#[tokio::test]
async fn update_task_with_retry_does_not_retry_a_missing_task() {
    let h = Harness::new().await;
    h.respond(error_response(404, "No such task found by id: task-1"))
        .await;
    let tasks = h.client.task_client().with_update_backoff(fast_backoff());

    let error = tasks
        .update_task_with_retry(&completed_result(), 5)
        .await
        .unwrap_err();

    assert!(error.is_not_found());
    assert_eq!(h.requests().await.len(), 1);
}

#[tokio::test]
async fn update_task_v2_returns_the_next_task_or_none_on_204() {
    let h = Harness::new().await;
    h.respond(json_response(&task_json("task-2", "IN_PROGRESS")))
        .await;
    let result = completed_result();

    let next = h
        .client
        .task_client()
        .update_task_v2(&result)
        .await
        .unwrap();

    assert_eq!(next.expect("next task").task_id, "task-2");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks/update-v2", &[]);
    sent.assert_json_body(&serde_json::to_value(&result).unwrap());

    let h = Harness::new().await;
    h.respond(no_content()).await;
    assert!(
        h.client
            .task_client()
            .update_task_v2(&result)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn update_task_by_ref_name_encodes_the_path_and_sends_the_output() {
    let h = Harness::new().await;
    h.respond(text_response("task-9")).await;

    let task_id = h
        .client
        .task_client()
        .update_task_by_ref_name(
            "wf 1",
            "approval/ref",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
            Some("worker-1"),
        )
        .await
        .unwrap();

    assert_eq!(task_id.as_deref(), Some("task-9"));
    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/tasks/wf%201/approval%2Fref/COMPLETED",
        &[("workerid", "worker-1")],
    );
    sent.assert_json_body(&json!({"approved": true}));
}

#[tokio::test]
async fn update_task_by_ref_name_maps_an_empty_answer_to_none() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    let task_id = h
        .client
        .task_client()
        .update_task_by_ref_name(
            "wf-1",
            "gone_ref",
            TaskResultStatus::Failed,
            &json!({}),
            None,
        )
        .await
        .unwrap();

    assert_eq!(task_id, None);
    h.single_request()
        .await
        .assert_call("POST", "/api/tasks/wf-1/gone_ref/FAILED", &[]);
}

#[tokio::test]
async fn task_output_that_is_not_an_object_is_rejected_before_sending() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let tasks = h.client.task_client();

    let error = tasks
        .update_task_by_ref_name(
            "wf-1",
            "ref",
            TaskResultStatus::Completed,
            &json!([1, 2]),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
    let error = tasks
        .signal("wf-1", TaskResultStatus::Completed, &42)
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");

    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn update_task_by_ref_name_sync_returns_the_workflow() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_json("wf-1", "RUNNING")))
        .await;

    let workflow = h
        .client
        .task_client()
        .update_task_by_ref_name_sync(
            "wf-1",
            "encode_ref",
            TaskResultStatus::InProgress,
            &json!({"progress": 40}),
            None,
        )
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks/wf-1/encode_ref/IN_PROGRESS/sync", &[]);
    sent.assert_json_body(&json!({"progress": 40}));
    assert_eq!(workflow.workflow_id, "wf-1");
    assert_eq!(workflow.status, WorkflowStatus::Running);
    assert_eq!(workflow.tasks.len(), 1);
}

#[tokio::test]
async fn signal_posts_the_output_to_the_signal_endpoint() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    h.client
        .task_client()
        .signal(
            "wf/1",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
        )
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks/wf%2F1/COMPLETED/signal", &[]);
    sent.assert_json_body(&json!({"approved": true}));
}

#[tokio::test]
async fn signal_sync_sends_strategy_and_timeout_and_decodes_a_task_run() {
    let h = Harness::new().await;
    h.respond(json_response(&task_run_json("task-5", "BLOCKING_TASK")))
        .await;

    let response = h
        .client
        .task_client()
        .signal_sync(
            "wf-1",
            TaskResultStatus::Completed,
            &json!({"approved": true}),
            ReturnStrategy::BlockingTask,
            Duration::from_millis(2500),
        )
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/tasks/wf-1/COMPLETED/signal/sync",
        &[
            ("returnStrategy", "BLOCKING_TASK"),
            ("timeoutMillis", "2500"),
        ],
    );
    sent.assert_json_body(&json!({"approved": true}));
    let SignalResponse::Task(run) = response else {
        panic!("expected a TaskRun, got {response:?}");
    };
    assert_eq!(run.task_id.as_deref(), Some("task-5"));
    assert_eq!(run.reference_task_name.as_deref(), Some("approval_ref"));
    assert_eq!(run.status, TaskStatus::InProgress);
}

#[tokio::test]
async fn signal_sync_with_target_workflow_decodes_a_workflow_run() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "wf-1",
        "COMPLETED",
        "TARGET_WORKFLOW",
    )))
    .await;

    let response = h
        .client
        .task_client()
        .signal_sync(
            "wf-1",
            TaskResultStatus::Failed,
            &json!({}),
            ReturnStrategy::TargetWorkflow,
            Duration::from_secs(5),
        )
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "POST",
        "/api/tasks/wf-1/FAILED/signal/sync",
        &[
            ("returnStrategy", "TARGET_WORKFLOW"),
            ("timeoutMillis", "5000"),
        ],
    );
    let run = response.as_workflow().expect("a WorkflowRun");
    assert_eq!(run.workflow_id.as_deref(), Some("wf-1"));
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert_eq!(run.output["url"], "https://cdn.example.com/out.mp4");
}

#[tokio::test]
async fn get_task_decodes_the_task() {
    let h = Harness::new().await;
    h.respond(json_response(&task_json("a b", "SCHEDULED")))
        .await;

    let task = h.client.task_client().get_task("a b").await.unwrap();

    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/a%20b", &[]);
    assert_eq!(task.task_id, "a b");
    assert_eq!(task.status, TaskStatus::Scheduled);
    assert_eq!(task.reference_task_name, "encode_ref");
}

#[tokio::test]
async fn get_task_maps_404_and_legacy_204_to_task_not_found() {
    for missing in [
        error_response(404, "Task not found for taskId: t-404"),
        no_content(),
    ] {
        let h = Harness::new().await;
        h.respond(missing).await;

        let error = h.client.task_client().get_task("t-404").await.unwrap_err();

        assert!(
            matches!(&error, ConductorError::TaskNotFound(id) if id == "t-404"),
            "{error:?}"
        );
        assert!(error.is_not_found());
    }
}

#[tokio::test]
async fn get_task_keeps_other_errors() {
    let h = Harness::new().await;
    h.respond(error_response(500, "boom")).await;

    let error = h.client.task_client().get_task("t-1").await.unwrap_err();

    assert!(
        matches!(error, ConductorError::Server { status: 500, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn get_tasks_in_progress_searches_the_task_index() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "totalHits": 1,
        "results": [task_json("task-1", "IN_PROGRESS")]
    })))
    .await;

    let tasks = h
        .client
        .task_client()
        .get_tasks_in_progress("encode \"video\"", 20, 10)
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/search-v2",
        &[
            (
                "query",
                r#"taskType="encode \"video\"" AND status="IN_PROGRESS""#,
            ),
            ("start", "20"),
            ("size", "10"),
        ],
    );
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status, TaskStatus::InProgress);
}

#[tokio::test]
async fn add_task_log_sends_the_raw_string_as_text() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let line = r#"step 3/5 done: {"frames": 1200}"#;

    h.client
        .task_client()
        .add_task_log("task-1", line)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks/task-1/log", &[]);
    assert_eq!(
        sent.body,
        line.as_bytes(),
        "the body is the log line itself, not JSON"
    );
    assert!(
        sent.content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("text/plain")),
        "content type {:?}",
        sent.content_type
    );
}

#[tokio::test]
async fn get_task_logs_decodes_logs_and_maps_204_to_empty() {
    let h = Harness::new().await;
    h.respond(json_response(&json!([
        {"log": "started", "taskId": "task-1", "createdTime": 1_700_000_000_300_i64},
        {"log": "halfway", "taskId": "task-1", "createdTime": 1_700_000_000_900_i64}
    ])))
    .await;

    let logs = h
        .client
        .task_client()
        .get_task_logs("task-1")
        .await
        .unwrap();

    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/task-1/log", &[]);
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[1].log, "halfway");
    assert_eq!(logs[1].created_time, 1_700_000_000_900);

    let h = Harness::new().await;
    h.respond(no_content()).await;
    assert!(
        h.client
            .task_client()
            .get_task_logs("task-1")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn get_queue_sizes_repeats_the_task_type_parameter() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({"encode_video": 3, "publish": 0})))
        .await;

    let sizes = h
        .client
        .task_client()
        .get_queue_sizes(&["encode_video", "publish"])
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/queue/sizes",
        &[("taskType", "encode_video"), ("taskType", "publish")],
    );
    assert_eq!(sizes["encode_video"], 3);
    assert_eq!(sizes["publish"], 0);
}

#[tokio::test]
async fn get_queue_sizes_of_nothing_sends_nothing() {
    let h = Harness::new().await;
    h.respond(error_response(500, "taskType required")).await;
    let none: [&str; 0] = [];

    let sizes = h.client.task_client().get_queue_sizes(&none).await.unwrap();

    assert!(sizes.is_empty());
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn get_queue_size_reads_one_queue() {
    let h = Harness::new().await;
    h.respond(json_response(&json!(7))).await;
    let size = h
        .client
        .task_client()
        .get_queue_size("encode_video")
        .await
        .unwrap();
    assert_eq!(size, 7);
    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/queue/size",
        &[("taskType", "encode_video")],
    );

    let h = Harness::new().await;
    h.respond(json_response(&json!(2))).await;
    let options = QueueSizeOptions::new()
        .domain("blue")
        .isolation_group_id("gpu")
        .execution_namespace("ns1");
    let size = h
        .client
        .task_client()
        .get_queue_size_with("encode_video", &options)
        .await
        .unwrap();
    assert_eq!(size, 2);
    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/queue/size",
        &[
            ("taskType", "encode_video"),
            ("domain", "blue"),
            ("isolationGroupId", "gpu"),
            ("executionNamespace", "ns1"),
        ],
    );
}

#[tokio::test]
async fn get_all_queue_sizes_and_verbose_details() {
    let h = Harness::new().await;
    h.respond(json_response(
        &json!({"blue:encode_video": 1, "encode_video": 4}),
    ))
    .await;
    let sizes = h.client.task_client().get_all_queue_sizes().await.unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/queue/all", &[]);
    assert_eq!(sizes["blue:encode_video"], 1);
    assert_eq!(sizes["encode_video"], 4);

    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "encode_video": {"a": {"size": 4, "uacked": 1}}
    })))
    .await;
    let details = h
        .client
        .task_client()
        .get_all_queue_details_verbose()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/queue/all/verbose", &[]);
    assert_eq!(details["encode_video"]["a"]["uacked"], 1);
}

#[tokio::test]
async fn poll_data_for_one_type_and_for_all() {
    let poll_data = json!([
        {"queueName": "encode_video", "workerId": "worker-1", "lastPollTime": 1_700_000_000_000_i64},
        {"queueName": "encode_video", "domain": "blue", "workerId": "worker-2", "lastPollTime": 1_700_000_000_100_i64}
    ]);
    let h = Harness::new().await;
    h.respond(json_response(&poll_data)).await;
    let data = h
        .client
        .task_client()
        .get_poll_data("encode_video")
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/queue/polldata",
        &[("taskType", "encode_video")],
    );
    assert_eq!(data.len(), 2);
    assert_eq!(data[1].domain.as_deref(), Some("blue"));
    assert_eq!(data[0].worker_id.as_deref(), Some("worker-1"));

    let h = Harness::new().await;
    h.respond(json_response(&poll_data)).await;
    let data = h.client.task_client().get_all_poll_data().await.unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/queue/polldata/all", &[]);
    assert_eq!(data[1].last_poll_time, 1_700_000_000_100);
}

#[tokio::test]
async fn requeue_pending_tasks_parses_the_text_count() {
    let h = Harness::new().await;
    h.respond(text_response("3")).await;
    let count = h
        .client
        .task_client()
        .requeue_pending_tasks("encode video")
        .await
        .unwrap();
    assert_eq!(count, 3);
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/tasks/queue/requeue/encode%20video", &[]);
    sent.assert_no_body();

    let h = Harness::new().await;
    h.respond(text_response("three")).await;
    let error = h
        .client
        .task_client()
        .requeue_pending_tasks("t")
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn remove_task_from_queue_uses_the_2x_endpoint_and_reports_oss_405_as_unsupported() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    h.client
        .task_client()
        .remove_task_from_queue("encode_video", "task 1")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("DELETE", "/api/tasks/queue/encode_video/task%201", &[]);

    let h = Harness::new().await;
    h.respond(error_response(
        405,
        "Request method 'DELETE' is not supported",
    ))
    .await;
    let error = h
        .client
        .task_client()
        .remove_task_from_queue("encode_video", "task-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConductorError::UnsupportedByServer { endpoint, .. }
            if endpoint == "DELETE /tasks/queue/{taskType}/{taskId}"),
        "{error:?}"
    );
}

#[tokio::test]
async fn search_tasks_sends_every_search_parameter() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "totalHits": 42,
        "results": [task_summary_json("task-1")]
    })))
    .await;
    let query = SearchQuery::new()
        .query("status = 'IN_PROGRESS'")
        .free_text("video")
        .sort("updateTime:DESC")
        .sort("taskId")
        .start(40)
        .size(2)
        .classifier("agent");

    let page = h.client.task_client().search_tasks(&query).await.unwrap();

    // `classifier` belongs to workflow searches only and is not sent here.
    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/search",
        &[
            ("query", "status = 'IN_PROGRESS'"),
            ("freeText", "video"),
            ("sort", "updateTime:DESC|taskId"),
            ("start", "40"),
            ("size", "2"),
        ],
    );
    assert_eq!(page.total_hits, 42);
    assert_eq!(page.results[0].task_id, "task-1");
    assert_eq!(
        page.results[0].start_time.as_deref(),
        Some("2023-11-14T22:13:20.250Z")
    );
    assert_eq!(page.results[0].queue_wait_time, 250);
}

#[tokio::test]
async fn search_tasks_v2_returns_full_tasks_and_sends_only_set_parameters() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "totalHits": 1,
        "results": [task_json("task-1", "COMPLETED")]
    })))
    .await;

    let page = h
        .client
        .task_client()
        .search_tasks_v2(&SearchQuery::new().size(1))
        .await
        .unwrap();

    h.single_request()
        .await
        .assert_call("GET", "/api/tasks/search-v2", &[("size", "1")]);
    assert_eq!(page.results[0].status, TaskStatus::Completed);
    assert_eq!(page.results[0].workflow_type, "video_pipeline");
}

#[tokio::test]
async fn typed_external_storage_location_sends_the_wire_names() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({"path": "task/abc.json"})))
        .await;

    h.client
        .task_client()
        .get_external_storage_location_for(
            "task/abc.json",
            PayloadOperation::Read,
            PayloadType::TaskInput,
        )
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/externalstoragelocation",
        &[
            ("path", "task/abc.json"),
            ("operation", "READ"),
            ("payloadType", "TASK_INPUT"),
        ],
    );
}

#[tokio::test]
async fn task_external_storage_location() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "uri": "s3://payloads/task/abc.json",
        "path": "task/abc.json"
    })))
    .await;

    let location = h
        .client
        .task_client()
        .get_external_storage_location("task/abc.json", "WRITE", "TASK_OUTPUT")
        .await
        .unwrap();

    h.single_request().await.assert_call(
        "GET",
        "/api/tasks/externalstoragelocation",
        &[
            ("path", "task/abc.json"),
            ("operation", "WRITE"),
            ("payloadType", "TASK_OUTPUT"),
        ],
    );
    assert_eq!(location.uri.as_deref(), Some("s3://payloads/task/abc.json"));
    assert_eq!(location.path.as_deref(), Some("task/abc.json"));
}

#[tokio::test]
async fn update_task_is_retried_by_the_http_layer_but_update_v2_is_not() {
    // The HTTP layer retries idempotent requests after a 503; update-v2 is not idempotent.
    let server = wiremock::MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = conductor_client::Configuration::new(server.uri()).with_retry_policy(
        RetryPolicy::default()
            .with_max_retries(2)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let tasks = conductor_client::ConductorClient::new(config)
        .unwrap()
        .task_client();

    assert!(tasks.update_task(&completed_result()).await.is_err());
    let after_v1 = server.received_requests().await.unwrap().len();
    assert_eq!(
        after_v1, 3,
        "update_task is idempotent: 1 attempt + 2 retries"
    );

    assert!(tasks.update_task_v2(&completed_result()).await.is_err());
    let after_v2 = server.received_requests().await.unwrap().len();
    assert_eq!(after_v2 - after_v1, 1, "update-v2 is sent once");
}

fn fast_backoff() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(2))
}

/// A task client whose configuration retries 503s three times (1–2 ms apart), on a server that
/// answers 503 to everything.
async fn retrying_client_on_an_unavailable_server() -> (wiremock::MockServer, TaskClient) {
    let server = wiremock::MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = conductor_client::Configuration::new(server.uri()).with_retry_policy(
        RetryPolicy::default()
            .with_max_retries(3)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
    );
    let tasks = conductor_client::ConductorClient::new(config)
        .expect("valid config")
        .task_client();
    (server, tasks)
}

#[tokio::test]
async fn update_task_with_retry_does_not_stack_the_http_layer_retries() {
    let (server, tasks) = retrying_client_on_an_unavailable_server().await;
    let tasks = tasks.with_update_schedule(
        Backoff::new(Duration::from_millis(1), Duration::from_millis(2)).with_jitter(Jitter::None),
    );

    let error = tasks
        .update_task_with_retry(&completed_result(), 2)
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(503));
    // 3 attempts of one request each; with the HTTP layer retrying under them it would be 12.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    // A plain update on the same client is still retried by the HTTP layer: 1 + 3 requests.
    assert!(tasks.update_task(&completed_result()).await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 4);
}

#[tokio::test]
async fn with_retry_policy_applies_to_every_request_of_the_task_client() {
    let (server, tasks) = retrying_client_on_an_unavailable_server().await;
    let once = tasks.clone().with_retry_policy(RetryPolicy::none());
    assert_eq!(once.api_client().retry_policy(), &RetryPolicy::none());

    let polled = once
        .batch_poll(
            "encode",
            Some("worker-1"),
            None,
            5,
            Duration::from_millis(10),
        )
        .await;
    assert_eq!(polled.unwrap_err().status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(once.update_task(&completed_result()).await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(once.get_task("task-1").await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // The client it came from keeps the configuration's policy: 1 + 3 requests.
    assert!(
        tasks
            .batch_poll(
                "encode",
                Some("worker-1"),
                None,
                5,
                Duration::from_millis(10)
            )
            .await
            .is_err()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 4);
}

#[test]
fn with_update_backoff_keeps_setting_the_update_schedule() {
    let api = conductor_client::ApiClient::new(conductor_client::Configuration::new(
        "http://localhost:8080",
    ))
    .unwrap();
    let tasks = TaskClient::new(api).with_update_backoff(
        RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(7))
            .with_max_backoff(Duration::from_millis(70))
            .with_jitter(false),
    );
    assert_eq!(
        tasks.update_schedule(),
        &Backoff::new(Duration::from_millis(7), Duration::from_millis(70))
            .with_jitter(Jitter::None)
    );
}
