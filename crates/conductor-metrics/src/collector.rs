//! [`MetricsCollector`]: turns runner events into Prometheus metrics.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use conductor_events::{
    ActiveWorkersChanged, ConcurrencyLimitChanged, PANIC_ERROR_TYPE, PollCompleted, PollFailure,
    PollStarted, RateLimitWaited, TaskExecutionCancelled, TaskExecutionCompleted,
    TaskExecutionFailure, TaskExecutionQueueFull, TaskExecutionStarted, TaskPaused,
    TaskRunnerEventsListener, TaskUpdateAttemptFailure, TaskUpdateCompleted, TaskUpdateFailure,
};
use conductor_http::{ClientObserver, ConductorError};
use prometheus::{
    CounterVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use tracing::warn;

use crate::error::MetricsError;
use crate::names::{
    self, LATENCY_BUCKETS, Labels, MetricName, MetricNaming, SIZE_BUCKETS, STATUS_FAILURE,
    STATUS_SUCCESS,
};
use crate::settings::MetricsSettings;

/// Records the worker runtime's events as Prometheus metrics.
///
/// It is a [`TaskRunnerEventsListener`]: register it with an
/// [`EventDispatcher`](conductor_events::EventDispatcher) (the worker's `TaskHandler` does this
/// when given [`MetricsSettings`]). Metrics live in the collector's own [`Registry`], so several
/// collectors never clash. Cheap to clone; clones share the metrics.
///
/// | metric (standard naming, namespace `conductor`) | type | labels |
/// |---|---|---|
/// | `conductor_task_poll_total` | counter | `task_type` |
/// | `conductor_task_poll_error_total` | counter | `task_type`, `error_type` |
/// | `conductor_task_execution_started_total` | counter | `task_type` |
/// | `conductor_task_execute_error_total` | counter | `task_type`, `error_type` |
/// | `conductor_task_update_error_total` (failed attempts) | counter | `task_type` |
/// | `conductor_task_result_lost_total` (results given up) | counter | `task_type` |
/// | `conductor_task_paused_total` | counter | `task_type` |
/// | `conductor_task_execution_cancelled_total` | counter | `task_type` |
/// | `conductor_task_execution_queue_full_total` | counter | `task_type` |
/// | `conductor_task_panic_total` | counter | `task_type` |
/// | `conductor_task_poll_time_seconds` | histogram | `task_type`, `status` |
/// | `conductor_task_execute_time_seconds` | histogram | `task_type`, `status` |
/// | `conductor_task_update_time_seconds` | histogram | `task_type`, `status` |
/// | `conductor_task_result_size_bytes` | gauge | `task_type` |
/// | `conductor_active_workers` | gauge | `task_type` |
/// | `conductor_task_concurrency_limit` | gauge | `task_type` |
/// | `conductor_task_rate_limit_wait_total` | counter | `task_type` |
/// | `conductor_task_rate_limit_wait_seconds_total` | counter | `task_type` |
/// | `conductor_http_api_client_request_seconds` | histogram | `method`, `uri`, `status` |
/// | `conductor_workflow_start_error_total` | counter | `workflow_type`, `error_type` |
/// | `conductor_workflow_input_size_bytes` | histogram | `workflow_type`, `version` |
/// | `conductor_external_payload_used_total` | counter | `entity_name`, `operation`, `payload_type` |
///
/// `task_concurrency_limit` is the worker's limit on executions in flight (its thread count, or
/// the current adaptive limit: compare it with `active_workers`); the rate of
/// `task_rate_limit_wait_seconds_total` is the fraction of time the worker's rate limit held its
/// poller back.
///
/// The last four come from the client side: the collector is also a
/// [`ClientObserver`]; set it on the client's configuration
/// (`Configuration::with_observer(Arc::new(collector.clone()))`) to record them. `uri` is the
/// route template (`/tasks/{taskId}`), `status` the HTTP code or `0` when no response arrived.
///
/// `status` is `SUCCESS` or `FAILURE`. With [`MetricNaming::Canonical`] the names lose the
/// prefix, labels are `taskType` / `exception` / `workflowType` / `entityName` / `payloadType`, `task_update_error_total` also carries
/// `exception`, the result size is a histogram and panics count in
/// `thread_uncaught_exceptions_total{exception="Panic"}`, as in the other Conductor SDKs.
///
/// ```
/// use conductor_events::{PollStarted, TaskRunnerEventsListener};
/// use conductor_metrics::{MetricsCollector, MetricsSettings};
///
/// let collector = MetricsCollector::new(&MetricsSettings::default())?;
/// collector.on_poll_started(&PollStarted {
///     task_type: "greet".into(),
///     worker_id: "w1".into(),
///     poll_count: 1,
/// });
/// assert!(collector.gather().contains(r#"conductor_task_poll_total{task_type="greet"} 1"#));
/// # Ok::<(), conductor_metrics::MetricsError>(())
/// ```
#[derive(Clone)]
pub struct MetricsCollector {
    inner: Arc<Metrics>,
}

struct Metrics {
    registry: Registry,
    naming: MetricNaming,
    polls: IntCounterVec,
    poll_errors: IntCounterVec,
    executions_started: IntCounterVec,
    execute_errors: IntCounterVec,
    update_errors: IntCounterVec,
    results_lost: IntCounterVec,
    paused: IntCounterVec,
    cancelled: IntCounterVec,
    queue_full: IntCounterVec,
    panics: IntCounterVec,
    poll_time: HistogramVec,
    execute_time: HistogramVec,
    update_time: HistogramVec,
    result_size: ResultSize,
    active_workers: IntGaugeVec,
    concurrency_limit: IntGaugeVec,
    rate_limit_waits: IntCounterVec,
    rate_limit_wait_seconds: CounterVec,
    http_requests: HistogramVec,
    workflow_start_errors: IntCounterVec,
    workflow_input_size: HistogramVec,
    external_payloads: IntCounterVec,
}

/// The result size is a gauge in the standard naming and a histogram in the canonical one.
enum ResultSize {
    Gauge(IntGaugeVec),
    Histogram(HistogramVec),
}

impl MetricsCollector {
    /// A collector with the names and labels chosen in `settings`, in a fresh registry.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidSettings`] when the settings do not
    /// [validate](MetricsSettings::validate); [`MetricsError::Registry`] if a metric cannot be
    /// built (not expected with valid settings).
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsError, MetricsSettings};
    ///
    /// let collector = MetricsCollector::new(&MetricsSettings::default())?;
    /// # let _ = collector;
    /// let invalid = MetricsSettings::default().with_namespace("1-bad");
    /// assert!(matches!(MetricsCollector::new(&invalid), Err(MetricsError::InvalidSettings(_))));
    /// # Ok::<(), MetricsError>(())
    /// ```
    pub fn new(settings: &MetricsSettings) -> Result<Self, MetricsError> {
        settings.validate()?;
        let naming = settings.naming();
        let namespace = match naming {
            MetricNaming::Standard => settings.namespace(),
            MetricNaming::Canonical => "",
        };
        let builder = Builder {
            registry: Registry::new(),
            namespace,
            labels: naming.labels(),
        };
        let l = builder.labels;
        let update_error_labels: &[&str] = match naming {
            MetricNaming::Standard => &[l.task_type],
            MetricNaming::Canonical => &[l.task_type, l.error],
        };
        let (panics, panic_labels) = match naming {
            MetricNaming::Standard => (names::PANIC, [l.task_type]),
            MetricNaming::Canonical => (names::UNCAUGHT, [l.error]),
        };
        let result_size = match naming {
            MetricNaming::Standard => {
                ResultSize::Gauge(builder.gauge(names::RESULT_SIZE, &[l.task_type])?)
            }
            MetricNaming::Canonical => ResultSize::Histogram(builder.histogram(
                names::RESULT_SIZE,
                &[l.task_type],
                SIZE_BUCKETS,
            )?),
        };
        let metrics = Metrics {
            naming,
            polls: builder.counter(names::POLL, &[l.task_type])?,
            poll_errors: builder.counter(names::POLL_ERROR, &[l.task_type, l.error])?,
            executions_started: builder.counter(names::EXECUTION_STARTED, &[l.task_type])?,
            execute_errors: builder.counter(names::EXECUTE_ERROR, &[l.task_type, l.error])?,
            update_errors: builder.counter(names::UPDATE_ERROR, update_error_labels)?,
            results_lost: builder.counter(names::RESULT_LOST, &[l.task_type])?,
            paused: builder.counter(names::PAUSED, &[l.task_type])?,
            cancelled: builder.counter(names::EXECUTION_CANCELLED, &[l.task_type])?,
            queue_full: builder.counter(names::QUEUE_FULL, &[l.task_type])?,
            panics: builder.counter(panics, &panic_labels)?,
            poll_time: builder.histogram(
                names::POLL_TIME,
                &[l.task_type, l.status],
                LATENCY_BUCKETS,
            )?,
            execute_time: builder.histogram(
                names::EXECUTE_TIME,
                &[l.task_type, l.status],
                LATENCY_BUCKETS,
            )?,
            update_time: builder.histogram(
                names::UPDATE_TIME,
                &[l.task_type, l.status],
                LATENCY_BUCKETS,
            )?,
            result_size,
            active_workers: builder.gauge(names::ACTIVE, &[l.task_type])?,
            concurrency_limit: builder.gauge(names::CONCURRENCY_LIMIT, &[l.task_type])?,
            rate_limit_waits: builder.counter(names::RATE_LIMIT_WAIT, &[l.task_type])?,
            rate_limit_wait_seconds: builder
                .seconds_counter(names::RATE_LIMIT_WAIT_SECONDS, &[l.task_type])?,
            http_requests: builder.histogram(
                names::HTTP_REQUEST,
                &["method", "uri", l.status],
                LATENCY_BUCKETS,
            )?,
            workflow_start_errors: builder
                .counter(names::WORKFLOW_START_ERROR, &[l.workflow_type, l.error])?,
            workflow_input_size: builder.histogram(
                names::WORKFLOW_INPUT_SIZE,
                &[l.workflow_type, "version"],
                SIZE_BUCKETS,
            )?,
            external_payloads: builder.counter(
                names::EXTERNAL_PAYLOAD,
                &[l.entity, "operation", l.payload_type],
            )?,
            registry: builder.registry,
        };
        Ok(Self {
            inner: Arc::new(metrics),
        })
    }

    /// Every metric in the Prometheus text exposition format (what `/metrics` serves).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_events::{PollCompleted, TaskRunnerEventsListener};
    /// use conductor_metrics::{MetricsCollector, MetricsSettings};
    ///
    /// let collector = MetricsCollector::new(&MetricsSettings::default())?;
    /// collector.on_poll_completed(&PollCompleted {
    ///     task_type: "greet".into(),
    ///     worker_id: "w1".into(),
    ///     duration: Duration::from_millis(20),
    ///     tasks_received: 1,
    /// });
    /// let text = collector.gather();
    /// assert!(text.contains("# TYPE conductor_task_poll_time_seconds histogram"));
    /// assert!(text.contains(r#"conductor_task_poll_time_seconds_count{status="SUCCESS",task_type="greet"} 1"#));
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn gather(&self) -> String {
        let families = self.inner.registry.gather();
        let mut text = String::new();
        if let Err(err) = TextEncoder::new().encode_utf8(&families, &mut text) {
            warn!(error = %err, "could not encode metrics");
        }
        text
    }

    /// The content type of [`gather`](Self::gather)'s output.
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsSettings};
    ///
    /// let collector = MetricsCollector::new(&MetricsSettings::default())?;
    /// assert!(collector.content_type().starts_with("text/plain"));
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn content_type(&self) -> &'static str {
        prometheus::TEXT_FORMAT
    }

    /// The registry holding the metrics; register your own collectors in it to serve them on the
    /// same endpoint.
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsSettings};
    /// use prometheus::IntCounter;
    ///
    /// let collector = MetricsCollector::new(&MetricsSettings::default())?;
    /// // An application metric, served on the same endpoint.
    /// let orders = IntCounter::new("orders_processed_total", "Orders processed").unwrap();
    /// collector.registry().register(Box::new(orders.clone())).unwrap();
    /// orders.inc();
    /// assert!(collector.gather().contains("orders_processed_total 1"));
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The naming scheme in use.
    ///
    /// ```
    /// use conductor_metrics::{MetricNaming, MetricsCollector, MetricsSettings};
    ///
    /// let collector = MetricsCollector::new(&MetricsSettings::default().with_naming(MetricNaming::Canonical))?;
    /// assert_eq!(collector.naming(), MetricNaming::Canonical);
    /// # Ok::<(), conductor_metrics::MetricsError>(())
    /// ```
    #[must_use]
    pub fn naming(&self) -> MetricNaming {
        self.inner.naming
    }
}

