//! `EventClient` against the dev server over real HTTP: event handler CRUD with OSS's errors
//! (409 duplicate, 404 unknown, 400 invalid), the default event queues, and the queue messages
//! that complete or fail a pending task.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use conductor_client::models::{
    EventHandler, EventHandlerAction, TaskStatus, TaskType, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use serde_json::json;
use support::{Env, assert_status, linear_def};

fn handler(name: &str, event: &str) -> EventHandler {
    EventHandler::new(name, event)
        .with_action(EventHandlerAction::start_workflow(
            "on_paid",
            json!({"orderId": "${orderId}"}),
        ))
        .with_active(true)
}

#[tokio::test]
async fn event_handlers_register_list_update_and_delete() {
    let env = Env::start().await;
    let events = &env.events;
    let paid = handler("paid_handler", "conductor:orders:paid").with_condition("$.amount > 10");
    events.register_event_handler(&paid).await.unwrap();
    let error = assert_status(
        events.register_event_handler(&paid).await,
        409,
        "EventHandler with name paid_handler already exists!",
    );
    assert!(error.is_conflict());

    // An inactive handler on the same event, and one on another event.
    events
        .register_event_handler(&handler("paid_audit", "conductor:orders:paid").with_active(false))
        .await
        .unwrap();
    events
        .register_event_handler(&handler("shipped_handler", "sqs:shipped"))
        .await
        .unwrap();

    let all = events.get_event_handlers().await.unwrap();
    let stored = all
        .iter()
        .find(|h| h.name == "paid_handler")
        .expect("registered handler listed");
    assert_eq!(stored, &paid);
    assert_eq!(all.len(), 3);

    // By event: only the active ones unless asked otherwise.
    let names = |handlers: Vec<EventHandler>| {
        let mut names: Vec<String> = handlers.into_iter().map(|h| h.name).collect();
        names.sort();
        names
    };
    assert_eq!(
        names(
            events
                .get_event_handlers_for_event("conductor:orders:paid", true)
                .await
                .unwrap()
        ),
        ["paid_handler"]
    );
    assert_eq!(
        names(
            events
                .get_event_handlers_for_event("conductor:orders:paid", false)
                .await
                .unwrap()
        ),
        ["paid_audit", "paid_handler"]
    );
    assert!(
        events
            .get_event_handlers_for_event("conductor:orders:refunded", false)
            .await
            .unwrap()
            .is_empty()
    );

    // Update replaces the handler; an unknown name is a 404.
    events
        .update_event_handler(&paid.clone().with_active(false))
        .await
        .unwrap();
    assert!(
        events
            .get_event_handlers_for_event("conductor:orders:paid", true)
            .await
            .unwrap()
            .is_empty()
    );
    let error = assert_status(
        events
            .update_event_handler(&handler("nobody", "sqs:x"))
            .await,
        404,
        "EventHandler with name nobody not found!",
    );
    assert!(error.is_not_found());

    // Delete by name.
    events.delete_event_handler("paid_handler").await.unwrap();
    assert_eq!(events.get_event_handlers().await.unwrap().len(), 2);
    let error = assert_status(
        events.delete_event_handler("paid_handler").await,
        404,
        "EventHandler with name paid_handler not found!",
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn invalid_event_handlers_are_rejected_with_validation_errors() {
    let env = Env::start().await;
    let error = assert_status(
        env.events
            .register_event_handler(&EventHandler::new("no_actions", "sqs:q"))
            .await,
        400,
        "Validation failed",
    );
    assert!(
        error
            .validation_errors()
            .iter()
            .any(|v| v.message == "No actions specified. Please specify at-least one action"),
        "{:?}",
        error.validation_errors()
    );
    let error = assert_status(
        env.events.register_event_handler(&handler("", "")).await,
        400,
        "Validation failed",
    );
    let messages: Vec<&str> = error
        .validation_errors()
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert!(
        messages.contains(&"Missing event handler name"),
        "{messages:?}"
    );
    assert!(messages.contains(&"Missing event location"), "{messages:?}");
    assert!(env.events.get_event_handlers().await.unwrap().is_empty());
}

#[tokio::test]
async fn default_event_queues_are_listed() {
    let env = Env::start().await;
    let names = env.events.get_event_queue_names().await.unwrap();
    assert_eq!(names.len(), 2, "{names:?}");
    let completed = names.get("COMPLETED").expect("a COMPLETED queue");
    let failed = names.get("FAILED").expect("a FAILED queue");
    let sizes = env.events.get_event_queue_sizes().await.unwrap();
    // Messages are applied as they are published, so the queues are always empty.
    assert_eq!(sizes.get(completed), Some(&0));
    assert_eq!(sizes.get(failed), Some(&0));
    assert_eq!(sizes.len(), 2);
}

#[tokio::test]
async fn queue_messages_complete_or_fail_a_pending_task() {
    let env = Env::start().await;
    env.register(
        &linear_def("approval", &["review"])
            .with_task(WorkflowTask::simple("archive", "archive_ref")),
    )
    .await;

    // By reference name: COMPLETED, with the message merged into the output.
    let id = env.start_workflow("approval").await;
    env.events
        .publish_task_update(
            &id,
            "review_ref",
            TaskStatus::Completed,
            &json!({"approved": true}),
        )
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    let review = &workflow.tasks[0];
    assert_eq!(review.status, TaskStatus::Completed);
    assert_eq!(review.output_data["approved"], true);
    let external_id: serde_json::Value =
        serde_json::from_str(review.output_data["externalId"].as_str().unwrap()).unwrap();
    assert_eq!(
        external_id,
        json!({"workflowId": id, "taskRefName": "review_ref"})
    );
    // The workflow moved on to the next task.
    assert_eq!(workflow.tasks[1].reference_task_name, "archive_ref");
    assert_eq!(workflow.tasks[1].status, TaskStatus::Scheduled);

    // By task id: FAILED (the archive task has retries left: a new attempt is scheduled).
    let archive_id = workflow.tasks[1].task_id.clone();
    env.events
        .publish_task_update_by_id(
            &id,
            &archive_id,
            TaskStatus::Failed,
            &json!({"why": "disk"}),
        )
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    let failed = workflow
        .tasks
        .iter()
        .find(|t| t.task_id == archive_id)
        .unwrap();
    assert_eq!(failed.status, TaskStatus::Failed);
    assert_eq!(failed.output_data["why"], "disk");
    assert_eq!(workflow.tasks.len(), 3, "a retry was scheduled");
    assert_eq!(workflow.status, WorkflowStatus::Running);

    // Only COMPLETED and FAILED have a queue; an unknown status is not a status at all.
    assert_status(
        env.events
            .publish_task_update(&id, "archive_ref", TaskStatus::InProgress, &json!({}))
            .await,
        400,
        "There is no queue for handling IN_PROGRESS status",
    );
    // A message for a task (or workflow) that does not exist is accepted and dropped, as the
    // OSS listener drops it after the publish call returned.
    env.events
        .publish_task_update(&id, "no_such_ref", TaskStatus::Completed, &json!({}))
        .await
        .unwrap();
    env.events
        .publish_task_update("no-such-workflow", "x", TaskStatus::Completed, &json!({}))
        .await
        .unwrap();
    assert_eq!(
        env.workflows.get_workflow(&id).await.unwrap().tasks.len(),
        3
    );

    // The output must be a JSON object: rejected before sending.
    let error = env
        .events
        .publish_task_update(&id, "archive_ref", TaskStatus::Completed, &json!([1]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, conductor_client::ConductorError::Json(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn queue_messages_complete_human_and_wait_tasks() {
    let env = Env::start().await;
    env.register(
        &WorkflowDef::new("sign_off")
            .with_task(WorkflowTask::new(TaskType::Human, "approve", "approve_ref"))
            .with_task(WorkflowTask::wait("cool_down_ref")),
    )
    .await;
    let id = env.start_workflow("sign_off").await;
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks[0].task_type, "HUMAN");
    assert_eq!(workflow.tasks[0].status, TaskStatus::InProgress);

    env.events
        .publish_task_update(
            &id,
            "approve_ref",
            TaskStatus::Completed,
            &json!({"by": "bob"}),
        )
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks[0].status, TaskStatus::Completed);
    assert_eq!(workflow.tasks[0].output_data["by"], "bob");
    let wait = &workflow.tasks[1];
    assert_eq!(wait.task_type, "WAIT");
    assert_eq!(wait.status, TaskStatus::InProgress);

    env.events
        .publish_task_update_by_id(&id, &wait.task_id, TaskStatus::Completed, &json!({}))
        .await
        .unwrap();
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);
}
