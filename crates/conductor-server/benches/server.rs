//! Throughput of the embedded server on loopback: workflow starts per second and worker
//! poll+update round trips per second, with 1 and 16 concurrent clients, in memory and on a
//! SQLite file (`DevServerBuilder::database`) in the same run.
//!
//! Run with `cargo bench -p conductor-server --bench server` (optionally `-- --seconds 5`).
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(clippy::unwrap_used, reason = "a bench binary fails loudly")]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

/// Where the server keeps its state.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Memory,
    Sqlite,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A fresh server of `backend`; a SQLite server gets a new file under `dir`.
async fn fresh_server(backend: Backend, dir: &std::path::Path) -> DevServer {
    let builder = DevServer::builder();
    let builder = match backend {
        Backend::Memory => builder,
        Backend::Sqlite => {
            let file: PathBuf = dir.join(format!("bench-{}.db", uuid::Uuid::new_v4()));
            builder.database(file)
        }
    };
    builder.start().await.unwrap()
}

/// Workflow starts per second with `clients` clients on a fresh server.
async fn starts_per_second(
    backend: Backend,
    dir: &std::path::Path,
    clients: usize,
    duration: Duration,
) -> f64 {
    let server = fresh_server(backend, dir).await;
    let base = server.url();
    setup(&reqwest::Client::new(), &base).await;
    let starts = measure(clients, duration, move |http| {
        let b = base.clone();
        async move {
            start_one(&http, &b).await;
            true
        }
    })
    .await;
    server.shutdown().await;
    starts
}

/// Poll+update round trips per second with `clients` clients, against a fresh server with
/// `supply` workflows started up front.
async fn round_trips_per_second(
    backend: Backend,
    dir: &std::path::Path,
    clients: usize,
    duration: Duration,
    supply: usize,
) -> f64 {
    let server = fresh_server(backend, dir).await;
    let base = server.url();
    let http = reqwest::Client::new();
    setup(&http, &base).await;
    // Filled by 16 clients, so a durable server's start latency does not stretch the set-up.
    let filled = Arc::new(AtomicU64::new(0));
    let mut fillers = Vec::new();
    for _ in 0..16 {
        let (http, base, filled) = (http.clone(), base.clone(), filled.clone());
        fillers.push(tokio::spawn(async move {
            while filled.fetch_add(1, Ordering::Relaxed) < supply as u64 {
                start_one(&http, &base).await;
            }
        }));
    }
    for filler in fillers {
        filler.await.unwrap();
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
    server.shutdown().await;
    round_trips
}

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
    let dir = std::env::temp_dir().join(format!("conductor-server-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for clients in [1usize, 16] {
        let server = DevServer::start().await.unwrap();
        let base = server.url();

        // Baseline, same run and same clients: `GET /health` never touches the engine, so it is the
        // ceiling the HTTP stack (axum + reqwest over loopback) allows; the engine cases below read
        // as a fraction of it.
        let baseline = measure(clients, duration, move |http| {
            let b = base.clone();
            async move {
                let r = http.get(format!("{b}/health")).send().await.unwrap();
                let ok = r.status().is_success();
                r.bytes().await.unwrap();
                ok
            }
        })
        .await;
        server.shutdown().await;
        println!("baseline GET /health/s    clients={clients:>2}: {baseline:>9.0}");

        let mut starts = [0.0; 2];
        for (i, backend) in [Backend::Memory, Backend::Sqlite].into_iter().enumerate() {
            starts[i] = starts_per_second(backend, &dir, clients, duration).await;
            println!(
                "workflow starts/s         clients={clients:>2}: {:>9.0} {}",
                starts[i],
                backend.name()
            );
        }
        println!("  sqlite/memory: {:.0} %", 100.0 * starts[1] / starts[0]);

        // Enough scheduled tasks for the faster backend, queued up front.
        let supply = (starts[0] * seconds as f64 * 1.5) as usize + 1000;
        let mut trips = [0.0; 2];
        for (i, backend) in [Backend::Memory, Backend::Sqlite].into_iter().enumerate() {
            trips[i] = round_trips_per_second(backend, &dir, clients, duration, supply).await;
            println!(
                "poll+update round trips/s clients={clients:>2}: {:>9.0} {}",
                trips[i],
                backend.name()
            );
        }
        println!("  sqlite/memory: {:.0} %", 100.0 * trips[1] / trips[0]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
