//! `TaskClient` over real HTTP against the server under test (the embedded server, or the one
//! of `CONDUCTOR_TEST_SERVER_URL`): polling (single, batch, long poll, domains), every form of
//! task update, signals, logs, queues and poll data, task search and the external storage
//! location, with OSS's answers and errors. Time-dependent behaviour (callbacks) uses one-second
//! delays: the embedded server's manual clock is moved, a real server's clock is waited for.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use conductor_client::models::{
    ReturnStrategy, StartWorkflowRequest, TaskResult, TaskResultStatus, TaskStatus, WorkflowDef,
    WorkflowStatus, WorkflowTask,
};
use conductor_client::{ConductorError, RetryPolicy, SearchQuery, TaskClient, quote_query_value};
use serde_json::json;
use support::{
    Env, WORKER, assert_between, assert_no_blocking_task, assert_status, eventually, parse_utc,
};

#[tokio::test]
async fn a_task_is_polled_kept_in_progress_and_completed() {
    let env = Env::start().await;
    let encode_wf = env.name("encode_wf");
    let encode = env.name("encode");
    let publish = env.name("publish");
    env.register_linear(&encode_wf, &[&encode, &publish]).await;
    let id = env.start_with(&encode_wf, json!({"x": 7})).await;

    let before_poll = env.now();
    let task = env
        .tasks
        .poll_task(&encode, Some(WORKER), None)
        .await
        .unwrap()
        .expect("a scheduled task");
    assert_eq!(task.status, TaskStatus::InProgress);
    assert_eq!(task.workflow_instance_id, id);
    assert_eq!(task.reference_task_name, format!("{encode}_ref"));
    assert_eq!(task.worker_id.as_deref(), Some(WORKER));
    assert_eq!(task.poll_count, 1);
    assert_between(task.start_time, before_poll, env.now());
    assert_eq!(task.input_data["x"], 7);
    // Nothing else is queued: the server answers 204.
    assert_eq!(
        env.tasks
            .poll_task(&encode, Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        env.tasks.get_task(&task.task_id).await.unwrap().status,
        TaskStatus::InProgress
    );

    // "Still working, call me back in 3 s": stored as SCHEDULED and invisible until then
    // (conductor-oss 3.21's SQLite queue counts the delay in whole seconds and may deliver the
    // task up to a second early, so the delay is not shorter).
    let still_working = TaskResult::in_progress(&task.task_id, &id, 3)
        .with_output_value("progress", 50)
        .with_log("half way");
    assert_eq!(
        env.tasks.update_task(&still_working).await.unwrap(),
        task.task_id
    );
    let stored = env.tasks.get_task(&task.task_id).await.unwrap();
    assert_eq!(stored.status, TaskStatus::Scheduled);
    assert_eq!(stored.callback_after_seconds, 3);
    assert_eq!(stored.output_data["progress"], 50);
    assert_eq!(
        env.tasks
            .poll_task(&encode, Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    env.pass(Duration::from_secs(3)).await;
    let again = env.poll_eventually(&encode).await;
    assert_eq!(again.task_id, task.task_id);
    assert_eq!(again.poll_count, 2);

    // Completed: the output is stored and the next task is scheduled.
    let before_done = env.now();
    let done = TaskResult::completed(&task.task_id, &id).with_output_value("y", 8);
    assert_eq!(env.tasks.update_task(&done).await.unwrap(), task.task_id);
    let completed = env.tasks.get_task(&task.task_id).await.unwrap();
    assert_eq!(completed.status, TaskStatus::Completed);
    assert_eq!(completed.output_data["y"], 8);
    assert_between(completed.end_time, before_done, env.now());
    assert!(completed.end_time >= task.start_time + 1_000);
    assert_eq!(env.tasks.get_queue_size(&publish).await.unwrap(), 1);
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
    let checked = env.name("checked");
    env.register_linear(&checked, &[&env.name("check")]).await;
    let id = env.start_workflow(&checked).await;

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
    let retried = env.name("retried");
    let job = env.name("job");
    env.register_linear(&retried, &[&job]).await;
    let id = env.start_workflow(&retried).await;
    let task = env.poll(&job).await;
    let tasks = TaskClient::new(env.client.api_client().clone())
        .with_update_backoff(RetryPolicy::default().with_initial_backoff(Duration::from_millis(1)));
    assert_eq!(tasks.api_client().configuration().server_url(), env.url);

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
    let chained = env.name("chained");
    let step = env.name("step");
    env.register_linear(&chained, &[&step]).await;
    let first_wf = env.start_workflow(&chained).await;
    let first = env.poll(&step).await;
    assert_eq!(first.workflow_instance_id, first_wf);

    // Still in progress: the task is queued again, and there is no next task (204). Before
    // conductor-oss 3.32.0 the server polls after any update: the answer is that same task.
    let progress = TaskResult::in_progress(&first.task_id, &first_wf, 0).with_worker_id(WORKER);
    let answer = env.tasks.update_task_v2(&progress).await.unwrap();
    let first = match answer {
        Some(again) if env.older_than((3, 32, 0)) => again,
        None => env.poll(&step).await,
        Some(other) => panic!("expected no next task, got {other:?}"),
    };
    assert_eq!(first.workflow_instance_id, first_wf);
    let second_wf = env.start_workflow(&chained).await;

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

    // OSS validates this controller's body itself: missing ids are a 500 (Spring's message),
    // not a 400.
    let error = assert_status(
        env.tasks
            .update_task_v2(&TaskResult::completed("", ""))
            .await,
        500,
        "default message [Workflow Id cannot be null or empty]",
    );
    assert!(matches!(error, ConductorError::Server { .. }));
}

#[tokio::test]
async fn tasks_are_updated_by_reference_name() {
    let env = Env::start().await;
    let by_ref = env.name("by_ref");
    let first = env.name("first");
    let second = env.name("second");
    let first_ref = format!("{first}_ref");
    let second_ref = format!("{second}_ref");
    env.register_linear(&by_ref, &[&first, &second]).await;
    let id = env.start_workflow(&by_ref).await;

    let task_id = env
        .tasks
        .update_task_by_ref_name(
            &id,
            &first_ref,
            TaskResultStatus::Completed,
            &json!({"a": 1}),
            Some("ref-worker"),
        )
        .await
        .unwrap()
        .expect("the pending task's id");
    let first_task = env.tasks.get_task(&task_id).await.unwrap();
    assert_eq!(first_task.reference_task_name, first_ref);
    assert_eq!(first_task.status, TaskStatus::Completed);
    assert_eq!(first_task.output_data["a"], 1);
    assert_eq!(first_task.worker_id.as_deref(), Some("ref-worker"));
    // No pending task with that reference any more: an empty answer.
    assert_eq!(
        env.tasks
            .update_task_by_ref_name(
                &id,
                &first_ref,
                TaskResultStatus::Completed,
                &json!({}),
                None
            )
            .await
            .unwrap(),
        None
    );
    // An unknown workflow has no pending task either (OSS reads its tasks: none).
    assert_eq!(
        env.tasks
            .update_task_by_ref_name(
                "missing",
                &first_ref,
                TaskResultStatus::Completed,
                &json!({}),
                None,
            )
            .await
            .unwrap(),
        None
    );

    // The sync form answers the workflow after the update.
    let workflow = env
        .tasks
        .update_task_by_ref_name_sync(
            &id,
            &second_ref,
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
                &second_ref,
                TaskResultStatus::Completed,
                &json!({}),
                None,
            )
            .await,
        404,
        &format!("Found no running task {second_ref}"),
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
    let unblocked = env.name("unblocked");
    env.register_linear(&unblocked, &[&env.name("work")]).await;
    let id = env.start_workflow(&unblocked).await;

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
    let gated = env.name("gated");
    let after_gate = env.name("after_gate");
    env.register(
        &WorkflowDef::new(&gated)
            .with_task(WorkflowTask::wait("gate_ref"))
            .with_task(WorkflowTask::simple(&after_gate, "after_gate_ref")),
    )
    .await;
    let id = env.start_workflow(&gated).await;
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
    let three_gates = env.name("three_gates");
    env.register(
        &WorkflowDef::new(&three_gates)
            .with_task(WorkflowTask::wait("g1"))
            .with_task(WorkflowTask::wait("g2"))
            .with_task(WorkflowTask::wait("g3")),
    )
    .await;
    let id = env.start_workflow(&three_gates).await;
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

    // The last gate: the workflow completes, so there is no blocking task to answer (OSS: 500;
    // before 3.32.0, the client's fallback says so).
    assert_no_blocking_task(
        &env,
        (3, 32, 0),
        env.tasks
            .signal_sync(
                &id,
                TaskResultStatus::Completed,
                &json!({}),
                ReturnStrategy::BlockingTaskInput,
                wait,
            )
            .await,
    );
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);
}

#[tokio::test]
async fn batch_polls_return_several_tasks_and_wait_for_new_ones() {
    let env = Env::start().await;
    let batched = env.name("batched");
    let batch = env.name("batch");
    env.register_linear(&batched, &[&batch]).await;
    for _ in 0..3 {
        env.start_workflow(&batched).await;
    }
    let short = Duration::from_millis(10);
    let first = env
        .tasks
        .batch_poll(&batch, Some(WORKER), None, 2, short)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|t| t.status == TaskStatus::InProgress));
    let second = env
        .tasks
        .batch_poll(&batch, Some(WORKER), None, 2, short)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(
        env.tasks
            .batch_poll(&batch, Some(WORKER), None, 2, short)
            .await
            .unwrap()
            .is_empty()
    );

    // A long poll waiting on an empty queue gets the task scheduled while it waits. Nothing
    // shows that a long poll is waiting (OSS records the poll when it ends), so the workflow
    // starts after a pause that is short against the poll's 5 s.
    let tasks = env.tasks.clone();
    let long_queue = batch.clone();
    let started = Instant::now();
    let waiting = tokio::spawn(async move {
        let polled = tasks
            .batch_poll(
                &long_queue,
                Some("long-poller"),
                None,
                1,
                Duration::from_secs(5),
            )
            .await;
        (polled, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !env.tasks
            .get_poll_data(&batch)
            .await
            .unwrap()
            .iter()
            .any(|p| p.worker_id.as_deref() == Some("long-poller")),
        "a poll is recorded when it ends"
    );
    let id = env.start_workflow(&batched).await;
    let (delivered, took) = waiting.await.unwrap();
    let delivered = delivered.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].workflow_instance_id, id);
    assert_eq!(delivered[0].worker_id.as_deref(), Some("long-poller"));
    assert!(
        took < Duration::from_secs(5),
        "the long poll returned at {took:?}"
    );
    assert!(
        env.tasks
            .get_poll_data(&batch)
            .await
            .unwrap()
            .iter()
            .any(|p| p.worker_id.as_deref() == Some("long-poller"))
    );

    // OSS caps the long poll at 5 s.
    assert_status(
        env.tasks
            .batch_poll(&batch, Some(WORKER), None, 1, Duration::from_millis(5001))
            .await,
        400,
        "Long Poll Timeout value cannot be more than 5 seconds",
    );
}

