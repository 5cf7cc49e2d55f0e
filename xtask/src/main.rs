//! `cargo xtask`: project automation (tidy checks now; benchmarks and releases as they land).
//!
//! Run `cargo xtask help` for the list of commands. The xtask is an ordinary workspace binary reached
//! through the `xtask` alias in `.cargo/config.toml`, so it needs nothing installed beyond cargo.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bench_summary;
mod browser;
mod features;
mod oss;
mod tidy;
mod tidy_claims;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tidy") => {
            match tidy::check(&args.get(1).map_or_else(workspace_root, PathBuf::from)) {
                Ok(()) => {
                    println!("tidy: ok");
                    ExitCode::SUCCESS
                }
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("tidy: {problem}");
                    }
                    eprintln!("tidy: {} problem(s)", problems.len());
                    ExitCode::FAILURE
                }
            }
        }
        Some("bench") => {
            let (selection, extra) = split_bench_args(&args[1..]);
            match bench::run(selection, extra) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("bench: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("browser-test") => report("browser-test", browser::run(&args[1..])),
        Some("chaos") => report("chaos", bench::chaos(&args[1..])),
        Some("features") => report("features", features::run(&args[1..])),
        Some("oss-server") => report("oss-server", oss::server(&args[1..])),
        Some("oss-test") => report("oss-test", oss::test(&args[1..])),
        Some("help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  tidy [ROOT]                   check the repository's invariants (also run by `cargo test -p xtask`);
                                ROOT (default: this workspace) checks another checkout, e.g. a merge
  features [-p PACKAGE]         check every crate with no default features and with each feature
                                alone (from `cargo metadata`; run by .ci/run)
  bench [server|worker|tracing|tracing-paired|all] [-- ARGS]
                                run benchmarks in release mode (ARGS go to the bench binaries);
                                repeated runs end with each case's medians (XTASK_BENCH_ROUNDS=N
                                sets the number of rounds)
  browser-test [-- TEST ARGS]   the embedded server's execution page in headless Chromium (installs
                                Debian's chromium and chromium-driver with apt-get if missing)
  chaos [--tasks N] [--outage-secs S] [--server URL | --oss-version V] ...
                                the fault-injection run: worker processes behind a fault proxy
                                (503/429, resets, slow answers, an outage, SIGTERM, SIGKILL,
                                panics, a server restart); prints what was lost
  oss-server [--version V] [--port P] [--property key=value]...
                                start conductor-oss (fetched from Maven Central) on 127.0.0.1 with a
                                fresh SQLite file, plus any Spring properties given; prints its URL;
                                Ctrl-C stops it
  oss-test [--version V]... [-- TEST ARGS]
                                run the end-to-end suites and the conformance scenarios against each
                                conductor-oss version the SDK claims (3.21.14 and 3.32.3 by default)
  help                          show this message";

/// Prints a command's error and turns its result into an exit code.
fn report(command: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{command}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Splits `bench` arguments into the benchmark name and the arguments after `--`.
fn split_bench_args(args: &[String]) -> (Option<&str>, &[String]) {
    let (before, after) = match args.iter().position(|arg| arg == "--") {
        Some(idx) => (&args[..idx], &args[idx + 1..]),
        None => (args, &[][..]),
    };
    (before.first().map(String::as_str), after)
}

/// The workspace root: the xtask crate lives one level below it.
///
/// `cargo run` (which `cargo xtask` is) sets `CARGO_MANIFEST_DIR` when it starts the binary: that
/// is the checkout being worked on. The value compiled in is only a fallback, since a binary
/// reused from a shared target directory may have been built in another checkout.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

#[cfg(test)]
mod tests {
    /// The repository's invariants hold: `cargo test` alone catches drift (rust-analyzer's tidy test).
    #[test]
    fn tidy() {
        if let Err(problems) = super::tidy::check(&super::workspace_root()) {
            panic!(
                "tidy found {} problem(s):\n{}",
                problems.len(),
                problems.join("\n")
            );
        }
    }
}
