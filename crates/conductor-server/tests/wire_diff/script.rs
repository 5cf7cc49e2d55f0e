//! The scripted sequence: every endpoint the SDK calls, in success and error forms, in an order
//! that makes each answer deterministic (each lifecycle scenario has its own workflow, and every
//! step that depends on the server catching up waits for a condition instead of sleeping).
//!
//! Step names are stable: the known-differences file refers to them.

use reqwest::Method;
use serde_json::{Value, json};

use super::target::{Raw, Req, Target, keys_in, sorted_by, strings_in, where_in};

/// An id no server ever made (normalised to `{uuid}` in answers).
const NO_SUCH_ID: &str = "00000000-0000-4000-8000-000000000000";
/// The worker id of every poll and update.
const WORKER: &str = "wire-diff-worker";
/// The owner email every definition carries (some servers require one).
const OWNER: &str = "wire-diff@example.com";

/// The names this run creates, the same on both servers (unique per run, so reruns against a
/// long-lived server never collide).
#[derive(Debug, Clone)]
pub struct Names {
    /// The worker task of `flow`.
    pub task: String,
    /// A task type nothing is ever scheduled for.
    pub idle: String,
    /// A task type registered, then deleted.
    pub gone_task: String,
    /// A task type never registered.
    pub no_task: String,
    /// One SIMPLE task (`t1_ref`, type `task`).
    pub flow: String,
    /// One WAIT task (`wait_ref`).
    pub wait: String,
    /// A worker task (`t1_ref`) then a WAIT task (`wait_ref`): something to skip.
    pub two: String,
    /// Registered in two versions, the second then deleted.
    pub gone_flow: String,
    /// Never registered.
    pub no_flow: String,
    /// The correlation id of `wf1` and `wf2`.
    pub correlation: String,
    /// An event handler.
    pub handler: String,
    /// The event it listens to.
    pub event: String,
}

impl Names {
    /// Fresh names.
    pub fn new() -> Names {
        let n = conductor_test_support::unique_name;
        let flow = n("wd_flow");
        Names {
            task: n("wd_task"),
            idle: n("wd_idle"),
            gone_task: n("wd_gone_task"),
            no_task: n("wd_no_task"),
            event: format!("conductor:{flow}:wd_event"),
            flow,
            wait: n("wd_wait"),
            two: n("wd_two"),
            gone_flow: n("wd_gone_flow"),
            no_flow: n("wd_no_flow"),
            correlation: n("wd_corr"),
            handler: n("wd_handler"),
        }
    }
}

fn task_def(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "retryCount": 0,
        "retryLogic": "FIXED",
        "retryDelaySeconds": 1,
        "timeoutSeconds": 0,
        "timeoutPolicy": "TIME_OUT_WF",
        "responseTimeoutSeconds": 3600,
        "ownerEmail": OWNER,
        "inputKeys": ["x"],
        "outputKeys": ["result"]
    })
}

fn flow_def(n: &Names, version: i64) -> Value {
    json!({
        "name": n.flow,
        "description": "wire diff: one worker task",
        "version": version,
        "schemaVersion": 2,
        "ownerEmail": OWNER,
        "inputParameters": ["x"],
        "outputParameters": {"result": "${t1_ref.output.result}"},
        "timeoutPolicy": "ALERT_ONLY",
        "timeoutSeconds": 0,
        "restartable": true,
        "tasks": [{
            "name": n.task,
            "taskReferenceName": "t1_ref",
            "type": "SIMPLE",
            "inputParameters": {"x": "${workflow.input.x}"}
        }]
    })
}

fn wait_def(name: &str, version: i64) -> Value {
    json!({
        "name": name,
        "description": "wire diff: one WAIT task",
        "version": version,
        "schemaVersion": 2,
        "ownerEmail": OWNER,
        "timeoutSeconds": 0,
        "tasks": [{"name": "wait", "taskReferenceName": "wait_ref", "type": "WAIT"}]
    })
}

fn two_def(n: &Names) -> Value {
    json!({
        "name": n.two,
        "description": "wire diff: a worker task, then a WAIT task",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": OWNER,
        "timeoutSeconds": 0,
        "tasks": [
            {"name": n.task, "taskReferenceName": "t1_ref", "type": "SIMPLE"},
            {"name": "wait", "taskReferenceName": "wait_ref", "type": "WAIT"}
        ]
    })
}

fn has_tasks(raw: &Raw) -> bool {
    raw.json()
        .and_then(|v| v.get("tasks")?.as_array().map(|t| !t.is_empty()))
        .unwrap_or(false)
}

fn status_is(status: &'static str) -> impl Fn(&Raw) -> bool + Send + Sync {
    move |raw| raw.field("status").as_deref() == Some(status)
}

fn running_with_tasks(count: usize) -> impl Fn(&Raw) -> bool + Send + Sync {
    move |raw| {
        raw.field("status").as_deref() == Some("RUNNING")
            && raw
                .json()
                .and_then(|v| v.get("tasks")?.as_array().map(Vec::len))
                .is_some_and(|n| n >= count)
    }
}

/// A search answer with exactly `hits` hits, each with status `status` (the index has caught up).
fn search_settled(hits: u64, status: &'static str) -> impl Fn(&Raw) -> bool + Send + Sync {
    move |raw| {
        let Some(v) = raw.json() else { return false };
        v.get("totalHits").and_then(Value::as_u64) == Some(hits)
            && v.get("results").and_then(Value::as_array).is_some_and(|r| {
                r.iter()
                    .all(|x| x.get("status").and_then(Value::as_str) == Some(status))
            })
    }
}

fn non_empty_array(raw: &Raw) -> bool {
    raw.json()
        .and_then(|v| v.as_array().map(|a| !a.is_empty()))
        .unwrap_or(false)
}

fn pointer(raw: &Raw, pointer: &str) -> Option<String> {
    raw.json()?.pointer(pointer)?.as_str().map(str::to_owned)
}

/// Sorts `results` of a search answer by workflow id (`workflowId`, or a task's
/// `workflowInstanceId`): the order of equal sort keys is free.
fn sort_results(mut value: Value) -> Value {
    if let Some(Value::Array(results)) = value.get_mut("results") {
        results.sort_by_key(|r| {
            r.get("workflowId")
                .or_else(|| r.get("workflowInstanceId"))
                .map(Value::to_string)
        });
    }
    value
}

/// Owned copies of placeholders: selections run on normalised answers, where this run's names
/// and ids are placeholders.
fn placeholders(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// How often a start is tried when the reference server botches it.
const START_ATTEMPTS: usize = 3;

/// A workflow start: the request, the step names of it and of the wait for its first task, and
/// the placeholder its id is tracked as.
struct Start<'a> {
    step: &'a str,
    scheduled_step: &'a str,
    placeholder: &'a str,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Value,
}

