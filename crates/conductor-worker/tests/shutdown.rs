//! Graceful shutdown against the scripted fake: in-flight work finishes within the deadline,
//! unfinished and not-yet-started tasks are returned to the server, update retries never hold the
//! shutdown past its deadline, the cancellation signal reaches workers.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{EventLog, FakeApi, LONG, builder, completing_worker, quick_options};
use conductor_models::{Task, TaskResultStatus};
use conductor_worker::{FnWorker, TaskContext, WorkerOutput};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn running_tasks_finish_and_report_within_the_grace_period() {
    let api = FakeApi::new();
    api.add_tasks("t", 3);
    let mut handler = builder(&api)
        .options(quick_options().with_shutdown_grace_period(Duration::from_secs(30)))
        .worker(completing_worker("t", Duration::from_secs(5)).with_thread_count(3))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 3).await;
    let stop_started = Instant::now();
    handler.stop().await.unwrap();
    let took = stop_started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(6),
        "{took:?}"
    );
    let finished = api.finished();
    assert_eq!(finished.len(), 3);
    assert!(
        finished
            .values()
            .all(|r| r[0].status == TaskResultStatus::Completed)
    );
    assert!(!handler.is_running());
    // Stopped: no more polls.
    let polls = api.polls().len();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(api.polls().len(), polls);
}

#[tokio::test(start_paused = true)]
async fn tasks_still_running_at_the_deadline_are_returned_to_the_server() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| {
        task.output_data.insert("progress".into(), 40.into());
    });
    // A worker that ignores cancellation and would run for an hour.
    let worker = completing_worker("t", Duration::from_secs(3600));
    let options = quick_options()
        .with_shutdown_grace_period(Duration::from_secs(2))
        .with_hand_back_timeout(Duration::from_secs(1));
    let mut handler = builder(&api)
        .options(options)
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    let stop_started = Instant::now();
    handler.stop().await.unwrap();
    let took = stop_started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took <= Duration::from_secs(3),
        "{took:?}"
    );

    let updates = api.updates();
    assert_eq!(updates.len(), 1);
    let returned = &updates[0].result;
    assert_eq!(returned.task_id, id);
    assert_eq!(returned.status, TaskResultStatus::InProgress);
    assert_eq!(returned.callback_after_seconds, 0);
    assert_eq!(
        returned.output_data["progress"], 40,
        "the task's output is kept"
    );
    assert!(
        returned.logs[0].log.contains("returned to the queue"),
        "{:?}",
        returned.logs
    );
    // The server made it pollable again at once.
    assert_eq!(api.queued("t"), 1);
}

#[tokio::test(start_paused = true)]
async fn the_cancellation_signal_lets_workers_finish_early() {
    let api = FakeApi::new();
    api.add_tasks("t", 2);
    let worker = FnWorker::new("t", |task: Task| async move {
        let ctx = TaskContext::from_task(&task);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3600)) => Ok(WorkerOutput::completed_with_result("finished")),
            () = ctx.cancelled() => {
                ctx.add_log("interrupted by shutdown");
                Ok(WorkerOutput::in_progress(0))
            }
        }
    })
    .with_thread_count(2);
    let mut handler = builder(&api)
        .options(quick_options().with_shutdown_grace_period(Duration::from_secs(30)))
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 2).await;
    let stop_started = Instant::now();
    handler.stop().await.unwrap();
    assert!(
        stop_started.elapsed() < Duration::from_millis(100),
        "{:?}",
        stop_started.elapsed()
    );
    let updates = api.updates();
    assert_eq!(updates.len(), 2);
    assert!(updates.iter().all(|u| u.accepted
        && u.result.status == TaskResultStatus::InProgress
        && u.result.logs[0].log == "interrupted by shutdown"));
}

#[tokio::test(start_paused = true)]
async fn tasks_received_while_stopping_are_returned_without_running() {
    let api = FakeApi::new();
    let worker = FnWorker::new("t", |_task: Task| async {
        panic!("must not run during shutdown");
    })
    .with_poll_timeout_millis(5_000);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    // A long poll (5 s) is in flight, nothing has been answered yet...
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(api.polls().is_empty());
    let stopping = tokio::spawn(async move {
        handler.stop().await.unwrap();
        handler
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    // ...and the server hands out a task in it after the shutdown began.
    let id = api.add_tasks("t", 1).pop().unwrap();
    let _handler = stopping.await.unwrap();
    let updates = api.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].result.task_id, id);
    assert_eq!(updates[0].result.status, TaskResultStatus::InProgress);
    assert_eq!(updates[0].result.callback_after_seconds, 0);
    assert!(
        updates[0].result.logs[0]
            .log
            .contains("before the task started")
    );
}

