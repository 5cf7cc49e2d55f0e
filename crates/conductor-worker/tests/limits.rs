//! Rate limits and adaptive concurrency against the scripted fake, on paused time: the poller
//! never takes more tasks than the rate allows (by polls or update-v2), the adaptive limit
//! shrinks under a slow or failing dependency and recovers after it, and both are published as
//! events (`RateLimitWaited`, `ConcurrencyLimitChanged`).

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{Concurrency, EventLog, FakeApi, LONG, builder, completing_worker, flush_events};
use conductor_events::TaskRunnerEvent;
use conductor_http::ConductorError;
use conductor_models::Task;
use conductor_worker::{ConcurrencyLimiter, FnWorker, TaskHandler, WorkerOutput};
use tokio::time::Instant;

/// Tasks the server handed out so far, by polls or update-v2.
fn handed_out(api: &FakeApi) -> usize {
    api.state()
        .tasks
        .values()
        .filter(|task| task.poll_count > 0)
        .count()
}

/// Tasks handed out by polls so far.
fn polled(api: &FakeApi) -> usize {
    api.polls().iter().map(|poll| poll.returned).sum()
}

fn status(handler: &TaskHandler, task_type: &str) -> conductor_worker::WorkerStatus {
    handler.control().status(task_type).unwrap()
}