impl fmt::Debug for MetricsCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsCollector")
            .field("naming", &self.inner.naming)
            .finish_non_exhaustive()
    }
}

struct Builder<'a> {
    registry: Registry,
    namespace: &'a str,
    labels: Labels,
}

impl Builder<'_> {
    fn full_name(&self, metric: MetricName) -> String {
        if self.namespace.is_empty() {
            metric.name.to_owned()
        } else {
            format!("{}_{}", self.namespace, metric.name)
        }
    }

    fn register<C: prometheus::core::Collector + Clone + 'static>(
        &self,
        metric: MetricName,
        built: prometheus::Result<C>,
    ) -> Result<C, MetricsError> {
        let registry_error = |err: prometheus::Error| MetricsError::Registry {
            name: self.full_name(metric),
            message: err.to_string(),
        };
        let collector = built.map_err(registry_error)?;
        self.registry
            .register(Box::new(collector.clone()))
            .map_err(registry_error)?;
        Ok(collector)
    }

    fn counter(&self, metric: MetricName, labels: &[&str]) -> Result<IntCounterVec, MetricsError> {
        let opts = Opts::new(self.full_name(metric), metric.help);
        self.register(metric, IntCounterVec::new(opts, labels))
    }

    /// A counter of seconds (a float: waits add fractions of a second).
    fn seconds_counter(
        &self,
        metric: MetricName,
        labels: &[&str],
    ) -> Result<CounterVec, MetricsError> {
        let opts = Opts::new(self.full_name(metric), metric.help);
        self.register(metric, CounterVec::new(opts, labels))
    }

    fn gauge(&self, metric: MetricName, labels: &[&str]) -> Result<IntGaugeVec, MetricsError> {
        let opts = Opts::new(self.full_name(metric), metric.help);
        self.register(metric, IntGaugeVec::new(opts, labels))
    }

    fn histogram(
        &self,
        metric: MetricName,
        labels: &[&str],
        buckets: &[f64],
    ) -> Result<HistogramVec, MetricsError> {
        let opts =
            HistogramOpts::new(self.full_name(metric), metric.help).buckets(buckets.to_vec());
        self.register(metric, HistogramVec::new(opts, labels))
    }
}

