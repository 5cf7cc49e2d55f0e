//! Wire diff: the same scripted sequence of raw HTTP requests (every endpoint the SDK calls, in
//! success and error forms) runs against our embedded server and a reference server, and every
//! structural difference between the answers is reported: status, body kind, key sets at every
//! level (null is not absent), JSON value types, and the values of deterministic fields.
//!
//! With `CONDUCTOR_TEST_SERVER_URL` set, the reference is that (real conductor-oss) server; the
//! run fails on every difference not accepted in `tests/wire_diff/known_differences.json` for the
//! server's version, and on every accepted one that no longer occurs. The version comes from
//! `CONDUCTOR_TEST_SERVER_VERSION` and from the server itself (`GET /api/admin/config` →
//! `version`, else `/actuator/info` → `build.version`); when both are known they must agree.
//!
//! Without it (plain `cargo test`), the reference is a second embedded server, and the run must
//! find no difference at all: that exercises the script and the differ end to end.
//!
//! `WIRE_DIFF_DUMP=<dir>` writes every normalised answer of both runs under `<dir>/ours` and
//! `<dir>/reference` (one file per exchange), for reading the bodies behind a difference.

#[path = "wire_diff/differ.rs"]
mod differ;
#[path = "wire_diff/known.rs"]
mod known;
#[path = "wire_diff/script.rs"]
mod script;
#[path = "wire_diff/target.rs"]
mod target;

use conductor_server::DevServer;
use conductor_test_support::{OSS_VERSIONS, external_server_url, external_server_version};

use differ::{Difference, Kind, diff_exchange};
use script::Names;
use target::Target;

/// The accepted differences, keyed by server version.
const KNOWN_DIFFERENCES: &str = include_str!("wire_diff/known_differences.json");

/// The script sends at least this many requests to each server (a floor that catches a script
/// cut short).
const MIN_EXCHANGES: usize = 190;

/// Runs the script on both targets at once.
async fn run_both(ours: &mut Target, reference: &mut Target, names: &Names) {
    tokio::join!(script::run(ours, names), script::run(reference, names));
}

/// Every difference between the two runs, step by step, plus the steps whose waits or captures
/// failed on either side.
fn compare(ours: &Target, reference: &Target) -> Vec<Difference> {
    let mut found = Vec::new();
    let steps = ours.exchanges.len().max(reference.exchanges.len());
    for i in 0..steps {
        match (ours.exchanges.get(i), reference.exchanges.get(i)) {
            (Some(a), Some(b)) if a.step == b.step => found.extend(diff_exchange(a, b)),
            (a, b) => {
                found.push(Difference {
                    step: a.or(b).map_or_else(String::new, |e| e.step.clone()),
                    path: "$".into(),
                    kind: Kind::Script,
                    detail: format!(
                        "the runs diverged at exchange {i}: ours {:?}, reference {:?}",
                        a.map(|e| &e.step),
                        b.map(|e| &e.step)
                    ),
                });
                break;
            }
        }
    }
    for (side, target) in [("ours", ours), ("reference", reference)] {
        for (step, note) in &target.notes {
            found.push(Difference {
                step: step.clone(),
                path: format!("@{side}"),
                kind: Kind::Script,
                detail: note.clone(),
            });
        }
    }
    found
}

/// The version the reference server reports about itself.
async fn detect_version(base: &str) -> Option<String> {
    let http = reqwest::Client::new();
    let config = http.get(format!("{base}/admin/config")).send().await.ok()?;
    if config.status().is_success()
        && let Some(version) = config
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("version")?.as_str().map(str::to_owned))
    {
        return Some(version);
    }
    // Spring Boot's actuator sits beside `/api`, not under it.
    let root = base.trim_end_matches("/api");
    let info = http
        .get(format!("{root}/actuator/info"))
        .send()
        .await
        .ok()?;
    info.json::<serde_json::Value>()
        .await
        .ok()?
        .pointer("/build/version")?
        .as_str()
        .map(str::to_owned)
}

/// Writes every exchange of `target` under `$WIRE_DIFF_DUMP/<side>` when that is set.
fn dump(side: &str, target: &Target) {
    let Some(dir) = std::env::var_os("WIRE_DIFF_DUMP") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir).join(side);
    std::fs::create_dir_all(&dir).expect("the dump folder can be made");
    for (i, e) in target.exchanges.iter().enumerate() {
        let body = match &e.body {
            differ::Body::Empty => String::new(),
            differ::Body::Json(v) => serde_json::to_string_pretty(v).expect("JSON prints"),
            differ::Body::Text(t) => t.clone(),
        };
        let text = format!("{} -> {}\n{body}\n", e.request, e.status);
        std::fs::write(dir.join(format!("{i:03}_{}.txt", e.step)), text)
            .expect("the dump file can be written");
    }
}

