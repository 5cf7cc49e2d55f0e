//! Wire-contract tests of `MetadataClient`: workflow and task definitions (register, overwrite,
//! bulk update, read by version, lists, delete, validate, existence checks).

mod common;

use common::{
    Harness, bulk_json, empty_ok, error_response, json_response, task_def_json, workflow_def_json,
};
use conductor_client::ConductorError;
use conductor_client::models::{RetryLogic, TaskDef, TimeoutPolicy, WorkflowDef, WorkflowTask};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::any;

fn workflow_def() -> WorkflowDef {
    WorkflowDef::new("my_workflow")
        .with_version(1)
        .with_task(WorkflowTask::simple("my_task", "task_ref_1"))
}

fn task_def() -> TaskDef {
    TaskDef::new("my_task")
        .with_description("My task")
        .with_retry(3, RetryLogic::Fixed, 10)
        .with_timeout(60, TimeoutPolicy::TimeOutWf)
}

#[tokio::test]
async fn register_workflow_def_posts_the_definition() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let definition = workflow_def();

    h.client
        .metadata_client()
        .register_workflow_def(&definition)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/metadata/workflow", &[]);
    sent.assert_json_body(&serde_json::to_value(&definition).unwrap());
    let body = sent.json_body();
    assert_eq!(body["name"], "my_workflow");
    assert_eq!(body["version"], 1);
    assert_eq!(body["tasks"][0]["taskReferenceName"], "task_ref_1");
}

#[tokio::test]
async fn register_workflow_def_conflict_and_validation_errors() {
    let h = Harness::new().await;
    h.respond(error_response(
        409,
        "Workflow with my_workflow.1 already exists!",
    ))
    .await;
    let error = h
        .client
        .metadata_client()
        .register_workflow_def(&workflow_def())
        .await
        .unwrap_err();
    assert!(error.is_conflict(), "{error:?}");

    let h = Harness::new().await;
    h.respond(wiremock::ResponseTemplate::new(400).set_body_json(json!({
        "status": 400,
        "message": "Validation failed, check below errors for detail.",
        "validationErrors": [{
            "path": "registerWorkflowDef.arg0.tasks",
            "message": "WorkflowTask list cannot be empty"
        }],
        "retryable": false
    })))
    .await;
    let error = h
        .client
        .metadata_client()
        .register_workflow_def(&WorkflowDef::new("empty"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.validation_errors().len(), 1);
    assert_eq!(
        error.validation_errors()[0].message,
        "WorkflowTask list cannot be empty"
    );
}

#[tokio::test]
async fn register_or_update_workflow_def_uses_overwrite() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let definition = workflow_def();

    h.client
        .metadata_client()
        .register_or_update_workflow_def(&definition)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/metadata/workflow", &[("overwrite", "true")]);
    sent.assert_json_body(&serde_json::to_value(&definition).unwrap());
}

#[tokio::test]
async fn register_or_update_falls_back_to_put_on_servers_without_overwrite() {
    let h = Harness::new().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(error_response(
            409,
            "Workflow with my_workflow.1 already exists!",
        ))
        .mount(&h.server)
        .await;
    Mock::given(any())
        .respond_with(json_response(&bulk_json(&["my_workflow"], &[])))
        .mount(&h.server)
        .await;
    let definition = workflow_def();

    h.client
        .metadata_client()
        .register_or_update_workflow_def(&definition)
        .await
        .unwrap();

    let sent = h.requests().await;
    assert_eq!(sent.len(), 2);
    sent[0].assert_call("POST", "/api/metadata/workflow", &[("overwrite", "true")]);
    sent[1].assert_call("PUT", "/api/metadata/workflow", &[]);
    sent[1].assert_json_body(&json!([serde_json::to_value(&definition).unwrap()]));
}

#[tokio::test]
async fn update_workflow_def_puts_an_array_and_checks_the_bulk_response() {
    let h = Harness::new().await;
    h.respond(json_response(&bulk_json(&["my_workflow"], &[])))
        .await;
    let definition = workflow_def();

    h.client
        .metadata_client()
        .update_workflow_def(&definition)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("PUT", "/api/metadata/workflow", &[]);
    sent.assert_json_body(&json!([serde_json::to_value(&definition).unwrap()]));

    let h = Harness::new().await;
    h.respond(json_response(&bulk_json(
        &[],
        &[("my_workflow", "failureWorkflow must be registered")],
    )))
    .await;
    let error = h
        .client
        .metadata_client()
        .update_workflow_def(&definition)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConductorError::Workflow(message)
        if message.contains("my_workflow") && message.contains("failureWorkflow must be registered")),
        "{error:?}"
    );
}

