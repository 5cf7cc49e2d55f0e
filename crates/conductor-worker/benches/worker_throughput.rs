//! Worker runtime benchmark against the embedded server on loopback:
//!
//! - no-op tasks per second through one `TaskHandler` (one worker, `--threads` slots), beside a
//!   bare loop making the same HTTP calls (batch poll, then update-v2 chaining) with the same
//!   concurrency, in the same run;
//! - the CPU an idle handler with 10 workers burns (default poll settings, no tasks), read from
//!   `/proc/self/task/*/stat` for the worker's threads only.
//!
//! The server and the workers run on separate single-thread tokio runtimes (threads named
//! `bench-server` and `bench-worker`), so each side's CPU time can be read apart.
//!
//! Built with the `otel` feature and run with `--tracing-on`, the handler runs with tracing on: an
//! OpenTelemetry layer (the process's global subscriber) records the runtime's spans (debug level:
//! every span; `--tracing-info`: the task spans only) into a tracer whose exporter counts and
//! drops them, on the worker's thread (simple span processor; `--tracing-batch`: the batch
//! one). Without the flag, that build is "tracing off" with the feature compiled in.
//! `cargo xtask bench tracing` alternates the three in separate processes (a global subscriber
//! cannot be removed). With `--tracing-paired` instead, one process runs tracing off and on
//! with each processor in turn every round, tracing turned on for the worker's thread alone,
//! through `tracing-opentelemetry` and with the task spans built by the SDK
//! (`conductor_worker::otel::TaskSpans`, installed for its runs only), beside two cases that
//! split the cost (a subscriber recording the spans with no
//! OpenTelemetry; the task span through the OpenTelemetry API with no subscriber), and ends with
//! each case's change against the same round's run with tracing off
//! (`cargo xtask bench tracing-paired`). With `--otel-api-span` (tracing off), the worker makes
//! each task's span itself through the OpenTelemetry API alone, with the same name, parent and
//! attributes: what the span costs without `tracing` and `tracing-opentelemetry` in between.
//!
//! Run with `cargo bench -p conductor-worker --bench worker_throughput` (or
//! `cargo xtask bench worker`, and `cargo xtask bench tracing` for the tracing comparison);
//! options: `--tasks N` (default 5000), `--threads T` (default 8), `--idle-seconds S` (default
//! 5), `--rounds R` (default 2), `--handler-only` (no bare loop, no idle run), `--tracing-on`,
//! `--tracing-info`, `--tracing-batch`, `--task-spans` (with `--tracing-on --tracing-info`: the
//! task spans built by the SDK, `conductor_worker::otel::TaskSpans`), `--tracing-paired`,
//! `--otel-api-span`.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(clippy::unwrap_used, reason = "a bench binary fails loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conductor_client::ConductorClient;
use conductor_events::{PollStarted, TaskRunnerEventsListener};
use conductor_http::Configuration;
use conductor_models::{
    StartWorkflowRequest, Task, TaskDef, TaskResult, WorkflowDef, WorkflowTask,
};
use conductor_server::DevServer;
use conductor_worker::{FnWorker, TaskHandler, WorkerOutput};
use tokio::runtime::Runtime;

const TASK_TYPE: &str = "bench_noop";
const WORKFLOW: &str = "bench_noop_flow";

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .unwrap()
}

/// Tracing on (`--tracing-on`): the process's global subscriber records every span into
/// OpenTelemetry; the count of spans exported so far.
#[cfg(feature = "otel")]
mod traced {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::Task;

    /// Counts what it is given and drops it: the SDK's whole path but the network.
    #[derive(Debug, Default, Clone)]
    pub(crate) struct CountingExporter(pub(crate) Arc<AtomicUsize>);

