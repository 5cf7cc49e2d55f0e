//! `cargo xtask bench [server|worker|all] [-- ARGS]`: runs the project's benchmark binaries in release mode.
//!
//! Each benchmark is a `harness = false` bench target that measures its subject *and* its baseline in
//! the same run (figures are only comparable within one run on a shared 2-core machine), and prints a
//! table; `docs/*-benchmarks.md` records the figures. A bench run over several rounds ends with
//! the medians of each case (`bench_summary.rs`); `XTASK_BENCH_ROUNDS=N` changes the count.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bench_summary::Summary;

/// A benchmark the xtask knows how to run.
struct Bench {
    name: &'static str,
    package: &'static str,
    target: &'static str,
    /// The runs of the bench binary, in order: the Cargo features of `package` it is built with
    /// (`""`: the defaults only) and arguments of that run.
    runs: &'static [(&'static str, &'static [&'static str])],
    /// How many times `runs` is repeated.
    rounds: usize,
    /// Arguments always passed (before the user's).
    args: &'static [&'static str],
    /// The run (an index in `runs`) every other is compared with round by round in the summary.
    round_reference: Option<usize>,
    what: &'static str,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "server",
        package: "conductor-server",
        target: "server",
        runs: &[("", &[])],
        rounds: 1,
        args: &[],
        round_reference: None,
        what: "embedded server: workflow starts/s and poll+update round trips/s, 1 and 16 clients, in memory and on SQLite",
    },
    Bench {
        name: "worker",
        package: "conductor-worker",
        target: "worker_throughput",
        runs: &[("", &[])],
        rounds: 1,
        args: &[],
        round_reference: None,
        what: "worker runtime: no-op tasks/s through a TaskHandler vs a bare HTTP loop; idle CPU",
    },
    Bench {
        name: "tracing",
        package: "conductor-worker",
        target: "worker_throughput",
        // Each in a process of its own (a global subscriber cannot be removed), alternating.
        runs: &[
            ("", &[]),
            ("otel", &[]),
            ("otel", &["--tracing-on", "--tracing-info"]),
            (
                "otel",
                &["--tracing-on", "--tracing-info", "--tracing-batch"],
            ),
            ("otel", &["--tracing-on", "--tracing-batch"]),
            // Info, with the task spans built by the SDK (`TaskSpans`).
            ("otel", &["--tracing-on", "--tracing-info", "--task-spans"]),
            (
                "otel",
                &[
                    "--tracing-on",
                    "--tracing-info",
                    "--tracing-batch",
                    "--task-spans",
                ],
            ),
            // The same span per task made through the OpenTelemetry API alone (tracing off).
            ("otel", &["--otel-api-span"]),
            ("otel", &["--otel-api-span", "--tracing-batch"]),
        ],
        // Nine rounds: on a shared 2-vCPU machine one round can be 30 % off (more while another
        // benchmark runs beside it); the median of nine holds where five did not.
        rounds: 9,
        args: &["--handler-only", "--rounds", "1", "--tasks", "20000"],
        // Each case against tracing off with `otel` built in, round by round.
        round_reference: Some(1),
        what: "worker runtime: the handler built without `otel`, then with it, tracing off and on (OpenTelemetry, through tracing-opentelemetry and with the task spans built by the SDK), and the task span through the OpenTelemetry API alone",
    },
    Bench {
        name: "tracing-paired",
        package: "conductor-worker",
        target: "worker_throughput",
        // One process: tracing off and on with each span processor (through
        // `tracing-opentelemetry`, and with the task spans built by the SDK), a subscriber
        // without OpenTelemetry and the task span through the OpenTelemetry API alone, turned on
        // and off
        // for the worker's thread between runs, rotating within each round; the binary ends
        // with the paired changes.
        runs: &[("otel", &[])],
        rounds: 1,
        args: &[
            "--handler-only",
            "--tracing-paired",
            "--tracing-info",
            "--rounds",
            "30",
            "--tasks",
            "10000",
        ],
        round_reference: None,
        what: "worker runtime: tracing off and on (OpenTelemetry, info, simple and batch processors; through tracing-opentelemetry and with the task spans built by the SDK), a subscriber without OpenTelemetry, and the task span through the OpenTelemetry API alone, in one process, paired round by round",
    },
];

