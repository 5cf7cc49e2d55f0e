//! The network worker: runs HTTP, HTTP_POLL and the LLM tasks outside the engine lock
//! (conductor-oss `AsyncSystemTaskExecutor` + `HttpTask`; the LLM tasks call an
//! OpenAI-compatible endpoint).
//!
//! One loop per task type pops the type's queue (the decider queued the task when it scheduled
//! it), marks the task IN_PROGRESS, performs the call on its own tokio task and reports the
//! outcome back through [`Exec::complete_network_task`], which decides the workflow.
//!
//! The calls are tracked ([`Background`](super::offload::Background)): shutdown waits for them
//! up to a grace period, then cancels them. Popping a task leaves its message in the queue,
//! invisible for a lease (the task's response timeout), as conductor-oss leaves an unacked
//! message: a call that never reports (cancelled at shutdown, or lost in a crash) is run again
//! once the lease ends, also after a restart on the same database. The outcome removes the
//! message.

use std::sync::Arc;
use std::time::Duration;

use conductor_models::{JsonMap, Task, TaskStatus};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::executor::Exec;
use super::script;
use super::task_defs::task_def_of;
use super::tasks::{NetworkKind, network_kind};
use super::{Engine, LlmSettings, Settings};
use crate::clock::{millis_duration, secs_to_millis};
use crate::queue::queue_name;

/// What a network call produced.
#[derive(Debug, Clone)]
pub(crate) struct NetworkOutcome {
    status: TaskStatus,
    output: JsonMap,
    reason: Option<String>,
    /// Run again after this many seconds (HTTP_POLL whose condition does not hold yet).
    again_after_secs: Option<i64>,
}

impl NetworkOutcome {
    fn failed(reason: impl Into<String>, output: JsonMap) -> Self {
        Self {
            status: TaskStatus::Failed,
            output,
            reason: Some(reason.into()),
            again_after_secs: None,
        }
    }
}

/// Default `connectionTimeOut` / `readTimeOut` of the HTTP task, in milliseconds.
const DEFAULT_HTTP_TIMEOUT_MS: u64 = 3000;
/// How many tasks of a type one loop pops at a time.
const BATCH: usize = 10;
/// The longest a worker loop sleeps without looking at its queue.
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// The lease of a popped task whose definition has no response timeout, in seconds
/// (conductor-oss's default `responseTimeoutSeconds`).
const DEFAULT_LEASE_SECS: i64 = 3600;

impl Exec<'_> {
    /// Pops up to `count` visible tasks of a network type and marks them IN_PROGRESS.
    pub(crate) fn poll_network(&mut self, task_type: &str, count: usize) -> Vec<Task> {
        let queue = queue_name(task_type, None);
        let ids = self.store.queues.pop(&queue, count, self.now);
        let mut out = Vec::new();
        for id in ids {
            let Some(wf_id) = self.store.workflow_of_task(&id).map(str::to_owned) else {
                continue;
            };
            let now = self.now;
            let Some(wf) = self.store.workflows.get_mut(&wf_id) else {
                continue;
            };
            if wf.status.is_terminal() {
                continue;
            }
            let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == id) else {
                continue;
            };
            if task.status.is_terminal() {
                continue;
            }
            task.status = TaskStatus::InProgress;
            if task.start_time == 0 {
                task.start_time = now;
            }
            task.poll_count += 1;
            task.update_time = now;
            task.worker_id = Some("conductor-server".to_owned());
            let task = task.clone();
            // The lease: the message comes back if no outcome removes it by then.
            let lease = task_def_of(&task, self.store)
                .map(|td| td.response_timeout_seconds)
                .filter(|secs| *secs > 0)
                .unwrap_or(DEFAULT_LEASE_SECS);
            self.store.queues.push(
                &queue,
                &task.task_id,
                task.workflow_priority,
                now + secs_to_millis(lease),
            );
            out.push(task);
        }
        out
    }

    /// Applies a network call's outcome and decides the workflow.
    pub(crate) fn complete_network_task(&mut self, task_id: &str, outcome: NetworkOutcome) {
        let Some(wf_id) = self.store.workflow_of_task(task_id).map(str::to_owned) else {
            return;
        };
        let now = self.now;
        let Some(wf) = self.store.workflows.get_mut(&wf_id) else {
            return;
        };
        if wf.status.is_terminal() {
            return;
        }
        let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == task_id) else {
            return;
        };
        if task.status.is_terminal() {
            return;
        }
        // The lease's message: the outcome replaces it (or, when the task is done, drops it).
        let queue = queue_name(&task.task_type, None);
        self.store.queues.remove(&queue, task_id);
        task.status = outcome.status;
        task.output_data = outcome.output;
        task.reason_for_incompletion = outcome.reason;
        task.update_time = now;
        let snapshot = task.clone();
        if snapshot.status.is_terminal() {
            task.end_time = now;
            self.decide(&wf_id);
        } else if let Some(secs) = outcome.again_after_secs {
            task.callback_after_seconds = secs;
            let requeue = task.clone();
            self.queue_task(&requeue);
            self.refresh_sweep_due(&wf_id);
        }
    }
}

