//! Cancellation from the server against the scripted fake: a running execution learns, through
//! its `TaskContext`, that its task was cancelled, timed out or retried; the runtime publishes
//! `TaskExecutionCancelled` and does not send the result. Checks run at an interval and after
//! every lease extension; failed checks cancel nothing; short executions cost no request.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::fake_api::server_error;
use common::{EventLog, FakeApi, LONG, builder, completing_worker, quick_options};
use conductor_events::TaskRunnerEvent;
use conductor_models::{Task, TaskStatus};
use conductor_worker::{FnWorker, TaskContext, WorkerOutput};

/// A worker that runs until its context is cancelled (or an hour passes), recording whether the
/// cancellation reached it.
fn cancellable_worker(cancelled: Arc<AtomicBool>) -> FnWorker {
    FnWorker::new("t", move |task: Task| {
        let cancelled = cancelled.clone();
        async move {
            let ctx = TaskContext::from_task(&task);
            tokio::select! {
                () = ctx.cancelled() => cancelled.store(true, Ordering::SeqCst),
                () = tokio::time::sleep(Duration::from_secs(3600)) => {}
            }
            Ok(WorkerOutput::completed_with_result("finished anyway"))
        }
    })
}

async fn cancelled_event(
    handler: &conductor_worker::TaskHandler,
    events: &EventLog,
) -> TaskRunnerEvent {
    common::flush_events(handler).await;
    events
        .named("TaskExecutionCancelled")
        .pop()
        .expect("no TaskExecutionCancelled event")
}

#[tokio::test(start_paused = true)]
async fn a_running_execution_learns_that_its_task_was_cancelled_on_the_server() {
    for server_status in [
        TaskStatus::Canceled,
        TaskStatus::TimedOut,
        TaskStatus::Failed,
    ] {
        let api = FakeApi::new();
        let id = api.add_tasks("t", 1).pop().unwrap();
        let cancelled = Arc::new(AtomicBool::new(false));
        let events = EventLog::new();
        let options = quick_options().with_task_status_check_interval(Some(Duration::from_secs(5)));
        let mut handler = builder(&api)
            .options(options)
            .worker(cancellable_worker(cancelled.clone()))
            .event_listener(events.clone())
            .build()
            .unwrap();
        handler.start().await.unwrap();
        common::wait_for_a_poll_of(&api, 1).await;
        // The workflow is terminated (or the task timed out, or failed and was retried).
        api.set_task_status(&id, server_status.clone());
        assert!(
            api.wait_until(LONG, |_| cancelled.load(Ordering::SeqCst))
                .await,
            "the execution was never told ({server_status})"
        );
        handler.stop().await.unwrap();
        assert!(
            api.updates().is_empty(),
            "a result was sent for a task no longer ours"
        );
        let TaskRunnerEvent::TaskExecutionCancelled(event) =
            cancelled_event(&handler, &events).await
        else {
            unreachable!()
        };
        assert_eq!(event.task_id, id);
        assert_eq!(event.server_status, server_status.to_string());
        assert!(event.duration >= Duration::from_secs(5));
    }
}

#[tokio::test(start_paused = true)]
async fn a_task_the_server_no_longer_has_cancels_its_execution() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    let cancelled = Arc::new(AtomicBool::new(false));
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(cancellable_worker(cancelled.clone()))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    // A rerun removes the old tasks.
    api.forget_task(&id);
    assert!(
        api.wait_until(LONG, |_| cancelled.load(Ordering::SeqCst))
            .await
    );
    handler.stop().await.unwrap();
    let TaskRunnerEvent::TaskExecutionCancelled(event) = cancelled_event(&handler, &events).await
    else {
        unreachable!()
    };
    assert_eq!(event.server_status, "NOT_FOUND");
}

#[tokio::test(start_paused = true)]
async fn the_status_is_checked_after_every_lease_extension() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 10);
    let cancelled = Arc::new(AtomicBool::new(false));
    // Interval checks off: only the lease extension (every 8 s) triggers a check.
    let options = quick_options().with_task_status_check_interval(None);
    let mut handler = builder(&api)
        .options(options)
        .worker(cancellable_worker(cancelled.clone()).with_lease_extend_enabled(true))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    api.set_task_status(&id, TaskStatus::Canceled);
    assert!(
        api.wait_until(LONG, |_| cancelled.load(Ordering::SeqCst))
            .await
    );
    handler.stop().await.unwrap();
    assert_eq!(
        api.heartbeats().len(),
        1,
        "cancelled at the first heartbeat"
    );
    assert_eq!(api.state().get_task_calls, 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_status_check_cancels_nothing() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.fail_next_get_tasks([server_error(503), server_error(503)]);
    let events = EventLog::new();
    let options = quick_options().with_task_status_check_interval(Some(Duration::from_secs(1)));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::from_millis(3500)))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s.finished().contains_key(&id))
            .await
    );
    handler.stop().await.unwrap();
    assert_eq!(
        api.state().get_task_calls,
        3,
        "two failed checks and one that found the task"
    );
    common::flush_events(&handler).await;
    assert!(events.named("TaskExecutionCancelled").is_empty());
}

#[tokio::test(start_paused = true)]
async fn executions_shorter_than_the_check_interval_cost_no_request() {
    let api = FakeApi::new();
    api.add_tasks("t", 20);
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::from_secs(2)).with_thread_count(5))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 20).await);
    handler.stop().await.unwrap();
    assert_eq!(api.state().get_task_calls, 0);
}
