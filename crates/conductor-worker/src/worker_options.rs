//! [`WorkerOptions`]: a worker's polling and execution settings as one value, the single home of
//! their defaults. The [`Worker`] trait's default methods, the [`FnWorker`](crate::FnWorker)
//! setters, the `#[worker(...)]` arguments and the environment overrides of
//! [`WorkerConfig`](crate::WorkerConfig) all read or write it.

use crate::ConcurrencyLimiter;
use crate::worker::{
    DEFAULT_POLL_INTERVAL_MILLIS, DEFAULT_POLL_TIMEOUT_MILLIS, Worker, default_identity,
};

/// A worker's polling and execution settings.
///
/// [`WorkerOptions::DEFAULT`] holds every default (the [`Worker`] trait's default methods return
/// its values); [`WorkerOptions::of`] reads a worker's settings; [`FnWorker`](crate::FnWorker)
/// keeps one and its `with_*` setters change it; the `#[worker(...)]` arguments are applied to it;
/// and [`WorkerConfig`](crate::WorkerConfig) lays the environment's
/// `CONDUCTOR_WORKER_{NAME}_{PROPERTY}` overrides on top of it.
///
/// ```
/// use conductor_models::Task;
/// use conductor_worker::{FnWorker, Worker, WorkerOptions, WorkerOutput};
///
/// let options = WorkerOptions::default().with_thread_count(4).with_domain("blue");
/// let worker = FnWorker::new("greet", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("hi"))
/// })
/// .with_options(options.clone());
/// assert_eq!(worker.thread_count(), 4);
/// assert_eq!(WorkerOptions::of(&worker), options);
/// assert_eq!(WorkerOptions::default().poll_interval_millis(), 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerOptions {
    identity: Option<String>,
    domain: Option<String>,
    poll_interval_millis: u64,
    thread_count: usize,
    poll_timeout_millis: u64,
    register_task_def: bool,
    lease_extend_enabled: bool,
    paused: bool,
    rate_limit: Option<RateLimit>,
    concurrency_limiter: Option<ConcurrencyLimiter>,
}

impl WorkerOptions {
    /// The defaults: `{hostname}-{pid}` identity, no domain, 100 ms poll interval, 1 thread,
    /// 100 ms long poll, no task-definition registration, no lease extension, not paused, no
    /// rate limit, fixed concurrency (no adaptive concurrency).
    pub const DEFAULT: Self = Self {
        identity: None,
        domain: None,
        poll_interval_millis: DEFAULT_POLL_INTERVAL_MILLIS,
        thread_count: 1,
        poll_timeout_millis: DEFAULT_POLL_TIMEOUT_MILLIS,
        register_task_def: false,
        lease_extend_enabled: false,
        paused: false,
        rate_limit: None,
        concurrency_limiter: None,
    };

    /// The settings `worker` declares through its [`Worker`] methods.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, WorkerOptions, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_poll_interval_millis(500);
    /// assert_eq!(WorkerOptions::of(&worker).poll_interval_millis(), 500);
    /// ```
    #[must_use]
    pub fn of(worker: &(impl Worker + ?Sized)) -> Self {
        let identity = worker.identity();
        Self {
            identity: (identity != default_identity()).then_some(identity),
            domain: worker.domain().map(str::to_owned),
            poll_interval_millis: worker.poll_interval_millis(),
            thread_count: worker.thread_count(),
            poll_timeout_millis: worker.poll_timeout_millis(),
            register_task_def: worker.register_task_def(),
            lease_extend_enabled: worker.lease_extend_enabled(),
            paused: worker.paused(),
            rate_limit: worker.rate_limit(),
            concurrency_limiter: worker.concurrency_limiter(),
        }
    }

    /// Sets the worker id sent with polls and updates. Default `{hostname}-{pid}`.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_identity("worker-7");
    /// assert_eq!(options.identity(), "worker-7");
    /// ```
    #[must_use]
    pub fn with_identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Sets the task domain to poll in. Default: none (the domain-less queue).
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_domain("blue");
    /// assert_eq!(options.domain(), Some("blue"));
    /// ```
    #[must_use]
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Clears the task domain (polls the domain-less queue).
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_domain("blue").without_domain();
    /// assert_eq!(options.domain(), None);
    /// ```
    #[must_use]
    pub fn without_domain(mut self) -> Self {
        self.domain = None;
        self
    }

    /// Sets the longest wait between polls that return nothing, in milliseconds. Default 100.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_poll_interval_millis(250);
    /// assert_eq!(options.poll_interval_millis(), 250);
    /// ```
    #[must_use]
    pub fn with_poll_interval_millis(mut self, millis: u64) -> Self {
        self.poll_interval_millis = millis;
        self
    }

    /// Sets how many tasks may execute at once. Default 1.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_thread_count(8);
    /// assert_eq!(options.thread_count(), 8);
    /// ```
    #[must_use]
    pub fn with_thread_count(mut self, thread_count: usize) -> Self {
        self.thread_count = thread_count;
        self
    }

