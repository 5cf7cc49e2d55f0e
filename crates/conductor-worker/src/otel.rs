//! Task spans the SDK builds itself, off the worker's thread (feature `otel`): [`TaskSpans`],
//! and the id generator that lets spans opened inside a task nest under it ([`TaskSpanIds`]).
//!
//! Through `tracing-opentelemetry`, each task's `conductor.task` span costs the worker's thread
//! the whole OpenTelemetry path (the registry's span data, the span builder, the sampler, the
//! span's attributes and its export): 12 % to 17 % of a no-op task's throughput in
//! `cargo xtask bench tracing`. With [`TaskSpans`] installed, the worker records a task's span
//! as a few plain values (its ids copied in place, two timestamps, the outcome) and a thread of
//! the SDK's builds and ends the OpenTelemetry span with those timestamps, in batches: 0 % to
//! 7 % in the same runs. The span exported is the same: name, kind, parent (the workflow's
//! trace), attributes, status, start and end. docs/tracing.md § "Task spans built by the SDK"
//! says how to set it up and what differs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    Tracer,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

/// The name of the span the SDK builds for each task, as `tracing` names its own: a
/// `tracing-opentelemetry` layer must leave the `tracing` span of that name to the SDK when
/// [`TaskSpans`] is installed ([`is_task_span`]), or the task is exported twice.
pub const TASK_SPAN_NAME: &str = "conductor.task";

/// Whether `metadata` is the runtime's `tracing` span of a task, which [`TaskSpans`] exports
/// itself: for the filter of a `tracing-opentelemetry` layer.
///
/// ```
/// use conductor_worker::otel::is_task_span;
///
/// let spans = tracing_subscriber::filter::filter_fn(|meta| {
///     meta.is_span() && *meta.level() <= tracing::Level::INFO && !is_task_span(meta)
/// });
/// # let _ = spans;
/// ```
#[must_use]
pub fn is_task_span(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.is_span()
        && metadata.name() == TASK_SPAN_NAME
        && metadata.target().starts_with("conductor_worker")
}

/// Records waiting for the builder thread before it is woken (it also wakes every
/// [`BUILD_EVERY`]): large enough that a busy worker wakes it a few times a second at most.
const WAKE_AT: usize = 1024;
/// How often the builder thread builds what was recorded, however little.
const BUILD_EVERY: Duration = Duration::from_millis(200);
/// Records kept at most while the builder thread is behind; the newest are dropped beyond it,
/// as OpenTelemetry's batch processor drops spans when its queue is full.
const MAX_QUEUED: usize = 65_536;

/// The installed [`TaskSpans`], if any: read once per task.
static INSTALLED: RwLock<Option<Arc<Shared>>> = RwLock::new(None);

