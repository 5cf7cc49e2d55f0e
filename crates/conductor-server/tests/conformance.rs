//! The engine conformance suite: every JSON scenario under `tests/scenarios/` runs against a fresh
//! `DevServer` on a manual clock, over real HTTP.
//!
//! Scenario format (conductor-engine.md §6.4): `taskDefs`, `workflowDefs`, `harness` (register the
//! conductor-oss test-harness task definitions), then `steps`. Step kinds: `start`, `poll`,
//! `update`, `updateByRef`, `wait` (advance the clock, then sweep), `sweep`, `pause`, `resume`,
//! `terminate`, `retry`, `restart`, `rerun`, `skip`, `resetCallbacks`, `http` (raw request with an
//! expected status/body) and `expect` (subset match on the workflow). Matching: objects are
//! matched as subsets, arrays element-wise with equal length; `{"$contains": s}`,
//! `{"$startsWith": s}`, `{"$ref": name}` (a captured task id), `{"$absent": true}`,
//! `{"$ne": v}`, `{"$gte": n}` / `{"$lte": n}` are operators; task expectations accept the
//! aliases `ref`, `type`, `input`, `output`, and `as` captures the task id.
//!
//! Extensions for operators and system tasks: `expect` may carry `eventually: {timeoutSec}` (retried
//! until it matches, for the network worker's real-time work); `capture {taskRef, field, as}` reads
//! a task field (dotted path) into a variable and `use` switches the current workflow (e.g. to a
//! sub-workflow); the `as` step names the current workflow; `eventHandlers` registers handlers;
//! `mocks` starts a local HTTP server (wiremock) whose base URL replaces `{{mock}}` anywhere in the
//! scenario; `server: {scriptTimeLimitMs, openai}` configures the server (`openai: true` points the
//! LLM tasks at the mock server). `CONFORMANCE_FILTER=part` runs only matching scenario files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use conductor_server::{DevServer, ManualClock};
use serde_json::{Value, json};

struct Run {
    server: DevServer,
    http: reqwest::Client,
    workflow_id: Option<String>,
    vars: HashMap<String, String>,
    polled: HashMap<String, Value>,
}

type StepResult = Result<(), String>;

