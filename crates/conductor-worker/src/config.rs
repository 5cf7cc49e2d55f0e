//! [`WorkerConfig`]: a worker's settings after environment overrides, and the rules that find
//! those overrides.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use conductor_http::{ConductorError, Result};

use crate::ConcurrencyLimiter;
use crate::worker::{MAX_POLL_TIMEOUT_MILLIS, Worker};
use crate::worker_options::{RateLimit, WorkerOptions};

/// Reads one configuration variable: `Some(value)` when set. [`EnvLookup::process`] reads the
/// process environment; tests pass a map instead, so they never mutate the environment.
///
/// ```
/// use std::collections::HashMap;
/// use conductor_worker::EnvLookup;
///
/// let vars = HashMap::from([("CONDUCTOR_WORKER_ALL_THREAD_COUNT".to_owned(), "4".to_owned())]);
/// let lookup = EnvLookup::from_map(vars);
/// assert_eq!(lookup.get("CONDUCTOR_WORKER_ALL_THREAD_COUNT").as_deref(), Some("4"));
/// assert_eq!(lookup.get("OTHER"), None);
/// ```
#[derive(Clone)]
pub struct EnvLookup {
    lookup: Arc<LookupFn>,
}

type LookupFn = dyn Fn(&str) -> Option<String> + Send + Sync;

impl EnvLookup {
    /// Reads the process environment (`std::env::var`; values that are not UTF-8 count as unset).
    ///
    /// ```
    /// use conductor_worker::EnvLookup;
    ///
    /// let env = EnvLookup::process();
    /// assert_eq!(env.get("CONDUCTOR_WORKER_SURELY_UNSET_VARIABLE_FOR_DOCS"), None);
    /// ```
    #[must_use]
    pub fn process() -> Self {
        Self::new(|key| std::env::var(key).ok())
    }

    /// Reads through `lookup`.
    ///
    /// ```
    /// use conductor_worker::EnvLookup;
    ///
    /// // Read overrides from your own configuration source.
    /// let env = EnvLookup::new(|key| (key == "CONDUCTOR_WORKER_ALL_DOMAIN").then(|| "blue".to_owned()));
    /// assert_eq!(env.get("CONDUCTOR_WORKER_ALL_DOMAIN").as_deref(), Some("blue"));
    /// assert_eq!(env.get("CONDUCTOR_WORKER_ALL_PAUSED"), None);
    /// ```
    pub fn new(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
        }
    }

    /// Reads from a fixed map.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_worker::EnvLookup;
    ///
    /// let env = EnvLookup::from_map(HashMap::from([("CONDUCTOR_WORKER_ALL_PAUSED".to_owned(), "true".to_owned())]));
    /// assert_eq!(env.get("CONDUCTOR_WORKER_ALL_PAUSED").as_deref(), Some("true"));
    /// ```
    #[must_use]
    pub fn from_map(vars: std::collections::HashMap<String, String>) -> Self {
        Self::new(move |key| vars.get(key).cloned())
    }

    /// The value of `key`, if set.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_worker::EnvLookup;
    ///
    /// let env = EnvLookup::from_map(HashMap::from([("KEY".to_owned(), "value".to_owned())]));
    /// assert_eq!(env.get("KEY").as_deref(), Some("value"));
    /// assert_eq!(env.get("MISSING"), None);
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
    }
}

impl Default for EnvLookup {
    fn default() -> Self {
        Self::process()
    }
}

impl fmt::Debug for EnvLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvLookup")
    }
}

