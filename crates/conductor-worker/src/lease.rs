//! Holding a task while it runs: its [`Lease`] (until when the server accepts its result), and
//! the [`LeaseKeeper`] that extends the lease and checks that the task is still this worker's.

use std::sync::{Arc, Mutex};

use conductor_models::{Task, TaskResult, TaskStatus};
use tokio::time::{Duration, Instant};
use tracing::{Instrument as _, debug, warn};

use crate::api::TaskApi;
use crate::telemetry;

/// Attempts per heartbeat before waiting for the next one.
const ATTEMPTS: u32 = 3;
/// Wait between the attempts of one heartbeat.
const ATTEMPT_GAP: Duration = Duration::from_secs(1);
/// The shortest heartbeat period (a response timeout of 1 s would otherwise mean 800 ms).
const MIN_PERIOD: Duration = Duration::from_millis(500);

/// Until when the server accepts a task's result: `responseTimeoutSeconds` after the task was
/// polled or its lease last extended. Past that, the server times the task out (at its next
/// sweep) and a late result is ignored.
#[derive(Debug)]
pub(crate) struct Lease {
    response_timeout: Option<Duration>,
    renewed_at: Mutex<Instant>,
}

impl Lease {
    /// The lease of `task`, received at `received_at`.
    pub(crate) fn new(task: &Task, received_at: Instant) -> Self {
        let response_timeout = u64::try_from(task.response_timeout_seconds)
            .ok()
            .filter(|seconds| *seconds > 0)
            .map(Duration::from_secs);
        Self {
            response_timeout,
            renewed_at: Mutex::new(received_at),
        }
    }

    /// A lease that ends at `expires_at` (`None`: never), for a result re-sent from the outbox.
    pub(crate) fn until(expires_at: Option<Instant>) -> Self {
        let now = Instant::now();
        Self {
            response_timeout: expires_at.map(|at| at.saturating_duration_since(now)),
            renewed_at: Mutex::new(now),
        }
    }

    /// Records a lease extension the server accepted at `at`.
    pub(crate) fn renew(&self, at: Instant) {
        *lock(&self.renewed_at) = at;
    }

    /// Whether the response timeout has passed (never, without one).
    pub(crate) fn has_expired(&self) -> bool {
        self.expires_at().is_some_and(|at| Instant::now() >= at)
    }

    /// When the server stops accepting the result; `None` when the task has no response timeout.
    pub(crate) fn expires_at(&self) -> Option<Instant> {
        let renewed_at = *lock(&self.renewed_at);
        self.response_timeout.map(|timeout| renewed_at + timeout)
    }
}

fn lock(mutex: &Mutex<Instant>) -> std::sync::MutexGuard<'_, Instant> {
    // An `Instant` cannot be left half-written: a poisoned lock is still valid.
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Keeps one execution's task: sends `extendLease` heartbeats every `fraction ×
/// responseTimeoutSeconds` (when lease extension is on) and asks the server for the task's status
/// at an interval and after every heartbeat.
pub(crate) struct LeaseKeeper {
    api: Arc<dyn TaskApi>,
    worker_id: String,
    heartbeat_every: Option<Duration>,
    check_every: Option<Duration>,
}

impl LeaseKeeper {
    /// A keeper for `task`: heartbeats when `extend` is on and the task has a response timeout,
    /// status checks every `check_every` (`None`: only after heartbeats).
    pub(crate) fn new(
        api: Arc<dyn TaskApi>,
        worker_id: &str,
        task: &Task,
        extend: bool,
        fraction: f64,
        check_every: Option<Duration>,
    ) -> Self {
        let heartbeat_every = if extend {
            heartbeat_period(task.response_timeout_seconds, fraction)
        } else {
            None
        };
        Self {
            api,
            worker_id: worker_id.to_owned(),
            heartbeat_every,
            check_every,
        }
    }

    /// Runs for as long as the execution does; returns only when the task is no longer this
    /// worker's, with the status the server gave (`NOT_FOUND` when it no longer has the task).
    /// The server handles `extendLease: true` by refreshing the task's `updateTime` (the start of
    /// its response-timeout clock) and nothing else, so the task stays `IN_PROGRESS`.
    pub(crate) async fn keep(&self, task: &Task, lease: &Lease) -> String {
        if self.heartbeat_every.is_none() && self.check_every.is_none() {
            return std::future::pending().await;
        }
        let heartbeat = TaskResult::in_progress(&task.task_id, &task.workflow_instance_id, 0)
            .with_extend_lease(true)
            .with_worker_id(&self.worker_id);
        let start = Instant::now();
        let mut next_heartbeat = self.heartbeat_every.map(|period| start + period);
        let mut next_check = self.check_every.map(|period| start + period);
        loop {
            let wake = match (next_heartbeat, next_check) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return std::future::pending().await,
            };
            tokio::time::sleep_until(wake).await;
            if let (Some(at), Some(period)) = (next_heartbeat, self.heartbeat_every)
                && Instant::now() >= at
            {
                self.extend(task, &heartbeat, lease).await;
                next_heartbeat = Some(Instant::now() + period);
            }
            if let Some(status) = self.check(task).await {
                return status;
            }
            next_check = self.check_every.map(|period| Instant::now() + period);
        }
    }

    /// One heartbeat, with a few quick attempts, under its span.
    async fn extend(&self, task: &Task, heartbeat: &TaskResult, lease: &Lease) {
        let span = telemetry::lease_span();
        let extended = self
            .try_extend(task, heartbeat, lease)
            .instrument(span.clone())
            .await;
        telemetry::record_outcome(
            &span,
            if extended { "extended" } else { "failed" },
            !extended,
        );
    }

    /// The attempts of one heartbeat; whether one got through.
    async fn try_extend(&self, task: &Task, heartbeat: &TaskResult, lease: &Lease) -> bool {
        let mut attempt = 1;
        loop {
            let sent_at = Instant::now();
            match self.api.update(heartbeat).await {
                Ok(()) => {
                    debug!(task_id = %task.task_id, "lease extended");
                    lease.renew(sent_at);
                    return true;
                }
                Err(err) if attempt < ATTEMPTS => {
                    debug!(task_id = %task.task_id, attempt, %err, "lease extension failed; trying again");
                    attempt += 1;
                    tokio::time::sleep(ATTEMPT_GAP).await;
                }
                Err(err) => {
                    warn!(task_id = %task.task_id, %err, "lease extension failed; the task may time out on the server");
                    return false;
                }
            }
        }
    }

    /// `Some(status)` when the server says the task is no longer this worker's; `None` when it
    /// still is, or when the server could not be asked (an outage is not a cancellation).
    async fn check(&self, task: &Task) -> Option<String> {
        match self.api.get_task(&task.task_id).await {
            Ok(Some(current)) => no_longer_ours(&current, &self.worker_id),
            Ok(None) => Some("NOT_FOUND".to_owned()),
            Err(err) => {
                debug!(task_id = %task.task_id, %err, "task status check failed; the execution goes on");
                None
            }
        }
    }
}

