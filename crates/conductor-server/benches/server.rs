//! Throughput of the embedded server on loopback: workflow starts per second and worker
//! poll+update round trips per second, with 1 and 16 concurrent clients.
//!
//! Run with `cargo bench -p conductor-server --bench server` (optionally `-- --seconds 5`).
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(clippy::unwrap_used, reason = "a bench binary fails loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

async fn setup(http: &reqwest::Client, base: &str) {
    let defs = json!([{"name": "bench_task", "retryCount": 0}]);
    http.post(format!("{base}/metadata/taskdefs"))
        .json(&defs)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let wf = json!({"name": "bench_wf", "version": 1, "tasks": [
        {"name": "bench_task", "taskReferenceName": "t1", "type": "SIMPLE", "inputParameters": {"n": "${workflow.input.n}"}}]});
    http.post(format!("{base}/metadata/workflow?overwrite=true"))
        .json(&wf)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

async fn start_one(http: &reqwest::Client, base: &str) {
    let body = json!({"name": "bench_wf", "input": {"n": 1}});
    let r = http
        .post(format!("{base}/workflow"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    r.text().await.unwrap();
}

/// Runs `clients` loops of `op` for `duration`; returns operations per second.
async fn measure<F, Fut>(clients: usize, duration: Duration, op: F) -> f64
where
    F: Fn(reqwest::Client) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = bool> + Send,
{
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let http = reqwest::Client::new();
        let count = count.clone();
        let op = op.clone();
        handles.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                if op(http.clone()).await {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let seconds: u64 = std::env::args()
        .skip_while(|a| a != "--seconds")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let duration = Duration::from_secs(seconds);
    println!(
        "conductor-server loopback benchmark ({seconds} s per case, {} CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for clients in [1usize, 16] {
        let server = DevServer::start().await.unwrap();
        let base = server.url();
        let http = reqwest::Client::new();
        setup(&http, &base).await;

        // Baseline, same run and same clients: `GET /health` never touches the engine, so it is the
        // ceiling the HTTP stack (axum + reqwest over loopback) allows; the engine cases below read
        // as a fraction of it.
        let b = base.clone();
        let baseline = measure(clients, duration, move |http| {
            let b = b.clone();
            async move {
                let r = http.get(format!("{b}/health")).send().await.unwrap();
                let ok = r.status().is_success();
                r.bytes().await.unwrap();
                ok
            }
        })
        .await;
        println!("baseline GET /health/s   clients={clients:>2}: {baseline:>9.0}");
        let b = base.clone();
        let starts = measure(clients, duration, move |http| {
            let b = b.clone();
            async move {
                start_one(&http, &b).await;
                true
            }
        })
        .await;
        println!("workflow starts/s        clients={clients:>2}: {starts:>9.0}");
        server.shutdown().await;

        // Poll+update: a fresh server with enough scheduled tasks queued up front.
        let server = DevServer::start().await.unwrap();
        let base = server.url();
        setup(&http, &base).await;
        let supply = (starts * seconds as f64 * 1.5) as usize + 1000;
        for _ in 0..supply {
            start_one(&http, &base).await;
        }
        let b = base.clone();
        let round_trips = measure(clients, duration, move |http| {
            let b = b.clone();
            async move {
                let tasks: Value = http
                    .get(format!("{b}/tasks/poll/batch/bench_task?count=1&timeout=0&workerid=bench"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let Some(task) = tasks.get(0) else { return false };
                let result = json!({"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                                    "status": "COMPLETED", "outputData": {"ok": true}});
                let r = http.post(format!("{b}/tasks")).json(&result).send().await.unwrap();
                r.status().is_success()
            }
        })
        .await;
        println!("poll+update round trips/s clients={clients:>2}: {round_trips:>9.0}");
        server.shutdown().await;
    }
}