impl Engine {
    /// Runs one loop per network task type until `stop` turns true.
    pub(crate) fn spawn_network_workers(
        self: &Arc<Self>,
        stop: watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        self.network_types()
            .into_iter()
            .map(|task_type| {
                let engine = self.clone();
                let stop = stop.clone();
                tokio::spawn(async move { engine.network_loop(task_type, stop).await })
            })
            .collect()
    }

    async fn network_loop(
        self: Arc<Self>,
        task_type: &'static str,
        mut stop: watch::Receiver<bool>,
    ) {
        let queue = queue_name(task_type, None);
        let notify = self.waiter(&queue);
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let visible = self.read(|e| {
                (
                    e.store.queues.next_visible_at(&queue).map(|at| at - e.now),
                    e.now,
                )
            });
            let tasks = match visible.0 {
                Some(in_ms) if in_ms <= 0 => self.with(|e| e.poll_network(task_type, BATCH)),
                _ => Vec::new(),
            };
            for task in tasks {
                let engine = self.clone();
                // Cancelled at shutdown after the grace period: the task stays IN_PROGRESS and
                // its leased message brings it back.
                self.background().spawn(async move {
                    let settings = engine.settings().clone();
                    let outcome = run(&settings, &task).await;
                    engine.with(|e| e.complete_network_task(&task.task_id, outcome));
                });
            }
            let wait = match visible.0 {
                Some(in_ms) if in_ms > 0 => millis_duration(in_ms).min(IDLE_WAIT),
                Some(_) => Duration::ZERO,
                None => IDLE_WAIT,
            };
            if wait.is_zero() {
                tokio::task::yield_now().await;
                if *stop.borrow() {
                    break;
                }
                continue;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    }
}

/// Runs one network task.
async fn run(settings: &Settings, task: &Task) -> NetworkOutcome {
    match network_kind(&task.task_type) {
        Some(NetworkKind::Http) => http_task(task, false, settings).await,
        Some(NetworkKind::HttpPoll) => http_task(task, true, settings).await,
        Some(NetworkKind::ChatCompletion) => llm_chat(settings.llm.as_ref(), task).await,
        Some(NetworkKind::Embeddings) => llm_embeddings(settings.llm.as_ref(), task).await,
        Some(NetworkKind::UnsupportedAi) | None => NetworkOutcome::failed(
            format!(
                "Task type {} is not supported by this server (no vector database integration)",
                task.task_type
            ),
            JsonMap::new(),
        ),
    }
}

fn client(connect: Duration, read: Duration) -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?;
    let mut tls = {
        use rustls_platform_verifier::BuilderVerifierExt;
        match builder.clone().with_platform_verifier() {
            Ok(b) => b.with_no_client_auth(),
            Err(_) => builder
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        }
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(connect)
        .read_timeout(read)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

fn millis_input(request: &JsonMap, key: &str) -> Duration {
    let ms = request
        .get(key)
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .filter(|ms| *ms > 0)
        .unwrap_or(DEFAULT_HTTP_TIMEOUT_MS);
    Duration::from_millis(ms)
}

/// The HTTP response as the task reports it (`HttpTask.HttpResponse`).
fn response_json(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> Value {
    let mut header_map = JsonMap::new();
    for (name, value) in headers {
        let entry = header_map
            .entry(name.as_str().to_owned())
            .or_insert_with(|| json!([]));
        if let Value::Array(values) = entry {
            values.push(json!(value.to_str().unwrap_or_default()));
        }
    }
    let parsed_body = match serde_json::from_str::<Value>(body) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        Ok(Value::Number(n)) => json!(n.as_f64()),
        Ok(Value::String(s)) => json!(s),
        Ok(other) => json!(other.to_string()),
        Err(_) => json!(body),
    };
    json!({
        "body": parsed_body,
        "headers": header_map,
        "statusCode": status.as_u16(),
        "reasonPhrase": status.canonical_reason().unwrap_or(""),
    })
}

/// HTTP and HTTP_POLL.
async fn http_task(task: &Task, poll: bool, settings: &Settings) -> NetworkOutcome {
    let request = match task.input_data.get("http_request") {
        Some(Value::Object(map)) => map.clone(),
        _ => task.input_data.clone(),
    };
    let (builder, uri) = match http_request(&request) {
        Ok(built) => built,
        Err(reason) => return NetworkOutcome::failed(reason, JsonMap::new()),
    };
    let output = match send(builder, &uri).await {
        Ok(output) => output,
        Err(message) => {
            let text = format!("java.lang.Exception: {message}");
            let mut output = JsonMap::new();
            output.insert("response".into(), json!(text));
            return NetworkOutcome::failed(
                format!("Failed to invoke HTTP task due to: {text}"),
                output,
            );
        }
    };
    if !poll {
        let async_complete = task
            .workflow_task
            .as_ref()
            .is_some_and(|wt| wt.async_complete)
            || task
                .input_data
                .get("asyncComplete")
                .and_then(Value::as_bool)
                == Some(true);
        return NetworkOutcome {
            status: if async_complete {
                TaskStatus::InProgress
            } else {
                TaskStatus::Completed
            },
            output,
            reason: None,
            again_after_secs: None,
        };
    }
    // The termination condition is a script (up to its time limit): not on an async thread.
    let (task, limits) = (task.clone(), settings.script);
    tokio::task::spawn_blocking(move || poll_outcome(&task, &request, output, limits))
        .await
        .unwrap_or_else(|error| {
            NetworkOutcome::failed(
                format!("Unable to evaluate terminationCondition: {error}"),
                JsonMap::new(),
            )
        })
}

/// The request an HTTP task's input describes, and its URI; the task's reason for failing when
/// the input is incomplete (conductor-oss's messages).
fn http_request(request: &JsonMap) -> Result<(reqwest::RequestBuilder, String), String> {
    let text = |k: &str| {
        request
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let Some(uri) = text("uri") else {
        return Err(
            "Missing HTTP URI. See documentation for HttpTask for required input parameters"
                .to_owned(),
        );
    };
    let Some(method) = text("method") else {
        return Err("No HTTP method specified".to_owned());
    };
    let Ok(method) = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
        return Err(format!("Invalid HTTP method: {method}"));
    };
    let http = client(
        millis_input(request, "connectionTimeOut"),
        millis_input(request, "readTimeOut"),
    )?;
    let content_type = text("contentType").unwrap_or_else(|| "application/json".to_owned());
    let accept = match request.get("accept") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "application/json".to_owned(),
    };
    let mut builder = http
        .request(method, &uri)
        .header(reqwest::header::ACCEPT, accept);
    if let Some(Value::Object(headers)) = request.get("headers") {
        for (name, value) in headers {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            builder = builder.header(name.as_str(), value);
        }
    }
    match request.get("body") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if !content_type.contains("json") => {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(s.clone());
        }
        Some(body) => {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.to_string());
        }
    }
    Ok((builder, uri))
}

