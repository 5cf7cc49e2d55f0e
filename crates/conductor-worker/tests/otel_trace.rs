//! One workflow is one trace, across worker processes (feature `otel`): two worker processes,
//! each with OpenTelemetry's in-memory exporter, run the two tasks of a workflow; the spans they
//! export share the trace derived from the workflow id, nest as the runtime documents
//! (`conductor.task` > `conductor.execute` / `conductor.update` > `conductor.http`), and carry
//! the task's attributes. A workflow started inside a traced span of the application, with its
//! `traceparent` in the input, is continued instead. The test runs itself again as each worker
//! process (`OTEL_CHILD_URL` set). It runs on the embedded server, and on conductor-oss in the
//! real-server suites (`cargo xtask oss-test`).

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conductor_client::ConductorClient;
use conductor_client::otel::{
    TracePropagation as _, is_workflow_sampled, workflow_span_id, workflow_trace_id,
};
use conductor_http::Configuration;
use conductor_models::{
    StartWorkflowRequest, Task, TaskDef, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_server::DevServer;
use conductor_test_support::{external_server_url, unique_name};
use conductor_worker::otel::{TaskSpanIds, TaskSpans, is_task_span};
use conductor_worker::{EnvLookup, FnWorker, TaskHandler, WorkerOutput};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt as _;

const TEST_NAME: &str = "a_workflow_run_by_two_worker_processes_is_one_trace";
const CHILD_URL: &str = "OTEL_CHILD_URL";
const CHILD_TASK: &str = "OTEL_CHILD_TASK";
const CHILD_OUT: &str = "OTEL_CHILD_OUT";
/// Set in the child that records with the layer settings docs/tracing.md recommends.
const CHILD_LEAN: &str = "OTEL_CHILD_LEAN";
/// Set in the child whose task spans the SDK builds itself (`TaskSpans`, `TaskSpanIds`).
const CHILD_SDK_SPANS: &str = "OTEL_CHILD_SDK_SPANS";
const WAIT: Duration = Duration::from_secs(30);

/// An in-memory tracer provider and the subscriber that feeds it from `tracing` (debug level, so
/// that polls and HTTP calls are recorded too).
fn traced() -> (
    SdkTracerProvider,
    InMemorySpanExporter,
    impl tracing::Subscriber + Send + Sync,
) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::DEBUG)
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("otel_trace_test")));
    (provider, exporter, subscriber)
}

/// One exported span, as the child writes it and the parent reads it.
fn span_json(span: &SpanData) -> Value {
    let attributes: BTreeMap<String, String> = span
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    json!({
        "name": span.name,
        "trace_id": span.span_context.trace_id().to_string(),
        "span_id": span.span_context.span_id().to_string(),
        "parent_span_id": span.parent_span_id.to_string(),
        "start_ns": nanos(span.start_time),
        "end_ns": nanos(span.end_time),
        "attributes": attributes,
    })
}

fn nanos(time: std::time::SystemTime) -> u64 {
    let since = time.duration_since(std::time::UNIX_EPOCH).unwrap();
    u64::try_from(since.as_nanos()).unwrap()
}

/// Whether `inner` starts and ends within `outer`.
fn within(inner: &Value, outer: &Value) -> bool {
    outer["start_ns"].as_u64() <= inner["start_ns"].as_u64()
        && inner["end_ns"].as_u64() <= outer["end_ns"].as_u64()
        && inner["start_ns"].as_u64() <= inner["end_ns"].as_u64()
}

/// The worker process: runs `task_type` until its stdin closes, then writes every span it
/// exported to `out`, one JSON object per line.
async fn run_child(url: &str, task_type: &str, out: &Path) {
    if std::env::var_os(CHILD_SDK_SPANS).is_some() {
        let (provider, exporter, subscriber) = traced_lean_with(true);
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let task_spans = TaskSpans::install(provider.tracer("otel_trace_test"));
        return serve(url, task_type, out, &provider, &exporter, Some(task_spans)).await;
    }
    if std::env::var_os(CHILD_LEAN).is_some() {
        let (provider, exporter, subscriber) = traced_lean_with(false);
        tracing::subscriber::set_global_default(subscriber).unwrap();
        return serve(url, task_type, out, &provider, &exporter, None).await;
    }
    let (provider, exporter, subscriber) = traced();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    serve(url, task_type, out, &provider, &exporter, None).await;
}

