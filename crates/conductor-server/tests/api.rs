//! API tests over real HTTP against `DevServer`: every endpoint's status code and body shape,
//! error bodies, long polls, and robustness against malformed input.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use conductor_server::{DevServer, ManualClock};
use serde_json::{Value, json};

struct Api {
    server: DevServer,
    http: reqwest::Client,
}

struct Reply {
    status: u16,
    text: String,
    content_type: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

impl Api {
    async fn new() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let server = DevServer::builder()
            .manual_clock(clock)
            .start()
            .await
            .expect("server starts");
        Api {
            server,
            http: reqwest::Client::new(),
        }
    }

    async fn raw(&self, method: &str, path: &str, body: Option<&str>, content_type: &str) -> Reply {
        let url = if path.starts_with("/health") {
            self.server.url().trim_end_matches("/api").to_owned() + path
        } else {
            format!("{}{path}", self.server.url())
        };
        let mut req = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        if let Some(body) = body {
            req = req
                .header("content-type", content_type)
                .body(body.to_owned());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Reply {
            status,
            text: resp.text().await.unwrap(),
            content_type,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.raw(method, path, body.as_deref(), "application/json")
            .await
    }

    async fn setup_simple(&self) {
        let r = self
            .call(
                "POST",
                "/metadata/taskdefs",
                Some(json!([{"name": "w1", "retryCount": 0}])),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let def = json!({"name": "wf", "version": 1, "tasks": [{"name": "w1", "taskReferenceName": "t1", "type": "SIMPLE"}]});
        let r = self.call("POST", "/metadata/workflow", Some(def)).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    async fn start(&self) -> String {
        let r = self
            .call(
                "POST",
                "/workflow",
                Some(json!({"name": "wf", "input": {"a": 1}, "correlationId": "cid"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.content_type.starts_with("text/plain"),
            "start answers text: {}",
            r.content_type
        );
        r.text
    }
}

fn assert_error(r: &Reply, status: u16, message_part: &str) {
    assert_eq!(r.status, status, "body: {}", r.text);
    let body = r.json();
    assert_eq!(body["status"], json!(status), "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains(message_part),
        "message {:?} lacks {message_part:?}",
        body["message"]
    );
    assert!(body["retryable"].is_boolean(), "{body}");
}

#[tokio::test]
async fn health_version_and_unknown_routes() {
    let api = Api::new().await;
    for path in ["/health", "/api/health"] {
        let r = api
            .raw("GET", path.trim_start_matches("/api"), None, "")
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["healthy"], json!(true));
    }
    let r = api.call("GET", "/version", None).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (200, env!("CARGO_PKG_VERSION"))
    );
    assert_error(
        &api.call("GET", "/no/such/route", None).await,
        404,
        "No static resource",
    );
    assert_error(
        &api.call("PATCH", "/metadata/taskdefs", None).await,
        405,
        "not supported",
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn task_definitions_crud_and_validation() {
    let api = Api::new().await;
    assert_eq!(
        api.call("GET", "/metadata/taskdefs", None).await.json(),
        json!([])
    );
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "a", "retryCount": 2}, {"name": "b"}])),
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let a = api.call("GET", "/metadata/taskdefs/a", None).await.json();
    assert_eq!(
        (a["retryCount"].clone(), a["responseTimeoutSeconds"].clone()),
        (json!(2), json!(3600))
    );
    assert!(a["createTime"].as_i64().is_some());
    assert_eq!(
        api.call("GET", "/metadata/taskdefs", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // upsert, update
    assert_eq!(
        api.call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "a", "retryCount": 5}]))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.call(
            "PUT",
            "/metadata/taskdefs",
            Some(json!({"name": "a", "retryCount": 7}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.call("GET", "/metadata/taskdefs/a", None).await.json()["retryCount"],
        json!(7)
    );
    assert_error(
        &api.call("PUT", "/metadata/taskdefs", Some(json!({"name": "zz"})))
            .await,
        404,
        "No such task by name zz",
    );
    assert_error(
        &api.call("GET", "/metadata/taskdefs/zz", None).await,
        404,
        "No such taskType found by name: zz",
    );
    assert_eq!(
        api.call("DELETE", "/metadata/taskdefs/b", None)
            .await
            .status,
        200
    );
    assert_error(
        &api.call("DELETE", "/metadata/taskdefs/b", None).await,
        // conductor-oss's DAO throws a plain exception: 500 (3.21.14 and 3.32.3).
        500,
        "No such task definition",
    );
    // validation: 400 with validationErrors, no instance
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "", "responseTimeoutSeconds": 0}])),
        )
        .await;
    assert_eq!(r.status, 400);
    let body = r.json();
    assert_eq!(
        body["message"],
        json!("Validation failed, check below errors for detail.")
    );
    let messages: Vec<&str> = body["validationErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"TaskDef name cannot be null or empty"),
        "{messages:?}"
    );
    assert!(body.get("instance").is_none());
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "t", "timeoutSeconds": 5, "responseTimeoutSeconds": 10}])),
        )
        .await;
    assert!(
        r.text
            .contains("responseTimeoutSeconds: 10 must be less than timeoutSeconds: 5"),
        "{}",
        r.text
    );
    assert_error(
        &api.call("POST", "/metadata/taskdefs", Some(json!([])))
            .await,
        400,
        "Validation failed",
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn workflow_definitions_versions_and_conflicts() {
    let api = Api::new().await;
    let def = |v: i32| json!({"name": "d", "version": v, "tasks": [{"name": "x", "taskReferenceName": "x"}]});
    assert_eq!(
        api.call("POST", "/metadata/workflow", Some(def(1)))
            .await
            .status,
        200
    );
    assert_error(
        &api.call("POST", "/metadata/workflow", Some(def(1))).await,
        409,
        "Workflow with d.1 already exists!",
    );
    assert_eq!(
        api.call("POST", "/metadata/workflow?overwrite=true", Some(def(1)))
            .await
            .status,
        200
    );
    let bulk = api
        .call(
            "PUT",
            "/metadata/workflow",
            Some(
                json!([def(2), {"name": "e", "tasks": [{"name": "y", "taskReferenceName": "y"}]}]),
            ),
        )
        .await;
    assert_eq!(bulk.status, 200);
    assert_eq!(bulk.json()["bulkSuccessfulResults"], json!(["d", "e"]));
    let latest = api.call("GET", "/metadata/workflow/d", None).await.json();
    assert_eq!(
        (latest["version"].clone(), latest["schemaVersion"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(
        api.call("GET", "/metadata/workflow/d?version=1", None)
            .await
            .json()["version"],
        json!(1)
    );
    assert_error(
        &api.call("GET", "/metadata/workflow/d?version=9", None)
            .await,
        404,
        "No such workflow found by name: d, version: 9",
    );
    assert_error(
        &api.call("GET", "/metadata/workflow/d?version=x", None)
            .await,
        500,
        "For input string",
    );
    assert_eq!(
        api.call("GET", "/metadata/workflow/names", None)
            .await
            .json(),
        json!(["d", "e"])
    );
    let nv = api
        .call("GET", "/metadata/workflow/names-and-versions", None)
        .await
        .json();
    assert_eq!(
        nv["d"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["version"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(2)]
    );
    assert_eq!(
        api.call("GET", "/metadata/workflow/d/versions", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        api.call("GET", "/metadata/workflow/latest-versions", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        api.call("GET", "/metadata/workflow", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        api.call("DELETE", "/metadata/workflow/d/2", None)
            .await
            .status,
        200
    );
    assert_error(
        &api.call("DELETE", "/metadata/workflow/d/2", None).await,
        500,
        "No such workflow definition: d version: 2",
    );
    assert_error(
        &api.call("DELETE", "/metadata/workflow/d/two", None).await,
        500,
        "two",
    );
    // validation
    let dup = json!({"name": "dup_wf", "tasks": [{"name": "a", "taskReferenceName": "same"}, {"name": "b", "taskReferenceName": "same"}]});
    let r = api
        .call("POST", "/metadata/workflow/validate", Some(dup))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("taskReferenceName: same should be unique across tasks for a given workflowDefinition: dup_wf"), "{}", r.text);
    assert_eq!(
        api.call("POST", "/metadata/workflow/validate", Some(def(3)))
            .await
            .status,
        200
    );
    let r = api
        .call(
            "POST",
            "/metadata/workflow",
            Some(json!({"name": "empty", "tasks": []})),
        )
        .await;
    assert!(
        r.status == 400 && r.text.contains("WorkflowTask list cannot be empty"),
        "{}",
        r.text
    );
    let r = api.call("POST", "/metadata/workflow", Some(json!({"name": "sw", "tasks": [{"name": "s", "taskReferenceName": "s", "type": "SWITCH"}]}))).await;
    assert!(
        r.status == 400
            && r.text
                .contains("evaluatorType field is required for taskType: SWITCH taskName: s"),
        "{}",
        r.text
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn event_handlers_crud() {
    let api = Api::new().await;
    let handler = json!({"name": "h", "event": "conductor:wf:ev", "actions": [{"action": "start_workflow", "start_workflow": {"name": "x"}}], "active": true});
    assert_eq!(
        api.call("POST", "/event", Some(handler.clone()))
            .await
            .status,
        200
    );
    assert_error(
        &api.call("POST", "/event", Some(handler.clone())).await,
        500,
        "EventHandler with name h already exists!",
    );
    let mut inactive = handler.clone();
    inactive["active"] = json!(false);
    assert_eq!(api.call("PUT", "/event", Some(inactive)).await.status, 200);
    assert_eq!(
        api.call("GET", "/event/conductor:wf:ev", None).await.json(),
        json!([])
    );
    let all = api
        .call("GET", "/event/conductor:wf:ev?activeOnly=false", None)
        .await
        .json();
    assert_eq!(all[0]["actions"][0]["action"], json!("start_workflow"));
    assert_eq!(
        api.call("GET", "/event", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_error(
        &api.call(
            "PUT",
            "/event",
            Some(json!({"name": "nope", "event": "e", "actions": [{"action": "complete_task"}]})),
        )
        .await,
        500,
        "not found",
    );
    assert_error(
        &api.call(
            "POST",
            "/event",
            Some(json!({"name": "bad", "event": "e", "actions": []})),
        )
        .await,
        400,
        "Validation failed",
    );
    assert_eq!(api.call("DELETE", "/event/h", None).await.status, 200);
    assert_error(
        &api.call("DELETE", "/event/h", None).await,
        500,
        "EventHandler with name h not found!",
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn workflow_reads_and_operations() {
    let api = Api::new().await;
    api.setup_simple().await;
    let id = api.start().await;
    let wf = api
        .call("GET", &format!("/workflow/{id}"), None)
        .await
        .json();
    assert_eq!(
        (
            wf["status"].clone(),
            wf["workflowName"].clone(),
            wf["tasks"].as_array().unwrap().len()
        ),
        (json!("RUNNING"), json!("wf"), 1)
    );
    assert_eq!(wf["startTime"], wf["createTime"]);
    assert_eq!(wf["tasks"][0]["taskDefinition"]["name"], json!("w1"));
    assert_eq!(
        api.call("GET", &format!("/workflow/{id}?includeTasks=false"), None)
            .await
            .json()["tasks"],
        json!([])
    );
    let st = api
        .call(
            "GET",
            &format!("/workflow/{id}/status?includeOutput=true"),
            None,
        )
        .await
        .json();
    assert_eq!(
        st,
        json!({"workflowId": id, "correlationId": "cid", "output": {}, "status": "RUNNING"})
    );
    let page = api
        .call(
            "GET",
            &format!("/workflow/{id}/tasks?status=SCHEDULED"),
            None,
        )
        .await
        .json();
    assert_eq!(page["totalHits"], json!(1));
    // Pages are cut as Java's `subList` cuts them (conductor-oss 3.32.3, read off the server):
    // a start at or past the end is an empty page, a negative start a 500, a page ending before
    // it starts a 400.
    let tasks_page = |query: &'static str| {
        let path = format!("/workflow/{id}/tasks?{query}");
        let api = &api;
        async move { api.call("GET", &path, None).await }
    };
    for query in ["start=5", "start=2&count=-1", "start=0&count=0"] {
        let r = tasks_page(query).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        assert_eq!(r.json(), json!({"totalHits": 1, "results": []}), "{query}");
    }
    assert_error(
        &tasks_page("count=-1").await,
        400,
        "fromIndex(0) > toIndex(-1)",
    );
    assert_error(&tasks_page("start=-1").await, 500, "fromIndex = -1");
    assert_eq!(
        tasks_page("start=0&count=1").await.json()["results"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        api.call(
            "GET",
            &format!("/workflow/{id}/tasks?status=COMPLETED"),
            None
        )
        .await
        .json()["totalHits"],
        json!(0)
    );
    assert_eq!(
        api.call("GET", "/workflow/running/wf", None).await.json(),
        json!([id])
    );
    // OSS's SQL stores ignore the version here: every running execution of the name.
    assert_eq!(
        api.call("GET", "/workflow/running/wf?version=2", None)
            .await
            .json(),
        json!([id])
    );
    assert_eq!(
        api.call("GET", "/workflow/wf/correlated/cid", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let batch = api
        .call(
            "POST",
            "/workflow/wf/correlated?includeClosed=true",
            Some(json!(["cid", "other"])),
        )
        .await
        .json();
    assert_eq!(
        (
            batch["cid"].as_array().unwrap().len(),
            batch["other"].clone()
        ),
        (1, json!([]))
    );
    // variables (Orkes endpoint)
    let updated = api
        .call(
            "POST",
            &format!("/workflow/{id}/variables"),
            Some(json!({"v": 1})),
        )
        .await
        .json();
    assert_eq!(updated["variables"], json!({"v": 1}));
    assert_eq!(
        api.call("PUT", &format!("/workflow/decide/{id}"), None)
            .await
            .status,
        200
    );
    // pause/resume/terminate errors
    assert_error(
        &api.call("PUT", &format!("/workflow/{id}/resume"), None)
            .await,
        500,
        "is not PAUSED",
    );
    assert_eq!(
        api.call("PUT", &format!("/workflow/{id}/pause"), Some(json!({})))
            .await
            .status,
        200,
        "a body on a bodiless call is ignored"
    );
    assert_eq!(
        api.call("PUT", &format!("/workflow/{id}/resume"), None)
            .await
            .status,
        200
    );
    assert_error(
        &api.call("POST", &format!("/workflow/{id}/restart"), None)
            .await,
        409,
        "not in terminal state",
    );
    assert_error(
        &api.call("POST", &format!("/workflow/{id}/rerun"), Some(json!({})))
            .await,
        409,
        "unable to rerun",
    );
    assert_eq!(
        api.call("DELETE", &format!("/workflow/{id}?reason=stop"), None)
            .await
            .status,
        200
    );
    let r = api
        .call("POST", &format!("/workflow/{id}/restart"), None)
        .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(
        api.call(
            "DELETE",
            &format!("/workflow/{id}/terminate-remove?archiveWorkflow=false"),
            None
        )
        .await
        .status,
        200
    );
    assert_error(
        &api.call("GET", &format!("/workflow/{id}"), None).await,
        404,
        &format!("No such workflow found by id: {id}"),
    );
    for (method, path) in [
        ("PUT", "pause"),
        ("PUT", "resume"),
        ("POST", "retry"),
        ("POST", "restart"),
        ("POST", "resetcallbacks"),
        ("GET", "status"),
    ] {
        assert_eq!(
            api.call(method, &format!("/workflow/nope/{path}"), None)
                .await
                .status,
            404,
            "{path}"
        );
    }
    api.server.shutdown().await;
}

#[tokio::test]
async fn search_endpoints_and_bulk() {
    let api = Api::new().await;
    api.setup_simple().await;
    let a = api.start().await;
    let b = api.start().await;
    // A task is in the search index once it is updated (a poll counts), as in OSS.
    for _ in 0..2 {
        let r = api.call("GET", "/tasks/poll/w1?workerid=w", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let s = api
        .call("GET", "/workflow/search?query=workflowType%3Dwf", None)
        .await
        .json();
    assert_eq!(s["totalHits"], json!(2));
    let summary = &s["results"][0];
    assert!(
        summary["startTime"].as_str().unwrap().ends_with('Z'),
        "summary times are strings: {summary}"
    );
    assert_eq!(summary["input"], json!("{a=1}"));
    let v2 = api
        .call("GET", "/workflow/search-v2?freeText=cid", None)
        .await
        .json();
    assert_eq!(v2["results"][0]["workflowName"], json!("wf"));
    assert_eq!(
        api.call(
            "GET",
            "/workflow/search-by-tasks-v2?query=taskType%3Dw1",
            None
        )
        .await
        .json()["totalHits"],
        json!(2)
    );
    let tasks = api
        .call("GET", "/tasks/search?query=status%3DIN_PROGRESS", None)
        .await
        .json();
    assert_eq!(tasks["totalHits"], json!(2));
    assert_eq!(tasks["results"][0]["taskType"], json!("w1"));
    assert_eq!(
        api.call("GET", "/tasks/search-v2?size=1", None)
            .await
            .json()["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // bulk
    let r = api
        .call("PUT", "/workflow/bulk/pause", Some(json!([a, "missing"])))
        .await
        .json();
    assert_eq!(r["bulkSuccessfulResults"], json!([a.clone()]));
    assert!(
        r["bulkErrorResults"]["missing"]
            .as_str()
            .unwrap()
            .contains("No such workflow")
    );
    assert_eq!(
        api.call("PUT", "/workflow/bulk/resume", Some(json!([a])))
            .await
            .json()["bulkSuccessfulResults"],
        json!([a.clone()])
    );
    assert_eq!(
        api.call(
            "POST",
            "/workflow/bulk/terminate?reason=r",
            Some(json!([a, b]))
        )
        .await
        .json()["bulkSuccessfulResults"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A TERMINATED workflow's CANCELED task is retriable; a running one is not retried again.
    assert_eq!(
        api.call("POST", "/workflow/bulk/retry", Some(json!([a])))
            .await
            .json()["bulkSuccessfulResults"],
        json!([a.clone()])
    );
    let again = api
        .call("POST", "/workflow/bulk/retry", Some(json!([a])))
        .await
        .json();
    assert!(
        again["bulkErrorResults"][&a]
            .as_str()
            .unwrap()
            .contains("Workflow is still running"),
        "{again}"
    );
    assert_eq!(
        api.call("POST", "/workflow/bulk/terminate", Some(json!([a])))
            .await
            .json()["bulkSuccessfulResults"],
        json!([a.clone()])
    );
    assert_eq!(
        api.call("POST", "/workflow/bulk/restart", Some(json!([a])))
            .await
            .json()["bulkSuccessfulResults"],
        json!([a.clone()])
    );
    assert_eq!(
        api.call("POST", "/workflow/bulk/search", Some(json!([a])))
            .await
            .json()["bulkSuccessfulResults"][0]["workflowId"],
        json!(a.clone())
    );
    assert_eq!(
        api.call(
            "DELETE",
            "/workflow/bulk/terminate-remove",
            Some(json!([a]))
        )
        .await
        .json()["bulkSuccessfulResults"],
        // OSS records the terminate and the remove step of each id: a running one is listed twice.
        json!([a.clone(), a.clone()])
    );
    assert_eq!(
        api.call("DELETE", "/workflow/bulk/remove", Some(json!([b])))
            .await
            .json()["bulkSuccessfulResults"],
        json!([b.clone()])
    );
    assert_error(
        &api.call("PUT", "/workflow/bulk/pause", Some(json!([])))
            .await,
        400,
        "Validation failed",
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn task_endpoints() {
    let api = Api::new().await;
    api.setup_simple().await;
    let id = api.start().await;
    // queue sizes in every form
    assert_eq!(
        api.call("GET", "/tasks/queue/size?taskType=w1", None)
            .await
            .json(),
        json!(1)
    );
    assert_eq!(
        api.call("GET", "/tasks/queue/sizes?taskType=w1&taskType=zz", None)
            .await
            .json(),
        json!({"w1": 1, "zz": 0})
    );
    assert_eq!(
        api.call("GET", "/tasks/queue/all", None).await.json(),
        json!({"w1": 1})
    );
    assert_eq!(
        api.call("GET", "/tasks/queue/all/verbose", None)
            .await
            .json()["w1"]["a"]["size"],
        json!(1)
    );
    assert_error(
        &api.call("GET", "/tasks/queue/sizes", None).await,
        500,
        "taskType",
    );
    // poll: 204 when empty, task otherwise
    assert_eq!(
        api.call("GET", "/tasks/poll/other?workerid=w", None)
            .await
            .status,
        204
    );
    let task = api
        .call("GET", "/tasks/poll/w1?workerid=worker-1", None)
        .await
        .json();
    assert_eq!(
        (
            task["status"].clone(),
            task["workerId"].clone(),
            task["pollCount"].clone()
        ),
        (json!("IN_PROGRESS"), json!("worker-1"), json!(1))
    );
    let task_id = task["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("GET", "/tasks/poll/batch/w1?count=5&timeout=10", None)
            .await
            .json(),
        json!([])
    );
    assert_error(
        &api.call("GET", "/tasks/poll/batch/w1?timeout=5001", None)
            .await,
        400,
        "Long Poll Timeout value cannot be more than 5 seconds",
    );
    let pd = api
        .call("GET", "/tasks/queue/polldata?taskType=w1", None)
        .await
        .json();
    assert_eq!(
        pd[0]["workerId"],
        json!(null),
        "the last (batch) poll had no worker id"
    );
    assert_eq!(
        api.call("GET", "/tasks/queue/polldata/all", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // get task, logs
    assert_eq!(
        api.call("GET", &format!("/tasks/{task_id}"), None)
            .await
            .json()["taskId"],
        json!(task_id.clone())
    );
    assert_error(
        &api.call("GET", "/tasks/nope", None).await,
        404,
        "Task not found for taskId: nope",
    );
    assert_eq!(
        api.call("GET", &format!("/tasks/{task_id}/log"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        api.raw(
            "POST",
            &format!("/tasks/{task_id}/log"),
            Some("line one"),
            "text/plain"
        )
        .await
        .status,
        200
    );
    let logs = api
        .call("GET", &format!("/tasks/{task_id}/log"), None)
        .await
        .json();
    assert_eq!(
        (logs[0]["log"].clone(), logs[0]["taskId"].clone()),
        (json!("line one"), json!(task_id.clone()))
    );
    // update errors
    assert_error(
        &api.call(
            "POST",
            "/tasks",
            Some(json!({"workflowInstanceId": "x", "taskId": task_id, "status": "COMPLETED"})),
        )
        .await,
        404,
        "No such workflow found by id: x",
    );
    assert_error(
        &api.call(
            "POST",
            "/tasks",
            Some(json!({"workflowInstanceId": id, "taskId": "nope", "status": "COMPLETED"})),
        )
        .await,
        404,
        "No such task found by id: nope",
    );
    assert_error(
        &api.call(
            "POST",
            "/tasks",
            Some(json!({"taskId": task_id, "status": "COMPLETED"})),
        )
        .await,
        400,
        "Validation failed",
    );
    assert_error(
        &api.call("POST", "/tasks/update-v2", Some(json!({"taskId": task_id})))
            .await,
        500,
        "",
    );
    // update-v2: IN_PROGRESS → 204; COMPLETED → next task or 204
    let second = api.start().await;
    let r = api.call("POST", "/tasks/update-v2", Some(json!({"workflowInstanceId": id, "taskId": task_id, "status": "IN_PROGRESS", "callbackAfterSeconds": 100}))).await;
    assert_eq!(r.status, 204);
    let again = api
        .call("GET", "/tasks/poll/batch/w1?count=1&workerid=w2", None)
        .await
        .json();
    let next_id = again[0]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(again[0]["workflowInstanceId"], json!(second.clone()));
    let r = api.call("POST", "/tasks/update-v2", Some(json!({"workflowInstanceId": second, "taskId": next_id, "status": "COMPLETED", "workerId": "w2"}))).await;
    assert_eq!(r.status, 204, "no further task queued visible: {}", r.text);
    assert_eq!(
        api.call("POST", &format!("/workflow/{id}/resetcallbacks"), None)
            .await
            .status,
        204
    );
    // Updating an already-terminal task is ignored, then update-v2 hands out the next visible task.
    let r = api.call("POST", "/tasks/update-v2", Some(json!({"workflowInstanceId": second, "taskId": next_id, "status": "COMPLETED", "workerId": "w2"}))).await;
    let task = r.json();
    assert_eq!(
        (
            task["workflowInstanceId"].clone(),
            task["workerId"].clone(),
            task["pollCount"].clone()
        ),
        (json!(id.clone()), json!("w2"), json!(2))
    );
    let r = api
        .call(
            "POST",
            "/tasks",
            Some(
                json!({"workflowInstanceId": id, "taskId": task["taskId"], "status": "COMPLETED"}),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.text.clone()),
        (200, task["taskId"].as_str().unwrap().to_owned())
    );
    assert!(r.content_type.starts_with("text/plain"));
    assert_eq!(
        api.call("GET", &format!("/workflow/{id}"), None)
            .await
            .json()["status"],
        json!("COMPLETED")
    );
    // bad enum in update-by-ref → 500
    assert_error(
        &api.call("POST", &format!("/tasks/{id}/t1/DONE"), Some(json!({})))
            .await,
        500,
        "DONE",
    );
    // requeue and remove-from-queue
    let third = api.start().await;
    let t = api
        .call("GET", &format!("/workflow/{third}"), None)
        .await
        .json()["tasks"][0]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.call("DELETE", &format!("/tasks/queue/w1/{t}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api.call("GET", "/tasks/queue/size?taskType=w1", None)
            .await
            .json(),
        json!(0)
    );
    let r = api.call("POST", "/tasks/queue/requeue/w1", None).await;
    assert_eq!((r.status, r.text.as_str()), (200, "1"));
    assert_eq!(
        api.call("GET", "/tasks/queue/size?taskType=w1", None)
            .await
            .json(),
        json!(1)
    );
    // signal: no WAIT task → no-op / 404 on sync
    assert_eq!(
        api.call(
            "POST",
            &format!("/tasks/{third}/COMPLETED/signal"),
            Some(json!({}))
        )
        .await
        .status,
        200
    );
    assert_error(
        &api.call(
            "POST",
            &format!("/tasks/{third}/COMPLETED/signal/sync"),
            Some(json!({})),
        )
        .await,
        404,
        "Found no blocked task",
    );
    api.server.shutdown().await;
}

/// A JSON array where an object is expected fails the body as Jackson fails it (serde would
/// read `[]` as a struct of defaults), naming conductor-oss's class.
#[tokio::test]
async fn an_array_for_an_object_body_is_a_parse_error() {
    let api = Api::new().await;
    api.setup_simple().await;
    for (path, class) in [
        (
            "/tasks",
            "com.netflix.conductor.common.metadata.tasks.TaskResult",
        ),
        (
            "/tasks/update-v2",
            "com.netflix.conductor.common.metadata.tasks.TaskResult",
        ),
        (
            "/metadata/workflow/validate",
            "com.netflix.conductor.common.metadata.workflow.WorkflowDef",
        ),
        (
            "/event",
            "com.netflix.conductor.common.metadata.events.EventHandler",
        ),
        (
            "/workflow",
            "com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest",
        ),
        (
            "/workflow/test",
            "com.netflix.conductor.common.run.WorkflowTestRequest",
        ),
        (
            "/workflow/wf",
            "java.util.LinkedHashMap<java.lang.String,java.lang.Object>",
        ),
    ] {
        for body in [json!([]), json!([1])] {
            assert_error(
                &api.call("POST", path, Some(body)).await,
                500,
                &format!(
                    "JSON parse error: Cannot deserialize value of type `{class}` from Array value (token `JsonToken.START_ARRAY`)"
                ),
            );
        }
    }
}

/// Request parameters and bodies Spring refuses before conductor-oss's code runs: an empty
/// `taskType` for poll data (`@NotEmpty`: spaces pass), and a log line with no body at all (a
/// body of spaces is a line).
#[tokio::test]
async fn an_empty_poll_data_type_and_a_missing_log_body_are_refused() {
    let api = Api::new().await;
    let r = api
        .call("GET", "/tasks/queue/polldata?taskType=", None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json()["validationErrors"],
        json!([{"path": "getPollData.arg0", "message": "TaskType cannot be null or empty.",
                "invalidValue": ""}])
    );
    let r = api
        .call("GET", "/tasks/queue/polldata?taskType=%20", None)
        .await;
    assert_eq!((r.status, r.json()), (200, json!([])));
    assert_error(
        &api.call("POST", "/tasks/some-task/log", None).await,
        500,
        "Required request body is missing: public void com.netflix.conductor.rest.controllers.TaskResource.log(java.lang.String,java.lang.String)",
    );
}

/// A start request whose input is in external storage: the server wrote no such payload, so,
/// as conductor-oss's default storage, it cannot download it (500); an unknown definition is
/// reported first, and an input or a blank path means the path is not read.
#[tokio::test]
async fn a_start_with_an_input_in_external_storage_cannot_download_it() {
    let api = Api::new().await;
    api.setup_simple().await;
    let start = |body: Value| api.call("POST", "/workflow", Some(body));
    assert_error(
        &start(json!({"name": "wf", "externalInputPayloadStoragePath": "x/y.json"})).await,
        500,
        "Unable to download payload from external storage path: x/y.json",
    );
    assert_error(
        &start(json!({"name": "wf", "input": {}, "externalInputPayloadStoragePath": "x/y.json"}))
            .await,
        500,
        "Unable to download payload from external storage path: x/y.json",
    );
    assert_error(
        &start(json!({"name": "nope", "externalInputPayloadStoragePath": "x/y.json"})).await,
        404,
        "No such workflow defined. name=nope, version=null",
    );
    for body in [
        json!({"name": "wf", "input": {"a": 1}, "externalInputPayloadStoragePath": "x/y.json"}),
        json!({"name": "wf", "externalInputPayloadStoragePath": " "}),
    ] {
        let r = start(body).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

/// Field constraints of definitions with conductor-oss's texts, paths and offending values
/// (3.32.3; 3.21.14 alike but for `totalTimeoutSeconds`, which it does not check): a number's
/// value, an empty string (not a `null` or absent one, which the models cannot tell apart: the
/// body can).
#[tokio::test]
async fn field_constraints_report_conductor_oss_texts_paths_and_values() {
    let api = Api::new().await;
    let errors = |r: &Reply| -> Vec<(String, String, Value)> {
        r.json()["validationErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["path"].as_str().unwrap().to_owned(),
                    v["message"].as_str().unwrap().to_owned(),
                    v.get("invalidValue").cloned().unwrap_or(Value::Null),
                )
            })
            .collect()
    };
    let task_def = |field: &str, value: i64| {
        let mut def = json!({"name": "zq", "ownerEmail": "a@b.c"});
        def[field] = json!(value);
        json!([def])
    };
    for (field, value, message) in [
        (
            "responseTimeoutSeconds",
            0,
            "TaskDef responseTimeoutSeconds: 0 should be minimum 1 second",
        ),
        (
            "pollTimeoutSeconds",
            -1,
            "TaskDef pollTimeoutSeconds: 0 must be >= 0",
        ),
        (
            "backoffScaleFactor",
            0,
            "Backoff scale factor. Applicable for LINEAR_BACKOFF",
        ),
        (
            "totalTimeoutSeconds",
            -1,
            "TaskDef totalTimeoutSeconds: 0 must be >= 0",
        ),
    ] {
        let r = api
            .call("POST", "/metadata/taskdefs", Some(task_def(field, value)))
            .await;
        assert_eq!(r.status, 400, "{field}: {}", r.text);
        assert_eq!(
            errors(&r),
            [(
                format!("registerTaskDef.arg0[0].{field}"),
                message.to_owned(),
                json!(value.to_string())
            )]
        );
    }

    let def = |extra: Value, task: Value| {
        let mut def = json!({"name": "zq", "ownerEmail": "a@b.c", "schemaVersion": 2,
                             "tasks": [task]});
        def.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        def
    };
    let wait = json!({"name": "w", "taskReferenceName": "w", "type": "WAIT"});
    let validate = |body: Value| api.call("POST", "/metadata/workflow/validate", Some(body));
    // A negative timeout is taken (it never times out).
    let r = validate(def(json!({"timeoutSeconds": -1}), wait.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = validate(def(json!({"schemaVersion": 3}), wait.clone())).await;
    assert_eq!(
        errors(&r),
        [(
            "validateWorkflowDef.arg0.schemaVersion".to_owned(),
            "workflowDef schemaVersion: 2 is only supported".to_owned(),
            json!("3")
        )]
    );
    let r = validate(def(
        json!({}),
        json!({"name": "", "taskReferenceName": "", "type": "SIMPLE", "startDelay": -1}),
    ))
    .await;
    let mut found = errors(&r);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        [
            (
                "validateWorkflowDef.arg0.tasks[0].name".to_owned(),
                "WorkflowTask name cannot be empty or null".to_owned(),
                json!("")
            ),
            (
                "validateWorkflowDef.arg0.tasks[0].startDelay".to_owned(),
                "must be greater than or equal to 0".to_owned(),
                json!("-1")
            ),
            (
                "validateWorkflowDef.arg0.tasks[0].taskReferenceName".to_owned(),
                "WorkflowTask taskReferenceName name cannot be empty or null".to_owned(),
                json!("")
            ),
        ]
    );

    // An empty string is reported as the offending value; `null` or an absent key is not.
    for (name, expected) in [(json!(""), json!("")), (Value::Null, Value::Null)] {
        let r = api
            .call(
                "POST",
                "/metadata/taskdefs",
                Some(json!([{"name": name, "ownerEmail": "a@b.c"}])),
            )
            .await;
        assert_eq!(
            errors(&r),
            [(
                "registerTaskDef.arg0[0].name".to_owned(),
                "TaskDef name cannot be null or empty".to_owned(),
                expected
            )]
        );
    }
    let r = api
        .call(
            "POST",
            "/tasks",
            Some(json!({"taskId": "", "status": "COMPLETED"})),
        )
        .await;
    let mut found = errors(&r);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        [
            (
                "updateTask.arg0.taskId".to_owned(),
                "Task ID cannot be null or empty".to_owned(),
                json!("")
            ),
            (
                "updateTask.arg0.workflowInstanceId".to_owned(),
                "Workflow Id cannot be null or empty".to_owned(),
                Value::Null
            ),
        ]
    );

    // `actions: null` also breaks the list's `@NotNull`; an absent list only its emptiness.
    let handler = |actions: Option<Value>| {
        let mut handler = json!({"name": "zq", "event": "conductor:x:y"});
        if let Some(actions) = actions {
            handler["actions"] = actions;
        }
        handler
    };
    let r = api
        .call("POST", "/event", Some(handler(Some(Value::Null))))
        .await;
    let messages: Vec<String> = errors(&r)
        .into_iter()
        .map(|(_, message, _)| message)
        .collect();
    assert_eq!(
        messages,
        [
            "must not be null",
            "No actions specified. Please specify at-least one action"
        ]
    );
    let r = api.call("PUT", "/event", Some(handler(None))).await;
    assert_eq!(
        errors(&r),
        [(
            "updateEventHandler.arg0.actions".to_owned(),
            "No actions specified. Please specify at-least one action".to_owned(),
            Value::Null
        )]
    );
}

/// A `null` where conductor-oss's validators iterate (a SWITCH's cases, a FORK_JOIN's branches,
/// a DO_WHILE's loop, the definition's tasks, a top-level WAIT's input) fails its validation
/// with a 500 `HV000028`, on every endpoint that takes a definition; a `null` list of a type
/// that does not use it passes (3.21.14 and 3.32.3 alike).
#[tokio::test]
async fn nulls_the_validators_iterate_fail_as_conductor_oss_fails() {
    let api = Api::new().await;
    let def = |task: Value| {
        json!({"name": "znull", "ownerEmail": "a@b.c", "schemaVersion": 2,
                                   "tasks": [task]})
    };
    let do_while = def(
        json!({"name": "d", "taskReferenceName": "d", "type": "DO_WHILE",
                              "loopCondition": "false", "loopOver": null}),
    );
    let start = json!({"name": "znull", "workflowDef": do_while.clone()});
    for (method, path, body) in [
        ("POST", "/metadata/workflow/validate", do_while.clone()),
        ("POST", "/metadata/workflow", do_while.clone()),
        ("PUT", "/metadata/workflow", json!([do_while])),
        ("POST", "/workflow", start.clone()),
        ("POST", "/workflow/test", start),
        (
            "POST",
            "/metadata/workflow/validate",
            def(
                json!({"name": "s", "taskReferenceName": "s", "type": "SWITCH",
                       "evaluatorType": "value-param", "expression": "k",
                       "decisionCases": {"a": [null]}}),
            ),
        ),
        (
            "POST",
            "/metadata/workflow/validate",
            def(
                json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                       "inputParameters": null}),
            ),
        ),
    ] {
        let r = api.call(method, path, Some(body)).await;
        assert_error(
            &r,
            500,
            "HV000028: Unexpected exception during isValid call.",
        );
    }
    let r = api
        .call(
            "POST",
            "/metadata/workflow/validate",
            Some(def(
                json!({"name": "w", "taskReferenceName": "w", "type": "WAIT",
                            "loopOver": null, "decisionCases": null}),
            )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Nothing was registered.
    assert_eq!(
        api.call("GET", "/metadata/workflow/znull", None)
            .await
            .status,
        404
    );
}

/// Violation paths name the argument `arg0`, as conductor-oss's classes (compiled without
/// parameter names) do, and names are `@NotEmpty`, not `@NotBlank`: a name of spaces passes.
/// Both checked against 3.21.14 and 3.32.3.
#[tokio::test]
async fn validation_paths_name_arg0_and_names_of_spaces_pass() {
    let api = Api::new().await;
    let paths = |r: &Reply| -> Vec<String> {
        r.json()["validationErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["path"].as_str().unwrap().to_owned())
            .collect()
    };
    let switch = json!({"name": "x", "ownerEmail": "a@b.c", "schemaVersion": 2, "tasks": [
        {"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "value-param",
         "expression": "k", "inputParameters": {"k": "a"}}]});
    let cases = [
        (
            "POST",
            "/metadata/workflow",
            switch.clone(),
            "registerWorkflowDef.arg0.tasks[0]",
        ),
        (
            "PUT",
            "/metadata/workflow",
            json!([switch.clone()]),
            "updateWorkflowDef.arg0[0].tasks[0]",
        ),
        (
            "POST",
            "/metadata/workflow/validate",
            switch,
            "validateWorkflowDef.arg0.tasks[0]",
        ),
        (
            "POST",
            "/metadata/taskdefs",
            json!([{"name": "q", "ownerEmail": "a@b.c", "retryCount": -1}]),
            "registerTaskDef.arg0[0].retryCount",
        ),
        (
            "PUT",
            "/metadata/taskdefs",
            json!({"name": "q", "ownerEmail": "a@b.c", "retryCount": -1}),
            "updateTaskDef.arg0.retryCount",
        ),
        (
            "POST",
            "/event",
            json!({"name": "h", "event": "", "actions": [{"action": "complete_task"}]}),
            "addEventHandler.arg0.event",
        ),
        (
            "PUT",
            "/event",
            json!({"name": "h", "event": "", "actions": [{"action": "complete_task"}]}),
            "updateEventHandler.arg0.event",
        ),
    ];
    for (method, path, body, expected) in cases {
        let r = api.call(method, path, Some(body)).await;
        assert_eq!(
            (r.status, paths(&r)),
            (400, vec![expected.to_owned()]),
            "{method} {path}"
        );
    }

    let blank = [
        (
            "POST",
            "/metadata/taskdefs",
            json!([{"name": " ", "ownerEmail": "a@b.c"}]),
        ),
        (
            "POST",
            "/metadata/workflow/validate",
            json!({"name": " ", "ownerEmail": "a@b.c", "schemaVersion": 2,
                   "tasks": [{"name": " ", "taskReferenceName": " ", "type": "WAIT"}]}),
        ),
        (
            "POST",
            "/event",
            json!({"name": " ", "event": " ", "actions": [{"action": "complete_task"}]}),
        ),
    ];
    for (method, path, body) in blank {
        let r = api.call(method, path, Some(body)).await;
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text);
    }
}

/// As in conductor-oss (3.21.14 and 3.32.3, the wire diff's `tasks.update_naming_other_*`
/// steps): a result is applied to the task its id names, whatever workflow it names; the named
/// workflow is the one decided, and, when it has ended, the task is left as it is.
#[tokio::test]
async fn a_task_result_naming_another_workflow_updates_the_task_its_id_names() {
    let api = Api::new().await;
    api.setup_simple().await;
    let (first, second) = (api.start().await, api.start().await);
    let task = api
        .call("GET", "/tasks/poll/w1?workerid=worker-1", None)
        .await
        .json();
    assert_eq!(task["workflowInstanceId"], json!(first));
    let task_id = task["taskId"].as_str().unwrap().to_owned();
    let r = api
        .call(
            "POST",
            "/tasks",
            Some(
                json!({"workflowInstanceId": second, "taskId": task_id, "status": "COMPLETED",
                        "outputData": {"by": "id"}}),
            ),
        )
        .await;
    assert_eq!((r.status, r.text.clone()), (200, task_id.clone()));
    let updated = api
        .call("GET", &format!("/tasks/{task_id}"), None)
        .await
        .json();
    assert_eq!(
        (updated["status"].clone(), updated["outputData"].clone()),
        (json!("COMPLETED"), json!({"by": "id"}))
    );
    // The named workflow's own task is untouched.
    let named = api
        .call("GET", &format!("/workflow/{second}"), None)
        .await
        .json();
    assert_eq!(
        (named["status"].clone(), named["tasks"][0]["status"].clone()),
        (json!("RUNNING"), json!("SCHEDULED"))
    );

    // A result naming an ended workflow leaves the task as it is.
    let third = api.start().await;
    let polled = api
        .call(
            "GET",
            "/tasks/poll/batch/w1?count=2&workerid=worker-1",
            None,
        )
        .await
        .json();
    let third_task = polled
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["workflowInstanceId"] == json!(third))
        .unwrap()["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .call("DELETE", &format!("/workflow/{second}?reason=done"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .call(
            "POST",
            "/tasks",
            Some(
                json!({"workflowInstanceId": second, "taskId": third_task, "status": "COMPLETED"}),
            ),
        )
        .await;
    assert_eq!((r.status, r.text.clone()), (200, third_task.clone()));
    assert_eq!(
        api.call("GET", &format!("/tasks/{third_task}"), None)
            .await
            .json()["status"],
        json!("IN_PROGRESS")
    );
}

#[tokio::test]
async fn long_poll_waits_for_a_task_to_arrive() {
    let api = Api::new().await;
    api.setup_simple().await;
    let started = Instant::now();
    let empty = api
        .call("GET", "/tasks/poll/batch/w1?timeout=300", None)
        .await;
    assert_eq!(empty.json(), json!([]));
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "waited the full timeout: {:?}",
        started.elapsed()
    );
    let url = format!(
        "{}/tasks/poll/batch/w1?timeout=4000&count=1",
        api.server.url()
    );
    let http = api.http.clone();
    let poller = tokio::spawn(async move {
        let started = Instant::now();
        let body: Value = http.get(url).send().await.unwrap().json().await.unwrap();
        (body, started.elapsed())
    });
    // Let the long poll register before the task is scheduled.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let id = api.start().await;
    let (body, elapsed) = poller.await.unwrap();
    assert_eq!(body[0]["workflowInstanceId"], json!(id));
    assert!(
        elapsed < Duration::from_millis(3000),
        "woken by the push, not the timeout: {elapsed:?}"
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn sync_execute_returns_when_done_or_times_out() {
    let api = Api::new().await;
    api.setup_simple().await;
    let def = json!({"name": "quick", "version": 1, "tasks": [{"name": "sv", "taskReferenceName": "sv", "type": "SET_VARIABLE", "inputParameters": {"x": 1}}]});
    assert_eq!(
        api.call("POST", "/metadata/workflow", Some(def))
            .await
            .status,
        200
    );
    let run = api
        .call(
            "POST",
            "/workflow/execute/quick/0?requestId=r1",
            Some(json!({"input": {}})),
        )
        .await
        .json();
    assert_eq!(
        (
            run["status"].clone(),
            run["responseType"].clone(),
            run["requestId"].clone()
        ),
        (json!("COMPLETED"), json!("TARGET_WORKFLOW"), json!("r1"))
    );
    assert_eq!(run["variables"], json!({"x": 1}));
    let run = api
        .call(
            "POST",
            "/workflow/execute/wf/1?waitForSeconds=1",
            Some(json!({"input": {}})),
        )
        .await
        .json();
    assert_eq!(
        (run["status"].clone(), run["signalTimeout"].clone()),
        (json!("RUNNING"), json!(true))
    );
    assert_error(
        &api.call(
            "POST",
            "/workflow/execute/quick/1?returnStrategy=BLOCKING_TASK",
            Some(json!({})),
        )
        .await,
        500,
        "",
    );
    assert_error(
        &api.call(
            "POST",
            "/workflow/execute/quick/1?returnStrategy=NOPE",
            Some(json!({})),
        )
        .await,
        500,
        "NOPE",
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn malformed_input_never_breaks_the_server() {
    let api = Api::new().await;
    api.setup_simple().await;
    for (method, path, body) in [
        ("POST", "/metadata/taskdefs", "{not json"),
        ("POST", "/metadata/taskdefs", "{\"name\": \"x\"}"),
        ("POST", "/metadata/workflow", ""),
        ("POST", "/workflow", "[1,2]"),
        ("POST", "/workflow", "{\"name\": 5}"),
        (
            "POST",
            "/tasks",
            "{\"status\": \"NOT_A_STATUS\", \"taskId\": \"a\", \"workflowInstanceId\": \"b\"}",
        ),
        ("POST", "/tasks", "null"),
        ("POST", "/workflow/wf", "\"string\""),
        ("PUT", "/metadata/workflow", "{}"),
        (
            "POST",
            "/workflow/test",
            "{\"name\": \"wf\", \"taskRefToMockOutput\": 3}",
        ),
    ] {
        let r = api.raw(method, path, Some(body), "application/json").await;
        assert!(r.status >= 400, "{method} {path} {body}: {}", r.status);
        let parsed: Value = serde_json::from_str(&r.text)
            .unwrap_or_else(|_| panic!("{method} {path}: not an ErrorResponse: {}", r.text));
        assert_eq!(parsed["status"], json!(r.status));
    }
    // form-encoded content type: body still parsed as JSON (lenient superset)
    let r = api
        .raw(
            "POST",
            "/workflow",
            Some("{\"name\": \"wf\", \"input\": {}}"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, 200);
    // the server still works afterwards
    assert_eq!(
        api.call("GET", "/tasks/queue/size?taskType=w1", None)
            .await
            .json(),
        json!(1)
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn manual_clock_drives_retry_visibility() {
    let api = Api::new().await;
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "r", "retryCount": 1, "retryDelaySeconds": 30}])),
        )
        .await;
    assert_eq!(r.status, 200);
    let def = json!({"name": "rw", "tasks": [{"name": "r", "taskReferenceName": "r"}]});
    assert_eq!(
        api.call("POST", "/metadata/workflow", Some(def))
            .await
            .status,
        200
    );
    let id = api.call("POST", "/workflow/rw", Some(json!({}))).await.text;
    let t = api.call("GET", "/tasks/poll/r", None).await.json();
    let r = api
        .call(
            "POST",
            "/tasks",
            Some(json!({"workflowInstanceId": id, "taskId": t["taskId"], "status": "FAILED"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(api.call("GET", "/tasks/poll/r", None).await.status, 204);
    assert!(api.server.advance(Duration::from_secs(30)));
    assert_eq!(
        api.call("GET", "/tasks/poll/r", None).await.json()["retryCount"],
        json!(1)
    );
    api.server.shutdown().await;
}

/// The validation messages of one answer (`validationErrors[].message`), sorted; none for an
/// empty body.
fn violations(r: &Reply) -> Vec<String> {
    if r.text.is_empty() {
        return Vec::new();
    }
    let mut messages: Vec<String> = r.json()["validationErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    messages.sort();
    messages
}

/// Registration and validation answer as conductor-oss 3.32.3 does (its texts, read off the
/// real server with the same bodies; 3.21.14 answers the same but for HTTP's `uri`): each task
/// type's fields as its constraint reads them (null is missing, an empty string is given), WAIT
/// durations and dates, input templates that stand in for inputs, enum constants Jackson does
/// not know, and the empty lists.
#[tokio::test]
async fn definitions_are_checked_with_conductor_oss_rules_and_texts() {
    let api = Api::new().await;
    let check = |task: Value| json!({"name": "checked", "tasks": [task]});
    let wait = |input: Value| json!({"name": "w", "taskReferenceName": "w", "type": "WAIT", "inputParameters": input});
    let cases: Vec<(Value, &[&str])> = vec![
        (
            wait(json!({"duration": "PT1S"})),
            &["Either date or duration is passed as null "],
        ),
        (
            wait(json!({"duration": 10})),
            &["Either date or duration is passed as null "],
        ),
        (
            wait(json!({"duration": "1${workflow.input.d}"})),
            &["Either date or duration is passed as null "],
        ),
        (
            wait(json!({"until": "2030-01-01T10:00:00Z"})),
            &["Unable to parse date "],
        ),
        (
            wait(json!({"duration": "abc", "until": "abc"})),
            &[
                "Both 'duration' and 'until' specified. Please provide only one input",
                "Either date or duration is passed as null ",
            ],
        ),
        (wait(json!({"duration": "1h 30m"})), &[]),
        (wait(json!({"duration": "${workflow.input.d}"})), &[]),
        (wait(json!({"until": "2030-01-01 10:00 PST"})), &[]),
        (wait(json!({"until": "2030-01-01 10:00 +0200"})), &[]),
        (
            wait(json!({"until": "2030-01-01 10:00 Z"})),
            &["Unable to parse date "],
        ),
        (wait(json!({"until": "2030-01-01 10:00 GMT"})), &[]),
        (
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC"}),
            &[
                "dynamicForkTasksInputParamName field is required for taskType: FORK_JOIN_DYNAMIC taskName: f",
                "dynamicForkTasksParam field is required for taskType: FORK_JOIN_DYNAMIC taskName: f",
            ],
        ),
        (
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC", "dynamicForkJoinTasksParam": "a", "dynamicForkTasksParam": "b"}),
            &[
                "dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and dynamicForkTasksParam cam be used for taskType: FORK_JOIN_DYNAMIC taskName: f",
            ],
        ),
        (
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC", "dynamicForkJoinTasksParam": "a"}),
            &[],
        ),
        (
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC", "inputParameters": {"forkTaskName": "x"}}),
            &[
                "dynamicForkTasksInputParamName field is required for taskType: FORK_JOIN_DYNAMIC taskName: f",
                "dynamicForkTasksParam field is required for taskType: FORK_JOIN_DYNAMIC taskName: f",
            ],
        ),
        (
            json!({"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN_DYNAMIC", "inputParameters": {"forkTaskName": "x", "forkTaskInputs": "${workflow.input.items}"}}),
            &[],
        ),
        (
            json!({"name": "s", "taskReferenceName": "s", "type": "SWITCH"}),
            &[
                "decisionCases should have atleast one task for taskType: SWITCH taskName: s",
                "evaluatorType field is required for taskType: SWITCH taskName: s",
            ],
        ),
        (
            json!({"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "", "expression": "", "decisionCases": {"a": [wait(json!({}))]}}),
            &[],
        ),
        (
            json!({"name": "d", "taskReferenceName": "d", "type": "DECISION", "caseValueParam": "a"}),
            &["decisionCases should have atleast one task for taskType: DECISION taskName: d"],
        ),
        (
            json!({"name": "k", "taskReferenceName": "k", "type": "FORK_JOIN"}),
            &["forkTasks should have atleast one task for taskType: FORK_JOIN taskName: k"],
        ),
        (
            json!({"name": "l", "taskReferenceName": "l", "type": "DO_WHILE", "loopCondition": "", "loopOver": [wait(json!({}))]}),
            &[],
        ),
        (
            json!({"name": "e", "taskReferenceName": "e", "type": "EVENT", "sink": ""}),
            &[],
        ),
        (
            json!({"name": "h", "taskReferenceName": "h", "type": "HTTP"}),
            &[
                "inputParameters.http_request or inputParameters.uri field is required for taskType: HTTP taskName: h",
            ],
        ),
        (
            json!({"name": "h", "taskReferenceName": "h", "type": "HTTP", "inputParameters": {"uri": "http://localhost:1"}}),
            &[],
        ),
        (
            json!({"name": "h", "taskReferenceName": "h", "type": "HTTP", "taskDefinition": {"name": "h", "inputTemplate": {"http_request": {}}}}),
            &[],
        ),
        (
            json!({"name": "templated_jq", "taskReferenceName": "j", "type": "JSON_JQ_TRANSFORM"}),
            &[],
        ),
        (
            json!({"name": "j", "taskReferenceName": "j", "type": "JSON_JQ_TRANSFORM"}),
            &[
                "inputParameters.queryExpression field is required for taskType: JSON_JQ_TRANSFORM taskName: j",
            ],
        ),
    ];
    // A registered definition's input template stands in for the task's input.
    let templated = json!([{"name": "templated_jq", "inputTemplate": {"queryExpression": "."}}]);
    assert_eq!(
        api.call("POST", "/metadata/taskdefs", Some(templated))
            .await
            .status,
        200
    );
    for (task, expected) in cases {
        let r = api
            .call(
                "POST",
                "/metadata/workflow/validate",
                Some(check(task.clone())),
            )
            .await;
        let status = if expected.is_empty() { 200 } else { 400 };
        assert_eq!(r.status, status, "{task}: {}", r.text);
        assert_eq!(violations(&r), expected, "{task}");
    }

    // Enum constants conductor-oss does not know fail the body as Jackson fails it.
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "t", "timeoutPolicy": "NOPE"}])),
        )
        .await;
    assert_error(
        &r,
        500,
        "JSON parse error: Cannot deserialize value of type `com.netflix.conductor.common.metadata.tasks.TaskDef$TimeoutPolicy` from String \"NOPE\": not one of the values accepted for Enum class: [RETRY, TIME_OUT_WF, ALERT_ONLY]",
    );
    let unknown_policy = json!({"name": "p", "timeoutPolicy": "RETRY", "tasks": [wait(json!({}))]});
    let r = api
        .call("PUT", "/metadata/workflow", Some(json!([unknown_policy])))
        .await;
    assert_error(&r, 500, "WorkflowDef$TimeoutPolicy` from String \"RETRY\"");
    let r = api
        .call(
            "POST",
            "/workflow",
            Some(json!({"name": "p", "workflowDef": unknown_policy})),
        )
        .await;
    assert_error(&r, 500, "WorkflowDef$TimeoutPolicy` from String \"RETRY\"");
    let r = api
        .call(
            "POST",
            "/workflow",
            Some(json!({"name": "p", "idempotencyKey": "k", "idempotencyStrategy": "NOPE"})),
        )
        .await;
    assert_error(
        &r,
        500,
        "IdempotencyStrategy` from String \"NOPE\": not one of the values accepted for Enum class: [FAIL_ON_RUNNING, RETURN_EXISTING, FAIL]",
    );
    let sub = json!({"name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": "child", "idempotencyStrategy": "SOMETIMES"}});
    let r = api
        .call("POST", "/metadata/workflow/validate", Some(check(sub)))
        .await;
    assert_error(&r, 500, "IdempotencyStrategy` from String \"SOMETIMES\"");
    let handler = json!({"name": "h", "event": "conductor:x:y", "actions": [{"action": "nope"}]});
    let r = api.call("POST", "/event", Some(handler)).await;
    assert_error(&r, 500, "EventHandler$Action$Type` from String \"nope\"");
    assert!(
        api.call("GET", "/metadata/taskdefs/t", None).await.status == 404
            && api.call("GET", "/event", None).await.text == "[]",
        "nothing refused was stored"
    );

    // Empty lists and bodies.
    let r = api
        .call("POST", "/metadata/taskdefs", Some(json!([])))
        .await;
    assert_eq!(violations(&r), ["TaskDefList is empty"]);
    let r = api.call("PUT", "/metadata/workflow", Some(json!([]))).await;
    assert_eq!(violations(&r), ["WorkflowDefList is empty"]);
    let r = api
        .call("PUT", "/workflow/bulk/pause", Some(json!([])))
        .await;
    assert_eq!(violations(&r), ["WorkflowIds list cannot be null."]);
    let r = api.call("POST", "/tasks", Some(json!({}))).await;
    assert_eq!(
        violations(&r),
        [
            "Task ID cannot be null or empty",
            "Workflow Id cannot be null or empty"
        ]
    );
    let r = api.call("POST", "/workflow/test", Some(json!({}))).await;
    assert_eq!(violations(&r), ["Workflow name cannot be null or empty"]);
    let r = api
        .call(
            "POST",
            "/metadata/taskdefs",
            Some(json!([{"name": "neg", "retryCount": -5}])),
        )
        .await;
    assert_eq!(violations(&r), ["TaskDef retryCount: 0 must be >= 0"]);
    assert_eq!(r.json()["validationErrors"][0]["invalidValue"], "-5");
    api.server.shutdown().await;
}
