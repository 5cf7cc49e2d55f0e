//! The fault-injection run (`cargo xtask chaos`): workers built on the facade, each a child
//! process of this bench, serve a queue of tasks through a [`FaultProxy`] that injects, phase
//! after phase, 503/429 answers with `Retry-After`, connection resets before and after
//! forwarding (the server applied the request, the worker never saw the answer), slow answers and
//! an outage; then workers are stopped with SIGTERM and killed with SIGKILL mid-run (the second
//! during an update outage, so finished results sit in the durable outbox), and, against a
//! conductor-oss the run started itself, the server is killed and started again. A small share
//! of executions panics in every phase. Then it counts what was lost.
//!
//! Figures, not a timed test (`docs/reliability.md` records them):
//! - results lost: an execution finished, its result never reached the server, and the server
//!   timed the task out (or still waits for it);
//! - panicked executions (a FAILED result, retried by the server: not a loss);
//! - tasks executed twice, and why (a retry after a panic, a re-delivery after the response
//!   timeout, or the same task handed out again);
//! - executions a SIGKILL interrupted, results re-sent from the outbox by the next worker, and
//!   tasks stranded (`IN_PROGRESS` on the server with no live worker running them: a lost poll
//!   answer, a killed worker) and for how long;
//! - workflows stranded when the faults end, and how long until the last one completes;
//! - the rate of each phase, time from the end of the outage to full throughput;
//! - the worker's memory and its warning/error log lines, per phase and during the outage.
//!
//! Options: `--tasks N` (10000), `--threads T` (8), `--work-ms W` (100, each execution's
//! simulated work), `--phase-secs P` (10, each fault phase but the outage), `--outage-secs S`
//! (60), `--response-timeout R` (30, the task definition's `responseTimeoutSeconds`), `--seed`
//! (7), `--panic-every K` (200: about one execution in K panics, chosen from the seed and the
//! execution's number; 0 for none), `--grace-secs G` (5, the worker's shutdown grace period),
//! `--kill-phases 0` (leave out the SIGTERM and SIGKILL phases).
//! `--server URL` (or `CONDUCTOR_TEST_SERVER_URL`) runs against that server instead of an
//! embedded one, e.g. a conductor-oss from `cargo xtask oss-server`. `--oss-version V` starts
//! conductor-oss V itself (`OssServer`, a fresh SQLite file, a free port) and adds the phase
//! "server restart": the JVM is killed (SIGKILL, like a crash), stays down `--down-secs D` (5),
//! and starts again on the same port and database.
//!
//! Workers are child processes: the bench runs itself again with `--worker-child` (and the
//! proxy's URL, task type, slots, work, outbox folder and log path). Each child appends one line
//! per event to a shared log (one `write` with `O_APPEND` per line): every execution started and
//! finished, the SDK's warnings and errors, results re-sent from its outbox, results it reported
//! lost. The parent reads that log for the accounting.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(clippy::unwrap_used, reason = "a bench binary fails loudly")]

#[cfg(unix)]
mod child;
#[cfg(unix)]
mod journal;
#[cfg(unix)]
mod phases;
#[cfg(unix)]
mod report;
#[cfg(unix)]
mod run;

/// The value after `name` on the command line, parsed, or `default`.
#[cfg(unix)]
fn arg(name: &str, default: u64) -> u64 {
    text_arg(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The text after `name` on the command line.
#[cfg(unix)]
fn text_arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// Milliseconds since the Unix epoch (the log's clock, shared by the processes).
#[cfg(unix)]
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(unix)]
fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::args().any(|a| a == "--worker-child") {
        runtime.block_on(child::serve());
    } else {
        runtime.block_on(run::run());
    }
}

#[cfg(not(unix))]
fn main() {
    println!("chaos: the run signals worker processes (SIGTERM, SIGKILL): unix only");
}
