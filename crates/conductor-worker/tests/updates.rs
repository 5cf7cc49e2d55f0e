//! Reporting results against the scripted fake: retries in the slot until the response timeout,
//! lost results and false alarms, update-v2 chaining, its fallback to v1 and its cool-down after
//! a lost answer.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::fake_api::V2Mode;
use common::fake_api::{api_error, connect_error, server_error};
use common::{EventLog, FakeApi, LONG, builder, completing_worker, quick_options};
use conductor_events::TaskRunnerEvent;
use conductor_models::{Task, TaskResultStatus};
use conductor_worker::{FnWorker, WorkerOutput};

#[tokio::test(start_paused = true)]
async fn a_failed_update_is_retried_until_delivered() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.fail_next_updates([server_error(503), connect_error()]);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();

    let attempts: Vec<bool> = api.updates().iter().map(|u| u.accepted).collect();
    assert_eq!(attempts, [false, false, true]);
    assert_eq!(api.finished()[&id].len(), 1);
    common::flush_events(&handler).await;
    let Some(TaskRunnerEvent::TaskUpdateCompleted(done)) =
        events.named("TaskUpdateCompleted").pop()
    else {
        panic!("no update event");
    };
    assert_eq!(done.attempts, 3);
    assert!(events.named("TaskUpdateFailure").is_empty());
}

/// The `TaskUpdateAttemptFailure` events recorded, in order.
fn attempt_failures(events: &EventLog) -> Vec<conductor_events::TaskUpdateAttemptFailure> {
    events
        .named("TaskUpdateAttemptFailure")
        .into_iter()
        .filter_map(|event| match event {
            TaskRunnerEvent::TaskUpdateAttemptFailure(failure) => Some(failure),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn each_failed_attempt_is_published_and_a_delivered_result_is_not_lost() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.fail_next_updates([server_error(503), connect_error()]);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;

    let failures = attempt_failures(&events);
    let seen: Vec<(u32, &str, bool)> = failures
        .iter()
        .map(|f| (f.attempt, f.error_type.as_str(), f.will_retry))
        .collect();
    assert_eq!(seen, [(1, "Server", true), (2, "Http", true)]);
    assert!(
        failures
            .iter()
            .all(|f| f.task_id == id && f.task_type == "t")
    );
    assert_eq!(events.named("TaskUpdateCompleted").len(), 1);
    assert!(
        events.named("TaskUpdateFailure").is_empty(),
        "no lost result"
    );
}

#[tokio::test(start_paused = true)]
async fn a_result_waiting_for_delivery_holds_its_slot_so_the_worker_takes_no_more_work() {
    let api = FakeApi::new();
    let first = api.add_tasks("t", 1).pop().unwrap();
    api.set_updates_down(true);
    let options = quick_options()
        .with_update_v2(false)
        .with_update_backoff(Duration::from_secs(2), Duration::from_secs(4));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::from_millis(10)))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.updates.len() >= 2).await);
    // The only slot holds an undelivered result: nothing is polled while it waits.
    let second = api.add_tasks("t", 1).pop().unwrap();
    let polls_before = api.polls().len();
    assert!(api.wait_until(LONG, |s| s.updates.len() >= 6).await);
    assert_eq!(
        api.polls().len(),
        polls_before,
        "polled while a result waited"
    );
    assert_eq!(api.queued("t"), 1);
    api.set_updates_down(false);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    handler.stop().await.unwrap();

    let updates = api.updates();
    let delivered = |id: &str| {
        updates
            .iter()
            .find(|u| u.accepted && u.result.task_id == id)
            .unwrap()
            .at
    };
    assert!(delivered(&first) < delivered(&second));
}

#[tokio::test(start_paused = true)]
async fn a_result_is_retried_through_a_long_outage_until_delivered() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 3600);
    api.set_updates_down(true);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .options(
            quick_options().with_update_backoff(Duration::from_secs(1), Duration::from_secs(30)),
        )
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    // Five minutes of outage: the old runtime gave the result up after five retries (~22 s).
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert!(api.finished().is_empty());
    api.set_updates_down(false);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
    assert_eq!(api.finished()[&id].len(), 1);
    common::flush_events(&handler).await;
    assert!(events.named("TaskUpdateFailure").is_empty());
    // Backoff is capped at 30 s: about 5 min / 30 s attempts, not hundreds.
    let attempts = api.updates().len();
    assert!((8..=40).contains(&attempts), "{attempts} attempts");
}

