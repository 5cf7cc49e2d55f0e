//! [`RunnerOptions`]: runtime settings shared by every worker of a handler (shutdown, retries,
//! backoff).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings of the worker runtime that apply to all workers of a
/// [`TaskHandler`](crate::TaskHandler). Per-worker settings (threads, poll interval, domain...)
/// are on the worker and its [`WorkerConfig`](crate::WorkerConfig).
///
/// ```
/// use std::time::Duration;
/// use conductor_worker::RunnerOptions;
///
/// let options = RunnerOptions::default()
///     .with_shutdown_grace_period(Duration::from_secs(60))
///     .with_update_retries(8);
/// assert_eq!(options.shutdown_grace_period(), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerOptions {
    shutdown_grace_period: Duration,
    hand_back_timeout: Duration,
    update_retries: Option<u32>,
    update_backoff_initial: Duration,
    update_backoff_max: Duration,
    poll_error_backoff_initial: Duration,
    poll_error_backoff_max: Duration,
    poll_error_log_interval: Duration,
    update_v2: bool,
    lease_extend_fraction: f64,
    register_task_defs: bool,
    task_status_check_interval: Option<Duration>,
    blocking_shutdown_grace: Duration,
    outbox_dir: Option<PathBuf>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            shutdown_grace_period: Duration::from_secs(30),
            hand_back_timeout: Duration::from_secs(5),
            update_retries: None,
            update_backoff_initial: Duration::from_millis(250),
            update_backoff_max: Duration::from_secs(30),
            poll_error_backoff_initial: Duration::from_millis(100),
            poll_error_backoff_max: Duration::from_secs(10),
            poll_error_log_interval: Duration::from_secs(60),
            update_v2: true,
            lease_extend_fraction: 0.8,
            register_task_defs: false,
            task_status_check_interval: Some(Duration::from_secs(10)),
            blocking_shutdown_grace: Duration::from_secs(30),
            outbox_dir: None,
        }
    }
}

impl RunnerOptions {
    /// How long a graceful shutdown lets running tasks finish and report. Default 30 s. When it
    /// is over, async executions still running are dropped and their tasks returned to the server
    /// (`IN_PROGRESS` with `callbackAfterSeconds` 0), executions on a blocking thread get
    /// [`blocking_shutdown_grace`](Self::with_blocking_shutdown_grace) more, and pending update
    /// retries give up after one last attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_shutdown_grace_period(Duration::from_secs(90));
    /// assert_eq!(options.shutdown_grace_period(), Duration::from_secs(90));
    /// ```
    #[must_use]
    pub fn with_shutdown_grace_period(mut self, period: Duration) -> Self {
        self.shutdown_grace_period = period;
        self
    }

