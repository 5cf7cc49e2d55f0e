//! Executing tasks against the scripted fake: how outcomes, errors and panics are reported, the
//! task context, lease extension.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{EventLog, FakeApi, LONG, builder};
use conductor_events::TaskRunnerEvent;
use conductor_http::ConductorError;
use conductor_models::{Task, TaskResult, TaskResultStatus};
use conductor_worker::{FnWorker, TaskContext, TaskInProgress, WorkerOutput};

/// Runs `worker` over one task with `input` and returns the first result reported for it.
async fn run_one(worker: FnWorker, input: serde_json::Value) -> (TaskResult, Arc<EventLog>) {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| {
        task.input_data = input.as_object().cloned().unwrap_or_default();
        task.poll_count = 0;
    });
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(worker)
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s
            .updates
            .iter()
            .any(|u| u.result.task_id == id && u.accepted))
            .await
    );
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;
    let result = api
        .updates()
        .into_iter()
        .find(|u| u.result.task_id == id)
        .unwrap()
        .result;
    (result, events)
}

fn failure_event(events: &EventLog) -> conductor_events::TaskExecutionFailure {
    match events.named("TaskExecutionFailure").pop() {
        Some(TaskRunnerEvent::TaskExecutionFailure(event)) => event,
        other => panic!("no failure event: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn completed_output_is_reported_with_the_worker_id() {
    let worker = FnWorker::new("t", |task: Task| async move {
        let name = task.get_input_string("name").unwrap_or_default();
        Ok(WorkerOutput::completed_with_result(format!(
            "Hello, {name}!"
        )))
    })
    .with_identity("w-1");
    let (result, events) = run_one(worker, serde_json::json!({"name": "World"})).await;
    assert_eq!(result.status, TaskResultStatus::Completed);
    assert_eq!(result.output_data["result"], "Hello, World!");
    assert_eq!(result.worker_id.as_deref(), Some("w-1"));
    let Some(TaskRunnerEvent::TaskExecutionCompleted(done)) =
        events.named("TaskExecutionCompleted").pop()
    else {
        panic!("no completion event");
    };
    assert_eq!(
        done.output_size_bytes,
        r#"{"result":"Hello, World!"}"#.len()
    );
    assert_eq!(events.named("TaskExecutionStarted").len(), 1);
    assert_eq!(events.named("TaskUpdateCompleted").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_error_fails_the_task_and_a_non_retryable_one_fails_it_terminally() {
    let worker = FnWorker::new("t", |_task: Task| async {
        Err(ConductorError::task_execution("Missing 'data' input"))
    });
    let (result, events) = run_one(worker, serde_json::json!({})).await;
    assert_eq!(result.status, TaskResultStatus::Failed);
    assert_eq!(
        result.reason_for_incompletion.as_deref(),
        Some("Missing 'data' input")
    );
    assert!(
        result
            .logs
            .iter()
            .any(|l| l.log.contains("Missing 'data' input"))
    );
    let event = failure_event(&events);
    assert!(event.is_retryable);
    assert_eq!(event.error_type, "TaskExecution");

    let worker = FnWorker::new("t", |_task: Task| async {
        Err(ConductorError::non_retryable("order id is malformed"))
    });
    let (result, events) = run_one(worker, serde_json::json!({})).await;
    assert_eq!(result.status, TaskResultStatus::FailedWithTerminalError);
    assert_eq!(
        result.reason_for_incompletion.as_deref(),
        Some("order id is malformed")
    );
    assert!(!failure_event(&events).is_retryable);
}

#[tokio::test(start_paused = true)]
async fn failed_outputs_keep_their_status() {
    let worker = FnWorker::new("t", |_task: Task| async {
        Ok(WorkerOutput::failed("nope"))
    });
    let (result, _) = run_one(worker, serde_json::json!({})).await;
    assert_eq!(result.status, TaskResultStatus::Failed);
    assert_eq!(result.reason_for_incompletion.as_deref(), Some("nope"));

    let worker = FnWorker::new("t", |_task: Task| async {
        Ok(WorkerOutput::failed_with_terminal_error("never"))
    });
    let (result, events) = run_one(worker, serde_json::json!({})).await;
    assert_eq!(result.status, TaskResultStatus::FailedWithTerminalError);
    assert!(!failure_event(&events).is_retryable);
}

#[tokio::test(start_paused = true)]
async fn a_panic_fails_the_task_with_its_message_and_the_worker_keeps_going() {
    let api = FakeApi::new();
    let boom = api.add_task_with("t", |task| {
        task.input_data.insert("explode".into(), true.into());
    });
    let fine = api.add_tasks("t", 1).pop().unwrap();
    let worker = FnWorker::new("t", |task: Task| async move {
        if task.get_input::<bool>("explode") == Some(true) {
            panic!("kaboom on {}", task.task_id);
        }
        Ok(WorkerOutput::completed_with_result("fine"))
    });
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(worker)
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    handler.stop().await.unwrap();

    let finished = api.finished();
    let failed = &finished[&boom][0];
    assert_eq!(failed.status, TaskResultStatus::Failed);
    assert_eq!(
        failed.reason_for_incompletion.as_deref(),
        Some(format!("worker panicked: kaboom on {boom}").as_str())
    );
    assert_eq!(finished[&fine][0].status, TaskResultStatus::Completed);
    common::flush_events(&handler).await;
    assert_eq!(failure_event(&events).error_type, "Panic");
}

#[tokio::test(start_paused = true)]
async fn in_progress_is_reported_with_callback_and_output_then_completes_on_a_later_poll() {
    let api = FakeApi::new();
    let id = api.add_tasks("long", 1).pop().unwrap();
    let worker = FnWorker::new("long", |task: Task| async move {
        let ctx = TaskContext::from_task(&task);
        let progress: i64 = task.get_output("progress").unwrap_or(0);
        if progress < 30 {
            Ok(WorkerOutput::InProgress(
                TaskInProgress::new(10)
                    .with_output_value("progress", progress + 10)
                    .with_output_value("first", ctx.is_first_poll()),
            ))
        } else {
            Ok(WorkerOutput::completed_with_result(format!(
                "done after {} polls",
                ctx.poll_count()
            )))
        }
    });
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();

    let updates = api.updates();
    let progress: Vec<&TaskResult> = updates.iter().map(|u| &u.result).collect();
    assert_eq!(progress.len(), 4);
    for (n, result) in progress[..3].iter().enumerate() {
        assert_eq!(result.status, TaskResultStatus::InProgress);
        assert_eq!(result.callback_after_seconds, 10);
        assert_eq!(result.output_data["progress"], 10 * (n as i64 + 1));
        assert_eq!(result.output_data["first"], n == 0);
    }
    assert_eq!(
        api.finished()[&id][0].output_data["result"],
        "done after 4 polls"
    );
    // Each callback waited its 10 s.
    let gaps: Vec<u64> = updates
        .windows(2)
        .map(|w| w[1].at.duration_since(w[0].at).as_secs())
        .collect();
    assert!(gaps.iter().all(|gap| *gap >= 10), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn context_logs_and_callback_are_merged_into_the_result() {
    let worker = FnWorker::new("t", |_task: Task| async {
        let ctx = TaskContext::current().expect("inside an execution");
        ctx.add_log("step 1");
        ctx.add_log("step 2");
        ctx.set_callback_after(42);
        Ok(WorkerOutput::in_progress(5))
    });
    let (result, _) = run_one(worker, serde_json::json!({})).await;
    let logs: Vec<&str> = result.logs.iter().map(|l| l.log.as_str()).collect();
    assert_eq!(logs, ["step 1", "step 2"]);
    assert!(
        result
            .logs
            .iter()
            .all(|l| l.task_id.as_deref() == Some(result.task_id.as_str()))
    );
    assert_eq!(result.callback_after_seconds, 42);
}

#[tokio::test(start_paused = true)]
async fn lease_extension_sends_heartbeats_while_the_task_runs() {
    let api = FakeApi::new();
    let id = api.add_task_with("slow", |task| task.response_timeout_seconds = 10);
    let worker = FnWorker::new("slow", |_task: Task| async {
        tokio::time::sleep(Duration::from_secs(25)).await;
        Ok(WorkerOutput::completed_with_result("done"))
    })
    .with_lease_extend_enabled(true);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    tokio::time::sleep(Duration::from_secs(30)).await;
    handler.stop().await.unwrap();

    let heartbeats = api.heartbeats();
    assert_eq!(heartbeats.len(), 3, "at 8, 16 and 24 s: {heartbeats:?}");
    let start = api.polls()[0].at;
    let offsets: Vec<u64> = heartbeats
        .iter()
        .map(|h| h.at.duration_since(start).as_secs())
        .collect();
    assert_eq!(offsets, [8, 16, 24]);
    assert!(
        heartbeats
            .iter()
            .all(|h| h.result.task_id == id && h.result.extend_lease)
    );
}

#[tokio::test(start_paused = true)]
async fn without_lease_extension_no_heartbeat_is_sent() {
    let api = FakeApi::new();
    api.add_task_with("slow", |task| task.response_timeout_seconds = 10);
    let worker = FnWorker::new("slow", |_task: Task| async {
        tokio::time::sleep(Duration::from_secs(25)).await;
        Ok(WorkerOutput::completed_with_result("done"))
    });
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
    assert!(api.heartbeats().is_empty());
}
