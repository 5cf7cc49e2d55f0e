//! Metric names, label names and the two naming schemes ([`MetricNaming`]).

/// Which metric names and labels the [`MetricsCollector`](crate::MetricsCollector) exposes.
///
/// ```
/// use conductor_metrics::{MetricNaming, MetricsSettings};
/// let settings = MetricsSettings::default().with_naming(MetricNaming::Canonical);
/// assert_eq!(settings.naming(), MetricNaming::Canonical);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MetricNaming {
    /// This SDK's names: prefixed with the namespace (`conductor_task_poll_total`), snake_case
    /// labels (`task_type`, `error_type`), the result size as a gauge.
    #[default]
    Standard,
    /// The "canonical" metrics the Java, Go, JavaScript and Python SDKs share
    /// (`WORKER_CANONICAL_METRICS=true`): no namespace prefix (`task_poll_total`), camelCase
    /// labels (`taskType`), the error class in `exception`, the result size as a histogram. Use it
    /// to keep dashboards and alerts built for workers written in those languages.
    Canonical,
}

/// One metric: its name without namespace and its help text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetricName {
    pub(crate) name: &'static str,
    pub(crate) help: &'static str,
}

/// Polls sent (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_POLL_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_POLL_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_poll_total[5m]))");
/// ```
pub const TASK_POLL_TOTAL: &str = "task_poll_total";
/// Polls that failed (counter; labels: task type, error class).
///
/// ```
/// use conductor_metrics::names::TASK_POLL_ERROR_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_POLL_ERROR_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_poll_error_total[5m]))");
/// ```
pub const TASK_POLL_ERROR_TOTAL: &str = "task_poll_error_total";
/// Tasks handed to worker code (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_EXECUTION_STARTED_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_EXECUTION_STARTED_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_execution_started_total[5m]))");
/// ```
pub const TASK_EXECUTION_STARTED_TOTAL: &str = "task_execution_started_total";
/// Executions that failed (counter; labels: task type, error class).
///
/// ```
/// use conductor_metrics::names::TASK_EXECUTE_ERROR_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_EXECUTE_ERROR_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_execute_error_total[5m]))");
/// ```
pub const TASK_EXECUTE_ERROR_TOTAL: &str = "task_execute_error_total";
/// Failed attempts to send a task result, retried or not (counter; label: task type, plus the
/// error class in the canonical naming). A result given up counts in
/// [`TASK_RESULT_LOST_TOTAL`] too.
///
/// ```
/// use conductor_metrics::names::TASK_UPDATE_ERROR_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_UPDATE_ERROR_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_update_error_total[5m]))");
/// ```
pub const TASK_UPDATE_ERROR_TOTAL: &str = "task_update_error_total";
/// Task results given up: never delivered to the server, which still waited for them (counter;
/// label: task type). Each is also a `TaskUpdateFailure` event carrying the result.
///
/// ```
/// use conductor_metrics::names::{TASK_RESULT_LOST_TOTAL, TASK_UPDATE_ERROR_TOTAL};
///
/// // Failed attempts against results lost, standard naming.
/// let attempts = format!("sum(rate(conductor_{TASK_UPDATE_ERROR_TOTAL}[5m]))");
/// let lost = format!("sum(increase(conductor_{TASK_RESULT_LOST_TOTAL}[1h]))");
/// assert_eq!(lost, "sum(increase(conductor_task_result_lost_total[1h]))");
/// # let _ = attempts;
/// ```
pub const TASK_RESULT_LOST_TOTAL: &str = "task_result_lost_total";
/// Polls skipped because the worker is paused (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_PAUSED_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_PAUSED_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_paused_total[5m]))");
/// ```
pub const TASK_PAUSED_TOTAL: &str = "task_paused_total";
/// Executions whose task stopped being the worker's while they ran: cancelled, timed out or
/// retried on the server (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_EXECUTION_CANCELLED_TOTAL;
///
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_EXECUTION_CANCELLED_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_execution_cancelled_total[5m]))");
/// ```
pub const TASK_EXECUTION_CANCELLED_TOTAL: &str = "task_execution_cancelled_total";
/// Times a worker had every slot busy when it wanted to poll (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_EXECUTION_QUEUE_FULL_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_EXECUTION_QUEUE_FULL_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_execution_queue_full_total[5m]))");
/// ```
pub const TASK_EXECUTION_QUEUE_FULL_TOTAL: &str = "task_execution_queue_full_total";
/// Panics in worker code (counter). Standard naming: `task_panic_total{task_type}`.
///
/// ```
/// use conductor_metrics::names::TASK_PANIC_TOTAL;
///
/// // A PromQL query over the standard naming (namespace `conductor`).
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_PANIC_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_panic_total[5m]))");
/// ```
pub const TASK_PANIC_TOTAL: &str = "task_panic_total";
/// Panics in worker code, canonical naming: `thread_uncaught_exceptions_total{exception}`.
///
/// ```
/// use conductor_metrics::names::THREAD_UNCAUGHT_EXCEPTIONS_TOTAL;
///
/// // The canonical naming has no namespace prefix.
/// let query = format!("increase({THREAD_UNCAUGHT_EXCEPTIONS_TOTAL}{{exception=\"Panic\"}}[1h])");
/// assert_eq!(query, r#"increase(thread_uncaught_exceptions_total{exception="Panic"}[1h])"#);
/// ```
pub const THREAD_UNCAUGHT_EXCEPTIONS_TOTAL: &str = "thread_uncaught_exceptions_total";
/// Poll latency (histogram; labels: task type, status `SUCCESS`/`FAILURE`).
///
/// ```
/// use conductor_metrics::names::TASK_POLL_TIME_SECONDS;
///
/// // p99 latency per task type, standard naming.
/// let query = format!("histogram_quantile(0.99, sum by (le, task_type) (rate(conductor_{TASK_POLL_TIME_SECONDS}_bucket[5m])))");
/// assert!(query.contains("conductor_task_poll_time_seconds_bucket"));
/// ```
pub const TASK_POLL_TIME_SECONDS: &str = "task_poll_time_seconds";
/// Execution time of worker code (histogram; labels: task type, status).
///
/// ```
/// use conductor_metrics::names::TASK_EXECUTE_TIME_SECONDS;
///
/// // p99 latency per task type, standard naming.
/// let query = format!("histogram_quantile(0.99, sum by (le, task_type) (rate(conductor_{TASK_EXECUTE_TIME_SECONDS}_bucket[5m])))");
/// assert!(query.contains("conductor_task_execute_time_seconds_bucket"));
/// ```
pub const TASK_EXECUTE_TIME_SECONDS: &str = "task_execute_time_seconds";
/// Time to deliver a result, retries included (histogram; labels: task type, status).
///
/// ```
/// use conductor_metrics::names::TASK_UPDATE_TIME_SECONDS;
///
/// // p99 latency per task type, standard naming.
/// let query = format!("histogram_quantile(0.99, sum by (le, task_type) (rate(conductor_{TASK_UPDATE_TIME_SECONDS}_bucket[5m])))");
/// assert!(query.contains("conductor_task_update_time_seconds_bucket"));
/// ```
pub const TASK_UPDATE_TIME_SECONDS: &str = "task_update_time_seconds";
/// Size of the last result's output in bytes (gauge in the standard naming, histogram in the
/// canonical one; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_RESULT_SIZE_BYTES;
///
/// let query = format!("max by (task_type) (conductor_{TASK_RESULT_SIZE_BYTES})");
/// assert_eq!(query, "max by (task_type) (conductor_task_result_size_bytes)");
/// ```
pub const TASK_RESULT_SIZE_BYTES: &str = "task_result_size_bytes";
/// Tasks being executed right now (gauge; label: task type).
///
/// ```
/// use conductor_metrics::names::ACTIVE_WORKERS;
///
/// let query = format!("max by (task_type) (conductor_{ACTIVE_WORKERS})");
/// assert_eq!(query, "max by (task_type) (conductor_active_workers)");
/// ```
pub const ACTIVE_WORKERS: &str = "active_workers";
/// The limit on a worker's executions in flight (gauge; label: task type): its thread count, or
/// with adaptive concurrency the current adaptive limit, which drops while what the executions
/// call is slow or failing. Compare it with [`ACTIVE_WORKERS`]: a limit far under the thread count
/// is a dependency holding the worker back.
///
/// ```
/// use conductor_metrics::names::{ACTIVE_WORKERS, TASK_CONCURRENCY_LIMIT};
///
/// // The limit against the executions running, standard naming.
/// let limit = format!("max by (task_type) (conductor_{TASK_CONCURRENCY_LIMIT})");
/// let active = format!("sum by (task_type) (conductor_{ACTIVE_WORKERS})");
/// assert_eq!(limit, "max by (task_type) (conductor_task_concurrency_limit)");
/// # let _ = active;
/// ```
pub const TASK_CONCURRENCY_LIMIT: &str = "task_concurrency_limit";
/// Times a worker's poller waited for its rate limit: free slots, but no token to poll with
/// (counter; label: task type).
///
/// ```
/// use conductor_metrics::names::TASK_RATE_LIMIT_WAIT_TOTAL;
///
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_RATE_LIMIT_WAIT_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_rate_limit_wait_total[5m]))");
/// ```
pub const TASK_RATE_LIMIT_WAIT_TOTAL: &str = "task_rate_limit_wait_total";
/// Time a worker's poller spent waiting for its rate limit, in seconds (counter; label: task
/// type). Its rate is the fraction of time the worker was throttled: 0 never, 1 always.
///
/// ```
/// use conductor_metrics::names::TASK_RATE_LIMIT_WAIT_SECONDS_TOTAL;
///
/// // The fraction of the last 5 minutes each task type spent throttled, standard naming.
/// let query = format!("sum by (task_type) (rate(conductor_{TASK_RATE_LIMIT_WAIT_SECONDS_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (task_type) (rate(conductor_task_rate_limit_wait_seconds_total[5m]))");
/// ```
pub const TASK_RATE_LIMIT_WAIT_SECONDS_TOTAL: &str = "task_rate_limit_wait_seconds_total";