/// Whether a started workflow failed because the server could not write its first task (a
/// reference server whose SQLite database other suites keep busy: "Error scheduling tasks").
fn scheduling_hiccup(raw: &Raw) -> bool {
    raw.field("status").as_deref() == Some("FAILED")
        && raw
            .field("reasonForIncompletion")
            .is_some_and(|r| r.starts_with("Error scheduling tasks"))
}

/// Starts a workflow, tracks its id and waits until its first task is scheduled; a start the
/// server botched (see [`scheduling_hiccup`]) is forgotten and tried again.
async fn start_workflow(t: &mut Target, start: Start<'_>) {
    for attempt in 1..=START_ATTEMPTS {
        let mut call = t
            .req(start.step, Method::POST, &start.path)
            .json(start.body.clone());
        for (key, value) in &start.query {
            call = call.q(key, value);
        }
        let raw = call.send().await;
        t.capture(start.step, start.placeholder, raw.ok().then_some(raw.text));
        let scheduled = t
            .req(
                start.scheduled_step,
                Method::GET,
                &format!("/workflow/{}", start.placeholder),
            )
            .until(has_tasks)
            .send()
            .await;
        if attempt < START_ATTEMPTS && scheduling_hiccup(&scheduled) {
            t.forget(2, start.placeholder);
            continue;
        }
        break;
    }
}

/// Starts a `name` workflow (no correlation id), tracks its id as `placeholder` and waits until
/// its first task is scheduled.
async fn start(t: &mut Target, placeholder: &str, name: &str, input: Value) {
    let label = placeholder.trim_matches(|c| c == '{' || c == '}');
    start_workflow(
        t,
        Start {
            step: &format!("setup.start_{label}"),
            scheduled_step: &format!("setup.{label}_scheduled"),
            placeholder,
            path: "/workflow".to_owned(),
            query: Vec::new(),
            body: json!({"name": name, "input": input}),
        },
    )
    .await;
}

/// Runs the whole sequence against `t`.
pub async fn run(t: &mut Target, n: &Names) {
    // The names are the same on both servers, but unique per run: placeholders keep them out of
    // the paths of differences (object keys such as a correlation id or a queue name).
    for (placeholder, name) in [
        ("{task}", &n.task),
        ("{idle}", &n.idle),
        ("{gone_task}", &n.gone_task),
        ("{no_task}", &n.no_task),
        ("{flow}", &n.flow),
        ("{wait}", &n.wait),
        ("{two}", &n.two),
        ("{gone_flow}", &n.gone_flow),
        ("{no_flow}", &n.no_flow),
        ("{corr}", &n.correlation),
        ("{handler}", &n.handler),
    ] {
        t.capture("names", placeholder, Some(name.clone()));
    }
    health_and_version(t).await;
    task_defs(t, n).await;
    workflow_defs(t, n).await;
    start_and_read(t, n).await;
    work_tasks(t, n).await;
    search(t, n).await;
    updates_by_reference(t, n).await;
    queues(t, n).await;
    lifecycle(t, n).await;
    execute_and_test(t, n).await;
    bulk(t, n).await;
    storage(t).await;
    events(t, n).await;
    event_queues(t, n).await;
    definition_checks(t, n).await;
    results_naming_another_workflow(t, n).await;
}

async fn health_and_version(t: &mut Target) {
    t.req("health.get", Method::GET, "/health").send().await;
    t.req("version.get", Method::GET, "/version")
        .varies()
        .send()
        .await;
    t.req("token.post", Method::POST, "/token")
        .json(json!({"keyId": "wire-diff", "keySecret": "not-a-secret"}))
        .send()
        .await;
}

async fn task_defs(t: &mut Target, n: &Names) {
    t.req("taskdefs.register", Method::POST, "/metadata/taskdefs")
        .json(json!([
            task_def(&n.task, "wire diff task"),
            task_def(&n.idle, "wire diff idle"),
            task_def(&n.gone_task, "wire diff gone")
        ]))
        .send()
        .await;
    t.req(
        "taskdefs.register_missing_name",
        Method::POST,
        "/metadata/taskdefs",
    )
    .json(json!([{"ownerEmail": OWNER, "responseTimeoutSeconds": 10}]))
    .send()
    .await;
    t.req(
        "taskdefs.register_bad_json",
        Method::POST,
        "/metadata/taskdefs",
    )
    .body(Req::RawJson("[{\"name\": "))
    .send()
    .await;
    t.req(
        "taskdefs.get",
        Method::GET,
        &format!("/metadata/taskdefs/{}", n.task),
    )
    .send()
    .await;
    t.req(
        "taskdefs.get_unknown",
        Method::GET,
        &format!("/metadata/taskdefs/{}", n.no_task),
    )
    .send()
    .await;
    t.req("taskdefs.update", Method::PUT, "/metadata/taskdefs")
        .json(task_def(&n.task, "wire diff task, updated"))
        .send()
        .await;
    t.req("taskdefs.update_unknown", Method::PUT, "/metadata/taskdefs")
        .json(task_def(&n.no_task, "never registered"))
        .send()
        .await;
    t.req("taskdefs.list", Method::GET, "/metadata/taskdefs")
        .select(where_in("name", placeholders(&["{task}", "{idle}"])))
        .send()
        .await;
    let gone = format!("/metadata/taskdefs/{}", n.gone_task);
    t.req("taskdefs.delete", Method::DELETE, &gone).send().await;
    t.req("taskdefs.delete_unknown", Method::DELETE, &gone)
        .send()
        .await;
}