/// A worker's effective settings: its code values, overridden from the environment.
///
/// # Where overrides come from
///
/// For each property, the first variable set wins, in this order:
///
/// 1. worker-specific, `CONDUCTOR_WORKER_{NAME}_{PROP}`, where `{NAME}` is the task name in upper
///    case with every character other than `A-Z`/`0-9` turned into `_` (so `send-email.v2`
///    becomes `SEND_EMAIL_V2`), then `conductor.worker.{name}.{prop}` with the name as is;
/// 2. for all workers, `CONDUCTOR_WORKER_ALL_{PROP}`, then `conductor.worker.all.{prop}`;
/// 3. the worker's code value ([`Worker`] methods).
///
/// | property | also accepted | meaning | code value |
/// |---|---|---|---|
/// | `POLL_INTERVAL` (ms) | `POLL_INTERVAL_MILLIS`, `POLLING_INTERVAL` | longest wait between empty polls | [`Worker::poll_interval_millis`] |
/// | `THREAD_COUNT` | `CONCURRENCY` | tasks executed at once (≥ 1) | [`Worker::thread_count`] |
/// | `DOMAIN` | | task domain (empty = none) | [`Worker::domain`] |
/// | `PAUSED` | | start paused | [`Worker::paused`] |
/// | `POLL_TIMEOUT` (ms) | `POLL_TIMEOUT_MILLIS` | long-poll timeout (≤ 5000) | [`Worker::poll_timeout_millis`] |
/// | `REGISTER_TASK_DEF` | | create the task definition if missing | [`Worker::register_task_def`] |
/// | `LEASE_EXTEND_ENABLED` | | extend the lease of long executions | [`Worker::lease_extend_enabled`] |
/// | `WORKER_ID` | | worker id | [`Worker::identity`] |
/// | `RATE_LIMIT` (tasks/s) | `RATE_LIMIT_PER_SECOND` | most tasks taken per second (`0` = no limit) | [`Worker::rate_limit`] |
/// | `RATE_LIMIT_BURST` | | most tasks taken at once under the rate limit (≥ 1, default 1) | [`Worker::rate_limit`] |
/// | `ADAPTIVE_CONCURRENCY` | | executions in flight adapt to latency and failures: a boolean (on = the code's algorithm, else AIMD), or the algorithm, `aimd` or `gradient2` | [`Worker::concurrency_limiter`] |
///
/// The dotted forms take the property in lower case, in snake_case or camelCase
/// (`conductor.worker.greet.poll_interval`, `conductor.worker.greet.pollingInterval`,
/// `conductor.worker.all.thread_count`, `conductor.worker.greet.rateLimit`). Booleans accept `true`/`false`, `1`/`0`, `yes`/`no`,
/// `on`/`off` in any case. A worker named `all` cannot be addressed specifically.
///
/// ```
/// use std::collections::HashMap;
/// use conductor_models::Task;
/// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
///
/// let worker = FnWorker::new("send-email.v2", |_task: Task| async {
///     Ok(WorkerOutput::completed_with_result("sent"))
/// })
/// .with_thread_count(2);
/// let env = EnvLookup::from_map(HashMap::from([
///     ("CONDUCTOR_WORKER_ALL_THREAD_COUNT".to_owned(), "4".to_owned()),
///     ("CONDUCTOR_WORKER_SEND_EMAIL_V2_THREAD_COUNT".to_owned(), "8".to_owned()),
///     ("conductor.worker.all.domain".to_owned(), "blue".to_owned()),
/// ]));
/// let config = WorkerConfig::resolve_with(&worker, &env)?;
/// assert_eq!(config.thread_count(), 8);
/// assert_eq!(config.domain(), Some("blue"));
/// # Ok::<(), conductor_http::ConductorError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    task_type: String,
    worker_id: String,
    domain: Option<String>,
    poll_interval: Duration,
    poll_timeout: Duration,
    thread_count: usize,
    paused: bool,
    register_task_def: bool,
    lease_extend_enabled: bool,
    rate_limit: Option<RateLimit>,
    concurrency_limiter: Option<ConcurrencyLimiter>,
}

struct Property {
    upper: &'static [&'static str],
    dotted: &'static [&'static str],
}

const POLL_INTERVAL: Property = Property {
    upper: &["POLL_INTERVAL", "POLL_INTERVAL_MILLIS", "POLLING_INTERVAL"],
    dotted: &[
        "poll_interval",
        "poll_interval_millis",
        "polling_interval",
        "pollingInterval",
        "pollInterval",
    ],
};
const THREAD_COUNT: Property = Property {
    upper: &["THREAD_COUNT", "CONCURRENCY"],
    dotted: &["thread_count", "threadCount", "concurrency"],
};
const DOMAIN: Property = Property {
    upper: &["DOMAIN"],
    dotted: &["domain"],
};
const PAUSED: Property = Property {
    upper: &["PAUSED"],
    dotted: &["paused"],
};
const POLL_TIMEOUT: Property = Property {
    upper: &["POLL_TIMEOUT", "POLL_TIMEOUT_MILLIS"],
    dotted: &["poll_timeout", "pollTimeout", "poll_timeout_millis"],
};
const REGISTER_TASK_DEF: Property = Property {
    upper: &["REGISTER_TASK_DEF"],
    dotted: &["register_task_def", "registerTaskDef"],
};
const LEASE_EXTEND_ENABLED: Property = Property {
    upper: &["LEASE_EXTEND_ENABLED"],
    dotted: &["lease_extend_enabled", "leaseExtendEnabled"],
};
const RATE_LIMIT: Property = Property {
    upper: &["RATE_LIMIT", "RATE_LIMIT_PER_SECOND"],
    dotted: &[
        "rate_limit",
        "rateLimit",
        "rate_limit_per_second",
        "rateLimitPerSecond",
    ],
};
const RATE_LIMIT_BURST: Property = Property {
    upper: &["RATE_LIMIT_BURST"],
    dotted: &["rate_limit_burst", "rateLimitBurst"],
};
const ADAPTIVE_CONCURRENCY: Property = Property {
    upper: &["ADAPTIVE_CONCURRENCY"],
    dotted: &["adaptive_concurrency", "adaptiveConcurrency"],
};
const WORKER_ID: Property = Property {
    upper: &["WORKER_ID"],
    dotted: &["worker_id", "workerId"],
};

