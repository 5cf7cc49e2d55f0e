//! tracing_example: one workflow, one trace. Two workers (as if in two processes) run the
//! three tasks of an order workflow with OpenTelemetry on (feature `otel`); every span they make
//! joins the trace derived from the workflow's id, with no help from the server, and the example
//! prints that trace as a tree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use conductor::models::{StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask};
use conductor::otel::{workflow_span_id, workflow_trace_id};
use conductor::worker::{FnWorker, WorkerOutput};
use conductor::{Configuration, TaskHandler};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "tracing_example";

/// The tracer of this process: `tracing` spans go to log lines on stderr and, through
/// `tracing-opentelemetry`, to an in-memory exporter (a real service would export to an OTLP
/// collector instead; nothing else changes).
#[derive(Debug)]
pub struct Tracing {
    provider: SdkTracerProvider,
    exporter: InMemorySpanExporter,
}

impl Tracing {
    /// Installs the process's global subscriber: log lines (filtered by `RUST_LOG`, `info` by
    /// default) and every `conductor` span at debug level into OpenTelemetry.
    ///
    /// # Errors
    ///
    /// When the process already has a global subscriber.
    pub fn install() -> Result<Self, BoxError> {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let logs = tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_writer(std::io::stderr)
            .with_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            );
        let traces = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("tracing_example"))
            .with_filter(tracing_subscriber::EnvFilter::new("conductor=debug"));
        tracing_subscriber::registry()
            .with(logs)
            .with(traces)
            .try_init()?;
        Ok(Self { provider, exporter })
    }

    /// Every span exported so far.
    ///
    /// # Errors
    ///
    /// When the exporter cannot be read.
    pub fn spans(&self) -> Result<Vec<SpanData>, BoxError> {
        self.provider.force_flush()?;
        Ok(self.exporter.get_finished_spans()?)
    }
}

use tracing_subscriber::Layer as _;

/// Runs the example; the workflow's output is `{"shipment": "parcel for order-7"}`, and its
/// trace (every span of its three tasks, from both workers) is logged as a tree.
///
/// # Errors
///
/// When the server rejects a call, the workflow does not complete, or its tasks' spans are not
/// all in the workflow's trace.
pub async fn run(env: &Environment, tracing: &Tracing) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let (validate, charge, ship) = (env.name("validate"), env.name("charge"), env.name("ship"));
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(WorkflowTask::simple(&validate, "validate_ref"))
        .with_task(WorkflowTask::simple(&charge, "charge_ref"))
        .with_task(
            WorkflowTask::simple(&ship, "ship_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("shipment", "${ship_ref.output.result}");
    register(&env.client, &[&validate, &charge, &ship], &workflow).await?;

    // Two handlers, as two deployments would run them: payments apart from the rest.
    let mut orders = handler(&env.config, vec![&validate, &ship])?;
    let mut payments = handler(&env.config, vec![&charge])?;
    orders.start().await?;
    payments.start().await?;
    let result = async {
        let workflow_id = env
            .client
            .workflow_client()
            .start_workflow(
                &StartWorkflowRequest::new(&workflow_name)
                    .with_version(1)
                    .with_input_value("orderId", "order-7"),
            )
            .await?;
        finished(&env.client, &workflow_id).await
    }
    .await;
    orders.stop().await?;
    payments.stop().await?;
    let workflow = result?;

    let spans = tracing.spans()?;
    let trace_id = workflow_trace_id(&workflow.workflow_id);
    let in_trace: Vec<&SpanData> = spans
        .iter()
        .filter(|span| span.span_context.trace_id() == trace_id)
        .collect();
    let task_spans = in_trace
        .iter()
        .filter(|span| span.name == "conductor.task")
        .count();
    if task_spans != workflow.tasks.len() {
        return Err(format!(
            "{} task spans in the workflow's trace, for {} tasks",
            task_spans,
            workflow.tasks.len()
        )
        .into());
    }
    tracing::info!(
        "the workflow's trace ({} spans):\n{}",
        in_trace.len(),
        trace_tree(&workflow.workflow_id, &in_trace)
    );
    expect_status(workflow, WorkflowStatus::Completed)
}

/// A handler running a worker for each of `task_types`.
fn handler(config: &Configuration, task_types: Vec<&String>) -> Result<TaskHandler, BoxError> {
    let mut builder = TaskHandler::builder(config.clone());
    for task_type in task_types {
        builder = builder.worker(FnWorker::new(task_type.as_str(), |task: Task| async move {
            let order = task.get_input_string("orderId").unwrap_or_default();
            Ok(WorkerOutput::completed_with_result(format!(
                "parcel for {order}"
            )))
        }));
    }
    Ok(builder.build()?)
}

/// The spans of one trace as an indented tree under the workflow's (remote) root, each with its
/// duration and the attributes that say what it was about.
#[must_use]
pub fn trace_tree(workflow_id: &str, spans: &[&SpanData]) -> String {
    let mut by_parent: BTreeMap<String, Vec<&SpanData>> = BTreeMap::new();
    for span in spans {
        by_parent
            .entry(span.parent_span_id.to_string())
            .or_default()
            .push(span);
    }
    for children in by_parent.values_mut() {
        children.sort_by_key(|span| span.start_time);
    }
    let mut out = format!(
        "workflow {workflow_id} (trace {}, root span {})\n",
        workflow_trace_id(workflow_id),
        workflow_span_id(workflow_id)
    );
    write_children(
        &mut out,
        &by_parent,
        &workflow_span_id(workflow_id).to_string(),
        1,
    );
    out
}

fn write_children(
    out: &mut String,
    by_parent: &BTreeMap<String, Vec<&SpanData>>,
    parent: &str,
    depth: usize,
) {
    for span in by_parent.get(parent).into_iter().flatten() {
        let millis = span
            .end_time
            .duration_since(span.start_time)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        let details: Vec<String> = span
            .attributes
            .iter()
            .filter(|kv| {
                matches!(
                    kv.key.as_str(),
                    "task_type"
                        | "task_id"
                        | "outcome"
                        | "url.template"
                        | "http.response.status_code"
                )
            })
            .map(|kv| format!("{}={}", kv.key, kv.value))
            .collect();
        let _ = writeln!(
            out,
            "{}{} {millis:.1} ms {}",
            "  ".repeat(depth),
            span.name,
            details.join(" ")
        );
        write_children(
            out,
            by_parent,
            &span.span_context.span_id().to_string(),
            depth + 1,
        );
    }
}