#[tokio::test]
async fn domains_route_tasks_to_their_own_queue() {
    let env = Env::start().await;
    let routed = env.name("routed");
    let paint = env.name("paint");
    env.register_linear(&routed, &[&paint]).await;
    let request = StartWorkflowRequest::new(&routed).with_task_to_domain(&paint, "blue");
    let id = env.workflows.start_workflow(&request).await.unwrap();

    assert_eq!(env.tasks.get_queue_size(&paint).await.unwrap(), 0);
    assert_eq!(
        env.tasks
            .get_queue_size_with(
                &paint,
                &conductor_client::QueueSizeOptions::new().domain("blue")
            )
            .await
            .unwrap(),
        1
    );
    let before_polls = env.now();
    assert_eq!(
        env.tasks
            .poll_task(&paint, Some(WORKER), None)
            .await
            .unwrap(),
        None
    );
    let task = env
        .tasks
        .poll_task(&paint, Some(WORKER), Some("blue"))
        .await
        .unwrap()
        .expect("the task in domain blue");
    let after_polls = env.now();
    assert_eq!(task.workflow_instance_id, id);
    assert_eq!(task.domain.as_deref(), Some("blue"));

    // Poll data is kept per domain.
    let mut polls = env.tasks.get_poll_data(&paint).await.unwrap();
    polls.sort_by(|a, b| a.domain.cmp(&b.domain));
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0].domain, None);
    assert_eq!(polls[1].domain.as_deref(), Some("blue"));
    assert!(
        polls
            .iter()
            .all(|p| p.queue_name == paint && p.worker_id.as_deref() == Some(WORKER))
    );
    for poll in &polls {
        assert_between(poll.last_poll_time, before_polls, after_polls);
    }
}