impl WorkerConfig {
    /// `worker`'s settings with overrides from the process environment.
    ///
    /// # Errors
    ///
    /// [`ConductorError::Config`] naming the variable when a value does not parse, when the
    /// thread count is 0, when the poll timeout exceeds 5000 ms (the server's limit), or when a
    /// rate limit set in code is not a positive number.
    ///
    /// ```
    /// use conductor_models::Task;
    /// use conductor_worker::{FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_thread_count(3);
    /// // Reads CONDUCTOR_WORKER_GREET_THREAD_COUNT, CONDUCTOR_WORKER_ALL_THREAD_COUNT, ...
    /// let config = WorkerConfig::resolve(&worker)?;
    /// assert_eq!(config.task_type(), "greet");
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    pub fn resolve(worker: &dyn Worker) -> Result<Self> {
        Self::resolve_with(worker, &EnvLookup::process())
    }

    /// `worker`'s settings with overrides read through `env`.
    ///
    /// # Errors
    ///
    /// As [`resolve`](Self::resolve).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_GREET_THREAD_COUNT".to_owned(), "0".to_owned()),
    /// ]));
    /// // A thread count of 0 is rejected.
    /// let err = WorkerConfig::resolve_with(&worker, &env).unwrap_err();
    /// assert!(matches!(err, conductor_http::ConductorError::Config(_)));
    /// assert!(err.to_string().contains("thread count must be at least 1"));
    /// ```
    pub fn resolve_with(worker: &dyn Worker, env: &EnvLookup) -> Result<Self> {
        let name = worker.task_definition_name();
        if name.trim().is_empty() {
            return Err(ConductorError::config(
                "worker task_definition_name is empty",
            ));
        }
        let resolver = Resolver { env, name };
        // The worker's declared settings (one value), with the environment laid on top.
        let options = resolver.apply(WorkerOptions::of(worker))?;
        let poll_timeout_ms = options.poll_timeout_millis();
        let config = Self {
            task_type: name.to_owned(),
            worker_id: options.identity().to_owned(),
            domain: options.domain().map(str::to_owned),
            poll_interval: Duration::from_millis(options.poll_interval_millis()),
            poll_timeout: Duration::from_millis(poll_timeout_ms),
            thread_count: options.thread_count(),
            paused: options.paused(),
            register_task_def: options.register_task_def(),
            lease_extend_enabled: options.lease_extend_enabled(),
            rate_limit: options.rate_limit(),
            concurrency_limiter: options.concurrency_limiter(),
        };
        if let Some(limit) = config.rate_limit
            && !limit.is_valid()
        {
            return Err(ConductorError::config(format!(
                "worker {name}: rate limit {} tasks per second must be a positive number",
                limit.per_second()
            )));
        }
        if let Some(problem) = config.concurrency_limiter.and_then(|l| l.invalid()) {
            return Err(ConductorError::config(format!("worker {name}: {problem}")));
        }
        if config.thread_count == 0 {
            return Err(ConductorError::config(format!(
                "worker {name}: thread count must be at least 1"
            )));
        }
        if poll_timeout_ms > MAX_POLL_TIMEOUT_MILLIS {
            return Err(ConductorError::config(format!(
                "worker {name}: poll timeout {poll_timeout_ms} ms exceeds the server's limit of \
                 {MAX_POLL_TIMEOUT_MILLIS} ms"
            )));
        }
        Ok(config)
    }

    /// The task type polled.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("send-email", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("sent"))
    /// });
    /// let config = WorkerConfig::resolve_with(&worker, &EnvLookup::from_map(HashMap::new()))?;
    /// assert_eq!(config.task_type(), "send-email");
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn task_type(&self) -> &str {
        &self.task_type
    }

