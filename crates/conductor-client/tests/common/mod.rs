//! Shared test harness: a wiremock server that answers every request with one canned response and
//! records what the client sent, plus real-shaped Conductor JSON fixtures (from the server's
//! models, `conductor-api.md` §8).

#![allow(dead_code)]

use conductor_client::{ConductorClient, Configuration, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A mock Conductor server and a client pointed at it (HTTP-layer retries off, so every call is
/// exactly one request unless a test says otherwise).
#[derive(Debug)]
pub struct Harness {
    pub server: MockServer,
    pub client: ConductorClient,
}

impl Harness {
    /// Starts a mock server and builds a client for it.
    pub async fn new() -> Self {
        let server = MockServer::start().await;
        let config = Configuration::new(server.uri()).with_retry_policy(RetryPolicy::none());
        let client = ConductorClient::new(config).expect("client builds");
        Self { server, client }
    }

    /// Answers every request with `response`.
    pub async fn respond(&self, response: ResponseTemplate) {
        Mock::given(any())
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Every request received so far.
    pub async fn requests(&self) -> Vec<Sent> {
        self.server
            .received_requests()
            .await
            .expect("request recording is on")
            .into_iter()
            .map(Sent::from)
            .collect()
    }

    /// The one request received; fails the test when there were none or several.
    pub async fn single_request(&self) -> Sent {
        let mut requests = self.requests().await;
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.remove(0)
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    /// The path as sent on the wire (percent-encoded).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl From<wiremock::Request> for Sent {
    fn from(request: wiremock::Request) -> Self {
        let query = request
            .url
            .query_pairs()
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            query,
            content_type: request
                .headers
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body: request.body,
        }
    }
}

impl Sent {
    /// Asserts the method, the encoded path and the exact query parameters (order-insensitive,
    /// but every parameter and repetition must match).
    #[track_caller]
    pub fn assert_call(&self, method: &str, path: &str, query: &[(&str, &str)]) {
        assert_eq!(self.method, method, "HTTP method");
        assert_eq!(self.path, path, "request path");
        let mut expected: Vec<(String, String)> = query
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut actual = self.query.clone();
        expected.sort();
        actual.sort();
        assert_eq!(actual, expected, "query parameters of {method} {path}");
    }

    /// Asserts that no body was sent.
    #[track_caller]
    pub fn assert_no_body(&self) {
        assert!(
            self.body.is_empty(),
            "expected no body, got {:?}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// Asserts a JSON body equal to `expected`, sent as `application/json`.
    #[track_caller]
    pub fn assert_json_body(&self, expected: &Value) {
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "content type of a JSON body"
        );
        let actual: Value = serde_json::from_slice(&self.body).expect("the body is JSON");
        assert_eq!(&actual, expected, "JSON body");
    }

    /// The body parsed as JSON.
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// 200 with a JSON body.
pub fn json_response(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// 200 with a `text/plain` body (Conductor's TEXT answers).
pub fn text_response(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/plain;charset=UTF-8")
}

/// 200 with an empty body (what Conductor's `void` endpoints answer).
pub fn empty_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
}

/// 204 No Content.
pub fn no_content() -> ResponseTemplate {
    ResponseTemplate::new(204)
}

/// An `ErrorResponse` as OSS renders it.
pub fn error_response(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "status": status,
        "message": message,
        "instance": "conductor-server-7d9f",
        "retryable": false
    }))
}

/// A `Task` as `GET /tasks/{id}` renders it (OSS 3.x).
pub fn task_json(task_id: &str, status: &str) -> Value {
    json!({
        "taskType": "encode_video",
        "status": status,
        "inputData": {"fileUrl": "s3://bucket/in.mp4", "bitrate": 4000},
        "referenceTaskName": "encode_ref",
        "retryCount": 0,
        "seq": 1,
        "correlationId": "order-7",
        "pollCount": 1,
        "taskDefName": "encode_video",
        "scheduledTime": 1_700_000_000_000_i64,
        "startTime": 1_700_000_000_250_i64,
        "endTime": 0,
        "updateTime": 1_700_000_000_250_i64,
        "startDelayInSeconds": 0,
        "retried": false,
        "executed": false,
        "callbackFromWorker": true,
        "responseTimeoutSeconds": 3600,
        "workflowInstanceId": "wf-1",
        "workflowType": "video_pipeline",
        "taskId": task_id,
        "callbackAfterSeconds": 0,
        "workerId": "worker-1",
        "outputData": {},
        "workflowTask": {
            "name": "encode_video",
            "taskReferenceName": "encode_ref",
            "inputParameters": {"fileUrl": "${workflow.input.fileUrl}"},
            "type": "SIMPLE",
            "startDelay": 0,
            "optional": false,
            "asyncComplete": false,
            "permissive": false
        },
        "rateLimitPerFrequency": 0,
        "rateLimitFrequencyInSeconds": 1,
        "workflowPriority": 0,
        "iteration": 0,
        "subworkflowChanged": false,
        "firstStartTime": 0,
        "executionMetadata": {"additionalContext": {}, "empty": true, "additionalContextMap": {}},
        "queueWaitTime": 250,
        "loopOverTask": false,
        "taskDefinition": null
    })
}

/// A `Workflow` as `GET /workflow/{id}` renders it (OSS 3.x).
pub fn workflow_json(workflow_id: &str, status: &str) -> Value {
    json!({
        "ownerApp": "",
        "createTime": 1_700_000_000_000_i64,
        "updateTime": 1_700_000_001_000_i64,
        "status": status,
        "endTime": 0,
        "workflowId": workflow_id,
        "tasks": [task_json("task-1", "IN_PROGRESS")],
        "input": {"fileUrl": "s3://bucket/in.mp4"},
        "output": {},
        "correlationId": "order-7",
        "taskToDomain": {},
        "failedReferenceTaskNames": [],
        "failedTaskNames": [],
        "workflowDefinition": workflow_def_json("video_pipeline", 2),
        "priority": 0,
        "variables": {"attempt": 1},
        "lastRetriedTime": 0,
        "history": [],
        "rateLimited": false,
        "startTime": 1_700_000_000_000_i64,
        "workflowName": "video_pipeline",
        "workflowVersion": 2
    })
}

/// A `WorkflowDef` as `GET /metadata/workflow/{name}` renders it.
pub fn workflow_def_json(name: &str, version: i32) -> Value {
    json!({
        "createTime": 1_699_000_000_000_i64,
        "name": name,
        "description": "Encodes and publishes a video",
        "version": version,
        "tasks": [{
            "name": "encode_video",
            "taskReferenceName": "encode_ref",
            "inputParameters": {"fileUrl": "${workflow.input.fileUrl}"},
            "type": "SIMPLE",
            "decisionCases": {},
            "defaultCase": [],
            "forkTasks": [],
            "startDelay": 0,
            "joinOn": [],
            "optional": false,
            "defaultExclusiveJoinTask": [],
            "asyncComplete": false,
            "loopOver": [],
            "onStateChange": {},
            "permissive": false
        }],
        "inputParameters": ["fileUrl"],
        "outputParameters": {"url": "${encode_ref.output.url}"},
        "schemaVersion": 2,
        "restartable": true,
        "workflowStatusListenerEnabled": false,
        "ownerEmail": "videos@example.com",
        "timeoutPolicy": "ALERT_ONLY",
        "timeoutSeconds": 0,
        "variables": {},
        "inputTemplate": {},
        "enforceSchema": true,
        "metadata": {},
        "maskedFields": []
    })
}

/// A `TaskDef` as `GET /metadata/taskdefs/{name}` renders it.
pub fn task_def_json(name: &str) -> Value {
    json!({
        "createTime": 1_699_000_000_000_i64,
        "createdBy": "",
        "name": name,
        "description": "Encodes a video",
        "retryCount": 3,
        "timeoutSeconds": 600,
        "inputKeys": ["fileUrl"],
        "outputKeys": ["url"],
        "timeoutPolicy": "TIME_OUT_WF",
        "retryLogic": "EXPONENTIAL_BACKOFF",
        "retryDelaySeconds": 10,
        "responseTimeoutSeconds": 300,
        "inputTemplate": {},
        "rateLimitPerFrequency": 0,
        "rateLimitFrequencyInSeconds": 1,
        "ownerEmail": "videos@example.com",
        "backoffScaleFactor": 1,
        "maxRetryDelaySeconds": 0,
        "backoffJitterMs": 0,
        "totalTimeoutSeconds": 0,
        "taskStatusListenerEnabled": true,
        "enforceSchema": false
    })
}

/// A `WorkflowSummary` hit of `GET /workflow/search` (string times and string input/output).
pub fn workflow_summary_json(workflow_id: &str) -> Value {
    json!({
        "workflowType": "video_pipeline",
        "version": 2,
        "workflowId": workflow_id,
        "correlationId": "order-7",
        "startTime": "2023-11-14T22:13:20.000Z",
        "updateTime": "2023-11-14T22:13:21.000Z",
        "status": "RUNNING",
        "input": "{fileUrl=s3://bucket/in.mp4}",
        "output": "{}",
        "reasonForIncompletion": null,
        "executionTime": 0,
        "event": null,
        "failedReferenceTaskNames": "",
        "failedTaskNames": [],
        "priority": 0,
        "taskToDomain": {},
        "parentWorkflowId": "",
        "classifier": "workflow",
        "inputSize": 28,
        "outputSize": 2
    })
}

/// A `TaskSummary` hit of `GET /tasks/search`.
pub fn task_summary_json(task_id: &str) -> Value {
    json!({
        "workflowId": "wf-1",
        "workflowType": "video_pipeline",
        "correlationId": "order-7",
        "scheduledTime": "2023-11-14T22:13:20.000Z",
        "startTime": "2023-11-14T22:13:20.250Z",
        "updateTime": "2023-11-14T22:13:20.250Z",
        "endTime": "1970-01-01T00:00:00.000Z",
        "status": "IN_PROGRESS",
        "executionTime": 0,
        "queueWaitTime": 250,
        "taskDefName": "encode_video",
        "taskType": "encode_video",
        "input": "{fileUrl=s3://bucket/in.mp4}",
        "output": "{}",
        "taskId": task_id,
        "workflowPriority": 0
    })
}

/// A `WorkflowRun` answer of sync execute / signal-sync.
pub fn workflow_run_json(workflow_id: &str, status: &str, response_type: &str) -> Value {
    json!({
        "responseType": response_type,
        "targetWorkflowId": workflow_id,
        "targetWorkflowStatus": status,
        "requestId": "req-42",
        "workflowId": workflow_id,
        "correlationId": "order-7",
        "input": {"fileUrl": "s3://bucket/in.mp4"},
        "output": {"url": "https://cdn.example.com/out.mp4"},
        "signalTimeout": false,
        "priority": 0,
        "variables": {},
        "tasks": [task_json("task-1", "COMPLETED")],
        "createTime": 1_700_000_000_000_i64,
        "status": status,
        "updateTime": 1_700_000_002_000_i64
    })
}

/// A `TaskRun` answer of sync execute / signal-sync with a `BLOCKING_TASK*` strategy.
pub fn task_run_json(task_id: &str, response_type: &str) -> Value {
    json!({
        "responseType": response_type,
        "targetWorkflowId": "wf-1",
        "targetWorkflowStatus": "RUNNING",
        "requestId": "req-42",
        "workflowId": "wf-1",
        "input": {"question": "approve?"},
        "output": {},
        "signalTimeout": false,
        "taskType": "WAIT",
        "taskId": task_id,
        "referenceTaskName": "approval_ref",
        "retryCount": 0,
        "taskDefName": "approval",
        "workflowType": "video_pipeline",
        "priority": 0,
        "createTime": 1_700_000_000_500_i64,
        "updateTime": 1_700_000_000_500_i64,
        "status": "IN_PROGRESS"
    })
}

/// A `BulkResponse<String>` as OSS renders it (no `message`).
pub fn bulk_json(ok: &[&str], failed: &[(&str, &str)]) -> Value {
    let errors: serde_json::Map<String, Value> = failed
        .iter()
        .map(|(id, message)| ((*id).to_owned(), Value::from(*message)))
        .collect();
    json!({"bulkSuccessfulResults": ok, "bulkErrorResults": errors})
}

/// An `EventHandler` as `GET /event` renders it.
pub fn event_handler_json(name: &str, event: &str) -> Value {
    json!({
        "name": name,
        "event": event,
        "condition": "$.amount > 100",
        "actions": [{
            "action": "start_workflow",
            "start_workflow": {"name": "video_pipeline", "version": 2, "input": {"orderId": "${orderId}"}},
            "expandInlineJSON": false
        }],
        "active": true,
        "evaluatorType": "javascript"
    })
}
