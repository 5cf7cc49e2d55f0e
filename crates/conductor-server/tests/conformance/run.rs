//! One scenario run: the steps, driven over HTTP against the embedded server (manual clock) or
//! a real conductor-oss (real time: `wait` sleeps, `sweep` asks the server to decide, and
//! expectations and polls are retried until they hold or a deadline passes).

use std::collections::HashMap;
use std::time::Duration;

use conductor_server::DevServer;
use serde_json::{Value, json};

use crate::matching::{match_task, match_workflow, matches};

type StepResult = Result<(), String>;

/// How long a real server gets to reach an expected state (async system tasks, JOINs, event
/// handlers, queue pushes all happen on its own threads).
const REAL_PATIENCE: Duration = Duration::from_secs(10);

pub struct Run {
    pub base: String,
    /// The embedded server; `None` on a real server.
    pub server: Option<DevServer>,
    pub http: reqwest::Client,
    pub workflow_id: Option<String>,
    pub vars: HashMap<String, String>,
    polled: HashMap<String, Value>,
    /// Every workflow the scenario started or switched to, decided on `sweep` / `wait`.
    workflows: Vec<String>,
}

impl Run {
    pub fn new(base: String, server: Option<DevServer>) -> Run {
        Run {
            base,
            server,
            // A request a server leaves unanswered this long fails its scenario.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            workflow_id: None,
            vars: HashMap::new(),
            polled: HashMap::new(),
            workflows: Vec::new(),
        }
    }

    fn real(&self) -> bool {
        self.server.is_none()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let retry = request.try_clone();
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        // conductor-oss on SQLite answers 500 SQLITE_BUSY when concurrent writers collide (the
        // transaction is rolled back): the harness retries, as a client of a busy server would.
        if status == 500
            && text.contains("SQLITE_BUSY")
            && let Some(retry) = retry
        {
            for attempt in 1..=20u64 {
                tokio::time::sleep(Duration::from_millis((50 * attempt).min(500))).await;
                let request = retry.try_clone().ok_or("request cannot be retried")?;
                let response = request.send().await.map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let text = response.text().await.map_err(|e| e.to_string())?;
                if !(status == 500 && text.contains("SQLITE_BUSY")) {
                    return Ok((status, text));
                }
            }
        }
        Ok((status, text))
    }

