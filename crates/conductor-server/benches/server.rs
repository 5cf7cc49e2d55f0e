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

/// How long one backend is measured before the other takes over. Short slices, alternating,
/// so that a change in the machine's speed (other processes on a shared machine) falls on both
/// backends alike instead of on whichever ran second.
const SLICE: Duration = Duration::from_millis(250);

/// Operations per second of each backend, `[memory, sqlite]`: `op` runs on both servers in
/// alternating slices until each had `duration`.
async fn alternate<F, Fut>(
    clients: usize,
    duration: Duration,
    bases: [String; 2],
    op: F,
) -> [f64; 2]
where
    F: Fn(reqwest::Client, String) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = bool> + Send,
{
    let mut done = [0u64; 2];
    let mut spent = [Duration::ZERO; 2];
    while spent[1] < duration {
        for (i, base) in bases.iter().enumerate() {
            let (op, base) = (op.clone(), base.clone());
            let (count, elapsed) =
                measure(clients, SLICE, move |http| op(http, base.clone())).await;
            done[i] += count;
            spent[i] += elapsed;
        }
    }
    [0, 1].map(|i| done[i] as f64 / spent[i].as_secs_f64())
}

/// Workflow starts per second with `clients` clients, `[memory, sqlite]`, on fresh servers.
async fn starts_per_second(dir: &std::path::Path, clients: usize, duration: Duration) -> [f64; 2] {
    let servers = [
        fresh_server(Backend::Memory, dir).await,
        fresh_server(Backend::Sqlite, dir).await,
    ];
    for server in &servers {
        setup(&reqwest::Client::new(), &server.url()).await;
    }
    let rates = alternate(
        clients,
        duration,
        servers.each_ref().map(DevServer::url),
        |http, b| async move {
            start_one(&http, &b).await;
            true
        },
    )
    .await;
    for server in servers {
        server.shutdown().await;
    }
    rates
}

/// Poll+update round trips per second with `clients` clients, `[memory, sqlite]`, against fresh
/// servers with `supply` workflows started up front.
async fn round_trips_per_second(
    dir: &std::path::Path,
    clients: usize,
    duration: Duration,
    supply: usize,
) -> [f64; 2] {
    let servers = [
        fresh_server(Backend::Memory, dir).await,
        fresh_server(Backend::Sqlite, dir).await,
    ];
    for server in &servers {
        fill(&server.url(), supply).await;
    }
    let rates = alternate(clients, duration, servers.each_ref().map(DevServer::url), |http, b| async move {
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
    })
    .await;
    for server in servers {
        server.shutdown().await;
    }
    rates
}

/// Defines the bench workflow and starts `supply` of them, so each has a task queued.
async fn fill(base: &str, supply: usize) {
    let http = reqwest::Client::new();
    setup(&http, base).await;
    // Filled by 16 clients, so a durable server's start latency does not stretch the set-up.
    let filled = Arc::new(AtomicU64::new(0));
    let mut fillers = Vec::new();
    for _ in 0..16 {
        let (http, base, filled) = (http.clone(), base.to_owned(), filled.clone());
        fillers.push(tokio::spawn(async move {
            while filled.fetch_add(1, Ordering::Relaxed) < supply as u64 {
                start_one(&http, &base).await;
            }
        }));
    }
    for filler in fillers {
        filler.await.unwrap();
    }
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

/// The value after `flag` on the command line.
fn flag_value(flag: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != flag).nth(1)
}

/// Runs `clients` loops of `op` for `duration`; returns the operations done and the time taken.
async fn measure<F, Fut>(clients: usize, duration: Duration, op: F) -> (u64, Duration)
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
    (count.load(Ordering::Relaxed), started.elapsed())
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
    // `--clients N` and `--case starts|trips` narrow the run (for profiling one case).
    let only_clients: Option<usize> = flag_value("--clients").and_then(|s| s.parse().ok());
    let only_case = flag_value("--case");
    let runs = |case: &str| only_case.as_deref().is_none_or(|c| c == case);
    println!(
        "conductor-server loopback benchmark ({seconds} s per case, {} CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let dir = std::env::temp_dir().join(format!("conductor-server-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for clients in [1usize, 16] {
        if only_clients.is_some_and(|n| n != clients) {
            continue;
        }
        let server = DevServer::start().await.unwrap();
        let base = server.url();

        // Baseline, same run and same clients: `GET /health` never touches the engine, so it is the
        // ceiling the HTTP stack (axum + reqwest over loopback) allows; the engine cases below read
        // as a fraction of it.
        let (requests, elapsed) = measure(clients, duration, move |http| {
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
        let baseline = requests as f64 / elapsed.as_secs_f64();
        println!("baseline GET /health/s    clients={clients:>2}: {baseline:>9.0}");

        // Starts are measured even when only round trips are asked for: the supply of queued
        // tasks below is sized from the in-memory start rate.
        let starts = starts_per_second(&dir, clients, duration).await;
        if runs("starts") {
            for (rate, backend) in starts.iter().zip([Backend::Memory, Backend::Sqlite]) {
                println!(
                    "workflow starts/s         clients={clients:>2}: {rate:>9.0} {}",
                    backend.name()
                );
            }
            println!("  sqlite/memory: {:.0} %", 100.0 * starts[1] / starts[0]);
        }
        if !runs("trips") {
            continue;
        }

        // Enough scheduled tasks for the faster backend, queued up front.
        let supply = (starts[0] * seconds as f64 * 1.5) as usize + 1000;
        let trips = round_trips_per_second(&dir, clients, duration, supply).await;
        for (rate, backend) in trips.iter().zip([Backend::Memory, Backend::Sqlite]) {
            println!(
                "poll+update round trips/s clients={clients:>2}: {rate:>9.0} {}",
                backend.name()
            );
        }
        println!("  sqlite/memory: {:.0} %", 100.0 * trips[1] / trips[0]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
