//! Runs every example in-process and checks the status and a key output of the workflow it ends
//! with. (`cargo test` also builds every example binary.)
//!
//! Each test runs on a fresh embedded server or, when `CONDUCTOR_TEST_SERVER_URL` is set, on that
//! server (a real conductor-oss) unchanged: every name an example registers gets a suffix unique
//! to the test ([`Environment::with_name_suffix`]), so tests running at once never poll each
//! other's tasks, and the HTTP examples serve their endpoints from this process when the server
//! runs on this machine. The examples of features conductor-oss lacks (HTTP_POLL,
//! WAIT_FOR_WEBHOOK, JOIN scripts, task state change events) and the LLM runs against a fake
//! OpenAI endpoint configured into the embedded server are in [`embedded_only`].
//!
//! None of the 27 examples is left out (`tracing_example` runs in `tests/tracing_example.rs`). `vector_db_example` needs a vector database integration
//! that neither the embedded server nor conductor-oss has, so its test checks that it explains
//! this and exits cleanly; the two LLM examples also run without an AI integration, where they
//! must explain what to configure.

use axum::Json;
use axum::Router;
use axum::routing::post;
use conductor::models::WorkflowStatus;
use conductor::server::{DevServer, DevServerBuilder};
use conductor_examples::{Environment, Outcome};
use conductor_test_support::{external_server_url, external_server_version, unique_name};
use serde_json::{Value, json};

/// The environment for one test: the external server when one is configured (then `builder` is
/// unused), else a fresh embedded server built from `builder`; either way with names unique to
/// the test.
async fn fresh(builder: DevServerBuilder) -> Environment {
    let env = match external_server_url() {
        Some(url) => {
            let on_this_machine = is_loopback(&url);
            Environment::external(url)
                .expect("the client builds")
                .with_local_services(on_this_machine)
        }
        None => Environment::embedded(builder)
            .await
            .expect("the embedded server starts"),
    };
    env.with_name_suffix(unique_name("ex"))
}