/// A handler whose one worker completes its task at once, with `events` recorded.
async fn started_with_events(
    api: &Arc<FakeApi>,
    events: &Arc<EventLog>,
) -> conductor_worker::TaskHandler {
    let mut handler = builder(api)
        .options(
            quick_options().with_update_backoff(Duration::from_secs(1), Duration::from_secs(30)),
        )
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    handler
}

#[tokio::test(start_paused = true)]
async fn a_result_stops_when_the_server_says_it_timed_the_task_out() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 120);
    api.set_updates_down(true);
    let events = EventLog::new();
    let mut handler = started_with_events(&api, &events).await;
    // Past the lease, the server has not swept yet: the task still waits, so the result too.
    tokio::time::sleep(Duration::from_secs(150)).await;
    let attempts_before = api.updates().len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        api.updates().len() > attempts_before,
        "gave up while the server still waited"
    );
    // The server times the task out: the next failed attempt learns it and stops.
    api.set_task_status(&id, conductor_models::TaskStatus::TimedOut);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let attempts = api.updates().len();
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(
        api.updates().len(),
        attempts,
        "still retrying a superseded result"
    );
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;
    assert!(
        events.named("TaskUpdateFailure").is_empty(),
        "a result the server no longer wants is not lost"
    );
}

#[tokio::test(start_paused = true)]
async fn a_result_outlives_its_lease_while_the_server_cannot_be_reached() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 30);
    api.set_updates_down(true);
    api.set_reads_down(true);
    let events = EventLog::new();
    let mut handler = started_with_events(&api, &events).await;
    // A 5-minute outage, ten times the response timeout.
    tokio::time::sleep(Duration::from_secs(300)).await;
    api.set_updates_down(false);
    api.set_reads_down(false);
    // The server never swept the task meanwhile: it takes the result.
    assert!(
        api.wait_until(LONG, |s| s.finished().contains_key(&id))
            .await
    );
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;
    assert!(events.named("TaskUpdateFailure").is_empty());
    assert_eq!(events.named("TaskUpdateCompleted").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_result_is_lost_when_the_server_stays_unreachable_long_past_its_lease() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 30);
    api.set_updates_down(true);
    api.set_reads_down(true);
    let events = EventLog::new();
    let started = tokio::time::Instant::now();
    let mut handler = started_with_events(&api, &events).await;
    tokio::time::sleep(Duration::from_secs(900)).await;
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;
    let Some(TaskRunnerEvent::TaskUpdateFailure(lost)) = events.named("TaskUpdateFailure").pop()
    else {
        panic!("no TaskUpdateFailure");
    };
    assert_eq!(lost.task_id, id);
    // Lease (30 s) plus ten minutes of an unreachable server, give or take a backoff.
    assert!(
        lost.duration >= Duration::from_secs(630) && lost.duration <= Duration::from_secs(670),
        "given up after {:?}",
        lost.duration
    );
    let last = api.updates().last().unwrap().at.duration_since(started);
    assert!(last <= Duration::from_secs(670), "{last:?}");
}

#[tokio::test(start_paused = true)]
async fn a_result_the_server_applied_before_the_answer_was_lost_is_not_reported_lost() {
    let api = FakeApi::new();
    let id = api.add_tasks("t", 1).pop().unwrap();
    api.lose_next_update_answers(1);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .options(quick_options().with_update_retries(0).with_update_v2(false))
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    handler.stop().await.unwrap();
    common::flush_events(&handler).await;
    assert_eq!(api.finished()[&id].len(), 1);
    assert!(
        events.named("TaskUpdateFailure").is_empty(),
        "a result the server has was reported lost"
    );
    assert_eq!(events.named("TaskUpdateCompleted").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_update_v2_whose_answer_was_lost_sets_update_v2_aside() {
    let api = FakeApi::new();
    api.add_tasks("t", 1);
    api.lose_next_update_answers(1);
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    api.add_tasks("t", 3);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 4).await);
    handler.stop().await.unwrap();
    let v2: Vec<bool> = api.updates().iter().map(|u| u.v2).collect();
    // The first result went by update-v2 and its answer was lost; its retry and the results of
    // the next minute go by v1 (no next task handed out in an answer that could be lost).
    assert_eq!(v2, [true, false, false, false, false], "{v2:?}");
}