    impl SpanExporter for CountingExporter {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.fetch_add(batch.len(), Ordering::Relaxed);
            Ok(())
        }
    }

    /// A subscriber recording spans into OpenTelemetry, not installed: the count of exported
    /// spans, the provider (dropping it shuts the tracer down, so the caller keeps it) and the
    /// subscriber as a [`tracing::Dispatch`].
    pub(crate) fn subscriber(
        debug: bool,
        batch: bool,
    ) -> (Arc<AtomicUsize>, SdkTracerProvider, tracing::Dispatch) {
        let (count, provider) = counting_provider(batch, false);
        let level = if debug {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        let dispatch = recommended(&provider, move |meta| *meta.level() <= level);
        (count, provider, dispatch)
    }

    /// The set-up docs/tracing.md recommends, into `provider`, for spans `wanted` keeps: spans
    /// only (log events stay out of the traces), no busy/idle timing, code location, thread or
    /// target attributes, no OpenTelemetry context activation on each enter of a span.
    fn recommended(
        provider: &SdkTracerProvider,
        wanted: impl Fn(&tracing::Metadata<'_>) -> bool + Send + Sync + 'static,
    ) -> tracing::Dispatch {
        let spans =
            tracing_subscriber::filter::filter_fn(move |meta| meta.is_span() && wanted(meta));
        let otel = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("bench"))
            .with_tracked_inactivity(false)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_context_activation(false)
            .with_filter(spans);
        tracing::Dispatch::new(tracing_subscriber::registry().with(otel))
    }

    /// A subscriber that records the runtime's spans (a `tracing` registry, at debug or info)
    /// and sends them nowhere: what a `tracing` subscriber costs before any OpenTelemetry.
    pub(crate) fn recording_only(debug: bool) -> tracing::Dispatch {
        let level = if debug {
            tracing::level_filters::LevelFilter::DEBUG
        } else {
            tracing::level_filters::LevelFilter::INFO
        };
        tracing::Dispatch::new(tracing_subscriber::registry().with(level))
    }

    /// Installs the subscriber as the process's global one (`--tracing-on`); with
    /// `task_spans` (`--task-spans`, info level), the set-up with the task spans built by the
    /// SDK, and its `TaskSpans`, kept for the process's life.
    pub(crate) fn install(
        debug: bool,
        batch: bool,
        task_spans: bool,
    ) -> (
        Arc<AtomicUsize>,
        SdkTracerProvider,
        Option<conductor_worker::otel::TaskSpans>,
    ) {
        assert!(
            !(debug && task_spans),
            "--task-spans is measured at info level (--tracing-info)"
        );
        let (count, provider, dispatch) = if task_spans {
            sdk_task_spans(batch)
        } else {
            subscriber(debug, batch)
        };
        tracing::dispatcher::set_global_default(dispatch).unwrap();
        let task_spans = task_spans
            .then(|| conductor_worker::otel::TaskSpans::install(provider.tracer("bench")));
        (count, provider, task_spans)
    }

    /// A tracer provider whose exporter counts and drops (simple processor, or batch): the
    /// count of exported spans and the provider (with `task_span_ids`, the provider takes the
    /// SDK's task span ids). `--otel-api-span` uses it with no subscriber.
    pub(crate) fn counting_provider(
        batch: bool,
        task_span_ids: bool,
    ) -> (Arc<AtomicUsize>, SdkTracerProvider) {
        let exporter = CountingExporter::default();
        let count = Arc::clone(&exporter.0);
        let mut builder = SdkTracerProvider::builder();
        if task_span_ids {
            builder = builder.with_id_generator(conductor_worker::otel::TaskSpanIds::default());
        }
        let provider = if batch {
            builder.with_batch_exporter(exporter)
        } else {
            builder.with_simple_exporter(exporter)
        }
        .build();
        (count, provider)
    }

    /// The span the runtime's `conductor.task` span becomes in OpenTelemetry (its name, kind,
    /// parent and attributes), made through the OpenTelemetry API alone: what one span per
    /// task costs without `tracing` and `tracing-opentelemetry` in between.
    pub(crate) fn api_span(tracer: &opentelemetry_sdk::trace::SdkTracer, task: &Task) {
        use opentelemetry::KeyValue;
        use opentelemetry::trace::{Span as _, SpanKind, Tracer as _};
        let parent = conductor_client::otel::task_parent_context(
            &task.workflow_instance_id,
            &task.input_data,
        );
        let mut span = tracer
            .span_builder("conductor.task")
            .with_kind(SpanKind::Consumer)
            .with_attributes([
                KeyValue::new("task_type", task.task_def_name.clone()),
                KeyValue::new("task_id", task.task_id.clone()),
                KeyValue::new("workflow_id", task.workflow_instance_id.clone()),
                KeyValue::new("worker_id", task.worker_id.clone().unwrap_or_default()),
                KeyValue::new("attempt", i64::from(task.retry_count)),
                KeyValue::new("poll_count", i64::from(task.poll_count)),
            ])
            .start_with_context(tracer, &parent);
        span.set_attribute(KeyValue::new("outcome", "COMPLETED"));
        span.end();
    }

    /// The worker's work per task for `--otel-api-span`: [`api_span`] into `provider`.
    pub(crate) fn api_span_per_task(provider: &SdkTracerProvider) -> super::PerTask {
        let tracer = provider.tracer("bench");
        std::sync::Arc::new(move |task: &Task| api_span(&tracer, task))
    }

    /// The recommended set-up with the task spans built by the SDK (`TaskSpans`): the
    /// provider takes the SDK's task span ids, and the `tracing-opentelemetry` layer leaves the
    /// `conductor.task` span to the SDK. The `TaskSpans` is installed for a run only.
    pub(crate) fn sdk_task_spans(
        batch: bool,
    ) -> (Arc<AtomicUsize>, SdkTracerProvider, tracing::Dispatch) {
        let (count, provider) = counting_provider(batch, true);
        let dispatch = recommended(&provider, |meta| {
            *meta.level() <= tracing::Level::INFO && !conductor_worker::otel::is_task_span(meta)
        });
        (count, provider, dispatch)
    }

    /// What a traced run exported, for its row: `, 1.00 spans/task`, and how many spans fell
    /// short of `expected_per_task` (a batch processor whose thread cannot keep up drops spans
    /// when its queue, 2048 by default, is full: said in the row, since such a round did less
    /// work). Spans still queued in a batch processor are exported first (after the
    /// measurement); `before` is the count before the run.
    pub(crate) fn exported_spans(
        (count, provider): (&Arc<AtomicUsize>, &SdkTracerProvider),
        before: usize,
        tasks: u64,
        expected_per_task: u64,
    ) -> String {
        provider.force_flush().unwrap();
        let spans = count.load(Ordering::Relaxed) - before;
        let mut text = format!(", {:.2} spans/task", spans as f64 / tasks as f64);
        let missing = (tasks * expected_per_task).saturating_sub(spans as u64);
        if missing > 0 {
            text.push_str(&format!(", {missing} spans dropped"));
        }
        text
    }

    thread_local! {
        static SCOPED: std::cell::RefCell<Option<tracing::dispatcher::DefaultGuard>> =
            const { std::cell::RefCell::new(None) };
    }

    /// Turns tracing on (`Some`) or off (`None`) for the calling thread (`--tracing-paired`).
    pub(crate) fn set_for_this_thread(dispatch: Option<&tracing::Dispatch>) {
        SCOPED.with(|scoped| {
            let mut scoped = scoped.borrow_mut();
            // The previous default comes back when its guard drops: drop it first.
            *scoped = None;
            *scoped = dispatch.map(tracing::dispatcher::set_default);
        });
    }
}