async fn workflow_defs(t: &mut Target, n: &Names) {
    t.req("workflowdefs.register", Method::POST, "/metadata/workflow")
        .json(flow_def(n, 1))
        .send()
        .await;
    t.req(
        "workflowdefs.register_wait",
        Method::POST,
        "/metadata/workflow",
    )
    .json(wait_def(&n.wait, 1))
    .send()
    .await;
    t.req(
        "workflowdefs.register_two",
        Method::POST,
        "/metadata/workflow",
    )
    .json(two_def(n))
    .send()
    .await;
    t.req(
        "workflowdefs.register_conflict",
        Method::POST,
        "/metadata/workflow",
    )
    .json(flow_def(n, 1))
    .send()
    .await;
    t.req(
        "workflowdefs.register_overwrite",
        Method::POST,
        "/metadata/workflow",
    )
    .q("overwrite", "true")
    .json(flow_def(n, 1))
    .send()
    .await;
    t.req(
        "workflowdefs.register_no_tasks",
        Method::POST,
        "/metadata/workflow",
    )
    .json(json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2, "tasks": []}))
    .send()
    .await;
    t.req(
        "workflowdefs.register_bad_json",
        Method::POST,
        "/metadata/workflow",
    )
    .body(Req::RawJson("{\"name\": "))
    .send()
    .await;
    t.req("workflowdefs.update", Method::PUT, "/metadata/workflow")
        .json(json!([flow_def(n, 1)]))
        .send()
        .await;
    t.req(
        "workflowdefs.register_gone_v1",
        Method::POST,
        "/metadata/workflow",
    )
    .json(wait_def(&n.gone_flow, 1))
    .send()
    .await;
    t.req(
        "workflowdefs.register_gone_v2",
        Method::POST,
        "/metadata/workflow",
    )
    .json(wait_def(&n.gone_flow, 2))
    .send()
    .await;
    t.req(
        "workflowdefs.versions",
        Method::GET,
        &format!("/metadata/workflow/{}/versions", n.gone_flow),
    )
    .send()
    .await;
    t.req(
        "workflowdefs.latest",
        Method::GET,
        "/metadata/workflow/latest-versions",
    )
    .select(where_in("name", placeholders(&["{flow}", "{gone_flow}"])))
    .send()
    .await;
    t.req(
        "workflowdefs.names",
        Method::GET,
        "/metadata/workflow/names",
    )
    .select(strings_in(placeholders(&[
        "{flow}",
        "{wait}",
        "{gone_flow}",
    ])))
    .send()
    .await;
    t.req(
        "workflowdefs.names_and_versions",
        Method::GET,
        "/metadata/workflow/names-and-versions",
    )
    .select(keys_in(placeholders(&["{flow}", "{gone_flow}"])))
    .send()
    .await;
    let v2 = format!("/metadata/workflow/{}/2", n.gone_flow);
    t.req("workflowdefs.delete", Method::DELETE, &v2)
        .send()
        .await;
    t.req("workflowdefs.delete_unknown", Method::DELETE, &v2)
        .send()
        .await;
    t.req(
        "workflowdefs.delete_bad_version",
        Method::DELETE,
        &format!("/metadata/workflow/{}/two", n.gone_flow),
    )
    .send()
    .await;
    t.req(
        "workflowdefs.validate",
        Method::POST,
        "/metadata/workflow/validate",
    )
    .json(flow_def(n, 1))
    .send()
    .await;
    t.req(
        "workflowdefs.validate_invalid",
        Method::POST,
        "/metadata/workflow/validate",
    )
    .json(json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2, "tasks": []}))
    .send()
    .await;
    let flow = format!("/metadata/workflow/{}", n.flow);
    t.req("workflowdefs.get", Method::GET, &flow).send().await;
    t.req("workflowdefs.get_version", Method::GET, &flow)
        .q("version", "1")
        .send()
        .await;
    t.req("workflowdefs.get_wrong_version", Method::GET, &flow)
        .q("version", "99")
        .send()
        .await;
    t.req(
        "workflowdefs.get_unknown",
        Method::GET,
        &format!("/metadata/workflow/{}", n.no_flow),
    )
    .send()
    .await;
    t.req("workflowdefs.list", Method::GET, "/metadata/workflow")
        .select(where_in(
            "name",
            placeholders(&["{flow}", "{wait}", "{gone_flow}"]),
        ))
        .send()
        .await;
    t.req(
        "workflowdefs.list_classifier",
        Method::GET,
        "/metadata/workflow",
    )
    .q("classifier", "wire_diff_classifier")
    .select(where_in(
        "name",
        placeholders(&["{flow}", "{wait}", "{gone_flow}"]),
    ))
    .send()
    .await;
}

async fn start_and_read(t: &mut Target, n: &Names) {
    start_workflow(
        t,
        Start {
            step: "workflow.start",
            scheduled_step: "workflow.get_scheduled",
            placeholder: "{wf1}",
            path: "/workflow".to_owned(),
            query: Vec::new(),
            body: json!({
                "name": n.flow,
                "version": 1,
                "correlationId": n.correlation,
                "input": {"x": 1}
            }),
        },
    )
    .await;
    t.req("workflow.start_unknown", Method::POST, "/workflow")
        .json(json!({"name": n.no_flow}))
        .send()
        .await;
    t.req("workflow.start_missing_name", Method::POST, "/workflow")
        .json(json!({"input": {}}))
        .send()
        .await;
    t.req("workflow.start_null_input", Method::POST, "/workflow")
        .json(json!({"name": n.flow, "input": null}))
        .send()
        .await;
    t.req("workflow.start_bad_json", Method::POST, "/workflow")
        .body(Req::RawJson("{\"name\": "))
        .send()
        .await;
    t.req(
        "workflow.start_by_name_unknown",
        Method::POST,
        &format!("/workflow/{}", n.no_flow),
    )
    .json(json!({}))
    .send()
    .await;
    t.req("workflow.get_no_tasks", Method::GET, "/workflow/{wf1}")
        .q("includeTasks", "false")
        .send()
        .await;
    t.req(
        "workflow.get_unknown",
        Method::GET,
        &format!("/workflow/{NO_SUCH_ID}"),
    )
    .send()
    .await;
    t.req("workflow.status", Method::GET, "/workflow/{wf1}/status")
        .q("includeOutput", "true")
        .q("includeVariables", "true")
        .send()
        .await;
    t.req(
        "workflow.status_unknown",
        Method::GET,
        &format!("/workflow/{NO_SUCH_ID}/status"),
    )
    .send()
    .await;
    t.req("workflow.tasks", Method::GET, "/workflow/{wf1}/tasks")
        .q("start", "0")
        .q("count", "15")
        .send()
        .await;
}

