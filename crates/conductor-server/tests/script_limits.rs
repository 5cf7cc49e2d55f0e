//! Runaway INLINE scripts fail only their own task: a tight infinite loop, huge allocations and
//! deep recursion each end with the task and its workflow FAILED with a reason, while the server
//! keeps answering other requests during and after, and the process survives. Scripts run outside
//! the engine lock: while one runs (an INLINE, a SWITCH expression, a DO_WHILE condition, a JOIN
//! script, an event handler's condition), other workflows start and complete, tasks are polled
//! and updated and the running workflow can be read; yet a request answers only after the scripts
//! it triggered ran, as on conductor-oss. A runaway jq query fails its task at the time limit, and
//! one whose recursion grows the stack without end at the recursion limit.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

/// The script time limit of these tests (conductor-oss's default is 4 s).
const TIME_LIMIT: Duration = Duration::from_millis(1500);

async fn server() -> (DevServer, reqwest::Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = DevServer::builder()
        .script_time_limit(TIME_LIMIT)
        .start()
        .await
        .expect("server starts");
    (server, reqwest::Client::new())
}

fn root(server: &DevServer) -> String {
    server.url().trim_end_matches("/api").to_owned()
}

/// Registers a one-task workflow whose INLINE task runs `script`.
async fn register(server: &DevServer, http: &reqwest::Client, name: &str, script: &str) {
    let def = json!({
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{
            "name": "js",
            "taskReferenceName": "js",
            "type": "INLINE",
            "inputParameters": {"evaluatorType": "graaljs", "expression": script}
        }]
    });
    register_def(server, http, def).await;
}

