//! The poll loop against the scripted fake: slots, batch sizes, idle and error backoff,
//! pause/resume.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::fake_api::{connect_error, server_error};
use common::{
    Concurrency, EventLog, FakeApi, LONG, WarnCounter, builder, completing_worker, poll_gaps_ms,
};
use conductor_models::Task;
use conductor_worker::{EnvLookup, FnWorker, WorkerOutput};
use tokio::sync::Semaphore;

#[tokio::test(start_paused = true)]
async fn slots_are_never_exceeded_and_every_task_completes_once() {
    let api = FakeApi::new();
    api.add_tasks("work", 200);
    let concurrency = Arc::new(Concurrency::default());
    let tracked = Arc::clone(&concurrency);
    let worker = FnWorker::new("work", move |task: Task| {
        let tracked = Arc::clone(&tracked);
        async move {
            tracked.enter();
            // Uneven work so slots free up at different times.
            let n: u64 = task.task_id.trim_start_matches("task-").parse().unwrap();
            tokio::time::sleep(Duration::from_millis(1 + n % 17)).await;
            tracked.exit();
            Ok(WorkerOutput::completed_with_result(n))
        }
    })
    .with_thread_count(4);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s.updates.iter().filter(|u| u.accepted).count()
            == 200)
            .await
    );
    handler.stop().await.unwrap();

    assert_eq!(
        concurrency.max(),
        4,
        "all four slots should have been used, never more"
    );
    let finished = api.finished();
    assert_eq!(finished.len(), 200);
    assert!(finished.values().all(|results| results.len() == 1));
    for poll in api.polls() {
        assert!(poll.count >= 1 && poll.count <= 4, "{poll:?}");
        assert!(poll.returned <= poll.count);
    }
}

#[tokio::test(start_paused = true)]
async fn polls_ask_for_exactly_the_free_slots_and_wait_when_full() {
    let api = FakeApi::new();
    api.add_tasks("work", 5);
    let gate = Arc::new(Semaphore::new(0));
    let release = Arc::clone(&gate);
    let worker = FnWorker::new("work", move |_task: Task| {
        let gate = Arc::clone(&gate);
        async move {
            gate.acquire().await.unwrap().forget();
            Ok(WorkerOutput::completed_with_result("ok"))
        }
    })
    .with_thread_count(3);
    let events = EventLog::new();
    // Without update-v2, so a freed slot is refilled by a poll rather than by chaining.
    let mut handler = builder(&api)
        .options(common::quick_options().with_update_v2(false))
        .worker(worker)
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();

    assert!(api.wait_until(LONG, |s| !s.polls.is_empty()).await);
    let first = api.polls()[0].clone();
    assert_eq!((first.count, first.returned), (3, 3));
    // All slots busy: no poll at all for a long (virtual) time.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(api.polls().len(), 1);
    assert_eq!(handler.active_tasks("work"), Some(3));

    // One slot frees: the next poll asks for exactly one task.
    release.add_permits(1);
    let polled = api.wait_until(LONG, |s| s.polls.len() >= 2).await;
    assert!(
        polled,
        "polls {:?} updates {:?}",
        api.polls(),
        api.updates()
    );
    assert_eq!(api.polls()[1].count, 1);
    release.add_permits(100);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 5).await);
    handler.stop().await.unwrap();
    assert!(!events.named("TaskExecutionQueueFull").is_empty());
}

#[tokio::test(start_paused = true)]
async fn idle_backoff_doubles_to_the_poll_interval_and_resets_on_work() {
    let api = FakeApi::new();
    let worker = completing_worker("idle", Duration::ZERO)
        .with_poll_interval_millis(100)
        .with_poll_timeout_millis(0);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.polls.len() >= 11).await);
    let gaps = poll_gaps_ms(&api);
    assert_eq!(gaps[..10], [1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);

    // A task arrives: after the poll that gets it, the next poll goes at once (no wait), then
    // the backoff starts again from 1 ms.
    api.add_tasks("idle", 1);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    let got = api.polls().iter().position(|p| p.returned == 1).unwrap();
    assert!(api.wait_until(LONG, |s| s.polls.len() >= got + 4).await);
    let gaps = poll_gaps_ms(&api);
    assert_eq!(gaps[got..got + 3], [0, 1, 2]);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn long_poll_intervals_are_honoured() {
    // The other SDKs cap the idle wait at ~1 s whatever the configured interval.
    let api = FakeApi::new();
    let worker = completing_worker("slow", Duration::ZERO)
        .with_poll_interval_millis(5_000)
        .with_poll_timeout_millis(0);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.polls.len() >= 18).await);
    let gaps = poll_gaps_ms(&api);
    assert_eq!(gaps[12..17], [4096, 5000, 5000, 5000, 5000]);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn poll_errors_back_off_with_capped_jitter_and_recover() {
    let api = FakeApi::new();
    api.set_polls_down(true);
    let worker = completing_worker("flaky", Duration::ZERO).with_poll_timeout_millis(0);
    let options = common::quick_options()
        .with_poll_error_backoff(Duration::from_secs(1), Duration::from_secs(8));
    let events = EventLog::new();
    let mut handler = builder(&api)
        .options(options)
        .worker(worker)
        .event_listener(events.clone())
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.polls.len() >= 8).await);
    let gaps = poll_gaps_ms(&api);
    let ceilings = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000];
    for (gap, ceiling) in gaps.iter().zip(ceilings) {
        assert!(
            *gap >= ceiling / 2 && *gap <= ceiling,
            "gap {gap} ms vs ceiling {ceiling} ms: {gaps:?}"
        );
    }

    // The server comes back: polling resumes and the backoff is forgotten.
    api.set_polls_down(false);
    api.add_tasks("flaky", 1);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    let before = api.polls().len();
    assert!(api.wait_until(LONG, |s| s.polls.len() >= before + 3).await);
    let gaps = poll_gaps_ms(&api);
    assert!(
        gaps[before - 1..before + 1].iter().all(|gap| *gap <= 2),
        "{gaps:?}"
    );
    handler.stop().await.unwrap();

    common::flush_events(&handler).await;
    let failures = events.named("PollFailure");
    assert!(failures.len() >= 8);
    let conductor_events::TaskRunnerEvent::PollFailure(failure) = &failures[0] else {
        unreachable!()
    };
    assert_eq!(failure.error_type, "Http");
}