/// Runs the named benchmarks (`all` for every one); `extra` goes to the bench binaries.
pub(crate) fn run(selection: Option<&str>, extra: &[String]) -> Result<(), String> {
    let chosen: Vec<&Bench> = match selection {
        None | Some("all") => BENCHES.iter().collect(),
        Some(name) => BENCHES.iter().filter(|bench| bench.name == name).collect(),
    };
    if chosen.is_empty() {
        return Err(format!(
            "unknown benchmark `{}`\n\n{}",
            selection.unwrap_or(""),
            list()
        ));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for bench in chosen {
        println!("== bench {}: {}", bench.name, bench.what);
        // Each feature set is built once, then its binary is run directly: `cargo bench` for
        // every run would rebuild the package (and the crates whose features it unifies) each
        // time the features change, which for alternating runs is every run.
        let mut binaries: Vec<(&str, Binary)> = Vec::new();
        for (features, _) in bench.runs {
            if !binaries.iter().any(|(built, _)| built == features) {
                binaries.push((features, build(&cargo, bench, features)?));
            }
        }
        let rounds = rounds_override()?.unwrap_or(bench.rounds);
        let mut summary = Summary::default();
        if let Some(index) = bench.round_reference {
            summary = summary.with_round_reference(index);
        }
        for (features, run_args) in (0..rounds).flat_map(|_| bench.runs) {
            let Some((_, binary)) = binaries.iter().find(|(built, _)| built == features) else {
                return Err(format!(
                    "bench {}: no binary built for `{features}`",
                    bench.name
                ));
            };
            let mut command = Command::new(&binary.executable);
            // Where `cargo bench` runs it: the package's directory.
            command
                .current_dir(&binary.package_dir)
                .args(bench.args)
                .args(*run_args)
                .args(extra);
            summary.add_output(&run_echoing(&mut command, &binary.executable)?);
        }
        if let Some(table) = summary.render() {
            println!(
                "\n== bench {}: medians of {rounds} rounds\n\n{table}",
                bench.name
            );
        }
    }
    Ok(())
}

/// `XTASK_BENCH_ROUNDS`: how many rounds to run instead of the bench's own count.
fn rounds_override() -> Result<Option<usize>, String> {
    match std::env::var("XTASK_BENCH_ROUNDS") {
        Err(_) => Ok(None),
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(rounds) if rounds > 0 => Ok(Some(rounds)),
            _ => Err(format!(
                "XTASK_BENCH_ROUNDS must be a positive number, not `{value}`"
            )),
        },
    }
}

/// Runs `command`, echoing its output line by line as it comes, and returns that output; an
/// error if it cannot start or fails.
fn run_echoing(command: &mut Command, executable: &Path) -> Result<String, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", executable.display()))?;
    let mut output = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|err| format!("reading {}: {err}", executable.display()))?;
            println!("{line}");
            output.push_str(&line);
            output.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|err| format!("waiting for {}: {err}", executable.display()))?;
    if status.success() {
        Ok(output)
    } else {
        Err(format!("{} failed ({status})", executable.display()))
    }
}

/// A built bench binary and the directory of its package.
struct Binary {
    executable: PathBuf,
    package_dir: PathBuf,
}

/// Builds `bench` with `features` (`cargo bench --no-run`) and returns its binary, read from
/// cargo's JSON messages.
fn build(cargo: &str, bench: &Bench, features: &str) -> Result<Binary, String> {
    let mut command = Command::new(cargo);
    command.args([
        "bench",
        "-p",
        bench.package,
        "--bench",
        bench.target,
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    if !features.is_empty() {
        command.args(["--features", features]);
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "building bench {} failed ({})",
            bench.name, output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == bench.target
        })
        .find_map(|message| {
            let executable = PathBuf::from(message["executable"].as_str()?);
            let manifest = PathBuf::from(message["manifest_path"].as_str()?);
            Some(Binary {
                executable,
                package_dir: manifest.parent()?.to_path_buf(),
            })
        })
        .ok_or_else(|| format!("cargo built no executable for bench {}", bench.name))
}

/// `cargo xtask chaos [ARGS]`: the fault-injection run (`crates/conductor/benches/chaos/`) in
/// release mode; its figures go to `docs/reliability.md`. Not part of `bench all`: it runs for
/// minutes by design (an outage, then response timeouts).
pub(crate) fn chaos(args: &[String]) -> Result<(), String> {
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["bench", "-p", "conductor", "--bench", "chaos", "--"])
        .args(args)
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the chaos run failed ({status})"))
    }
}

/// The list of benchmarks, for usage messages.
pub(crate) fn list() -> String {
    let mut text = String::from("benchmarks:\n");
    for bench in BENCHES {
        text.push_str(&format!("  {:<16}{}\n", bench.name, bench.what));
    }
    text
}