    /// Sets how long the server may hold a poll open, in milliseconds (at most 5000). Default 100.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_poll_timeout_millis(2000);
    /// assert_eq!(options.poll_timeout_millis(), 2000);
    /// ```
    #[must_use]
    pub fn with_poll_timeout_millis(mut self, millis: u64) -> Self {
        self.poll_timeout_millis = millis;
        self
    }

    /// Sets whether to create the task definition at start-up when the server has none.
    /// Default `false`.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_register_task_def(true);
    /// assert!(options.register_task_def());
    /// ```
    #[must_use]
    pub fn with_register_task_def(mut self, register: bool) -> Self {
        self.register_task_def = register;
        self
    }

    /// Sets whether to extend the task's lease while it executes. Default `false`.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_lease_extend_enabled(true);
    /// assert!(options.lease_extend_enabled());
    /// ```
    #[must_use]
    pub fn with_lease_extend_enabled(mut self, enabled: bool) -> Self {
        self.lease_extend_enabled = enabled;
        self
    }

    /// Sets whether the worker starts paused. Default `false`.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default().with_paused(true);
    /// assert!(options.paused());
    /// ```
    #[must_use]
    pub fn with_paused(mut self, paused: bool) -> Self {
        self.paused = paused;
        self
    }

    /// Caps how many tasks per second the worker takes, polled or handed out by update-v2 (a
    /// token bucket: `per_second` tokens a second, holding at most `burst`, full at start; a `burst`
    /// of 0 counts as 1). A downstream API is protected even when many tasks are queued. Default:
    /// no limit. A rate that is not a positive number is rejected when the worker starts.
    ///
    /// ```
    /// use conductor_worker::{RateLimit, WorkerOptions};
    ///
    /// let options = WorkerOptions::default().with_rate_limit(10.0, 20);
    /// assert_eq!(options.rate_limit(), Some(RateLimit::new(10.0, 20)));
    /// assert_eq!(WorkerOptions::default().rate_limit(), None);
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(RateLimit::new(per_second, burst));
        self
    }

    /// Removes the rate limit.
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default()
    ///     .with_rate_limit(5.0, 1)
    ///     .without_rate_limit();
    /// assert_eq!(options.rate_limit(), None);
    /// ```
    #[must_use]
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Sets whether the number of executions in flight adapts to their latency and failures
    /// (between 1 and the thread count): it grows while latency is flat and shrinks when
    /// executions get slower or fail. `true` keeps the algorithm already chosen, else AIMD
    /// ([`ConcurrencyLimiter::AIMD`]). Default `false` (always up to the thread count).
    ///
    /// ```
    /// let options = conductor_worker::WorkerOptions::default()
    ///     .with_thread_count(16)
    ///     .with_adaptive_concurrency(true);
    /// assert!(options.adaptive_concurrency());
    /// ```
    #[must_use]
    pub fn with_adaptive_concurrency(mut self, adaptive: bool) -> Self {
        self.concurrency_limiter = if adaptive {
            Some(self.concurrency_limiter.unwrap_or_default())
        } else {
            None
        };
        self
    }

    /// Turns adaptive concurrency on with `limiter`'s algorithm and settings.
    ///
    /// ```
    /// use conductor_worker::{ConcurrencyLimiter, WorkerOptions};
    ///
    /// let options = WorkerOptions::default().with_concurrency_limiter(ConcurrencyLimiter::GRADIENT2);
    /// assert_eq!(options.concurrency_limiter(), Some(ConcurrencyLimiter::GRADIENT2));
    /// ```
    #[must_use]
    pub const fn with_concurrency_limiter(mut self, limiter: ConcurrencyLimiter) -> Self {
        self.concurrency_limiter = Some(limiter);
        self
    }

    /// The worker id: the one set, or `{hostname}-{pid}`.
    ///
    /// ```
    /// use conductor_worker::{WorkerOptions, default_identity};
    ///
    /// assert_eq!(WorkerOptions::default().identity(), default_identity());
    /// ```
    #[must_use]
    pub fn identity(&self) -> &str {
        self.identity
            .as_deref()
            .unwrap_or_else(|| default_identity())
    }

    /// The task domain, if any.
    ///
    /// ```
    /// assert_eq!(conductor_worker::WorkerOptions::default().domain(), None);
    /// ```
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The longest wait between empty polls, in milliseconds.
    ///
    /// ```
    /// assert_eq!(conductor_worker::WorkerOptions::DEFAULT.poll_interval_millis(), 100);
    /// ```
    #[must_use]
    pub const fn poll_interval_millis(&self) -> u64 {
        self.poll_interval_millis
    }

    /// How many tasks may execute at once.
    ///
    /// ```
    /// assert_eq!(conductor_worker::WorkerOptions::DEFAULT.thread_count(), 1);
    /// ```
    #[must_use]
    pub const fn thread_count(&self) -> usize {
        self.thread_count
    }

    /// The long-poll timeout, in milliseconds.
    ///
    /// ```
    /// assert_eq!(conductor_worker::WorkerOptions::DEFAULT.poll_timeout_millis(), 100);
    /// ```
    #[must_use]
    pub const fn poll_timeout_millis(&self) -> u64 {
        self.poll_timeout_millis
    }

    /// Whether the task definition is created at start-up when missing.
    ///
    /// ```
    /// assert!(!conductor_worker::WorkerOptions::DEFAULT.register_task_def());
    /// ```
    #[must_use]
    pub const fn register_task_def(&self) -> bool {
        self.register_task_def
    }

    /// Whether the task's lease is extended while it executes.
    ///
    /// ```
    /// assert!(!conductor_worker::WorkerOptions::DEFAULT.lease_extend_enabled());
    /// ```
    #[must_use]
    pub const fn lease_extend_enabled(&self) -> bool {
        self.lease_extend_enabled
    }

    /// Whether the worker starts paused.
    ///
    /// ```
    /// assert!(!conductor_worker::WorkerOptions::DEFAULT.paused());
    /// ```
    #[must_use]
    pub const fn paused(&self) -> bool {
        self.paused
    }

    /// The rate limit, if any.
    ///
    /// ```
    /// assert_eq!(conductor_worker::WorkerOptions::DEFAULT.rate_limit(), None);
    /// ```
    #[must_use]
    pub const fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether adaptive concurrency is on.
    ///
    /// ```
    /// assert!(!conductor_worker::WorkerOptions::DEFAULT.adaptive_concurrency());
    /// ```
    #[must_use]
    pub const fn adaptive_concurrency(&self) -> bool {
        self.concurrency_limiter.is_some()
    }

    /// The adaptive-concurrency algorithm, when adaptive concurrency is on.
    ///
    /// ```
    /// use conductor_worker::{ConcurrencyLimiter, WorkerOptions};
    ///
    /// let options = WorkerOptions::default().with_adaptive_concurrency(true);
    /// assert_eq!(options.concurrency_limiter(), Some(ConcurrencyLimiter::AIMD));
    /// ```
    #[must_use]
    pub const fn concurrency_limiter(&self) -> Option<ConcurrencyLimiter> {
        self.concurrency_limiter
    }
}

