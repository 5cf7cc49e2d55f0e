//! The engine conformance suite: every JSON scenario under `tests/scenarios/` runs over real HTTP
//! against a fresh embedded `DevServer` on a manual clock or, when `CONDUCTOR_TEST_SERVER_URL` is
//! set, against that real conductor-oss server (all scenarios concurrently, each under names of
//! its own).
//!
//! Scenario format (conductor-engine.md §6.4): `taskDefs`, `workflowDefs`, `harness` (register the
//! conductor-oss test-harness task definitions it mentions), then `steps`. Step kinds: `start`,
//! `poll`, `update`, `updateByRef`, `wait` (advance the clock, or sleep on a real server, then
//! sweep), `sweep` (embedded: one sweeper pass; real: `PUT /workflow/decide/{id}` on every
//! workflow the scenario knows), `pause`, `resume`, `terminate`, `retry`, `restart`, `rerun`,
//! `skip`, `resetCallbacks`, `http` (raw request with an expected status/body; `{wf}` and
//! `{$name}` in its path are the current workflow id and a captured variable) and `expect`
//! (subset match on the workflow). Matching: objects are matched as subsets, arrays element-wise
//! with equal length; `{"$contains": s}`, `{"$startsWith": s}`, `{"$ref": name}` (a captured task
//! id), `{"$absent": true}`, `{"$ne": v}`, `{"$gte": n}` / `{"$lte": n}`, `{"$len": n}`,
//! `{"$oneOf": [..]}` are operators; task expectations accept the aliases `ref`, `type`,
//! `input`, `output`, and `as` captures the task id.
//!
//! Extensions for operators and system tasks: `expect` may carry `eventually: {timeoutSec}` (retried
//! until it matches, for the network worker's real-time work); `capture {taskRef, field, as}` reads
//! a task field (dotted path) into a variable and `use` switches the current workflow (e.g. to a
//! sub-workflow); the `as` step names the current workflow; `eventHandlers` registers handlers;
//! `mocks` starts a local HTTP server (wiremock) whose base URL replaces `{{mock}}` anywhere in the
//! scenario; `server: {scriptTimeLimitMs, openai}` configures the embedded server (`openai: true`
//! points the LLM tasks at the mock server).
//!
//! Real servers: expectations, polls and captures are retried until they hold (10 s), because
//! a real server does its follow-up work (async system tasks, JOINs, event handlers) on its own
//! threads. Every name a scenario defines (task and workflow definitions, worker task types,
//! event handlers) gets a unique suffix, so runs never collide on a shared server.
//!
//! Per-server data: any `{"$version": {selector: value, ...}}` in a scenario becomes the value of
//! its first selector naming the server (`embedded`, `real`, `3.21`, `<3.30`, `>=3.31.2`, ...;
//! see `scenario::selector_matches`; the embedded server counts as newer than every release).
//! `"embeddedOnly": "reason"` (or `{selector: reason}`) keeps a scenario off real servers;
//! `"knownDivergences": {selector: reason}` records that it fails there for a known reason.
//!
//! Environment: `CONFORMANCE_FILTER=part|other` runs only matching scenario files;
//! `CONDUCTOR_TEST_SERVER_URL` selects a real server and `CONDUCTOR_TEST_SERVER_VERSION` its
//! version (else read from `GET /api/admin/config`); `CONFORMANCE_CONCURRENCY` bounds the
//! scenarios run at once.

mod matching;
mod run;
mod scenario;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conductor_server::{DevServer, ManualClock};
use serde_json::Value;

use crate::run::Run;
use crate::scenario::{Disposition, Server, Version};

/// How many times a scenario runs on a real server before a difference counts.
const REAL_ATTEMPTS: usize = 4;

/// The longest a scenario may take on a real server before it counts as failed.
const REAL_SCENARIO_TIMEOUT: Duration = Duration::from_secs(240);

enum Outcome {
    Same,
    Skipped(String),
    Differs {
        error: String,
        known: Option<String>,
    },
}

struct Report {
    name: String,
    outcome: Outcome,
    /// It passed only on a later run.
    retried: bool,
    elapsed: Duration,
}

