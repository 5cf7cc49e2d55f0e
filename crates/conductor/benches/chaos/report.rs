//! The accounting: where every execution's result ended up on the server, what was stranded and
//! for how long, per-phase rates and log lines; printed on stdout.

use std::collections::{BTreeMap, HashMap};

use conductor::ConductorClient;
use conductor::models::{Task as ServerTask, TaskStatus, Workflow};
use conductor_test_support::ProxyStats;

use crate::journal::{Exec, Journal, LogLine};

/// One throughput and memory sample.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) at: f64,
    pub(crate) finished: usize,
    pub(crate) worker_rss: f64,
    pub(crate) own_rss: f64,
}

#[derive(Debug)]
pub(crate) struct PhaseReport {
    pub(crate) name: &'static str,
    pub(crate) at: f64,
    pub(crate) seconds: f64,
    pub(crate) window_ms: (u64, u64),
    pub(crate) executions: usize,
    pub(crate) panics: usize,
    pub(crate) notes: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) tasks: u64,
    pub(crate) threads: u64,
    pub(crate) work_ms: u64,
    pub(crate) response_timeout: u64,
    pub(crate) seed: u64,
    pub(crate) panic_every: u64,
    pub(crate) grace_secs: u64,
    pub(crate) server: String,
    pub(crate) task_type: String,
    pub(crate) workflow_ids: Vec<String>,
    pub(crate) phases: Vec<PhaseReport>,
    pub(crate) samples: Vec<Sample>,
    pub(crate) proxy: ProxyStats,
    pub(crate) stranded_at_end: usize,
    pub(crate) all_done_after: f64,
    pub(crate) last_running: usize,
    pub(crate) last_drain: std::time::Duration,
    pub(crate) children: u64,
    pub(crate) journal: Journal,
}

fn is_warning(line: &LogLine) -> bool {
    line.level == "WARN" || line.level == "ERROR"
}

fn message(line: &LogLine) -> &str {
    line.text.split('\t').next().unwrap_or("")
}

/// Median and maximum, in seconds, of durations in ms.
fn median_max(mut ms: Vec<i64>) -> String {
    if ms.is_empty() {
        return "-".to_owned();
    }
    ms.sort_unstable();
    let secs = |v: i64| v as f64 / 1000.0;
    format!(
        "median {:.0} s, max {:.0} s",
        secs(ms[ms.len() / 2]),
        secs(ms[ms.len() - 1])
    )
}

impl Report {
    /// The journal's log lines mentioning `task_id`, to explain an anomaly.
    fn lines_about(&self, task_id: &str) -> Vec<String> {
        self.journal
            .logs
            .iter()
            .filter(|l| l.text.contains(task_id))
            .take(6)
            .map(|l| {
                format!(
                    "      [worker {} at {}] {} {}",
                    l.child, l.at_ms, l.level, l.text
                )
            })
            .collect()
    }

    fn describe(&self, exec: &Exec, task: Option<&ServerTask>) -> String {
        let mut text = format!(
            "    exec {} (worker {}, finished at {} ms{}) workflow {} task {}: server says {}, reason {:?}",
            exec.exec,
            exec.child,
            exec.at_ms,
            if exec.panicked { ", panicked" } else { "" },
            exec.workflow_id,
            exec.task_id,
            task.map_or("no such task".to_owned(), |t| t.status.to_string()),
            task.and_then(|t| t.reason_for_incompletion.clone())
        );
        for line in self.lines_about(&exec.task_id) {
            text.push('\n');
            text.push_str(&line);
        }
        text
    }