    /// The worker id sent with polls and updates.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_identity("code-id");
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_GREET_WORKER_ID".to_owned(), "pod-3".to_owned()),
    /// ]));
    /// assert_eq!(WorkerConfig::resolve_with(&worker, &env)?.worker_id(), "pod-3");
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// The task domain, if any.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_domain("blue");
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_ALL_DOMAIN".to_owned(), "green".to_owned()),
    /// ]));
    /// assert_eq!(WorkerConfig::resolve_with(&worker, &env)?.domain(), Some("green"));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The longest wait between empty polls.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use std::time::Duration;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("conductor.worker.greet.pollingInterval".to_owned(), "250".to_owned()),
    /// ]));
    /// let config = WorkerConfig::resolve_with(&worker, &env)?;
    /// assert_eq!(config.poll_interval(), Duration::from_millis(250));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    /// The long-poll timeout sent to the server.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use std::time::Duration;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_poll_timeout_millis(1_000);
    /// let config = WorkerConfig::resolve_with(&worker, &EnvLookup::from_map(HashMap::new()))?;
    /// assert_eq!(config.poll_timeout(), Duration::from_secs(1));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> Duration {
        self.poll_timeout
    }

    /// How many tasks execute at once.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_ALL_CONCURRENCY".to_owned(), "6".to_owned()),
    /// ]));
    /// assert_eq!(WorkerConfig::resolve_with(&worker, &env)?.thread_count(), 6);
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn thread_count(&self) -> usize {
        self.thread_count
    }

    /// Whether the worker starts paused.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_GREET_PAUSED".to_owned(), "yes".to_owned()),
    /// ]));
    /// assert!(WorkerConfig::resolve_with(&worker, &env)?.paused());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Whether the task definition is created at start-up when missing.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("conductor.worker.all.register_task_def".to_owned(), "on".to_owned()),
    /// ]));
    /// assert!(WorkerConfig::resolve_with(&worker, &env)?.register_task_def());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn register_task_def(&self) -> bool {
        self.register_task_def
    }

    /// Whether long executions get their lease extended.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// })
    /// .with_lease_extend_enabled(true);
    /// let config = WorkerConfig::resolve_with(&worker, &EnvLookup::from_map(HashMap::new()))?;
    /// assert!(config.lease_extend_enabled());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn lease_extend_enabled(&self) -> bool {
        self.lease_extend_enabled
    }

    /// The most tasks taken per second, if limited.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, RateLimit, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("send_sms", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("sent"))
    /// })
    /// .with_rate_limit(10.0, 1);
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_SEND_SMS_RATE_LIMIT_BURST".to_owned(), "20".to_owned()),
    /// ]));
    /// let config = WorkerConfig::resolve_with(&worker, &env)?;
    /// assert_eq!(config.rate_limit(), Some(RateLimit::new(10.0, 20)));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether the executions in flight adapt to latency and failures.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("conductor.worker.greet.adaptiveConcurrency".to_owned(), "true".to_owned()),
    /// ]));
    /// assert!(WorkerConfig::resolve_with(&worker, &env)?.adaptive_concurrency());
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn adaptive_concurrency(&self) -> bool {
        self.concurrency_limiter.is_some()
    }

    /// The adaptive-concurrency algorithm, when adaptive concurrency is on.
    ///
    /// ```
    /// # use std::collections::HashMap;
    /// # use conductor_models::Task;
    /// use conductor_worker::{ConcurrencyLimiter, EnvLookup, FnWorker, WorkerConfig, WorkerOutput};
    ///
    /// let worker = FnWorker::new("greet", |_task: Task| async {
    ///     Ok(WorkerOutput::completed_with_result("hi"))
    /// });
    /// let env = EnvLookup::from_map(HashMap::from([
    ///     ("CONDUCTOR_WORKER_GREET_ADAPTIVE_CONCURRENCY".to_owned(), "gradient2".to_owned()),
    /// ]));
    /// let config = WorkerConfig::resolve_with(&worker, &env)?;
    /// assert_eq!(config.concurrency_limiter(), Some(ConcurrencyLimiter::GRADIENT2));
    /// # Ok::<(), conductor_http::ConductorError>(())
    /// ```
    #[must_use]
    pub fn concurrency_limiter(&self) -> Option<ConcurrencyLimiter> {
        self.concurrency_limiter
    }

    pub(crate) fn with_register_task_def(mut self, register: bool) -> Self {
        self.register_task_def = register;
        self
    }
}

/// Finds a property's variable for one worker.
struct Resolver<'a> {
    env: &'a EnvLookup,
    name: &'a str,
}