impl TaskRunnerEventsListener for MetricsCollector {
    fn on_poll_started(&self, event: &PollStarted) {
        self.inner
            .polls
            .with_label_values(&[&event.task_type])
            .inc();
    }

    fn on_poll_completed(&self, event: &PollCompleted) {
        self.inner
            .poll_time
            .with_label_values(&[event.task_type.as_str(), STATUS_SUCCESS])
            .observe(event.duration.as_secs_f64());
    }

    fn on_poll_failure(&self, event: &PollFailure) {
        let m = &self.inner;
        m.poll_errors
            .with_label_values(&[&event.task_type, &event.error_type])
            .inc();
        m.poll_time
            .with_label_values(&[event.task_type.as_str(), STATUS_FAILURE])
            .observe(event.duration.as_secs_f64());
    }

    fn on_task_execution_started(&self, event: &TaskExecutionStarted) {
        self.inner
            .executions_started
            .with_label_values(&[&event.task_type])
            .inc();
    }

    fn on_task_execution_completed(&self, event: &TaskExecutionCompleted) {
        let m = &self.inner;
        m.execute_time
            .with_label_values(&[event.task_type.as_str(), STATUS_SUCCESS])
            .observe(event.duration.as_secs_f64());
        let size = event.output_size_bytes;
        match &m.result_size {
            ResultSize::Gauge(gauge) => gauge
                .with_label_values(&[&event.task_type])
                .set(i64::try_from(size).unwrap_or(i64::MAX)),
            ResultSize::Histogram(histogram) => histogram
                .with_label_values(&[&event.task_type])
                .observe(size as f64),
        }
    }

