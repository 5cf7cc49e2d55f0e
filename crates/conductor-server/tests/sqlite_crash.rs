//! The `conductor-server` binary on a database file (`--db`) is killed with SIGKILL in the middle
//! of a load of starts, polls and updates, then started again on the same file: every change it
//! acknowledged is there, the file passes SQLite's integrity check, queued tasks are still
//! queued, tasks that were in flight come back after their response timeout, and the running
//! workflows go on to completion.

#![cfg(all(unix, feature = "sqlite"))]
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long start-up, and each condition waited for, may take.
const DEADLINE: Duration = Duration::from_secs(60);
/// The task definition's response timeout: an in-flight task is timed out (and retried) this long
/// after its last poll or update.
const RESPONSE_TIMEOUT_SECS: u64 = 2;
/// How often the server writes poll data (it is not part of the commits requests wait for).
const POLL_DATA_EVERY: Duration = Duration::from_secs(1);

/// The server process and the address it listens on.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts the binary on `db`, any free port, sweeping every 100 ms.
    fn start(db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conductor-server"))
            .args(["--port", "0", "--sweep-interval-ms", "100", "--db"])
            .arg(db)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
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
        match url_rx.recv_timeout(DEADLINE) {
            Ok(addr) => Server { child, addr },
            Err(error) => {
                let _ = child.kill();
                panic!("the server never logged its address: {error}");
            }
        }
    }

    /// SIGKILL: no shutdown code runs, nothing is flushed by the process.
    fn kill_9(mut self) {
        let status = Command::new("kill")
            .arg("-KILL")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -KILL failed: {status}");
        let exit = self.child.wait().expect("the killed server is reaped");
        assert!(!exit.success(), "the server exited on its own: {exit}");
    }

    /// SIGTERM and wait for a clean exit.
    fn stop(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("the server is reaped");
        assert!(exit.success(), "exit status after SIGTERM: {exit}");
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        request(self.addr, method, path, body).expect("the server answers")
    }

    fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.call(method, path, body);
        assert_eq!(status, 200, "{method} {path}: {value}");
        value
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in the `conductor-server listening url=http://ADDR/api` log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let rest = &line[line.find("http://")? + "http://".len()..];
    rest[..rest.find('/')?].parse().ok()
}

/// One HTTP/1.1 request on a new connection: status and JSON body (a string when not JSON).
/// `Err` when the server is not there (killed) or the answer is cut off.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} /api{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let cut_off = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, raw.clone());
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(cut_off)?;
    let text = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    Ok((status, value))
}

/// Repeats `probe` until it holds, failing the test after [`DEADLINE`].
fn wait_until(what: &str, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !probe() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// `PRAGMA integrity_check` of the file, opened by this process (the server is not running).
fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    result
}

/// What the load acknowledged: started workflow ids and task ids whose COMPLETED update got a 200.
#[derive(Default)]
struct Acked {
    started: Vec<String>,
    completed: Vec<String>,
}

/// Starts a workflow, polls a task and completes it, over and over, until the server is gone;
/// records every acknowledged start and update.
fn load(addr: SocketAddr, acked: &Mutex<Acked>, running: &AtomicBool) {
    while running.load(Ordering::Relaxed) {
        let start = json!({"name": "crash_wf", "version": 1, "input": {"n": 1}});
        match request(addr, "POST", "/workflow", Some(&start)) {
            Ok((200, Value::String(id))) => acked.lock().unwrap().started.push(id),
            Ok(other) => panic!("start refused: {other:?}"),
            Err(_) => return,
        }
        let Ok((200, tasks)) = request(
            addr,
            "GET",
            "/tasks/poll/batch/crash_task?workerid=load&count=1&timeout=0",
            None,
        ) else {
            return;
        };
        let Some(task) = tasks.get(0) else { continue };
        let update = json!({"workflowInstanceId": task["workflowInstanceId"],
            "taskId": task["taskId"], "status": "COMPLETED", "outputData": {"by": "load"}});
        match request(addr, "POST", "/tasks", Some(&update)) {
            Ok((200, _)) => {
                let id = task["taskId"].as_str().unwrap().to_owned();
                acked.lock().unwrap().completed.push(id);
            }
            Ok(other) => panic!("update refused: {other:?}"),
            Err(_) => return,
        }
    }
}

/// The wall-clock time, in epoch milliseconds (as the server stamps poll data).
fn epoch_millis() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// Every task of every running `crash_wf` workflow, by workflow id.
fn running_workflows(server: &Server) -> BTreeMap<String, Value> {
    let ids = server.ok("GET", "/workflow/running/crash_wf?version=1", None);
    ids.as_array()
        .unwrap()
        .iter()
        .map(|id| {
            let id = id.as_str().unwrap();
            (
                id.to_owned(),
                server.ok("GET", &format!("/workflow/{id}"), None),
            )
        })
        .collect()
}

fn tasks_in(workflows: &BTreeMap<String, Value>, status: &str) -> BTreeSet<String> {
    workflows
        .values()
        .flat_map(|wf| wf["tasks"].as_array().unwrap().iter())
        .filter(|t| t["status"] == status)
        .map(|t| t["taskId"].as_str().unwrap().to_owned())
        .collect()
}

fn temp_db() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "conductor-crash-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    (dir, db)
}

