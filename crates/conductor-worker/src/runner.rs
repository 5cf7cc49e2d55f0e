//! [`TaskRunner`]: the loop of one worker: reserve free slots (within the adaptive concurrency
//! limit and the rate limit, when on), batch-poll exactly that many tasks, run each in its own
//! tokio task, back off when idle or failing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use conductor_events::{
    ConcurrencyLimitChanged, PollCompleted, PollFailure, PollStarted, RateLimitWaited,
    TaskExecutionQueueFull, TaskPaused,
};
use conductor_http::{Backoff, Retries};
use conductor_models::{Task, TaskResultStatus};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Duration, Instant};
use tracing::{Instrument as _, debug, info, trace, warn};

use crate::classify::error_type;
use crate::config::WorkerConfig;
use crate::executor::{self, Execution};
use crate::lease::Lease;
use crate::poller::backoff::{IdleBackoff, LogLimiter};
use crate::poller::limit::{AdaptiveLimit, Sample};
use crate::poller::rate::TokenBucket;
use crate::poller::take_free_slots;
use crate::reporter::{Reporter, without_hand_backs};
use crate::runtime::{Runtime, WorkerState, lock};
use crate::telemetry::{self, TaskSpan};
use crate::worker::Worker;

/// Runs one worker: its poll loop and its executions.
pub(crate) struct TaskRunner {
    pub(crate) worker: Arc<dyn Worker>,
    pub(crate) config: WorkerConfig,
    pub(crate) state: Arc<WorkerState>,
    pub(crate) runtime: Arc<Runtime>,
    reporter: Reporter,
    slots: Arc<Semaphore>,
    /// The adaptive limit on executions in flight, when adaptive concurrency is on.
    limit: Option<Mutex<AdaptiveLimit>>,
    /// Wakes the poll loop when a slot is released or the adaptive limit grows (adaptive
    /// concurrency only; without it the loop waits on the semaphore).
    capacity_changed: Notify,
    /// The rate limit's tokens, when a rate limit is set.
    bucket: Option<Mutex<TokenBucket>>,
    /// Whether the warning about a long response timeout without lease extension was logged.
    warned_response_timeout: AtomicBool,
}

/// A response timeout above which a worker without lease extension is warned about: a result
/// lost with its answer leaves the task stranded that long.
const LONG_RESPONSE_TIMEOUT_SECONDS: i64 = 600;

impl TaskRunner {
    pub(crate) fn new(
        worker: Arc<dyn Worker>,
        config: WorkerConfig,
        state: Arc<WorkerState>,
        runtime: Arc<Runtime>,
    ) -> Arc<Self> {
        let slots = Arc::new(Semaphore::new(config.thread_count()));
        let limit = config
            .concurrency_limiter()
            .map(|limiter| Mutex::new(AdaptiveLimit::new(limiter, config.thread_count())));
        let bucket = config
            .rate_limit()
            .map(|limit| Mutex::new(TokenBucket::new(limit, Instant::now().into_std())));
        let reporter = Reporter::new(Arc::clone(&runtime), config.task_type(), config.worker_id());
        let runner = Arc::new(Self {
            worker,
            config,
            state,
            runtime,
            reporter,
            slots,
            limit,
            capacity_changed: Notify::new(),
            bucket,
            warned_response_timeout: AtomicBool::new(false),
        });
        // The thread count, or where the adaptive limit starts (the thread count too).
        runner.set_concurrency_limit(runner.concurrency_limit());
        runner
    }

    pub(crate) fn task_type(&self) -> &str {
        self.config.task_type()
    }

    pub(crate) fn worker_id(&self) -> &str {
        self.config.worker_id()
    }

