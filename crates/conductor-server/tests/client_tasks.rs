//! `TaskClient` against the dev server over real HTTP: polling (single, batch, long poll,
//! domains), every form of task update, signals, logs, queues and poll data, task search and the
//! external storage location, with OSS's answers and errors. Time-dependent behaviour (callbacks)
//! runs on the server's manual clock.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use conductor_client::models::{
    ReturnStrategy, StartWorkflowRequest, TaskResult, TaskResultStatus, TaskStatus, WorkflowDef,
    WorkflowStatus, WorkflowTask,
};
use conductor_client::{ConductorError, RetryPolicy, SearchQuery, TaskClient};
use serde_json::json;
use support::{EPOCH_MILLIS, Env, WORKER, assert_status};

/// Waits until `worker` has polled `task_type` (its poll data shows up), so a long poll is known
/// to be waiting inside the server.
async fn wait_for_poll(env: &Env, task_type: &str, worker: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let polls = env.tasks.get_poll_data(task_type).await.unwrap();
        if polls.iter().any(|p| p.worker_id.as_deref() == Some(worker)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{worker} never polled {task_type}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_task_is_polled_kept_in_progress_and_completed() {
    let env = Env::start().await;
    env.register_linear("encode_wf", &["encode", "publish"])
        .await;
    let id = env.start_with("encode_wf", json!({"x": 7})).await;

    let task = env
        .tasks
        .poll_task("encode", Some(WORKER), None)
        .await
        .unwrap()
        .expect("a scheduled task");
    assert_eq!(task.status, TaskStatus::InProgress);
    assert_eq!(task.workflow_instance_id, id);
    assert_eq!(task.reference_task_name, "encode_ref");
    assert_eq!(task.worker_id.as_deref(), Some(WORKER));
    assert_eq!(task.poll_count, 1);
    assert_eq!(task.start_time, EPOCH_MILLIS);
    assert_eq!(task.input_data["x"], 7);
    // Nothing else is queued: the server answers 204.
    assert_eq!(
        env.tasks
            .poll_task("encode", Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        env.tasks.get_task(&task.task_id).await.unwrap().status,
        TaskStatus::InProgress
    );

    // "Still working, call me back in 30 s": stored as SCHEDULED and invisible until then.
    let still_working = TaskResult::in_progress(&task.task_id, &id, 30)
        .with_output_value("progress", 50)
        .with_log("half way");
    assert_eq!(
        env.tasks.update_task(&still_working).await.unwrap(),
        task.task_id
    );
    let stored = env.tasks.get_task(&task.task_id).await.unwrap();
    assert_eq!(stored.status, TaskStatus::Scheduled);
    assert_eq!(stored.callback_after_seconds, 30);
    assert_eq!(stored.output_data["progress"], 50);
    assert_eq!(
        env.tasks
            .poll_task("encode", Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    env.advance(Duration::from_secs(29));
    assert_eq!(
        env.tasks
            .poll_task("encode", Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    env.advance(Duration::from_secs(1));
    let again = env.poll("encode").await;
    assert_eq!(again.task_id, task.task_id);
    assert_eq!(again.poll_count, 2);

    // Completed: the output is stored and the next task is scheduled.
    let done = TaskResult::completed(&task.task_id, &id).with_output_value("y", 8);
    assert_eq!(env.tasks.update_task(&done).await.unwrap(), task.task_id);
    let completed = env.tasks.get_task(&task.task_id).await.unwrap();
    assert_eq!(completed.status, TaskStatus::Completed);
    assert_eq!(completed.output_data["y"], 8);
    assert_eq!(completed.end_time, EPOCH_MILLIS + 30_000);
    assert_eq!(env.tasks.get_queue_size("publish").await.unwrap(), 1);
    // The log line sent with the IN_PROGRESS result was kept.
    let logs = env.tasks.get_task_logs(&task.task_id).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].log, "half way");

    // A late update of a finished task is accepted and changes nothing.
    let late = TaskResult::failed(&task.task_id, &id, "too late");
    assert_eq!(env.tasks.update_task(&late).await.unwrap(), task.task_id);
    assert_eq!(
        env.tasks.get_task(&task.task_id).await.unwrap().status,
        TaskStatus::Completed
    );
}

#[tokio::test]
async fn task_updates_are_checked() {
    let env = Env::start().await;
    env.register_linear("checked", &["check"]).await;
    let id = env.start_workflow("checked").await;

    let error = env.tasks.get_task("no-such-task").await.unwrap_err();
    assert!(
        matches!(&error, ConductorError::TaskNotFound(task_id) if task_id == "no-such-task"),
        "{error:?}"
    );
    assert!(error.is_not_found());

    let error = assert_status(
        env.tasks
            .update_task(&TaskResult::completed("t", "no-such-workflow"))
            .await,
        404,
        "No such workflow found by id: no-such-workflow",
    );
    assert!(error.is_not_found());
    assert_status(
        env.tasks
            .update_task(&TaskResult::completed("no-such-task", &id))
            .await,
        404,
        "No such task found by id: no-such-task",
    );
    let error = assert_status(
        env.tasks.update_task(&TaskResult::completed("", "")).await,
        400,
        "Validation failed",
    );
    let messages: Vec<&str> = error
        .validation_errors()
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert!(
        messages.contains(&"Workflow Id cannot be null or empty"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn update_with_retry_returns_the_id_and_gives_up_at_once_on_client_errors() {
    let env = Env::start().await;
    env.register_linear("retried", &["job"]).await;
    let id = env.start_workflow("retried").await;
    let task = env.poll("job").await;
    let tasks = TaskClient::new(env.client.api_client().clone())
        .with_update_backoff(RetryPolicy::default().with_initial_backoff(Duration::from_millis(1)));
    assert_eq!(
        tasks.api_client().configuration().server_url(),
        env.server.url()
    );

    let result = TaskResult::completed(&task.task_id, &id).with_output_value("ok", true);
    assert_eq!(
        tasks.update_task_with_retry(&result, 3).await.unwrap(),
        task.task_id
    );
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);

    // A 404 is not retryable: returned after one attempt.
    let started = Instant::now();
    let error = tasks
        .update_task_with_retry(&TaskResult::completed("t", "missing"), 5)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert!(!error.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn update_v2_hands_out_the_next_task_of_the_same_type() {
    let env = Env::start().await;
    env.register_linear("chained", &["step"]).await;
    let first_wf = env.start_workflow("chained").await;
    let first = env.poll("step").await;
    assert_eq!(first.workflow_instance_id, first_wf);

    // Still in progress: no next task (204), and the task is queued again.
    let progress = TaskResult::in_progress(&first.task_id, &first_wf, 0).with_worker_id(WORKER);
    assert_eq!(env.tasks.update_task_v2(&progress).await.unwrap(), None);
    let first = env.poll("step").await;
    assert_eq!(first.workflow_instance_id, first_wf);
    let second_wf = env.start_workflow("chained").await;

    // Completed: the answer is the next task, already in progress for the same worker.
    let done = TaskResult::completed(&first.task_id, &first_wf).with_worker_id(WORKER);
    let next = env
        .tasks
        .update_task_v2(&done)
        .await
        .unwrap()
        .expect("the second workflow's task");
    assert_eq!(next.workflow_instance_id, second_wf);
    assert_eq!(next.status, TaskStatus::InProgress);
    assert_eq!(next.worker_id.as_deref(), Some(WORKER));
    assert_eq!(env.status_of(&first_wf).await, WorkflowStatus::Completed);

    // Nothing left to hand out.
    let done = TaskResult::completed(&next.task_id, &second_wf).with_worker_id(WORKER);
    assert_eq!(env.tasks.update_task_v2(&done).await.unwrap(), None);
    assert_eq!(env.status_of(&second_wf).await, WorkflowStatus::Completed);

    // OSS validates this controller's body itself: missing ids are a 500, not a 400.
    let error = assert_status(
        env.tasks
            .update_task_v2(&TaskResult::completed("", ""))
            .await,
        500,
        "workflowInstanceId and taskId are required",
    );
    assert!(matches!(error, ConductorError::Server { .. }));
}

#[tokio::test]
async fn tasks_are_updated_by_reference_name() {
    let env = Env::start().await;
    env.register_linear("by_ref", &["first", "second"]).await;
    let id = env.start_workflow("by_ref").await;

    let task_id = env
        .tasks
        .update_task_by_ref_name(
            &id,
            "first_ref",
            TaskResultStatus::Completed,
            &json!({"a": 1}),
            Some("ref-worker"),
        )
        .await
        .unwrap()
        .expect("the pending task's id");
    let first = env.tasks.get_task(&task_id).await.unwrap();
    assert_eq!(first.reference_task_name, "first_ref");
    assert_eq!(first.status, TaskStatus::Completed);
    assert_eq!(first.output_data["a"], 1);
    assert_eq!(first.worker_id.as_deref(), Some("ref-worker"));
    // No pending task with that reference any more: an empty answer.
    assert_eq!(
        env.tasks
            .update_task_by_ref_name(
                &id,
                "first_ref",
                TaskResultStatus::Completed,
                &json!({}),
                None
            )
            .await
            .unwrap(),
        None
    );
    assert_status(
        env.tasks
            .update_task_by_ref_name(
                "missing",
                "first_ref",
                TaskResultStatus::Completed,
                &json!({}),
                None,
            )
            .await,
        404,
        "No such workflow found by id: missing",
    );

    // The sync form answers the workflow after the update.
    let workflow = env
        .tasks
        .update_task_by_ref_name_sync(
            &id,
            "second_ref",
            TaskResultStatus::Completed,
            &json!({"b": 2}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(workflow.workflow_id, id);
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks.len(), 2);
    assert_eq!(workflow.tasks[1].output_data["b"], 2);
    let error = assert_status(
        env.tasks
            .update_task_by_ref_name_sync(
                &id,
                "second_ref",
                TaskResultStatus::Completed,
                &json!({}),
                None,
            )
            .await,
        404,
        "Found no running task second_ref",
    );
    assert!(error.is_not_found());

    // Output that is not a JSON object is refused before anything is sent.
    let error = env
        .tasks
        .update_task_by_ref_name(&id, "x", TaskResultStatus::Completed, &json!("text"), None)
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
}

#[tokio::test]
async fn signals_without_a_blocked_task() {
    let env = Env::start().await;
    env.register_linear("unblocked", &["work"]).await;
    let id = env.start_workflow("unblocked").await;

    // Nothing is blocked: the async signal does nothing and still answers 200.
    env.tasks
        .signal(&id, TaskResultStatus::Completed, &json!({"ignored": true}))
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks.len(), 1);
    assert_eq!(workflow.tasks[0].status, TaskStatus::Scheduled);

    // The sync signal says so with a 404.
    let error = assert_status(
        env.tasks
            .signal_sync(
                &id,
                TaskResultStatus::Completed,
                &json!({}),
                ReturnStrategy::TargetWorkflow,
                Duration::from_millis(200),
            )
            .await,
        404,
        &format!("Found no blocked task in workflow {id}"),
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn signals_complete_the_task_a_workflow_is_blocked_on() {
    let env = Env::start().await;
    env.register(
        &WorkflowDef::new("gated")
            .with_task(WorkflowTask::wait("gate_ref"))
            .with_task(WorkflowTask::simple("after_gate", "after_gate_ref")),
    )
    .await;
    let id = env.start_workflow("gated").await;
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks[0].task_type, "WAIT");
    assert_eq!(workflow.tasks[0].status, TaskStatus::InProgress);

    env.tasks
        .signal(&id, TaskResultStatus::Completed, &json!({"approved": true}))
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks[0].status, TaskStatus::Completed);
    assert_eq!(workflow.tasks[0].output_data["approved"], true);
    assert_eq!(workflow.tasks[1].reference_task_name, "after_gate_ref");
    assert_eq!(workflow.tasks[1].status, TaskStatus::Scheduled);
}

#[tokio::test]
async fn sync_signals_answer_the_next_blocking_point() {
    let env = Env::start().await;
    env.register(
        &WorkflowDef::new("three_gates")
            .with_task(WorkflowTask::wait("g1"))
            .with_task(WorkflowTask::wait("g2"))
            .with_task(WorkflowTask::wait("g3")),
    )
    .await;
    let id = env.start_workflow("three_gates").await;
    let wait = Duration::from_secs(5);

    // The target workflow, stopped at the next gate.
    let answer = env
        .tasks
        .signal_sync(
            &id,
            TaskResultStatus::Completed,
            &json!({"gate": 1}),
            ReturnStrategy::TargetWorkflow,
            wait,
        )
        .await
        .unwrap();
    let run = answer.as_workflow().expect("a workflow run");
    assert_eq!(run.response_type, ReturnStrategy::TargetWorkflow);
    assert_eq!(run.workflow_id.as_deref(), Some(id.as_str()));
    assert!(!run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);
    assert_eq!(run.tasks[0].output_data["gate"], 1);
    assert_eq!(run.tasks[1].reference_task_name, "g2");
    assert_eq!(run.tasks[1].status, TaskStatus::InProgress);

    // The task it now blocks on.
    let answer = env
        .tasks
        .signal_sync(
            &id,
            TaskResultStatus::Completed,
            &json!({}),
            ReturnStrategy::BlockingTask,
            wait,
        )
        .await
        .unwrap();
    let task_run = answer.as_task().expect("a task run");
    assert_eq!(task_run.reference_task_name.as_deref(), Some("g3"));
    assert_eq!(task_run.status, TaskStatus::InProgress);
    assert_eq!(task_run.workflow_id.as_deref(), Some(id.as_str()));

    // The last gate: the workflow completes, so there is no blocking task to answer (OSS: 500).
    let error = assert_status(
        env.tasks
            .signal_sync(
                &id,
                TaskResultStatus::Completed,
                &json!({}),
                ReturnStrategy::BlockingTaskInput,
                wait,
            )
            .await,
        500,
        "No blocking task found to return",
    );
    assert!(matches!(error, ConductorError::Server { .. }), "{error:?}");
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);
}

#[tokio::test]
async fn batch_polls_return_several_tasks_and_wait_for_new_ones() {
    let env = Env::start().await;
    env.register_linear("batched", &["batch"]).await;
    for _ in 0..3 {
        env.start_workflow("batched").await;
    }
    let short = Duration::from_millis(10);
    let first = env
        .tasks
        .batch_poll("batch", Some(WORKER), None, 2, short)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|t| t.status == TaskStatus::InProgress));
    let second = env
        .tasks
        .batch_poll("batch", Some(WORKER), None, 2, short)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(
        env.tasks
            .batch_poll("batch", Some(WORKER), None, 2, short)
            .await
            .unwrap()
            .is_empty()
    );

    // A long poll waiting on an empty queue gets the task scheduled while it waits.
    let tasks = env.tasks.clone();
    let waiting = tokio::spawn(async move {
        tasks
            .batch_poll(
                "batch",
                Some("long-poller"),
                None,
                1,
                Duration::from_secs(5),
            )
            .await
    });
    wait_for_poll(&env, "batch", "long-poller").await;
    let id = env.start_workflow("batched").await;
    let delivered = waiting.await.unwrap().unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].workflow_instance_id, id);
    assert_eq!(delivered[0].worker_id.as_deref(), Some("long-poller"));

    // OSS caps the long poll at 5 s.
    assert_status(
        env.tasks
            .batch_poll("batch", Some(WORKER), None, 1, Duration::from_millis(5001))
            .await,
        400,
        "Long Poll Timeout value cannot be more than 5 seconds",
    );
}

#[tokio::test]
async fn domains_route_tasks_to_their_own_queue() {
    let env = Env::start().await;
    env.register_linear("routed", &["paint"]).await;
    let request = StartWorkflowRequest::new("routed").with_task_to_domain("paint", "blue");
    let id = env.workflows.start_workflow(&request).await.unwrap();

    assert_eq!(env.tasks.get_queue_size("paint").await.unwrap(), 0);
    assert_eq!(
        env.tasks
            .get_queue_size_with(
                "paint",
                &conductor_client::QueueSizeOptions::new().domain("blue")
            )
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        env.tasks
            .poll_task("paint", Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    let task = env
        .tasks
        .poll_task("paint", Some(WORKER), Some("blue"))
        .await
        .unwrap()
        .expect("the task in domain blue");
    assert_eq!(task.workflow_instance_id, id);
    assert_eq!(task.domain.as_deref(), Some("blue"));

    // Poll data is kept per domain.
    let mut polls = env.tasks.get_poll_data("paint").await.unwrap();
    polls.sort_by(|a, b| a.domain.cmp(&b.domain));
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0].domain, None);
    assert_eq!(polls[1].domain.as_deref(), Some("blue"));
    assert!(polls.iter().all(|p| p.queue_name == "paint"
        && p.worker_id.as_deref() == Some(WORKER)
        && p.last_poll_time == EPOCH_MILLIS));
}

#[tokio::test]
async fn task_logs_are_appended_verbatim() {
    let env = Env::start().await;
    env.register_linear("logged", &["log"]).await;
    env.start_workflow("logged").await;
    let task = env.poll("log").await;

    assert!(
        env.tasks
            .get_task_logs(&task.task_id)
            .await
            .unwrap()
            .is_empty()
    );
    env.tasks
        .add_task_log(&task.task_id, "fetched 3 rows")
        .await
        .unwrap();
    env.advance(Duration::from_secs(2));
    // The body is raw text: quotes and newlines are kept as they are.
    env.tasks
        .add_task_log(&task.task_id, "said \"hi\"\nthen left")
        .await
        .unwrap();
    let logs = env.tasks.get_task_logs(&task.task_id).await.unwrap();
    assert_eq!(
        logs.iter().map(|l| l.log.as_str()).collect::<Vec<_>>(),
        ["fetched 3 rows", "said \"hi\"\nthen left"]
    );
    assert!(
        logs.iter()
            .all(|l| l.task_id.as_deref() == Some(task.task_id.as_str()))
    );
    assert_eq!(logs[0].created_time, EPOCH_MILLIS);
    assert_eq!(logs[1].created_time, EPOCH_MILLIS + 2_000);
}

#[tokio::test]
async fn queue_sizes_poll_data_requeue_and_removal() {
    let env = Env::start().await;
    env.register_linear("queued_a", &["qa"]).await;
    env.register_linear("queued_b", &["qb"]).await;
    env.start_workflow("queued_a").await;
    env.start_workflow("queued_a").await;
    env.start_workflow("queued_b").await;

    let sizes = env
        .tasks
        .get_queue_sizes(&["qa", "qb", "nothing"])
        .await
        .unwrap();
    assert_eq!(
        sizes,
        HashMap::from([("qa".into(), 2), ("qb".into(), 1), ("nothing".into(), 0)])
    );
    assert!(
        env.tasks
            .get_queue_sizes::<&str>(&[])
            .await
            .unwrap()
            .is_empty()
    );
    let all = env.tasks.get_all_queue_sizes().await.unwrap();
    assert_eq!(all.get("qa"), Some(&2));
    assert_eq!(all.get("qb"), Some(&1));
    let verbose = env.tasks.get_all_queue_details_verbose().await.unwrap();
    let shards = &verbose["qa"];
    assert_eq!(shards.values().map(|s| s["size"]).sum::<i64>(), 2);

    // Poll data.
    assert!(env.tasks.get_poll_data("qa").await.unwrap().is_empty());
    let polled = env.poll("qa").await;
    let polls = env.tasks.get_poll_data("qa").await.unwrap();
    assert_eq!(polls.len(), 1);
    assert_eq!(polls[0].worker_id.as_deref(), Some(WORKER));
    assert!(
        env.tasks
            .get_all_poll_data()
            .await
            .unwrap()
            .iter()
            .any(|p| p.queue_name == "qa" && p.worker_id.as_deref() == Some(WORKER))
    );
    assert_eq!(env.tasks.get_queue_size("qa").await.unwrap(), 1);
    let _ = polled;

    // Removing a message takes the task out of the queue (it stays in its workflow); requeuing
    // puts the pending tasks whose message is missing back.
    let queued = env
        .tasks
        .search_tasks_v2(&SearchQuery::new().query("taskType = 'qb' AND status = 'SCHEDULED'"))
        .await
        .unwrap();
    assert_eq!(queued.total_hits, 1);
    let qb_task = &queued.results[0];
    env.tasks
        .remove_task_from_queue("qb", &qb_task.task_id)
        .await
        .unwrap();
    assert_eq!(env.tasks.get_queue_size("qb").await.unwrap(), 0);
    assert_eq!(
        env.tasks.poll_task("qb", Some(WORKER), None).await.unwrap(),
        None
    );
    assert_eq!(env.tasks.requeue_pending_tasks("qb").await.unwrap(), 1);
    assert_eq!(env.tasks.get_queue_size("qb").await.unwrap(), 1);
    assert_eq!(env.tasks.requeue_pending_tasks("qb").await.unwrap(), 0);
    assert_eq!(env.poll("qb").await.task_id, qb_task.task_id);
}

#[tokio::test]
async fn task_search_filters_sorts_and_pages() {
    let env = Env::start().await;
    env.register_linear("searched", &["find", "then"]).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        env.advance(Duration::from_secs(1));
        ids.push(env.start_with("searched", json!({"x": n})).await);
    }
    // The first workflow's `find` task is in progress; the others are scheduled.
    let in_progress = env.poll("find").await;
    assert_eq!(in_progress.workflow_instance_id, ids[0]);

    let found = env
        .tasks
        .search_tasks(&SearchQuery::new().query("taskType = 'find'"))
        .await
        .unwrap();
    assert_eq!(found.total_hits, 3);
    let summary = found
        .results
        .iter()
        .find(|s| s.task_id == in_progress.task_id)
        .expect("the polled task is found");
    assert_eq!(summary.workflow_id, ids[0]);
    assert_eq!(summary.workflow_type, "searched");
    assert_eq!(summary.status, TaskStatus::InProgress);
    assert_eq!(summary.task_def_name.as_deref(), Some("find"));
    // Summary times are UTC strings.
    assert_eq!(
        summary.scheduled_time.as_deref(),
        Some("2023-11-14T22:13:21.000Z")
    );

    // Full tasks, sorted and paged.
    let page = env
        .tasks
        .search_tasks_v2(
            &SearchQuery::new()
                .query("taskType = 'find'")
                .sort("scheduledTime:DESC")
                .start(1)
                .size(1),
        )
        .await
        .unwrap();
    assert_eq!(page.total_hits, 3);
    assert_eq!(page.results.len(), 1);
    assert_eq!(page.results[0].workflow_instance_id, ids[1]);
    let status_filtered = env
        .tasks
        .search_tasks_v2(
            &SearchQuery::new()
                .query("status = 'SCHEDULED'")
                .sort("scheduledTime:ASC"),
        )
        .await
        .unwrap();
    assert_eq!(
        status_filtered
            .results
            .iter()
            .map(|t| t.workflow_instance_id.as_str())
            .collect::<Vec<_>>(),
        [ids[1].as_str(), ids[2].as_str()]
    );
    // Free text matches the task's fields.
    let by_text = env
        .tasks
        .search_tasks_v2(&SearchQuery::new().free_text(ids[2].as_str()))
        .await
        .unwrap();
    assert_eq!(by_text.total_hits, 1);
    assert_eq!(by_text.results[0].workflow_instance_id, ids[2]);

    // The in-progress listing is a task search.
    let listed = env
        .tasks
        .get_tasks_in_progress("find", 0, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].task_id, in_progress.task_id);
    assert!(
        env.tasks
            .get_tasks_in_progress("then", 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn external_storage_locations_of_task_payloads() {
    let env = Env::start().await;
    let location = env
        .tasks
        .get_external_storage_location("tasks/abc/", "WRITE", "TASK_OUTPUT")
        .await
        .unwrap();
    let path = location.path.expect("a path");
    assert!(
        path.starts_with("tasks/abc/") && path.ends_with(".json"),
        "{path}"
    );
    assert_eq!(location.uri, None);
    // Operation and payload type are read case-insensitively; unknown ones are a 400.
    env.tasks
        .get_external_storage_location("p", "read", "task_input")
        .await
        .unwrap();
    assert_status(
        env.tasks
            .get_external_storage_location("p", "DELETE", "TASK_INPUT")
            .await,
        400,
        "Invalid input - Operation: DELETE, PayloadType: TASK_INPUT",
    );
}