    /// How long, after the grace period, returning a task or a last update attempt may take.
    /// Default 5 s. A shutdown takes at most grace period + this.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_hand_back_timeout(Duration::from_secs(2));
    /// assert_eq!(options.hand_back_timeout(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_hand_back_timeout(mut self, timeout: Duration) -> Self {
        self.hand_back_timeout = timeout;
        self
    }

    /// Caps how many times a result whose update failed is sent again before it is given up (and
    /// published as a `TaskUpdateFailure` event). By default there is no cap: a result is retried
    /// with capped, jittered backoff until it is delivered or the server can no longer accept it
    /// (its `responseTimeoutSeconds` has passed since it was polled or its lease last extended).
    /// `0` turns retries off. Retries keep the task's execution slot, so a worker that cannot
    /// report stops taking work it could not report either.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().update_retries(), None); // until the response timeout
    /// let options = RunnerOptions::default().with_update_retries(10);
    /// assert_eq!(options.update_retries(), Some(10));
    /// ```
    #[must_use]
    pub fn with_update_retries(mut self, retries: u32) -> Self {
        self.update_retries = Some(retries);
        self
    }

    /// The wait before the first update retry and its cap; the wait doubles with each retry, with
    /// jitter. Default 250 ms, capped at 30 s (a waiting result holds its slot, so the first
    /// retries come quickly; an outage is soon down to one attempt every 15-30 s per result).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default()
    ///     .with_update_backoff(Duration::from_millis(200), Duration::from_secs(5));
    /// assert_eq!(options.update_backoff(), (Duration::from_millis(200), Duration::from_secs(5)));
    /// ```
    #[must_use]
    pub fn with_update_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.update_backoff_initial = initial;
        self.update_backoff_max = max.max(initial);
        self
    }

    /// The wait after a failed poll and its cap; the wait doubles with each consecutive failure,
    /// with jitter, and resets after a successful poll. Default 100 ms, capped at 10 s: a share
    /// of 429/503 answers barely slows the worker, and after an outage it polls again within
    /// 10 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default()
    ///     .with_poll_error_backoff(Duration::from_millis(500), Duration::from_secs(10));
    /// assert_eq!(options.poll_error_backoff(), (Duration::from_millis(500), Duration::from_secs(10)));
    /// ```
    #[must_use]
    pub fn with_poll_error_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_error_backoff_initial = initial;
        self.poll_error_backoff_max = max.max(initial);
        self
    }

    /// The least time between two log lines about failing polls of one worker (the first failure
    /// is always logged; the next line says how many were not). Default 60 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_poll_error_log_interval(Duration::from_secs(300));
    /// assert_eq!(options.poll_error_log_interval(), Duration::from_secs(300));
    /// ```
    #[must_use]
    pub fn with_poll_error_log_interval(mut self, interval: Duration) -> Self {
        self.poll_error_log_interval = interval;
        self
    }

    /// Whether to report results with `POST /tasks/update-v2`, which returns the next task in the
    /// same round trip. Default `true`; the runtime falls back to `POST /tasks` for good when the
    /// server does not have it (conductor-oss before 3.21.12 answers 500 `Request method 'POST'
    /// is not supported`; others 404 or 405; see `docs/compatibility.md`). The client also
    /// remembers the missing endpoint, so other workers on the same client skip it at once.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert!(RunnerOptions::default().update_v2());
    /// let options = RunnerOptions::default().with_update_v2(false); // always POST /tasks
    /// assert!(!options.update_v2());
    /// ```
    #[must_use]
    pub fn with_update_v2(mut self, enabled: bool) -> Self {
        self.update_v2 = enabled;
        self
    }

    /// At which fraction of a task's `responseTimeoutSeconds` lease extensions are sent (for
    /// workers with lease extension on). Default 0.8; clamped to 0.1..=0.95.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_lease_extend_fraction(0.5);
    /// assert_eq!(options.lease_extend_fraction(), 0.5);
    /// // Out-of-range values are clamped.
    /// assert_eq!(RunnerOptions::default().with_lease_extend_fraction(2.0).lease_extend_fraction(), 0.95);
    /// ```
    #[must_use]
    pub fn with_lease_extend_fraction(mut self, fraction: f64) -> Self {
        self.lease_extend_fraction = if fraction.is_finite() {
            fraction.clamp(0.1, 0.95)
        } else {
            0.8
        };
        self
    }

    /// Whether to create missing task definitions for every worker at start-up (as if each
    /// worker's `register_task_def()` returned `true`). Default `false`.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_register_task_defs(true);
    /// assert!(options.register_task_defs());
    /// ```
    #[must_use]
    pub fn with_register_task_defs(mut self, register: bool) -> Self {
        self.register_task_defs = register;
        self
    }

    /// The graceful shutdown period.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().shutdown_grace_period(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn shutdown_grace_period(&self) -> Duration {
        self.shutdown_grace_period
    }

    /// The time allowed for returning tasks and last update attempts after the grace period.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().hand_back_timeout(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn hand_back_timeout(&self) -> Duration {
        self.hand_back_timeout
    }

    /// The cap on update retries after the first attempt, if any.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().update_retries(), None);
    /// ```
    #[must_use]
    pub fn update_retries(&self) -> Option<u32> {
        self.update_retries
    }

    /// How often a running execution checks that its task is still this worker's
    /// (`GET /tasks/{taskId}`), also after every lease extension. When the server has cancelled
    /// the task (its workflow was terminated), timed it out, or retried it, the execution's
    /// [`TaskContext`](crate::TaskContext) is cancelled, a `TaskExecutionCancelled` event is
    /// published, and the result is not sent. Default every 10 s, so executions shorter than that
    /// cost no request; `None` turns the checks off.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().task_status_check_interval(), Some(Duration::from_secs(10)));
    /// let options = RunnerOptions::default().with_task_status_check_interval(Some(Duration::from_secs(30)));
    /// assert_eq!(options.task_status_check_interval(), Some(Duration::from_secs(30)));
    /// ```
    #[must_use]
    pub fn with_task_status_check_interval(mut self, interval: Option<Duration>) -> Self {
        self.task_status_check_interval = interval.filter(|interval| !interval.is_zero());
        self
    }

    /// The interval of task status checks, if on.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert!(RunnerOptions::default().task_status_check_interval().is_some());
    /// ```
    #[must_use]
    pub fn task_status_check_interval(&self) -> Option<Duration> {
        self.task_status_check_interval
    }

    /// How long after the grace period the runtime still waits for an execution whose code runs
    /// on a blocking-pool thread (a `#[worker]` on a plain `fn`). Such code cannot be stopped, so
    /// its task is never handed back while it runs (another worker would run it a second time):
    /// if it finishes within this time its result is reported, else the task is left to its
    /// response timeout and an error is logged. Default 30 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_blocking_shutdown_grace(Duration::from_secs(5));
    /// assert_eq!(options.blocking_shutdown_grace(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn with_blocking_shutdown_grace(mut self, grace: Duration) -> Self {
        self.blocking_shutdown_grace = grace;
        self
    }

    /// Turns on the durable outbox in `dir` (created if missing). A result whose first update
    /// fails is written there (synced to disk) until the server has it; results still there when
    /// the process ends (the shutdown deadline passed, or the process was killed, even with
    /// SIGKILL) are sent again at the next start of a handler with the same directory, each
    /// until its response timeout. Off by default. One process per directory.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// let options = RunnerOptions::default().with_outbox_dir("/var/lib/my-worker/outbox");
    /// assert_eq!(
    ///     options.outbox_dir(),
    ///     Some(std::path::Path::new("/var/lib/my-worker/outbox"))
    /// );
    /// assert_eq!(RunnerOptions::default().outbox_dir(), None);
    /// ```
    #[must_use]
    pub fn with_outbox_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.outbox_dir = Some(dir.into());
        self
    }

    /// The durable outbox's directory, when on.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert!(RunnerOptions::default().outbox_dir().is_none());
    /// ```
    #[must_use]
    pub fn outbox_dir(&self) -> Option<&Path> {
        self.outbox_dir.as_deref()
    }

    /// The extra wait for blocking executions at shutdown.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().blocking_shutdown_grace(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn blocking_shutdown_grace(&self) -> Duration {
        self.blocking_shutdown_grace
    }

    /// Initial and maximum wait between update retries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let (initial, max) = RunnerOptions::default().update_backoff();
    /// assert_eq!((initial, max), (Duration::from_millis(250), Duration::from_secs(30)));
    /// ```
    #[must_use]
    pub fn update_backoff(&self) -> (Duration, Duration) {
        (self.update_backoff_initial, self.update_backoff_max)
    }

    /// Initial and maximum wait after failed polls.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// let (initial, max) = RunnerOptions::default().poll_error_backoff();
    /// assert_eq!((initial, max), (Duration::from_millis(100), Duration::from_secs(10)));
    /// ```
    #[must_use]
    pub fn poll_error_backoff(&self) -> (Duration, Duration) {
        (self.poll_error_backoff_initial, self.poll_error_backoff_max)
    }

    /// The least time between poll-failure log lines.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().poll_error_log_interval(), Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn poll_error_log_interval(&self) -> Duration {
        self.poll_error_log_interval
    }

    /// Whether update-v2 is used.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert!(RunnerOptions::default().update_v2());
    /// ```
    #[must_use]
    pub fn update_v2(&self) -> bool {
        self.update_v2
    }

    /// The lease extension fraction.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert_eq!(RunnerOptions::default().lease_extend_fraction(), 0.8);
    /// ```
    #[must_use]
    pub fn lease_extend_fraction(&self) -> f64 {
        self.lease_extend_fraction
    }

    /// Whether every worker registers its task definition.
    ///
    /// ```
    /// use conductor_worker::RunnerOptions;
    ///
    /// assert!(!RunnerOptions::default().register_task_defs());
    /// ```
    #[must_use]
    pub fn register_task_defs(&self) -> bool {
        self.register_task_defs
    }
}
