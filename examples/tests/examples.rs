//! Runs every example in-process, each against a fresh embedded server, and checks the status and
//! a key output of the workflow it ends with. (`cargo test` also builds every example binary.)
//!
//! Not in the run list: none of the 26 examples is left out. `vector_db_example` needs a vector
//! database integration the embedded server does not have (its LLM_INDEX_TEXT / LLM_SEARCH_INDEX
//! tasks fail with "not supported by this server"), so its test checks that it explains this and
//! exits cleanly; the two LLM examples run against a local fake OpenAI-compatible endpoint, and
//! also without one, where they must explain what to configure.

use axum::Json;
use axum::Router;
use axum::routing::post;
use conductor::models::WorkflowStatus;
use conductor::server::{DevServer, DevServerBuilder};
use conductor_examples::{Environment, Outcome};
use serde_json::{Value, json};

async fn fresh(builder: DevServerBuilder) -> Environment {
    Environment::embedded(builder)
        .await
        .expect("the embedded server starts")
}

/// Runs one example on a fresh embedded server and returns the final workflow's status and output.
macro_rules! run_example {
    ($module:ident) => {
        run_example!($module, DevServer::builder())
    };
    ($module:ident, $builder:expr) => {{
        let env = fresh($builder).await;
        let outcome = conductor_examples::$module::run(&env).await;
        env.shutdown().await;
        match outcome {
            Ok(Outcome::Finished(workflow)) => (workflow.status, Value::Object(workflow.output)),
            Ok(Outcome::Unavailable(why)) => panic!("{} did not run: {why}", stringify!($module)),
            Err(err) => panic!("{} failed: {err}", stringify!($module)),
        }
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_world_greets() {
    let (status, output) = run_example!(hello_world);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"greeting": "Hello, World!"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_workers_price_every_order() {
    let (status, output) = run_example!(async_workers);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"price": 90.0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_workflow_totals_the_order() {
    let (status, output) = run_example!(dynamic_workflow);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"total": 42.5, "currency": "EUR"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_task_reads_the_local_endpoint() {
    let (status, output) = run_example!(http_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output["statusCode"], json!(200));
    assert_eq!(output["order"]["orderId"], json!("A-1001"));
    assert_eq!(output["order"]["status"], json!("SHIPPED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_workflow_output_reaches_the_parent() {
    let (status, output) = run_example!(sub_workflow_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"paymentId": "pay-A-7", "confirmation": "order A-7 confirmed (pay-A-7)"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_join_gathers_every_branch() {
    let (status, output) = run_example!(fork_join_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"email": "email sent to ada", "sms": "sms sent to ada", "push": "push sent to ada"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_takes_the_card_branch() {
    let (status, output) = run_example!(switch_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output["processedBy"], json!("card"));
    assert_eq!(output["receipt"], json!("charged 30 to the card"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_while_runs_three_iterations() {
    let (status, output) = run_example!(do_while_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"iterations": 3, "lastBatch": "batch 3 done"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_fails_the_invalid_order() {
    let (status, output) = run_example!(terminate_example);
    assert_eq!(status, WorkflowStatus::Failed);
    assert_eq!(output, json!({"rejected": true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_variable_keeps_values_across_tasks() {
    let (status, output) = run_example!(set_variable_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"customer": "c-42", "tier": "gold", "discount": 15})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_task_summarizes_items() {
    let (status, output) = run_example!(inline_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"total": 65, "count": 3, "expensive": ["lamp"]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_task_completes_on_approval() {
    let (status, output) = run_example!(wait_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"approved": true, "approver": "manager@example.com"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_starts_the_shipping_workflow() {
    let (status, output) = run_example!(event_driven_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"tracking": "TRACK-A-99"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_scraped() {
    let (status, output) = run_example!(metrics_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"result": "resized photo.png"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_worker_registers_and_runs() {
    let (status, output) = run_example!(json_schema_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"status": "accepted", "itemCount": 2}));
}

#[cfg(feature = "macros")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macro_workers_run() {
    let (status, output) = run_example!(worker_macro_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"greeting": "Hello, Ada!", "sum": 5, "checked": "valid: Ada"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_poll_waits_for_the_job() {
    let (status, output) = run_example!(http_poll_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output["jobStatus"], json!("COMPLETED"));
    assert_eq!(
        output["calls"],
        json!(conductor_examples::local_http::JOB_RUNNING_CALLS + 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_completes_the_matching_task() {
    let (status, output) = run_example!(wait_for_webhook_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"paidAmount": 25, "paymentId": "pay-991"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_updates_answer_the_new_state() {
    let (status, output) = run_example!(sync_state_update_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"manager": "approved", "finance": "approved"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_from_the_failed_task_completes() {
    let (status, output) = run_example!(workflow_rerun_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"rows": 120, "table": "sales"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_script_completes_with_two_of_three() {
    let (status, output) = run_example!(fork_join_script_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"summary": "2 quotes before the deadline"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_are_audited() {
    let (status, output) = run_example!(task_status_audit_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"paymentId": "pay-A-8"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_task_routes_to_express() {
    let (status, output) = run_example!(dynamic_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"shipment": "express: 1 day"}));
}

// --- The AI examples -------------------------------------------------------------------------

/// A local OpenAI-compatible endpoint: every chat completion answers `reply`.
async fn fake_openai(reply: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |Json(request): Json<Value>| async move {
            assert!(
                request["messages"].is_array(),
                "chat request without messages: {request}"
            );
            Json(json!({
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": request["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": reply}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind the fake endpoint");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("fake endpoint serves");
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_helloworld_uses_the_configured_endpoint() {
    let (url, endpoint) = fake_openai("Hello, Rust developers!").await;
    let (status, output) = run_example!(
        openai_helloworld,
        DevServer::builder().openai(url, Some("test-key".into()))
    );
    endpoint.abort();
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"text": "Hello, Rust developers!"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_chat_uses_the_configured_endpoint() {
    let (url, endpoint) = fake_openai("It runs and tracks the steps of a process.").await;
    let (status, output) = run_example!(llm_chat_example, DevServer::builder().openai(url, None));
    endpoint.abort();
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(
        output,
        json!({"answer": "It runs and tracks the steps of a process."})
    );
}

/// Without an AI integration, an AI example must explain what to configure, not fail.
async fn explains_missing_integration(
    outcome: Result<Outcome, conductor_examples::BoxError>,
    expected: &str,
) {
    match outcome {
        Ok(Outcome::Unavailable(why)) => {
            assert!(
                why.contains(expected),
                "explanation lacks {expected:?}: {why}"
            );
            assert!(
                why.contains("CONDUCTOR_SERVER_OPENAI_BASE_URL"),
                "no set-up hint: {why}"
            );
        }
        Ok(Outcome::Finished(workflow)) => {
            panic!("ran without an AI integration: {:?}", workflow.status)
        }
        Err(err) => panic!("failed instead of explaining: {err}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_examples_explain_when_no_integration_is_configured() {
    let env = fresh(DevServer::builder()).await;
    explains_missing_integration(
        conductor_examples::openai_helloworld::run(&env).await,
        "no AI integration",
    )
    .await;
    explains_missing_integration(
        conductor_examples::llm_chat_example::run(&env).await,
        "no AI integration",
    )
    .await;
    env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_db_example_explains_the_missing_vector_database() {
    // Even with an LLM endpoint, the embedded server has no vector database integration.
    let (url, endpoint) = fake_openai("unused").await;
    let env = fresh(DevServer::builder().openai(url, None)).await;
    let outcome = conductor_examples::vector_db_example::run(&env).await;
    env.shutdown().await;
    endpoint.abort();
    explains_missing_integration(outcome, "not supported by this server").await;
}
