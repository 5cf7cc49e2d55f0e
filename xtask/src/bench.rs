//! `cargo xtask bench [server|worker|all] [-- ARGS]`: runs the project's benchmark binaries in release mode.
//!
//! Each benchmark is a `harness = false` bench target that measures its subject *and* its baseline in
//! the same run (figures are only comparable within one run on a shared 2-core machine), and prints a
//! table; `docs/*-benchmarks.md` records the figures.

use std::process::Command;

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
        what: "embedded server: workflow starts/s and poll+update round trips/s, 1 and 16 clients, in memory and on SQLite",
    },
    Bench {
        name: "worker",
        package: "conductor-worker",
        target: "worker_throughput",
        runs: &[("", &[])],
        rounds: 1,
        args: &[],
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
        ],
        // Nine rounds: on a shared 2-vCPU machine one round can be 30 % off (more while another
        // benchmark runs beside it); the median of nine holds where five did not.
        rounds: 9,
        args: &["--handler-only", "--rounds", "1", "--tasks", "20000"],
        what: "worker runtime: the handler built without `otel`, then with it, tracing off and on (OpenTelemetry)",
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
        for (features, run_args) in (0..bench.rounds).flat_map(|_| bench.runs) {
            let mut command = Command::new(&cargo);
            command.args(["bench", "-p", bench.package, "--bench", bench.target]);
            if !features.is_empty() {
                command.args(["--features", features]);
            }
            let status = command
                .arg("--")
                .args(bench.args)
                .args(*run_args)
                .args(extra)
                .status()
                .map_err(|err| format!("cannot run cargo: {err}"))?;
            if !status.success() {
                return Err(format!("bench {} failed ({status})", bench.name));
            }
        }
    }
    Ok(())
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
        text.push_str(&format!("  {:<8}{}\n", bench.name, bench.what));
    }
    text
}