#[test]
fn poll_failures_are_logged_at_a_bounded_rate() {
    let (subscriber, warnings) = WarnCounter::new("poll failed");
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let api = FakeApi::new();
        api.set_polls_down(true);
        let options = common::quick_options()
            .with_poll_error_backoff(Duration::from_millis(100), Duration::from_millis(100))
            .with_poll_error_log_interval(Duration::from_secs(10));
        let mut handler = builder(&api)
            .options(options)
            .worker(completing_worker("down", Duration::ZERO))
            .build()
            .unwrap();
        handler.start().await.unwrap();
        // ~35 s of failures, a poll every 50-100 ms: hundreds of failures, 4 log lines.
        tokio::time::sleep(Duration::from_secs(35)).await;
        let failures = api.polls().len();
        handler.stop().await.unwrap();
        assert!(failures > 300, "{failures}");
    });
    assert_eq!(warnings.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_like_transport_errors() {
    let api = FakeApi::new();
    api.fail_next_polls([server_error(503), connect_error(), server_error(500)]);
    api.add_tasks("work", 3);
    let mut handler = builder(&api)
        .worker(completing_worker("work", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 3).await);
    handler.stop().await.unwrap();
    assert_eq!(api.polls().iter().filter(|p| p.failed).count(), 3);
}

#[tokio::test(start_paused = true)]
async fn pause_stops_polling_and_resume_restarts_it() {
    let api = FakeApi::new();
    let events = EventLog::new();
    let mut handler = builder(&api)
        .worker(completing_worker("a", Duration::ZERO))
        .worker(completing_worker("b", Duration::ZERO))
        .event_listener(events.clone())
        .build()
        .unwrap();
    assert!(handler.pause_worker("a"));
    assert!(!handler.pause_worker("nope"));
    handler.start().await.unwrap();
    api.add_tasks("a", 2);
    api.add_tasks("b", 2);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(api.polls().iter().all(|p| p.task_type == "b"));
    assert_eq!(api.queued("a"), 2);
    assert_eq!(handler.is_paused("a"), Some(true));

    handler.resume_worker("a");
    assert!(api.wait_until(LONG, |s| s.finished().len() == 4).await);

    handler.pause_all();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls = api.polls().len();
    api.add_tasks("b", 1);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(api.polls().len(), polls);
    handler.resume_all();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 5).await);
    handler.stop().await.unwrap();

    common::flush_events(&handler).await;
    let paused = events.named("TaskPaused");
    assert!(
        paused.len() >= 10,
        "a paused poll is counted every poll interval: {}",
        paused.len()
    );
}

#[tokio::test(start_paused = true)]
async fn environment_overrides_reach_the_runner() {
    let api = FakeApi::new();
    api.add_tasks("work", 10);
    let env = EnvLookup::from_map(
        [
            ("CONDUCTOR_WORKER_WORK_THREAD_COUNT", "5"),
            ("CONDUCTOR_WORKER_ALL_DOMAIN", "blue"),
            ("conductor.worker.work.worker_id", "pod-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    let mut handler = builder(&api)
        .env_lookup(env)
        .worker(completing_worker("work", Duration::from_millis(5)))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.polls.is_empty()).await);
    let poll = api.polls()[0].clone();
    assert_eq!(poll.count, 5);
    assert_eq!(poll.domain.as_deref(), Some("blue"));
    assert_eq!(poll.worker_id.as_deref(), Some("pod-1"));
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn paused_env_starts_the_worker_paused_and_bad_values_fail_start() {
    let api = FakeApi::new();
    let env = |k: &str, v: &str| {
        EnvLookup::from_map([(k.to_owned(), v.to_owned())].into_iter().collect())
    };
    let mut handler = builder(&api)
        .env_lookup(env("CONDUCTOR_WORKER_ALL_PAUSED", "true"))
        .worker(completing_worker("work", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(api.polls().is_empty());
    assert_eq!(handler.is_paused("work"), Some(true));
    handler.stop().await.unwrap();

    let mut handler = builder(&api)
        .env_lookup(env("CONDUCTOR_WORKER_WORK_THREAD_COUNT", "lots"))
        .worker(completing_worker("work", Duration::ZERO))
        .build()
        .unwrap();
    let err = handler.start().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("CONDUCTOR_WORKER_WORK_THREAD_COUNT"),
        "{err}"
    );
    assert!(!handler.is_running());
}