/// Latency of each HTTP exchange of the SDK with the server, retries and token requests
/// included (histogram; labels: `method`, `uri` (the route template, such as `/tasks/{taskId}`),
/// `status` (the HTTP code, `0` when no response arrived)). Recorded through the
/// [`ClientObserver`](conductor_http::ClientObserver) implementation of the collector.
///
/// ```
/// use conductor_metrics::names::HTTP_API_CLIENT_REQUEST_SECONDS;
///
/// let query = format!("histogram_quantile(0.95, sum by (le, method, uri) (rate(conductor_{HTTP_API_CLIENT_REQUEST_SECONDS}_bucket[5m])))");
/// assert!(query.contains("conductor_http_api_client_request_seconds_bucket"));
/// ```
pub const HTTP_API_CLIENT_REQUEST_SECONDS: &str = "http_api_client_request_seconds";
/// Workflow starts that failed (counter; labels: workflow type, error class).
///
/// ```
/// use conductor_metrics::names::WORKFLOW_START_ERROR_TOTAL;
///
/// let query = format!("sum by (workflow_type, error_type) (rate(conductor_{WORKFLOW_START_ERROR_TOTAL}[5m]))");
/// assert_eq!(query, "sum by (workflow_type, error_type) (rate(conductor_workflow_start_error_total[5m]))");
/// ```
pub const WORKFLOW_START_ERROR_TOTAL: &str = "workflow_start_error_total";
/// Size of the input of the workflows started, in bytes of JSON (histogram, buckets 100 B to
/// 10 MB; labels: workflow type, version (`latest` when none was given)).
///
/// ```
/// use conductor_metrics::names::WORKFLOW_INPUT_SIZE_BYTES;
///
/// let query = format!("histogram_quantile(0.99, sum by (le, workflow_type) (rate(conductor_{WORKFLOW_INPUT_SIZE_BYTES}_bucket[1h])))");
/// assert!(query.contains("conductor_workflow_input_size_bytes_bucket"));
/// ```
pub const WORKFLOW_INPUT_SIZE_BYTES: &str = "workflow_input_size_bytes";
/// Locations obtained in external payload storage (counter; labels: entity (`task` or
/// `workflow`), operation (`READ`/`WRITE`), payload type (`TASK_INPUT`, `WORKFLOW_OUTPUT`...)).
/// The SDK itself never moves payloads to external storage: this counts the calls of the
/// clients' `get_external_storage_location`.
///
/// ```
/// use conductor_metrics::names::EXTERNAL_PAYLOAD_USED_TOTAL;
///
/// let query = format!("sum by (operation, payload_type) (increase(conductor_{EXTERNAL_PAYLOAD_USED_TOTAL}[1h]))");
/// assert_eq!(query, "sum by (operation, payload_type) (increase(conductor_external_payload_used_total[1h]))");
/// ```
pub const EXTERNAL_PAYLOAD_USED_TOTAL: &str = "external_payload_used_total";

