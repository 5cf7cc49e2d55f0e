//! [`Runtime`]: what the runners of one started handler share (server API, events, options,
//! shutdown signals, the tracker of in-flight work), and [`WorkerState`], what outlives a run
//! (paused flag, active task count, concurrency limit, rate-limit waits).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use conductor_events::EventDispatcher;
use tokio::sync::{Notify, watch};
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::api::TaskApi;
use crate::options::RunnerOptions;
use crate::outbox::Outbox;

/// How long update-v2 stays set aside after an update-v2 answer may have been lost.
pub(crate) const V2_COOL_DOWN: Duration = Duration::from_secs(60);

/// Shared by every runner of a started handler.
pub(crate) struct Runtime {
    pub(crate) api: Arc<dyn TaskApi>,
    pub(crate) events: EventDispatcher,
    pub(crate) options: RunnerOptions,
    /// Whether update-v2 is still in use: switched off for good when the server lacks it.
    use_v2: AtomicBool,
    /// Until when update-v2 is set aside after an update-v2 whose answer may have been lost: that
    /// answer carried a next task the server now holds for this worker, unseen until its response
    /// timeout. Meanwhile results go by v1 and tasks come by plain polls, which a lost answer
    /// cannot strand.
    v2_suspended_until: Mutex<Option<Instant>>,
    /// Graceful shutdown began: stop polling, signal executions, return tasks not yet started.
    pub(crate) stopping: CancellationToken,
    /// The grace period is over: drop executions (returning their tasks), end update retries.
    pub(crate) deadline: CancellationToken,
    /// Every execution slot and background update retry, so shutdown can wait for them.
    pub(crate) tracker: TaskTracker,
    /// The durable journal of undelivered results, when on.
    pub(crate) outbox: Option<Outbox>,
    /// Woken when a poll or an update succeeds after failures.
    server_back: Notify,
}

impl Runtime {
    pub(crate) fn new(
        api: Arc<dyn TaskApi>,
        events: EventDispatcher,
        options: RunnerOptions,
    ) -> Self {
        let use_v2 = AtomicBool::new(options.update_v2());
        Self {
            api,
            events,
            options,
            use_v2,
            v2_suspended_until: Mutex::new(None),
            stopping: CancellationToken::new(),
            deadline: CancellationToken::new(),
            tracker: TaskTracker::new(),
            outbox: None,
            server_back: Notify::new(),
        }
    }

    /// The same runtime, journaling undelivered results in `outbox`.
    pub(crate) fn with_outbox(mut self, outbox: Outbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// Whether update-v2 is on for this run (the server has it and the options allow it).
    pub(crate) fn use_v2(&self) -> bool {
        self.use_v2.load(Ordering::Relaxed)
    }

    /// Whether the next result may go by update-v2: on, and not set aside after a lost answer.
    pub(crate) fn v2_usable(&self) -> bool {
        self.use_v2() && lock(&self.v2_suspended_until).is_none_or(|until| Instant::now() >= until)
    }

    /// Sets update-v2 aside for [`V2_COOL_DOWN`] after an update-v2 that failed once it may have
    /// reached the server.
    pub(crate) fn suspend_v2(&self, task_id: &str) {
        let until = Instant::now() + V2_COOL_DOWN;
        let previous = lock(&self.v2_suspended_until).replace(until);
        if previous.is_none_or(|previous| Instant::now() >= previous) {
            warn!(
                task_id,
                cool_down_s = V2_COOL_DOWN.as_secs(),
                "an update-v2 answer may have been lost (a next task it carried would wait out its response timeout on the server); using POST /tasks and plain polls for a while"
            );
        }
    }

    /// Switches to `POST /tasks` for the rest of the run.
    pub(crate) fn disable_v2(&self, why: &str) {
        if self.use_v2.swap(false, Ordering::Relaxed) {
            info!(
                reason = why,
                "server has no update-v2; reporting results with POST /tasks from now on"
            );
        }
    }

    /// Runs `future`; if the shutdown deadline passes first, gives it
    /// [`hand_back_timeout`](RunnerOptions::hand_back_timeout) more, then gives up (`None`).
    pub(crate) async fn bounded<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        tokio::pin!(future);
        tokio::select! {
            biased;
            output = &mut future => Some(output),
            () = self.deadline.cancelled() => {
                tokio::time::timeout(self.options.hand_back_timeout(), future).await.ok()
            }
        }
    }

    /// The wait before a result's next attempt: `duration`, cut short when the deadline passes
    /// or when the server answers again after failures ([`server_is_back`](Self::server_is_back)),
    /// so results waiting out a long backoff go at once when an outage ends.
    pub(crate) async fn wait_before_retry(&self, duration: Duration) {
        let back = self.server_back.notified();
        tokio::select! {
            biased;
            () = self.deadline.cancelled() => {}
            () = back => {}
            () = tokio::time::sleep(duration) => {}
        }
    }

    /// Tells the results waiting for a retry that a request just succeeded after failures.
    pub(crate) fn server_is_back(&self) {
        self.server_back.notify_waiters();
    }
}

/// A worker's state across starts and stops of its handler.
#[derive(Debug)]
pub(crate) struct WorkerState {
    paused: watch::Sender<bool>,
    active: AtomicUsize,
    /// The worker id of the current (or last) run, after environment overrides.
    worker_id: Mutex<String>,
    /// The current limit on executions in flight (the thread count unless adaptive); 0 before
    /// the first run.
    concurrency_limit: AtomicUsize,
    /// How many times the poll loop waited for the rate limit.
    rate_limit_waits: AtomicU64,
}

impl WorkerState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            paused: watch::Sender::new(false),
            active: AtomicUsize::new(0),
            worker_id: Mutex::new(String::new()),
            concurrency_limit: AtomicUsize::new(0),
            rate_limit_waits: AtomicU64::new(0),
        })
    }

    pub(crate) fn set_concurrency_limit(&self, limit: usize) {
        self.concurrency_limit.store(limit, Ordering::Relaxed);
    }

    pub(crate) fn concurrency_limit(&self) -> usize {
        self.concurrency_limit.load(Ordering::Relaxed)
    }

    pub(crate) fn count_rate_limit_wait(&self) {
        self.rate_limit_waits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rate_limit_waits(&self) -> u64 {
        self.rate_limit_waits.load(Ordering::Relaxed)
    }

    pub(crate) fn set_worker_id(&self, worker_id: &str) {
        *lock(&self.worker_id) = worker_id.to_owned();
    }

    pub(crate) fn worker_id(&self) -> String {
        lock(&self.worker_id).clone()
    }

    pub(crate) fn set_paused(&self, paused: bool) {
        self.paused.send_replace(paused);
    }

    pub(crate) fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    pub(crate) fn subscribe_paused(&self) -> watch::Receiver<bool> {
        self.paused.subscribe()
    }

    /// Tasks in an execution slot right now (executing or being reported).
    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// Counts one task as active until the guard is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> ActiveGuard {
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveGuard {
            state: Arc::clone(self),
        }
    }
}

/// Decrements the active count when dropped (also when the slot's task is aborted).
pub(crate) struct ActiveGuard {
    state: Arc<WorkerState>,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.state.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Locks `mutex`; a poisoned lock still holds a valid value (plain assignments only).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
