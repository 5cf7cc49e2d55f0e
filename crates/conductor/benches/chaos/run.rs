//! The orchestrator: the server (embedded, given, or a conductor-oss it starts), the fault proxy,
//! the queue of workflows, the worker child processes, and the phases, one after another.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor::models::{
    RetryLogic, StartWorkflowRequest, TaskDef, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor::{ConductorClient, Configuration};
use conductor_test_support::{FaultProxy, OssServer, OssServerOptions};

use crate::journal::Journal;
use crate::phases::{Action, phases};
use crate::report::{PhaseReport, Report, Sample};
use crate::{arg, text_arg, unix_ms};

/// The resident set size of process `pid` ("self" for this one), in MiB.
pub(crate) fn rss_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The worker process: one at a time, numbered from 1, all on the same outbox folder.
struct Workers {
    args: Vec<String>,
    dir: PathBuf,
    next: u64,
    child: Option<Child>,
}

impl Workers {
    fn spawn(&mut self) {
        let stderr =
            std::fs::File::create(self.dir.join(format!("child-{}.stderr", self.next))).unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .arg("--worker-child")
            .args(["--child-no", &self.next.to_string()])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        self.next += 1;
        self.child = Some(child);
    }

    fn pid(&self) -> String {
        self.child
            .as_ref()
            .map_or_else(|| "0".to_owned(), |c| c.id().to_string())
    }

    /// Sends `signal` ("TERM", "KILL") with `kill`, then waits until the process has exited.
    async fn signal_and_wait(&mut self, signal: &str) -> Duration {
        let since = Instant::now();
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
        let mut child = self.child.take().unwrap();
        while child.try_wait().unwrap().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        since.elapsed()
    }
}

/// Results waiting in the outbox folder.
fn outbox_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count()
    })
}