/// A client-side rate limit: at most [`per_second`](Self::per_second) tasks a second on
/// average, and at most [`burst`](Self::burst) at once after an idle spell (a token bucket that
/// starts full).
///
/// Set it with [`WorkerOptions::with_rate_limit`], [`FnWorker::with_rate_limit`](crate::FnWorker::with_rate_limit),
/// [`Worker::rate_limit`], `#[worker(rate_limit = 10, rate_limit_burst = 20)]`, or the
/// environment (`CONDUCTOR_WORKER_{NAME}_RATE_LIMIT`, `..._RATE_LIMIT_BURST`).
///
/// ```
/// use conductor_worker::RateLimit;
///
/// let limit = RateLimit::new(2.5, 5);
/// assert_eq!((limit.per_second(), limit.burst()), (2.5, 5));
/// // A burst of 0 counts as 1: a task at a time.
/// assert_eq!(RateLimit::new(10.0, 0).burst(), 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    per_second: f64,
    burst: u32,
}

impl RateLimit {
    /// `per_second` tasks a second, at most `burst` at once (0 counts as 1). A rate that is not
    /// a positive, finite number is rejected when the worker's settings are resolved
    /// ([`WorkerConfig::resolve`](crate::WorkerConfig::resolve)).
    ///
    /// ```
    /// let limit = conductor_worker::RateLimit::new(100.0, 10);
    /// assert_eq!(limit.burst(), 10);
    /// ```
    #[must_use]
    pub const fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: if burst == 0 { 1 } else { burst },
        }
    }

    /// The average rate, in tasks per second.
    ///
    /// ```
    /// assert_eq!(conductor_worker::RateLimit::new(0.5, 1).per_second(), 0.5);
    /// ```
    #[must_use]
    pub const fn per_second(&self) -> f64 {
        self.per_second
    }

    /// The most tasks taken at once (the bucket's size), at least 1.
    ///
    /// ```
    /// assert_eq!(conductor_worker::RateLimit::new(1.0, 3).burst(), 3);
    /// ```
    #[must_use]
    pub const fn burst(&self) -> u32 {
        self.burst
    }

    /// The same rate with another burst (0 counts as 1).
    ///
    /// ```
    /// let limit = conductor_worker::RateLimit::new(10.0, 1).with_burst(50);
    /// assert_eq!(limit.burst(), 50);
    /// ```
    #[must_use]
    pub const fn with_burst(self, burst: u32) -> Self {
        Self::new(self.per_second, burst)
    }

    /// Whether the rate is a positive, finite number.
    pub(crate) fn is_valid(&self) -> bool {
        self.per_second.is_finite() && self.per_second > 0.0
    }
}

/// Bitwise equality of the rate, so that `Eq` holds (a NaN rate equals itself).
impl PartialEq for RateLimit {
    fn eq(&self, other: &Self) -> bool {
        self.per_second.to_bits() == other.per_second.to_bits() && self.burst == other.burst
    }
}

impl Eq for RateLimit {}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}