    pub async fn ok(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, String> {
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

    fn switch_to(&mut self, id: String) {
        if !self.workflows.contains(&id) {
            self.workflows.push(id.clone());
        }
        self.workflow_id = Some(id);
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

    /// Real servers: runs the decider on every workflow the scenario knows, as the sweeper
    /// would once their decider-queue offset passes. Embedded: one sweep.
    async fn sweep(&self) -> StepResult {
        match &self.server {
            Some(server) => drop(server.sweep_now()),
            None => {
                for id in &self.workflows {
                    self.ok("PUT", &format!("/workflow/decide/{id}"), None)
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub async fn step(&mut self, step: &Value) -> StepResult {
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
                if let Some(map) = body.as_object_mut() {
                    map.remove("as");
                }
                let id = self.ok("POST", "/workflow", Some(&body)).await?;
                if let Some(name) = args.get("as").and_then(Value::as_str) {
                    self.vars.insert(name.to_owned(), id.clone());
                }
                self.switch_to(id);
            }
            "capture" => return self.capture(&args).await,
            "use" => {
                let var = args.as_str().ok_or("use needs a variable name")?;
                let id = self
                    .vars
                    .get(var)
                    .cloned()
                    .ok_or(format!("unknown variable {var}"))?;
                self.switch_to(id);
            }
            "poll" => return self.poll(&args, obj.get("expect")).await,
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
                let duration = Duration::from_millis((seconds * 1000.0) as u64);
                match &self.server {
                    Some(server) => drop(server.advance(duration)),
                    None => tokio::time::sleep(duration).await,
                }
                self.sweep().await?;
            }
            "sweep" => self.sweep().await?,
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
            "retry" => {
                let resume = args
                    .get("resumeSubworkflowTasks")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let path = format!(
                    "/workflow/{}/retry?resumeSubworkflowTasks={resume}",
                    self.wf()?
                );
                self.ok("POST", &path, None).await?;
            }
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
                    let task = last_task(&wf, reference)
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
            "http" => return self.http_step(&args).await,
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

    async fn capture(&mut self, args: &Value) -> StepResult {
        let field = args["field"].as_str().ok_or("capture needs field")?;
        let name = args["as"].as_str().ok_or("capture needs as")?.to_owned();
        // On a real server the value may appear a moment later (a sub-workflow id is set by the
        // system-task worker): retry until it is a string.
        let deadline = tokio::time::Instant::now() + self.patience();
        loop {
            let wf = self.workflow().await?;
            let value = if let Some(reference) = args.get("taskRef").and_then(Value::as_str) {
                let task = last_task(&wf, reference);
                task.map(|t| field.split('.').fold(t, |v, k| &v[k]).clone())
                    .ok_or(format!("capture: no task {reference}"))
            } else {
                let mut value = &wf[field];
                if let Some(key) = args.get("key").and_then(Value::as_str) {
                    value = &value[key];
                }
                Ok(value.clone())
            };
            match value {
                Ok(Value::String(text)) => {
                    self.vars.insert(name, text);
                    return Ok(());
                }
                Ok(other) if tokio::time::Instant::now() >= deadline => {
                    return Err(format!("{field} is not a string: {other}"));
                }
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    fn patience(&self) -> Duration {
        if self.real() {
            REAL_PATIENCE
        } else {
            Duration::ZERO
        }
    }

    async fn poll(&mut self, args: &Value, expected: Option<&Value>) -> StepResult {
        let task_type = args["taskType"].as_str().ok_or("poll needs taskType")?;
        let mut path = format!("/tasks/poll/batch/{task_type}?count=1&timeout=0");
        if let Some(worker) = args.get("workerId").and_then(Value::as_str) {
            path.push_str(&format!("&workerid={worker}"));
        }
        if let Some(domain) = args.get("domain").and_then(Value::as_str) {
            path.push_str(&format!("&domain={domain}"));
        }
        let expect_none = matches!(expected, Some(Value::String(s)) if s == "none");
        // A real server may push the task a moment later (after an async system task, a JOIN,
        // or a retry delay measured on its own clock): poll until something comes.
        let deadline = tokio::time::Instant::now() + self.patience();
        let tasks = loop {
            let text = self.ok("GET", &path, None).await?;
            let tasks: Vec<Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if expect_none || !tasks.is_empty() || tokio::time::Instant::now() >= deadline {
                break tasks;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if expect_none {
            if let Some(task) = tasks.first() {
                return Err(format!(
                    "expected no task, polled {}",
                    task["referenceTaskName"]
                ));
            }
            return Ok(());
        }
        let task = tasks
            .first()
            .ok_or_else(|| format!("poll of {task_type} returned nothing"))?;
        if let Some(expected) = expected {
            match_task(&mut self.vars, expected, task, "polled")?;
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
        if let Some(name) = args.get("asWorkflow").and_then(Value::as_str) {
            self.vars.insert(
                name.to_owned(),
                task["workflowInstanceId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        self.polled.insert(reference, task.clone());
        Ok(())
    }

    async fn http_step(&mut self, args: &Value) -> StepResult {
        let method = args["method"].as_str().ok_or("http needs method")?;
        let mut path = args["path"]
            .as_str()
            .ok_or("http needs path")?
            .replace("{wf}", self.wf().unwrap_or(""));
        // `{$name}` in a path is a captured variable (a task id from `poll ... as`, a workflow
        // id from `start ... as`).
        for (name, value) in &self.vars {
            path = path.replace(&format!("{{${name}}}"), value);
        }
        // Reads may be retried on a real server until they answer as expected (for
        // `eventuallySec` seconds, on any server, when given).
        let patience = if method == "GET" {
            let given = args
                .get("eventuallySec")
                .and_then(Value::as_f64)
                .map(Duration::from_secs_f64)
                .unwrap_or_default();
            self.patience().max(given)
        } else {
            Duration::ZERO
        };
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let (status, text) = self.call(method, &path, args.get("body")).await?;
            let outcome = self.check_response(args, method, &path, status, &text);
            match outcome {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    fn check_response(
        &self,
        args: &Value,
        method: &str,
        path: &str,
        status: u16,
        text: &str,
    ) -> StepResult {
        if let Some(expected) = args.get("status").and_then(Value::as_u64)
            && u64::from(status) != expected
        {
            return Err(format!(
                "{method} {path}: expected status {expected}, got {status}: {text}"
            ));
        }
        if let Some(expected) = args.get("response") {
            let body: Value = serde_json::from_str(text).unwrap_or(Value::String(text.to_owned()));
            matches(&self.vars, expected, &body, "response")?;
        }
        Ok(())
    }

    /// Matches the current workflow; retried until it matches when `eventually: {timeoutSec}`
    /// is given (the embedded network worker's real-time work) and always on a real server.
    async fn expect_workflow(&mut self, expected: &Value) -> StepResult {
        let mut expected = expected.clone();
        let timeout = expected
            .as_object_mut()
            .and_then(|m| m.remove("eventually"))
            .map(|e| Duration::from_secs_f64(e["timeoutSec"].as_f64().unwrap_or(5.0)))
            .unwrap_or_default()
            .max(self.patience());
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let wf = self.workflow().await?;
            match match_workflow(&mut self.vars, &expected, &wf) {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    // `CONFORMANCE_VERBOSE=1`: show the whole workflow that did not match.
                    if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                        return Err(format!("{e}\n{}", describe(&wf)));
                    }
                    return Err(format!("{e} (workflow {})", self.wf()?));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

/// A workflow in a few lines, for `CONFORMANCE_VERBOSE` failure reports.
fn describe(wf: &Value) -> String {
    let mut out = format!(
        "    workflow {} {} reason={} output={}\n",
        wf["workflowId"], wf["status"], wf["reasonForIncompletion"], wf["output"]
    );
    let tasks = wf["tasks"].as_array().cloned().unwrap_or_default();
    if tasks.len() > 16 {
        out.push_str(&format!("      ... {} earlier tasks\n", tasks.len() - 16));
    }
    for task in tasks.iter().skip(tasks.len().saturating_sub(16)) {
        out.push_str(&format!(
            "      {} {} {} retryCount={} pollCount={} callback={} reason={} input={} output={}\n",
            task["referenceTaskName"],
            task["taskType"],
            task["status"],
            task["retryCount"],
            task["pollCount"],
            task["callbackAfterSeconds"],
            task["reasonForIncompletion"],
            task["inputData"]
                .to_string()
                .chars()
                .take(200)
                .collect::<String>(),
            task["outputData"]
                .to_string()
                .chars()
                .take(300)
                .collect::<String>(),
        ));
    }
    out
}

fn last_task<'a>(wf: &'a Value, reference: &str) -> Option<&'a Value> {
    wf["tasks"]
        .as_array()?
        .iter()
        .rev()
        .find(|t| t["referenceTaskName"] == reference)
}