impl Resolver<'_> {
    /// `options` with every property the environment sets for this worker replaced; a blank
    /// value counts as unset, except for the domain, where it clears the worker's own.
    fn apply(&self, mut options: WorkerOptions) -> Result<WorkerOptions> {
        if let Some(millis) = self.parsed(&POLL_INTERVAL, parse_u64)? {
            options = options.with_poll_interval_millis(millis);
        }
        if let Some(millis) = self.parsed(&POLL_TIMEOUT, parse_u64)? {
            options = options.with_poll_timeout_millis(millis);
        }
        if let Some(count) = self.parsed(&THREAD_COUNT, parse_usize)? {
            options = options.with_thread_count(count);
        }
        match self.raw(&DOMAIN) {
            Some((_, value)) if value.trim().is_empty() => options = options.without_domain(),
            Some((_, value)) => options = options.with_domain(value.trim()),
            None => {}
        }
        if let Some((_, value)) = self.raw(&WORKER_ID)
            && !value.trim().is_empty()
        {
            options = options.with_identity(value.trim());
        }
        if let Some(paused) = self.parsed(&PAUSED, parse_bool)? {
            options = options.with_paused(paused);
        }
        if let Some(register) = self.parsed(&REGISTER_TASK_DEF, parse_bool)? {
            options = options.with_register_task_def(register);
        }
        if let Some(enabled) = self.parsed(&LEASE_EXTEND_ENABLED, parse_bool)? {
            options = options.with_lease_extend_enabled(enabled);
        }
        match self.parsed(&ADAPTIVE_CONCURRENCY, parse_adaptive)? {
            Some(AdaptiveSetting::OnOff(adaptive)) => {
                options = options.with_adaptive_concurrency(adaptive);
            }
            // The same algorithm as the code's keeps the code's settings.
            Some(AdaptiveSetting::Limiter(limiter))
                if options.concurrency_limiter().map(|l| l.name()) != Some(limiter.name()) =>
            {
                options = options.with_concurrency_limiter(limiter);
            }
            Some(AdaptiveSetting::Limiter(_)) => {}
            None => {}
        }
        self.apply_rate_limit(options)
    }

    /// The rate limit's overrides: `RATE_LIMIT` sets the rate (keeping the code's burst; `0`
    /// removes the limit), `RATE_LIMIT_BURST` the burst of whatever limit there is (without a
    /// limit it has no effect).
    fn apply_rate_limit(&self, mut options: WorkerOptions) -> Result<WorkerOptions> {
        if let Some(per_second) = self.parsed(&RATE_LIMIT, parse_rate)? {
            let burst = options.rate_limit().map_or(1, |limit| limit.burst());
            options = if per_second == 0.0 {
                options.without_rate_limit()
            } else {
                options.with_rate_limit(per_second, burst)
            };
        }
        if let Some(burst) = self.parsed(&RATE_LIMIT_BURST, parse_burst)?
            && let Some(limit) = options.rate_limit()
        {
            options = options.with_rate_limit(limit.per_second(), burst);
        }
        Ok(options)
    }

    /// The first variable set for `property` and its value.
    fn raw(&self, property: &Property) -> Option<(String, String)> {
        let upper_name = upper_case_name(self.name);
        let worker_keys = property
            .upper
            .iter()
            .map(|prop| format!("CONDUCTOR_WORKER_{upper_name}_{prop}"))
            .chain(
                property
                    .dotted
                    .iter()
                    .map(|prop| format!("conductor.worker.{}.{prop}", self.name)),
            );
        let global_keys = property
            .upper
            .iter()
            .map(|prop| format!("CONDUCTOR_WORKER_ALL_{prop}"))
            .chain(
                property
                    .dotted
                    .iter()
                    .map(|prop| format!("conductor.worker.all.{prop}")),
            );
        worker_keys
            .chain(global_keys)
            .find_map(|key| self.env.get(&key).map(|value| (key, value)))
    }

    /// The parsed value of `property`; a blank value counts as unset.
    fn parsed<T>(
        &self,
        property: &Property,
        parse: fn(&str) -> std::result::Result<T, &'static str>,
    ) -> Result<Option<T>> {
        match self.raw(property) {
            Some((_, value)) if value.trim().is_empty() => Ok(None),
            Some((key, value)) => parse(value.trim()).map(Some).map_err(|expected| {
                ConductorError::config(format!("{key}={value:?}: expected {expected}"))
            }),
            None => Ok(None),
        }
    }
}

/// The task name as it appears in upper-case variable names.
fn upper_case_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn parse_u64(value: &str) -> std::result::Result<u64, &'static str> {
    value.parse().map_err(|_| "a whole number of milliseconds")
}

fn parse_usize(value: &str) -> std::result::Result<usize, &'static str> {
    value.parse().map_err(|_| "a positive whole number")
}

fn parse_rate(value: &str) -> std::result::Result<f64, &'static str> {
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err("a number of tasks per second (0 for no limit)"),
    }
}

fn parse_burst(value: &str) -> std::result::Result<u32, &'static str> {
    match value.parse::<u32>() {
        Ok(burst) if burst >= 1 => Ok(burst),
        _ => Err("a whole number of tasks, at least 1"),
    }
}

/// What `ADAPTIVE_CONCURRENCY` says: on or off, or which algorithm.
enum AdaptiveSetting {
    OnOff(bool),
    Limiter(ConcurrencyLimiter),
}