/// Value of the `status` label for a successful poll, execution or update.
///
/// ```
/// use conductor_metrics::names::{STATUS_SUCCESS, TASK_EXECUTE_TIME_SECONDS};
///
/// // Successful executions per second, from the histogram's count.
/// let query = format!(r#"rate(conductor_{TASK_EXECUTE_TIME_SECONDS}_count{{status="{STATUS_SUCCESS}"}}[5m])"#);
/// assert_eq!(query, r#"rate(conductor_task_execute_time_seconds_count{status="SUCCESS"}[5m])"#);
/// ```
pub const STATUS_SUCCESS: &str = "SUCCESS";
/// Value of the `status` label for a failed poll, execution or update.
///
/// ```
/// use conductor_metrics::names::{STATUS_FAILURE, TASK_POLL_TIME_SECONDS};
///
/// let query = format!(r#"rate(conductor_{TASK_POLL_TIME_SECONDS}_count{{status="{STATUS_FAILURE}"}}[5m])"#);
/// assert_eq!(query, r#"rate(conductor_task_poll_time_seconds_count{status="FAILURE"}[5m])"#);
/// ```
pub const STATUS_FAILURE: &str = "FAILURE";

/// Buckets of the latency histograms, in seconds (1 ms to 10 s, as the other SDKs use).
///
/// ```
/// use conductor_metrics::names::LATENCY_BUCKETS;
///
/// assert_eq!(LATENCY_BUCKETS.first(), Some(&0.001)); // 1 ms
/// assert_eq!(LATENCY_BUCKETS.last(), Some(&10.0)); // 10 s
/// assert!(LATENCY_BUCKETS.windows(2).all(|pair| pair[0] < pair[1]));
/// ```
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of the size histograms (the canonical result size, the workflow input size), in
/// bytes (100 B to 10 MB).
///
/// ```
/// use conductor_metrics::names::SIZE_BUCKETS;
///
/// assert_eq!(SIZE_BUCKETS.first(), Some(&100.0)); // 100 B
/// assert_eq!(SIZE_BUCKETS.last(), Some(&10_000_000.0)); // 10 MB
/// assert!(SIZE_BUCKETS.windows(2).all(|pair| pair[0] < pair[1]));
/// ```
pub const SIZE_BUCKETS: &[f64] = &[
    100.0,
    1_000.0,
    10_000.0,
    100_000.0,
    1_000_000.0,
    5_000_000.0,
    10_000_000.0,
];

