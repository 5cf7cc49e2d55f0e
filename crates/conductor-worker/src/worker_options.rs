//! [`WorkerOptions`]: a worker's polling and execution settings as one value, the single home of
//! their defaults. The [`Worker`] trait's default methods, the [`FnWorker`](crate::FnWorker)
//! setters, the `#[worker(...)]` arguments and the environment overrides of
//! [`WorkerConfig`](crate::WorkerConfig) all read or write it.

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
}

impl WorkerOptions {
    /// The defaults: `{hostname}-{pid}` identity, no domain, 100 ms poll interval, 1 thread,
    /// 100 ms long poll, no task-definition registration, no lease extension, not paused.
    pub const DEFAULT: Self = Self {
        identity: None,
        domain: None,
        poll_interval_millis: DEFAULT_POLL_INTERVAL_MILLIS,
        thread_count: 1,
        poll_timeout_millis: DEFAULT_POLL_TIMEOUT_MILLIS,
        register_task_def: false,
        lease_extend_enabled: false,
        paused: false,
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
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}
