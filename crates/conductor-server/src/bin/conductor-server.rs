//! `conductor-server`: runs the embedded Conductor-compatible server as a standalone process.
//!
//! Usage: `conductor-server [--host 127.0.0.1] [--port 8080] [--sweep-interval-ms 1000]
//! [--shutdown-grace-ms 5000] [--db FILE] [--durability process-crash|power-loss]`. With `--db`
//! the state lives in a SQLite file and survives restarts and crashes of the process (and power
//! losses with `--durability power-loss`, an fsync per commit). Logs go through `tracing`
//! (filter with `RUST_LOG`); SIGINT and SIGTERM stop it cleanly and promptly: open long polls and
//! sync executions are answered at once (empty poll, current workflow state), in-flight requests
//! finish, in-flight HTTP/LLM calls and scripts get the grace period and are then cancelled
//! (their tasks stay IN_PROGRESS and run again after a restart), and the process exits 0.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use conductor_server::{DevServer, Durability};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: conductor-server [--host ADDR] [--port PORT] [--sweep-interval-ms MS] [--shutdown-grace-ms MS] [--db FILE] [--durability WHAT]\n\
    \n  --host ADDR              address to bind (default 127.0.0.1)\
    \n  --port PORT              port to bind (default 8080; 0 = any free port)\
    \n  --sweep-interval-ms MS   how often the sweeper runs (default 1000)\
    \n  --shutdown-grace-ms MS   how long shutdown waits for in-flight HTTP/LLM calls and scripts\
    \n                           before cancelling them (default 5000)\
    \n  --db FILE                keep the state in this SQLite file (created if missing; default:\
    \n                           in memory, lost at exit)\
    \n  --durability WHAT        what an acknowledged change in --db survives: process-crash\
    \n                           (default) or power-loss (an fsync per commit, slower)\
    \n  -h, --help               show this help";

#[derive(Debug, PartialEq)]
struct Args {
    host: IpAddr,
    port: u16,
    sweep_interval: Duration,
    shutdown_grace: Duration,
    db: Option<PathBuf>,
    durability: Durability,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 8080,
        sweep_interval: Duration::from_secs(1),
        shutdown_grace: Duration::from_secs(5),
        db: None,
        durability: Durability::default(),
    };
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--host" => {
                let v = value()?;
                parsed.host = v.parse().map_err(|_| format!("invalid --host '{v}'"))?;
            }
            "--port" => {
                let v = value()?;
                parsed.port = v.parse().map_err(|_| format!("invalid --port '{v}'"))?;
            }
            "--sweep-interval-ms" => {
                let v = value()?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("invalid --sweep-interval-ms '{v}'"))?;
                parsed.sweep_interval = Duration::from_millis(ms.max(10));
            }
            "--shutdown-grace-ms" => {
                let v = value()?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("invalid --shutdown-grace-ms '{v}'"))?;
                parsed.shutdown_grace = Duration::from_millis(ms);
            }
            "--db" => {
                let v = value()?;
                if v.is_empty() {
                    return Err("--db needs a file name".to_owned());
                }
                parsed.db = Some(PathBuf::from(v));
            }
            "--durability" => {
                let v = value()?;
                parsed.durability = match v.as_str() {
                    "process-crash" => Durability::ProcessCrash,
                    "power-loss" => Durability::PowerLoss,
                    _ => {
                        return Err(format!(
                            "invalid --durability '{v}' (process-crash or power-loss)"
                        ));
                    }
                };
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Some(parsed))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            tracing::info!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            tracing::error!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut builder = DevServer::builder()
        .openai_from_env()
        .host(args.host)
        .port(args.port)
        .sweep_interval(args.sweep_interval)
        .shutdown_grace(args.shutdown_grace);
    if let Some(db) = &args.db {
        tracing::info!(db = %db.display(), "state kept in a database file");
        builder = builder.database(db).durability(args.durability);
    }
    let server = match builder.start().await {
        Ok(server) => server,
        Err(error) => {
            tracing::error!(%error, "could not start the server");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(url = %server.url(), "conductor-server listening");
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_flags() {
        let a = parse(&[]).unwrap().unwrap();
        assert_eq!(a.port, 8080);
        assert_eq!(a.host.to_string(), "127.0.0.1");
        let a = parse(&["--port", "9090", "--host=0.0.0.0"])
            .unwrap()
            .unwrap();
        assert_eq!(a.port, 9090);
        assert_eq!(a.host.to_string(), "0.0.0.0");
        assert!(parse(&["--help"]).unwrap().is_none());
        assert_eq!(a.db, None);
        assert_eq!(a.shutdown_grace, Duration::from_secs(5));
        let a = parse(&["--shutdown-grace-ms", "250"]).unwrap().unwrap();
        assert_eq!(a.shutdown_grace, Duration::from_millis(250));
        let a = parse(&["--db", "state.db"]).unwrap().unwrap();
        assert_eq!(a.db, Some(PathBuf::from("state.db")));
        assert_eq!(a.durability, Durability::ProcessCrash);
        let a = parse(&["--db", "state.db", "--durability=power-loss"])
            .unwrap()
            .unwrap();
        assert_eq!(a.durability, Durability::PowerLoss);
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--host", "not-an-ip"]).is_err());
        assert!(parse(&["--db"]).is_err());
        assert!(parse(&["--shutdown-grace-ms", "soon"]).is_err());
        assert!(parse(&["--db="]).is_err());
        assert!(parse(&["--durability", "eventually"]).is_err());
        assert!(parse(&["--durability"]).is_err());
    }
}