impl Run {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, text))
    }

    async fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> Result<String, String> {
        let (status, text) = self.call(method, path, body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{method} {path} answered {status}: {text}"));
        }
        Ok(text)
    }

    fn wf(&self) -> Result<&str, String> {
        self.workflow_id
            .as_deref()
            .ok_or_else(|| "no workflow started yet".to_owned())
    }

    async fn workflow(&self) -> Result<Value, String> {
        let text = self
            .ok("GET", &format!("/workflow/{}", self.wf()?), None)
            .await?;
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    fn resolve_vars(&self, value: &Value) -> Value {
        match value {
            Value::String(s) if s.starts_with('$') && self.vars.contains_key(&s[1..]) => {
                Value::String(self.vars[&s[1..]].clone())
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.resolve_vars(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.resolve_vars(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    async fn step(&mut self, step: &Value) -> StepResult {
        let obj = step.as_object().ok_or("a step must be an object")?;
        let (kind, args) = obj
            .iter()
            .find(|(k, _)| k.as_str() != "expect" && k.as_str() != "note")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .unwrap_or(("expect", Value::Null));
        let args = self.resolve_vars(&args);
        match kind {
            "start" => {
                let mut body = args.clone();
                if body.get("input").is_none() {
                    body["input"] = json!({});
                }
                let id = self.ok("POST", "/workflow", Some(&body)).await?;
                if let Some(name) = args.get("as").and_then(Value::as_str) {
                    self.vars.insert(name.to_owned(), id.clone());
                }
                self.workflow_id = Some(id);
            }
            "capture" => {
                let wf = self.workflow().await?;
                let field = args["field"].as_str().ok_or("capture needs field")?;
                if let Some(reference) = args.get("taskRef").and_then(Value::as_str) {
                    let task = wf["tasks"]
                        .as_array()
                        .and_then(|ts| {
                            ts.iter()
                                .rev()
                                .find(|t| t["referenceTaskName"] == reference)
                        })
                        .ok_or(format!("capture: no task {reference}"))?;
                    let value = field.split('.').fold(task, |v, k| &v[k]);
                    let text = value
                        .as_str()
                        .ok_or(format!("{field} of {reference} is not a string: {value}"))?
                        .to_owned();
                    self.vars.insert(
                        args["as"].as_str().ok_or("capture needs as")?.to_owned(),
                        text,
                    );
                    return Ok(());
                }
                let mut value = &wf[field];
                if let Some(key) = args.get("key").and_then(Value::as_str) {
                    value = &value[key];
                }
                let text = value
                    .as_str()
                    .ok_or(format!("{field} is not a string: {value}"))?
                    .to_owned();
                self.vars.insert(
                    args["as"].as_str().ok_or("capture needs as")?.to_owned(),
                    text,
                );
                return Ok(());
            }
            "use" => {
                let var = args.as_str().ok_or("use needs a variable name")?;
                self.workflow_id = Some(
                    self.vars
                        .get(var)
                        .cloned()
                        .ok_or(format!("unknown variable {var}"))?,
                );
            }
            "poll" => {
                let task_type = args["taskType"].as_str().ok_or("poll needs taskType")?;
                let mut path = format!("/tasks/poll/batch/{task_type}?count=1&timeout=0");
                if let Some(worker) = args.get("workerId").and_then(Value::as_str) {
                    path.push_str(&format!("&workerid={worker}"));
                }
                if let Some(domain) = args.get("domain").and_then(Value::as_str) {
                    path.push_str(&format!("&domain={domain}"));
                }
                let text = self.ok("GET", &path, None).await?;
                let tasks: Vec<Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                match obj.get("expect") {
                    Some(Value::String(s)) if s == "none" => {
                        if !tasks.is_empty() {
                            return Err(format!(
                                "expected no task, polled {}",
                                tasks[0]["referenceTaskName"]
                            ));
                        }
                    }
                    expected => {
                        let task = tasks
                            .first()
                            .ok_or_else(|| format!("poll of {task_type} returned nothing"))?;
                        if let Some(expected) = expected {
                            self.match_task(expected, task, "polled")?;
                        }
                        let reference = task["referenceTaskName"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        if let Some(name) = args.get("as").and_then(Value::as_str) {
                            self.vars.insert(
                                name.to_owned(),
                                task["taskId"].as_str().unwrap_or_default().to_owned(),
                            );
                        }
                        self.polled.insert(reference, task.clone());
                    }
                }
                return Ok(());
            }
            "update" => {
                let reference = args["polled"].as_str().ok_or("update needs `polled`")?;
                let task = self
                    .polled
                    .get(reference)
                    .ok_or(format!("task {reference} was not polled"))?;
                let body = json!({
                    "workflowInstanceId": task["workflowInstanceId"],
                    "taskId": task["taskId"],
                    "status": args["status"],
                    "outputData": args.get("output").cloned().unwrap_or(json!({})),
                    "reasonForIncompletion": args.get("reason").cloned().unwrap_or(Value::Null),
                    "callbackAfterSeconds": args.get("callbackAfterSeconds").cloned().unwrap_or(json!(0)),
                    "workerId": task.get("workerId").cloned().unwrap_or(Value::Null),
                    "extendLease": args.get("extendLease").cloned().unwrap_or(json!(false)),
                });
                self.ok("POST", "/tasks", Some(&body)).await?;
            }
            "updateByRef" => {
                let path = format!(
                    "/tasks/{}/{}/{}",
                    self.wf()?,
                    args["ref"].as_str().ok_or("updateByRef needs ref")?,
                    args["status"].as_str().ok_or("updateByRef needs status")?
                );
                self.ok(
                    "POST",
                    &path,
                    Some(&args.get("output").cloned().unwrap_or(json!({}))),
                )
                .await?;
            }
            "wait" => {
                let seconds = args["seconds"].as_f64().ok_or("wait needs seconds")?;
                self.server
                    .advance(Duration::from_millis((seconds * 1000.0) as u64));
                self.server.sweep_now();
            }
            "sweep" => {
                self.server.sweep_now();
            }
            "pause" => drop(
                self.ok("PUT", &format!("/workflow/{}/pause", self.wf()?), None)
                    .await?,
            ),
            "resume" => drop(
                self.ok("PUT", &format!("/workflow/{}/resume", self.wf()?), None)
                    .await?,
            ),
            "terminate" => {
                let reason = args
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("terminated");
                self.ok(
                    "DELETE",
                    &format!("/workflow/{}?reason={reason}", self.wf()?),
                    None,
                )
                .await?;
            }
            "retry" => drop(
                self.ok("POST", &format!("/workflow/{}/retry", self.wf()?), None)
                    .await?,
            ),
            "restart" => {
                let latest = args
                    .get("useLatestDefinitions")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let path = format!(
                    "/workflow/{}/restart?useLatestDefinitions={latest}",
                    self.wf()?
                );
                self.ok("POST", &path, None).await?;
            }
            "rerun" => {
                let mut body = json!({});
                if let Some(reference) = args.get("fromRef").and_then(Value::as_str) {
                    let wf = self.workflow().await?;
                    let task = wf["tasks"]
                        .as_array()
                        .and_then(|ts| {
                            ts.iter()
                                .rev()
                                .find(|t| t["referenceTaskName"] == reference)
                        })
                        .ok_or(format!("no task {reference} to rerun from"))?;
                    body["reRunFromTaskId"] = task["taskId"].clone();
                }
                for key in ["taskInput", "workflowInput", "correlationId"] {
                    if let Some(v) = args.get(key) {
                        body[key] = v.clone();
                    }
                }
                self.ok(
                    "POST",
                    &format!("/workflow/{}/rerun", self.wf()?),
                    Some(&body),
                )
                .await?;
            }
            "skip" => {
                let reference = args["ref"].as_str().ok_or("skip needs ref")?;
                let body = args.get("request").cloned();
                self.ok(
                    "PUT",
                    &format!("/workflow/{}/skiptask/{reference}", self.wf()?),
                    body.as_ref(),
                )
                .await?;
            }
            "resetCallbacks" => {
                self.ok(
                    "POST",
                    &format!("/workflow/{}/resetcallbacks", self.wf()?),
                    None,
                )
                .await?;
            }
            "registerTaskDefs" => drop(self.ok("POST", "/metadata/taskdefs", Some(&args)).await?),
            "registerWorkflow" => drop(
                self.ok("POST", "/metadata/workflow?overwrite=true", Some(&args))
                    .await?,
            ),
            "http" => {
                let method = args["method"].as_str().ok_or("http needs method")?;
                let path = args["path"]
                    .as_str()
                    .ok_or("http needs path")?
                    .replace("{wf}", self.wf().unwrap_or(""));
                let (status, text) = self.call(method, &path, args.get("body")).await?;
                if let Some(expected) = args.get("status").and_then(Value::as_u64) {
                    if u64::from(status) != expected {
                        return Err(format!(
                            "{method} {path}: expected status {expected}, got {status}: {text}"
                        ));
                    }
                }
                if let Some(expected) = args.get("response") {
                    let body: Value =
                        serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
                    self.matches(expected, &body, "response")?;
                }
                return Ok(());
            }
            "expect" => {}
            "as" => {
                let name = args.as_str().ok_or("as needs a name")?;
                let id = self.wf()?.to_owned();
                self.vars.insert(name.to_owned(), id);
            }
            other => return Err(format!("unknown step kind '{other}'")),
        }
        if let Some(expected) = obj.get("expect") {
            self.expect_workflow(expected).await?;
        }
        Ok(())
    }

    /// Matches the current workflow; with `eventually: {timeoutSec}`, retries until it matches
    /// (for work done by the network worker in real time).
    async fn expect_workflow(&mut self, expected: &Value) -> StepResult {
        let mut expected = expected.clone();
        let timeout = expected
            .as_object_mut()
            .and_then(|m| m.remove("eventually"))
            .map(|e| e["timeoutSec"].as_f64().unwrap_or(5.0));
        let deadline = tokio::time::Instant::now()
            + Duration::from_millis((timeout.unwrap_or(0.0) * 1000.0) as u64);
        loop {
            let wf = self.workflow().await?;
            match self.match_workflow(&expected, &wf) {
                Ok(()) => return Ok(()),
                Err(e) if timeout.is_none() || tokio::time::Instant::now() >= deadline => {
                    return Err(e);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn match_workflow(&mut self, expected: &Value, wf: &Value) -> StepResult {
        let expected = expected.as_object().ok_or("expect must be an object")?;
        for (key, want) in expected {
            match key.as_str() {
                "tasks" => {
                    let tasks = wf["tasks"].as_array().cloned().unwrap_or_default();
                    if let Some(by_ref) = want.get("byRef").and_then(Value::as_object) {
                        for (reference, want_task) in by_ref {
                            let task = tasks
                                .iter()
                                .rev()
                                .find(|t| t["referenceTaskName"] == reference.as_str())
                                .ok_or(format!("no task {reference}"))?;
                            self.match_task(want_task, task, &format!("task {reference}"))?;
                        }
                        continue;
                    }
                    let want = want.as_array().ok_or("tasks must be a list or {byRef}")?;
                    if want.len() != tasks.len() {
                        let refs: Vec<String> = tasks
                            .iter()
                            .map(|t| {
                                format!(
                                    "{}:{}",
                                    t["referenceTaskName"].as_str().unwrap_or("?"),
                                    t["status"].as_str().unwrap_or("?")
                                )
                            })
                            .collect();
                        return Err(format!(
                            "expected {} tasks, found {}: {refs:?}",
                            want.len(),
                            tasks.len()
                        ));
                    }
                    for (i, (w, t)) in want.iter().zip(tasks.iter()).enumerate() {
                        self.match_task(w, t, &format!("tasks[{i}]"))?;
                    }
                }
                "taskCount" => {
                    let n = wf["tasks"].as_array().map_or(0, Vec::len);
                    if Some(n as u64) != want.as_u64() {
                        return Err(format!("expected {want} tasks, found {n}"));
                    }
                }
                _ => self.matches(want, &wf[key.as_str()], key)?,
            }
        }
        Ok(())
    }

    fn match_task(&mut self, expected: &Value, task: &Value, at: &str) -> StepResult {
        let expected = expected
            .as_object()
            .ok_or(format!("{at}: task expectation must be an object"))?;
        for (key, want) in expected {
            let field = match key.as_str() {
                "ref" => "referenceTaskName",
                "type" => "taskType",
                "input" => "inputData",
                "output" => "outputData",
                "as" => {
                    let name = want.as_str().ok_or("`as` needs a name")?;
                    self.vars.insert(
                        name.to_owned(),
                        task["taskId"].as_str().unwrap_or_default().to_owned(),
                    );
                    continue;
                }
                other => other,
            };
            self.matches(want, &task[field], &format!("{at}.{field}"))?;
        }
        Ok(())
    }

    fn matches(&self, want: &Value, got: &Value, at: &str) -> StepResult {
        if let Some(ops) = want
            .as_object()
            .filter(|m| m.keys().any(|k| k.starts_with('$')))
        {
            for (op, arg) in ops {
                let ok = match op.as_str() {
                    "$contains" => got
                        .as_str()
                        .is_some_and(|s| s.contains(arg.as_str().unwrap_or(""))),
                    "$startsWith" => got
                        .as_str()
                        .is_some_and(|s| s.starts_with(arg.as_str().unwrap_or(""))),
                    "$ref" => {
                        let var = arg.as_str().unwrap_or("");
                        self.vars
                            .get(var)
                            .is_some_and(|v| got.as_str() == Some(v.as_str()))
                    }
                    "$notRef" => {
                        let var = arg.as_str().unwrap_or("");
                        self.vars
                            .get(var)
                            .is_some_and(|v| got.as_str() != Some(v.as_str()))
                    }
                    "$absent" => got.is_null() == arg.as_bool().unwrap_or(true),
                    "$ne" => got != arg,
                    "$gte" => got.as_f64().zip(arg.as_f64()).is_some_and(|(g, a)| g >= a),
                    "$lte" => got.as_f64().zip(arg.as_f64()).is_some_and(|(g, a)| g <= a),
                    "$len" => {
                        got.as_array().map(Vec::len) == arg.as_u64().map(|n| n as usize)
                            || got.as_object().map(serde_json::Map::len)
                                == arg.as_u64().map(|n| n as usize)
                    }
                    other => return Err(format!("{at}: unknown operator {other}")),
                };
                if !ok {
                    return Err(format!("{at}: {op} {arg} does not hold for {got}"));
                }
            }
            return Ok(());
        }
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (k, v) in w {
                    self.matches(v, g.get(k).unwrap_or(&Value::Null), &format!("{at}.{k}"))?;
                }
                Ok(())
            }
            (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
                for (i, (a, b)) in w.iter().zip(g.iter()).enumerate() {
                    self.matches(a, b, &format!("{at}[{i}]"))?;
                }
                Ok(())
            }
            (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
            (w, g) if w == g => Ok(()),
            (w, g) => Err(format!("{at}: expected {w}, got {g}")),
        }
    }
}

fn harness_task_defs() -> Value {
    // conductor-oss test-harness WorkflowTestUtil: integration_task_0..20 (1 retry, 120 s timeouts),
    // integration_task_0_RT_0..4 (no retries), task_rt (response timeout 10 s, no retry delay).
    let mut defs = Vec::new();
    for i in 0..=20 {
        defs.push(json!({"name": format!("integration_task_{i}"), "retryCount": 1, "timeoutSeconds": 120, "responseTimeoutSeconds": 120}));
    }
    for i in 0..=4 {
        defs.push(json!({"name": format!("integration_task_0_RT_{i}"), "retryCount": 0, "timeoutSeconds": 120, "responseTimeoutSeconds": 120}));
    }
    defs.push(json!({"name": "short_time_out", "retryCount": 1, "timeoutSeconds": 5, "responseTimeoutSeconds": 5}));
    defs.push(json!({"name": "task_rt", "retryCount": 1, "timeoutSeconds": 120, "retryDelaySeconds": 0, "responseTimeoutSeconds": 10}));
    Value::Array(defs)
}

async fn run_scenario(path: &PathBuf) -> Result<usize, String> {
    let mut text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let raw: Value = serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))?;
    // `mocks`: a local HTTP server (wiremock) answering fixed responses; `{{mock}}` in the
    // scenario is its base URL.
    let mock = match raw.get("mocks").and_then(Value::as_array) {
        Some(mocks) => {
            let server = wiremock::MockServer::start().await;
            for m in mocks {
                let method = m["method"].as_str().unwrap_or("GET");
                let mut response =
                    wiremock::ResponseTemplate::new(m["status"].as_u64().unwrap_or(200) as u16);
                match &m["body"] {
                    Value::Null => {}
                    Value::String(s) => response = response.set_body_string(s.clone()),
                    other => response = response.set_body_json(other.clone()),
                }
                if let Some(delay) = m["delayMs"].as_u64() {
                    response = response.set_delay(Duration::from_millis(delay));
                }
                let mut mock = wiremock::Mock::given(wiremock::matchers::method(method))
                    .and(wiremock::matchers::path(m["path"].as_str().unwrap_or("/")));
                if let Some(header) = m["withHeader"].as_object() {
                    for (k, v) in header {
                        mock = mock.and(wiremock::matchers::header(
                            k.as_str(),
                            v.as_str().unwrap_or(""),
                        ));
                    }
                }
                if let Some(body) = m.get("withBodyPartial") {
                    mock = mock.and(wiremock::matchers::body_partial_json(body.clone()));
                }
                let mock = mock.respond_with(response);
                if let Some(times) = m["upTo"].as_u64() {
                    mock.up_to_n_times(times).mount(&server).await;
                } else {
                    mock.mount(&server).await;
                }
            }
            text = text.replace("{{mock}}", &server.uri());
            Some(server)
        }
        None => None,
    };
    let scenario: Value = serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))?;
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let mut builder = DevServer::builder().manual_clock(clock);
    if let Some(ms) = scenario
        .pointer("/server/scriptTimeLimitMs")
        .and_then(Value::as_u64)
    {
        builder = builder.script_time_limit(Duration::from_millis(ms));
    }
    if let (Some(server), Some(true)) = (
        &mock,
        scenario.pointer("/server/openai").and_then(Value::as_bool),
    ) {
        builder = builder.openai(server.uri(), Some("test-key".to_owned()));
    }
    let server = builder.start().await.map_err(|e| e.to_string())?;
    let mut run = Run {
        server,
        http: reqwest::Client::new(),
        workflow_id: None,
        vars: HashMap::new(),
        polled: HashMap::new(),
    };
    if scenario
        .get("harness")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        run.ok("POST", "/metadata/taskdefs", Some(&harness_task_defs()))
            .await?;
    }
    if let Some(defs) = scenario.get("taskDefs") {
        run.ok("POST", "/metadata/taskdefs", Some(defs)).await?;
    }
    for handler in scenario
        .get("eventHandlers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        run.ok("POST", "/event", Some(&handler)).await?;
    }
    for def in scenario
        .get("workflowDefs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        run.ok("POST", "/metadata/workflow?overwrite=true", Some(&def))
            .await?;
    }
    let steps = scenario["steps"].as_array().cloned().unwrap_or_default();
    let mut expectations = 0;
    for (i, step) in steps.iter().enumerate() {
        if step.get("expect").is_some() || step.get("http").is_some() {
            expectations += 1;
        }
        run.step(step).await.map_err(|e| {
            format!(
                "step {i} ({}): {e}",
                step.to_string().chars().take(120).collect::<String>()
            )
        })?;
    }
    run.server.shutdown().await;
    drop(mock);
    Ok(expectations)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_scenarios() {
    // reqwest is built without a default TLS provider in this workspace; plain HTTP still needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenario directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // `CONFORMANCE_FILTER=fj` runs only the scenarios whose file name contains `fj`.
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    if let Some(filter) = &filter {
        files.retain(|f| f.to_string_lossy().contains(filter.as_str()));
    }
    assert!(
        filter.is_some() || files.len() >= 150,
        "expected at least 150 scenarios, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match run_scenario(file).await {
            Ok(0) => failures.push(format!("{name}: has no expectations")),
            Ok(_) => {}
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