    /// The poll loop; returns once shutdown begins (after the poll in flight, if any, answered:
    /// the server may already have handed out tasks in it, which are then returned).
    pub(crate) async fn run(self: Arc<Self>) {
        let runtime = Arc::clone(&self.runtime);
        let options = &runtime.options;
        let (error_initial, error_max) = options.poll_error_backoff();
        let mut idle = IdleBackoff::new(self.config.poll_interval());
        let mut errors = Retries::new(Backoff::new(error_initial, error_max));
        let mut error_log = LogLimiter::new(options.poll_error_log_interval());
        let mut paused = self.state.subscribe_paused();
        let mut next_poll_at: Option<Instant> = None;
        let capacity = self.config.thread_count();
        debug!(task_type = self.task_type(), "poll loop started");

        loop {
            if let Some(at) = next_poll_at.take() {
                tokio::select! {
                    biased;
                    () = runtime.stopping.cancelled() => break,
                    () = tokio::time::sleep_until(at) => {}
                }
            }

            if *paused.borrow_and_update() {
                self.publish_paused();
                // Wake on resume, or after a poll interval to count another skipped poll (the
                // `task_paused_total` metric counts polls skipped, as in the other SDKs).
                let interval = self.config.poll_interval().max(Duration::from_millis(1));
                tokio::select! {
                    biased;
                    () = runtime.stopping.cancelled() => break,
                    _ = paused.changed() => {}
                    () = tokio::time::sleep(interval) => {}
                }
                continue;
            }

            let mut permits = self.take_slots(capacity);
            if permits.is_empty() {
                self.publish_queue_full(self.concurrency_limit());
                trace!(task_type = self.task_type(), "all slots busy");
                let freed = tokio::select! {
                    biased;
                    () = runtime.stopping.cancelled() => break,
                    freed = self.wait_for_a_slot() => freed,
                };
                if !freed {
                    // The semaphore is never closed; treat it as the end of the loop anyway.
                    break;
                }
                // Take the freed slots from the top: the worker may have been paused meanwhile.
                continue;
            }

            // The rate limit: poll for no more tasks than there are whole tokens.
            let reserved = self.take_tokens(permits.len());
            if reserved == 0 {
                drop(permits);
                let wait = self.until_next_token();
                self.state.count_rate_limit_wait();
                trace!(
                    task_type = self.task_type(),
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "rate limit reached; waiting for the next token"
                );
                let waiting_since = Instant::now();
                let stopping = tokio::select! {
                    biased;
                    () = runtime.stopping.cancelled() => true,
                    _ = paused.changed() => false,
                    () = tokio::time::sleep(wait) => false,
                };
                // The time actually waited: a pause or shutdown ends the wait early.
                self.publish_rate_limit_waited(waiting_since.elapsed());
                if stopping {
                    break;
                }
                continue;
            }
            permits.truncate(reserved);

            let count = permits.len();
            let polled = self.poll(count).await;
            let Some(polled) = polled else {
                // The shutdown deadline passed during the poll.
                break;
            };
            // Tokens for tasks the server did not have go back to the bucket.
            self.refund_tokens(reserved.saturating_sub(polled.as_ref().map_or(0, Vec::len)));
            match polled {
                Ok(tasks) => {
                    let previous_failures = errors.on_success();
                    if previous_failures > 0 {
                        info!(
                            task_type = self.task_type(),
                            failures = previous_failures,
                            "polling recovered"
                        );
                        error_log.reset();
                        runtime.server_is_back();
                    }
                    if tasks.is_empty() {
                        next_poll_at = Some(Instant::now() + idle.on_empty());
                    } else {
                        idle.on_tasks();
                    }
                    self.dispatch(tasks, permits);
                }
                Err(error) => {
                    let wait = errors.on_failure();
                    if let Some(held_back) = error_log.check(Instant::now()) {
                        warn!(
                            task_type = self.task_type(),
                            consecutive_failures = errors.failures(),
                            not_logged = held_back,
                            retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                            %error,
                            "poll failed"
                        );
                    } else {
                        debug!(task_type = self.task_type(), %error, "poll failed");
                    }
                    next_poll_at = Some(Instant::now() + wait);
                }
            }
        }
        debug!(task_type = self.task_type(), "poll loop stopped");
    }