/// The limits of the `ConcurrencyLimitChanged` events received, in order, each checked to be
/// about worker `work` polling as `worker_id`.
fn published_limits(events: &EventLog, worker_id: &str) -> Vec<usize> {
    events
        .named("ConcurrencyLimitChanged")
        .into_iter()
        .map(|event| match event {
            TaskRunnerEvent::ConcurrencyLimitChanged(e) => {
                assert_eq!(
                    (e.task_type.as_str(), e.worker_id.as_str()),
                    ("work", worker_id)
                );
                e.limit
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

/// The waits of the `RateLimitWaited` events received, in order.
fn published_waits(events: &EventLog) -> Vec<Duration> {
    events
        .named("RateLimitWaited")
        .into_iter()
        .map(|event| match event {
            TaskRunnerEvent::RateLimitWaited(e) => {
                assert_eq!(e.task_type, "work");
                e.wait
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_caps_the_tasks_taken_per_second() {
    let api = FakeApi::new();
    api.add_tasks("work", 100);
    let worker = completing_worker("work", Duration::ZERO)
        .with_thread_count(8)
        .with_rate_limit(10.0, 1);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    let started = Instant::now();
    handler.start().await.unwrap();

    tokio::time::sleep_until(started + Duration::from_secs(1)).await;
    let first_second = handed_out(&api);
    tokio::time::sleep_until(started + Duration::from_secs(5)).await;
    let five_seconds = handed_out(&api);
    handler.stop().await.unwrap();

    // One at start, then one per 100 ms, whether polled or handed out by update-v2.
    assert!((10..=11).contains(&first_second), "{first_second}");
    assert!((48..=51).contains(&five_seconds), "{five_seconds}");
    assert!(polled(&api) <= 51);
    // With a burst of 1 no poll asks for more than one task, though 8 slots are free.
    assert!(
        api.polls().iter().all(|poll| poll.count == 1),
        "{:?}",
        api.polls()
    );
    assert!(status(&handler, "work").rate_limit_waits >= 40);
    assert_eq!(api.queued("work"), 100 - five_seconds);
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_worker_publishes_each_wait_for_a_token() {
    let api = FakeApi::new();
    api.add_tasks("work", 100);
    let worker = completing_worker("work", Duration::ZERO)
        .with_thread_count(8)
        .with_rate_limit(10.0, 1);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .event_listener(events.clone())
        .worker(worker)
        .build()
        .unwrap();
    let started = Instant::now();
    handler.start().await.unwrap();
    // One task at start, then one per 100 ms: the poller waits for a token before each.
    assert!(api.wait_until(LONG, |s| s.finished().len() >= 20).await);
    handler.stop().await.unwrap();
    let ran_for = started.elapsed();
    flush_events(&handler).await;

    let waits = published_waits(&events);
    let status = status(&handler, "work");
    // One event per wait the status counts (the last one may be cut short by the stop).
    assert_eq!(waits.len() as u64, status.rate_limit_waits);
    assert!(waits.len() >= 19, "{waits:?}");
    // No wait is longer than a token takes to come (100 ms at 10 a second; tokio's timer rounds
    // up to the millisecond).
    assert!(
        waits.iter().all(|wait| *wait <= Duration::from_millis(101)),
        "{waits:?}"
    );
    // Throttled almost the whole time: the waits add up to nearly the time it ran.
    let waited: Duration = waits.iter().sum();
    assert!(
        waited <= ran_for && waited * 10 >= ran_for * 9,
        "waited {waited:?} of {ran_for:?}"
    );
    // Without adaptive concurrency the limit is the thread count, published once at start.
    assert_eq!(published_limits(&events, &status.worker_id), [8]);
}

#[tokio::test(start_paused = true)]
async fn a_burst_is_taken_at_once_then_the_rate_holds_for_polls_and_update_v2() {
    let api = FakeApi::new();
    api.add_tasks("work", 100);
    let worker = completing_worker("work", Duration::ZERO)
        .with_thread_count(8)
        .with_rate_limit(10.0, 10);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    let started = Instant::now();
    handler.start().await.unwrap();

    // The burst: 8 polled into the free slots, and 2 more handed out by update-v2 as slots
    // finished, before the first refill (100 ms).
    assert!(api.wait_until(LONG, |s| s.finished().len() >= 10).await);
    assert!(started.elapsed() < Duration::from_millis(100));
    tokio::time::sleep_until(started + Duration::from_millis(99)).await;
    assert_eq!(handed_out(&api), 10);
    let by_update_v2 = handed_out(&api) - polled(&api);
    assert_eq!(by_update_v2, 2, "polls {:?}", api.polls());

    tokio::time::sleep_until(started + Duration::from_secs(5)).await;
    let five_seconds = handed_out(&api);
    handler.stop().await.unwrap();
    assert!((55..=60).contains(&five_seconds), "{five_seconds}");
}

#[tokio::test(start_paused = true)]
async fn unused_tokens_are_refunded_when_the_queue_runs_dry() {
    let api = FakeApi::new();
    let worker = completing_worker("work", Duration::ZERO)
        .with_thread_count(4)
        .with_rate_limit(1.0, 4)
        .with_poll_timeout_millis(0);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    // Empty polls, each reserving the 4 tokens and giving them back.
    assert!(api.wait_until(LONG, |s| s.polls.len() >= 20).await);
    assert!(api.polls().iter().all(|poll| poll.count == 4));
    assert_eq!(status(&handler, "work").rate_limit_waits, 0);
    // So when work arrives the whole burst is there at once.
    api.add_tasks("work", 4);
    let arrived = Instant::now();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 4).await);
    assert!(
        arrived.elapsed() < Duration::from_millis(200),
        "{:?}",
        arrived.elapsed()
    );
    handler.stop().await.unwrap();
}

/// A worker whose executions take `work` (a shared dependency's latency, in ms) and fail while
/// `failing` is set, tracking how many run at once.
fn dependent_worker(
    work: &Arc<AtomicU64>,
    failing: &Arc<AtomicBool>,
    concurrency: &Arc<Concurrency>,
) -> FnWorker {
    let (work, failing, concurrency) = (
        Arc::clone(work),
        Arc::clone(failing),
        Arc::clone(concurrency),
    );
    FnWorker::new("work", move |task: Task| {
        let (work, failing, concurrency) = (
            Arc::clone(&work),
            Arc::clone(&failing),
            Arc::clone(&concurrency),
        );
        async move {
            concurrency.enter();
            tokio::time::sleep(Duration::from_millis(work.load(Ordering::SeqCst))).await;
            concurrency.exit();
            if failing.load(Ordering::SeqCst) {
                return Err(ConductorError::worker("dependency unavailable"));
            }
            Ok(WorkerOutput::completed_with_result(task.task_id))
        }
    })
    .with_thread_count(8)
    .with_adaptive_concurrency(true)
}

/// The most executions seen at once from now on: forgets the earlier maximum.
fn reset_max(concurrency: &Concurrency) {
    let now = concurrency.now.load(Ordering::SeqCst);
    concurrency.max.store(now, Ordering::SeqCst);
}

/// Runs 8 slots of `limiter` against a dependency that turns twenty times slower (100 ms to 2 s)
/// for `slow_for`, then fast again: checks the executions in flight and the limit fall to at
/// most `shrunk` and come back to every slot within `recover_in`.
async fn shrinks_under_a_slow_dependency_and_recovers(
    limiter: ConcurrencyLimiter,
    slow_for: Duration,
    shrunk: usize,
    recover_in: Duration,
) {
    let api = FakeApi::new();
    api.add_tasks("work", 1_000);
    let work = Arc::new(AtomicU64::new(100));
    let failing = Arc::new(AtomicBool::new(false));
    let concurrency = Arc::new(Concurrency::default());
    let worker = dependent_worker(&work, &failing, &concurrency).with_concurrency_limiter(limiter);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();

    // Fast: every slot in use.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(concurrency.max(), 8);
    assert_eq!(status(&handler, "work").concurrency_limit, 8);

    // Slow: once the executions started before it finish slow, the limit is down and stays.
    work.store(2_000, Ordering::SeqCst);
    tokio::time::sleep(slow_for).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        concurrency.max() <= shrunk,
        "max in flight {}",
        concurrency.max()
    );
    assert!(status(&handler, "work").concurrency_limit <= shrunk);

    // Fast again: back to every slot.
    work.store(100, Ordering::SeqCst);
    tokio::time::sleep(recover_in).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(concurrency.max(), 8);
    assert_eq!(status(&handler, "work").concurrency_limit, 8);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn adaptive_concurrency_shrinks_under_a_slow_dependency_and_recovers() {
    // AIMD: each slow execution is a drop (× 0.9, at least 1 less), so it is down within a few.
    shrinks_under_a_slow_dependency_and_recovers(
        ConcurrencyLimiter::AIMD,
        Duration::from_secs(3),
        2,
        Duration::from_secs(3),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn gradient2_shrinks_under_a_slow_dependency_and_recovers() {
    // Gradient2: the gradient is at its floor (0.5) and the limit falls toward twice the queue
    // size (2), a smoothed step per finished execution; fast again, the gradient is 1 and the
    // limit grows back.
    shrinks_under_a_slow_dependency_and_recovers(
        ConcurrencyLimiter::GRADIENT2,
        Duration::from_secs(20),
        3,
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn gradient2_ignores_failures_at_a_flat_latency() {
    let api = FakeApi::new();
    api.add_tasks("work", 600);
    let work = Arc::new(AtomicU64::new(100));
    let failing = Arc::new(AtomicBool::new(true));
    let concurrency = Arc::new(Concurrency::default());
    let worker = dependent_worker(&work, &failing, &concurrency)
        .with_concurrency_limiter(ConcurrencyLimiter::GRADIENT2);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(2)).await;
    // As in the reference: latency only (AIMD is the limiter that backs off on failures).
    assert_eq!(concurrency.max(), 8);
    assert_eq!(status(&handler, "work").concurrency_limit, 8);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn adaptive_concurrency_shrinks_while_executions_fail() {
    let api = FakeApi::new();
    api.add_tasks("work", 600);
    let work = Arc::new(AtomicU64::new(100));
    let failing = Arc::new(AtomicBool::new(false));
    let concurrency = Arc::new(Concurrency::default());
    let worker = dependent_worker(&work, &failing, &concurrency);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(concurrency.max(), 8);

    // Same latency, but every execution fails: each failure backs off.
    failing.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(concurrency.max(), 1);
    assert_eq!(status(&handler, "work").concurrency_limit, 1);

    failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(concurrency.max(), 8);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn without_adaptive_concurrency_a_slow_dependency_keeps_every_slot_busy() {
    let api = FakeApi::new();
    api.add_tasks("work", 300);
    let work = Arc::new(AtomicU64::new(100));
    let failing = Arc::new(AtomicBool::new(false));
    let concurrency = Arc::new(Concurrency::default());
    let worker = dependent_worker(&work, &failing, &concurrency).with_adaptive_concurrency(false);
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    work.store(2_000, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    reset_max(&concurrency);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(concurrency.max(), 8);
    assert_eq!(status(&handler, "work").concurrency_limit, 8);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn adaptive_concurrency_publishes_its_limit_at_start_and_at_each_change() {
    let api = FakeApi::new();
    api.add_tasks("work", 600);
    let work = Arc::new(AtomicU64::new(100));
    let failing = Arc::new(AtomicBool::new(false));
    let concurrency = Arc::new(Concurrency::default());
    let worker = dependent_worker(&work, &failing, &concurrency);
    let events = EventLog::new();
    let mut handler = builder(&api)
        .event_listener(events.clone())
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    let worker_id = status(&handler, "work").worker_id;

    // Healthy: two rounds of every slot, the limit stays where it started.
    assert!(api.wait_until(LONG, |s| s.finished().len() >= 16).await);
    flush_events(&handler).await;
    assert_eq!(published_limits(&events, &worker_id), [8]);

    // The dependency fails: each failure backs the limit off (x0.9, at least one less) to 1,
    // and every step is published.
    failing.store(true, Ordering::SeqCst);
    let limit = |handler: &TaskHandler| status(handler, "work").concurrency_limit;
    assert!(api.wait_until(LONG, |_| limit(&handler) == 1).await);
    flush_events(&handler).await;
    let limits = published_limits(&events, &worker_id);
    assert_eq!(limits, [8, 7, 6, 5, 4, 3, 2, 1]);

    // Healthy again: the limit grows back one at a time, each step published, up to 8.
    failing.store(false, Ordering::SeqCst);
    assert!(api.wait_until(LONG, |_| limit(&handler) == 8).await);
    handler.stop().await.unwrap();
    flush_events(&handler).await;
    let recovery = published_limits(&events, &worker_id).split_off(limits.len());
    assert_eq!(recovery, [2, 3, 4, 5, 6, 7, 8]);
    assert!(published_waits(&events).is_empty());
}