/// The label names of one naming scheme.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Labels {
    pub(crate) task_type: &'static str,
    pub(crate) error: &'static str,
    pub(crate) status: &'static str,
    pub(crate) workflow_type: &'static str,
    pub(crate) entity: &'static str,
    pub(crate) payload_type: &'static str,
}

impl MetricNaming {
    pub(crate) fn labels(self) -> Labels {
        match self {
            MetricNaming::Standard => Labels {
                task_type: "task_type",
                error: "error_type",
                status: "status",
                workflow_type: "workflow_type",
                entity: "entity_name",
                payload_type: "payload_type",
            },
            MetricNaming::Canonical => Labels {
                task_type: "taskType",
                error: "exception",
                status: "status",
                workflow_type: "workflowType",
                entity: "entityName",
                payload_type: "payloadType",
            },
        }
    }
}

pub(crate) const POLL: MetricName = MetricName {
    name: TASK_POLL_TOTAL,
    help: "Polls sent to the server",
};
pub(crate) const POLL_ERROR: MetricName = MetricName {
    name: TASK_POLL_ERROR_TOTAL,
    help: "Polls that failed",
};
pub(crate) const EXECUTION_STARTED: MetricName = MetricName {
    name: TASK_EXECUTION_STARTED_TOTAL,
    help: "Tasks handed to worker code",
};
pub(crate) const EXECUTE_ERROR: MetricName = MetricName {
    name: TASK_EXECUTE_ERROR_TOTAL,
    help: "Task executions that failed",
};
pub(crate) const UPDATE_ERROR: MetricName = MetricName {
    name: TASK_UPDATE_ERROR_TOTAL,
    help: "Failed attempts to send a task result to the server",
};
pub(crate) const RESULT_LOST: MetricName = MetricName {
    name: TASK_RESULT_LOST_TOTAL,
    help: "Task results given up without reaching the server",
};
pub(crate) const HTTP_REQUEST: MetricName = MetricName {
    name: HTTP_API_CLIENT_REQUEST_SECONDS,
    help: "Latency of the HTTP exchanges with the Conductor server in seconds",
};
pub(crate) const WORKFLOW_START_ERROR: MetricName = MetricName {
    name: WORKFLOW_START_ERROR_TOTAL,
    help: "Workflow starts that failed",
};
pub(crate) const WORKFLOW_INPUT_SIZE: MetricName = MetricName {
    name: WORKFLOW_INPUT_SIZE_BYTES,
    help: "Size of the input of started workflows in bytes",
};
pub(crate) const EXTERNAL_PAYLOAD: MetricName = MetricName {
    name: EXTERNAL_PAYLOAD_USED_TOTAL,
    help: "Locations obtained in external payload storage",
};
pub(crate) const EXECUTION_CANCELLED: MetricName = MetricName {
    name: TASK_EXECUTION_CANCELLED_TOTAL,
    help: "Executions whose task was cancelled, timed out or retried on the server while they ran",
};
pub(crate) const PAUSED: MetricName = MetricName {
    name: TASK_PAUSED_TOTAL,
    help: "Polls skipped because the worker is paused",
};
pub(crate) const QUEUE_FULL: MetricName = MetricName {
    name: TASK_EXECUTION_QUEUE_FULL_TOTAL,
    help: "Times every execution slot of a worker was busy",
};
pub(crate) const PANIC: MetricName = MetricName {
    name: TASK_PANIC_TOTAL,
    help: "Panics in worker code",
};
pub(crate) const UNCAUGHT: MetricName = MetricName {
    name: THREAD_UNCAUGHT_EXCEPTIONS_TOTAL,
    help: "Panics in worker code",
};
pub(crate) const POLL_TIME: MetricName = MetricName {
    name: TASK_POLL_TIME_SECONDS,
    help: "Poll latency in seconds",
};
pub(crate) const EXECUTE_TIME: MetricName = MetricName {
    name: TASK_EXECUTE_TIME_SECONDS,
    help: "Execution time of worker code in seconds",
};
pub(crate) const UPDATE_TIME: MetricName = MetricName {
    name: TASK_UPDATE_TIME_SECONDS,
    help: "Time to deliver a task result in seconds, retries included",
};
pub(crate) const RESULT_SIZE: MetricName = MetricName {
    name: TASK_RESULT_SIZE_BYTES,
    help: "Size of task result output in bytes",
};
pub(crate) const ACTIVE: MetricName = MetricName {
    name: ACTIVE_WORKERS,
    help: "Tasks being executed",
};
pub(crate) const CONCURRENCY_LIMIT: MetricName = MetricName {
    name: TASK_CONCURRENCY_LIMIT,
    help: "Limit on executions in flight: the thread count, or the current adaptive limit",
};
pub(crate) const RATE_LIMIT_WAIT: MetricName = MetricName {
    name: TASK_RATE_LIMIT_WAIT_TOTAL,
    help: "Times the poller waited for the worker's rate limit",
};
pub(crate) const RATE_LIMIT_WAIT_SECONDS: MetricName = MetricName {
    name: TASK_RATE_LIMIT_WAIT_SECONDS_TOTAL,
    help: "Time the poller spent waiting for the worker's rate limit in seconds",
};