/// Whether `url` names this machine, so the server there can call services this process starts.
fn is_loopback(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1")
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
    // conductor-oss 3.21's script engine makes every sum a double (65.0).
    assert_eq!(output["total"].as_f64(), Some(65.0), "{output}");
    assert_eq!(output["count"], json!(3));
    assert_eq!(output["expensive"], json!("lamp"));
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
async fn rerun_from_the_failed_task_completes() {
    let (status, output) = run_example!(workflow_rerun_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"rows": 120, "table": "sales"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_task_routes_to_express() {
    let (status, output) = run_example!(dynamic_task_example);
    assert_eq!(status, WorkflowStatus::Completed);
    assert_eq!(output, json!({"shipment": "express: 1 day"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_updates_answer_the_new_state() {
    let env = fresh(DevServer::builder()).await;
    let outcome = conductor_examples::sync_state_update_example::run(&env).await;
    env.shutdown().await;
    match outcome.expect("sync_state_update_example runs") {
        Outcome::Finished(workflow) => {
            assert_eq!(workflow.status, WorkflowStatus::Completed);
            assert_eq!(
                Value::Object(workflow.output),
                json!({"manager": "approved", "finance": "approved"})
            );
        }
        // conductor-oss before 3.32.0 has no signal API: the example must say so.
        Outcome::Unavailable(why) => {
            assert!(
                external_server_url().is_some(),
                "the embedded server has the signal API: {why}"
            );
            assert!(
                why.starts_with(conductor_examples::sync_state_update_example::SIGNAL_UNAVAILABLE),
                "{why}"
            );
            if let Some(version) = external_server_version() {
                assert!(
                    older_than(&version, (3, 32)),
                    "conductor-oss {version} has the signal API, yet: {why}"
                );
            }
        }
    }
}

/// Whether the dotted `version` (e.g. `3.21.14`) is older than `major.minor`.
fn older_than(version: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found < (major, minor)
}

// --- The AI examples -------------------------------------------------------------------------

/// The requests a fake OpenAI-compatible endpoint received.
type Requests = std::sync::Arc<std::sync::Mutex<Vec<Value>>>;

/// A local OpenAI-compatible endpoint: every chat completion answers `reply`; the requests are
/// kept for the test to check.
async fn fake_openai(reply: &'static str) -> (String, Requests, tokio::task::JoinHandle<()>) {
    let requests = Requests::default();
    let seen = std::sync::Arc::clone(&requests);
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |Json(request): Json<Value>| async move {
            assert!(
                request["messages"].is_array(),
                "chat request without messages: {request}"
            );
            seen.lock().expect("requests lock").push(request.clone());
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
    (url, requests, task)
}

/// Without an AI integration, an AI example must explain what to configure, not fail: on the
/// embedded server with the server's own words (`embedded_reason`); on conductor-oss, which
/// either knows no AI task type (before 3.32: the workflow fails for want of a task definition)
/// or schedules AI tasks that nothing runs (3.32 without its AI integrations enabled).
fn explains_missing_integration(
    outcome: Result<Outcome, conductor_examples::BoxError>,
    embedded_reason: &str,
) {
    match outcome {
        Ok(Outcome::Unavailable(why)) => {
            if external_server_url().is_some() {
                assert!(
                    why.contains("Cannot find task by name")
                        || why.contains("nothing on the server runs"),
                    "unexpected explanation: {why}"
                );
            } else {
                assert!(
                    why.contains(embedded_reason),
                    "explanation lacks {embedded_reason:?}: {why}"
                );
            }
            assert!(
                why.contains(conductor_examples::llm::SETUP),
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
    );
    explains_missing_integration(
        conductor_examples::llm_chat_example::run(&env).await,
        "no AI integration",
    );
    env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_db_example_explains_the_missing_vector_database() {
    // Even with an LLM endpoint, the embedded server has no vector database integration.
    let (url, _requests, endpoint) = fake_openai("unused").await;
    let env = fresh(DevServer::builder().openai(url, None)).await;
    let outcome = conductor_examples::vector_db_example::run(&env).await;
    env.shutdown().await;
    endpoint.abort();
    explains_missing_integration(outcome, "not supported by this server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_status_audit_explains_that_state_changes_are_not_published() {
    // conductor-oss (3.21.14, 3.32.3) and the embedded server store `onStateChange` but publish
    // nothing; the example runs the payment and then says so.
    let env = fresh(DevServer::builder()).await;
    let outcome = conductor_examples::task_status_audit_example::run(&env).await;
    env.shutdown().await;
    match outcome {
        Ok(Outcome::Unavailable(why)) => assert_eq!(
            why,
            conductor_examples::task_status_audit_example::NOT_PUBLISHED
        ),
        Ok(Outcome::Finished(workflow)) => {
            panic!("state changes were published: {:?}", workflow.status)
        }
        Err(err) => panic!("failed instead of explaining: {err}"),
    }
}

/// Tests of features conductor-oss does not have (Orkes task types and options, which the
/// embedded server implements), or that need the embedded server configured by the test.
mod embedded_only {
    use super::*;

    /// HTTP_POLL is an Orkes task type: conductor-oss 3.21 fails the workflow for want of a task
    /// definition named like it, 3.32 schedules it as a worker task that nothing runs.
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

    /// WAIT_FOR_WEBHOOK and `POST /api/webhook/{id}` are Orkes features conductor-oss lacks.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn webhook_completes_the_matching_task() {
        let (status, output) = run_example!(wait_for_webhook_example);
        assert_eq!(status, WorkflowStatus::Completed);
        assert_eq!(output, json!({"paidAmount": 25, "paymentId": "pay-991"}));
    }

    /// JOIN completion scripts are an Orkes feature: conductor-oss's JOIN waits for every branch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn join_script_completes_with_two_of_three() {
        let (status, output) = run_example!(fork_join_script_example);
        assert_eq!(status, WorkflowStatus::Completed);
        assert_eq!(output, json!({"summary": "2 quotes before the deadline"}));
    }

    /// The fake OpenAI endpoint is configured into the embedded server at start-up; the shared
    /// conductor-oss servers have no AI provider configured.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn openai_helloworld_uses_the_configured_endpoint() {
        let (url, requests, endpoint) = fake_openai("Hello, Rust developers!").await;
        let (status, output) = run_example!(
            openai_helloworld,
            DevServer::builder().openai(url, Some("test-key".into()))
        );
        endpoint.abort();
        assert_eq!(status, WorkflowStatus::Completed);
        assert_eq!(output, json!({"text": "Hello, Rust developers!"}));
        // The prompt variable filled the `$${name}` placeholder.
        let requests = requests.lock().expect("requests lock");
        let prompt = requests[0]["messages"].to_string();
        assert!(
            prompt.contains("Say hello to Rust developers in one short"),
            "{prompt}"
        );
    }

    /// The fake OpenAI endpoint is configured into the embedded server at start-up; the shared
    /// conductor-oss servers have no AI provider configured.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn llm_chat_uses_the_configured_endpoint() {
        let (url, _requests, endpoint) =
            fake_openai("It runs and tracks the steps of a process.").await;
        let (status, output) =
            run_example!(llm_chat_example, DevServer::builder().openai(url, None));
        endpoint.abort();
        assert_eq!(status, WorkflowStatus::Completed);
        assert_eq!(
            output,
            json!({"answer": "It runs and tracks the steps of a process."})
        );
    }
}