    fn on_task_execution_failure(&self, event: &TaskExecutionFailure) {
        let m = &self.inner;
        m.execute_errors
            .with_label_values(&[&event.task_type, &event.error_type])
            .inc();
        m.execute_time
            .with_label_values(&[event.task_type.as_str(), STATUS_FAILURE])
            .observe(event.duration.as_secs_f64());
        if event.error_type == PANIC_ERROR_TYPE {
            let label = match m.naming {
                MetricNaming::Standard => event.task_type.as_str(),
                MetricNaming::Canonical => PANIC_ERROR_TYPE,
            };
            m.panics.with_label_values(&[label]).inc();
        }
    }

    fn on_task_update_completed(&self, event: &TaskUpdateCompleted) {
        self.inner
            .update_time
            .with_label_values(&[event.task_type.as_str(), STATUS_SUCCESS])
            .observe(event.duration.as_secs_f64());
    }

    fn on_task_update_attempt_failure(&self, event: &TaskUpdateAttemptFailure) {
        let m = &self.inner;
        match m.naming {
            MetricNaming::Standard => m.update_errors.with_label_values(&[&event.task_type]).inc(),
            MetricNaming::Canonical => m
                .update_errors
                .with_label_values(&[&event.task_type, &event.error_type])
                .inc(),
        }
    }

    fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
        let m = &self.inner;
        m.results_lost.with_label_values(&[&event.task_type]).inc();
        m.update_time
            .with_label_values(&[event.task_type.as_str(), STATUS_FAILURE])
            .observe(event.duration.as_secs_f64());
    }

    fn on_task_execution_cancelled(&self, event: &TaskExecutionCancelled) {
        self.inner
            .cancelled
            .with_label_values(&[&event.task_type])
            .inc();
    }

    fn on_task_paused(&self, event: &TaskPaused) {
        self.inner
            .paused
            .with_label_values(&[&event.task_type])
            .inc();
    }

    fn on_task_execution_queue_full(&self, event: &TaskExecutionQueueFull) {
        self.inner
            .queue_full
            .with_label_values(&[&event.task_type])
            .inc();
    }

    fn on_active_workers_changed(&self, event: &ActiveWorkersChanged) {
        self.inner
            .active_workers
            .with_label_values(&[&event.task_type])
            .set(i64::try_from(event.count).unwrap_or(i64::MAX));
    }

    fn on_concurrency_limit_changed(&self, event: &ConcurrencyLimitChanged) {
        self.inner
            .concurrency_limit
            .with_label_values(&[&event.task_type])
            .set(i64::try_from(event.limit).unwrap_or(i64::MAX));
    }

    fn on_rate_limit_waited(&self, event: &RateLimitWaited) {
        let m = &self.inner;
        m.rate_limit_waits
            .with_label_values(&[&event.task_type])
            .inc();
        m.rate_limit_wait_seconds
            .with_label_values(&[&event.task_type])
            .inc_by(event.wait.as_secs_f64());
    }
}

/// The client-side metrics: `http_api_client_request_seconds`, `workflow_start_error_total`,
/// `workflow_input_size_bytes`, `external_payload_used_total`.
impl ClientObserver for MetricsCollector {
    fn on_request(&self, method: &str, route: &str, status: Option<u16>, duration: Duration) {
        let status = status.unwrap_or(0).to_string();
        self.inner
            .http_requests
            .with_label_values(&[method, route, status.as_str()])
            .observe(duration.as_secs_f64());
    }