/// The recommended layer settings (docs/tracing.md: spans only, no context activation, no
/// timings, location, thread or target attributes), at debug so that the nesting of the inner
/// spans is checked too: without context activation it comes from the `tracing` spans alone.
/// With `sdk_task_spans`, the set-up for the task spans built by the SDK: the provider takes
/// the SDK's task span ids, and the layer leaves the runtime's `conductor.task` span to it.
fn traced_lean_with(
    sdk_task_spans: bool,
) -> (
    SdkTracerProvider,
    InMemorySpanExporter,
    impl tracing::Subscriber + Send + Sync,
) {
    use tracing_subscriber::Layer as _;

    let exporter = InMemorySpanExporter::default();
    let builder = SdkTracerProvider::builder().with_simple_exporter(exporter.clone());
    let provider = if sdk_task_spans {
        builder.with_id_generator(TaskSpanIds::default())
    } else {
        builder
    }
    .build();
    let spans = tracing_subscriber::filter::filter_fn(move |meta| {
        meta.is_span()
            && *meta.level() <= tracing::Level::DEBUG
            && !(sdk_task_spans && is_task_span(meta))
    });
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("otel_trace_test"))
        .with_context_activation(false)
        .with_tracked_inactivity(false)
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_filter(spans);
    (
        provider,
        exporter,
        tracing_subscriber::registry().with(layer),
    )
}

/// Runs `task_type` until stdin closes, then writes the exported spans to `out` (the task
/// spans the SDK builds, when `task_spans` is given, are built first).
async fn serve(
    url: &str,
    task_type: &str,
    out: &Path,
    provider: &SdkTracerProvider,
    exporter: &InMemorySpanExporter,
    task_spans: Option<TaskSpans>,
) {
    let output = format!("{task_type} done");
    let worker = FnWorker::new(task_type, move |_task: Task| {
        let output = output.clone();
        async move { Ok(WorkerOutput::completed_with_result(output)) }
    });
    let mut handler = TaskHandler::builder(Configuration::new(url))
        .env_lookup(EnvLookup::from_map(HashMap::new()))
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    tokio::task::spawn_blocking(|| {
        let mut rest = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut rest);
    })
    .await
    .unwrap();
    handler.stop().await.unwrap();
    drop(task_spans);
    provider.force_flush().unwrap();
    let lines: Vec<String> = exporter
        .get_finished_spans()
        .unwrap()
        .iter()
        .map(|span| span_json(span).to_string())
        .collect();
    std::fs::write(out, lines.join("\n")).unwrap();
}

fn spawn_child(url: &str, task_type: &str, out: &Path, lean: bool) -> Child {
    spawn_child_with(url, task_type, out, lean, &[])
}

/// A worker process whose task spans the SDK builds ([`traced_lean_with`]).
fn spawn_child_with_sdk_spans(url: &str, task_type: &str, out: &Path) -> Child {
    spawn_child_with(url, task_type, out, false, &[(CHILD_SDK_SPANS, "1")])
}

/// [`spawn_child`] with more environment variables (the OpenTelemetry SDK's sampler's).
fn spawn_child_with(
    url: &str,
    task_type: &str,
    out: &Path,
    lean: bool,
    env: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", TEST_NAME, "--nocapture"])
        .env(CHILD_URL, url)
        .env(CHILD_TASK, task_type)
        .env(CHILD_OUT, out)
        .envs(env.iter().copied())
        .stdin(Stdio::piped());
    if lean {
        command.env(CHILD_LEAN, "1");
    }
    command.spawn().unwrap()
}

