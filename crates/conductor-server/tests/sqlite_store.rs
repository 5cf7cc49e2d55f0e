//! Durable storage through the library API: a `DevServer` on a database file is stopped and
//! started again on the same file, and every kind of state reads back the same (definitions,
//! workflows with their tasks, queues with visibility delays, event handlers, poll data, task
//! logs, WAIT timers, archived workflows); bad files are refused with a clear error.

#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod temp_db;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use conductor_server::{DevServer, Durability, ManualClock, ServerError, StoreError};
use serde_json::{Value, json};
use temp_db::TempDb;

async fn start(path: &Path, clock: &Arc<ManualClock>) -> DevServer {
    DevServer::builder()
        .manual_clock(clock.clone())
        .database(path)
        .start()
        .await
        .expect("server starts on the file")
}

async fn call(server: &DevServer, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut req = http.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{path}", server.url()),
    );
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

async fn ok(server: &DevServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, value) = call(server, method, path, body).await;
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {value}"
    );
    value
}

/// Everything the API shows of the server's state, for comparing before and after a restart.
async fn snapshot(server: &DevServer, workflow_ids: &[String]) -> Value {
    let mut workflows = Vec::new();
    for id in workflow_ids {
        workflows.push(call(server, "GET", &format!("/workflow/{id}"), None).await);
    }
    let mut logs = Vec::new();
    for (_, wf) in &workflows {
        for task in wf["tasks"].as_array().into_iter().flatten() {
            let id = task["taskId"].as_str().unwrap();
            logs.push(
                call(server, "GET", &format!("/tasks/{id}/log"), None)
                    .await
                    .1,
            );
        }
    }
    json!({
        "taskdefs": ok(server, "GET", "/metadata/taskdefs", None).await,
        "workflowdefs": ok(server, "GET", "/metadata/workflow", None).await,
        "handlers": ok(server, "GET", "/event", None).await,
        "workflows": workflows.into_iter().map(|(s, v)| json!([s, v])).collect::<Vec<_>>(),
        "queues": ok(server, "GET", "/tasks/queue/all", None).await,
        "polldata": ok(server, "GET", "/tasks/queue/polldata/all", None).await,
        "logs": logs,
        "search": ok(server, "GET", "/workflow/search?size=100", None).await,
    })
}

async fn start_workflow(server: &DevServer, name: &str) -> String {
    let id = ok(
        server,
        "POST",
        &format!("/workflow/{name}"),
        Some(json!({"n": 1})),
    )
    .await;
    id.as_str().unwrap().to_owned()
}

async fn poll(server: &DevServer, task_type: &str) -> Value {
    ok(
        server,
        "GET",
        &format!("/tasks/poll/batch/{task_type}?workerid=w1&count=1&timeout=0"),
        None,
    )
    .await
}

