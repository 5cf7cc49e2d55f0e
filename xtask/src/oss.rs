//! `cargo xtask oss-server` and `cargo xtask oss-test`: conductor-oss's own server on demand, and
//! the SDK's end-to-end suites run against each version the SDK claims.
//!
//! The server comes from Maven Central (`org.conductoross:conductor-server`, classifier `boot`),
//! cached under `$HOME/.cache/conductor-oss/<version>/`, and runs with SQLite persistence in a
//! temporary folder (see `conductor_test_support::OssServer`).

use std::process::{Command, ExitStatus};
use std::time::Instant;

use conductor_test_support::{
    OSS_VERSIONS, OssServer, OssServerOptions, TEST_SERVER_URL_ENV, TEST_SERVER_VERSION_ENV,
};

/// The test targets that run against a real server: every end-to-end suite of the SDK, the
/// version checks and the raw wire diff. Tests that need our server's manual clock or a
/// feature only it has live in `embedded_only` modules and are skipped (see `docs/testing.md`).
pub(crate) const SUITES: &[&str] = &[
    // conductor-server: the client API suites, the version checks, the scenarios, the wire diff.
    "client_events",
    "client_metadata",
    "client_tasks",
    "client_workflow_search",
    "client_workflows",
    "client_compat",
    "real_server_fixes",
    // The engine scenarios, in real time on the real server (a few minutes per version).
    "conformance",
    "wire_diff",
    // conductor-worker and the facade: the worker runtime, the seed's snippets, `#[worker]`.
    "e2e",
    "seed_snippets",
    "macros_e2e",
    // one trace per workflow across two worker processes (feature `otel`).
    "otel_trace",
    // every example, run in-process.
    "examples",
];

/// Tests skipped on some versions only, with the reason (also listed in `docs/testing.md`): a
/// version prefix, a test-name filter as `--skip` takes it, and why.
pub(crate) const VERSION_SKIPS: &[(&str, &str, &str)] = &[(
    "3.21.",
    "a_thousand_tasks_through_four_workers_each_complete_exactly_once",
    "3.21's SQLite store cannot take four busy workers: with one connection requests queue past \
     Hikari's 30 s wait, with more they fail with SQLITE_BUSY",
)];

/// Properties that make a real server quick enough for tests: frequent sweeps and system-task
/// polls, so a suite waits seconds for timeouts and retries, not minutes.
///
/// `systemTaskWorkerCallbackDuration` is how long an async system task that is not done yet
/// (a WAIT before its deadline, an EVENT, a JOIN) waits before the system-task worker looks at it
/// again: 30 s by default. On 3.21 a WAIT with a `duration` or `until` completes only at such a
/// look, up to 30 s late; at 1 s the scenarios' real-time waits hold on every version.
pub(crate) const TEST_PROPERTIES: &[(&str, &str)] =
    &[("conductor.app.systemTaskWorkerCallbackDuration", "1")];