/// The task spans of this process, built by the SDK off the workers' threads and exported
/// through `tracer`, for as long as the handle lives.
///
/// ```no_run
/// use opentelemetry::trace::TracerProvider as _;
/// use opentelemetry_sdk::trace::SdkTracerProvider;
/// use conductor_worker::otel::{TaskSpanIds, TaskSpans};
///
/// # fn exporter() -> opentelemetry_sdk::trace::InMemorySpanExporter { Default::default() }
/// let provider = SdkTracerProvider::builder()
///     .with_id_generator(TaskSpanIds::default()) // spans opened in a task nest under it
///     .with_batch_exporter(exporter())
///     .build();
/// let task_spans = TaskSpans::install(provider.tracer("payments"));
/// // ... run the workers; at exit, build what is left, then flush the provider:
/// drop(task_spans);
/// provider.shutdown().expect("spans flushed");
/// ```
#[derive(Debug)]
#[must_use = "task spans are built only while the handle lives"]
pub struct TaskSpans {
    shared: Arc<Shared>,
    builder: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<Vec<TaskSpanRecord>>,
    wake: Condvar,
    /// The buffer the queue's records are swapped into to be built, empty between batches with
    /// its capacity kept: the two buffers trade places, so a busy worker never grows one.
    /// Held while a batch is built, so that [`TaskSpans::flush`] returns only once every span
    /// recorded before it was handed to the tracer.
    building: Mutex<Vec<TaskSpanRecord>>,
    stopped: AtomicBool,
    dropped: AtomicU64,
    /// Whether the tracer's provider takes the task span ids the SDK chooses ([`TaskSpanIds`]);
    /// cleared at the first span built without it, after which spans opened inside a task are
    /// children of the workflow's context instead (a span id nobody exports would orphan them).
    ids_honoured: AtomicBool,
    /// Builds and ends one span; whether it took the id the SDK chose.
    build: Box<dyn Fn(TaskSpanRecord) -> bool + Send + Sync>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("stopped", &self.stopped.load(Ordering::Relaxed))
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TaskSpans {
    /// Installs task spans built by the SDK, exported through `tracer`, in place of the
    /// `tracing` span's export by `tracing-opentelemetry` (which must then skip it:
    /// [`is_task_span`]). Replaces an earlier installation, which stops building.
    pub fn install<T>(tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
    {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            building: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            ids_honoured: AtomicBool::new(true),
            build: Box::new(move |record| record.build(&tracer)),
        });
        let for_thread = Arc::clone(&shared);
        let builder = std::thread::Builder::new()
            .name("conductor-otel".to_owned())
            .spawn(move || for_thread.run())
            .map_err(|error| tracing::warn!(%error, "no thread for the task spans; they are built on flush"))
            .ok();
        *INSTALLED.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&shared));
        Self { shared, builder }
    }

    /// Builds every task span recorded so far and hands it to the tracer (then flush the
    /// tracer's provider to export them).
    pub fn flush(&self) {
        self.shared.build_pending();
    }

    /// Task spans dropped because the builder thread was too far behind (none in a healthy
    /// process).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for TaskSpans {
    /// Uninstalls (tasks starting from here on are not recorded), then builds what was
    /// recorded; a task still running builds its own span when it ends.
    fn drop(&mut self) {
        {
            let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
            if installed
                .as_ref()
                .is_some_and(|current| Arc::ptr_eq(current, &self.shared))
            {
                *installed = None;
            }
        }
        {
            // Under the queue's lock: a span that ends from here on is built by `push` itself,
            // and one pushed before is in the queue the last `build_pending` takes.
            let _queue = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.shared.stopped.store(true, Ordering::Release);
        }
        self.shared.wake.notify_all();
        if let Some(builder) = self.builder.take() {
            let _ = builder.join();
        }
        self.shared.build_pending();
    }
}

impl Shared {
    fn run(&self) {
        loop {
            {
                let queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.len() < WAKE_AT && !self.stopped.load(Ordering::Acquire) {
                    let _ = self
                        .wake
                        .wait_timeout(queue, BUILD_EVERY)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            self.build_pending();
            if self.stopped.load(Ordering::Acquire) {
                return;
            }
        }
    }

    fn build_pending(&self) {
        let mut batch = self.building.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(
            &mut *batch,
            &mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner),
        );
        for record in batch.drain(..) {
            let id_taken = (self.build)(record);
            if !id_taken && self.ids_honoured.swap(false, Ordering::Relaxed) {
                tracing::warn!(
                    "the tracer's provider does not take the SDK's task span ids (no `TaskSpanIds` id generator): spans opened inside a task are children of its workflow's trace, not of its `conductor.task` span"
                );
            }
        }
    }

    fn push(&self, record: TaskSpanRecord) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if self.stopped.load(Ordering::Acquire) {
            // The handle is gone with the builder thread (a task that ran while it was
            // dropped): built here, not lost.
            drop(queue);
            let _building = self.building.lock().unwrap_or_else(PoisonError::into_inner);
            (self.build)(record);
            return;
        }
        if queue.len() >= MAX_QUEUED {
            if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                tracing::warn!("the task span builder is behind: task spans are dropped");
            }
            return;
        }
        queue.push(record);
        if queue.len() == WAKE_AT {
            self.wake.notify_one();
        }
    }
}

/// What the OpenTelemetry side of a task's span is while the task runs, when [`TaskSpans`] is
/// installed: the context spans opened inside the task are children of, and the span to build
/// when the task ends (none when the workflow's trace is not sampled).
#[derive(Debug)]
pub(crate) struct TaskSpanContext {
    pub(crate) children: Context,
    pending: Option<PendingTaskSpan>,
}

#[derive(Debug)]
struct PendingTaskSpan {
    shared: Arc<Shared>,
    record: Option<TaskSpanRecord>,
    /// Written by `record_outcome` through a shared reference (the runtime holds the task's
    /// span by reference while the task runs).
    outcome: Mutex<Option<(InlineText, bool)>>,
}

/// The identity of a task span's task.
pub(crate) struct TaskIdentity<'a> {
    pub(crate) task_type: &'a str,
    pub(crate) task_id: &'a str,
    pub(crate) workflow_id: &'a str,
    pub(crate) worker_id: &'a str,
    /// The task's retry count and poll count; `None` for a result re-sent at start-up.
    pub(crate) attempt: Option<(i32, i32)>,
    pub(crate) input: &'a conductor_models::JsonMap,
}