#[tokio::test]
async fn every_kind_of_state_survives_a_restart() {
    let db = TempDb::new("roundtrip");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = start(&db.path(), &clock).await;

    ok(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([
            {"name": "work", "retryCount": 1, "responseTimeoutSeconds": 30, "timeoutSeconds": 0},
            {"name": "other", "retryCount": 0}
        ])),
    )
    .await;
    let flow = |version: i32| {
        json!({"name": "flow", "version": version, "tasks": [
        {"name": "work", "taskReferenceName": "w", "type": "SIMPLE", "inputParameters": {"n": "${workflow.input.n}"}},
        {"name": "pause", "taskReferenceName": "p", "type": "WAIT", "inputParameters": {"duration": "1 hour"}},
        {"name": "other", "taskReferenceName": "o", "type": "SIMPLE"}]})
    };
    ok(&server, "POST", "/metadata/workflow", Some(flow(1))).await;
    ok(&server, "POST", "/metadata/workflow", Some(flow(2))).await;
    ok(&server, "POST", "/event", Some(json!({"name": "on_ev", "event": "conductor:flow:ev",
        "actions": [{"action": "start_workflow", "start_workflow": {"name": "flow"}}], "active": true}))).await;

    // a: queued, never polled. b: polled (in flight) with a log line. c: sent back to the queue
    // for an hour (a visibility delay). d: past its worker task, in the WAIT (a timer).
    // e: removed with archiving (search still shows it). f: removed for good.
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..6 {
            ids.push(start_workflow(&server, "flow").await);
        }
        ids
    };
    let b_task = poll(&server, "work").await[0].clone();
    assert_eq!(b_task["workflowInstanceId"], json!(ids[0]), "FIFO");
    // Polls are FIFO: b is ids[0], c ids[1], d ids[2]; a (ids[3]) stays queued.
    let b_id = b_task["taskId"].as_str().unwrap().to_owned();
    ok(
        &server,
        "POST",
        &format!("/tasks/{b_id}/log"),
        Some(json!("working on it")),
    )
    .await;
    let c_task = poll(&server, "work").await[0].clone();
    ok(
        &server,
        "POST",
        "/tasks",
        Some(json!({"workflowInstanceId": c_task["workflowInstanceId"],
        "taskId": c_task["taskId"], "status": "IN_PROGRESS", "callbackAfterSeconds": 3600})),
    )
    .await;
    let d_task = poll(&server, "work").await[0].clone();
    ok(
        &server,
        "POST",
        "/tasks",
        Some(json!({"workflowInstanceId": d_task["workflowInstanceId"],
        "taskId": d_task["taskId"], "status": "COMPLETED", "outputData": {"r": 4}})),
    )
    .await;
    let e_id = ids[4].clone();
    let f_id = ids[5].clone();
    ok(
        &server,
        "DELETE",
        &format!("/workflow/{e_id}/terminate-remove?archiveWorkflow=true"),
        None,
    )
    .await;
    ok(
        &server,
        "DELETE",
        &format!("/workflow/{f_id}/terminate-remove?archiveWorkflow=false"),
        None,
    )
    .await;
    // Deletions are durable too.
    ok(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{"name": "temp"}])),
    )
    .await;
    ok(&server, "DELETE", "/metadata/taskdefs/temp", None).await;

    let before = snapshot(&server, &ids).await;
    assert_eq!(before["queues"]["work"], json!(2), "a queued, c delayed");
    server.shutdown().await;

    let server = start(&db.path(), &clock).await;
    let after = snapshot(&server, &ids).await;
    assert_eq!(after, before, "the state read back from the file differs");

    // The delayed message is still delayed, the queued one still visible; the WAIT deadline
    // still holds (an hour away); new workflows get later creation sequence numbers.
    let a = poll(&server, "work").await;
    assert_eq!(a[0]["workflowInstanceId"], json!(ids[3]));
    assert_eq!(
        poll(&server, "work").await,
        json!([]),
        "c is delayed for an hour"
    );
    server.sweep_now();
    let d = ok(
        &server,
        "GET",
        &format!(
            "/workflow/{}",
            d_task["workflowInstanceId"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(
        d["tasks"][1]["status"], "IN_PROGRESS",
        "the WAIT has not ended"
    );
    let later = start_workflow(&server, "flow").await;
    let search = ok(&server, "GET", "/workflow/search?size=100", None).await;
    let order: Vec<&str> = search["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workflowId"].as_str().unwrap())
        .collect();
    // Newest first; the start times are equal (manual clock), so this is the creation sequence.
    assert_eq!(
        order.first(),
        Some(&later.as_str()),
        "creation order continues: {order:?}"
    );

    clock.advance(Duration::from_secs(3601));
    server.sweep_now();
    let d = ok(
        &server,
        "GET",
        &format!(
            "/workflow/{}",
            d_task["workflowInstanceId"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(d["tasks"][1]["status"], "COMPLETED", "the WAIT timer fired");
    assert_eq!(d["tasks"][2]["status"], "SCHEDULED");
    // b was in flight with a 30 s response timeout: it timed out and was retried.
    let b = ok(&server, "GET", &format!("/workflow/{}", ids[0]), None).await;
    assert_eq!(b["tasks"][0]["status"], "TIMED_OUT");
    assert_eq!(b["tasks"][1]["status"], "SCHEDULED");
    assert_eq!(b["tasks"][1]["retryCount"], 1);
    // c's hour-long delay ran out after the restart: its workflow has a task to poll again.
    let visible = ok(
        &server,
        "GET",
        "/tasks/poll/batch/work?workerid=w1&count=10&timeout=0",
        None,
    )
    .await;
    let owners: Vec<&str> = visible
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["workflowInstanceId"].as_str().unwrap())
        .collect();
    assert!(owners.contains(&ids[1].as_str()), "{owners:?}");
    // b's retry waits out the default 60 s retry delay in the queue.
    clock.advance(Duration::from_secs(61));
    let retry = ok(
        &server,
        "GET",
        "/tasks/poll/batch/work?workerid=w1&count=10&timeout=0",
        None,
    )
    .await;
    let owners: Vec<&str> = retry
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["workflowInstanceId"].as_str().unwrap())
        .collect();
    assert!(owners.contains(&ids[0].as_str()), "b's retry: {owners:?}");
    server.shutdown().await;

    // What happened after the first restart is durable too.
    let server = start(&db.path(), &clock).await;
    let b2 = ok(&server, "GET", &format!("/workflow/{}", ids[0]), None).await;
    assert_eq!(
        b2["tasks"][1]["status"], "IN_PROGRESS",
        "the poll after the restart is kept"
    );
    assert_eq!(b2["tasks"][1]["taskId"], b["tasks"][1]["taskId"]);
    server.shutdown().await;
}

/// With `Durability::PowerLoss` (an fsync per commit) the server works the same, and its state
/// reads back after a restart with the default.
#[tokio::test]
async fn power_loss_durability_keeps_the_state_too() {
    let db = TempDb::new("power-loss");
    let server = DevServer::builder()
        .database(db.path())
        .durability(Durability::PowerLoss)
        .start()
        .await
        .expect("server starts on the file");
    ok(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{"name": "synced_task", "retryCount": 0}])),
    )
    .await;
    server.shutdown().await;
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = start(&db.path(), &clock).await;
    let def = ok(&server, "GET", "/metadata/taskdefs/synced_task", None).await;
    assert_eq!(def["name"], "synced_task");
    server.shutdown().await;
}