#[tokio::test(start_paused = true)]
async fn when_retries_run_out_the_result_is_published_as_lost() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| {
        task.input_data.insert("n".into(), 7.into());
    });
    api.set_updates_down(true);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .options(quick_options().with_update_retries(3))
        .worker(FnWorker::new("t", |task: Task| async move {
            Ok(WorkerOutput::completed_with_result(
                task.get_input::<i64>("n"),
            ))
        }))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.updates.len() == 4).await);
    tokio::time::sleep(Duration::from_secs(10)).await;
    handler.stop().await.unwrap();
    assert_eq!(api.updates().len(), 4, "one attempt and three retries");

    common::flush_events(&handler).await;
    let Some(TaskRunnerEvent::TaskUpdateFailure(lost)) = events.named("TaskUpdateFailure").pop()
    else {
        panic!("no TaskUpdateFailure");
    };
    assert_eq!(lost.task_id, id);
    assert_eq!(lost.retry_count, 3);
    assert_eq!(lost.error_type, "Server");
    assert_eq!(lost.task_result.status, TaskResultStatus::Completed);
    assert_eq!(lost.task_result.output_data["result"], 7);
    // Every attempt failed: four attempt failures, the last one not retried.
    let retried: Vec<bool> = attempt_failures(&events)
        .iter()
        .map(|f| f.will_retry)
        .collect();
    assert_eq!(retried, [true, true, true, false]);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_update_error_is_not_retried() {
    let api = FakeApi::new();
    api.add_tasks("t", 1);
    api.fail_next_updates([api_error(400)]);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    tokio::time::sleep(Duration::from_secs(60)).await;
    handler.stop().await.unwrap();
    assert_eq!(api.updates().len(), 1);
    common::flush_events(&handler).await;
    assert_eq!(events.named("TaskUpdateFailure").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn update_v2_chains_the_next_task_in_the_same_slot() {
    let api = FakeApi::new();
    api.add_tasks("t", 5);
    let mut handler = builder(&api)
        .worker(completing_worker("t", Duration::from_millis(5)))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 5).await);
    // One poll brought the first task; update-v2 handed out the other four.
    assert_eq!(api.polls().iter().filter(|p| p.returned > 0).count(), 1);
    let polls_at_end = api
        .polls()
        .iter()
        .filter(|p| p.at <= api.updates().last().unwrap().at)
        .count();
    assert_eq!(polls_at_end, 1);
    assert!(api.updates().iter().all(|u| u.v2));
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_server_without_update_v2_is_detected_once_and_v1_used_from_then_on() {
    for mode in [V2Mode::NotFound, V2Mode::MethodNotAllowed] {
        let api = FakeApi::new();
        api.set_v2(mode);
        api.add_tasks("t", 4);
        let mut handler = builder(&api)
            .worker(completing_worker("t", Duration::ZERO))
            .build()
            .unwrap();
        handler.start().await.unwrap();
        assert!(api.wait_until(LONG, |s| s.finished().len() == 4).await);
        handler.stop().await.unwrap();
        // The fake records only the calls that reached `apply_update`: v2 calls are rejected
        // before, so every recorded update is a v1 one, exactly one per task.
        let updates = api.updates();
        assert_eq!(updates.len(), 4, "{mode:?}");
        assert!(updates.iter().all(|u| !u.v2 && u.accepted));
    }
}

#[tokio::test(start_paused = true)]
async fn a_404_for_an_unknown_task_does_not_disable_update_v2() {
    let api = FakeApi::new();
    let gone = api.add_tasks("t", 1).pop().unwrap();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let release = Arc::clone(&gate);
    let worker = FnWorker::new("t", move |task: Task| {
        let gate = Arc::clone(&gate);
        async move {
            gate.acquire().await.unwrap().forget();
            Ok(WorkerOutput::completed_with_result(task.task_id))
        }
    });
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(worker)
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 1).await;
    // The server loses the task (it timed out and was removed): v2 and v1 both answer 404.
    api.forget_task(&gone);
    release.add_permits(1);
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    api.add_tasks("t", 2);
    release.add_permits(10);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    handler.stop().await.unwrap();
    let updates = api.updates();
    assert!(!updates[0].accepted && updates[0].v2);
    assert!(
        updates[1..].iter().any(|u| u.v2 && u.accepted),
        "v2 still in use: {updates:?}"
    );
    common::flush_events(&handler).await;
    // The server no longer has the task: its result is not wanted, so it is not "lost".
    assert!(events.named("TaskUpdateFailure").is_empty());
}

