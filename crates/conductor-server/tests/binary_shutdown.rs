//! The `conductor-server` binary stops promptly and exits 0 on SIGTERM and SIGINT, even while a
//! worker's long poll, a sync execution and an idle keep-alive connection are open; the held
//! requests still get a proper answer.

#![cfg(unix)]
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long the server may take to stop. The requests held open below would keep it alive for
/// 5 s (long poll) and 60 s (sync execution) if shutdown waited for them.
const STOP_DEADLINE: Duration = Duration::from_secs(3);
/// How long start-up and the preparatory requests may take.
const SETUP_DEADLINE: Duration = Duration::from_secs(20);

/// The server process and the address it listens on.
struct Server {
    child: Option<Child>,
    pid: u32,
    addr: SocketAddr,
}

impl Server {
    /// Starts the binary on a free port (`--port 0`) and reads the bound address from its log.
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conductor-server"))
            .args(["--port", "0"])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout is piped");
        let (url_tx, url_rx) = mpsc::channel();
        // Reads the log until EOF so the server never blocks on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = listening_addr(&line) {
                    let _ = url_tx.send(addr);
                }
            }
        });
        let addr = match url_rx.recv_timeout(SETUP_DEADLINE) {
            Ok(addr) => addr,
            Err(error) => {
                let _ = child.kill();
                panic!("the server never logged its address: {error}");
            }
        };
        Server {
            child: Some(child),
            pid,
            addr,
        }
    }

    /// Sends `signal` (`TERM`, `INT`) and waits at most `deadline` for the process to exit.
    fn signal_and_wait(&mut self, signal: &str, deadline: Duration) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("signalled once");
        let (exit_tx, exit_rx) = mpsc::channel();
        let started = Instant::now();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid.to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed: {status}");
        thread::spawn(move || {
            let _ = exit_tx.send(child.wait());
        });
        match exit_rx.recv_timeout(deadline) {
            Ok(status) => (status.expect("wait works"), started.elapsed()),
            Err(_) => {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(self.pid.to_string())
                    .status();
                panic!("the server did not stop within {deadline:?} of SIG{signal}");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The address in the `conductor-server listening url=http://ADDR/api` log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let rest = &line[line.find("http://")? + "http://".len()..];
    let end = rest.find('/')?;
    rest[..end].parse().ok()
}

/// One HTTP/1.1 request on a new connection (`Connection: close`): status and body.
fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("read timeout");
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("request written");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("response read");
    parse_response(&raw)
}

fn parse_response(raw: &str) -> (u16, String) {
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {raw:?}"));
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// Sends a request in the background; the answer arrives when the thread ends.
fn request_in_background(
    addr: SocketAddr,
    method: &'static str,
    path: String,
    body: Option<Value>,
) -> JoinHandle<(u16, String)> {
    thread::spawn(move || request(addr, method, &path, body.as_ref()))
}

/// Repeats `probe` until it holds, failing the test after `SETUP_DEADLINE`.
fn wait_until(what: &str, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + SETUP_DEADLINE;
    while !probe() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn stops_promptly_on(signal: &str) {
    let mut server = Server::start();
    let addr = server.addr;

    let (status, body) = request(addr, "GET", "/health", None);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["healthy"],
        true
    );

    // A workflow whose only task nobody works on: a sync execution of it waits the full 60 s.
    let def = json!({
        "name": "shutdown_wf", "version": 1,
        "tasks": [{"name": "slow_task", "taskReferenceName": "slow", "type": "SIMPLE"}]
    });
    let (status, body) = request(addr, "POST", "/api/metadata/workflow", Some(&def));
    assert_eq!(status, 200, "{body}");

    // A worker long-polling an empty queue (5 s).
    let poll = request_in_background(
        addr,
        "GET",
        "/api/tasks/poll/batch/idle_task?workerid=w1&count=1&timeout=5000".into(),
        None,
    );
    // A sync execution waiting for a workflow that will not finish.
    let execute = request_in_background(
        addr,
        "POST",
        "/api/workflow/execute/shutdown_wf/1?waitForSeconds=60".into(),
        Some(json!({"input": {}})),
    );
    // An idle keep-alive connection after one answered request.
    let mut idle = TcpStream::connect(addr).expect("connects");
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    write!(idle, "GET /health HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("written");
    let mut first = [0_u8; 512];
    let n = idle.read(&mut first).expect("answered");
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));

    // Both held requests are inside the server before the signal.
    wait_until("the long poll to reach the server", || {
        request(
            addr,
            "GET",
            "/api/tasks/queue/polldata?taskType=idle_task",
            None,
        )
        .1
        .contains("\"w1\"")
    });
    wait_until("the sync execution to start its workflow", || {
        request(
            addr,
            "GET",
            "/api/workflow/running/shutdown_wf?version=1",
            None,
        )
        .1 != "[]"
    });

    let (exit, took) = server.signal_and_wait(signal, STOP_DEADLINE);
    assert!(exit.success(), "SIG{signal} exit status: {exit}");
    assert!(took < STOP_DEADLINE, "stopping took {took:?}");

    // The held requests were answered, not cut off.
    let (status, body) = poll.join().expect("poll thread");
    assert_eq!((status, body.as_str()), (200, "[]"));
    let (status, body) = execute.join().expect("execute thread");
    assert_eq!(status, 200, "{body}");
    let run: Value = serde_json::from_str(&body).expect("a workflow run");
    assert_eq!(run["status"], "RUNNING");
    assert_eq!(run["signalTimeout"], true);
    // The idle connection was closed by the server.
    let mut rest = Vec::new();
    let read = idle.read_to_end(&mut rest);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "idle connection still open: {read:?} {rest:?}"
    );
}

#[test]
fn sigterm_stops_the_server_promptly_and_cleanly() {
    stops_promptly_on("TERM");
}

#[test]
fn sigint_stops_the_server_promptly_and_cleanly() {
    stops_promptly_on("INT");
}

#[test]
fn log_line_parsing() {
    let line = "2026-01-01T00:00:00Z  INFO conductor_server: conductor-server listening url=http://127.0.0.1:4321/api";
    assert_eq!(
        listening_addr(line),
        Some("127.0.0.1:4321".parse().unwrap())
    );
    assert_eq!(listening_addr("shutting down"), None);
}