async fn work_tasks(t: &mut Target, n: &Names) {
    let raw = t
        .req(
            "tasks.poll",
            Method::GET,
            &format!("/tasks/poll/{}", n.task),
        )
        .q("workerid", WORKER)
        .until(|raw| raw.status == 200)
        .send()
        .await;
    t.capture("tasks.poll", "{task_wf1}", raw.field("taskId"));
    t.req(
        "tasks.poll_empty",
        Method::GET,
        &format!("/tasks/poll/{}", n.idle),
    )
    .q("workerid", WORKER)
    .send()
    .await;
    t.req("tasks.get", Method::GET, "/tasks/{task_wf1}")
        .send()
        .await;
    // The query `TaskClient::get_tasks_in_progress` sends (quoted values), on v2 and v1, while
    // the polled task is in progress.
    let in_progress = "taskType=\"{task}\" AND status=\"IN_PROGRESS\"";
    t.req(
        "search.tasks_in_progress_v2",
        Method::GET,
        "/tasks/search-v2",
    )
    .q("query", in_progress)
    .q("start", "0")
    .q("size", "10")
    .until(search_settled(1, "IN_PROGRESS"))
    .send()
    .await;
    t.req("search.tasks_in_progress", Method::GET, "/tasks/search")
        .q("query", in_progress)
        .q("size", "10")
        .until(search_settled(1, "IN_PROGRESS"))
        .send()
        .await;
    t.req(
        "tasks.get_unknown",
        Method::GET,
        &format!("/tasks/{NO_SUCH_ID}"),
    )
    .send()
    .await;
    t.req("tasks.log_add", Method::POST, "/tasks/{task_wf1}/log")
        .body(Req::Text("wire diff log line".into()))
        .send()
        .await;
    t.req("tasks.log_get", Method::GET, "/tasks/{task_wf1}/log")
        .send()
        .await;
    t.req("tasks.update_in_progress", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{wf1}",
            "taskId": "{task_wf1}",
            "status": "IN_PROGRESS",
            "workerId": WORKER,
            "callbackAfterSeconds": 0,
            "outputData": {"progress": 50}
        }))
        .send()
        .await;
    t.req("tasks.get_in_progress", Method::GET, "/tasks/{task_wf1}")
        .send()
        .await;
    let triggered = t
        .req("tasks.update_completed", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{wf1}",
            "taskId": "{task_wf1}",
            "status": "COMPLETED",
            "workerId": WORKER,
            "outputData": {"result": "done"}
        }))
        .send()
        .await;
    t.req("workflow.get_completed", Method::GET, "/workflow/{wf1}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
    t.req("tasks.update_after_terminal", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{wf1}",
            "taskId": "{task_wf1}",
            "status": "FAILED",
            "workerId": WORKER
        }))
        .send()
        .await;
    t.req("tasks.update_unknown", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": NO_SUCH_ID,
            "taskId": NO_SUCH_ID,
            "status": "COMPLETED"
        }))
        .send()
        .await;
    t.req("tasks.update_bad_status", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{wf1}",
            "taskId": "{task_wf1}",
            "status": "BOGUS"
        }))
        .send()
        .await;
    t.req("tasks.update_bad_json", Method::POST, "/tasks")
        .body(Req::RawJson("{\"taskId\": "))
        .send()
        .await;

    // A second workflow, worked through batch poll and update-v2.
    start_workflow(
        t,
        Start {
            step: "workflow.start_by_name",
            scheduled_step: "setup.wf2_scheduled",
            placeholder: "{wf2}",
            path: format!("/workflow/{}", n.flow),
            query: vec![
                ("version", "1".to_owned()),
                ("correlationId", n.correlation.clone()),
            ],
            body: json!({"x": 2}),
        },
    )
    .await;
    let raw = t
        .req(
            "tasks.batch_poll",
            Method::GET,
            &format!("/tasks/poll/batch/{}", n.task),
        )
        .q("workerid", WORKER)
        .q("count", "5")
        .q("timeout", "200")
        .until(non_empty_array)
        .send()
        .await;
    t.capture("tasks.batch_poll", "{task_wf2}", pointer(&raw, "/0/taskId"));
    t.req(
        "tasks.batch_poll_empty",
        Method::GET,
        &format!("/tasks/poll/batch/{}", n.idle),
    )
    .q("workerid", WORKER)
    .q("count", "2")
    .q("timeout", "100")
    .send()
    .await;
    t.req(
        "tasks.batch_poll_too_long",
        Method::GET,
        &format!("/tasks/poll/batch/{}", n.idle),
    )
    .q("workerid", WORKER)
    .q("count", "1")
    .q("timeout", "6000")
    .send()
    .await;
    t.req("tasks.log_get_empty", Method::GET, "/tasks/{task_wf2}/log")
        .send()
        .await;
    let triggered = t
        .req("tasks.update_v2", Method::POST, "/tasks/update-v2")
        .json(json!({
            "workflowInstanceId": "{wf2}",
            "taskId": "{task_wf2}",
            "status": "COMPLETED",
            "workerId": WORKER,
            "outputData": {"result": "v2"}
        }))
        .send()
        .await;
    t.req(
        "tasks.update_v2_missing_ids",
        Method::POST,
        "/tasks/update-v2",
    )
    .json(json!({"status": "COMPLETED"}))
    .send()
    .await;
    t.req("setup.wf2_completed", Method::GET, "/workflow/{wf2}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
}

async fn search(t: &mut Target, n: &Names) {
    // Only wf1 and wf2 carry the correlation id, and both are COMPLETED: wait for the index.
    let query = format!("correlationId=\"{}\"", n.correlation);
    t.req("search.workflows", Method::GET, "/workflow/search")
        .q("query", &query)
        .q("start", "0")
        .q("size", "10")
        .until(search_settled(2, "COMPLETED"))
        .select(sort_results)
        .send()
        .await;
    t.req("search.workflows_v2", Method::GET, "/workflow/search-v2")
        .q("query", &query)
        .q("start", "0")
        .q("size", "10")
        .until(search_settled(2, "COMPLETED"))
        .select(sort_results)
        .send()
        .await;
    let by_task = format!("taskType IN ({})", n.task);
    t.req("search.by_tasks", Method::GET, "/workflow/search-by-tasks")
        .q("query", &by_task)
        .q("size", "10")
        .until(search_settled(2, "COMPLETED"))
        .select(sort_results)
        .send()
        .await;
    t.req(
        "search.by_tasks_v2",
        Method::GET,
        "/workflow/search-by-tasks-v2",
    )
    .q("query", &by_task)
    .q("size", "10")
    .until(search_settled(2, "COMPLETED"))
    .select(sort_results)
    .send()
    .await;
    t.req("search.tasks", Method::GET, "/tasks/search")
        .q("query", &by_task)
        .q("size", "10")
        .until(search_settled(2, "COMPLETED"))
        .select(sort_results)
        .send()
        .await;
    t.req("search.tasks_v2", Method::GET, "/tasks/search-v2")
        .q("query", &by_task)
        .q("size", "10")
        .until(search_settled(2, "COMPLETED"))
        .select(sort_results)
        .send()
        .await;
    t.req(
        "workflow.correlated",
        Method::GET,
        &format!("/workflow/{}/correlated/{}", n.flow, n.correlation),
    )
    .q("includeClosed", "true")
    .q("includeTasks", "false")
    .select(sorted_by("workflowId"))
    .send()
    .await;
    t.req(
        "workflow.correlated_batch",
        Method::POST,
        &format!("/workflow/{}/correlated", n.flow),
    )
    .q("includeClosed", "true")
    .q("includeTasks", "true")
    .json(json!([n.correlation]))
    .select(move |mut v| {
        if let Some(list) = v.get_mut("{corr}") {
            *list = sorted_by("workflowId")(list.take());
        }
        v
    })
    .send()
    .await;
}