impl TaskSpanContext {
    /// The task span of a task starting now, when a [`TaskSpans`] is installed.
    pub(crate) fn start(task: &TaskIdentity<'_>) -> Option<Self> {
        let shared = INSTALLED
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(Arc::clone)?;
        let parent_span =
            conductor_client::otel::task_parent_span_context(task.workflow_id, task.input);
        if !parent_span.is_sampled() {
            // Nothing to record; spans opened inside the task see the unsampled parent and are
            // not sampled either (with OpenTelemetry's default, parent-based sampler).
            return Some(Self {
                children: Context::new().with_remote_span_context(parent_span),
                pending: None,
            });
        }
        let span_id = SpanId::from(fastrand::u64(1..));
        let children = Context::new().with_remote_span_context(
            if shared.ids_honoured.load(Ordering::Relaxed) {
                SpanContext::new(
                    parent_span.trace_id(),
                    span_id,
                    TraceFlags::SAMPLED,
                    false,
                    parent_span.trace_state().clone(),
                )
            } else {
                parent_span.clone()
            },
        );
        let record = TaskSpanRecord {
            parent: parent_span,
            span_id,
            start: SystemTime::now(),
            end: SystemTime::UNIX_EPOCH,
            task_type: InlineText::new(task.task_type),
            task_id: InlineText::new(task.task_id),
            workflow_id: InlineText::new(task.workflow_id),
            worker_id: InlineText::new(task.worker_id),
            attempt: task.attempt,
            outcome: None,
            failed: false,
        };
        Some(Self {
            children,
            pending: Some(PendingTaskSpan {
                shared,
                record: Some(record),
                outcome: Mutex::new(None),
            }),
        })
    }

    /// Records how the task ended (the last call wins, as with a `tracing` field).
    pub(crate) fn record_outcome(&self, outcome: &str, failed: bool) {
        if let Some(pending) = &self.pending {
            *pending
                .outcome
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some((InlineText::new(outcome), failed));
        }
    }
}

impl Drop for PendingTaskSpan {
    /// The task span ends: hands it to the builder thread.
    fn drop(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.end = SystemTime::now();
            if let Some((outcome, failed)) = self
                .outcome
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                record.outcome = Some(outcome);
                record.failed = failed;
            }
            self.shared.push(record);
        }
    }
}

/// A task span as recorded on the worker's thread.
#[derive(Debug)]
struct TaskSpanRecord {
    parent: SpanContext,
    span_id: SpanId,
    start: SystemTime,
    end: SystemTime,
    task_type: InlineText,
    task_id: InlineText,
    workflow_id: InlineText,
    worker_id: InlineText,
    attempt: Option<(i32, i32)>,
    outcome: Option<InlineText>,
    failed: bool,
}

/// Text of a task span kept in place when short (ids, the task type, the outcome), so that the
/// worker's thread allocates nothing for the span: a `String` made there and freed on the
/// builder thread goes back to the worker's allocator arena by its slow path, which costs the
/// worker more than the copy (docs/worker-benchmarks.md § Tracing, on the batch processor).
#[derive(Debug)]
enum InlineText {
    Short { len: u8, bytes: [u8; INLINE_TEXT] },
    Long(String),
}

/// The longest text kept in place: a UUID is 36 bytes.
const INLINE_TEXT: usize = 62;

impl InlineText {
    fn new(text: &str) -> Self {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE_TEXT => {
                let mut bytes = [0; INLINE_TEXT];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Self::Short { len, bytes }
            }
            _ => Self::Long(text.to_owned()),
        }
    }

    fn into_string(self) -> String {
        match self {
            // The bytes are a copy of a `&str`'s, cut at its length.
            Self::Short { len, bytes } => {
                String::from_utf8_lossy(&bytes[..usize::from(len)]).into_owned()
            }
            Self::Long(text) => text,
        }
    }
}