#[tokio::test]
async fn task_logs_are_appended_verbatim() {
    let env = Env::start().await;
    let logged = env.name("logged");
    let log = env.name("log");
    env.register_linear(&logged, &[&log]).await;
    env.start_workflow(&logged).await;
    let task = env.poll(&log).await;

    assert!(
        env.tasks
            .get_task_logs(&task.task_id)
            .await
            .unwrap()
            .is_empty()
    );
    let before = env.now();
    env.tasks
        .add_task_log(&task.task_id, "fetched 3 rows")
        .await
        .unwrap();
    env.tick().await;
    let between = env.now();
    // The body is raw text: quotes and newlines are kept as they are.
    env.tasks
        .add_task_log(&task.task_id, "said \"hi\"\nthen left")
        .await
        .unwrap();
    let after = env.now();
    let logs = env.tasks.get_task_logs(&task.task_id).await.unwrap();
    assert_eq!(
        logs.iter().map(|l| l.log.as_str()).collect::<Vec<_>>(),
        ["fetched 3 rows", "said \"hi\"\nthen left"]
    );
    assert!(
        logs.iter()
            .all(|l| l.task_id.as_deref() == Some(task.task_id.as_str()))
    );
    assert_between(logs[0].created_time, before, between);
    assert_between(logs[1].created_time, between, after);
    assert!(logs[0].created_time < logs[1].created_time);
}