async fn server_version(base: &str) -> Version {
    if let Ok(text) = std::env::var("CONDUCTOR_TEST_SERVER_VERSION")
        && let Some(v) = Version::parse(&text)
    {
        return v;
    }
    let config: Value = reqwest::get(format!("{base}/admin/config"))
        .await
        .expect("GET /admin/config")
        .json()
        .await
        .expect("admin config JSON");
    config["version"]
        .as_str()
        .and_then(Version::parse)
        .expect("the server's version: set CONDUCTOR_TEST_SERVER_VERSION")
}

/// Starts the scenario's mock HTTP server, if it has `mocks`.
async fn start_mocks(scenario: &Value) -> Option<wiremock::MockServer> {
    let mocks = scenario.get("mocks").and_then(Value::as_array)?;
    let server = wiremock::MockServer::start().await;
    for m in mocks {
        let method = m["method"].as_str().unwrap_or("GET");
        let mut response =
            wiremock::ResponseTemplate::new(m["status"].as_u64().unwrap_or(200) as u16);
        match &m["body"] {
            Value::Null => {}
            Value::String(s) => response = response.set_body_string(s.clone()),
            other => response = response.set_body_json(other.clone()),
        }
        if let Some(delay) = m["delayMs"].as_u64() {
            response = response.set_delay(Duration::from_millis(delay));
        }
        let mut mock = wiremock::Mock::given(wiremock::matchers::method(method))
            .and(wiremock::matchers::path(m["path"].as_str().unwrap_or("/")));
        if let Some(header) = m["withHeader"].as_object() {
            for (k, v) in header {
                mock = mock.and(wiremock::matchers::header(
                    k.as_str(),
                    v.as_str().unwrap_or(""),
                ));
            }
        }
        if let Some(body) = m.get("withBodyPartial") {
            mock = mock.and(wiremock::matchers::body_partial_json(body.clone()));
        }
        let mock = mock.respond_with(response);
        if let Some(times) = m["upTo"].as_u64() {
            mock.up_to_n_times(times).mount(&server).await;
        } else {
            mock.mount(&server).await;
        }
    }
    Some(server)
}

/// Where the embedded server's manual clock starts (2023-11-14 22:13:20 UTC).
const MANUAL_CLOCK_START_MS: i64 = 1_700_000_000_000;