/// Why `current` (the server's view of a task this worker runs) is no longer this worker's:
/// any status but `IN_PROGRESS`, or `IN_PROGRESS` for another worker.
pub(crate) fn no_longer_ours(current: &Task, worker_id: &str) -> Option<String> {
    if current.status != TaskStatus::InProgress {
        return Some(current.status.to_string());
    }
    match current.worker_id.as_deref() {
        Some(other) if !other.is_empty() && other != worker_id => {
            Some(format!("IN_PROGRESS with worker {other}"))
        }
        _ => None,
    }
}

/// The heartbeat period for a response timeout, or `None` when there is no timeout.
pub(crate) fn heartbeat_period(response_timeout_seconds: i64, fraction: f64) -> Option<Duration> {
    let seconds = u64::try_from(response_timeout_seconds)
        .ok()
        .filter(|s| *s > 0)?;
    Some(
        Duration::from_secs(seconds)
            .mul_f64(fraction)
            .max(MIN_PERIOD),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub_api::StubApi;

    #[tokio::test(start_paused = true)]
    async fn the_keeper_extends_the_lease_and_returns_when_the_task_is_gone() {
        let server = Arc::new(StubApi {
            cancel_after_checks: 3,
            ..StubApi::new()
        });
        let task = Task {
            task_id: "t-1".into(),
            response_timeout_seconds: 10,
            ..Task::default()
        };
        let start = Instant::now();
        let lease = Lease::new(&task, start);
        // Heartbeats every 8 s, checks every 5 s and after each heartbeat.
        let keeper = LeaseKeeper::new(
            server.clone(),
            "w1",
            &task,
            true,
            0.8,
            Some(Duration::from_secs(5)),
        );
        let status = keeper.keep(&task, &lease).await;
        assert_eq!(status, "CANCELED");
        // Checks at 5 s, 8 s (heartbeat), 13 s; the 4th, at 16 s (heartbeat), saw it cancelled.
        assert_eq!(StubApi::count(&server.checks), 4);
        assert_eq!(StubApi::count(&server.heartbeats), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(16));
        assert_eq!(lease.expires_at(), Some(start + Duration::from_secs(26)));
    }

    #[test]
    fn period_is_a_fraction_of_the_response_timeout() {
        assert_eq!(heartbeat_period(10, 0.8), Some(Duration::from_secs(8)));
        assert_eq!(heartbeat_period(3600, 0.5), Some(Duration::from_secs(1800)));
        assert_eq!(heartbeat_period(0, 0.8), None);
        assert_eq!(heartbeat_period(-1, 0.8), None);
        assert_eq!(heartbeat_period(1, 0.1), Some(MIN_PERIOD));
    }

    #[test]
    fn the_lease_runs_from_the_last_renewal() {
        let start = Instant::now();
        let task = Task {
            response_timeout_seconds: 60,
            ..Task::default()
        };
        let lease = Lease::new(&task, start);
        assert_eq!(lease.expires_at(), Some(start + Duration::from_secs(60)));
        lease.renew(start + Duration::from_secs(50));
        assert_eq!(lease.expires_at(), Some(start + Duration::from_secs(110)));
        let no_timeout = Lease::new(&Task::default(), start);
        assert_eq!(no_timeout.expires_at(), None);
    }

    #[test]
    fn a_task_is_ours_only_while_in_progress_for_us() {
        let mut task = Task {
            status: TaskStatus::InProgress,
            worker_id: Some("w1".into()),
            ..Task::default()
        };
        assert_eq!(no_longer_ours(&task, "w1"), None);
        task.worker_id = None;
        assert_eq!(no_longer_ours(&task, "w1"), None);
        task.worker_id = Some("w2".into());
        assert_eq!(
            no_longer_ours(&task, "w1").as_deref(),
            Some("IN_PROGRESS with worker w2")
        );
        for status in [
            TaskStatus::Canceled,
            TaskStatus::TimedOut,
            TaskStatus::Scheduled,
            TaskStatus::Completed,
        ] {
            task.status = status.clone();
            assert_eq!(no_longer_ours(&task, "w1"), Some(status.to_string()));
        }
    }
}
