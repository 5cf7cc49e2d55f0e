//! The worker runtime's `tracing` spans (poll, task, execute, update, lease extension, hand-back)
//! and, with the `otel` feature, the trace each task's spans join: its workflow's.
//!
//! Span names and fields follow one scheme, so that an OpenTelemetry backend (through
//! `tracing-opentelemetry`) shows them as they are:
//!
//! | span | level | parent | fields |
//! |---|---|---|---|
//! | `conductor.poll` | debug | none (one trace per poll) | `task_type`, `worker_id`, `requested`, `received`, `outcome` |
//! | `conductor.task` | info | the workflow's trace (`otel`) | `task_type`, `task_id`, `workflow_id`, `worker_id`, `attempt`, `poll_count`, `outcome` |
//! | `conductor.execute` | debug | `conductor.task` | `outcome` |
//! | `conductor.lease_extend` | info | `conductor.task` | `outcome` |
//! | `conductor.update` | debug | `conductor.task` | `status`, `attempt`, `outcome` |
//! | `conductor.hand_back` | info | `conductor.task` | `outcome` |
//!
//! Every span also sets `otel.kind` and, when it failed, `otel.status_code = "ERROR"`. The
//! client calls under them are the HTTP layer's `conductor.http` spans (debug).

#[cfg(feature = "otel")]
use conductor_models::JsonMap;
use conductor_models::{Task, TaskResult};
use tracing::field::Empty;
use tracing::{Span, debug_span, info_span};

/// The span of one batch poll. Each is a root: a poll serves no workflow in particular.
pub(crate) fn poll_span(task_type: &str, worker_id: &str, requested: usize) -> Span {
    debug_span!(
        parent: None,
        "conductor.poll",
        otel.kind = "consumer",
        otel.status_code = Empty,
        task_type,
        worker_id,
        requested,
        received = Empty,
        outcome = Empty,
    )
}

/// The span of one task, from the start of its execution to the end of its result's delivery:
/// the `tracing` span, and with the `otel` feature its OpenTelemetry side. That side is the
/// `tracing` span's, made a child of the workflow's trace, through `tracing-opentelemetry`; or,
/// when [`TaskSpans`](crate::otel::TaskSpans) is installed, a span the SDK builds off the
/// worker's thread when this one drops.
#[derive(Debug)]
pub(crate) struct TaskSpan {
    span: Span,
    #[cfg(feature = "otel")]
    otel: Option<crate::otel::TaskSpanContext>,
}

impl TaskSpan {
    /// The `tracing` span.
    #[cfg(test)]
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// Records how the task ended; `failed` also marks the span as an error.
    pub(crate) fn record_outcome(&self, outcome: &str, failed: bool) {
        record_outcome(&self.span, outcome, failed);
        #[cfg(feature = "otel")]
        if let Some(otel) = &self.otel {
            otel.record_outcome(outcome, failed);
        }
    }

    /// Runs `future` inside the span, entered for each poll as [`tracing::Instrument`] does,
    /// but with the span borrowed: no clone of it to hold (a registry look-up and a reference
    /// count each way), and no extra enter to drop the finished future. Per task that is one
    /// enter and exit of the task span fewer, which with a span-recording subscriber is a
    /// measurable share of what the span costs (docs/worker-benchmarks.md). With the SDK
    /// building the task's OpenTelemetry span, its context is also the current OpenTelemetry
    /// context during each poll, so that spans opened inside are its children. A future dropped
    /// before it finishes is dropped outside the span.
    pub(crate) async fn run<F: Future>(&self, future: F) -> F::Output {
        #[cfg(feature = "otel")]
        let children = self.otel.as_ref().map(|otel| &otel.children);
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            let _entered = self.span.enter();
            #[cfg(feature = "otel")]
            let _attached = children.map(|context| context.clone().attach());
            future.as_mut().poll(cx)
        })
        .await
    }
}

/// The span of one task; with the `otel` feature it is a child of its workflow's trace (or of
/// the `traceparent` in the task's input). Ids are recorded as strings, not with `%` (Display):
/// `tracing-opentelemetry` copies a string once, where Display goes through the formatting
/// machinery and a growing buffer (docs/worker-benchmarks.md § Tracing).
pub(crate) fn task_span(task_type: &str, worker_id: &str, task: &Task) -> TaskSpan {
    let span = info_span!(
        parent: None,
        "conductor.task",
        otel.kind = "consumer",
        otel.status_code = Empty,
        task_type,
        task_id = task.task_id.as_str(),
        workflow_id = task.workflow_instance_id.as_str(),
        worker_id,
        attempt = task.retry_count,
        poll_count = task.poll_count,
        outcome = Empty,
    );
    #[cfg(feature = "otel")]
    return with_workflow_trace(
        span,
        &crate::otel::TaskIdentity {
            task_type,
            task_id: &task.task_id,
            workflow_id: &task.workflow_instance_id,
            worker_id,
            attempt: Some((task.retry_count, task.poll_count)),
            input: &task.input_data,
        },
    );
    #[cfg(not(feature = "otel"))]
    TaskSpan { span }
}