/// Replaces `{{minuteAfter:S}}` in string values by the UTC minute (`yyyy-MM-dd HH:mm`, the
/// seconds cut off) of the server's time plus `S` seconds: a WAIT `until` that lies between
/// `S - 60` and `S` seconds ahead on either server.
fn substitute_times(value: &mut Value, now_ms: i64) {
    match value {
        Value::String(s) => {
            while let Some(start) = s.find("{{minuteAfter:") {
                let Some(len) = s[start..].find("}}") else {
                    break;
                };
                let seconds: i64 = s[start + 14..start + len].trim().parse().unwrap_or(0);
                let minute = utc_minute(now_ms / 1000 + seconds);
                s.replace_range(start..start + len + 2, &minute);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute_times(v, now_ms)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute_times(v, now_ms)),
        _ => {}
    }
}

/// `yyyy-MM-dd HH:mm` (UTC) of a Unix time in seconds.
fn utc_minute(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

#[test]
fn utc_minutes() {
    assert_eq!(utc_minute(1_700_000_000), "2023-11-14 22:13");
    assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00");
}

/// Runs one scenario (already resolved for `server`); the number of expectations it checked.
async fn run_scenario(mut scenario: Value, external: Option<&str>) -> Result<usize, String> {
    let mock = start_mocks(&scenario).await;
    if let Some(mock) = &mock {
        scenario::substitute(&mut scenario, "{{mock}}", &mock.uri());
    }
    let now_ms = match external {
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0)),
        None => MANUAL_CLOCK_START_MS,
    };
    substitute_times(&mut scenario, now_ms);
    let (base, server) = match external {
        Some(base) => (base.to_owned(), None),
        None => {
            let clock = Arc::new(ManualClock::new(MANUAL_CLOCK_START_MS));
            let mut builder = DevServer::builder().manual_clock(clock);
            if let Some(ms) = scenario
                .pointer("/server/scriptTimeLimitMs")
                .and_then(Value::as_u64)
            {
                builder = builder.script_time_limit(Duration::from_millis(ms));
            }
            if let (Some(mock), Some(true)) = (
                &mock,
                scenario.pointer("/server/openai").and_then(Value::as_bool),
            ) {
                builder = builder.openai(mock.uri(), Some("test-key".to_owned()));
            }
            let server = builder.start().await.map_err(|e| e.to_string())?;
            (server.url(), Some(server))
        }
    };
    let mut run = Run::new(base, server);
    if let Some(defs) = scenario
        .get("taskDefs")
        .filter(|d| d.as_array().is_some_and(|a| !a.is_empty()))
    {
        run.ok("POST", "/metadata/taskdefs", Some(defs)).await?;
    }
    for handler in scenario
        .get("eventHandlers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        run.ok("POST", "/event", Some(&handler)).await?;
    }
    for def in scenario
        .get("workflowDefs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        run.ok("POST", "/metadata/workflow?overwrite=true", Some(&def))
            .await?;
    }
    let steps = scenario["steps"].as_array().cloned().unwrap_or_default();
    let mut expectations = 0;
    let mut outcome = Ok(());
    for (i, step) in steps.iter().enumerate() {
        if step.get("expect").is_some() || step.get("http").is_some() {
            expectations += 1;
        }
        if let Err(e) = run.step(step).await {
            outcome = Err(format!(
                "step {i} ({}): {e}",
                step.to_string().chars().take(160).collect::<String>()
            ));
            break;
        }
    }
    // A real server listens to every active handler's queue for as long as it runs: remove
    // the scenario's handlers.
    for handler in scenario
        .get("eventHandlers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = handler.get("name").and_then(Value::as_str) {
            let _ = run.ok("DELETE", &format!("/event/{name}"), None).await;
        }
    }
    if let Some(server) = run.server.take() {
        server.shutdown().await;
    }
    drop(mock);
    outcome.map(|()| expectations)
}

/// One run of a prepared scenario, bounded in time on a real server.
async fn run_once(scenario: Value, external: Option<&str>) -> Result<usize, String> {
    let run = run_scenario(scenario, external);
    if external.is_some() {
        tokio::time::timeout(REAL_SCENARIO_TIMEOUT, run)
            .await
            .unwrap_or_else(|_| Err("timed out".to_owned()))
    } else {
        run.await
    }
}

/// Loads, resolves and runs the scenario at `path` on `server`.
async fn check(path: PathBuf, server: Server, external: Option<String>) -> Report {
    let started = Instant::now();
    let mut retried = false;
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let outcome = match prepare(&path, server) {
        Err(e) => Outcome::Differs {
            error: e,
            known: None,
        },
        Ok((_, Disposition::Skip(reason))) => Outcome::Skipped(reason),
        Ok((scenario, disposition)) => {
            let known = match disposition {
                Disposition::KnownDivergence(reason) => Some(reason),
                _ => None,
            };
            let mut result = run_once(scenario, external.as_deref()).await;
            // A real server is not deterministic (SQLite write conflicts under load fail a
            // start or a task update; a JOIN and the decider race after a sub-workflow ends):
            // a difference must show on every one of REAL_ATTEMPTS runs, each under fresh names.
            for _ in 1..REAL_ATTEMPTS {
                if result.is_ok() || external.is_none() {
                    break;
                }
                if let Ok((again, _)) = prepare(&path, server)
                    && run_once(again, external.as_deref()).await.is_ok()
                {
                    retried = true;
                    result = Ok(1);
                }
            }
            match result {
                Ok(0) => Outcome::Differs {
                    error: "has no expectations".to_owned(),
                    known: None,
                },
                Ok(_) => Outcome::Same,
                Err(error) => Outcome::Differs { error, known },
            }
        }
    };
    Report {
        name,
        outcome,
        retried,
        elapsed: started.elapsed(),
    }
}

fn prepare(path: &Path, server: Server) -> Result<(Value, Disposition), String> {
    let mut scenario = scenario::read(path)?;
    scenario::resolve_versions(&mut scenario, server)?;
    let disposition = scenario::disposition(&scenario, server)?;
    scenario::add_harness_defs(&mut scenario);
    scenario::rename(&mut scenario, &conductor_test_support::unique_name("cf"));
    Ok((scenario, disposition))
}

