//! Regressions from fuzzing the API with schemathesis against conductor-oss 3.32.3
//! (`scripts/fuzz_api.py`, see `docs/testing.md`): requests the embedded server answered 5xx and
//! the real server 4xx. Each test is one class of defect, with the real server's answers.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

struct Api {
    server: DevServer,
    http: reqwest::Client,
}

impl Api {
    async fn new() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let server = DevServer::start().await.expect("server starts");
        Api {
            server,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.server.url());
        let mut request = self.http.request(method.parse().unwrap(), url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Jackson coerces scalars (number or boolean → string, float → integer, numeric string →
/// number, integer → enum ordinal): such a body is read and then validated, not refused as
/// malformed.
#[tokio::test]
async fn bodies_get_jacksons_scalar_coercions() {
    let api = Api::new().await;
    let def = json!({"name": 12, "description": false, "tasks": [], "timeoutSeconds": "30",
                     "timeoutPolicy": 0});
    let (status, body) = api.call("POST", "/metadata/workflow", Some(def)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["validationErrors"][0]["message"],
        "WorkflowTask list cannot be empty"
    );

    let def = json!({"name": true, "version": 1.7, "timeoutSeconds": 10,
                     "tasks": [{"name": 5, "taskReferenceName": 6, "type": "SIMPLE"}]});
    let (status, body) = api
        .call("POST", "/metadata/workflow/validate", Some(def))
        .await;
    assert_eq!(status, 200, "{body}");

    let result = json!({"workflowInstanceId": 1, "taskId": 2, "status": 0,
                        "callbackAfterSeconds": 1.5});
    let (status, body) = api.call("POST", "/tasks", Some(result)).await;
    assert_eq!(
        (status, &body["message"]),
        (404, &json!("No such workflow found by id: 1"))
    );

    let start = json!({"name": false, "priority": "5"});
    let (status, body) = api.call("POST", "/workflow", Some(start)).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        body["message"],
        "No such workflow defined. name=false, version=null"
    );

    // What Jackson refuses too stays a parse error (500, like conductor-oss).
    let (status, body) = api
        .call("POST", "/workflow", Some(json!({"name": {"a": 1}})))
        .await;
    assert_eq!(status, 500, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error")
    );
    api.server.shutdown().await;
}

/// Query parameters are Java `int`s and `long`s: a negative value is a value, not a conversion
/// error.
#[tokio::test]
async fn negative_numeric_query_parameters_are_accepted() {
    let api = Api::new().await;
    let (status, body) = api
        .call("GET", "/workflow/nope/tasks?start=-1&count=-5", None)
        .await;
    assert_eq!(
        (status, &body["message"]),
        (404, &json!("No such workflow found by id: nope"))
    );
    let path = "/tasks/nope/COMPLETED/signal/sync?timeoutMillis=-1";
    let (status, body) = api.call("POST", path, Some(json!({}))).await;
    assert_eq!(status, 404, "{body}");

    // `waitForSeconds` below 0 waits for nothing (0 is the default, 10 s), as on 3.32.3.
    let def = json!({"name": "waits", "version": 1, "schemaVersion": 2,
                     "tasks": [{"name": "never_polled", "taskReferenceName": "t",
                                "type": "SIMPLE"}]});
    assert_eq!(
        api.call("POST", "/metadata/workflow", Some(def)).await.0,
        200
    );
    let started = Instant::now();
    let path = "/workflow/execute/waits/1?waitForSeconds=-2147483648";
    let (status, body) = api.call("POST", path, Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "RUNNING");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    api.server.shutdown().await;
}

/// Deeper coercions: inside recursive types and newtypes, null elements, classes Jackson builds
/// from a bare string (`TaskDef`, `TaskExecLog`), and properties conductor-oss's classes lack
/// (Jackson ignores them whatever their type). Each body is then refused by validation (4xx),
/// as conductor-oss refuses it, instead of failing to parse (500).
#[tokio::test]
async fn nested_null_and_ignored_values_reach_validation() {
    let api = Api::new().await;
    let handler = json!({"name": "", "event": "", "condition": "", "actions": [],
                         "active": false, "description": {}});
    let (status, body) = api.call("POST", "/event", Some(handler)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["validationErrors"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );

    let result = json!({"workflowInstanceId": "", "taskId": "", "status": "IN_PROGRESS",
                        "logs": ["a log line"],
                        "executionMetadata": {"empty": {}, "executionDuration": [1]}});
    let (status, body) = api.call("POST", "/tasks", Some(result)).await;
    assert_eq!(status, 400, "{body}");

    let defs = json!([{"name": "", "runtimeMetadata": [null]}]);
    let (status, body) = api.call("POST", "/metadata/taskdefs", Some(defs)).await;
    assert_eq!(status, 400, "{body}");

    let task = json!({
        "name": "a", "taskReferenceName": "a", "type": false, "taskDefinition": "a_task",
        "onStateChange": {"onStart": [null]},
        "subWorkflowParam": {"name": "s", "workflowDefinition": {"name": "i", "updatedBy": false}}
    });
    let def = json!({"name": "", "tasks": [task]});
    let (status, body) = api.call("POST", "/metadata/workflow", Some(def)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["validationErrors"][0]["message"],
        "WorkflowDef name cannot be null or empty"
    );
    // A null task in the list is one the validators iterate: conductor-oss (3.21.14, 3.32.3)
    // fails with a 500 there, before reporting the name.
    let def = json!({"name": "", "tasks": [null, task]});
    let (status, body) = api.call("POST", "/metadata/workflow", Some(def)).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        body["message"],
        "HV000028: Unexpected exception during isValid call."
    );

    let test = json!({"name": "", "subWorkflowTestRequest": {
        "s": {"name": "", "taskRefToMockOutput": {"t": [{"status": 0}]}}
    }});
    let (status, body) = api.call("POST", "/workflow/test", Some(test)).await;
    assert!((400..500).contains(&status), "{status} {body}");
    api.server.shutdown().await;
}

/// Answered 5xx where conductor-oss answers 2xx: a task definition given as a bare string (its
/// one-string constructor) and `taskType` present but empty.
#[tokio::test]
async fn a_bare_string_task_def_and_an_empty_task_type_list_are_accepted() {
    let api = Api::new().await;
    let defs = json!([{"name": "bare_def", "retryCount": 5}]);
    assert_eq!(
        api.call("POST", "/metadata/taskdefs", Some(defs)).await.0,
        200
    );
    // The update from a bare string is the definition with that name and defaults.
    let (status, body) = api
        .call("PUT", "/metadata/taskdefs", Some(json!("bare_def")))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.call("GET", "/metadata/taskdefs/bare_def", None).await;
    assert_eq!((status, &body["name"]), (200, &json!("bare_def")));
    assert_eq!(body["retryCount"], 3);
    let (status, body) = api.call("GET", "/tasks/queue/sizes?taskType=", None).await;
    assert_eq!((status, body), (200, json!({})));
    let (status, _) = api.call("GET", "/tasks/queue/sizes", None).await;
    assert_eq!(status, 500);
    api.server.shutdown().await;
}
