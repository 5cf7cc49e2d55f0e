//! The fault-injection run (`cargo xtask chaos`): workers built on the facade serve a queue of
//! tasks through a [`FaultProxy`] that injects, phase after phase, 503/429 answers with
//! `Retry-After`, connection resets before and after forwarding (the server applied the request,
//! the worker never saw the answer), slow answers and an outage; then it counts what was lost.
//!
//! Figures, not a timed test (`docs/reliability.md` records them):
//! - results lost: an execution finished, its result never reached the server, and the server
//!   timed the task out (or still waits for it);
//! - tasks executed twice, and why (a re-delivery after the response timeout, or the same task
//!   handed out again);
//! - workflows stranded when the faults end, and how long until the last one completes;
//! - time from the end of the outage to full throughput;
//! - the worker's memory and its warning/error log lines during the outage.
//!
//! Options: `--tasks N` (10000), `--threads T` (8), `--work-ms W` (100, each execution's
//! simulated work), `--phase-secs P` (10, each fault phase before the outage), `--outage-secs S`
//! (60), `--response-timeout R` (30, the task definition's `responseTimeoutSeconds`), `--seed`.
//! `--server URL` (or `CONDUCTOR_TEST_SERVER_URL`) runs against that server instead of an
//! embedded one, e.g. a conductor-oss from `cargo xtask oss-server`.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(clippy::unwrap_used, reason = "a bench binary fails loudly")]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor::events::{TaskRunnerEventsListener, TaskUpdateFailure};
use conductor::models::{
    RetryLogic, StartWorkflowRequest, TaskDef, TaskStatus, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor::worker::{FnWorker, TaskHandler, WorkerOutput};
use conductor::{ConductorClient, Configuration, Task};
use conductor_test_support::{Fault, FaultProxy, FaultRule};

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn text_arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// Counts the warnings and errors the SDK logs, by time, and keeps their distinct messages.
#[derive(Default)]
struct LogCounter {
    lines: Mutex<Vec<(Instant, String)>>,
}

struct MessageVisitor(String);

impl tracing::field::Visit for MessageVisitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}

impl tracing::Subscriber for LogCounter {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        // In `tracing`, more verbose levels compare greater: this keeps WARN and ERROR.
        *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut visitor = MessageVisitor(String::new());
        event.record(&mut visitor);
        let line = format!("{} {}", event.metadata().level(), visitor.0);
        self.lines.lock().unwrap().push((Instant::now(), line));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// What the SDK itself reports as lost.
#[derive(Default)]
struct Reported {
    update_failures: AtomicU64,
}

impl TaskRunnerEventsListener for Reported {
    fn on_task_update_failure(&self, _event: &TaskUpdateFailure) {
        self.update_failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// One execution of the worker (its number is its index in the list, and its result's `exec`).
struct Execution {
    task_id: String,
    workflow_id: String,
}

/// The resident set size of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Phase {
    name: &'static str,
    seconds: u64,
    rules: Vec<FaultRule>,
}

fn phases(phase_secs: u64, outage_secs: u64) -> Vec<Phase> {
    let status = |status, retry_after| Fault::Status {
        status,
        retry_after,
    };
    vec![
        Phase {
            name: "clean (baseline rate)",
            seconds: phase_secs,
            rules: vec![],
        },
        Phase {
            name: "503 and 429 with Retry-After on 30% of requests",
            seconds: phase_secs,
            rules: vec![
                FaultRule::new(status(503, Some(1))).probability(0.15),
                FaultRule::new(status(429, Some(2))).probability(0.18),
            ],
        },
        Phase {
            name: "resets: 10% of updates after forwarding, 5% of polls before or after",
            seconds: phase_secs,
            rules: vec![
                FaultRule::new(Fault::ResetAfterForward)
                    .method("POST")
                    .path_contains("/tasks")
                    .probability(0.10),
                FaultRule::new(Fault::ResetBeforeForward)
                    .path_contains("/poll/")
                    .probability(0.025),
                FaultRule::new(Fault::ResetAfterForward)
                    .path_contains("/poll/")
                    .probability(0.025),
            ],
        },
        Phase {
            name: "slow: every answer 800 ms late",
            seconds: phase_secs,
            rules: vec![FaultRule::new(Fault::Delay(Duration::from_millis(800)))],
        },
        Phase {
            name: "outage: every connection refused",
            seconds: outage_secs,
            rules: vec![FaultRule::new(Fault::Refuse)],
        },
    ]
}

#[allow(clippy::too_many_lines, reason = "one run, read top to bottom")]
fn main() {
    let logs = Arc::new(LogCounter::default());
    tracing::subscriber::set_global_default(ArcSubscriber(Arc::clone(&logs))).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(logs));
}

/// `tracing` wants the subscriber by value; the counter is read afterwards through the `Arc`.
struct ArcSubscriber(Arc<LogCounter>);

impl tracing::Subscriber for ArcSubscriber {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }
    fn new_span(&self, attributes: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0.new_span(attributes)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.0.record(span, values);
    }
    fn record_follows_from(&self, span: &tracing::span::Id, follows: &tracing::span::Id) {
        self.0.record_follows_from(span, follows);
    }
    fn event(&self, event: &tracing::Event<'_>) {
        self.0.event(event);
    }
    fn enter(&self, span: &tracing::span::Id) {
        self.0.enter(span);
    }
    fn exit(&self, span: &tracing::span::Id) {
        self.0.exit(span);
    }
}