#[tokio::test(start_paused = true)]
async fn update_retries_never_hold_shutdown_past_its_deadline() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.set_updates_down(true);
    let events = EventLog::new();
    let options = quick_options()
        .with_update_retries(50)
        .with_update_backoff(Duration::from_secs(10), Duration::from_secs(60))
        .with_shutdown_grace_period(Duration::from_secs(5))
        .with_hand_back_timeout(Duration::from_secs(1));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    let stop_started = Instant::now();
    handler.stop().await.unwrap();
    let took = stop_started.elapsed();
    assert!(
        took >= Duration::from_secs(5) && took <= Duration::from_secs(7),
        "{took:?}"
    );
    // The retry waiting at the deadline made one last attempt, then gave the result up.
    assert_eq!(api.updates().len(), 2);
    let Some(conductor_events::TaskRunnerEvent::TaskUpdateFailure(lost)) =
        events.named("TaskUpdateFailure").pop()
    else {
        panic!("no TaskUpdateFailure");
    };
    assert_eq!(lost.task_id, id);
    assert_eq!(lost.task_result.status, TaskResultStatus::Completed);
}

#[tokio::test(start_paused = true)]
async fn a_result_delivered_by_a_retry_during_the_grace_period_is_not_lost() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.fail_next_updates([common::fake_api::server_error(503)]);
    let mut handler = builder(&api)
        .options(quick_options().with_shutdown_grace_period(Duration::from_secs(30)))
        .worker(completing_worker("t", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    handler.stop().await.unwrap();
    assert_eq!(api.finished()[&id].len(), 1);
}

#[tokio::test(start_paused = true)]
async fn stop_is_idempotent_and_the_handler_can_start_again() {
    let api = FakeApi::new();
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::ZERO))
        .build()
        .unwrap();
    handler.stop().await.unwrap();
    handler.start().await.unwrap();
    assert!(handler.start().await.is_err());
    handler.stop().await.unwrap();
    handler.stop().await.unwrap();
    api.add_tasks("t", 1);
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_poll_in_flight_at_the_deadline_is_awaited_and_its_tasks_handed_back() {
    let api = FakeApi::new();
    let options = quick_options()
        .with_shutdown_grace_period(Duration::ZERO)
        .with_hand_back_timeout(Duration::from_secs(5));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::ZERO).with_poll_timeout_millis(5_000))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    // A long poll is waiting on the server when the shutdown (with no grace) begins.
    assert!(api.wait_until(LONG, |_| true).await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stop = tokio::spawn(async move {
        handler.stop().await.unwrap();
        handler
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The server hands a task out in that poll after the deadline.
    let id = api.add_tasks("t", 1).pop().unwrap();
    let _handler = stop.await.unwrap();
    let updates = api.updates();
    assert_eq!(updates.len(), 1, "the task was stranded: {updates:?}");
    assert_eq!(updates[0].result.task_id, id);
    assert_eq!(updates[0].result.status, TaskResultStatus::InProgress);
    assert_eq!(api.queued("t"), 1, "the task is pollable again");
}

#[tokio::test(start_paused = true)]
async fn a_handed_back_task_is_a_first_poll_again_for_the_next_worker() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| {
        task.output_data.insert("progress".into(), 10.into());
    });
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let worker = {
        let seen = seen.clone();
        FnWorker::new("t", move |task: Task| {
            let seen = seen.clone();
            async move {
                let ctx = TaskContext::from_task(&task);
                seen.lock().unwrap().push((
                    ctx.poll_count(),
                    ctx.is_first_poll(),
                    task.output_data.clone(),
                ));
                Ok(WorkerOutput::completed_with_result("done"))
            }
        })
    };
    // The first run hands the task back before starting it (it is stopping already).
    let mut first = builder(&api)
        .options(quick_options().with_shutdown_grace_period(Duration::from_secs(5)))
        .worker(completing_worker("other", Duration::ZERO))
        .build()
        .unwrap();
    first.start().await.unwrap();
    first.stop().await.unwrap();
    let polled = api.add_tasks("unused", 0);
    assert!(polled.is_empty());
    // Hand the task back twice, as two deploys in a row would.
    for _ in 0..2 {
        let mut handler = builder(&api)
            .options(quick_options().with_shutdown_grace_period(Duration::ZERO))
            .worker(completing_worker("t", Duration::from_secs(3600)))
            .build()
            .unwrap();
        handler.start().await.unwrap();
        let hand_backs = api.updates().len();
        assert!(
            api.wait_until(LONG, |s| s.tasks[&id].status
                == conductor_models::TaskStatus::InProgress)
                .await
        );
        handler.stop().await.unwrap();
        assert_eq!(api.updates().len(), hand_backs + 1);
    }
    assert_eq!(api.task(&id).unwrap().poll_count, 2);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s.finished().contains_key(&id))
            .await
    );
    handler.stop().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (poll_count, first_poll, output) = &seen[0];
    assert_eq!(*poll_count, 1, "the hand-backs counted as polls");
    assert!(first_poll);
    assert_eq!(output.get(conductor_worker::HAND_BACK_OUTPUT_KEY), None);
    assert_eq!(output["progress"], 10, "the task's own output is kept");
}