    /// Free slots to poll for: every free one, or with adaptive concurrency as many as the
    /// current limit leaves.
    fn take_slots(&self, capacity: usize) -> Vec<OwnedSemaphorePermit> {
        let allowed = match &self.limit {
            Some(limit) => lock(limit).limit().saturating_sub(self.in_flight()),
            None => capacity,
        };
        take_free_slots(&self.slots, allowed)
    }

    /// Waits until a slot may be free (the poll loop then takes the free ones); `false` if the
    /// semaphore closed.
    async fn wait_for_a_slot(&self) -> bool {
        if self.limit.is_some() {
            // A slot released or the limit grown: both notify (a notification sent before this
            // wait is kept, so none is missed).
            self.capacity_changed.notified().await;
            return true;
        }
        // The permit goes back at once: only this loop takes slots, and it takes them next.
        self.slots.acquire().await.is_ok()
    }

    /// Slots in use: executing, or delivering a result.
    fn in_flight(&self) -> usize {
        self.config
            .thread_count()
            .saturating_sub(self.slots.available_permits())
    }

    /// The current limit on executions in flight.
    fn concurrency_limit(&self) -> usize {
        self.limit
            .as_ref()
            .map_or(self.config.thread_count(), |limit| lock(limit).limit())
    }

    /// Takes up to `wanted` rate-limit tokens; all of them without a rate limit.
    fn take_tokens(&self, wanted: usize) -> usize {
        match &self.bucket {
            Some(bucket) => lock(bucket).take_up_to(wanted, Instant::now().into_std()),
            None => wanted,
        }
    }

    /// Returns `count` unused tokens.
    fn refund_tokens(&self, count: usize) {
        if let Some(bucket) = &self.bucket
            && count > 0
        {
            lock(bucket).refund(count);
        }
    }

    /// How long until the rate limit has a token again.
    fn until_next_token(&self) -> Duration {
        self.bucket.as_ref().map_or(Duration::ZERO, |bucket| {
            lock(bucket).until_next(Instant::now().into_std())
        })
    }

    /// Whether a slot that finished a task may ask update-v2 for the next one: within the
    /// adaptive limit, and with a rate-limit token, which it takes (refunded when no task comes).
    fn may_take_next(&self) -> bool {
        if let Some(limit) = &self.limit
            && self.in_flight() > lock(limit).limit()
        {
            return false;
        }
        self.take_tokens(1) == 1
    }

    /// Feeds a finished execution to the adaptive limit. Retryable failures (an error, a panic,
    /// or `WorkerOutput::failed`) count as drops; terminal ones are about the input, not load.
    fn record_sample(&self, duration: Duration, status: &TaskResultStatus) {
        let Some(limit) = &self.limit else {
            return;
        };
        let sample = Sample {
            duration,
            in_flight: self.in_flight(),
            failed: matches!(status, TaskResultStatus::Failed),
        };
        let (before, after) = {
            let mut limit = lock(limit);
            let (before, after) = (limit.limit(), limit.on_sample(sample));
            if before != after {
                // Under the lock: the status and the events see the changes in their order.
                self.set_concurrency_limit(after);
            }
            (before, after)
        };
        if before != after {
            debug!(
                task_type = self.task_type(),
                from = before,
                to = after,
                "concurrency limit changed"
            );
            if after > before {
                self.capacity_changed.notify_one();
            }
        }
    }