/// CPU seconds (user + system) of this process's threads whose name starts with one of
/// `prefixes` (names are truncated to 15 characters by the kernel).
fn cpu_seconds(prefixes: &[&str]) -> f64 {
    // USER_HZ: 100 on every mainstream Linux configuration.
    const TICKS_PER_SECOND: f64 = 100.0;
    let mut ticks = 0_u64;
    for entry in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        if !prefixes.iter().any(|prefix| name.starts_with(prefix)) {
            continue;
        }
        // After ") ": state is field 3; utime and stime are fields 14 and 15.
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    ticks as f64 / TICKS_PER_SECOND
}

/// The worker's threads, with the OpenTelemetry batch processor's (`--tracing-batch`): what
/// tracing costs counts as the worker's.
const WORKER_THREADS: &[&str] = &[
    "bench-worker",
    "conductor-event",
    "conductor-otel",
    "OpenTelemetry",
];
const SERVER_THREADS: &[&str] = &["bench-server"];

async fn setup(client: &ConductorClient) {
    client
        .metadata_client()
        .register_task_def(&TaskDef::new(TASK_TYPE).with_retry(
            0,
            conductor_models::RetryLogic::Fixed,
            0,
        ))
        .await
        .unwrap();
    client
        .metadata_client()
        .register_workflow_def(
            &WorkflowDef::new(WORKFLOW).with_task(WorkflowTask::simple(TASK_TYPE, "noop_ref")),
        )
        .await
        .unwrap();
}