async fn updates_by_reference(t: &mut Target, n: &Names) {
    start(t, "{wf3}", &n.flow, json!({"x": 3})).await;
    let triggered = t
        .req(
            "tasks.update_by_ref",
            Method::POST,
            "/tasks/{wf3}/t1_ref/COMPLETED",
        )
        .q("workerid", WORKER)
        .json(json!({"result": "by ref"}))
        .send()
        .await;
    t.req("setup.wf3_completed", Method::GET, "/workflow/{wf3}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
    t.req(
        "tasks.update_by_ref_unknown_ref",
        Method::POST,
        "/tasks/{wf3}/no_such_ref/COMPLETED",
    )
    .json(json!({}))
    .send()
    .await;
    t.req(
        "tasks.update_by_ref_bad_status",
        Method::POST,
        "/tasks/{wf3}/t1_ref/BOGUS",
    )
    .json(json!({}))
    .send()
    .await;
    start(t, "{wf4}", &n.flow, json!({"x": 4})).await;
    t.req(
        "tasks.update_by_ref_sync",
        Method::POST,
        "/tasks/{wf4}/t1_ref/COMPLETED/sync",
    )
    .q("workerid", WORKER)
    .json(json!({"result": "sync"}))
    .send()
    .await;

    start(t, "{wait1}", &n.wait, json!({})).await;
    let triggered = t
        .req(
            "tasks.signal",
            Method::POST,
            "/tasks/{wait1}/COMPLETED/signal",
        )
        .json(json!({"signalled": true}))
        .send()
        .await;
    t.req("setup.wait1_completed", Method::GET, "/workflow/{wait1}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
    start(t, "{wait2}", &n.wait, json!({})).await;
    t.req(
        "tasks.signal_sync",
        Method::POST,
        "/tasks/{wait2}/COMPLETED/signal/sync",
    )
    .q("returnStrategy", "TARGET_WORKFLOW")
    .json(json!({"signalled": true}))
    .send()
    .await;
    t.req(
        "tasks.signal_unknown",
        Method::POST,
        &format!("/tasks/{NO_SUCH_ID}/COMPLETED/signal"),
    )
    .json(json!({}))
    .send()
    .await;
}

async fn queues(t: &mut Target, n: &Names) {
    // wf5's task is scheduled and never polled: the task queue holds exactly it.
    start(t, "{wf5}", &n.flow, json!({"x": 5})).await;
    let raw = t
        .req("setup.wf5_task", Method::GET, "/workflow/{wf5}")
        .send()
        .await;
    t.capture(
        "setup.wf5_task",
        "{task_wf5}",
        pointer(&raw, "/tasks/0/taskId"),
    );
    t.req("queue.sizes", Method::GET, "/tasks/queue/sizes")
        .q("taskType", &n.task)
        .send()
        .await;
    t.req("queue.size", Method::GET, "/tasks/queue/size")
        .q("taskType", &n.task)
        .send()
        .await;
    t.req("queue.all", Method::GET, "/tasks/queue/all")
        .select(keys_in(placeholders(&["{task}", "{idle}"])))
        .send()
        .await;
    t.req("queue.all_verbose", Method::GET, "/tasks/queue/all/verbose")
        .select(keys_in(placeholders(&["{task}", "{idle}"])))
        .send()
        .await;
    t.req("queue.polldata", Method::GET, "/tasks/queue/polldata")
        .q("taskType", &n.task)
        .send()
        .await;
    t.req(
        "queue.polldata_all",
        Method::GET,
        "/tasks/queue/polldata/all",
    )
    .select(where_in("queueName", placeholders(&["{task}", "{idle}"])))
    .send()
    .await;
    t.req(
        "queue.requeue",
        Method::POST,
        &format!("/tasks/queue/requeue/{}", n.task),
    )
    .send()
    .await;
    t.req(
        "queue.remove_task",
        Method::DELETE,
        &format!("/tasks/queue/{}/{{task_wf5}}", n.task),
    )
    .send()
    .await;
}

async fn lifecycle(t: &mut Target, n: &Names) {
    // Pause, resume and skip on wf5 (its task is still scheduled).
    let triggered = t
        .req("workflow.pause", Method::PUT, "/workflow/{wf5}/pause")
        .send()
        .await;
    t.req("workflow.pause_again", Method::PUT, "/workflow/{wf5}/pause")
        .send()
        .await;
    t.req("workflow.get_paused", Method::GET, "/workflow/{wf5}")
        .until_if(triggered.ok(), status_is("PAUSED"))
        .send()
        .await;
    t.req("workflow.resume", Method::PUT, "/workflow/{wf5}/resume")
        .send()
        .await;
    t.req(
        "workflow.resume_again",
        Method::PUT,
        "/workflow/{wf5}/resume",
    )
    .send()
    .await;
    t.req(
        "workflow.pause_unknown",
        Method::PUT,
        &format!("/workflow/{NO_SUCH_ID}/pause"),
    )
    .send()
    .await;
    t.req(
        "workflow.skip_task",
        Method::PUT,
        "/workflow/{wf5}/skiptask/t1_ref",
    )
    .json(json!({}))
    .send()
    .await;
    // OSS skips only tasks not yet scheduled: this one is, so the skip is refused.
    t.req("workflow.get_skipped", Method::GET, "/workflow/{wf5}")
        .send()
        .await;

    // A task not yet scheduled can be skipped.
    start(t, "{two1}", &n.two, json!({})).await;
    t.req(
        "workflow.skip_unscheduled",
        Method::PUT,
        "/workflow/{two1}/skiptask/wait_ref",
    )
    .json(json!({}))
    .send()
    .await;
    t.req(
        "workflow.get_skipped_ahead",
        Method::GET,
        "/workflow/{two1}",
    )
    .send()
    .await;
    t.req("setup.terminate_two1", Method::DELETE, "/workflow/{two1}")
        .send()
        .await;

    // Terminate, retry, restart on wf6.
    start(t, "{wf6}", &n.flow, json!({"x": 6})).await;
    let triggered = t
        .req("workflow.terminate", Method::DELETE, "/workflow/{wf6}")
        .q("reason", "wire diff")
        .q("triggerFailureWorkflow", "false")
        .send()
        .await;
    t.req("workflow.get_terminated", Method::GET, "/workflow/{wf6}")
        .until_if(triggered.ok(), status_is("TERMINATED"))
        .send()
        .await;
    t.req(
        "workflow.terminate_again",
        Method::DELETE,
        "/workflow/{wf6}",
    )
    .q("reason", "again")
    .send()
    .await;
    t.req(
        "workflow.terminate_unknown",
        Method::DELETE,
        &format!("/workflow/{NO_SUCH_ID}"),
    )
    .send()
    .await;
    let triggered = t
        .req("workflow.retry", Method::POST, "/workflow/{wf6}/retry")
        .q("resumeSubworkflowTasks", "false")
        .send()
        .await;
    t.req("workflow.get_retried", Method::GET, "/workflow/{wf6}")
        .until_if(triggered.ok(), running_with_tasks(2))
        .send()
        .await;
    t.req(
        "workflow.retry_running",
        Method::POST,
        "/workflow/{wf6}/retry",
    )
    .send()
    .await;
    t.req(
        "workflow.restart_running",
        Method::POST,
        "/workflow/{wf6}/restart",
    )
    .q("useLatestDefinitions", "false")
    .send()
    .await;
    t.req(
        "workflow.retry_unknown",
        Method::POST,
        &format!("/workflow/{NO_SUCH_ID}/retry"),
    )
    .send()
    .await;
    t.req("setup.terminate_wf6", Method::DELETE, "/workflow/{wf6}")
        .send()
        .await;
    let triggered = t
        .req("workflow.restart", Method::POST, "/workflow/{wf6}/restart")
        .q("useLatestDefinitions", "false")
        .send()
        .await;
    t.req("workflow.get_restarted", Method::GET, "/workflow/{wf6}")
        .until_if(triggered.ok(), running_with_tasks(1))
        .send()
        .await;
    t.req(
        "workflow.reset_callbacks",
        Method::POST,
        "/workflow/{wf6}/resetcallbacks",
    )
    .send()
    .await;
    t.req(
        "workflow.reset_callbacks_unknown",
        Method::POST,
        &format!("/workflow/{NO_SUCH_ID}/resetcallbacks"),
    )
    .send()
    .await;
    t.req("workflow.decide", Method::PUT, "/workflow/decide/{wf6}")
        .send()
        .await;
    t.req(
        "workflow.decide_unknown",
        Method::PUT,
        &format!("/workflow/decide/{NO_SUCH_ID}"),
    )
    .send()
    .await;
    t.req(
        "workflow.update_variables",
        Method::POST,
        "/workflow/{wf6}/variables",
    )
    .json(json!({"v": 1}))
    .send()
    .await;
    t.req(
        "workflow.send_message",
        Method::POST,
        "/workflow/{wf6}/messages",
    )
    .json(json!({"text": "hello"}))
    .send()
    .await;
    t.req(
        "workflow.running",
        Method::GET,
        &format!("/workflow/running/{}", n.flow),
    )
    .q("version", "1")
    .select(strings_in(placeholders(&["{wf6}"])))
    .send()
    .await;

    // Rerun the completed wf1 from its beginning with new input.
    let triggered = t
        .req("workflow.rerun", Method::POST, "/workflow/{wf1}/rerun")
        .json(json!({"reRunFromWorkflowId": "{wf1}", "workflowInput": {"x": 9}}))
        .send()
        .await;
    t.req("workflow.get_rerun", Method::GET, "/workflow/{wf1}")
        .until_if(triggered.ok(), running_with_tasks(1))
        .send()
        .await;
    t.req(
        "workflow.rerun_unknown",
        Method::POST,
        &format!("/workflow/{NO_SUCH_ID}/rerun"),
    )
    .json(json!({"reRunFromWorkflowId": NO_SUCH_ID}))
    .send()
    .await;

    // Remove: a terminated workflow, a running one, an unknown one; terminate-remove.
    t.req(
        "setup.terminate_wf6_again",
        Method::DELETE,
        "/workflow/{wf6}",
    )
    .send()
    .await;
    t.req("workflow.remove", Method::DELETE, "/workflow/{wf6}/remove")
        .q("archiveWorkflow", "true")
        .send()
        .await;
    t.req("workflow.get_removed", Method::GET, "/workflow/{wf6}")
        .send()
        .await;
    t.req(
        "workflow.remove_running",
        Method::DELETE,
        "/workflow/{wf1}/remove",
    )
    .q("archiveWorkflow", "false")
    .send()
    .await;
    t.req(
        "workflow.remove_unknown",
        Method::DELETE,
        &format!("/workflow/{NO_SUCH_ID}/remove"),
    )
    .send()
    .await;
    start(t, "{wf7}", &n.flow, json!({"x": 7})).await;
    t.req(
        "workflow.terminate_remove",
        Method::DELETE,
        "/workflow/{wf7}/terminate-remove",
    )
    .q("reason", "wire diff")
    .q("archiveWorkflow", "true")
    .send()
    .await;
    t.req(
        "workflow.terminate_remove_unknown",
        Method::DELETE,
        &format!("/workflow/{NO_SUCH_ID}/terminate-remove"),
    )
    .send()
    .await;
}

async fn execute_and_test(t: &mut Target, n: &Names) {
    t.req(
        "workflow.execute",
        Method::POST,
        &format!("/workflow/execute/{}/1", n.wait),
    )
    .q("waitForSeconds", "2")
    .q("requestId", "wire-diff-request")
    .json(json!({"name": n.wait, "version": 1, "input": {"e": 1}}))
    .send()
    .await;
    t.req(
        "workflow.execute_latest",
        Method::POST,
        &format!("/workflow/execute/{}/0", n.wait),
    )
    .q("waitForSeconds", "2")
    .q("returnStrategy", "BLOCKING_TASK")
    .json(json!({"name": n.wait, "input": {"e": 2}}))
    .send()
    .await;
    t.req(
        "workflow.execute_unknown",
        Method::POST,
        &format!("/workflow/execute/{}/1", n.no_flow),
    )
    .q("waitForSeconds", "1")
    .json(json!({"name": n.no_flow}))
    .send()
    .await;
    t.req("workflow.test", Method::POST, "/workflow/test")
        .json(json!({
            "name": n.flow,
            "version": 1,
            "input": {"x": 1},
            "taskRefToMockOutput": {
                "t1_ref": [{"status": "COMPLETED", "output": {"result": "mocked"}}]
            }
        }))
        .send()
        .await;
    t.req("workflow.test_unknown", Method::POST, "/workflow/test")
        .json(json!({"name": n.no_flow, "version": 1}))
        .send()
        .await;
}

async fn bulk(t: &mut Target, n: &Names) {
    start(t, "{bulk1}", &n.flow, json!({"x": 11})).await;
    start(t, "{bulk2}", &n.flow, json!({"x": 12})).await;
    let ids = json!(["{bulk1}", NO_SUCH_ID]);
    t.req("bulk.pause", Method::PUT, "/workflow/bulk/pause")
        .json(ids.clone())
        .send()
        .await;
    t.req("bulk.resume", Method::PUT, "/workflow/bulk/resume")
        .json(ids.clone())
        .send()
        .await;
    let triggered = t
        .req("bulk.terminate", Method::POST, "/workflow/bulk/terminate")
        .q("reason", "wire diff")
        .q("triggerFailureWorkflow", "false")
        .json(ids.clone())
        .send()
        .await;
    t.req("setup.bulk1_terminated", Method::GET, "/workflow/{bulk1}")
        .until_if(triggered.ok(), status_is("TERMINATED"))
        .send()
        .await;
    t.req("bulk.retry", Method::POST, "/workflow/bulk/retry")
        .json(ids.clone())
        .send()
        .await;
    t.req(
        "bulk.restart_running",
        Method::POST,
        "/workflow/bulk/restart",
    )
    .q("useLatestDefinitions", "false")
    .json(json!(["{bulk2}"]))
    .send()
    .await;
    t.req("bulk.search", Method::POST, "/workflow/bulk/search")
        .q("includeTasks", "false")
        .json(ids.clone())
        .send()
        .await;
    t.req(
        "bulk.terminate_remove",
        Method::DELETE,
        "/workflow/bulk/terminate-remove",
    )
    .q("reason", "wire diff")
    .q("archiveWorkflow", "true")
    .json(ids)
    .send()
    .await;
    t.req(
        "bulk.remove_running",
        Method::DELETE,
        "/workflow/bulk/remove",
    )
    .q("archiveWorkflow", "true")
    .json(json!(["{bulk2}"]))
    .send()
    .await;
    t.req("bulk.empty", Method::PUT, "/workflow/bulk/pause")
        .json(json!([]))
        .send()
        .await;
}

async fn storage(t: &mut Target) {
    t.req(
        "storage.workflow",
        Method::GET,
        "/workflow/externalstoragelocation",
    )
    .q("path", "wire-diff/input.json")
    .q("operation", "WRITE")
    .q("payloadType", "WORKFLOW_INPUT")
    .send()
    .await;
    t.req(
        "storage.task",
        Method::GET,
        "/tasks/externalstoragelocation",
    )
    .q("path", "wire-diff/output.json")
    .q("operation", "READ")
    .q("payloadType", "TASK_OUTPUT")
    .send()
    .await;
}

fn handler(n: &Names, name: &str, active: bool) -> Value {
    json!({
        "name": name,
        "event": n.event,
        "active": active,
        "actions": [{
            "action": "complete_task",
            "complete_task": {
                "workflowId": "${workflowId}",
                "taskRefName": "t1_ref",
                "output": {"from": "event"}
            }
        }]
    })
}

async fn events(t: &mut Target, n: &Names) {
    t.req("event.register", Method::POST, "/event")
        .json(handler(n, &n.handler, true))
        .send()
        .await;
    t.req("event.register_conflict", Method::POST, "/event")
        .json(handler(n, &n.handler, true))
        .send()
        .await;
    t.req("event.register_no_actions", Method::POST, "/event")
        .json(json!({"name": format!("{}_bad", n.handler), "event": n.event, "actions": []}))
        .send()
        .await;
    t.req("event.update", Method::PUT, "/event")
        .json(handler(n, &n.handler, false))
        .send()
        .await;
    t.req("event.update_unknown", Method::PUT, "/event")
        .json(handler(n, &format!("{}_none", n.handler), true))
        .send()
        .await;
    t.req("event.list", Method::GET, "/event")
        .select(where_in("name", placeholders(&["{handler}"])))
        .send()
        .await;
    let for_event = format!("/event/{}", n.event);
    t.req("event.for_event", Method::GET, &for_event)
        .q("activeOnly", "false")
        .send()
        .await;
    t.req("event.for_event_active_only", Method::GET, &for_event)
        .q("activeOnly", "true")
        .send()
        .await;
    let delete = format!("/event/{}", n.handler);
    t.req("event.delete", Method::DELETE, &delete).send().await;
    t.req("event.delete_unknown", Method::DELETE, &delete)
        .send()
        .await;
}

async fn event_queues(t: &mut Target, n: &Names) {
    t.req("queue.event_sizes", Method::GET, "/queue/size")
        .send()
        .await;
    t.req("queue.event_names", Method::GET, "/queue/")
        .send()
        .await;
    start(t, "{wait3}", &n.wait, json!({})).await;
    let triggered = t
        .req(
            "queue.update_by_ref",
            Method::POST,
            "/queue/update/{wait3}/wait_ref/COMPLETED",
        )
        .json(json!({"q": 1}))
        .send()
        .await;
    t.req("setup.wait3_completed", Method::GET, "/workflow/{wait3}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
    start(t, "{wait4}", &n.wait, json!({})).await;
    let raw = t
        .req("setup.wait4_task", Method::GET, "/workflow/{wait4}")
        .send()
        .await;
    t.capture(
        "setup.wait4_task",
        "{task_wait4}",
        pointer(&raw, "/tasks/0/taskId"),
    );
    t.req(
        "queue.update_bad_status",
        Method::POST,
        "/queue/update/{wait4}/wait_ref/IN_PROGRESS",
    )
    .json(json!({}))
    .send()
    .await;
    let triggered = t
        .req(
            "queue.update_by_id",
            Method::POST,
            "/queue/update/{wait4}/task/{task_wait4}/COMPLETED",
        )
        .json(json!({"q": 2}))
        .send()
        .await;
    t.req("setup.wait4_completed", Method::GET, "/workflow/{wait4}")
        .until_if(triggered.ok(), status_is("COMPLETED"))
        .send()
        .await;
}

/// What registration and validation refuse, and what they let through (checked against
/// conductor-oss 3.21.14 and 3.32.3 by a probe of bad bodies): each type's required fields as
/// conductor-oss's constraint reads them (null, not empty, is missing), WAIT durations and dates,
/// input templates that stand in for inputs, and enum constants Jackson does not know.
async fn definition_checks(t: &mut Target, n: &Names) {
    let http_task = format!("{}_http", n.task);
    let validate = |task: Value| json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2, "tasks": [task]});
    t.req(
        "taskdefs.register_empty_list",
        Method::POST,
        "/metadata/taskdefs",
    )
    .json(json!([]))
    .send()
    .await;
    t.req(
        "taskdefs.register_unknown_timeout_policy",
        Method::POST,
        "/metadata/taskdefs",
    )
    .json(json!([{"name": n.no_task, "ownerEmail": OWNER, "timeoutPolicy": "NOPE"}]))
    .send()
    .await;
    t.req(
        "taskdefs.register_http_template",
        Method::POST,
        "/metadata/taskdefs",
    )
    .json(json!([{
        "name": http_task,
        "ownerEmail": OWNER,
        "inputTemplate": {"http_request": {"uri": "http://localhost:1/x", "method": "GET"}}
    }]))
    .send()
    .await;
    let cases = [
        (
            "workflowdefs.validate_wait_bad_duration",
            json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                   "inputParameters": {"duration": "PT1S"}}),
        ),
        (
            "workflowdefs.validate_wait_bad_until",
            json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                   "inputParameters": {"until": "2030-01-01T10:00:00Z"}}),
        ),
        (
            "workflowdefs.validate_wait_expression",
            json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                   "inputParameters": {"duration": "${workflow.input.wait}"}}),
        ),
        (
            "workflowdefs.validate_fork_dynamic_bare",
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC"}),
        ),
        (
            "workflowdefs.validate_fork_dynamic_both",
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC",
                   "dynamicForkJoinTasksParam": "a", "dynamicForkTasksParam": "b"}),
        ),
        (
            "workflowdefs.validate_http_from_template",
            json!({"name": http_task, "taskReferenceName": "h", "type": "HTTP"}),
        ),
        (
            "workflowdefs.validate_event_empty_sink",
            json!({"name": "e", "taskReferenceName": "e", "type": "EVENT", "sink": ""}),
        ),
        (
            "workflowdefs.validate_switch_empty_strings",
            json!({"name": "s", "taskReferenceName": "s", "type": "SWITCH",
                   "evaluatorType": "", "expression": "",
                   "decisionCases": {"a": [{"name": "w", "taskReferenceName": "w", "type": "WAIT"}]}}),
        ),
        (
            "workflowdefs.validate_unknown_task_timeout_policy",
            json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                   "taskDefinition": {"name": "w", "timeoutPolicy": "NOPE"}}),
        ),
    ];
    for (step, task) in cases {
        t.req(step, Method::POST, "/metadata/workflow/validate")
            .json(validate(task))
            .send()
            .await;
    }
    t.req(
        "workflowdefs.update_empty_list",
        Method::PUT,
        "/metadata/workflow",
    )
    .json(json!([]))
    .send()
    .await;
    t.req("event.register_unknown_action", Method::POST, "/event")
        .json(json!({
            "name": format!("{}_bad", n.handler),
            "event": n.event,
            "actions": [{"action": "nope"}],
            "active": true
        }))
        .send()
        .await;
    t.req("workflow.test_missing_name", Method::POST, "/workflow/test")
        .json(json!({}))
        .send()
        .await;
    t.req("tasks.update_empty", Method::POST, "/tasks")
        .json(json!({}))
        .send()
        .await;
    // A `null` the validators iterate: conductor-oss's bean validation fails (HV000028).
    let null_loop = json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2,
        "tasks": [{"name": "d", "taskReferenceName": "d", "type": "DO_WHILE",
                   "loopCondition": "false", "loopOver": null}]});
    t.req(
        "workflowdefs.validate_null_loop",
        Method::POST,
        "/metadata/workflow/validate",
    )
    .json(null_loop.clone())
    .send()
    .await;
    t.req(
        "workflowdefs.register_null_cases",
        Method::POST,
        "/metadata/workflow",
    )
    .json(
        json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2,
        "tasks": [{"name": "s", "taskReferenceName": "s", "type": "SWITCH",
                   "evaluatorType": "value-param", "expression": "k", "decisionCases": null}]}),
    )
    .send()
    .await;
    t.req("workflow.start_null_loop", Method::POST, "/workflow")
        .json(json!({"name": n.no_flow, "workflowDef": null_loop}))
        .send()
        .await;
    // Refused before conductor-oss's code runs: an array for an object, an empty `@NotEmpty`
    // parameter, a missing body.
    t.req("tasks.update_array", Method::POST, "/tasks")
        .json(json!([]))
        .send()
        .await;
    t.req(
        "queue.polldata_empty_type",
        Method::GET,
        "/tasks/queue/polldata",
    )
    .q("taskType", "")
    .send()
    .await;
    t.req(
        "tasks.log_missing_body",
        Method::POST,
        "/tasks/{task_wf1}/log",
    )
    .send()
    .await;
    // An input in external storage the server never wrote cannot be downloaded.
    t.req(
        "workflow.start_external_input_missing",
        Method::POST,
        "/workflow",
    )
    .json(json!({"name": n.flow, "externalInputPayloadStoragePath": "wire/diff.json"}))
    .send()
    .await;
    // Numbers out of their bounds carry their value (`invalidValue`).
    t.req(
        "taskdefs.register_bad_numbers",
        Method::POST,
        "/metadata/taskdefs",
    )
    .json(
        json!([{"name": n.no_task, "ownerEmail": OWNER, "responseTimeoutSeconds": 0,
                  "pollTimeoutSeconds": -1, "backoffScaleFactor": 0}]),
    )
    .send()
    .await;
    t.req(
        "workflowdefs.validate_negative_timeout_and_delay",
        Method::POST,
        "/metadata/workflow/validate",
    )
    .json(
        json!({"name": n.no_flow, "ownerEmail": OWNER, "schemaVersion": 2,
                 "timeoutSeconds": -1,
                 "tasks": [{"name": "w", "taskReferenceName": "w", "type": "WAIT",
                            "startDelay": -1}]}),
    )
    .send()
    .await;
    // Names are `@NotEmpty`, not `@NotBlank`: spaces pass.
    t.req(
        "workflowdefs.validate_blank_names",
        Method::POST,
        "/metadata/workflow/validate",
    )
    .json(json!({"name": " ", "ownerEmail": OWNER, "schemaVersion": 2,
                 "tasks": [{"name": " ", "taskReferenceName": " ", "type": "WAIT"}]}))
    .send()
    .await;
}