#[tokio::test(start_paused = true)]
async fn in_progress_results_and_paused_workers_do_not_ask_for_a_next_task() {
    let api = FakeApi::new();
    api.add_tasks("t", 3);
    let worker = FnWorker::new("t", |_task: Task| async {
        Ok(WorkerOutput::in_progress(3600))
    });
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.updates.len() == 3).await);
    handler.stop().await.unwrap();
    // IN_PROGRESS reports go through v1: update-v2 would never return a task for them.
    assert!(api.updates().iter().all(|u| !u.v2));
}

fn outbox_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "conductor-worker-outbox-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn outbox_entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
    })
}

#[tokio::test(start_paused = true)]
async fn a_result_undelivered_at_the_deadline_waits_in_the_outbox_for_the_next_start() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 3600);
    api.set_updates_down(true);
    let dir = outbox_dir("next-start");
    let events = EventLog::new();
    let options = quick_options()
        .with_outbox_dir(&dir)
        .with_shutdown_grace_period(Duration::from_secs(2))
        .with_hand_back_timeout(Duration::from_secs(1));
    let mut first = builder(&api)
        .options(options.clone())
        .worker(completing_worker("t", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    first.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    first.stop().await.unwrap();
    common::flush_events(&first).await;
    assert!(
        events.named("TaskUpdateFailure").is_empty(),
        "a result kept in the outbox is not lost"
    );
    assert_eq!(outbox_entries(&dir), 1);
    assert!(api.finished().is_empty());

    // The next run, with no worker for this task type even, delivers it.
    api.set_updates_down(false);
    let mut second = builder(&api)
        .options(options)
        .worker(completing_worker("other", Duration::ZERO))
        .build()
        .unwrap();
    second.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s.finished().contains_key(&id))
            .await
    );
    second.stop().await.unwrap();
    assert_eq!(api.finished()[&id][0].output_data["result"], id.as_str());
    assert_eq!(
        outbox_entries(&dir),
        0,
        "a delivered result stays in the outbox"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_result_delivered_after_a_retry_leaves_the_outbox() {
    let api = FakeApi::new();
    api.add_tasks("t", 1);
    api.fail_next_updates([server_error(503)]);
    let dir = outbox_dir("retry");
    let mut handler = builder(&api)
        .options(quick_options().with_outbox_dir(&dir))
        .worker(completing_worker("t", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
    assert!(dir.exists());
    assert_eq!(outbox_entries(&dir), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(start_paused = true)]
async fn waiting_results_go_at_once_when_the_server_answers_again() {
    let api = FakeApi::new();
    let id = api.add_task_with("t", |task| task.response_timeout_seconds = 3600);
    api.set_updates_down(true);
    // A long update backoff: without the wake-up, the next attempt would come a minute later.
    let options = quick_options()
        .with_update_backoff(Duration::from_secs(60), Duration::from_secs(60))
        .with_poll_error_backoff(Duration::from_millis(100), Duration::from_millis(500));
    let mut handler = builder(&api)
        .options(options)
        .worker(completing_worker("t", Duration::ZERO).with_thread_count(2))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.updates.is_empty()).await);
    api.set_polls_down(true);
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The outage ends: the next poll succeeds, and the waiting result goes with it.
    api.set_updates_down(false);
    api.set_polls_down(false);
    let back = tokio::time::Instant::now();
    assert!(
        api.wait_until(LONG, |s| s.finished().contains_key(&id))
            .await
    );
    let delivered_after = back.elapsed();
    handler.stop().await.unwrap();
    assert!(
        delivered_after < Duration::from_secs(5),
        "delivered {delivered_after:?} after the server came back"
    );
}