#[test]
fn kill_9_mid_load_loses_nothing_acknowledged() {
    let (dir, db) = temp_db();
    let server = Server::start(&db);
    server.ok(
        "POST",
        "/metadata/taskdefs",
        Some(&json!([{"name": "crash_task",
        "retryCount": 3, "retryDelaySeconds": 0, "timeoutSeconds": 120,
        "responseTimeoutSeconds": RESPONSE_TIMEOUT_SECS}])),
    );
    server.ok(
        "POST",
        "/metadata/workflow",
        Some(&json!({"name": "crash_wf", "version": 1,
        "tasks": [
            {"name": "crash_task", "taskReferenceName": "first", "type": "SIMPLE"},
            {"name": "crash_task", "taskReferenceName": "second", "type": "SIMPLE"}]})),
    );

    // Tasks in flight at the crash: polled, never answered.
    let first_poll = Instant::now();
    let first_poll_ms = epoch_millis();
    let mut started = Vec::new();
    for _ in 0..5 {
        let id = server.ok("POST", "/workflow/crash_wf", Some(&json!({})));
        started.push(id.as_str().unwrap().to_owned());
    }
    let in_flight: Vec<String> = server
        .ok(
            "GET",
            "/tasks/poll/batch/crash_task?workerid=w&count=5&timeout=0",
            None,
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(in_flight.len(), 5);

    // The load runs on two threads; the server is killed while it goes on.
    let acked = Arc::new(Mutex::new(Acked::default()));
    let running = Arc::new(AtomicBool::new(true));
    let loaders: Vec<_> = (0..2)
        .map(|_| {
            let (acked, running, addr) = (acked.clone(), running.clone(), server.addr);
            thread::spawn(move || load(addr, &acked, &running))
        })
        .collect();
    // Also long enough for poll data to be written at least once after the first poll.
    wait_until("the load to get 150 updates acknowledged", || {
        acked.lock().unwrap().completed.len() >= 150 && first_poll.elapsed() >= POLL_DATA_EVERY * 2
    });
    server.kill_9();
    running.store(false, Ordering::Relaxed);
    for loader in loaders {
        loader
            .join()
            .expect("the load thread ends when the server is gone");
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    started.extend(acked.started.iter().cloned());
    assert_eq!(integrity(&db), "ok", "the file after SIGKILL");

    let server = Server::start(&db);
    // Every acknowledged start and update is there.
    for id in &started {
        let (status, wf) = server.call("GET", &format!("/workflow/{id}"), None);
        assert_eq!(status, 200, "acknowledged workflow {id} is gone: {wf}");
    }
    for id in &acked.completed {
        let task = server.ok("GET", &format!("/tasks/{id}"), None);
        assert_eq!(
            task["status"], "COMPLETED",
            "acknowledged update of {id} is lost"
        );
        assert_eq!(task["outputData"]["by"], "load");
    }
    // Poll data written before the crash is there (at most its last second may be lost).
    let poll_data = server.ok("GET", "/tasks/queue/polldata?taskType=crash_task", None);
    let last_poll = poll_data
        .as_array()
        .and_then(|all| all.first())
        .and_then(|data| data["lastPollTime"].as_i64())
        .unwrap_or_else(|| panic!("no poll data for crash_task after the restart: {poll_data}"));
    assert!(
        last_poll >= first_poll_ms,
        "poll data from before the first poll: {poll_data}"
    );
    // The in-flight tasks come back: timed out after their response timeout, then retried.
    wait_until("the in-flight tasks to time out", || {
        in_flight
            .iter()
            .all(|id| server.ok("GET", &format!("/tasks/{id}"), None)["status"] == "TIMED_OUT")
    });
    // Once nothing is in flight, the queue holds exactly the scheduled tasks: none lost, none
    // duplicated, and each one is pollable.
    let mut workflows = BTreeMap::new();
    wait_until("every task polled before the crash to time out", || {
        workflows = running_workflows(&server);
        tasks_in(&workflows, "IN_PROGRESS").is_empty()
    });
    let scheduled = tasks_in(&workflows, "SCHEDULED");
    assert!(!scheduled.is_empty(), "queued tasks before the crash");
    let size = server.ok("GET", "/tasks/queue/sizes?taskType=crash_task", None);
    assert_eq!(
        size["crash_task"],
        json!(scheduled.len()),
        "queue size vs SCHEDULED tasks"
    );
    for id in &in_flight {
        let task = server.ok("GET", &format!("/tasks/{id}"), None);
        let wf = &workflows[task["workflowInstanceId"].as_str().unwrap()];
        let retried = wf["tasks"].as_array().unwrap().iter().any(|t| {
            t["referenceTaskName"] == task["referenceTaskName"] && t["retriedTaskId"] == json!(id)
        });
        assert!(retried, "in-flight task {id} was not retried: {wf}");
    }

    // The running workflows go on to completion.
    let mut polled = BTreeSet::new();
    wait_until("every workflow to complete", || {
        let tasks = server.ok(
            "GET",
            "/tasks/poll/batch/crash_task?workerid=after&count=20&timeout=100",
            None,
        );
        for task in tasks.as_array().unwrap() {
            polled.insert(task["taskId"].as_str().unwrap().to_owned());
            let update = json!({"workflowInstanceId": task["workflowInstanceId"],
                "taskId": task["taskId"], "status": "COMPLETED"});
            server.ok("POST", "/tasks", Some(&update));
        }
        server.ok("GET", "/workflow/running/crash_wf?version=1", None) == json!([])
    });
    assert!(
        scheduled.is_subset(&polled),
        "a task queued before the crash was never polled"
    );
    for id in &started {
        let wf = server.ok("GET", &format!("/workflow/{id}"), None);
        assert_eq!(wf["status"], "COMPLETED", "{wf}");
    }
    server.stop();
    assert_eq!(integrity(&db), "ok", "the file after a clean stop");
    let _ = std::fs::remove_dir_all(dir);
}