impl TaskSpanRecord {
    /// Builds and ends the OpenTelemetry span, as `tracing-opentelemetry` would have from the
    /// runtime's `conductor.task` span: same name, kind, parent, attributes and status. Whether
    /// the span took the id chosen for it ([`TaskSpanIds`]).
    fn build<T: Tracer>(self, tracer: &T) -> bool {
        let mut attributes = Vec::with_capacity(8);
        attributes.push(KeyValue::new("task_type", self.task_type.into_string()));
        attributes.push(KeyValue::new("task_id", self.task_id.into_string()));
        attributes.push(KeyValue::new("workflow_id", self.workflow_id.into_string()));
        attributes.push(KeyValue::new("worker_id", self.worker_id.into_string()));
        match self.attempt {
            Some((attempt, poll_count)) => {
                attributes.push(KeyValue::new("attempt", i64::from(attempt)));
                attributes.push(KeyValue::new("poll_count", i64::from(poll_count)));
            }
            None => attributes.push(KeyValue::new("redelivery", true)),
        }
        if let Some(outcome) = self.outcome {
            attributes.push(KeyValue::new("outcome", outcome.into_string()));
        }
        let builder = tracer
            .span_builder(TASK_SPAN_NAME)
            .with_kind(SpanKind::Consumer)
            .with_start_time(self.start)
            .with_attributes(attributes);
        let parent = Context::new().with_remote_span_context(self.parent);
        PRESET_SPAN_ID.set(Some(self.span_id));
        let mut span = builder.start_with_context(tracer, &parent);
        let id_taken = PRESET_SPAN_ID.take().is_none();
        if self.failed {
            span.set_status(Status::error(""));
        }
        span.end_with_timestamp(self.end);
        id_taken
    }
}

thread_local! {
    /// The id the next span built on this thread takes ([`TaskSpanIds`]): set by the builder
    /// thread around each task span it builds, so that the exported span has the id its
    /// children were given while the task ran.
    static PRESET_SPAN_ID: std::cell::Cell<Option<SpanId>> = const { std::cell::Cell::new(None) };
}

/// An OpenTelemetry id generator that gives task spans built by [`TaskSpans`] the ids the SDK
/// chose while the task ran, so that spans opened inside the task (made before the task span
/// is built) are its children; every other id comes from `G` (random by default).
///
/// Install it on the tracer provider whose tracer [`TaskSpans`] uses. Without it, spans opened
/// inside a task are children of its workflow's trace instead, and the SDK logs a warning once.
#[derive(Debug)]
pub struct TaskSpanIds {
    inner: Box<dyn IdGenerator>,
}

impl Default for TaskSpanIds {
    /// Every other id random, as OpenTelemetry's default generator makes them.
    fn default() -> Self {
        Self::new(RandomIdGenerator::default())
    }
}

impl TaskSpanIds {
    /// Task span ids from the SDK, every other id from `inner`.
    pub fn new(inner: impl IdGenerator + 'static) -> Self {
        Self {
            inner: Box::new(inner),
        }
    }
}

impl IdGenerator for TaskSpanIds {
    fn new_trace_id(&self) -> TraceId {
        self.inner.new_trace_id()
    }

    fn new_span_id(&self) -> SpanId {
        PRESET_SPAN_ID
            .take()
            .unwrap_or_else(|| self.inner.new_span_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use conductor_client::otel::{workflow_span_id, workflow_trace_id};
    use conductor_models::JsonMap;
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

    /// The installed `TaskSpans` is process-wide: these tests take turns.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    const WORKFLOW: &str = "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01";

    fn provider(ids: bool) -> (SdkTracerProvider, InMemorySpanExporter) {
        let exporter = InMemorySpanExporter::default();
        let builder = SdkTracerProvider::builder().with_simple_exporter(exporter.clone());
        let builder = if ids {
            builder.with_id_generator(TaskSpanIds::default())
        } else {
            builder
        };
        (builder.build(), exporter)
    }

    fn start(task_id: &str, input: &JsonMap) -> Option<TaskSpanContext> {
        TaskSpanContext::start(&TaskIdentity {
            task_type: "charge",
            task_id,
            workflow_id: WORKFLOW,
            worker_id: "worker-1",
            attempt: Some((2, 3)),
            input,
        })
    }

    /// The exported spans of this test's tasks (the runtime's own tests, in this process, may
    /// run tasks while a `TaskSpans` is installed).
    fn exported(exporter: &InMemorySpanExporter, task_ids: &[&str]) -> Vec<SpanData> {
        exporter
            .get_finished_spans()
            .unwrap()
            .into_iter()
            .filter(|span| {
                span.attributes.iter().any(|kv| {
                    kv.key.as_str() == "task_id" && task_ids.contains(&kv.value.as_str().as_ref())
                })
            })
            .collect()
    }

    fn attribute(span: &SpanData, key: &str) -> String {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
            .unwrap_or_else(|| panic!("no {key} in {:?}", span.attributes))
    }

    #[test]
    fn task_span_text_is_kept_whole_whatever_its_length() {
        for text in ["", "COMPLETED", WORKFLOW, &"é".repeat(31), &"x".repeat(200)] {
            assert_eq!(InlineText::new(text).into_string(), text);
        }
        assert!(matches!(
            InlineText::new(WORKFLOW),
            InlineText::Short { .. }
        ));
        assert!(matches!(
            InlineText::new(&"x".repeat(63)),
            InlineText::Long(_)
        ));
    }

    #[test]
    fn nothing_is_recorded_without_task_spans_installed() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(start("t-0", &JsonMap::new()).is_none());
    }

    #[test]
    fn a_task_span_is_built_with_the_id_its_children_saw_its_times_and_outcome() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (provider, exporter) = provider(true);
        let task_spans = TaskSpans::install(provider.tracer("test"));
        let before = SystemTime::now();
        let task = start("t-1", &JsonMap::new()).expect("installed");
        let child = task.children.span().span_context().clone();
        task.record_outcome("COMPLETED", false);
        task.record_outcome("FAILED", true);
        drop(task);
        let after = SystemTime::now();
        drop(task_spans);
        let spans = exported(&exporter, &["t-1"]);
        assert_eq!(spans.len(), 1, "{spans:#?}");
        let span = &spans[0];
        assert_eq!(span.name, TASK_SPAN_NAME);
        assert_eq!(span.span_kind, SpanKind::Consumer);
        assert_eq!(span.span_context.trace_id(), workflow_trace_id(WORKFLOW));
        assert_eq!(span.parent_span_id, workflow_span_id(WORKFLOW));
        assert!(span.parent_span_is_remote);
        // Spans opened inside the task were given this span as their parent.
        assert_eq!(child.span_id(), span.span_context.span_id());
        assert_eq!(child.trace_id(), span.span_context.trace_id());
        assert!(child.is_sampled() && !child.is_remote());
        assert!(before <= span.start_time && span.start_time <= span.end_time);
        assert!(span.end_time <= after);
        for (key, value) in [
            ("task_type", "charge"),
            ("task_id", "t-1"),
            ("workflow_id", WORKFLOW),
            ("worker_id", "worker-1"),
            ("attempt", "2"),
            ("poll_count", "3"),
            ("outcome", "FAILED"),
        ] {
            assert_eq!(attribute(span, key), value);
        }
        assert_eq!(span.status, Status::error(""));
    }