#[tokio::test(start_paused = true)]
async fn a_hand_back_survives_a_burst_of_server_errors() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    let events = EventLog::new();
    let options = quick_options()
        .with_shutdown_grace_period(Duration::ZERO)
        .with_hand_back_timeout(Duration::from_secs(5));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::from_secs(3600)))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    api.fail_next_updates([
        common::fake_api::server_error(503),
        common::fake_api::server_error(503),
        common::fake_api::connect_error(),
    ]);
    handler.stop().await.unwrap();
    let attempts: Vec<bool> = api.updates().iter().map(|u| u.accepted).collect();
    assert_eq!(attempts, [false, false, false, true]);
    assert_eq!(api.queued("t"), 1);
    assert_eq!(
        api.task(&id).unwrap().status,
        conductor_models::TaskStatus::Scheduled
    );
    common::flush_events(&handler).await;
    assert!(events.named("TaskUpdateFailure").is_empty());
}

/// A worker whose code runs on a blocking thread for `work` (real time).
fn blocking_worker(work: Duration) -> FnWorker {
    FnWorker::new("t", move |_task: Task| async move {
        let slept = conductor_worker::__private::run_blocking(move || {
            std::thread::sleep(work);
            "slept"
        })
        .await?;
        Ok(WorkerOutput::completed_with_result(slept))
    })
}

#[tokio::test]
async fn code_on_a_blocking_thread_is_waited_for_and_never_handed_back() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    let options = quick_options()
        .with_shutdown_grace_period(Duration::from_millis(50))
        .with_blocking_shutdown_grace(Duration::from_secs(60));
    let mut handler = builder(&api)
        .options(options)
        .worker(blocking_worker(Duration::from_millis(800)))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    handler.stop().await.unwrap();
    let updates = api.updates();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].result.task_id, id);
    assert_eq!(
        updates[0].result.status,
        TaskResultStatus::Completed,
        "the task was handed back while its code ran"
    );
}

#[tokio::test]
async fn code_still_blocking_after_its_grace_is_left_to_the_server_not_handed_back() {
    let api = FakeApi::new();
    api.add_tasks("t", 1);
    let events = EventLog::new();
    let options = quick_options()
        .with_shutdown_grace_period(Duration::from_millis(50))
        .with_blocking_shutdown_grace(Duration::from_millis(100));
    let mut handler = builder(&api)
        .options(options)
        .worker(blocking_worker(Duration::from_secs(2)))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    handler.stop().await.unwrap();
    assert!(api.updates().is_empty(), "{:?}", api.updates());
    common::flush_events(&handler).await;
    let failures = events.named("TaskExecutionFailure");
    let Some(conductor_events::TaskRunnerEvent::TaskExecutionFailure(abandoned)) = failures.last()
    else {
        panic!("no TaskExecutionFailure");
    };
    assert_eq!(abandoned.error_type, "AbandonedAtShutdown");
}
