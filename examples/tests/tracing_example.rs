//! Runs `tracing_example` (feature `otel`) and checks that the workflow completes and that its
//! three tasks, run by two workers, are one trace: the example itself fails when a task span is
//! outside the trace derived from the workflow id. A test binary of its own, because the example
//! installs the process's global subscriber.

use conductor::models::WorkflowStatus;
use conductor::server::DevServer;
use conductor_examples::Environment;
use conductor_examples::tracing_example::{self, Tracing};
use conductor_test_support::{external_server_url, unique_name};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_workflow_is_one_trace() {
    let tracing = Tracing::install().expect("no other global subscriber in this test binary");
    let env = match external_server_url() {
        Some(url) => Environment::external(url).expect("the client builds"),
        None => Environment::embedded(DevServer::builder())
            .await
            .expect("the embedded server starts"),
    }
    .with_name_suffix(unique_name("ex"));
    let outcome = tracing_example::run(&env, &tracing).await;
    env.shutdown().await;
    let outcome = outcome.expect("the example runs");
    let workflow = outcome.workflow().expect("the workflow ran");
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(
        serde_json::to_value(&workflow.output).expect("output serializes"),
        json!({"shipment": "parcel for order-7"})
    );
    // Spans of this workflow only: three tasks, each with its execution and its update.
    let spans = tracing.spans().expect("spans");
    let trace_id = conductor::otel::workflow_trace_id(&workflow.workflow_id);
    let names: Vec<&str> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace_id)
        .map(|s| s.name.as_ref())
        .collect();
    for name in ["conductor.task", "conductor.execute", "conductor.update"] {
        assert_eq!(
            names.iter().filter(|n| **n == name).count(),
            3,
            "{name} in {names:?}"
        );
    }
}