/// The exchanges of one run, for a failure message.
fn transcript(target: &Target) -> String {
    target
        .exchanges
        .iter()
        .map(|e| format!("  {:<40} {} -> {}", e.step, e.request, e.status))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `path` with array indices replaced by `*`: `$.tasks[3].x` → `$.tasks[*].x`.
fn general_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[*");
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// The differences grouped by kind and general path (one line per group, with its steps and
/// the first detail), then every difference.
fn report(title: &str, differences: &[Difference]) -> String {
    let mut groups: std::collections::BTreeMap<(&str, String), Vec<&Difference>> =
        std::collections::BTreeMap::new();
    for d in differences {
        groups
            .entry((d.kind.as_str(), general_path(&d.path)))
            .or_default()
            .push(d);
    }
    let mut lines = vec![format!(
        "{title}: {} in {} groups (kind, path; steps; first detail):",
        differences.len(),
        groups.len()
    )];
    for ((kind, path), members) in &groups {
        let mut steps: Vec<&str> = members.iter().map(|d| d.step.as_str()).collect();
        steps.dedup();
        lines.push(format!(
            "  {kind:<8} {path}\n      steps: {}\n      e.g. {}",
            steps.join(", "),
            members[0].detail
        ));
    }
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_server_answers_like_the_reference_server() {
    let names = Names::new();
    let ours_server = DevServer::start().await.expect("our server starts");
    let mut ours = Target::new(ours_server.url());
    match external_server_url() {
        Some(url) => {
            let detected = detect_version(&url).await;
            let declared = external_server_version();
            let version = match (declared, detected) {
                (Some(d), Some(s)) => {
                    assert_eq!(
                        d, s,
                        "CONDUCTOR_TEST_SERVER_VERSION says {d}, the server at {url} says {s}"
                    );
                    d
                }
                (Some(v), None) | (None, Some(v)) => v,
                (None, None) => {
                    panic!("cannot tell the version of {url}: set CONDUCTOR_TEST_SERVER_VERSION")
                }
            };
            let mut reference = Target::new(url.clone());
            run_both(&mut ours, &mut reference, &names).await;
            dump("ours", &ours);
            dump("reference", &reference);
            assert!(
                ours.exchanges.len() >= MIN_EXCHANGES,
                "the script ran only {} requests",
                ours.exchanges.len()
            );
            let file = known::parse(KNOWN_DIFFERENCES).expect("the known-differences file parses");
            let found = compare(&ours, &reference);
            let total = found.len();
            let outcome = known::check(&file, &version, found);
            println!(
                "wire diff against {url} ({version}): {} requests each, {total} differences, {} accepted, {} unexpected, {} stale entries",
                ours.exchanges.len(),
                outcome.accepted.len(),
                outcome.unexpected.len(),
                outcome.stale.len()
            );
            let accepted: Vec<Difference> =
                outcome.accepted.iter().map(|(d, _)| d.clone()).collect();
            println!("{}", report("accepted differences", &accepted));
            let mut failure = Vec::new();
            if !outcome.unexpected.is_empty() {
                failure.push(report(
                    "differences not in known_differences.json",
                    &outcome.unexpected,
                ));
            }
            if !outcome.stale.is_empty() {
                let stale: Vec<String> = outcome
                    .stale
                    .iter()
                    .map(|i| {
                        let k = &file.differences[*i];
                        format!("  {} {} {} ({})", k.kind, k.step, k.path, k.reason)
                    })
                    .collect();
                failure.push(format!(
                    "known differences for {version} that no longer occur (remove them):\n{}",
                    stale.join("\n")
                ));
            }
            assert!(
                failure.is_empty(),
                "{}\n\nreference transcript:\n{}",
                failure.join("\n\n"),
                transcript(&reference)
            );
        }
        None => {
            let other_server = DevServer::start()
                .await
                .expect("the second embedded server starts");
            let mut reference = Target::new(other_server.url());
            run_both(&mut ours, &mut reference, &names).await;
            dump("ours", &ours);
            dump("reference", &reference);
            assert!(
                ours.exchanges.len() >= MIN_EXCHANGES,
                "the script ran only {} requests",
                ours.exchanges.len()
            );
            let found = compare(&ours, &reference);
            assert!(
                found.is_empty(),
                "{}\n\ntranscript:\n{}",
                report("two embedded servers answered differently", &found),
                transcript(&ours)
            );
            other_server.shutdown().await;
        }
    }
    ours_server.shutdown().await;
}

#[test]
fn the_known_differences_file_is_well_formed() {
    let file = known::parse(KNOWN_DIFFERENCES).expect("the known-differences file parses");
    assert!(!file.comment.trim().is_empty(), "the file says what it is");
    for known in &file.differences {
        for version in known.versions.iter().flatten() {
            assert!(
                OSS_VERSIONS.contains(&version.as_str()),
                "{} names version {version}, not one of {OSS_VERSIONS:?}",
                known.step
            );
        }
    }
}