    /// One batch poll for `count` tasks, with its events. `None` when the server had not answered
    /// by the shutdown deadline plus the poll's own timeout and the hand-back timeout.
    async fn poll(&self, count: usize) -> Option<conductor_http::Result<Vec<Task>>> {
        let runtime = &self.runtime;
        runtime.events.publish_with(|| PollStarted {
            task_type: self.task_type().to_owned(),
            worker_id: self.worker_id().to_owned(),
            poll_count: count,
        });
        let started = Instant::now();
        let span = telemetry::poll_span(self.task_type(), self.worker_id(), count);
        // Not cancelled by `stopping`, nor at once by the deadline: the server may already have
        // handed tasks out in this poll, and dropping the request would leave them stranded until
        // their response timeout. Its tasks are handed back instead.
        let request = runtime
            .api
            .batch_poll(
                self.task_type(),
                Some(self.worker_id()),
                self.config.domain(),
                count,
                self.config.poll_timeout(),
            )
            .instrument(span.clone());
        tokio::pin!(request);
        let polled = tokio::select! {
            biased;
            polled = &mut request => polled,
            () = runtime.deadline.cancelled() => {
                let grace = self.config.poll_timeout() + runtime.options.hand_back_timeout();
                match tokio::time::timeout(grace, request).await {
                    Ok(polled) => polled,
                    Err(_) => {
                        telemetry::record_outcome(&span, "unanswered_at_shutdown", true);
                        warn!(task_type = self.task_type(), "a poll in flight at the shutdown deadline did not answer; any task it handed out waits out its response timeout");
                        return None;
                    }
                }
            }
        };
        let duration = started.elapsed();
        match &polled {
            Ok(tasks) => {
                span.record("received", tasks.len());
                telemetry::record_outcome(&span, "ok", false);
                trace!(
                    task_type = self.task_type(),
                    received = tasks.len(),
                    "polled"
                );
                runtime.events.publish_with(|| PollCompleted {
                    task_type: self.task_type().to_owned(),
                    worker_id: self.worker_id().to_owned(),
                    duration,
                    tasks_received: tasks.len(),
                });
            }
            Err(error) => {
                telemetry::record_outcome(&span, error_type(error), true);
                runtime.events.publish_with(|| PollFailure {
                    task_type: self.task_type().to_owned(),
                    worker_id: self.worker_id().to_owned(),
                    duration,
                    error: error.to_string(),
                    error_type: error_type(error).to_owned(),
                });
            }
        }
        Some(polled)
    }

    /// Starts one slot task per polled task; unused permits are released.
    fn dispatch(self: &Arc<Self>, tasks: Vec<Task>, permits: Vec<OwnedSemaphorePermit>) {
        let mut permits = permits.into_iter();
        for task in tasks {
            match permits.next() {
                Some(permit) => {
                    let runner = Arc::clone(self);
                    self.runtime
                        .tracker
                        .spawn(async move { runner.run_slot(task, permit).await });
                }
                None => {
                    // The server sent more than asked: never exceed the slots, give it back.
                    warn!(task_type = self.task_type(), task_id = %task.task_id, "server returned more tasks than requested; returning the extra one");
                    let runner = Arc::clone(self);
                    let span = telemetry::task_span(self.task_type(), self.worker_id(), &task);
                    self.runtime.tracker.spawn(async move {
                        span.run(runner.reporter.hand_back(&task, "worker had no free slot"))
                            .await;
                    });
                }
            }
        }
    }

    /// Executes `first` and reports it; while update-v2 hands back a next task, executes that one
    /// in the same slot. The permit is held until the slot has nothing left to do, including
    /// while a result waits to be delivered: a worker that cannot report takes no more work.
    async fn run_slot(self: Arc<Self>, first: Task, permit: OwnedSemaphorePermit) {
        let _active = self.state.enter();
        let mut next = Some(first);
        while let Some(task) = next.take() {
            if self.runtime.stopping.is_cancelled() {
                let span = telemetry::task_span(self.task_type(), self.worker_id(), &task);
                span.record_outcome("handed_back", false);
                span.run(
                    self.reporter
                        .hand_back(&task, "worker shutting down before the task started"),
                )
                .await;
                break;
            }
            let span = telemetry::task_span(self.task_type(), self.worker_id(), &task);
            next = span.run(self.run_one(task, &span)).await;
        }
        drop(permit);
        if self.limit.is_some() {
            self.capacity_changed.notify_one();
        }
    }