/// Sends the request; the task's output (`response`) on a 2xx, else what went wrong, as
/// conductor-oss's `HttpTask` words it.
async fn send(builder: reqwest::RequestBuilder, uri: &str) -> Result<JsonMap, String> {
    let response = builder
        .send()
        .await
        .map_err(|error| format!("I/O error on request to {uri}: {error}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .text()
        .await
        .map_err(|error| format!("I/O error reading the response of {uri}: {error}"))?;
    if !status.is_success() {
        return Err(format!(
            "{} {}: \"{body}\"",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ));
    }
    let mut output = JsonMap::new();
    output.insert("response".into(), response_json(status, &headers, &body));
    Ok(output)
}

/// HTTP_POLL: done when `terminationCondition` holds for `$.output.response`, else polled again.
fn poll_outcome(
    task: &Task,
    request: &JsonMap,
    output: JsonMap,
    limits: script::ScriptLimits,
) -> NetworkOutcome {
    let condition = request
        .get("terminationCondition")
        .and_then(Value::as_str)
        .unwrap_or("true");
    let bindings = json!({"output": output, "input": request, "pollCount": task.poll_count});
    let done = match script::eval(condition, &bindings, limits) {
        Ok(v) => script::truthy(&v),
        Err(error) => {
            return NetworkOutcome::failed(
                format!("Unable to evaluate terminationCondition {condition}: {error}"),
                output,
            );
        }
    };
    let mut output = output;
    output.insert("pollCount".into(), json!(task.poll_count));
    if done {
        return NetworkOutcome {
            status: TaskStatus::Completed,
            output,
            reason: None,
            again_after_secs: None,
        };
    }
    let number = |k: &str| {
        request.get(k).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    if let Some(max) = number("maxPollCount").filter(|m| *m > 0)
        && i64::from(task.poll_count) >= max
    {
        return NetworkOutcome::failed(
            format!("The termination condition did not hold after {max} polls"),
            output,
        );
    }
    let interval = number("pollingInterval").unwrap_or(60).max(0);
    let n = u32::try_from(task.poll_count.max(1)).unwrap_or(1);
    let delay = match request.get("pollingStrategy").and_then(Value::as_str) {
        Some("LINEAR_BACKOFF") => interval.saturating_mul(i64::from(n)),
        Some("EXPONENTIAL_BACKOFF") => {
            interval.saturating_mul(2i64.checked_pow(n - 1).unwrap_or(i64::MAX))
        }
        _ => interval,
    };
    NetworkOutcome {
        status: TaskStatus::InProgress,
        output,
        reason: None,
        again_after_secs: Some(delay),
    }
}

/// The reason LLM tasks fail on a server without an endpoint.
const NO_AI: &str = "no AI integration configured: set CONDUCTOR_SERVER_OPENAI_BASE_URL (and CONDUCTOR_SERVER_OPENAI_API_KEY) to run LLM tasks on this server";

async fn post_llm(llm: &LlmSettings, path: &str, body: Value) -> Result<Value, String> {
    let http = client(Duration::from_secs(10), Duration::from_secs(120))?;
    let url = format!("{}{path}", llm.base_url.trim_end_matches('/'));
    let mut request = http.post(&url).json(&body);
    if let Some(key) = &llm.api_key {
        request = request.bearer_auth(key);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("LLM call to {url} failed: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("LLM call to {url} failed: {e}"))?;
    if !status.is_success() {
        return Err(format!("LLM call to {url} answered {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("LLM answer of {url} is not JSON: {e}"))
}

fn model_of(llm: &LlmSettings, task: &Task) -> String {
    task.input_data
        .get("model")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map_or_else(|| llm.default_model.clone(), str::to_owned)
}

/// Replaces `${name}` / `{{name}}` placeholders of a prompt with `promptVariables`.
fn render_prompt(prompt: &str, variables: Option<&JsonMap>) -> String {
    let mut out = prompt.to_owned();
    for (name, value) in variables.into_iter().flatten() {
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out = out
            .replace(&format!("${{{name}}}"), &value)
            .replace(&format!("{{{{{name}}}}}"), &value);
    }
    out
}

/// LLM_TEXT_COMPLETE and LLM_CHAT_COMPLETE through `/v1/chat/completions`.
async fn llm_chat(llm: Option<&LlmSettings>, task: &Task) -> NetworkOutcome {
    let Some(llm) = llm else {
        return NetworkOutcome::failed(NO_AI, JsonMap::new());
    };
    let input = &task.input_data;
    let variables = input.get("promptVariables").and_then(Value::as_object);
    let mut messages = Vec::new();
    if let Some(instructions) = input.get("instructions").and_then(Value::as_str) {
        messages.push(json!({"role": "system", "content": render_prompt(instructions, variables)}));
    }
    if let Some(Value::Array(list)) = input.get("messages") {
        for m in list {
            let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
            let content = m
                .get("message")
                .or_else(|| m.get("content"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            messages.push(json!({"role": role, "content": render_prompt(content, variables)}));
        }
    }
    if let Some(prompt) = input
        .get("prompt")
        .or_else(|| input.get("promptName"))
        .and_then(Value::as_str)
    {
        messages.push(json!({"role": "user", "content": render_prompt(prompt, variables)}));
    }
    if messages.is_empty() {
        return NetworkOutcome::failed("No prompt or messages given", JsonMap::new());
    }
    let mut body = json!({"model": model_of(llm, task), "messages": messages});
    for (from, to) in [
        ("temperature", "temperature"),
        ("topP", "top_p"),
        ("maxTokens", "max_tokens"),
        ("stopWords", "stop"),
    ] {
        if let Some(v) = input.get(from).filter(|v| !v.is_null()) {
            body[to] = v.clone();
        }
    }
    match post_llm(llm, "/v1/chat/completions", body).await {
        Ok(answer) => {
            let choice = &answer["choices"][0];
            let mut output = JsonMap::new();
            output.insert("result".into(), choice["message"]["content"].clone());
            output.insert("finishReason".into(), choice["finish_reason"].clone());
            output.insert("tokenUsed".into(), answer["usage"]["total_tokens"].clone());
            NetworkOutcome {
                status: TaskStatus::Completed,
                output,
                reason: None,
                again_after_secs: None,
            }
        }
        Err(reason) => NetworkOutcome::failed(reason, JsonMap::new()),
    }
}

/// LLM_GENERATE_EMBEDDINGS through `/v1/embeddings`.
async fn llm_embeddings(llm: Option<&LlmSettings>, task: &Task) -> NetworkOutcome {
    let Some(llm) = llm else {
        return NetworkOutcome::failed(NO_AI, JsonMap::new());
    };
    let text = task.input_data.get("text").cloned().unwrap_or(Value::Null);
    if text.is_null() {
        return NetworkOutcome::failed("No text given to embed", JsonMap::new());
    }
    let body = json!({"model": model_of(llm, task), "input": text});
    match post_llm(llm, "/v1/embeddings", body).await {
        Ok(answer) => {
            let mut output = JsonMap::new();
            output.insert("result".into(), answer["data"][0]["embedding"].clone());
            NetworkOutcome {
                status: TaskStatus::Completed,
                output,
                reason: None,
                again_after_secs: None,
            }
        }
        Err(reason) => NetworkOutcome::failed(reason, JsonMap::new()),
    }
}