#[tokio::test]
async fn update_workflow_defs_returns_the_bulk_response() {
    let h = Harness::new().await;
    h.respond(json_response(&bulk_json(&["a"], &[("b", "invalid")])))
        .await;
    let definitions = [WorkflowDef::new("a"), WorkflowDef::new("b")];

    let response = h
        .client
        .metadata_client()
        .update_workflow_defs(&definitions)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("PUT", "/api/metadata/workflow", &[]);
    let body = sent.json_body();
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    assert_eq!(body[1]["name"], "b");
    assert_eq!(response.bulk_successful_results, ["a"]);
    assert_eq!(response.bulk_error_results["b"], "invalid");

    // Orkes answers `{}`.
    let h = Harness::new().await;
    h.respond(json_response(&json!({}))).await;
    let response = h
        .client
        .metadata_client()
        .update_workflow_defs(&definitions)
        .await
        .unwrap();
    assert!(response.bulk_successful_results.is_empty());
}

#[tokio::test]
async fn validate_workflow_def_posts_to_validate() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let definition = workflow_def();

    h.client
        .metadata_client()
        .validate_workflow_def(&definition)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/metadata/workflow/validate", &[]);
    sent.assert_json_body(&serde_json::to_value(&definition).unwrap());
}

#[tokio::test]
async fn get_workflow_def_latest_or_by_version() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_def_json("video pipeline", 2)))
        .await;
    let metadata = h.client.metadata_client();

    let latest = metadata
        .get_workflow_def("video pipeline", None)
        .await
        .unwrap();
    let second = metadata
        .get_workflow_def("video pipeline", Some(2))
        .await
        .unwrap();

    let sent = h.requests().await;
    sent[0].assert_call("GET", "/api/metadata/workflow/video%20pipeline", &[]);
    sent[1].assert_call(
        "GET",
        "/api/metadata/workflow/video%20pipeline",
        &[("version", "2")],
    );
    assert_eq!(latest.name, "video pipeline");
    assert_eq!(latest.version, 2);
    assert_eq!(second.tasks[0].task_reference_name, "encode_ref");
    assert_eq!(second.owner_email.as_deref(), Some("videos@example.com"));
}

#[tokio::test]
async fn workflow_def_exists_maps_404_to_false_and_keeps_other_errors() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_def_json("w", 1))).await;
    assert!(
        h.client
            .metadata_client()
            .workflow_def_exists("w", Some(1))
            .await
            .unwrap()
    );
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow/w", &[("version", "1")]);

    let h = Harness::new().await;
    h.respond(error_response(
        404,
        "No such workflow found by name: w, version: 9",
    ))
    .await;
    assert!(
        !h.client
            .metadata_client()
            .workflow_def_exists("w", Some(9))
            .await
            .unwrap()
    );

    let h = Harness::new().await;
    h.respond(error_response(500, "database down")).await;
    let error = h
        .client
        .metadata_client()
        .workflow_def_exists("w", None)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
}

#[tokio::test]
async fn workflow_def_lists() {
    let all = json!([
        workflow_def_json("b", 1),
        workflow_def_json("a", 2),
        workflow_def_json("a", 1)
    ]);

    let h = Harness::new().await;
    h.respond(json_response(&all)).await;
    let defs = h
        .client
        .metadata_client()
        .get_all_workflow_defs()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow", &[]);
    assert_eq!(defs.len(), 3);

    let h = Harness::new().await;
    h.respond(json_response(&all)).await;
    let versions = h
        .client
        .metadata_client()
        .get_all_workflow_def_versions("a")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow", &[]);
    let versions: Vec<(String, i32)> = versions
        .into_iter()
        .map(|definition| (definition.name, definition.version))
        .collect();
    assert_eq!(versions, [("a".to_owned(), 1), ("a".to_owned(), 2)]);

    let h = Harness::new().await;
    h.respond(json_response(&json!([workflow_def_json("agent_x", 1)])))
        .await;
    let defs = h
        .client
        .metadata_client()
        .get_workflow_defs_by_classifier("agent")
        .await
        .unwrap();
    h.single_request().await.assert_call(
        "GET",
        "/api/metadata/workflow",
        &[("classifier", "agent")],
    );
    assert_eq!(defs[0].name, "agent_x");

    let h = Harness::new().await;
    h.respond(json_response(&json!([
        workflow_def_json("a", 2),
        workflow_def_json("b", 1)
    ])))
    .await;
    let latest = h
        .client
        .metadata_client()
        .get_latest_workflow_defs()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow/latest-versions", &[]);
    assert_eq!(latest[0].version, 2);
}