#[tokio::test]
async fn queue_sizes_poll_data_and_requeue() {
    let env = Env::start().await;
    let queued_a = env.name("queued_a");
    let queued_b = env.name("queued_b");
    let qa = env.name("qa");
    let qb = env.name("qb");
    let nothing = env.name("nothing");
    env.register_linear(&queued_a, &[&qa]).await;
    env.register_linear(&queued_b, &[&qb]).await;
    env.start_workflow(&queued_a).await;
    env.start_workflow(&queued_a).await;
    env.start_workflow(&queued_b).await;

    let sizes = env
        .tasks
        .get_queue_sizes(&[&qa, &qb, &nothing])
        .await
        .unwrap();
    assert_eq!(
        sizes,
        HashMap::from([(qa.clone(), 2), (qb.clone(), 1), (nothing.clone(), 0)])
    );
    assert!(
        env.tasks
            .get_queue_sizes::<&str>(&[])
            .await
            .unwrap()
            .is_empty()
    );
    let all = env.tasks.get_all_queue_sizes().await.unwrap();
    assert_eq!(all.get(&qa), Some(&2));
    assert_eq!(all.get(&qb), Some(&1));
    let verbose = env.tasks.get_all_queue_details_verbose().await.unwrap();
    let shards = &verbose[&qa];
    assert_eq!(shards.values().map(|s| s["size"]).sum::<i64>(), 2);

    // Poll data.
    assert!(env.tasks.get_poll_data(&qa).await.unwrap().is_empty());
    let in_progress = env.poll(&qa).await;
    let polls = env.tasks.get_poll_data(&qa).await.unwrap();
    assert_eq!(polls.len(), 1);
    assert_eq!(polls[0].worker_id.as_deref(), Some(WORKER));
    assert!(
        env.tasks
            .get_all_poll_data()
            .await
            .unwrap()
            .iter()
            .any(|p| p.queue_name == qa && p.worker_id.as_deref() == Some(WORKER))
    );
    assert_eq!(env.tasks.get_queue_size(&qa).await.unwrap(), 1);

    // Requeuing puts every pending task of the type back in its queue (replacing its message),
    // the one in progress included: it can be polled again.
    assert_eq!(env.tasks.requeue_pending_tasks(&qa).await.unwrap(), 2);
    assert_eq!(env.tasks.get_queue_size(&qa).await.unwrap(), 2);
    assert_eq!(env.tasks.requeue_pending_tasks(&qa).await.unwrap(), 2);
    assert_eq!(env.tasks.get_queue_size(&qa).await.unwrap(), 2);
    assert_eq!(env.tasks.requeue_pending_tasks(&nothing).await.unwrap(), 0);
    let polled = [env.poll(&qa).await.task_id, env.poll(&qa).await.task_id];
    assert!(polled.contains(&in_progress.task_id), "{polled:?}");
}