/// Closes the child's stdin (its signal to stop) and reads the spans it exported. Waits without
/// blocking the test's runtime, which also runs the server the child talks to.
async fn finish_child(mut child: Child, out: &Path) -> Vec<Value> {
    drop(child.stdin.take());
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the worker process failed: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the worker process did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The embedded server, or the real one the suites run against (then with names unique to
/// this run, so that no other worker polls these tasks), and its URL.
async fn server() -> (Option<DevServer>, String) {
    match external_server_url() {
        Some(url) => (None, url),
        None => {
            let server = DevServer::start().await.unwrap();
            let url = server.url();
            (Some(server), url)
        }
    }
}

async fn wait_until_completed(client: &ConductorClient, id: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let workflow = client.workflow_client().get_workflow(id).await.unwrap();
        if workflow.status == WorkflowStatus::Completed {
            return;
        }
        assert!(
            workflow.status == WorkflowStatus::Running && Instant::now() < deadline,
            "workflow {id} ended {:?} or took too long",
            workflow.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn attr<'a>(span: &'a Value, key: &str) -> &'a str {
    span["attributes"][key].as_str().unwrap_or("")
}

/// The spans named `name` about the task of type `task_type` in workflow `workflow_id`.
fn task_spans<'a>(spans: &'a [Value], workflow_id: &str, task_type: &str) -> Vec<&'a Value> {
    spans
        .iter()
        .filter(|s| {
            s["name"] == "conductor.task"
                && attr(s, "workflow_id") == workflow_id
                && attr(s, "task_type") == task_type
        })
        .collect()
}

fn children<'a>(spans: &'a [Value], parent: &Value, name: &str) -> Vec<&'a Value> {
    spans
        .iter()
        .filter(|s| {
            s["name"] == name
                && s["parent_span_id"] == parent["span_id"]
                && s["trace_id"] == parent["trace_id"]
        })
        .collect()
}