async fn run(logs: Arc<LogCounter>) {
    let tasks = arg("--tasks", 10_000);
    let threads = usize::try_from(arg("--threads", 8)).unwrap();
    let work = Duration::from_millis(arg("--work-ms", 100));
    let phase_secs = arg("--phase-secs", 10);
    let outage_secs = arg("--outage-secs", 60);
    let response_timeout = arg("--response-timeout", 30);
    let seed = arg("--seed", 7);

    // The server: given, or embedded on a real clock.
    let external = text_arg("--server").or_else(conductor_test_support::external_server_url);
    let embedded = match external {
        Some(_) => None,
        None => Some(conductor_server::DevServer::start().await.unwrap()),
    };
    let server_url = external.unwrap_or_else(|| embedded.as_ref().unwrap().url());
    let direct = ConductorClient::new(Configuration::new(&server_url)).unwrap();
    let proxy = FaultProxy::start(&server_url, seed).await.unwrap();

    let task_type = conductor_test_support::unique_name("chaos_task");
    let workflow_name = conductor_test_support::unique_name("chaos_flow");
    direct
        .metadata_client()
        .register_task_def(
            &TaskDef::new(&task_type)
                .with_retry(3, RetryLogic::Fixed, 0)
                .with_response_timeout(i64::try_from(response_timeout).unwrap())
                .with_owner("chaos@example.com"),
        )
        .await
        .unwrap();
    direct
        .metadata_client()
        .register_workflow_def(
            &WorkflowDef::new(&workflow_name)
                .with_version(1)
                .with_owner("chaos@example.com")
                .with_task(WorkflowTask::simple(&task_type, "work_ref"))
                .with_output_param("exec", "${work_ref.output.exec}"),
        )
        .await
        .unwrap();
    println!("chaos: queueing {tasks} workflows on {server_url} ...");
    let mut workflow_ids = Vec::new();
    for _ in 0..tasks {
        let id = direct
            .workflow_client()
            .start_workflow(&StartWorkflowRequest::new(&workflow_name).with_version(1))
            .await
            .unwrap();
        workflow_ids.push(id);
    }

    // The worker, through the proxy.
    let executions: Arc<Mutex<Vec<Execution>>> = Arc::default();
    let record = Arc::clone(&executions);
    let worker = FnWorker::new(&task_type, move |task: Task| {
        let record = Arc::clone(&record);
        async move {
            tokio::time::sleep(work).await;
            let mut all = record.lock().unwrap();
            let exec = all.len();
            all.push(Execution {
                task_id: task.task_id.clone(),
                workflow_id: task.workflow_instance_id.clone(),
            });
            Ok(WorkerOutput::completed([("exec", exec)]))
        }
    })
    .with_thread_count(threads);
    let reported = Arc::new(Reported::default());
    let mut handler = TaskHandler::builder(Configuration::new(proxy.url()))
        .worker(worker)
        .event_listener(Arc::clone(&reported) as Arc<dyn TaskRunnerEventsListener>)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    let started = Instant::now();

    // Throughput sampling: executions per second, once a second.
    let done_sampling = Arc::new(AtomicBool::new(false));
    let samples: Arc<Mutex<Vec<(f64, usize)>>> = Arc::default();
    let sampler = {
        let (samples, executions, done) = (
            Arc::clone(&samples),
            Arc::clone(&executions),
            Arc::clone(&done_sampling),
        );
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let count = executions.lock().unwrap().len();
                samples
                    .lock()
                    .unwrap()
                    .push((started.elapsed().as_secs_f64(), count));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    let mut report = String::new();
    let mut outage_window = (started, started);
    let mut rss_before_outage = 0.0;
    let mut rss_peak = 0.0_f64;
    for phase in phases(phase_secs, outage_secs) {
        let at = started.elapsed().as_secs_f64();
        let before = executions.lock().unwrap().len();
        proxy.set_rules(phase.rules);
        let phase_start = Instant::now();
        if phase.name.starts_with("outage") {
            rss_before_outage = rss_mib();
        }
        while phase_start.elapsed() < Duration::from_secs(phase.seconds) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            rss_peak = rss_peak.max(rss_mib());
        }
        if phase.name.starts_with("outage") {
            outage_window = (phase_start, Instant::now());
        }
        let after = executions.lock().unwrap().len();
        let _ = writeln!(
            report,
            "  {at:>6.1} s  {:<70} {:>5} executions ({:.0}/s)",
            phase.name,
            after - before,
            (after - before) as f64 / phase.seconds.max(1) as f64
        );
    }
    proxy.heal();
    let faults_ended = Instant::now();
    let stranded_at_end = running_count(&direct, &workflow_ids).await;

    // Wait until every workflow is done, or the response timeout has passed twice over.
    let patience = Duration::from_secs(2 * response_timeout + 120);
    let mut last_running = stranded_at_end;
    while last_running > 0 && faults_ended.elapsed() < patience {
        tokio::time::sleep(Duration::from_secs(2)).await;
        last_running = running_count(&direct, &workflow_ids).await;
    }
    let all_done_after = faults_ended.elapsed().as_secs_f64();
    done_sampling.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    handler.stop().await.unwrap();

    // Where did every execution's result end up?
    let executions = std::mem::take(&mut *executions.lock().unwrap());
    let mut by_workflow: HashMap<&str, Vec<(usize, &Execution)>> = HashMap::new();
    for (exec, execution) in executions.iter().enumerate() {
        by_workflow
            .entry(execution.workflow_id.as_str())
            .or_default()
            .push((exec, execution));
    }
    let (mut lost, mut delivered, mut superseded) = (0, 0, 0);
    let (mut twice_redelivered, mut twice_same_task) = (0, 0);
    let mut workflow_status: HashMap<WorkflowStatus, usize> = HashMap::new();
    for id in &workflow_ids {
        let workflow = direct.workflow_client().get_workflow(id).await.unwrap();
        *workflow_status.entry(workflow.status).or_default() += 1;
        let Some(runs) = by_workflow.get(id.as_str()) else {
            continue;
        };
        let mut task_ids: Vec<&str> = runs.iter().map(|(_, e)| e.task_id.as_str()).collect();
        task_ids.sort_unstable();
        task_ids.dedup();
        if runs.len() > 1 {
            if task_ids.len() < runs.len() {
                twice_same_task += 1;
            } else {
                twice_redelivered += 1;
            }
        }
        for (exec, execution) in runs {
            let task = workflow
                .tasks
                .iter()
                .find(|t| t.task_id == execution.task_id);
            let landed = task.is_some_and(|t| {
                t.status == TaskStatus::Completed
                    && t.output_data
                        .get("exec")
                        .and_then(serde_json::Value::as_u64)
                        == u64::try_from(*exec).ok()
            });
            match task.map(|t| &t.status) {
                _ if landed => delivered += 1,
                Some(&TaskStatus::Completed) => superseded += 1,
                _ => lost += 1,
            }
        }
    }

    // Recovery: seconds from the outage's end until a 5-second window runs at 90% of the clean
    // phase's rate (or the queue ran dry).
    let samples = samples.lock().unwrap().clone();
    let rate_between = |from: f64, to: f64| {
        let first = samples.iter().find(|(t, _)| *t >= from);
        let last = samples.iter().rev().find(|(t, _)| *t <= to);
        match (first, last) {
            (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => (c1 - c0) as f64 / (t1 - t0),
            _ => 0.0,
        }
    };
    let clean_rate = rate_between(0.0, phase_secs as f64);
    let outage_end = outage_window.1.duration_since(started).as_secs_f64();
    let recovery = samples
        .iter()
        .filter(|(t, _)| *t >= outage_end)
        .find(|(t, count)| {
            rate_between(*t, t + 5.0) >= 0.9 * clean_rate || *count >= executions.len()
        })
        .map(|(t, _)| t - outage_end);
    let outage_lines: Vec<String> = logs
        .lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at >= outage_window.0 && *at <= outage_window.1)
        .map(|(_, line)| line.clone())
        .collect();
    let mut distinct: Vec<String> = outage_lines.clone();
    distinct.sort();
    distinct.dedup();
    let total_lines = logs.lines.lock().unwrap().len();
    let stats = proxy.stats();

    println!(
        "chaos: {tasks} tasks, {threads} slots, {} ms of work each, response timeout {response_timeout} s, seed {seed}",
        work.as_millis()
    );
    println!("phases:\n{report}");
    println!(
        "proxy: {} requests, {} forwarded, {} injected statuses, {} resets before and {} after forwarding, {} delayed, {} connections refused",
        stats.requests,
        stats.forwarded,
        stats.statuses,
        stats.reset_before,
        stats.reset_after,
        stats.delayed,
        stats.refused
    );
    println!("results:");
    println!(
        "  executions {}: delivered {delivered}, lost {lost}, superseded by another execution's result {superseded}",
        executions.len()
    );
    println!(
        "  the SDK reported {} results lost (TaskUpdateFailure)",
        reported.update_failures.load(Ordering::Relaxed)
    );
    println!(
        "  workflows executed more than once: {twice_redelivered} re-delivered by the server (a new task after a response timeout), {twice_same_task} the same task executed twice"
    );
    println!("  workflow statuses at the end: {workflow_status:?}");
    println!(
        "  stranded when the faults ended: {stranded_at_end}; all done {all_done_after:.0} s later ({last_running} still running)"
    );
    println!(
        "  clean rate {clean_rate:.1}/s; back to 90% of it {} after the outage",
        recovery.map_or("never".to_owned(), |s| format!("{s:.0} s"))
    );
    println!("  memory: {rss_before_outage:.1} MiB before the outage, {rss_peak:.1} MiB peak");
    println!(
        "  warnings and errors logged: {total_lines} in all, {} during the {outage_secs} s outage ({:.1}/min), {} distinct:",
        outage_lines.len(),
        outage_lines.len() as f64 * 60.0 / outage_secs.max(1) as f64,
        distinct.len()
    );
    for line in distinct.iter().take(8) {
        println!("    {line}");
    }
    if let Some(server) = embedded {
        server.shutdown().await;
    }
}

/// How many of the workflows are still RUNNING (asked of the server directly, not through the
/// proxy).
async fn running_count(client: &ConductorClient, ids: &[String]) -> usize {
    let mut running = 0;
    for id in ids {
        match client.workflow_client().get_workflow_status(id).await {
            Ok(status) if status.status == WorkflowStatus::Running => running += 1,
            Ok(_) => {}
            Err(_) => running += 1,
        }
    }
    running
}