fn parse_adaptive(value: &str) -> std::result::Result<AdaptiveSetting, &'static str> {
    if let Some(limiter) = ConcurrencyLimiter::from_name(value) {
        return Ok(AdaptiveSetting::Limiter(limiter));
    }
    parse_bool(value)
        .map(AdaptiveSetting::OnOff)
        .map_err(|_| "true, false, aimd or gradient2")
}

fn parse_bool(value: &str) -> std::result::Result<bool, &'static str> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("true or false"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use conductor_models::Task;

    use super::*;
    use crate::{FnWorker, WorkerOutput};

    fn worker(name: &str) -> FnWorker {
        FnWorker::new(name, |_task: Task| async {
            Ok(WorkerOutput::completed_with_result(1))
        })
        .with_thread_count(2)
        .with_poll_interval_millis(300)
        .with_domain("code")
        .with_identity("code-id")
    }

    fn env(vars: &[(&str, &str)]) -> EnvLookup {
        EnvLookup::from_map(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<HashMap<_, _>>(),
        )
    }

    fn resolve(name: &str, vars: &[(&str, &str)]) -> Result<WorkerConfig> {
        WorkerConfig::resolve_with(&worker(name), &env(vars))
    }

    #[test]
    fn code_values_apply_without_environment() {
        let config = resolve("greet", &[]).unwrap();
        assert_eq!(config.task_type(), "greet");
        assert_eq!(config.thread_count(), 2);
        assert_eq!(config.poll_interval(), Duration::from_millis(300));
        assert_eq!(config.poll_timeout(), Duration::from_millis(100));
        assert_eq!(config.domain(), Some("code"));
        assert_eq!(config.worker_id(), "code-id");
        assert!(!config.paused() && !config.register_task_def() && !config.lease_extend_enabled());
    }

    #[test]
    fn worker_specific_beats_global_beats_code() {
        let vars = [
            ("CONDUCTOR_WORKER_ALL_THREAD_COUNT", "4"),
            ("CONDUCTOR_WORKER_GREET_THREAD_COUNT", "8"),
            ("CONDUCTOR_WORKER_ALL_POLL_INTERVAL", "50"),
        ];
        let config = resolve("greet", &vars).unwrap();
        assert_eq!(config.thread_count(), 8);
        assert_eq!(config.poll_interval(), Duration::from_millis(50));
        // Another worker only sees the global value.
        assert_eq!(resolve("other", &vars).unwrap().thread_count(), 4);
    }

    #[test]
    fn dotted_worker_form_beats_dotted_global_form() {
        // The seed SDK checked the dotted global form first; the worker-specific one must win.
        let vars = [
            ("conductor.worker.all.domain", "all-domain"),
            ("conductor.worker.greet.domain", "greet-domain"),
        ];
        assert_eq!(
            resolve("greet", &vars).unwrap().domain(),
            Some("greet-domain")
        );
        // ...and any worker-specific form beats any global one.
        let vars = [
            ("CONDUCTOR_WORKER_ALL_DOMAIN", "all-domain"),
            ("conductor.worker.greet.domain", "greet-domain"),
        ];
        assert_eq!(
            resolve("greet", &vars).unwrap().domain(),
            Some("greet-domain")
        );
    }

    #[test]
    fn other_sdks_spellings_are_accepted() {
        let cases: &[(&str, &str)] = &[
            (
                "CONDUCTOR_WORKER_GREET_POLL_INTERVAL_MILLIS",
                "poll_interval",
            ),
            ("CONDUCTOR_WORKER_GREET_POLLING_INTERVAL", "poll_interval"),
            ("conductor.worker.greet.polling_interval", "poll_interval"),
            ("conductor.worker.greet.pollingInterval", "poll_interval"),
            ("conductor.worker.all.poll_interval", "poll_interval"),
            ("CONDUCTOR_WORKER_GREET_CONCURRENCY", "thread_count"),
            ("conductor.worker.greet.threadCount", "thread_count"),
            ("CONDUCTOR_WORKER_ALL_CONCURRENCY", "thread_count"),
        ];
        for (key, property) in cases {
            let config = resolve("greet", &[(key, "7")]).unwrap();
            let value = match *property {
                "poll_interval" => config.poll_interval().as_millis() as usize,
                _ => config.thread_count(),
            };
            assert_eq!(value, 7, "{key}");
        }
    }

    #[test]
    fn names_with_punctuation_are_addressable() {
        for name in ["send-email", "send.email", "send:email", "Send-Email"] {
            let config =
                resolve(name, &[("CONDUCTOR_WORKER_SEND_EMAIL_THREAD_COUNT", "5")]).unwrap();
            assert_eq!(config.thread_count(), 5, "{name}");
        }
        let config = resolve(
            "send.email:v2",
            &[("conductor.worker.send.email:v2.paused", "yes")],
        )
        .unwrap();
        assert!(config.paused());
    }

    #[test]
    fn every_property_can_be_overridden() {
        let config = resolve(
            "greet",
            &[
                ("CONDUCTOR_WORKER_GREET_DOMAIN", "blue"),
                ("CONDUCTOR_WORKER_GREET_PAUSED", "TRUE"),
                ("CONDUCTOR_WORKER_GREET_POLL_TIMEOUT", "2500"),
                ("CONDUCTOR_WORKER_GREET_REGISTER_TASK_DEF", "on"),
                ("CONDUCTOR_WORKER_GREET_LEASE_EXTEND_ENABLED", "1"),
                ("CONDUCTOR_WORKER_GREET_WORKER_ID", "pod-7"),
            ],
        )
        .unwrap();
        assert_eq!(config.domain(), Some("blue"));
        assert!(config.paused() && config.register_task_def() && config.lease_extend_enabled());
        assert_eq!(config.poll_timeout(), Duration::from_millis(2500));
        assert_eq!(config.worker_id(), "pod-7");
    }

    #[test]
    fn an_empty_domain_means_no_domain_and_blank_numbers_are_unset() {
        let config = resolve(
            "greet",
            &[
                ("CONDUCTOR_WORKER_GREET_DOMAIN", ""),
                ("CONDUCTOR_WORKER_GREET_THREAD_COUNT", " "),
            ],
        )
        .unwrap();
        assert_eq!(config.domain(), None);
        assert_eq!(config.thread_count(), 2);
    }

    #[test]
    fn bad_values_are_typed_errors_naming_the_variable() {
        let cases = [
            (
                "CONDUCTOR_WORKER_GREET_THREAD_COUNT",
                "many",
                "CONDUCTOR_WORKER_GREET_THREAD_COUNT",
            ),
            ("CONDUCTOR_WORKER_GREET_THREAD_COUNT", "0", "at least 1"),
            (
                "CONDUCTOR_WORKER_ALL_POLL_INTERVAL",
                "-5",
                "CONDUCTOR_WORKER_ALL_POLL_INTERVAL",
            ),
            ("CONDUCTOR_WORKER_GREET_PAUSED", "maybe", "true or false"),
            ("CONDUCTOR_WORKER_GREET_POLL_TIMEOUT", "6000", "5000"),
        ];
        for (key, value, needle) in cases {
            let err = resolve("greet", &[(key, value)]).unwrap_err();
            assert!(matches!(err, ConductorError::Config(_)), "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn rate_limit_and_adaptive_concurrency_come_from_code_and_environment() {
        let config = resolve("greet", &[]).unwrap();
        assert_eq!(config.rate_limit(), None);
        assert!(!config.adaptive_concurrency());
        // Every spelling of the rate, with the default burst of 1.
        for key in [
            "CONDUCTOR_WORKER_GREET_RATE_LIMIT",
            "CONDUCTOR_WORKER_GREET_RATE_LIMIT_PER_SECOND",
            "conductor.worker.greet.rate_limit",
            "conductor.worker.greet.rateLimit",
            "conductor.worker.greet.rateLimitPerSecond",
            "conductor.worker.all.rate_limit_per_second",
            "CONDUCTOR_WORKER_ALL_RATE_LIMIT",
        ] {
            let config = resolve("greet", &[(key, "2.5")]).unwrap();
            assert_eq!(config.rate_limit(), Some(RateLimit::new(2.5, 1)), "{key}");
        }
        for key in [
            "CONDUCTOR_WORKER_GREET_RATE_LIMIT_BURST",
            "conductor.worker.greet.rateLimitBurst",
            "conductor.worker.all.rate_limit_burst",
        ] {
            let config = resolve(
                "greet",
                &[("CONDUCTOR_WORKER_GREET_RATE_LIMIT", "10"), (key, "7")],
            )
            .unwrap();
            assert_eq!(config.rate_limit(), Some(RateLimit::new(10.0, 7)), "{key}");
        }
        for key in [
            "CONDUCTOR_WORKER_GREET_ADAPTIVE_CONCURRENCY",
            "conductor.worker.greet.adaptiveConcurrency",
            "conductor.worker.all.adaptive_concurrency",
        ] {
            assert!(
                resolve("greet", &[(key, "on")])
                    .unwrap()
                    .adaptive_concurrency(),
                "{key}"
            );
        }
    }

    #[test]
    fn the_environment_chooses_the_adaptive_concurrency_algorithm() {
        let resolve_with = |worker: &FnWorker, vars: &[(&str, &str)]| {
            WorkerConfig::resolve_with(worker, &env(vars))
                .unwrap()
                .concurrency_limiter()
        };
        let plain = worker("greet");
        let key = "CONDUCTOR_WORKER_GREET_ADAPTIVE_CONCURRENCY";
        assert_eq!(resolve_with(&plain, &[]), None);
        assert_eq!(
            resolve_with(&plain, &[(key, "true")]),
            Some(ConcurrencyLimiter::AIMD)
        );
        assert_eq!(
            resolve_with(&plain, &[(key, "Gradient2")]),
            Some(ConcurrencyLimiter::GRADIENT2)
        );
        assert_eq!(
            resolve_with(&plain, &[(key, "aimd")]),
            Some(ConcurrencyLimiter::AIMD)
        );

        // Code chose Gradient2 with its own settings: `true` and `gradient2` keep them, `aimd`
        // switches, `false` turns it off.
        let tuned = crate::Gradient2Settings {
            tolerance: 3.0,
            ..crate::Gradient2Settings::DEFAULT
        };
        let coded = worker("greet").with_concurrency_limiter(ConcurrencyLimiter::Gradient2(tuned));
        let kept = Some(ConcurrencyLimiter::Gradient2(tuned));
        assert_eq!(resolve_with(&coded, &[]), kept);
        assert_eq!(resolve_with(&coded, &[(key, "on")]), kept);
        assert_eq!(resolve_with(&coded, &[(key, "gradient2")]), kept);
        assert_eq!(
            resolve_with(&coded, &[(key, "aimd")]),
            Some(ConcurrencyLimiter::AIMD)
        );
        assert_eq!(resolve_with(&coded, &[(key, "off")]), None);

        let err = WorkerConfig::resolve_with(&plain, &env(&[(key, "vegas")])).unwrap_err();
        assert!(
            err.to_string().contains("true, false, aimd or gradient2"),
            "{err}"
        );
        let invalid = worker("greet").with_concurrency_limiter(ConcurrencyLimiter::Gradient2(
            crate::Gradient2Settings {
                smoothing: 2.0,
                ..crate::Gradient2Settings::DEFAULT
            },
        ));
        let err = WorkerConfig::resolve_with(&invalid, &env(&[])).unwrap_err();
        assert!(
            err.to_string()
                .contains("worker greet: Gradient2 smoothing"),
            "{err}"
        );
    }

    #[test]
    fn the_environment_changes_or_removes_a_rate_limit_set_in_code() {
        let limited = worker("greet").with_rate_limit(5.0, 3);
        let resolve_limited =
            |vars: &[(&str, &str)]| WorkerConfig::resolve_with(&limited, &env(vars)).unwrap();
        assert_eq!(
            resolve_limited(&[]).rate_limit(),
            Some(RateLimit::new(5.0, 3))
        );
        // A new rate keeps the code's burst; a new burst keeps the code's rate.
        assert_eq!(
            resolve_limited(&[("CONDUCTOR_WORKER_GREET_RATE_LIMIT", "20")]).rate_limit(),
            Some(RateLimit::new(20.0, 3))
        );
        assert_eq!(
            resolve_limited(&[("CONDUCTOR_WORKER_ALL_RATE_LIMIT_BURST", "9")]).rate_limit(),
            Some(RateLimit::new(5.0, 9))
        );
        // 0 removes it; a burst alone, without any rate, sets none.
        assert_eq!(
            resolve_limited(&[("CONDUCTOR_WORKER_GREET_RATE_LIMIT", "0")]).rate_limit(),
            None
        );
        let config = resolve("greet", &[("CONDUCTOR_WORKER_ALL_RATE_LIMIT_BURST", "9")]).unwrap();
        assert_eq!(config.rate_limit(), None);
    }

    #[test]
    fn bad_rate_limits_are_rejected() {
        for (key, value, needle) in [
            (
                "CONDUCTOR_WORKER_GREET_RATE_LIMIT",
                "-1",
                "tasks per second",
            ),
            (
                "CONDUCTOR_WORKER_GREET_RATE_LIMIT",
                "fast",
                "CONDUCTOR_WORKER_GREET_RATE_LIMIT",
            ),
            (
                "CONDUCTOR_WORKER_GREET_RATE_LIMIT",
                "inf",
                "tasks per second",
            ),
            ("CONDUCTOR_WORKER_GREET_RATE_LIMIT_BURST", "0", "at least 1"),
        ] {
            let vars = [("CONDUCTOR_WORKER_ALL_RATE_LIMIT", "1"), (key, value)];
            let err = resolve("greet", &vars).unwrap_err();
            assert!(err.to_string().contains(needle), "{key}={value}: {err}");
        }
        for rate in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            let coded = worker("greet").with_rate_limit(rate, 1);
            let err = WorkerConfig::resolve_with(&coded, &env(&[])).unwrap_err();
            assert!(err.to_string().contains("positive number"), "{rate}: {err}");
        }
    }
}