#[tokio::test]
async fn without_a_file_nothing_is_kept() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = DevServer::builder()
        .manual_clock(clock.clone())
        .start()
        .await
        .unwrap();
    ok(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{"name": "work"}])),
    )
    .await;
    server.shutdown().await;
    let server = DevServer::builder()
        .manual_clock(clock)
        .start()
        .await
        .unwrap();
    assert_eq!(
        ok(&server, "GET", "/metadata/taskdefs", None).await,
        json!([])
    );
    server.shutdown().await;
}

async fn open_error(path: &Path) -> StoreError {
    match DevServer::builder().database(path).start().await {
        Err(ServerError::Storage(error)) => error,
        Err(other) => panic!("not a storage error: {other}"),
        Ok(server) => {
            server.shutdown().await;
            panic!("{} opened", path.display())
        }
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let db = TempDb::new("garbage");
    std::fs::write(db.path(), vec![0x5a_u8; 8192]).unwrap();
    let error = open_error(&db.path()).await;
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("not a conductor-server database"),
        "{error}"
    );
}

#[tokio::test]
async fn another_applications_database_is_refused() {
    let db = TempDb::new("foreign");
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
        .unwrap();
    drop(conn);
    let error = open_error(&db.path()).await;
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    // Refused without touching it.
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, "hi");
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_its_version() {
    let db = TempDb::new("newer");
    let server = DevServer::builder()
        .database(db.path())
        .start()
        .await
        .unwrap();
    server.shutdown().await;
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let error = open_error(&db.path()).await;
    assert!(
        matches!(
            error,
            StoreError::NewerSchema {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("newer conductor-server"),
        "{error}"
    );
}

#[tokio::test]
async fn a_damaged_row_is_reported_at_open() {
    let db = TempDb::new("badrow");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = start(&db.path(), &clock).await;
    ok(
        &server,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{"name": "work"}])),
    )
    .await;
    server.shutdown().await;
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute_batch("UPDATE task_defs SET json = '{not json' WHERE name = 'work'")
        .unwrap();
    drop(conn);
    let error = open_error(&db.path()).await;
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(
        error.to_string().contains("task definition 'work'"),
        "{error}"
    );
}

#[tokio::test]
async fn a_file_in_use_by_another_server_is_refused() {
    let db = TempDb::new("locked");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let first = start(&db.path(), &clock).await;
    let error = open_error(&db.path()).await;
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    assert!(error.to_string().contains("locked"), "{error}");
    // The first server is unaffected, and the file opens again once it is gone.
    ok(
        &first,
        "POST",
        "/metadata/taskdefs",
        Some(json!([{"name": "still_mine"}])),
    )
    .await;
    first.shutdown().await;
    let again = start(&db.path(), &clock).await;
    let defs = ok(&again, "GET", "/metadata/taskdefs", None).await;
    assert_eq!(defs[0]["name"], "still_mine");
    again.shutdown().await;
}