    /// Executes one task and reports its result, under the task's span; returns the next task
    /// update-v2 handed out, if any.
    async fn run_one(&self, task: Task, span: &TaskSpan) -> Option<Task> {
        let lease = Lease::new(&task, Instant::now());
        self.warn_about_a_long_response_timeout(&task);
        let seen = without_hand_backs(&task);
        let started = Instant::now();
        match executor::execute(self, &seen, &lease).await {
            Execution::Aborted => {
                span.record_outcome("handed_back", false);
                self.reporter
                    .hand_back(&task, "worker shut down before the task finished")
                    .await;
                None
            }
            Execution::Abandoned => {
                span.record_outcome("abandoned_at_shutdown", true);
                None
            }
            Execution::Cancelled => {
                span.record_outcome("cancelled", false);
                None
            }
            Execution::Finished(result) => {
                span.record_outcome(
                    result.status.as_str(),
                    !matches!(
                        result.status,
                        TaskResultStatus::Completed | TaskResultStatus::InProgress
                    ),
                );
                self.record_sample(started.elapsed(), &result.status);
                let want_next = result.status.is_terminal_result()
                    && !self.runtime.stopping.is_cancelled()
                    && !self.state.is_paused()
                    && self.may_take_next();
                let next = self.reporter.report(*result, &lease, want_next).await;
                if want_next && next.is_none() {
                    self.refund_tokens(1);
                }
                next
            }
        }
    }

    /// Warns once when tasks have a long response timeout and lease extension is off: a result
    /// whose delivery fails for good, or a task handed out in an answer that was lost, then
    /// waits that long on the server before another worker gets it.
    fn warn_about_a_long_response_timeout(&self, task: &Task) {
        if task.response_timeout_seconds > LONG_RESPONSE_TIMEOUT_SECONDS
            && !self.config.lease_extend_enabled()
            && !self.warned_response_timeout.swap(true, Ordering::Relaxed)
        {
            warn!(
                task_type = self.task_type(),
                response_timeout_seconds = task.response_timeout_seconds,
                "tasks of this type have a long responseTimeoutSeconds and lease extension is off: a task stranded by a lost answer waits that long to be re-run. Set a shorter responseTimeoutSeconds on the task definition and turn lease extension on for long executions"
            );
        }
    }

    /// Records the limit on executions in flight (for `WorkerControl::status`) and publishes it.
    fn set_concurrency_limit(&self, limit: usize) {
        self.state.set_concurrency_limit(limit);
        self.runtime
            .events
            .publish_with(|| ConcurrencyLimitChanged {
                task_type: self.task_type().to_owned(),
                worker_id: self.worker_id().to_owned(),
                limit,
            });
    }

    fn publish_rate_limit_waited(&self, wait: Duration) {
        self.runtime.events.publish_with(|| RateLimitWaited {
            task_type: self.task_type().to_owned(),
            worker_id: self.worker_id().to_owned(),
            wait,
        });
    }

    fn publish_paused(&self) {
        self.runtime.events.publish_with(|| TaskPaused {
            task_type: self.task_type().to_owned(),
            worker_id: self.worker_id().to_owned(),
        });
    }

    fn publish_queue_full(&self, capacity: usize) {
        self.runtime.events.publish_with(|| TaskExecutionQueueFull {
            task_type: self.task_type().to_owned(),
            worker_id: self.worker_id().to_owned(),
            capacity,
        });
    }
}

/// Whether a result status ends the task (so update-v2 may hand out the next one).
trait TerminalResult {
    fn is_terminal_result(&self) -> bool;
}

impl TerminalResult for TaskResultStatus {
    fn is_terminal_result(&self) -> bool {
        !matches!(self, TaskResultStatus::InProgress)
    }
}