/// `oss-server [--version V] [--port P] [--property key=value]...`: starts conductor-oss, prints its URL, stops on Ctrl-C.
pub(crate) fn server(args: &[String]) -> Result<(), String> {
    let mut version = OSS_VERSIONS[OSS_VERSIONS.len() - 1].to_owned();
    let mut port = None;
    let mut properties = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--version" => version = value(&mut rest, "--version")?,
            "--property" => {
                let raw = value(&mut rest, "--property")?;
                let (key, val) = raw
                    .split_once('=')
                    .ok_or_else(|| format!("--property wants key=value, got `{raw}`"))?;
                properties.push((key.to_owned(), val.to_owned()));
            }
            "--port" => {
                let raw = value(&mut rest, "--port")?;
                port = Some(
                    raw.parse::<u16>()
                        .map_err(|_| format!("bad port `{raw}`"))?,
                );
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mut options = with_test_properties(OssServerOptions::new(&version));
    for (key, val) in properties {
        options = options.property(key, val);
    }
    if let Some(port) = port {
        options = options.port(port);
    }
    println!("starting conductor-oss {version} (the first run fetches the jar with Maven)...");
    let started = Instant::now();
    let server = OssServer::start(options).map_err(|e| e.to_string())?;
    println!(
        "conductor-oss {version} is up after {:.1} s at {}\n  log: {}\n  Ctrl-C stops it.",
        started.elapsed().as_secs_f64(),
        server.url(),
        server.log_path().display()
    );
    wait_for_ctrl_c()?;
    println!("stopping conductor-oss {version}");
    server.stop();
    Ok(())
}

/// `oss-test [--version V]... [-- TEST ARGS]`: for each version (all of [`OSS_VERSIONS`] by
/// default), starts the server and runs [`SUITES`] against it.
pub(crate) fn test(args: &[String]) -> Result<(), String> {
    let (ours, extra) = match args.iter().position(|arg| arg == "--") {
        Some(idx) => (&args[..idx], &args[idx + 1..]),
        None => (args, &[][..]),
    };
    let mut versions = Vec::new();
    let mut rest = ours.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--version" => versions.push(value(&mut rest, "--version")?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if versions.is_empty() {
        versions = OSS_VERSIONS.iter().map(|v| (*v).to_owned()).collect();
    }
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for version in &versions {
        println!("\n== conductor-oss {version}: starting");
        let started = Instant::now();
        let server = OssServer::start(with_test_properties(OssServerOptions::new(version)))
            .map_err(|e| e.to_string())?;
        let boot = started.elapsed().as_secs_f64();
        println!(
            "== conductor-oss {version} is up at {} after {boot:.1} s",
            server.url()
        );
        let tests_started = Instant::now();
        let status = run_suites(&server, extra)?;
        let took = tests_started.elapsed().as_secs_f64();
        report.push(format!(
            "conductor-oss {version}: start {boot:.1} s, suites {took:.1} s, {}",
            if status.success() { "passed" } else { "FAILED" }
        ));
        if !status.success() {
            failures.push(format!(
                "{version} (server log kept in the run output above; {status})"
            ));
            print_log_tail(&server);
        }
        server.stop();
    }
    println!("\n== oss-test summary");
    for line in &report {
        println!("  {line}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("suites failed against {}", failures.join(", ")))
    }
}

fn run_suites(server: &OssServer, extra: &[String]) -> Result<ExitStatus, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    // `otel_trace` needs the worker's `otel` feature (no other suite is changed by it).
    command.args([
        "test",
        "--workspace",
        "--no-fail-fast",
        "--features",
        "conductor-worker/otel",
    ]);
    for suite in SUITES {
        command.args(["--test", suite]);
    }
    command.args(["--", "--skip", "embedded_only"]);
    for (prefix, filter, why) in VERSION_SKIPS {
        if server.version().starts_with(prefix) {
            println!("== skipping `{filter}` on {}: {why}", server.version());
            command.args(["--skip", filter]);
        }
    }
    command
        .args(extra)
        .env(TEST_SERVER_URL_ENV, server.url())
        .env(TEST_SERVER_VERSION_ENV, server.version());
    command
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))
}

fn print_log_tail(server: &OssServer) {
    let text = std::fs::read_to_string(server.log_path()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    println!(
        "--- last lines of the conductor-oss {} log ---",
        server.version()
    );
    for line in &lines[lines.len().saturating_sub(40)..] {
        println!("{line}");
    }
}

fn with_test_properties(mut options: OssServerOptions) -> OssServerOptions {
    for (key, value) in TEST_PROPERTIES {
        options = options.property(*key, *value);
    }
    options
}

fn value<'a>(rest: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<String, String> {
    rest.next()
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value"))
}

/// Blocks until SIGINT (Ctrl-C) or SIGTERM.
fn wait_for_ctrl_c() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime for signals: {e}"))?;
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(|e| format!("cannot listen for Ctrl-C: {e}")),
            _ = term.recv() => Ok(()),
        }
    })
}