async fn queue_tasks(client: &ConductorClient, n: u64) {
    let request = StartWorkflowRequest::new(WORKFLOW);
    for _ in 0..n {
        client
            .workflow_client()
            .start_workflow(&request)
            .await
            .unwrap();
    }
}

struct Measured {
    seconds: f64,
    worker_cpu: f64,
    server_cpu: f64,
}

impl Measured {
    fn start() -> (Instant, f64, f64) {
        (
            Instant::now(),
            cpu_seconds(WORKER_THREADS),
            cpu_seconds(SERVER_THREADS),
        )
    }

    fn since((started, worker, server): (Instant, f64, f64)) -> Self {
        Self {
            seconds: started.elapsed().as_secs_f64(),
            worker_cpu: cpu_seconds(WORKER_THREADS) - worker,
            server_cpu: cpu_seconds(SERVER_THREADS) - server,
        }
    }
}

/// Work the no-op worker does for each task (`--otel-api-span`: a span of its own).
type PerTask = Arc<dyn Fn(&Task) + Send + Sync>;

/// `n` queued no-op tasks through one TaskHandler with `threads` slots.
async fn through_handler(
    config: Configuration,
    n: u64,
    threads: usize,
    per_task: Option<PerTask>,
) -> Measured {
    let executed = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&executed);
    let worker = FnWorker::new(TASK_TYPE, move |task: Task| {
        if let Some(per_task) = &per_task {
            per_task(&task);
        }
        counter.fetch_add(1, Ordering::Relaxed);
        async { Ok(WorkerOutput::completed_with_result(true)) }
    })
    .with_thread_count(threads);
    let mut handler = TaskHandler::builder(config).worker(worker).build().unwrap();
    let mark = Measured::start();
    handler.start().await.unwrap();
    let n = usize::try_from(n).unwrap();
    while executed.load(Ordering::Relaxed) < n || handler.active_tasks(TASK_TYPE) != Some(0) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let measured = Measured::since(mark);
    handler.stop().await.unwrap();
    measured
}