    #[allow(clippy::too_many_lines, reason = "one report, read top to bottom")]
    pub(crate) async fn print(&self, direct: &ConductorClient) {
        let mut workflows: HashMap<&str, Workflow> = HashMap::new();
        for id in &self.workflow_ids {
            let workflow = direct.workflow_client().get_workflow(id).await.unwrap();
            workflows.insert(id.as_str(), workflow);
        }
        let journal = &self.journal;
        let mut started_by_task: HashMap<&str, Vec<&Exec>> = HashMap::new();
        for exec in &journal.started {
            started_by_task.entry(&exec.task_id).or_default().push(exec);
        }
        let mut finished_by_task: HashMap<&str, Vec<&Exec>> = HashMap::new();
        let mut finished_by_workflow: HashMap<&str, Vec<&Exec>> = HashMap::new();
        for exec in &journal.finished {
            finished_by_task
                .entry(&exec.task_id)
                .or_default()
                .push(exec);
            finished_by_workflow
                .entry(&exec.workflow_id)
                .or_default()
                .push(exec);
        }

        // Where each finished execution's result ended up.
        let (mut delivered, mut panics_delivered, mut superseded) = (0, 0, 0);
        let mut lost_timed_out = Vec::new();
        let mut lost_waiting = Vec::new();
        for exec in &journal.finished {
            let task = workflows
                .get(exec.workflow_id.as_str())
                .and_then(|w| w.tasks.iter().find(|t| t.task_id == exec.task_id));
            let landed = task.is_some_and(|t| {
                if exec.panicked {
                    t.status == TaskStatus::Failed
                } else {
                    t.status == TaskStatus::Completed
                        && t.output_data
                            .get("exec")
                            .and_then(serde_json::Value::as_u64)
                            == Some(exec.exec)
                }
            });
            match task.map(|t| &t.status) {
                _ if landed && exec.panicked => panics_delivered += 1,
                _ if landed => delivered += 1,
                Some(TaskStatus::Completed) => superseded += 1,
                Some(TaskStatus::TimedOut) => lost_timed_out.push((exec, task)),
                _ => lost_waiting.push((exec, task)),
            }
        }
        let panicked = journal.finished.iter().filter(|e| e.panicked).count();
        let finished_execs: std::collections::HashSet<u64> =
            journal.finished.iter().map(|e| e.exec).collect();
        let interrupted: Vec<&Exec> = journal
            .started
            .iter()
            .filter(|e| !finished_execs.contains(&e.exec))
            .collect();

        // Workflows executed more than once, and why.
        let (mut after_panic, mut redelivered, mut same_task) = (0, 0, Vec::new());
        for runs in finished_by_workflow.values().filter(|r| r.len() > 1) {
            let mut ids: Vec<&str> = runs.iter().map(|e| e.task_id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() < runs.len() {
                same_task.push(runs.clone());
            } else if runs[..runs.len() - 1].iter().any(|e| e.panicked) {
                after_panic += 1;
            } else {
                redelivered += 1;
            }
        }

        // Tasks the server timed out: stranded IN_PROGRESS with no live worker on them.
        let mut stranded: BTreeMap<&str, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
        for workflow in workflows.values() {
            for task in workflow
                .tasks
                .iter()
                .filter(|t| t.status == TaskStatus::TimedOut && t.task_def_name == self.task_type)
            {
                let cause = match (
                    started_by_task.contains_key(task.task_id.as_str()),
                    finished_by_task.contains_key(task.task_id.as_str()),
                ) {
                    (false, _) => "handed out, never started (a lost poll or update-v2 answer)",
                    (true, false) => "started by a worker that was killed",
                    (true, true) => "finished, result not delivered in time",
                };
                let since = if task.start_time > 0 {
                    task.start_time
                } else {
                    task.scheduled_time
                };
                let entry = stranded.entry(cause).or_default();
                // The embedded server sets only `updateTime` when it times a task out.
                let ended = if task.end_time > 0 {
                    task.end_time
                } else {
                    task.update_time
                };
                entry.0.push(ended.max(since) - since);
                entry.1.push(workflow.end_time.max(since) - since);
            }
        }
        let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
        for workflow in workflows.values() {
            *statuses.entry(workflow.status.to_string()).or_default() += 1;
        }

        // Rates, recovery, memory.
        let rate_between = |from: f64, to: f64| {
            let first = self.samples.iter().find(|s| s.at >= from);
            let last = self.samples.iter().rev().find(|s| s.at <= to);
            match (first, last) {
                (Some(a), Some(b)) if b.at > a.at => {
                    (b.finished - a.finished) as f64 / (b.at - a.at)
                }
                _ => 0.0,
            }
        };
        let clean = &self.phases[0];
        let clean_rate = rate_between(clean.at, clean.at + clean.seconds);
        let outage = self.phases.iter().find(|p| p.name.starts_with("outage"));
        let recovery = outage.and_then(|o| {
            let end = o.at + o.seconds;
            self.samples
                .iter()
                .filter(|s| s.at >= end)
                .find(|s| {
                    rate_between(s.at, s.at + 5.0) >= 0.9 * clean_rate
                        || s.finished >= journal.finished.len()
                })
                .map(|s| s.at - end)
        });
        let rss_before_outage = outage.map_or(0.0, |o| {
            self.samples
                .iter()
                .rev()
                .find(|s| s.at <= o.at)
                .map_or(0.0, |s| s.worker_rss)
        });
        let worker_peak = self
            .samples
            .iter()
            .map(|s| s.worker_rss)
            .fold(0.0, f64::max);
        let own_peak = self.samples.iter().map(|s| s.own_rss).fold(0.0, f64::max);

        let warnings: Vec<&LogLine> = journal.logs.iter().filter(|l| is_warning(l)).collect();
        let in_window = |(from, to): (u64, u64)| {
            warnings
                .iter()
                .filter(|l| l.at_ms >= from && l.at_ms <= to)
                .count()
        };
        let count_info = |prefix: &str| {
            journal
                .logs
                .iter()
                .filter(|l| message(l).starts_with(prefix))
                .count()
        };

        println!(
            "chaos: {} tasks on {}, {} slots, {} ms of work each, response timeout {} s, seed {}, 1 execution in {} panics, grace period {} s",
            self.tasks,
            self.server,
            self.threads,
            self.work_ms,
            self.response_timeout,
            self.seed,
            self.panic_every,
            self.grace_secs
        );
        println!("phases:");
        for phase in &self.phases {
            println!(
                "  {:>6.1} s  {:<62} {:>5} executions in {:>5.1} s ({:>3.0}/s), {} panicked, {} warnings/errors",
                phase.at,
                phase.name,
                phase.executions,
                phase.seconds,
                phase.executions as f64 / phase.seconds.max(0.1),
                phase.panics,
                in_window(phase.window_ms)
            );
            for note in &phase.notes {
                println!("            {note}");
            }
        }
        let p = &self.proxy;
        println!(
            "proxy: {} requests, {} forwarded, {} injected statuses, {} resets before and {} after forwarding, {} delayed, {} connections refused, {} upstream errors (502)",
            p.requests,
            p.forwarded,
            p.statuses,
            p.reset_before,
            p.reset_after,
            p.delayed,
            p.refused,
            p.upstream_errors
        );
        println!("results:");
        println!(
            "  executions finished {}: delivered {delivered}, panicked {panicked} (FAILED delivered {panics_delivered}), superseded by another execution's result {superseded}",
            journal.finished.len()
        );
        println!(
            "  LOST {}: {} where the server timed the task out first, {} where the server still waits or has no such task",
            lost_timed_out.len() + lost_waiting.len(),
            lost_timed_out.len(),
            lost_waiting.len()
        );
        for (exec, task) in lost_timed_out.iter().chain(&lost_waiting).take(20) {
            println!("{}", self.describe(exec, *task));
        }
        println!(
            "  the SDK reported {} results lost (TaskUpdateFailure)",
            journal.reported_lost.len()
        );
        println!(
            "  executions interrupted (started, never finished: the worker was killed): {}",
            interrupted.len()
        );
        println!(
            "  workflows executed more than once: {after_panic} retried after a panic, {redelivered} re-delivered by the server (a new task after a response timeout), {} the same task executed twice",
            same_task.len()
        );
        for runs in same_task.iter().take(10) {
            for exec in runs {
                let task = workflows
                    .get(exec.workflow_id.as_str())
                    .and_then(|w| w.tasks.iter().find(|t| t.task_id == exec.task_id));
                println!("{}", self.describe(exec, task));
            }
        }
        println!("  tasks stranded IN_PROGRESS with no live worker (the server timed them out):");
        for (cause, (timed_out, completed)) in &stranded {
            println!(
                "    {}: {cause}; until timed out {}; until the workflow completed {}",
                timed_out.len(),
                median_max(timed_out.clone()),
                median_max(completed.clone())
            );
        }
        println!(
            "  outbox: {} results re-sent at a worker's start, {} kept there at a shutdown deadline; {} answers lost after the server applied the update (confirmed with GET /tasks), {} tasks handed back at shutdown",
            count_info("re-sending a result from the outbox"),
            count_info("task result not delivered by the shutdown deadline"),
            count_info("the server has the task's result after all"),
            count_info("task returned to the server")
        );
        println!(
            "  worker processes: {}; the last drained in {} ms after SIGTERM; {} ended after draining",
            self.children,
            self.last_drain.as_millis(),
            journal.drained.len()
        );
        println!("  workflow statuses at the end: {statuses:?}");
        println!(
            "  stranded when the faults ended: {}; all done {:.0} s later ({} still running)",
            self.stranded_at_end, self.all_done_after, self.last_running
        );
        println!(
            "  clean rate {clean_rate:.1}/s; back to 90% of it {} after the outage",
            recovery.map_or("never".to_owned(), |s| format!("{s:.0} s"))
        );
        println!(
            "  memory: the worker {rss_before_outage:.1} MiB before the outage, {worker_peak:.1} MiB peak; this process (the orchestrator, and an embedded server if any) {own_peak:.1} MiB peak"
        );
        if let Some(o) = outage {
            let lines = in_window(o.window_ms);
            println!(
                "  warnings and errors during the {:.0} s outage: {lines} ({:.1}/min)",
                o.seconds,
                lines as f64 * 60.0 / o.seconds.max(1.0)
            );
        }
        let mut distinct: BTreeMap<String, usize> = BTreeMap::new();
        for line in &warnings {
            *distinct
                .entry(format!("{} {}", line.level, message(line)))
                .or_default() += 1;
        }
        let mut distinct: Vec<(String, usize)> = distinct.into_iter().collect();
        distinct.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        println!(
            "  warnings and errors logged: {} in all, {} distinct:",
            warnings.len(),
            distinct.len()
        );
        for (line, count) in distinct.iter().take(15) {
            println!("    {count:>5}  {line}");
        }
    }
}