#[allow(clippy::too_many_lines, reason = "one run, read top to bottom")]
pub(crate) async fn run() {
    let tasks = arg("--tasks", 10_000);
    let threads = arg("--threads", 8);
    let work_ms = arg("--work-ms", 100);
    let phase_secs = arg("--phase-secs", 10);
    let outage_secs = arg("--outage-secs", 60);
    let response_timeout = arg("--response-timeout", 30);
    let seed = arg("--seed", 7);
    let panic_every = arg("--panic-every", 200);
    let grace_secs = arg("--grace-secs", 5);
    let kills = arg("--kill-phases", 1) != 0;
    let down_secs = arg("--down-secs", 5);

    // The server: a conductor-oss started here, a given one, or embedded on a real clock.
    let oss = match text_arg("--oss-version") {
        Some(version) => {
            println!("chaos: starting conductor-oss {version} ...");
            let server = tokio::task::spawn_blocking(move || {
                OssServer::start(OssServerOptions::new(version)).unwrap()
            })
            .await
            .unwrap();
            Some(Arc::new(Mutex::new(server)))
        }
        None => None,
    };
    let external = match &oss {
        Some(server) => Some(server.lock().unwrap().url()),
        None => text_arg("--server").or_else(conductor_test_support::external_server_url),
    };
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

    // The worker, a child process, through the proxy.
    let dir = std::env::temp_dir().join(format!("conductor-chaos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let journal_path = dir.join("journal.log");
    let outbox = dir.join("outbox");
    let mut workers = Workers {
        args: [
            ("--url", proxy.url()),
            ("--task-type", task_type.clone()),
            ("--journal", journal_path.display().to_string()),
            ("--outbox", outbox.display().to_string()),
            ("--threads", threads.to_string()),
            ("--work-ms", work_ms.to_string()),
            ("--seed", seed.to_string()),
            ("--panic-every", panic_every.to_string()),
            ("--grace-secs", grace_secs.to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect(),
        dir: dir.clone(),
        next: 1,
        child: None,
    };
    workers.spawn();
    let started = Instant::now();

    // Once a second: catch up with the journal, count finished executions, sample memory.
    let journal = Arc::new(Mutex::new(Journal::default()));
    let done_sampling = Arc::new(AtomicBool::new(false));
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let worker_pid = Arc::new(Mutex::new(workers.pid()));
    let sampler = {
        let (samples, journal, done, pid, path) = (
            Arc::clone(&samples),
            Arc::clone(&journal),
            Arc::clone(&done_sampling),
            Arc::clone(&worker_pid),
            journal_path.clone(),
        );
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let finished = {
                    let mut journal = journal.lock().unwrap();
                    journal.catch_up(&path);
                    journal.finished.len()
                };
                let pid = pid.lock().unwrap().clone();
                samples.lock().unwrap().push(Sample {
                    at: started.elapsed().as_secs_f64(),
                    finished,
                    worker_rss: rss_mib(&pid),
                    own_rss: rss_mib("self"),
                });
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let finished_now = || {
        let mut journal = journal.lock().unwrap();
        journal.catch_up(&journal_path);
        journal.finished.clone()
    };

    let mut reports = Vec::new();
    for phase in phases(
        phase_secs,
        outage_secs,
        kills,
        oss.is_some().then_some(down_secs),
    ) {
        let at = started.elapsed().as_secs_f64();
        let before = finished_now().len();
        let (start_ms, phase_start) = (unix_ms(), Instant::now());
        let phase_time = Duration::from_secs(phase.seconds);
        proxy.set_rules(phase.rules);
        let mut notes = Vec::new();
        match phase.action {
            Action::None => {}
            Action::Term => {
                tokio::time::sleep(phase_time / 3).await;
                let took = workers.signal_and_wait("TERM").await;
                notes.push(format!(
                    "SIGTERM: worker {} drained and exited in {} ms",
                    workers.next - 1,
                    took.as_millis()
                ));
                workers.spawn();
            }
            Action::KillDuringUpdateOutage => {
                tokio::time::sleep(phase_time / 3).await;
                let waiting = outbox_entries(&outbox);
                workers.signal_and_wait("KILL").await;
                notes.push(format!(
                    "SIGKILL: worker {} killed with {waiting} results in its outbox (just before the kill)",
                    workers.next - 1
                ));
                workers.spawn();
                tokio::time::sleep(phase_time / 3).await;
                proxy.heal();
                notes.push(format!(
                    "update outage over {:.1} s in; {} results still in the outbox then",
                    phase_start.elapsed().as_secs_f64(),
                    outbox_entries(&outbox)
                ));
            }
            Action::RestartServer(down) => {
                let server = Arc::clone(oss.as_ref().unwrap());
                let killed = Instant::now();
                let pending = outbox_entries(&outbox);
                tokio::task::spawn_blocking({
                    let server = Arc::clone(&server);
                    move || server.lock().unwrap().kill()
                })
                .await
                .unwrap();
                tokio::time::sleep(Duration::from_secs(down)).await;
                let restarted = Instant::now();
                tokio::task::spawn_blocking(move || server.lock().unwrap().restart().unwrap())
                    .await
                    .unwrap();
                notes.push(format!(
                    "server killed ({pending} results in the outbox then), down {:.1} s in all, of which {:.1} s starting again; {} results in the outbox when it was back",
                    killed.elapsed().as_secs_f64(),
                    restarted.elapsed().as_secs_f64(),
                    outbox_entries(&outbox)
                ));
            }
        }
        *worker_pid.lock().unwrap() = workers.pid();
        let elapsed = phase_start.elapsed();
        if elapsed < phase_time && !matches!(phase.action, Action::RestartServer(_)) {
            tokio::time::sleep(phase_time - elapsed).await;
        } else if matches!(phase.action, Action::RestartServer(_)) {
            tokio::time::sleep(phase_time).await;
        }
        let finished = finished_now();
        reports.push(PhaseReport {
            name: phase.name,
            at,
            seconds: phase_start.elapsed().as_secs_f64(),
            window_ms: (start_ms, unix_ms()),
            executions: finished.len() - before,
            panics: finished[before..].iter().filter(|e| e.panicked).count(),
            notes,
        });
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
    let last_drain = workers.signal_and_wait("TERM").await;
    let mut journal = std::mem::take(&mut *journal.lock().unwrap());
    journal.catch_up(&journal_path);

    let report = Report {
        tasks,
        threads,
        work_ms,
        response_timeout,
        seed,
        panic_every,
        grace_secs,
        server: oss.as_ref().map_or_else(
            || server_url.clone(),
            |s| format!("conductor-oss {}", s.lock().unwrap().version()),
        ),
        task_type,
        workflow_ids,
        phases: reports,
        samples: samples.lock().unwrap().clone(),
        proxy: proxy.stats(),
        stranded_at_end,
        all_done_after,
        last_running,
        last_drain,
        children: workers.next - 1,
        journal,
    };
    report.print(&direct).await;
    for child in 1..workers.next {
        let stderr =
            std::fs::read_to_string(dir.join(format!("child-{child}.stderr"))).unwrap_or_default();
        if !stderr.trim().is_empty() {
            println!("worker {child} wrote on stderr:\n{stderr}");
        }
    }
    if std::env::var_os("CHAOS_KEEP").is_some() {
        println!("journal kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Some(server) = embedded {
        server.shutdown().await;
    }
    drop(oss);
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
