//! Response handling against a mock server: every status class, body kind, and decoding failure.

mod common;

use conductor_http::{ApiClient, ConductorError, Configuration, RetryPolicy, encode_segment};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::plain_client;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct TaskDef {
    name: String,
    retry_count: u32,
}

#[tokio::test]
async fn json_200_is_decoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/metadata/taskdefs/t1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "t1", "retryCount": 3, "extra": true})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let def: TaskDef = plain_client(&server)
        .get("/metadata/taskdefs/t1")
        .send_json()
        .await
        .unwrap();
    assert_eq!(
        def,
        TaskDef {
            name: "t1".into(),
            retry_count: 3
        }
    );
}

#[tokio::test]
async fn text_200_is_returned_raw() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/workflow/wf"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("3f2c-77aa", "text/plain"))
        .mount(&server)
        .await;

    let id = plain_client(&server)
        .post("/workflow/wf")
        .json_body(&json!({}))
        .unwrap()
        .send_text()
        .await
        .unwrap();
    assert_eq!(id, "3f2c-77aa");
}

#[tokio::test]
async fn empty_200_body() {
    let server = MockServer::start().await;
    Mock::given(path("/api/metadata/taskdefs"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = plain_client(&server);

    client
        .post("/metadata/taskdefs")
        .send_empty()
        .await
        .unwrap();
    assert_eq!(
        client.get("/metadata/taskdefs").send_text().await.unwrap(),
        ""
    );
    let none: Option<TaskDef> = client
        .get("/metadata/taskdefs")
        .send_json_opt()
        .await
        .unwrap();
    assert_eq!(none, None);
    let err = client
        .get("/metadata/taskdefs")
        .send_json::<TaskDef>()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Decode { status: 200, message, .. } if message.contains("empty")),
        "{err}"
    );
}

#[tokio::test]
async fn status_204_is_none() {
    let server = MockServer::start().await;
    Mock::given(path("/api/tasks/poll/t"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = plain_client(&server);

    let task: Option<serde_json::Value> =
        client.get("/tasks/poll/t").send_json_opt().await.unwrap();
    assert_eq!(task, None);
    client.get("/tasks/poll/t").send_empty().await.unwrap();
    assert_eq!(client.get("/tasks/poll/t").send_text().await.unwrap(), "");
}

#[tokio::test]
async fn json_null_is_none() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("null", "application/json"))
        .mount(&server)
        .await;
    let value: Option<TaskDef> = plain_client(&server)
        .get("/x")
        .send_json_opt()
        .await
        .unwrap();
    assert_eq!(value, None);
}

#[tokio::test]
async fn same_origin_redirect_is_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/api/old"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/api/new"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;

    let body: serde_json::Value = plain_client(&server).get("/old").send_json().await.unwrap();
    assert_eq!(body, json!({"ok": true}));
}

#[tokio::test]
async fn cross_origin_redirect_is_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/api/old"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(path("/steal"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;

    let err = plain_client(&server)
        .get("/old")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConductorError::Api { status: 302, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn status_400_carries_validation_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/metadata/workflow"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400,
            "message": "Validation failed, check below errors for detail.",
            "validationErrors": [
                {"path": "registerWorkflowDef.arg0", "message": "taskReferenceName: same should be unique"},
                {"path": "", "message": "ownerEmail cannot be empty", "invalidValue": "x"}
            ],
            "retryable": false
        })))
        .mount(&server)
        .await;

    let err = plain_client(&server)
        .post("/metadata/workflow")
        .json_body(&json!({"name": "wf"}))
        .unwrap()
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Api { status: 400, message, .. } if message == "Validation failed, check below errors for detail."),
        "{err}"
    );
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    let validation = err.validation_errors();
    assert_eq!(validation.len(), 2);
    assert_eq!(validation[0].path, "registerWorkflowDef.arg0");
    assert_eq!(validation[1].message, "ownerEmail cannot be empty");
    assert_eq!(validation[1].invalid_value.as_deref(), Some("x"));
    assert_eq!(err.error_response().map(|r| r.status), Some(400));
}