    #[test]
    fn an_unsampled_trace_records_nothing_and_its_children_stay_unsampled() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (provider, exporter) = provider(true);
        let task_spans = TaskSpans::install(provider.tracer("test"));
        let mut input = JsonMap::new();
        input.insert(
            conductor_models::TRACEPARENT_INPUT_KEY.to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00".into(),
        );
        let task = start("t-2", &input).expect("installed");
        assert!(!task.children.span().span_context().is_sampled());
        drop(task);
        drop(task_spans);
        assert!(exported(&exporter, &["t-2"]).is_empty());
    }

    #[test]
    fn without_task_span_ids_children_fall_back_to_the_workflow_after_the_first_span() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (provider, exporter) = provider(false);
        let task_spans = TaskSpans::install(provider.tracer("test"));
        let first = start("t-3", &JsonMap::new()).expect("installed");
        drop(first);
        task_spans.flush();
        let second = start("t-4", &JsonMap::new()).expect("installed");
        assert_eq!(
            second.children.span().span_context().span_id(),
            workflow_span_id(WORKFLOW)
        );
        drop(second);
        drop(task_spans);
        // Both spans are exported all the same, under the workflow's trace.
        let spans = exported(&exporter, &["t-3", "t-4"]);
        assert_eq!(spans.len(), 2);
        assert!(
            spans
                .iter()
                .all(|span| span.parent_span_id == workflow_span_id(WORKFLOW))
        );
    }

    #[test]
    fn a_task_that_ends_after_the_handle_is_dropped_still_exports_its_span() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (provider, exporter) = provider(true);
        let task_spans = TaskSpans::install(provider.tracer("test"));
        let running = start("t-late", &JsonMap::new()).expect("installed");
        drop(task_spans);
        assert!(exported(&exporter, &["t-late"]).is_empty());
        drop(running);
        assert_eq!(exported(&exporter, &["t-late"]).len(), 1);
    }

    #[test]
    fn dropping_the_handle_uninstalls_it_and_builds_what_was_recorded() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let (provider, exporter) = provider(true);
        let task_spans = TaskSpans::install(provider.tracer("test"));
        // Fewer than wake the builder thread: only the drop builds them.
        let ids: Vec<String> = (0..10).map(|n| format!("batch-{n}")).collect();
        for id in &ids {
            drop(start(id, &JsonMap::new()));
        }
        drop(task_spans);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(exported(&exporter, &ids).len(), 10);
        assert!(start("t-after", &JsonMap::new()).is_none());
    }
}
