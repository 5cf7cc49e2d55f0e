//! Shutting down with HTTP tasks in flight: the server waits for a call that answers within the
//! grace period (its outcome is kept), cancels one that hangs once the grace period is over (its
//! task stays IN_PROGRESS), and after a restart on the same database the cancelled task is run
//! again once its response timeout has passed, and completes.

#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod temp_db;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use conductor_server::DevServer;
use serde_json::{Value, json};
use temp_db::TempDb;
use tokio::sync::{Notify, watch};

/// How long shutdown waits for in-flight calls in this test.
const GRACE: Duration = Duration::from_millis(1500);
/// The hung task's response timeout: the lease after which it is run again.
const RESPONSE_TIMEOUT_SECS: u64 = 3;

/// The endpoint the HTTP tasks call.
#[derive(Clone)]
struct Endpoint {
    /// Calls of `/fast` so far.
    fast_calls: watch::Sender<usize>,
    /// Lets `/fast` answer.
    fast_release: Arc<Notify>,
    /// When each call of `/hang` arrived.
    hang_calls: watch::Sender<Vec<Instant>>,
    /// Once true, `/hang` answers at once.
    hang_answers: Arc<Mutex<bool>>,
}

async fn fast(State(endpoint): State<Endpoint>) -> axum::Json<Value> {
    let released = endpoint.fast_release.notified();
    endpoint.fast_calls.send_modify(|n| *n += 1);
    released.await;
    axum::Json(json!({"answer": "fast"}))
}

async fn hang(State(endpoint): State<Endpoint>) -> axum::Json<Value> {
    endpoint
        .hang_calls
        .send_modify(|calls| calls.push(Instant::now()));
    if !*endpoint.hang_answers.lock().unwrap() {
        std::future::pending::<()>().await;
    }
    axum::Json(json!({"answer": "at last"}))
}

async fn serve_endpoint() -> (Endpoint, String) {
    let endpoint = Endpoint {
        fast_calls: watch::channel(0).0,
        fast_release: Arc::new(Notify::new()),
        hang_calls: watch::channel(Vec::new()).0,
        hang_answers: Arc::new(Mutex::new(false)),
    };
    let app = Router::new()
        .route("/fast", get(fast))
        .route("/hang", get(hang))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (endpoint, base)
}

async fn start_server(db: &Path) -> DevServer {
    DevServer::builder()
        .database(db)
        .sweep_interval(Duration::from_millis(100))
        .shutdown_grace(GRACE)
        .start()
        .await
        .expect("server starts")
}

async fn call(server: &DevServer, method: &str, path: &str, body: Option<Value>) -> String {
    let http = reqwest::Client::new();
    let mut request = http.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{path}", server.url()),
    );
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{method} {path}: {text}");
    text
}

async fn workflow(server: &DevServer, id: &str) -> Value {
    serde_json::from_str(&call(server, "GET", &format!("/workflow/{id}"), None).await).unwrap()
}

fn http_workflow(name: &str, task: &str, uri: String) -> Value {
    json!({
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{
            "name": task,
            "taskReferenceName": "call",
            "type": "HTTP",
            "inputParameters": {"http_request": {
                "uri": uri,
                "method": "GET",
                "readTimeOut": 600_000,
                "connectionTimeOut": 5_000
            }}
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_fast_calls_and_cancels_hung_ones_which_run_again_after_a_restart() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (endpoint, base) = serve_endpoint().await;
    let db = TempDb::new("network-shutdown");
    let server = start_server(&db.path()).await;
    call(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{
            "name": "hung_call",
            "retryCount": 0,
            "timeoutSeconds": 600,
            "responseTimeoutSeconds": RESPONSE_TIMEOUT_SECS
        }])),
    )
    .await;
    for def in [
        http_workflow("fast_http", "fast_call", format!("{base}/fast")),
        http_workflow("hung_http", "hung_call", format!("{base}/hang")),
    ] {
        call(&server, "POST", "/metadata/workflow", Some(def)).await;
    }
    let fast_id = call(&server, "POST", "/workflow/fast_http", Some(json!({}))).await;
    let hung_id = call(&server, "POST", "/workflow/hung_http", Some(json!({}))).await;
    // Both calls are in flight.
    let mut fast_calls = endpoint.fast_calls.subscribe();
    let mut hang_calls = endpoint.hang_calls.subscribe();
    fast_calls.wait_for(|n| *n == 1).await.unwrap();
    hang_calls.wait_for(|calls| calls.len() == 1).await.unwrap();

    // Shutdown begins; the fast call answers only then.
    let started = Instant::now();
    let shutdown = tokio::spawn(server.shutdown());
    endpoint.fast_release.notify_waiters();
    shutdown.await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= GRACE,
        "shutdown did not wait for the hung call: {took:?}"
    );
    assert!(
        took < GRACE + Duration::from_secs(3),
        "shutdown did not cancel the hung call: {took:?}"
    );

    // Restart on the same file: the fast call's outcome was kept; the hung task was not lost.
    *endpoint.hang_answers.lock().unwrap() = true;
    let server = start_server(&db.path()).await;
    let fast_wf = workflow(&server, &fast_id).await;
    assert_eq!(fast_wf["status"], "COMPLETED", "{fast_wf:#}");
    assert_eq!(
        fast_wf["tasks"][0]["outputData"]["response"]["body"]["answer"], "fast",
        "{fast_wf:#}"
    );
    // The hung task is run again once its response timeout has passed since it was handed out.
    let calls = tokio::time::timeout(
        Duration::from_secs(RESPONSE_TIMEOUT_SECS + 15),
        hang_calls.wait_for(|calls| calls.len() == 2),
    )
    .await
    .expect("the cancelled call is run again")
    .unwrap()
    .clone();
    assert!(
        calls[1] - calls[0]
            >= Duration::from_secs(RESPONSE_TIMEOUT_SECS) - Duration::from_millis(500),
        "run again before its response timeout: {:?}",
        calls[1] - calls[0]
    );
    // Its outcome completes the workflow: a sync-execution-like wait on the workflow's state.
    let deadline = Instant::now() + Duration::from_secs(10);
    let hung_wf = loop {
        let wf = workflow(&server, &hung_id).await;
        if wf["status"] != "RUNNING" || Instant::now() > deadline {
            break wf;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(hung_wf["status"], "COMPLETED", "{hung_wf:#}");
    let task = &hung_wf["tasks"][0];
    assert_eq!(
        hung_wf["tasks"].as_array().map(Vec::len),
        Some(1),
        "{hung_wf:#}"
    );
    assert_eq!(task["pollCount"], 2, "{task:#}");
    assert_eq!(task["outputData"]["response"]["body"]["answer"], "at last");
    assert_eq!(*endpoint.fast_calls.borrow(), 1, "the fast call ran again");
    server.shutdown().await;
}