#[tokio::test]
async fn status_404_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(path("/api/workflow/nope"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "status": 404, "message": "No such workflow found by id: nope", "instance": "host", "retryable": false
        })))
        .mount(&server)
        .await;

    let err = plain_client(&server)
        .get("/workflow/nope")
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_conflict());
    assert!(
        err.to_string()
            .contains("No such workflow found by id: nope"),
        "{err}"
    );
    assert_eq!(
        err.error_response().and_then(|r| r.instance.as_deref()),
        Some("host")
    );
}

#[tokio::test]
async fn status_409_is_conflict() {
    let server = MockServer::start().await;
    Mock::given(path("/api/metadata/workflow"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "status": 409, "message": "Workflow with wf.1 already exists!", "retryable": false
        })))
        .mount(&server)
        .await;

    let err = plain_client(&server)
        .post("/metadata/workflow")
        .send_empty()
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert!(!err.is_not_found());
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn status_429_is_retryable_api_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(429).set_body_string("queue full"))
        .expect(1)
        .mount(&server)
        .await;

    let err = plain_client(&server)
        .get("/x")
        .send_empty()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConductorError::Api { status: 429, message, .. } if message == "queue full")
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn status_500_with_error_response() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": 500, "message": "INTERNAL_ERROR: boom", "retryable": false
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/transient"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "status": 500, "message": "try later", "retryable": true
        })))
        .mount(&server)
        .await;
    let client = plain_client(&server);

    let err = client.get("/x").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Server { status: 500, retryable: false, message, response: Some(_) } if message == "INTERNAL_ERROR: boom"),
        "{err}"
    );
    assert!(!err.is_retryable());

    let err = client.get("/transient").send_empty().await.unwrap_err();
    assert!(matches!(
        err,
        ConductorError::Server {
            retryable: true,
            ..
        }
    ));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn status_500_with_html_or_text_body() {
    let server = MockServer::start().await;
    Mock::given(path("/api/html"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_raw("\n  <html><body>Oops</body></html>\n", "text/html"),
        )
        .mount(&server)
        .await;
    let long = format!("{}END", "a".repeat(10_000));
    Mock::given(path("/api/long"))
        .respond_with(ResponseTemplate::new(500).set_body_string(long))
        .mount(&server)
        .await;
    Mock::given(path("/api/empty"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = plain_client(&server);

    let err = client.get("/html").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Server { status: 500, message, response: None, .. } if message == "<html><body>Oops</body></html>"),
        "{err}"
    );

    let err = client.get("/long").send_empty().await.unwrap_err();
    let ConductorError::Server { message, .. } = &err else {
        panic!("expected a server error, got {err:?}");
    };
    assert!(
        message.len() < 1_000,
        "message not truncated: {} bytes",
        message.len()
    );
    assert!(message.ends_with('…') && !message.contains("END"));

    let err = client.get("/empty").send_empty().await.unwrap_err();
    assert!(
        matches!(&err, ConductorError::Server { message, .. } if message == "Internal Server Error")
    );
}

#[tokio::test]
async fn gateway_errors_are_retryable_server_errors() {
    let server = MockServer::start().await;
    for status in [502_u16, 503, 504] {
        Mock::given(path(format!("/api/s{status}")))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream down"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = plain_client(&server);
    for status in [502_u16, 503, 504] {
        let err = client
            .get(format!("/s{status}"))
            .send_empty()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(matches!(err, ConductorError::Server { .. }));
        assert!(err.is_retryable(), "{status}");
    }
}

#[tokio::test]
async fn malformed_and_truncated_json_become_decode_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/malformed"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"name\": oops}", "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/truncated"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{\"name\": \"t1\", \"retryCount\": 3", "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/shape"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([1, 2, 3])))
        .mount(&server)
        .await;
    Mock::given(path("/api/html"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>login page</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let client = plain_client(&server);

    for (endpoint, expected_snippet) in [
        ("/malformed", "{\"name\": oops}"),
        ("/truncated", "{\"name\": \"t1\", \"retryCount\": 3"),
        ("/shape", "[1,2,3]"),
        ("/html", "<html>login page</html>"),
    ] {
        let err = client
            .get(endpoint)
            .send_json::<TaskDef>()
            .await
            .unwrap_err();
        let ConductorError::Decode {
            status,
            message,
            body_snippet,
        } = &err
        else {
            panic!("{endpoint}: expected Decode, got {err:?}");
        };
        assert_eq!(*status, 200);
        assert!(!message.is_empty());
        assert_eq!(body_snippet, expected_snippet, "{endpoint}");
        assert!(
            err.to_string()
                .contains(expected_snippet.split('"').next().unwrap_or(""))
        );

        let err = client
            .get(endpoint)
            .send_json_opt::<TaskDef>()
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConductorError::Decode { .. }),
            "{endpoint}: {err}"
        );
    }
}