    fn on_workflow_start_error(&self, workflow_type: &str, error: &ConductorError) {
        self.inner
            .workflow_start_errors
            .with_label_values(&[workflow_type, error.kind().as_str()])
            .inc();
    }

    fn on_workflow_input_size(&self, workflow_type: &str, version: Option<i32>, size_bytes: usize) {
        let version = version.map_or_else(|| "latest".to_owned(), |v| v.to_string());
        self.inner
            .workflow_input_size
            .with_label_values(&[workflow_type, version.as_str()])
            .observe(size_bytes as f64);
    }

    fn on_external_payload_used(&self, entity: &str, operation: &str, payload_type: &str) {
        self.inner
            .external_payloads
            .with_label_values(&[entity, operation, payload_type])
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(limit: usize) -> ConcurrencyLimitChanged {
        ConcurrencyLimitChanged {
            task_type: "send_sms".into(),
            worker_id: "w1".into(),
            limit,
        }
    }

    fn waited(millis: u64) -> RateLimitWaited {
        RateLimitWaited {
            task_type: "send_sms".into(),
            worker_id: "w1".into(),
            wait: Duration::from_millis(millis),
        }
    }

    /// Feeds a start at 8, two adaptive changes and three rate-limit waits (1.75 s in all).
    fn feed(collector: &MetricsCollector) -> String {
        for value in [8, 7, 6] {
            collector.on_concurrency_limit_changed(&limit(value));
        }
        for millis in [250, 500, 1_000] {
            collector.on_rate_limit_waited(&waited(millis));
        }
        collector.gather()
    }

    fn assert_lines(text: &str, expected: &[&str]) {
        for line in expected {
            assert!(
                text.lines().any(|l| l == *line),
                "missing line {line:?} in:\n{text}"
            );
        }
    }

    #[test]
    fn limit_changes_and_rate_limit_waits_become_a_gauge_and_two_counters() {
        let collector = MetricsCollector::new(&MetricsSettings::default()).unwrap();
        // Nothing yet: no series (a worker without events shows no made-up limit).
        assert!(!collector.gather().contains("concurrency_limit{"));
        let text = feed(&collector);
        assert_lines(
            &text,
            &[
                "# TYPE conductor_task_concurrency_limit gauge",
                r#"conductor_task_concurrency_limit{task_type="send_sms"} 6"#,
                "# TYPE conductor_task_rate_limit_wait_total counter",
                r#"conductor_task_rate_limit_wait_total{task_type="send_sms"} 3"#,
                "# TYPE conductor_task_rate_limit_wait_seconds_total counter",
                r#"conductor_task_rate_limit_wait_seconds_total{task_type="send_sms"} 1.75"#,
            ],
        );
        // The gauge follows the limit back up.
        collector.on_concurrency_limit_changed(&limit(8));
        assert_lines(
            &collector.gather(),
            &[r#"conductor_task_concurrency_limit{task_type="send_sms"} 8"#],
        );
    }

    #[test]
    fn canonical_naming_drops_the_prefix_and_labels_the_task_type_in_camel_case() {
        let settings = MetricsSettings::default()
            .with_namespace("ignored")
            .with_naming(MetricNaming::Canonical);
        let collector = MetricsCollector::new(&settings).unwrap();
        let text = feed(&collector);
        assert_lines(
            &text,
            &[
                "# TYPE task_concurrency_limit gauge",
                r#"task_concurrency_limit{taskType="send_sms"} 6"#,
                r#"task_rate_limit_wait_total{taskType="send_sms"} 3"#,
                "# TYPE task_rate_limit_wait_seconds_total counter",
                r#"task_rate_limit_wait_seconds_total{taskType="send_sms"} 1.75"#,
            ],
        );
        assert!(!text.contains("ignored_"), "{text}");
    }
}
