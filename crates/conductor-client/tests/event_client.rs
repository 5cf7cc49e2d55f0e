//! Wire-contract tests of `EventClient` (event handlers, default event queues) and of
//! `ConductorClient` itself (health, version, sharing one `ApiClient`).

mod common;

use common::{Harness, empty_ok, error_response, event_handler_json, json_response, text_response};
use conductor_client::models::{EventActionType, EventHandler, EventHandlerAction, TaskStatus};
use conductor_client::{
    ConductorClient, ConductorError, Configuration, EventClient, MetadataClient, TaskClient,
    WorkflowClient,
};
use serde_json::json;

fn handler() -> EventHandler {
    EventHandler::new("order_paid", "conductor:orders:paid")
        .with_condition("$.amount > 100")
        .with_action(EventHandlerAction::start_workflow(
            "video_pipeline",
            json!({"orderId": "${orderId}"}),
        ))
        .with_active(true)
}

#[tokio::test]
async fn register_and_update_event_handler_send_the_handler() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let events = h.client.event_client();
    let handler = handler();

    events.register_event_handler(&handler).await.unwrap();
    events.update_event_handler(&handler).await.unwrap();

    let sent = h.requests().await;
    sent[0].assert_call("POST", "/api/event", &[]);
    sent[1].assert_call("PUT", "/api/event", &[]);
    for request in &sent {
        request.assert_json_body(&serde_json::to_value(&handler).unwrap());
        let body = request.json_body();
        assert_eq!(body["name"], "order_paid");
        assert_eq!(body["event"], "conductor:orders:paid");
        assert_eq!(body["active"], true);
        assert_eq!(body["actions"][0]["action"], "start_workflow");
        assert_eq!(
            body["actions"][0]["start_workflow"]["name"],
            "video_pipeline"
        );
    }
}

#[tokio::test]
async fn register_duplicate_event_handler_is_a_conflict() {
    let h = Harness::new().await;
    h.respond(error_response(
        409,
        "EventHandler with name order_paid already exists!",
    ))
    .await;

    let error = h
        .client
        .event_client()
        .register_event_handler(&handler())
        .await
        .unwrap_err();

    assert!(error.is_conflict(), "{error:?}");
}

#[tokio::test]
async fn delete_event_handler_by_name() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    h.client
        .event_client()
        .delete_event_handler("order paid")
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call("DELETE", "/api/event/order%20paid", &[]);
    sent.assert_no_body();

    let h = Harness::new().await;
    h.respond(error_response(
        404,
        "EventHandler with name nope not found!",
    ))
    .await;
    let error = h
        .client
        .event_client()
        .delete_event_handler("nope")
        .await
        .unwrap_err();
    assert!(error.is_not_found());
}

#[tokio::test]
async fn list_event_handlers_all_and_by_event() {
    let handlers = json!([
        event_handler_json("order_paid", "conductor:orders:paid"),
        event_handler_json("order_big", "conductor:orders:paid")
    ]);
    let h = Harness::new().await;
    h.respond(json_response(&handlers)).await;
    let all = h.client.event_client().get_event_handlers().await.unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/event", &[]);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].actions[0].action, EventActionType::StartWorkflow);
    assert_eq!(
        all[0].actions[0]
            .start_workflow
            .as_ref()
            .map(|start| start.name.as_str()),
        Some("video_pipeline")
    );
    assert!(all[0].active);

    let h = Harness::new().await;
    h.respond(json_response(&handlers)).await;
    let events = h.client.event_client();
    let active = events
        .get_event_handlers_for_event("conductor:orders:paid", true)
        .await
        .unwrap();
    events
        .get_event_handlers_for_event("sqs:my queue", false)
        .await
        .unwrap();
    let sent = h.requests().await;
    sent[0].assert_call(
        "GET",
        "/api/event/conductor%3Aorders%3Apaid",
        &[("activeOnly", "true")],
    );
    sent[1].assert_call(
        "GET",
        "/api/event/sqs%3Amy%20queue",
        &[("activeOnly", "false")],
    );
    assert_eq!(active[1].name, "order_big");
    assert_eq!(active[1].condition.as_deref(), Some("$.amount > 100"));
}

