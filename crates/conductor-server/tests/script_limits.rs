//! Runaway INLINE scripts fail only their own task: a tight infinite loop, huge allocations and
//! deep recursion each end with the task and its workflow FAILED with a reason, while the server
//! keeps answering other requests during and after, and the process survives.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

/// The script time limit of these tests (conductor-oss's default is 4 s).
const TIME_LIMIT: Duration = Duration::from_millis(1500);

async fn server() -> (DevServer, reqwest::Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = DevServer::builder()
        .script_time_limit(TIME_LIMIT)
        .start()
        .await
        .expect("server starts");
    (server, reqwest::Client::new())
}

fn root(server: &DevServer) -> String {
    server.url().trim_end_matches("/api").to_owned()
}

/// Registers a one-task workflow whose INLINE task runs `script`.
async fn register(server: &DevServer, http: &reqwest::Client, name: &str, script: &str) {
    let def = json!({
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{
            "name": "js",
            "taskReferenceName": "js",
            "type": "INLINE",
            "inputParameters": {"evaluatorType": "graaljs", "expression": script}
        }]
    });
    let response = http
        .post(format!("{}/metadata/workflow", server.url()))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.unwrap()
    );
}

async fn workflow(server: &DevServer, http: &reqwest::Client, id: &str) -> Value {
    http.get(format!("{}/workflow/{id}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn health(http: &reqwest::Client, server: &DevServer) -> u16 {
    http.get(format!("{}/health", root(server)))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Starts the workflow of `script`, checks `/health` answers while it runs, and waits until the
/// workflow has ended; returns the INLINE task's reason for failing.
async fn run_runaway(name: &str, script: &str) -> String {
    let (server, http) = server().await;
    register(&server, &http, name, script).await;
    let started = Instant::now();
    let start = {
        let http = http.clone();
        let url = format!("{}/workflow/{name}", server.url());
        tokio::spawn(async move {
            let response = http.post(url).json(&json!({})).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        })
    };
    // Other requests are answered while the script runs (the health check needs no engine).
    let mut answered_during = 0;
    while !start.is_finished() {
        assert_eq!(
            health(&http, &server).await,
            200,
            "{name}: /health failed during the script"
        );
        if !start.is_finished() {
            answered_during += 1;
        }
    }
    let id = start.await.unwrap();
    assert!(
        started.elapsed() < TIME_LIMIT * 4,
        "{name}: took {:?}",
        started.elapsed()
    );
    // After: the workflow failed because its task did, with a reason.
    let deadline = Instant::now() + Duration::from_secs(10);
    let wf = loop {
        let wf = workflow(&server, &http, &id).await;
        if wf["status"] != "RUNNING" || Instant::now() > deadline {
            break wf;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(wf["status"], "FAILED", "{name}: {wf:#}");
    let task = &wf["tasks"][0];
    assert!(
        task["status"] == "FAILED" || task["status"] == "FAILED_WITH_TERMINAL_ERROR",
        "{name}: {task:#}"
    );
    let reason = task["reasonForIncompletion"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!reason.is_empty(), "{name}: no reason: {task:#}");
    // The server still serves the engine: another workflow's script runs.
    register(&server, &http, "after", "$.x === undefined ? 42 : 0").await;
    let after = http
        .post(format!("{}/workflow/after", server.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let after = workflow(&server, &http, &after).await;
    assert_eq!(after["status"], "COMPLETED", "{after:#}");
    assert_eq!(after["tasks"][0]["outputData"]["result"], 42);
    assert_eq!(health(&http, &server).await, 200);
    server.shutdown().await;
    // A loop that ends at the limit has time for answers; allocation and recursion fail fast.
    if name == "tight_loop" {
        assert!(
            answered_during > 0,
            "no request answered while the loop ran"
        );
    }
    reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tight_infinite_loop_fails_only_its_task() {
    let reason = run_runaway("tight_loop", "while (true) {}").await;
    assert!(reason.contains("interrupted"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_array_fails_only_its_task() {
    let reason = run_runaway("huge_array", "new Array(1e9).fill(1)").await;
    assert!(reason.contains("memory limit"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ever_growing_array_of_strings_fails_only_its_task() {
    let script = "let a = []; while (true) { a.push('x'.repeat(1e6)); }";
    let reason = run_runaway("growing_strings", script).await;
    assert!(reason.contains("memory limit"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_doubling_fails_only_its_task() {
    let reason = run_runaway(
        "string_doubling",
        "let s = 'x'; while (true) { s = s + s; }",
    )
    .await;
    assert!(
        reason.contains("memory") || reason.contains("too long"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_fails_only_its_task() {
    let reason = run_runaway("deep_recursion", "function f() { return f(); } f()").await;
    assert!(reason.contains("stack"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_with_big_frames_fails_only_its_task() {
    let script =
        "function f(a, b, c, d) { let x = [a, b, c, d]; return f(x, a, b, c) + 1; } f(1, 2, 3, 4)";
    let reason = run_runaway("deep_recursion_frames", script).await;
    assert!(
        reason.contains("stack") || reason.contains("memory"),
        "{reason}"
    );
}