/// Checks the spans one process exported for its task of `workflow_id`: one task span, a child
/// of `(trace_id, parent_span_id)`, with the task's attributes, over an execute span and an
/// update span, the update over the HTTP call that carried it.
fn check_task_trace(
    spans: &[Value],
    workflow_id: &str,
    task_type: &str,
    trace_id: &str,
    parent_span_id: &str,
) {
    let found = task_spans(spans, workflow_id, task_type);
    assert_eq!(found.len(), 1, "{task_type} of {workflow_id}: {spans:#?}");
    let task = found[0];
    assert_eq!(task["trace_id"], trace_id, "{task:#}");
    assert_eq!(task["parent_span_id"], parent_span_id, "{task:#}");
    assert_eq!(attr(task, "outcome"), "COMPLETED");
    assert_eq!(attr(task, "attempt"), "0");
    assert!(!attr(task, "task_id").is_empty());
    assert!(attr(task, "worker_id").len() > 1);
    let execute = children(spans, task, "conductor.execute");
    assert_eq!(execute.len(), 1, "{task:#}");
    assert_eq!(attr(execute[0], "outcome"), "COMPLETED");
    let updates = children(spans, task, "conductor.update");
    assert_eq!(updates.len(), 1, "{task:#}");
    // The task span covers its children: its start and end are the task's.
    assert!(within(execute[0], task), "{task:#} {:#}", execute[0]);
    assert!(within(updates[0], task), "{task:#} {:#}", updates[0]);
    assert_eq!(attr(updates[0], "outcome"), "accepted");
    assert_eq!(attr(updates[0], "status"), "COMPLETED");
    let calls = children(spans, updates[0], "conductor.http");
    assert!(!calls.is_empty(), "no HTTP span under the update");
    assert_eq!(attr(calls[0], "http.request.method"), "POST");
    // 200, or 204 from update-v2 when it has no next task to hand out.
    assert!(
        ["200", "204"].contains(&attr(calls[0], "http.response.status_code")),
        "{:#}",
        calls[0]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_workflow_run_by_two_worker_processes_is_one_trace() {
    if let (Ok(url), Ok(task_type), Ok(out)) = (
        std::env::var(CHILD_URL),
        std::env::var(CHILD_TASK),
        std::env::var(CHILD_OUT),
    ) {
        return run_child(&url, &task_type, &PathBuf::from(out)).await;
    }
    let (server, url) = server().await;
    let client = ConductorClient::new(Configuration::new(&url)).unwrap();
    let (reserve, charge, ship, flow) = (
        unique_name("reserve"),
        unique_name("charge"),
        unique_name("ship"),
        unique_name("traced_checkout"),
    );
    let metadata = client.metadata_client();
    for name in [&reserve, &charge, &ship] {
        metadata
            .register_task_def(&TaskDef::new(name))
            .await
            .unwrap();
    }
    metadata
        .register_workflow_def(
            &WorkflowDef::new(&flow)
                .with_task(WorkflowTask::simple(&reserve, "reserve_ref").with_trace_propagation())
                .with_task(WorkflowTask::simple(&charge, "charge_ref").with_trace_propagation())
                .with_task(WorkflowTask::simple(&ship, "ship_ref").with_trace_propagation()),
        )
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("conductor-otel-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (reserve_out, charge_out, ship_out) = (
        dir.join("reserve.jsonl"),
        dir.join("charge.jsonl"),
        dir.join("ship.jsonl"),
    );
    // One process with the layer's defaults, one with the recommended lean settings, and one
    // whose task spans the SDK builds.
    let reserver = spawn_child(&url, &reserve, &reserve_out, false);
    let charger = spawn_child(&url, &charge, &charge_out, true);
    let shipper = spawn_child_with_sdk_spans(&url, &ship, &ship_out);

    // A workflow started outside any trace: its tasks join the trace of its id.
    let plain = client
        .workflow_client()
        .start_workflow(&StartWorkflowRequest::new(&flow))
        .await
        .unwrap();
    // A workflow started inside a traced span of the application: its tasks continue that trace.
    let (app_provider, app_exporter, app_subscriber) = traced();
    let request = tracing::subscriber::with_default(app_subscriber, || {
        let span = tracing::info_span!("place_order");
        let _entered = span.enter();
        StartWorkflowRequest::new(&flow).with_current_trace()
    });
    app_provider.force_flush().unwrap();
    let app_spans = app_exporter.get_finished_spans().unwrap();
    assert_eq!(app_spans.len(), 1);
    let app_span = &app_spans[0].span_context;
    assert_eq!(
        request.input["traceparent"],
        format!("00-{}-{}-01", app_span.trace_id(), app_span.span_id())
    );
    let continued = client
        .workflow_client()
        .start_workflow(&request)
        .await
        .unwrap();
    wait_until_completed(&client, &plain).await;
    wait_until_completed(&client, &continued).await;

    let reserve_spans = finish_child(reserver, &reserve_out).await;
    let charge_spans = finish_child(charger, &charge_out).await;
    let ship_spans = finish_child(shipper, &ship_out).await;
    std::fs::remove_dir_all(&dir).unwrap();

    // Both processes put their task of the plain workflow in the trace its id gives.
    let trace_id = workflow_trace_id(&plain).to_string();
    let root_id = workflow_span_id(&plain).to_string();
    assert_eq!(trace_id, plain.replace('-', ""));
    check_task_trace(&reserve_spans, &plain, &reserve, &trace_id, &root_id);
    check_task_trace(&charge_spans, &plain, &charge, &trace_id, &root_id);
    check_task_trace(&ship_spans, &plain, &ship, &trace_id, &root_id);
    // And continue the application's trace for the other one.
    let (app_trace, app_span_id) = (
        app_span.trace_id().to_string(),
        app_span.span_id().to_string(),
    );
    check_task_trace(
        &reserve_spans,
        &continued,
        &reserve,
        &app_trace,
        &app_span_id,
    );
    check_task_trace(&charge_spans, &continued, &charge, &app_trace, &app_span_id);
    check_task_trace(&ship_spans, &continued, &ship, &app_trace, &app_span_id);
    // The SDK built each task span once: no second copy from `tracing-opentelemetry`.
    assert_eq!(
        ship_spans
            .iter()
            .filter(|s| s["name"] == "conductor.task")
            .count(),
        2,
        "{ship_spans:#?}"
    );
    // A process's polls are traces of their own, never part of a workflow's.
    let polls: Vec<&Value> = reserve_spans
        .iter()
        .filter(|s| s["name"] == "conductor.poll")
        .collect();
    assert!(!polls.is_empty());
    assert!(
        polls.iter().all(
            |p| p["trace_id"] != trace_id.as_str() && p["parent_span_id"] == "0000000000000000"
        )
    );
    if let Some(server) = server {
        server.shutdown().await;
    }
}

/// Sampling keeps workflows whole: a worker process whose OpenTelemetry SDK samples half of the
/// traces (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.5`, the
/// SDK's own variables, which the runtime reads too) exports every span of the workflows
/// `is_workflow_sampled` picks at that ratio (the task, its execution, its update and the HTTP
/// call) and none of the others'.
#[cfg(unix)]
#[tokio::test]
async fn a_sampled_out_workflow_has_no_spans_and_a_sampled_one_all_of_them() {
    let (server, url) = server().await;
    let client = ConductorClient::new(Configuration::new(&url)).unwrap();
    let (task, flow) = (unique_name("sampled"), unique_name("sampled_flow"));
    let metadata = client.metadata_client();
    metadata
        .register_task_def(&TaskDef::new(&task))
        .await
        .unwrap();
    metadata
        .register_workflow_def(&WorkflowDef::new(&flow).with_task(WorkflowTask::simple(&task, "t")))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("conductor-otel-sampled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("spans.jsonl");
    let worker = spawn_child_with(
        &url,
        &task,
        &out,
        false,
        &[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ],
    );
    // Workflows until both kinds are there, at least two of each (ids are random).
    let (mut sampled, mut dropped) = (Vec::new(), Vec::new());
    while sampled.len() < 2 || dropped.len() < 2 {
        assert!(
            sampled.len() + dropped.len() < 64,
            "64 workflows all decided alike"
        );
        let id = client
            .workflow_client()
            .start_workflow(&StartWorkflowRequest::new(&flow))
            .await
            .unwrap();
        if is_workflow_sampled(&id, 0.5) {
            sampled.push(id);
        } else {
            dropped.push(id);
        }
    }
    for id in sampled.iter().chain(&dropped) {
        wait_until_completed(&client, id).await;
    }
    let spans = finish_child(worker, &out).await;
    std::fs::remove_dir_all(&dir).unwrap();

    let in_trace = |id: &str| -> Vec<&Value> {
        let trace_id = workflow_trace_id(id).to_string();
        spans
            .iter()
            .filter(|s| s["trace_id"] == trace_id.as_str())
            .collect()
    };
    for id in &sampled {
        let trace = in_trace(id);
        let names: Vec<&str> = trace.iter().map(|s| s["name"].as_str().unwrap()).collect();
        for name in [
            "conductor.task",
            "conductor.execute",
            "conductor.update",
            "conductor.http",
        ] {
            assert!(names.contains(&name), "{id}: no {name} in {names:?}");
        }
        let root_id = workflow_span_id(id).to_string();
        check_task_trace(
            &spans,
            id,
            &task,
            &workflow_trace_id(id).to_string(),
            &root_id,
        );
    }
    for id in &dropped {
        assert!(
            in_trace(id).is_empty(),
            "{id} was sampled out: {:#?}",
            in_trace(id)
        );
    }
    if let Some(server) = server {
        server.shutdown().await;
    }
}