/// The same calls without the runtime: `threads` loops, each polling one task and chaining
/// update-v2 until the server has none, then polling again.
async fn bare_loop(client: ConductorClient, n: u64, threads: usize) -> Measured {
    let done = Arc::new(AtomicUsize::new(0));
    let n = usize::try_from(n).unwrap();
    let mark = Measured::start();
    let mut slots = tokio::task::JoinSet::new();
    for slot in 0..threads {
        let tasks = client.task_client();
        let done = Arc::clone(&done);
        let worker_id = format!("bare-{slot}");
        slots.spawn(async move {
            while done.load(Ordering::Relaxed) < n {
                let polled = tasks
                    .batch_poll(
                        TASK_TYPE,
                        Some(&worker_id),
                        None,
                        1,
                        Duration::from_millis(100),
                    )
                    .await
                    .unwrap();
                let mut next = polled.into_iter().next();
                while let Some(task) = next {
                    let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
                        .with_output_value("result", true)
                        .with_worker_id(&worker_id);
                    next = tasks.update_task_v2(&result).await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while slots.join_next().await.is_some() {}
    Measured::since(mark)
}

/// Counts polls, to report the idle poll rate.
#[derive(Default)]
struct PollCounter(AtomicUsize);

impl TaskRunnerEventsListener for PollCounter {
    fn on_poll_started(&self, _event: &PollStarted) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A handler with 10 idle workers for `seconds`: its CPU time and poll rate.
async fn idle(config: Configuration, seconds: u64) -> (Measured, f64) {
    let polls = Arc::new(PollCounter::default());
    let mut builder = TaskHandler::builder(config).event_listener(polls.clone());
    for n in 0..10 {
        builder = builder.worker(FnWorker::new(format!("idle_{n}"), |_task: Task| async {
            Ok(WorkerOutput::completed_with_result(true))
        }));
    }
    let mut handler = builder.build().unwrap();
    handler.start().await.unwrap();
    // Let the idle backoff reach its steady state (the poll interval) first.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls_before = polls.0.load(Ordering::Relaxed);
    let mark = Measured::start();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let measured = Measured::since(mark);
    let rate = (polls.0.load(Ordering::Relaxed) - polls_before) as f64 / measured.seconds;
    handler.stop().await.unwrap();
    (measured, rate)
}

/// One row of the table: `tasks` tasks measured as `measured`.
fn report(name: &str, tasks: u64, measured: &Measured) {
    println!(
        "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {:.3} |",
        tasks as f64 / measured.seconds,
        measured.seconds,
        measured.worker_cpu,
        measured.server_cpu,
        measured.worker_cpu * 1000.0 / tasks as f64,
    );
}

/// `--tracing-paired`: tracing off, on with the simple span processor and on with the batch
/// one, on with a tenth of the workflows sampled, in one process, with two cases that split
/// what tracing on costs: a subscriber that
/// records the runtime's spans but sends them nowhere (a `tracing` registry with a level
/// filter, what a service that logs already pays), and the task's span made through the
/// OpenTelemetry API alone with no subscriber (the SDK's part: `--otel-api-span`'s span).
///
/// A case's subscriber is the worker's thread's default for its run only (the server's threads
/// are never traced). Each round runs the cases in turn, the first one rotating, so that a
/// round's runs share the machine's state of that moment: on a shared 2-vCPU host the speed
/// drifts by tens of percent within seconds, which separate processes a few seconds apart
/// cannot cancel. Ends with each case's change against the run with tracing off of the same
/// round.
///
/// Tracing off here is a thread with no subscriber in a process where one exists elsewhere:
/// every `tracing` call site asks the thread's (no-op) default instead of finding its interest
/// cached as never. That is a few nanoseconds per call site, and it makes off slightly slower,
/// so the change it shows for tracing on is, if anything, too small by that much; the
/// process-per-case runs of `cargo xtask bench tracing` measure true tracing off.
#[cfg(feature = "otel")]
fn paired(
    worker_rt: &Runtime,
    client: &ConductorClient,
    config: &Configuration,
    tasks: u64,
    threads: usize,
    rounds: u64,
) {
    let debug = !flag("--tracing-info");
    let level = if debug { "debug" } else { "info" };
    // Debug adds the execute and update spans and their HTTP calls to the task span.
    let expected_per_task = if debug { 4 } else { 1 };
    let traced = |batch: bool| {
        let (count, provider, dispatch) = traced::subscriber(debug, batch);
        PairedCase {
            dispatch: Some(dispatch),
            exported: Some((count, provider, expected_per_task)),
            ..PairedCase::default()
        }
    };
    let api_span = {
        let (count, provider) = traced::counting_provider(false, false);
        PairedCase {
            per_task: Some(traced::api_span_per_task(&provider)),
            exported: Some((count, provider, 1)),
            ..PairedCase::default()
        }
    };
    let sdk_spans = |batch: bool| {
        let (count, provider, dispatch) = traced::sdk_task_spans(batch);
        PairedCase {
            dispatch: Some(dispatch),
            task_spans_tracer: Some(opentelemetry::trace::TracerProvider::tracer(
                &provider, "bench",
            )),
            exported: Some((count, provider, 1)),
            ..PairedCase::default()
        }
    };
    let cases = [
        (
            "TaskHandler, paired, tracing off".to_owned(),
            PairedCase::default(),
        ),
        (
            format!("TaskHandler, paired, tracing on ({level}, simple)"),
            traced(false),
        ),
        (
            format!("TaskHandler, paired, tracing on ({level}, batch)"),
            traced(true),
        ),
        (
            format!("TaskHandler, paired, tracing on ({level}, simple), a tenth of the workflows sampled"),
            {
                let mut case = traced(false);
                case.sampling_ratio = Some(0.1);
                // About a tenth of the spans: no count to fall short of.
                if let Some((_, _, expected)) = case.exported.as_mut() {
                    *expected = 0;
                }
                case
            },
        ),
        (
            format!("TaskHandler, paired, a subscriber without OpenTelemetry ({level})"),
            PairedCase {
                dispatch: Some(traced::recording_only(debug)),
                ..PairedCase::default()
            },
        ),
        (
            "TaskHandler, paired, the task span through the OpenTelemetry API, no subscriber (simple)"
                .to_owned(),
            api_span,
        ),
        (
            "TaskHandler, paired, tracing on (info, simple), task spans built by the SDK".to_owned(),
            sdk_spans(false),
        ),
        (
            "TaskHandler, paired, tracing on (info, batch), task spans built by the SDK".to_owned(),
            sdk_spans(true),
        ),
    ];
    let mut rounds_measured: Vec<Vec<Measured>> = Vec::new();
    for round in 0..rounds {
        let mut measured: Vec<Option<Measured>> = cases.iter().map(|_| None).collect();
        for step in 0..cases.len() {
            let index = (usize::try_from(round).unwrap() + step) % cases.len();
            let (name, case) = &cases[index];
            let client_for_queue = client.clone();
            worker_rt
                .block_on(
                    worker_rt.spawn(async move { queue_tasks(&client_for_queue, tasks).await }),
                )
                .unwrap();
            conductor_client::otel::set_workflow_sampling_ratio(case.sampling_ratio.unwrap_or(1.0));
            // The handler's tasks all run on the runtime's one worker thread.
            let dispatch = case.dispatch.clone();
            worker_rt
                .block_on(worker_rt.spawn(async move {
                    traced::set_for_this_thread(dispatch.as_ref());
                }))
                .unwrap();
            // Built by the SDK: installed for this run only (dropping it builds what is left).
            let task_spans = case
                .task_spans_tracer
                .clone()
                .map(conductor_worker::otel::TaskSpans::install);
            let before = case
                .exported
                .as_ref()
                .map(|(count, _, _)| count.load(Ordering::Relaxed));
            let run = worker_rt
                .block_on(worker_rt.spawn(through_handler(
                    config.clone(),
                    tasks,
                    threads,
                    case.per_task.clone(),
                )))
                .unwrap();
            worker_rt
                .block_on(worker_rt.spawn(async { traced::set_for_this_thread(None) }))
                .unwrap();
            drop(task_spans);
            let mut row = name.clone();
            if let (Some((count, provider, expected)), Some(before)) = (&case.exported, before) {
                row.push_str(&traced::exported_spans(
                    (count, provider),
                    before,
                    tasks,
                    *expected,
                ));
            }
            report(&format!("{row} (round {})", round + 1), tasks, &run);
            measured[index] = Some(run);
        }
        rounds_measured.push(measured.into_iter().map(Option::unwrap).collect());
    }
    println!(
        "\npaired: each case against the run with tracing off of the same round, over {rounds} rounds (median, and the middle half of the rounds)\n"
    );
    println!("| case | tasks/s | worker CPU per task |");
    println!("| --- | ---: | ---: |");
    for (index, (name, _)) in cases.iter().enumerate().skip(1) {
        let throughput = rounds_measured
            .iter()
            .map(|round| round[0].seconds / round[index].seconds - 1.0)
            .collect();
        let cpu = rounds_measured
            .iter()
            .map(|round| round[index].worker_cpu / round[0].worker_cpu - 1.0)
            .collect();
        println!(
            "| {name} | {} | {} |",
            median_and_quartiles(throughput),
            median_and_quartiles(cpu)
        );
    }
}

/// One case of `--tracing-paired`: the worker thread's subscriber, the provider its spans are
/// exported to (with the spans expected per task), and the work the worker does per task.
#[cfg(feature = "otel")]
#[derive(Default)]
struct PairedCase {
    dispatch: Option<tracing::Dispatch>,
    exported: Option<(
        Arc<AtomicUsize>,
        opentelemetry_sdk::trace::SdkTracerProvider,
        u64,
    )>,
    per_task: Option<PerTask>,
    /// The tracer of the task spans the SDK builds (`TaskSpans`), when it builds them.
    task_spans_tracer: Option<opentelemetry_sdk::trace::SdkTracer>,
    /// The share of workflows traced (`conductor::otel::set_workflow_sampling_ratio`); all of
    /// them when `None`.
    sampling_ratio: Option<f64>,
}

/// `-8.1 % [-10.2 %, -6.0 %]`: the median of relative changes and their first and third
/// quartiles (nearest rank).
#[cfg(feature = "otel")]
fn median_and_quartiles(mut changes: Vec<f64>) -> String {
    changes.sort_by(f64::total_cmp);
    let at = |quantile: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = ((changes.len() - 1) as f64 * quantile).round() as usize;
        changes[rank] * 100.0
    };
    format!("{:+.1} % [{:+.1} %, {:+.1} %]", at(0.5), at(0.25), at(0.75))
}

fn main() {
    let tasks = arg("--tasks", 5000);
    let threads = usize::try_from(arg("--threads", 8)).unwrap();
    let idle_seconds = arg("--idle-seconds", 5);
    let rounds = arg("--rounds", 2);
    let handler_only = flag("--handler-only");

    let server_rt = runtime("bench-server");
    let worker_rt = runtime("bench-worker");
    #[cfg(feature = "otel")]
    let (traced, task_spans) = match flag("--tracing-on").then(|| {
        traced::install(
            !flag("--tracing-info"),
            flag("--tracing-batch"),
            flag("--task-spans"),
        )
    }) {
        Some((count, provider, task_spans)) => (Some((count, provider)), task_spans),
        None => (None, None),
    };
    // `--otel-api-span`: tracing off; the worker makes each task's span itself, through the
    // OpenTelemetry API alone.
    #[cfg(feature = "otel")]
    let api_spans =
        flag("--otel-api-span").then(|| traced::counting_provider(flag("--tracing-batch"), false));
    #[cfg(feature = "otel")]
    let per_task: Option<PerTask> = api_spans
        .as_ref()
        .map(|(_, provider)| traced::api_span_per_task(provider));
    #[cfg(feature = "otel")]
    assert!(
        traced.is_none() || api_spans.is_none(),
        "--tracing-on and --otel-api-span are two different cases"
    );
    #[cfg(not(feature = "otel"))]
    let per_task: Option<PerTask> = None;
    #[cfg(not(feature = "otel"))]
    assert!(
        !flag("--tracing-on") && !flag("--tracing-paired") && !flag("--otel-api-span"),
        "--tracing-on, --tracing-paired and --otel-api-span need the bench built with --features otel"
    );
    let server = server_rt.block_on(DevServer::start()).unwrap();
    let config = Configuration::new(server.url());
    let client = ConductorClient::new(config.clone()).unwrap();

    {
        let client = client.clone();
        worker_rt
            .block_on(worker_rt.spawn(async move { setup(&client).await }))
            .unwrap();
    }

    println!(
        "worker runtime benchmark: {tasks} no-op tasks, {threads} slots, embedded server on loopback"
    );
    println!(
        "(server and workers on separate 1-thread runtimes; CPU = user+system seconds of each side's threads)\n"
    );
    println!("| case | tasks/s | wall s | worker CPU s | server CPU s | worker CPU ms/task |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    #[cfg(feature = "otel")]
    if flag("--tracing-paired") {
        paired(&worker_rt, &client, &config, tasks, threads, rounds);
        server_rt.block_on(server.shutdown());
        return;
    }
    let report = |name: &str, measured: &Measured| report(name, tasks, measured);
    #[cfg(feature = "otel")]
    let tracing = match (&traced, &api_spans) {
        (Some(_), _) if task_spans.is_some() => {
            ", otel compiled, tracing on, task spans built by the SDK"
        }
        (Some(_), _) => ", otel compiled, tracing on",
        (None, Some(_)) => ", otel compiled, tracing off, OpenTelemetry API span",
        (None, None) => ", otel compiled, tracing off",
    };
    // The spans exported, whichever way they were made.
    #[cfg(feature = "otel")]
    let exported = traced.as_ref().or(api_spans.as_ref());
    #[cfg(not(feature = "otel"))]
    let tracing = "";
    for round in 0..rounds {
        let client_for_queue = client.clone();
        worker_rt
            .block_on(worker_rt.spawn(async move { queue_tasks(&client_for_queue, tasks).await }))
            .unwrap();
        #[cfg(feature = "otel")]
        let before = exported.map(|(count, _)| count.load(Ordering::Relaxed));
        let handler_run = worker_rt
            .block_on(worker_rt.spawn(through_handler(
                config.clone(),
                tasks,
                threads,
                per_task.clone(),
            )))
            .unwrap();
        #[allow(unused_mut)]
        let mut name = format!("TaskHandler{tracing}");
        #[cfg(feature = "otel")]
        if let (Some((count, provider)), Some(before)) = (exported, before) {
            let info = flag("--tracing-info") || api_spans.is_some();
            name.push_str(if info { " (info" } else { " (debug" });
            name.push_str(if flag("--tracing-batch") {
                ", batch)"
            } else {
                ", simple)"
            });
            // Info: one span per task; debug adds execute, update and their HTTP calls.
            let expected_per_task = if info { 1 } else { 4 };
            // Built by the SDK: the spans recorded so far are built first.
            if let Some(task_spans) = &task_spans {
                task_spans.flush();
            }
            name.push_str(&traced::exported_spans(
                (count, provider),
                before,
                tasks,
                expected_per_task,
            ));
        }
        report(&format!("{name} (round {})", round + 1), &handler_run);
        if handler_only {
            continue;
        }

        let client_for_queue = client.clone();
        worker_rt
            .block_on(worker_rt.spawn(async move { queue_tasks(&client_for_queue, tasks).await }))
            .unwrap();
        let bare = worker_rt
            .block_on(worker_rt.spawn(bare_loop(client.clone(), tasks, threads)))
            .unwrap();
        report(&format!("bare HTTP loop (round {})", round + 1), &bare);
    }

    if handler_only {
        server_rt.block_on(server.shutdown());
        return;
    }
    let (idle_run, poll_rate) = worker_rt
        .block_on(worker_rt.spawn(idle(config.clone(), idle_seconds)))
        .unwrap();
    println!(
        "\nidle handler, 10 workers, default settings (poll interval 100 ms, long poll 100 ms), {idle_seconds} s:"
    );
    println!(
        "  worker threads CPU: {:.3} s = {:.2} % of one core; server: {:.3} s; {:.1} polls/s",
        idle_run.worker_cpu,
        idle_run.worker_cpu * 100.0 / idle_run.seconds,
        idle_run.server_cpu,
        poll_rate,
    );
    server_rt.block_on(server.shutdown());
}