/// A task result naming another workflow than its task's: conductor-oss applies it to the task
/// its id names and decides the named workflow, or leaves the task alone when the named workflow
/// has ended. The tasks are taken from their workflows, not polled (an update needs no poll),
/// so that no task left in the queue by an earlier step can be handed out instead.
async fn results_naming_another_workflow(t: &mut Target, n: &Names) {
    for (placeholder, x) in [("{xa}", 21), ("{xb}", 22), ("{xc}", 23)] {
        start(t, placeholder, &n.flow, json!({"x": x})).await;
    }
    for (workflow, task) in [("{xa}", "{xa_task}"), ("{xc}", "{xc_task}")] {
        let step = format!(
            "setup.{}_task",
            workflow.trim_matches(|c| c == '{' || c == '}')
        );
        let raw = t
            .req(&step, Method::GET, &format!("/workflow/{workflow}"))
            .send()
            .await;
        t.capture(&step, task, pointer(&raw, "/tasks/0/taskId"));
    }
    t.req("tasks.update_naming_other_running", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{xb}",
            "taskId": "{xa_task}",
            "status": "COMPLETED",
            "workerId": WORKER,
            "outputData": {"result": "by id"}
        }))
        .send()
        .await;
    t.req(
        "tasks.get_updated_through_other",
        Method::GET,
        "/tasks/{xa_task}",
    )
    .send()
    .await;
    t.req("workflow.get_named_other", Method::GET, "/workflow/{xb}")
        .q("includeTasks", "true")
        .send()
        .await;
    t.req("setup.terminate_xb", Method::DELETE, "/workflow/{xb}")
        .q("reason", "wire diff")
        .send()
        .await;
    t.req("tasks.update_naming_other_ended", Method::POST, "/tasks")
        .json(json!({
            "workflowInstanceId": "{xb}",
            "taskId": "{xc_task}",
            "status": "COMPLETED",
            "workerId": WORKER
        }))
        .send()
        .await;
    t.req(
        "tasks.get_left_by_ended_other",
        Method::GET,
        "/tasks/{xc_task}",
    )
    .send()
    .await;
    t.req("setup.terminate_xc", Method::DELETE, "/workflow/{xc}")
        .q("reason", "wire diff")
        .send()
        .await;
}