#[tokio::test]
async fn non_utf8_text_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/x"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a', 0xff, 0xfe]))
        .mount(&server)
        .await;
    let err = plain_client(&server)
        .get("/x")
        .send_text()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConductorError::Decode { status: 200, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn path_segments_and_query_are_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/metadata/taskdefs/ns%3Atask%20name%2Fv1"))
        .and(query_param("domain", "a b&c"))
        .and(query_param("count", "5"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "ns:task name/v1", "retryCount": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let def: TaskDef = plain_client(&server)
        .get(format!(
            "/metadata/taskdefs/{}",
            encode_segment("ns:task name/v1")
        ))
        .query("domain", "a b&c")
        .query("count", 5)
        .query_opt("missing", None::<String>)
        .send_json()
        .await
        .unwrap();
    assert_eq!(def.name, "ns:task name/v1");
    let requests = server.received_requests().await.unwrap();
    assert!(!requests[0].url.query().unwrap_or("").contains("missing"));
}

#[tokio::test]
async fn bodies_are_sent_with_their_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/tasks"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"taskId": "t", "status": "COMPLETED"})))
        .respond_with(ResponseTemplate::new(200).set_body_raw("ok", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/tasks/t/log"))
        .and(header("content-type", "text/plain; charset=utf-8"))
        .and(body_string("step 1 done"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = plain_client(&server);

    client
        .post("/tasks")
        .json_body(&json!({"taskId": "t", "status": "COMPLETED"}))
        .unwrap()
        .send_text()
        .await
        .unwrap();
    client
        .post("tasks/t/log")
        .text_body("step 1 done")
        .send_empty()
        .await
        .unwrap();
}

#[tokio::test]
async fn unserialisable_body_is_a_json_error() {
    let server = MockServer::start().await;
    let mut bad = std::collections::HashMap::new();
    bad.insert(vec![1_u8], 1);
    let err = plain_client(&server)
        .post("/x")
        .json_body(&bad)
        .unwrap_err();
    assert!(matches!(err, ConductorError::Json(_)), "{err}");
}

#[tokio::test]
async fn base_url_forms_all_reach_the_api_prefix() {
    let server = MockServer::start().await;
    Mock::given(path("/api/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"healthy": true})))
        .expect(4)
        .mount(&server)
        .await;
    for base in [
        server.uri(),
        format!("{}/", server.uri()),
        format!("{}/api", server.uri()),
        format!("{}/api/", server.uri()),
    ] {
        let client =
            ApiClient::new(Configuration::new(base).with_retry_policy(RetryPolicy::none()))
                .unwrap();
        let health: serde_json::Value = client.get("/health").send_json().await.unwrap();
        assert_eq!(health, json!({"healthy": true}));
    }
}