/// The task span of a result re-sent from the outbox at start-up (the task itself is gone with
/// the process that ran it; the span joins its workflow's trace).
pub(crate) fn redelivery_span(task_type: &str, worker_id: &str, result: &TaskResult) -> TaskSpan {
    let span = info_span!(
        parent: None,
        "conductor.task",
        otel.kind = "consumer",
        otel.status_code = Empty,
        task_type,
        task_id = result.task_id.as_str(),
        workflow_id = result.workflow_instance_id.as_str(),
        worker_id,
        redelivery = true,
        outcome = Empty,
    );
    #[cfg(feature = "otel")]
    return with_workflow_trace(
        span,
        &crate::otel::TaskIdentity {
            task_type,
            task_id: &result.task_id,
            workflow_id: &result.workflow_instance_id,
            worker_id,
            attempt: None,
            input: &JsonMap::new(),
        },
    );
    #[cfg(not(feature = "otel"))]
    TaskSpan { span }
}

/// The span around the worker's own code (a child of the task span, which carries the task's
/// identity: the children repeat none of it, each attribute costs an allocation per task).
pub(crate) fn execute_span() -> Span {
    debug_span!(
        "conductor.execute",
        otel.kind = "internal",
        otel.status_code = Empty,
        outcome = Empty,
    )
}

/// The span of one lease extension (a heartbeat and its quick retries).
pub(crate) fn lease_span() -> Span {
    info_span!(
        "conductor.lease_extend",
        otel.kind = "internal",
        otel.status_code = Empty,
        outcome = Empty,
    )
}

/// The span of one attempt to deliver a result.
pub(crate) fn update_span(status: &str, attempt: u32) -> Span {
    debug_span!(
        "conductor.update",
        otel.kind = "internal",
        otel.status_code = Empty,
        status,
        attempt,
        outcome = Empty,
    )
}

/// The span of handing a task back to the server.
pub(crate) fn hand_back_span() -> Span {
    info_span!(
        "conductor.hand_back",
        otel.kind = "internal",
        otel.status_code = Empty,
        outcome = Empty,
    )
}

/// Records how the work of `span` ended; `failed` also marks the span as an error.
pub(crate) fn record_outcome(span: &Span, outcome: &str, failed: bool) {
    span.record("outcome", outcome);
    if failed {
        span.record("otel.status_code", "ERROR");
    }
}

/// The task span of `span`, in its workflow's trace: built by the SDK when a
/// [`TaskSpans`](crate::otel::TaskSpans) is installed, else `span` itself joins the trace.
#[cfg(feature = "otel")]
fn with_workflow_trace(span: Span, task: &crate::otel::TaskIdentity<'_>) -> TaskSpan {
    let otel = crate::otel::TaskSpanContext::start(task);
    if otel.is_none() {
        join_workflow_trace(&span, task.workflow_id, task.input);
    }
    TaskSpan { span, otel }
}

/// Makes `span` a child of a workflow's trace: the `traceparent` in the task's input, else the
/// trace derived from the workflow id. A no-op when no OpenTelemetry layer records the span.
#[cfg(feature = "otel")]
fn join_workflow_trace(span: &Span, workflow_id: &str, input: &JsonMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    // Nothing records the span: skip deriving the context (hashes, traceparent parsing) on
    // every task of a worker that runs without a subscriber.
    if span.is_disabled() {
        return;
    }
    let parent = conductor_client::otel::task_parent_context(workflow_id, input);
    // Errors mean no OpenTelemetry layer (or a disabled span): nothing to join then.
    let _ = span.set_parent(parent);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// At info, a task is one span: the runtime's inner spans are debug (their cost per task is
    /// what docs/worker-benchmarks.md measures), the rare lease and hand-back spans are info.
    #[test]
    fn info_records_one_span_per_task_and_debug_the_inner_ones() {
        let task = Task {
            task_id: "t-1".to_owned(),
            workflow_instance_id: "w-1".to_owned(),
            ..Task::default()
        };
        let at = |level: tracing::level_filters::LevelFilter| {
            let subscriber = tracing_subscriber::registry().with(level);
            tracing::subscriber::with_default(subscriber, || {
                [
                    (
                        "task",
                        task_span("greet", "worker-1", &task).span().is_disabled(),
                    ),
                    ("execute", execute_span().is_disabled()),
                    ("update", update_span("COMPLETED", 1).is_disabled()),
                    ("lease", lease_span().is_disabled()),
                    ("hand_back", hand_back_span().is_disabled()),
                    ("poll", poll_span("greet", "worker-1", 1).is_disabled()),
                ]
                .into_iter()
                .filter(|(_, disabled)| !disabled)
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            at(tracing::level_filters::LevelFilter::INFO),
            ["task", "lease", "hand_back"]
        );
        assert_eq!(
            at(tracing::level_filters::LevelFilter::DEBUG),
            ["task", "execute", "update", "lease", "hand_back", "poll"]
        );
    }
}