#[tokio::test]
async fn default_event_queue_admin() {
    let h = Harness::new().await;
    h.respond(json_response(
        &json!({"conductor_COMPLETED": 2, "conductor_FAILED": 0}),
    ))
    .await;
    let sizes = h
        .client
        .event_client()
        .get_event_queue_sizes()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/queue/size", &[]);
    assert_eq!(sizes["conductor_COMPLETED"], 2);

    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "COMPLETED": "conductor_COMPLETED",
        "FAILED": "conductor_FAILED"
    })))
    .await;
    let names = h
        .client
        .event_client()
        .get_event_queue_names()
        .await
        .unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/queue/", &[]);
    assert_eq!(names["FAILED"], "conductor_FAILED");
}

#[tokio::test]
async fn publish_task_updates_through_the_default_queue() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let events = h.client.event_client();

    events
        .publish_task_update(
            "wf-1",
            "wait ref",
            TaskStatus::Completed,
            &json!({"ok": true}),
        )
        .await
        .unwrap();
    events
        .publish_task_update_by_id("wf-1", "task/1", TaskStatus::Failed, &json!({}))
        .await
        .unwrap();
    let error = events
        .publish_task_update(
            "wf-1",
            "ref",
            TaskStatus::Completed,
            &json!("not an object"),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");

    let sent = h.requests().await;
    assert_eq!(
        sent.len(),
        2,
        "the invalid output is rejected before sending"
    );
    sent[0].assert_call("POST", "/api/queue/update/wf-1/wait%20ref/COMPLETED", &[]);
    sent[0].assert_json_body(&json!({"ok": true}));
    sent[1].assert_call("POST", "/api/queue/update/wf-1/task/task%2F1/FAILED", &[]);
    sent[1].assert_json_body(&json!({}));
}

#[tokio::test]
async fn health_and_version() {
    let h = Harness::new().await;
    h.respond(json_response(&json!({
        "healthResults": [],
        "suppressedHealthResults": [],
        "healthy": true
    })))
    .await;
    let health = h.client.health().await.unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/health", &[]);
    assert!(health.healthy);
    assert!(health.health_results.is_empty());

    let h = Harness::new().await;
    h.respond(text_response("3.32.1")).await;
    let version = h.client.version().await.unwrap();
    h.single_request()
        .await
        .assert_call("GET", "/api/version", &[]);
    assert_eq!(version, "3.32.1");

    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let error = h.client.version().await.unwrap_err();
    assert!(matches!(error, ConductorError::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn every_resource_client_shares_the_one_api_client() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let config = Configuration::new(h.server.uri());
    let client =
        ConductorClient::from_api_client(conductor_client::ApiClient::new(config).unwrap());
    let cloned = client.clone();

    // All go to the same server through the shared client.
    cloned
        .workflow_client()
        .pause_workflow("wf-1")
        .await
        .unwrap();
    client
        .event_client()
        .delete_event_handler("h")
        .await
        .unwrap();
    client.metadata_client().delete_task_def("t").await.unwrap();
    client
        .task_client()
        .add_task_log("task-1", "line")
        .await
        .unwrap();

    assert_eq!(h.requests().await.len(), 4);
    assert_eq!(
        client.configuration().server_url(),
        cloned.api_client().configuration().server_url()
    );
    assert!(client.configuration().server_url().ends_with("/api"));
}

#[test]
fn clients_are_send_sync_and_clone() {
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<ConductorClient>();
    assert_shareable::<TaskClient>();
    assert_shareable::<WorkflowClient>();
    assert_shareable::<MetadataClient>();
    assert_shareable::<EventClient>();
}

#[test]
fn client_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = ConductorClient::new(Configuration::new("http://localhost:1")).unwrap();
    let tasks = client.task_client();
    let workflows = client.workflow_client();
    let request = conductor_client::models::StartWorkflowRequest::new("w");
    assert_send(&tasks.update_task_with_retry(
        &conductor_client::models::TaskResult::completed("t", "w"),
        1,
    ));
    assert_send(&workflows.start_workflow(&request));
    assert_send(&client.metadata_client().get_all_task_defs());
    assert_send(&client.event_client().get_event_handlers());
}