/// Every scenario that does not run, or is known to differ, on some real server is named, with
/// its reason, in `docs/embedded-server.md` (§ "Where the scenarios and the real servers part").
#[test]
fn every_scenario_kept_off_a_real_server_is_listed_in_the_docs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("../../docs/embedded-server.md"))
        .expect("docs/embedded-server.md");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/scenarios")).expect("scenario directory") {
        let path = entry.expect("scenario file").path();
        let text = std::fs::read_to_string(&path).expect("scenario text");
        let scenario: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let stem = stem.unwrap_or_default();
        let set_apart =
            scenario.get("embeddedOnly").is_some() || scenario.get("knownDivergences").is_some();
        if set_apart && !docs.contains(&format!("`{stem}`")) {
            missing.push(stem);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "scenarios set apart from real servers but not listed in docs/embedded-server.md: {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_scenarios() {
    // reqwest is built without a default TLS provider in this workspace; plain HTTP still needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenario directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // `CONFORMANCE_FILTER=fj|sw0` runs only the scenarios whose file name contains `fj` or `sw0`.
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    if let Some(filter) = &filter {
        files.retain(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            filter.split('|').any(|part| name.contains(part))
        });
    }
    assert!(
        filter.is_some() || files.len() >= 150,
        "expected at least 150 scenarios, found {}",
        files.len()
    );
    let external = conductor_test_support::external_server_url();
    let server = match &external {
        Some(base) => Server::Real(server_version(base).await),
        None => Server::Embedded,
    };
    let concurrency = std::env::var("CONFORMANCE_CONCURRENCY")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(if external.is_some() { 8 } else { 4 });
    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for file in files {
        let permits = Arc::clone(&permits);
        let external = external.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore");
            check(file, server, external).await
        });
    }
    let mut reports = Vec::new();
    while let Some(report) = tasks.join_next().await {
        reports.push(report.expect("scenario task"));
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));

    // On a line of its own, after the test harness's progress dots.
    let mut out = String::from("\n");
    let (mut same, mut skipped, mut differ, mut unknown) = (0, 0, 0, Vec::new());
    for report in &reports {
        match &report.outcome {
            Outcome::Same => same += 1,
            Outcome::Skipped(reason) => {
                skipped += 1;
                out.push_str(&format!("  embedded-only {}: {reason}\n", report.name));
            }
            Outcome::Differs { error, known } => {
                differ += 1;
                match known {
                    Some(reason) => out.push_str(&format!(
                        "  known divergence {}: {reason}\n    ({error})\n",
                        report.name
                    )),
                    None => unknown.push(format!("{}: {error}", report.name)),
                }
            }
        }
    }
    let retried: Vec<&str> = reports
        .iter()
        .filter(|r| r.retried)
        .map(|r| r.name.as_str())
        .collect();
    if !retried.is_empty() {
        out.push_str(&format!(
            "  passed on a later run: {}\n",
            retried.join(", ")
        ));
    }
    if external.is_some() {
        let mut slowest: Vec<&Report> = reports.iter().collect();
        slowest.sort_by_key(|report| std::cmp::Reverse(report.elapsed));
        let list: Vec<String> = slowest
            .iter()
            .take(5)
            .map(|r| format!("{} {:.1}s", r.name, r.elapsed.as_secs_f64()))
            .collect();
        out.push_str(&format!("  slowest: {}\n", list.join(", ")));
    }
    out.push_str(&format!(
        "conformance: {} scenarios, {same} same on this server, {skipped} embedded-only, {differ} differ \
         ({server}, {:.1}s)\n",
        reports.len(),
        started.elapsed().as_secs_f64()
    ));
    // Straight to the process's stderr, past the test harness's capture: the summary is the
    // point of a run against a real server.
    let _ = std::io::stderr().write_all(out.as_bytes());
    assert!(
        unknown.is_empty(),
        "{} of {} scenarios differ on {server}:\n{}",
        unknown.len(),
        reports.len(),
        unknown.join("\n")
    );
}