#[tokio::test]
async fn task_search_filters_sorts_and_pages() {
    let env = Env::start().await;
    let searched = env.name("searched");
    let find = env.name("find");
    let then = env.name("then");
    env.register_linear(&searched, &[&find, &then]).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        env.tick().await;
        ids.push(env.start_with(&searched, json!({"x": n})).await);
    }
    // A task is indexed when it is first updated (a poll counts), not when it is scheduled: the
    // three `find` tasks are polled, and the first workflow's is completed.
    let mut polled = Vec::new();
    for _ in 0..3 {
        polled.push(env.poll(&find).await);
    }
    let task_of = |workflow_id: &str| {
        polled
            .iter()
            .find(|t| t.workflow_instance_id == workflow_id)
            .expect("each workflow's find task was polled")
            .clone()
    };
    let done = task_of(&ids[0]);
    env.complete(&done, json!({})).await;
    let find_type = format!("taskType = {}", quote_query_value(&find));

    let by_type = SearchQuery::new().query(find_type.as_str());
    let found = eventually(
        "searching the find tasks",
        || env.tasks.search_tasks(&by_type),
        |found| {
            found.total_hits == 3
                && found
                    .results
                    .iter()
                    .any(|s| s.task_id == done.task_id && s.status == TaskStatus::Completed)
        },
    )
    .await;
    let summary = found
        .results
        .iter()
        .find(|s| s.task_id == done.task_id)
        .expect("the completed task is found");
    assert_eq!(summary.workflow_id, ids[0]);
    assert_eq!(summary.workflow_type, searched);
    assert_eq!(summary.task_def_name.as_deref(), Some(find.as_str()));
    // Summary times are UTC strings.
    let scheduled = summary.scheduled_time.as_deref().expect("a scheduled time");
    assert_eq!(parse_utc(scheduled), done.scheduled_time, "{scheduled}");
    // The second task of the first workflow is scheduled, not updated: not in the index.
    let then_query = SearchQuery::new().query(format!("taskType = {}", quote_query_value(&then)));
    assert_eq!(
        env.tasks
            .search_tasks(&then_query)
            .await
            .unwrap()
            .total_hits,
        0
    );

    // Full tasks, sorted and paged.
    let page = env
        .tasks
        .search_tasks_v2(
            &SearchQuery::new()
                .query(find_type.as_str())
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
                .query(format!("{find_type} AND status = \"IN_PROGRESS\""))
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
    let mut listed: Vec<String> = env
        .tasks
        .get_tasks_in_progress(&find, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    listed.sort();
    let mut expected = vec![task_of(&ids[1]).task_id, task_of(&ids[2]).task_id];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(
        env.tasks
            .get_tasks_in_progress(&then, 0, 10)
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

/// Endpoints only the embedded server has.
mod embedded_only {
    use super::*;

    /// `DELETE /tasks/queue/{taskType}/{taskId}` is a Conductor 2.x / Orkes endpoint that
    /// conductor-oss 3.x does not have.
    #[tokio::test]
    async fn tasks_are_removed_from_their_queue() {
        let env = Env::start().await;
        let queued = env.name("queued");
        let q = env.name("q");
        env.register_linear(&queued, &[&q]).await;
        let id = env.start_workflow(&queued).await;
        let workflow = env.workflows.get_workflow(&id).await.unwrap();
        let task = &workflow.tasks[0];

        // The task leaves the queue but stays in its workflow; requeuing puts it back.
        env.tasks
            .remove_task_from_queue(&q, &task.task_id)
            .await
            .unwrap();
        assert_eq!(env.tasks.get_queue_size(&q).await.unwrap(), 0);
        assert_eq!(
            env.tasks.poll_task(&q, Some(WORKER), None).await.unwrap(),
            None
        );
        assert_eq!(env.status_of(&id).await, WorkflowStatus::Running);
        assert_eq!(env.tasks.requeue_pending_tasks(&q).await.unwrap(), 1);
        assert_eq!(env.tasks.get_queue_size(&q).await.unwrap(), 1);
        assert_eq!(env.poll(&q).await.task_id, task.task_id);
    }
}