async fn workflow(server: &DevServer, http: &reqwest::Client, id: &str) -> Value {
    http.get(format!("{}/workflow/{id}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn health(http: &reqwest::Client, server: &DevServer) -> u16 {
    http.get(format!("{}/health", root(server)))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Starts the workflow of `script`, checks `/health` answers while it runs, and waits until the
/// workflow has ended; returns the INLINE task's reason for failing.
async fn run_runaway(name: &str, script: &str) -> String {
    let (server, http) = server().await;
    register(&server, &http, name, script).await;
    let started = Instant::now();
    let start = {
        let http = http.clone();
        let url = format!("{}/workflow/{name}", server.url());
        tokio::spawn(async move {
            let response = http.post(url).json(&json!({})).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        })
    };
    // Other requests are answered while the script runs (the health check needs no engine).
    let mut answered_during = 0;
    while !start.is_finished() {
        assert_eq!(
            health(&http, &server).await,
            200,
            "{name}: /health failed during the script"
        );
        if !start.is_finished() {
            answered_during += 1;
        }
    }
    let id = start.await.unwrap();
    assert!(
        started.elapsed() < TIME_LIMIT * 4,
        "{name}: took {:?}",
        started.elapsed()
    );
    // After: the workflow failed because its task did, with a reason.
    let deadline = Instant::now() + Duration::from_secs(10);
    let wf = loop {
        let wf = workflow(&server, &http, &id).await;
        if wf["status"] != "RUNNING" || Instant::now() > deadline {
            break wf;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(wf["status"], "FAILED", "{name}: {wf:#}");
    let task = &wf["tasks"][0];
    assert!(
        task["status"] == "FAILED" || task["status"] == "FAILED_WITH_TERMINAL_ERROR",
        "{name}: {task:#}"
    );
    let reason = task["reasonForIncompletion"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!reason.is_empty(), "{name}: no reason: {task:#}");
    // The server still serves the engine: another workflow's script runs.
    register(&server, &http, "after", "$.x === undefined ? 42 : 0").await;
    let after = http
        .post(format!("{}/workflow/after", server.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let after = workflow(&server, &http, &after).await;
    assert_eq!(after["status"], "COMPLETED", "{after:#}");
    assert_eq!(after["tasks"][0]["outputData"]["result"], 42);
    assert_eq!(health(&http, &server).await, 200);
    server.shutdown().await;
    // A loop that ends at the limit has time for answers; allocation and recursion fail fast.
    if name == "tight_loop" {
        assert!(
            answered_during > 0,
            "no request answered while the loop ran"
        );
    }
    reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tight_infinite_loop_fails_only_its_task() {
    let reason = run_runaway("tight_loop", "while (true) {}").await;
    assert!(reason.contains("interrupted"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_array_fails_only_its_task() {
    let reason = run_runaway("huge_array", "new Array(1e9).fill(1)").await;
    assert!(reason.contains("memory limit"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ever_growing_array_of_strings_fails_only_its_task() {
    let script = "let a = []; while (true) { a.push('x'.repeat(1e6)); }";
    let reason = run_runaway("growing_strings", script).await;
    assert!(reason.contains("memory limit"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_doubling_fails_only_its_task() {
    let reason = run_runaway(
        "string_doubling",
        "let s = 'x'; while (true) { s = s + s; }",
    )
    .await;
    assert!(
        reason.contains("memory") || reason.contains("too long"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_fails_only_its_task() {
    let reason = run_runaway("deep_recursion", "function f() { return f(); } f()").await;
    assert!(reason.contains("stack"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_with_big_frames_fails_only_its_task() {
    let script =
        "function f(a, b, c, d) { let x = [a, b, c, d]; return f(x, a, b, c) + 1; } f(1, 2, 3, 4)";
    let reason = run_runaway("deep_recursion_frames", script).await;
    assert!(
        reason.contains("stack") || reason.contains("memory"),
        "{reason}"
    );
}

/// Registers `def` (a workflow definition).
async fn register_def(server: &DevServer, http: &reqwest::Client, def: Value) {
    let response = http
        .post(format!("{}/metadata/workflow", server.url()))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.unwrap()
    );
}

async fn start(server: &DevServer, http: &reqwest::Client, name: &str, body: Value) -> String {
    let response = http
        .post(format!("{}/workflow/{name}", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.unwrap()
}

fn inline(reference: &str, script: &str, input: Value) -> Value {
    let mut params = json!({"evaluatorType": "graaljs", "expression": script});
    if let (Some(params), Value::Object(extra)) = (params.as_object_mut(), input) {
        params.extend(extra);
    }
    json!({"name": reference, "taskReferenceName": reference, "type": "INLINE", "inputParameters": params})
}

/// Starts the registered `runaway` workflow on a task of its own (its start answers once its
/// script has ended) and returns that task and the workflow's id, found through its correlation
/// id while the script runs (its task `runaway_ref` is still IN_PROGRESS).
async fn start_runaway_aside(
    server: &DevServer,
    http: &reqwest::Client,
    correlation_id: &str,
    runaway_ref: &str,
) -> (tokio::task::JoinHandle<String>, String) {
    let runaway_start = {
        let http = http.clone();
        let url = format!("{}/workflow", server.url());
        let body = json!({"name": "runaway", "correlationId": correlation_id, "input": {}});
        tokio::spawn(async move {
            let response = http.post(url).json(&body).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let runaway = loop {
        let found: Value = http
            .get(format!(
                "{}/workflow/runaway/correlated/{correlation_id}?includeClosed=true&includeTasks=true",
                server.url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(wf) = found.as_array().and_then(|list| list.first()) {
            break wf.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the runaway workflow never appeared"
        );
        tokio::task::yield_now().await;
    };
    // Seen while its script runs: it cannot have ended yet unless the read waited for the script.
    assert_eq!(runaway["status"], "RUNNING", "{runaway:#}");
    assert_eq!(
        task(&runaway, runaway_ref)["status"],
        "IN_PROGRESS",
        "{runaway:#}"
    );
    let id = runaway["workflowId"].as_str().unwrap().to_owned();
    (runaway_start, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_flight_is_not_evaluated_twice_nor_applied_after_termination() {
    let (server, http) = server().await;
    register(&server, &http, "runaway", "while (true) {}").await;
    let (runaway_start, id) = start_runaway_aside(&server, &http, "runaway-2", "js").await;
    // Deciding the workflow again does not evaluate the task a second time: a request that
    // triggers an evaluation answers after it, and this one answers while the first still runs.
    let decided = http
        .put(format!("{}/workflow/decide/{id}", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status().as_u16(), 200);
    let during = workflow(&server, &http, &id).await;
    assert_eq!(during["status"], "RUNNING", "{during:#}");
    assert_eq!(during["tasks"][0]["status"], "IN_PROGRESS", "{during:#}");
    // Terminated while its script runs: the script's outcome is dropped.
    let terminated = http
        .delete(format!("{}/workflow/{id}?reason=stop", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(terminated.status().as_u16(), 200);
    assert!(
        !runaway_start.is_finished(),
        "the script ended before the termination: the test proves nothing"
    );
    assert_eq!(runaway_start.await.unwrap(), id);
    let after = workflow(&server, &http, &id).await;
    assert_eq!(after["status"], "TERMINATED", "{after:#}");
    assert_eq!(after["reasonForIncompletion"], "stop", "{after:#}");
    assert_eq!(after["tasks"][0]["status"], "CANCELED", "{after:#}");
    assert_eq!(after["tasks"][0]["outputData"], json!({}), "{after:#}");
    server.shutdown().await;
}

/// The task of `wf` with the reference name `reference` (`null` when there is none).
fn task<'w>(wf: &'w Value, reference: &str) -> &'w Value {
    wf["tasks"]
        .as_array()
        .and_then(|tasks| tasks.iter().find(|t| t["referenceTaskName"] == reference))
        .unwrap_or(&Value::Null)
}

/// While `pending` (a request waiting for a runaway script) has not answered, another workflow
/// starts, its script runs, its worker task is polled and updated, and it completes.
async fn another_workflow_runs_meanwhile(
    server: &DevServer,
    http: &reqwest::Client,
    pending: &tokio::task::JoinHandle<String>,
) {
    // Another workflow: a fast script, then a worker task.
    register_def(
        server,
        http,
        json!({
            "name": "quick",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                inline("double", "$.n * 2", json!({"n": "${workflow.input.n}"})),
                {"name": "quick_work", "taskReferenceName": "work", "type": "SIMPLE"}
            ]
        }),
    )
    .await;
    let quick = start(server, http, "quick", json!({"n": 21})).await;
    let polled: Value = http
        .get(format!(
            "{}/tasks/poll/quick_work?workerid=w1",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(polled["workflowInstanceId"], quick.as_str(), "{polled:#}");
    assert_eq!(polled["inputData"], json!({}), "{polled:#}");
    let update = http
        .post(format!("{}/tasks", server.url()))
        .json(&json!({
            "workflowInstanceId": quick,
            "taskId": polled["taskId"],
            "status": "COMPLETED",
            "outputData": {"done": true}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(update.status().as_u16(), 200);
    let quick = workflow(server, http, &quick).await;
    assert_eq!(quick["status"], "COMPLETED", "{quick:#}");
    assert_eq!(quick["tasks"][0]["outputData"]["result"], 42, "{quick:#}");
    assert!(
        !pending.is_finished(),
        "the request waiting for the runaway script answered before the other workflow ran"
    );
}

/// Registers `runaway` with `tasks`, starts it aside and runs another workflow while its task
/// `runaway_ref` evaluates a runaway script, during which the runaway workflow reads as RUNNING
/// with that task IN_PROGRESS; returns the runaway workflow once its start answered.
async fn another_workflow_runs_while(tasks: Value, runaway_ref: &str) -> Value {
    let (server, http) = server().await;
    register_def(
        &server,
        &http,
        json!({"name": "runaway", "version": 1, "schemaVersion": 2, "tasks": tasks}),
    )
    .await;
    let correlation_id = format!("runaway-{runaway_ref}");
    let (runaway_start, runaway_id) =
        start_runaway_aside(&server, &http, &correlation_id, runaway_ref).await;
    another_workflow_runs_meanwhile(&server, &http, &runaway_start).await;

    // All of that was answered before the runaway's script ended: its workflow is still running.
    let during = workflow(&server, &http, &runaway_id).await;
    assert_eq!(during["status"], "RUNNING", "{during:#}");
    assert_eq!(
        task(&during, runaway_ref)["status"],
        "IN_PROGRESS",
        "{during:#}"
    );
    assert!(
        !runaway_start.is_finished(),
        "the runaway's start answered before its script ended"
    );

    // The runaway's start answers once the script was interrupted, with the workflow decided.
    let id = runaway_start.await.unwrap();
    assert_eq!(id, runaway_id);
    let after = workflow(&server, &http, &id).await;
    server.shutdown().await;
    after
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_script_delays_no_other_request() {
    let after =
        another_workflow_runs_while(json!([inline("js", "while (true) {}", json!({}))]), "js")
            .await;
    assert_eq!(after["status"], "FAILED", "{after:#}");
    let reason = after["tasks"][0]["reasonForIncompletion"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("interrupted"), "{after:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_answer_after_the_scripts_they_triggered() {
    let (server, http) = server().await;
    register_def(
        &server,
        &http,
        json!({
            "name": "chain",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                inline("first", "$.n + 1", json!({"n": "${workflow.input.n}"})),
                {
                    "name": "jq",
                    "taskReferenceName": "jq",
                    "type": "JSON_JQ_TRANSFORM",
                    "inputParameters": {
                        "queryExpression": "{doubled: (.v * 2)}",
                        "v": "${first.output.result}"
                    }
                },
                inline("last", "'got ' + $.d", json!({"d": "${jq.output.result.doubled}"}))
            ],
            "outputParameters": {"answer": "${last.output.result}"}
        }),
    )
    .await;
    // A start: the three evaluations have run and the workflow is decided when it answers.
    let id = start(&server, &http, "chain", json!({"n": 4})).await;
    let wf = workflow(&server, &http, &id).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    assert_eq!(wf["output"]["answer"], "got 10", "{wf:#}");

    // A task update: the script after the worker task has run when the update answers.
    register_def(
        &server,
        &http,
        json!({
            "name": "work_then_script",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {"name": "chain_work", "taskReferenceName": "work", "type": "SIMPLE"},
                inline("after", "$.x * 3", json!({"x": "${work.output.x}"}))
            ]
        }),
    )
    .await;
    let id = start(&server, &http, "work_then_script", json!({})).await;
    let polled: Value = http
        .get(format!(
            "{}/tasks/poll/chain_work?workerid=w1",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let update = http
        .post(format!("{}/tasks", server.url()))
        .json(&json!({
            "workflowInstanceId": id,
            "taskId": polled["taskId"],
            "status": "COMPLETED",
            "outputData": {"x": 5}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(update.status().as_u16(), 200);
    let wf = workflow(&server, &http, &id).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    assert_eq!(wf["tasks"][1]["outputData"]["result"], 15, "{wf:#}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_scheduled_by_the_sweeper_run_in_the_background() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = DevServer::builder()
        .sweep_interval(Duration::from_millis(50))
        .start()
        .await
        .expect("server starts");
    let http = reqwest::Client::new();
    // The WAIT ends on the sweeper's watch; the INLINE after it is scheduled by that sweep.
    register_def(
        &server,
        &http,
        json!({
            "name": "wait_then_script",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {"name": "pause", "taskReferenceName": "pause", "type": "WAIT",
                 "inputParameters": {"duration": "1 seconds"}},
                inline("after", "'woke'", json!({}))
            ]
        }),
    )
    .await;
    // A sync execution answers when the workflow ends (or after `waitForSeconds`).
    let ended: Value = http
        .post(format!(
            "{}/workflow/execute/wait_then_script/1?waitForSeconds=15",
            server.url()
        ))
        .json(&json!({"name": "wait_then_script", "version": 1, "input": {}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = ended["workflowId"].as_str().unwrap_or_default();
    let wf = workflow(&server, &http, id).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    assert_eq!(wf["tasks"][1]["outputData"]["result"], "woke", "{wf:#}");
    server.shutdown().await;
}

/// The reason of the runaway script's task: interrupted at the time limit (1.5 s: "1 seconds").
const INTERRUPTED: &str = "Script not evaluated within 1 seconds, interrupted.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_switch_expression_delays_no_other_request() {
    let tasks = json!([
        {
            "name": "choose",
            "taskReferenceName": "choose",
            "type": "SWITCH",
            "evaluatorType": "javascript",
            "expression": "while (true) {}",
            "decisionCases": {"a": [inline("in_case", "1", json!({}))]},
            "defaultCase": []
        },
        inline("after_switch", "2", json!({}))
    ]);
    let after = another_workflow_runs_while(tasks, "choose").await;
    // As when the expression failed under the lock: the SWITCH fails, and so does the workflow.
    assert_eq!(after["status"], "FAILED", "{after:#}");
    let choose = task(&after, "choose");
    assert_eq!(choose["status"], "FAILED", "{after:#}");
    assert_eq!(choose["reasonForIncompletion"], INTERRUPTED, "{after:#}");
    assert_eq!(
        after["tasks"].as_array().map(Vec::len),
        Some(1),
        "{after:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_loop_condition_delays_no_other_request() {
    let tasks = json!([{
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "loopCondition": "while (true) {}",
        "loopOver": [inline("body", "7", json!({}))]
    }]);
    let after = another_workflow_runs_while(tasks, "loop").await;
    // As when the condition failed under the lock: the loop fails for good after its iteration.
    assert_eq!(after["status"], "FAILED", "{after:#}");
    let lp = task(&after, "loop");
    assert_eq!(lp["status"], "FAILED_WITH_TERMINAL_ERROR", "{after:#}");
    assert_eq!(
        lp["reasonForIncompletion"],
        format!("Unable to evaluate condition while (true) {{}}, exception {INTERRUPTED}"),
        "{after:#}"
    );
    assert_eq!(lp["outputData"]["1"]["body"]["result"], 7, "{after:#}");
    assert_eq!(task(&after, "body__1")["status"], "COMPLETED", "{after:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_join_script_delays_no_other_request() {
    let tasks = json!([
        {
            "name": "fork",
            "taskReferenceName": "fork",
            "type": "FORK_JOIN",
            "forkTasks": [[inline("left", "1", json!({}))], [inline("right", "2", json!({}))]]
        },
        {
            "name": "join",
            "taskReferenceName": "join",
            "type": "JOIN",
            "joinOn": ["left", "right"],
            "evaluatorType": "js",
            "expression": "while (true) {}"
        }
    ]);
    let after = another_workflow_runs_while(tasks, "join").await;
    assert_eq!(after["status"], "FAILED", "{after:#}");
    let join = task(&after, "join");
    assert_eq!(join["status"], "FAILED_WITH_TERMINAL_ERROR", "{after:#}");
    assert_eq!(
        join["reasonForIncompletion"],
        format!("Join script evaluation failed: {INTERRUPTED}"),
        "{after:#}"
    );
}

/// Registers an event handler on `conductor:announce:ev` that starts `target` (correlated by
/// `correlation_id`) when `condition` holds.
async fn register_handler(
    server: &DevServer,
    http: &reqwest::Client,
    name: &str,
    condition: &str,
    correlation_id: &str,
) {
    let handler = json!({
        "name": name,
        "event": "conductor:announce:ev",
        "active": true,
        "condition": condition,
        "actions": [{
            "action": "start_workflow",
            "start_workflow": {"name": "target", "version": 1, "correlationId": correlation_id}
        }]
    });
    let response = http
        .post(format!("{}/event", server.url()))
        .json(&handler)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// The workflows of `name` correlated by `correlation_id`.
async fn correlated(
    server: &DevServer,
    http: &reqwest::Client,
    name: &str,
    correlation_id: &str,
) -> Vec<Value> {
    let found: Value = http
        .get(format!(
            "{}/workflow/{name}/correlated/{correlation_id}?includeClosed=true&includeTasks=true",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    found.as_array().cloned().unwrap_or_default()
}

/// Registers `target` (one script) and `announce` (an EVENT task publishing on
/// `conductor:announce:ev`, then a script).
async fn register_announce_and_target(server: &DevServer, http: &reqwest::Client) {
    register(server, http, "target", "'reached'").await;
    register_def(
        server,
        http,
        json!({
            "name": "announce",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {"name": "ev", "taskReferenceName": "ev", "type": "EVENT", "sink": "conductor:ev",
                 "inputParameters": {"n": "${workflow.input.n}"}},
                inline("announced", "'done'", json!({}))
            ]
        }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_event_handler_condition_delays_no_other_request() {
    let (server, http) = server().await;
    register_announce_and_target(&server, &http).await;
    register_handler(&server, &http, "runaway", "while (true) {}", "from-runaway").await;
    let announce_start = {
        let http = http.clone();
        let url = format!("{}/workflow", server.url());
        let body = json!({"name": "announce", "correlationId": "announcing", "input": {"n": 1}});
        tokio::spawn(async move {
            let response = http.post(url).json(&body).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        })
    };
    // The publishing workflow completes (its own script is not held up by the condition); its
    // start waits for the handlers' conditions.
    let deadline = Instant::now() + Duration::from_secs(10);
    let announce = loop {
        let found = correlated(&server, &http, "announce", "announcing").await;
        if let Some(wf) = found.first().filter(|wf| wf["status"] == "COMPLETED") {
            break wf.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the workflow never completed: {found:#?}"
        );
        tokio::task::yield_now().await;
    };
    another_workflow_runs_meanwhile(&server, &http, &announce_start).await;
    // The condition was interrupted: it does not hold, and the handler's action did not run.
    let id = announce_start.await.unwrap();
    assert_eq!(id, announce["workflowId"].as_str().unwrap());
    assert!(
        correlated(&server, &http, "target", "from-runaway")
            .await
            .is_empty()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_jq_query_fails_its_task_at_the_time_limit() {
    let (server, http) = server().await;
    register_jq(&server, &http, "jq_runaway", "last(range(1e12))").await;
    let id = start(&server, &http, "jq_runaway", json!({})).await;
    let wf = workflow(&server, &http, &id).await;
    assert_eq!(wf["status"], "FAILED", "{wf:#}");
    assert_eq!(wf["tasks"][0]["status"], "FAILED", "{wf:#}");
    assert_eq!(
        wf["tasks"][0]["reasonForIncompletion"],
        "jq query not evaluated within 1 seconds, interrupted.",
        "{wf:#}"
    );
    server.shutdown().await;
}

/// Registers `name`: one JSON_JQ_TRANSFORM running `query` with the input `n = 1`.
async fn register_jq(server: &DevServer, http: &reqwest::Client, name: &str, query: &str) {
    register_def(
        server,
        http,
        json!({
            "name": name,
            "version": 1,
            "schemaVersion": 2,
            "tasks": [{
                "name": "jq",
                "taskReferenceName": "jq",
                "type": "JSON_JQ_TRANSFORM",
                "inputParameters": {"queryExpression": query, "n": 1}
            }]
        }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jq_query_recursing_without_end_fails_its_task_and_the_server_goes_on() {
    let (server, http) = server().await;
    register_jq(&server, &http, "jq_deep", "def f: 1 + f; f").await;
    register_jq(&server, &http, "jq_fine", ".n + 1").await;
    let deep = start(&server, &http, "jq_deep", json!({})).await;
    let wf = workflow(&server, &http, &deep).await;
    assert_eq!(wf["status"], "FAILED", "{wf:#}");
    assert_eq!(wf["tasks"][0]["status"], "FAILED", "{wf:#}");
    assert_eq!(
        wf["tasks"][0]["reasonForIncompletion"],
        "jq query recursion too deep (over 128 MiB of stack), interrupted.",
        "{wf:#}"
    );
    let fine = start(&server, &http, "jq_fine", json!({})).await;
    let wf = workflow(&server, &http, &fine).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    assert_eq!(wf["tasks"][0]["outputData"]["result"], 2, "{wf:#}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_answer_after_the_conditions_they_triggered() {
    let (server, http) = server().await;
    register_announce_and_target(&server, &http).await;
    register_handler(&server, &http, "big", "$.n > 1", "big").await;
    register_handler(&server, &http, "small", "$.n <= 1", "small").await;
    register_def(
        &server,
        &http,
        json!({
            "name": "conditions",
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {
                    "name": "choose",
                    "taskReferenceName": "choose",
                    "type": "SWITCH",
                    "evaluatorType": "javascript",
                    "expression": "$.n > 1 ? 'big' : 'small'",
                    "inputParameters": {"n": "${workflow.input.n}"},
                    "decisionCases": {
                        "big": [inline("picked_big", "'big'", json!({}))],
                        "small": [inline("picked_small", "'small'", json!({}))]
                    }
                },
                {
                    "name": "loop",
                    "taskReferenceName": "loop",
                    "type": "DO_WHILE",
                    "loopCondition": "$.loop.iteration < 3",
                    "loopOver": [inline("step", "1", json!({}))]
                },
                {
                    "name": "fork",
                    "taskReferenceName": "fork",
                    "type": "FORK_JOIN",
                    "forkTasks": [[inline("left", "1", json!({}))], [inline("right", "2", json!({}))]]
                },
                {
                    "name": "join",
                    "taskReferenceName": "join",
                    "type": "JOIN",
                    "joinOn": ["left", "right"],
                    "evaluatorType": "js",
                    "expression": "$.joinOn.every(r => $[r] && $[r].status == 'COMPLETED')"
                }
            ]
        }),
    )
    .await;
    // A start answers with its SWITCH, loop and JOIN decided.
    let id = start(&server, &http, "conditions", json!({"n": 2})).await;
    let wf = workflow(&server, &http, &id).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    assert_eq!(
        task(&wf, "choose")["outputData"]["selectedCase"],
        "big",
        "{wf:#}"
    );
    assert_eq!(
        task(&wf, "picked_big")["outputData"]["result"],
        "big",
        "{wf:#}"
    );
    assert_eq!(task(&wf, "loop")["outputData"]["iteration"], 3, "{wf:#}");
    assert_eq!(task(&wf, "step__3")["status"], "COMPLETED", "{wf:#}");
    assert_eq!(task(&wf, "join")["status"], "COMPLETED", "{wf:#}");
    // A start answers once the handlers' conditions are evaluated and the actions ran.
    start(&server, &http, "announce", json!({"n": 2})).await;
    let big = correlated(&server, &http, "target", "big").await;
    assert_eq!(big.len(), 1, "{big:#?}");
    assert_eq!(big[0]["status"], "COMPLETED", "{big:#?}");
    assert!(
        correlated(&server, &http, "target", "small")
            .await
            .is_empty()
    );
    server.shutdown().await;
}