#[tokio::test]
async fn workflow_names_versions_and_summaries() {
    let h = Harness::new().await;
    h.respond(json_response(&json!(["a", "b"]))).await;
    let names = h
        .client
        .metadata_client()
        .get_workflow_names()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow/names", &[]);
    assert_eq!(names, ["a", "b"]);

    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "a": [
            {"name": "a", "version": 1, "createTime": 1_699_000_000_000_i64},
            {"name": "a", "version": 2, "createTime": 1_699_100_000_000_i64, "updateTime": 1_699_200_000_000_i64}
        ]
    })))
    .await;
    let by_name = h
        .client
        .metadata_client()
        .get_workflow_names_and_versions()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow/names-and-versions", &[]);
    assert_eq!(by_name["a"][1].version, 2);
    assert_eq!(by_name["a"][1].update_time, Some(1_699_200_000_000));

    let h = Harness::new().await;
    h.respond(json_response(&json!([{"name": "a b", "version": 1}])))
        .await;
    let versions = h
        .client
        .metadata_client()
        .get_workflow_def_versions("a b")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/workflow/a%20b/versions", &[]);
    assert_eq!(versions[0].name, "a b");
    assert_eq!(versions[0].create_time, None);
}

#[tokio::test]
async fn delete_workflow_def_by_name_and_version() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    h.client
        .metadata_client()
        .delete_workflow_def("my/workflow", 3)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("DELETE", "/api/metadata/workflow/my%2Fworkflow/3", &[]);
    sent.assert_no_body();
}

#[tokio::test]
async fn register_task_defs_post_an_array() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let metadata = h.client.metadata_client();
    let definition = task_def();

    metadata.register_task_def(&definition).await.unwrap();
    metadata
        .register_task_defs(&[definition.clone(), TaskDef::new("other")])
        .await
        .unwrap();

    let sent = h.requests().await;
    sent[0].assert_call("POST", "/api/metadata/taskdefs", &[]);
    sent[0].assert_json_body(&json!([serde_json::to_value(&definition).unwrap()]));
    let body = sent[0].json_body();
    assert_eq!(body[0]["name"], "my_task");
    assert_eq!(body[0]["retryCount"], 3);
    assert_eq!(body[0]["timeoutSeconds"], 60);
    sent[1].assert_call("POST", "/api/metadata/taskdefs", &[]);
    assert_eq!(sent[1].json_body()[1]["name"], "other");
}

#[tokio::test]
async fn update_task_def_puts_a_single_definition() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let definition = task_def();

    h.client
        .metadata_client()
        .update_task_def(&definition)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("PUT", "/api/metadata/taskdefs", &[]);
    sent.assert_json_body(&serde_json::to_value(&definition).unwrap());
}

#[tokio::test]
async fn get_task_def_list_delete_and_exists() {
    let h = Harness::new().await;
    h.respond(json_response(&task_def_json("encode video")))
        .await;
    let definition = h
        .client
        .metadata_client()
        .get_task_def("encode video")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/taskdefs/encode%20video", &[]);
    assert_eq!(definition.name, "encode video");
    assert_eq!(definition.retry_logic, RetryLogic::ExponentialBackoff);
    assert_eq!(definition.response_timeout_seconds, 300);

    let h = Harness::new().await;
    h.respond(json_response(&json!([
        task_def_json("a"),
        task_def_json("b")
    ])))
    .await;
    let all = h
        .client
        .metadata_client()
        .get_all_task_defs()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/taskdefs", &[]);
    assert_eq!(all.len(), 2);

    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    h.client
        .metadata_client()
        .delete_task_def("a/b")
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("DELETE", "/api/metadata/taskdefs/a%2Fb", &[]);

    let h = Harness::new().await;
    h.respond(json_response(&task_def_json("a"))).await;
    assert!(
        h.client
            .metadata_client()
            .task_def_exists("a")
            .await
            .unwrap()
    );
    h.single_request()
        .await
        .assert_call("GET", "/api/metadata/taskdefs/a", &[]);

    let h = Harness::new().await;
    h.respond(error_response(404, "No such taskType found by name: zz"))
        .await;
    assert!(
        !h.client
            .metadata_client()
            .task_def_exists("zz")
            .await
            .unwrap()
    );

    let h = Harness::new().await;
    h.respond(error_response(400, "bad task name")).await;
    let error = h
        .client
        .metadata_client()
        .task_def_exists("zz")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
}
