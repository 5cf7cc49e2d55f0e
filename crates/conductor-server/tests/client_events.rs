//! `EventClient` over real HTTP against the server under test (the embedded server, or the one
//! of `CONDUCTOR_TEST_SERVER_URL`): event handler CRUD with OSS's errors (409 duplicate, 404
//! unknown, 400 invalid), and — on the embedded server, whose default event queues need a message
//! broker on conductor-oss — the queue messages that complete or fail a pending task.

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

/// The handlers of `handlers` among `names`, by name.
fn only<'a>(handlers: &'a [EventHandler], names: &[&str]) -> Vec<&'a EventHandler> {
    handlers
        .iter()
        .filter(|h| names.contains(&h.name.as_str()))
        .collect()
}

#[tokio::test]
async fn event_handlers_register_list_update_and_delete() {
    let env = Env::start().await;
    let events = &env.events;
    let paid_handler = env.name("paid_handler");
    let paid_audit = env.name("paid_audit");
    let shipped_handler = env.name("shipped_handler");
    let ours = [
        paid_handler.as_str(),
        paid_audit.as_str(),
        shipped_handler.as_str(),
    ];
    let orders = env.name("orders");
    let paid_event = format!("conductor:{orders}:paid");
    let paid = handler(&paid_handler, &paid_event).with_condition("$.amount > 10");
    events.register_event_handler(&paid).await.unwrap();
    let error = assert_status(
        events.register_event_handler(&paid).await,
        409,
        &format!("EventHandler with name {paid_handler} already exists!"),
    );
    assert!(error.is_conflict());

    // An inactive handler on the same event, and one on another event.
    events
        .register_event_handler(&handler(&paid_audit, &paid_event).with_active(false))
        .await
        .unwrap();
    events
        .register_event_handler(&handler(
            &shipped_handler,
            &format!("conductor:{orders}:shipped"),
        ))
        .await
        .unwrap();

    let all = events.get_event_handlers().await.unwrap();
    let stored = all
        .iter()
        .find(|h| h.name == paid_handler)
        .expect("registered handler listed");
    assert_eq!(stored, &paid);
    assert_eq!(only(&all, &ours).len(), 3);

    // By event: only the active ones unless asked otherwise.
    let names = |handlers: Vec<EventHandler>| {
        let mut names: Vec<String> = handlers.into_iter().map(|h| h.name).collect();
        names.sort();
        names
    };
    assert_eq!(
        names(
            events
                .get_event_handlers_for_event(&paid_event, true)
                .await
                .unwrap()
        ),
        std::slice::from_ref(&paid_handler)
    );
    let mut both = vec![paid_audit.clone(), paid_handler.clone()];
    both.sort();
    assert_eq!(
        names(
            events
                .get_event_handlers_for_event(&paid_event, false)
                .await
                .unwrap()
        ),
        both
    );
    assert!(
        events
            .get_event_handlers_for_event(&format!("conductor:{orders}:refunded"), false)
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
            .get_event_handlers_for_event(&paid_event, true)
            .await
            .unwrap()
            .is_empty()
    );
    let nobody = env.name("nobody");
    let error = assert_status(
        events
            .update_event_handler(&handler(&nobody, &paid_event))
            .await,
        404,
        &format!("EventHandler with name {nobody} not found!"),
    );
    assert!(error.is_not_found());

    // Delete by name.
    events.delete_event_handler(&paid_handler).await.unwrap();
    assert_eq!(
        only(&events.get_event_handlers().await.unwrap(), &ours).len(),
        2
    );
    let error = assert_status(
        events.delete_event_handler(&paid_handler).await,
        404,
        &format!("EventHandler with name {paid_handler} not found!"),
    );
    assert!(error.is_not_found());
    for name in [&paid_audit, &shipped_handler] {
        events.delete_event_handler(name).await.unwrap();
    }
}

#[tokio::test]
async fn invalid_event_handlers_are_rejected_with_validation_errors() {
    let env = Env::start().await;
    let no_actions = env.name("no_actions");
    let queue = env.name("q");
    let error = assert_status(
        env.events
            .register_event_handler(&EventHandler::new(
                &no_actions,
                format!("conductor:{queue}"),
            ))
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
    let all = env.events.get_event_handlers().await.unwrap();
    assert!(only(&all, &[no_actions.as_str(), ""]).is_empty(), "{all:?}");
}

#[tokio::test]
async fn task_updates_for_a_status_without_a_queue_are_rejected() {
    let env = Env::start().await;
    let approval = env.name("approval");
    let review = env.name("review");
    env.register_linear(&approval, &[&review]).await;
    let id = env.start_workflow(&approval).await;
    // A stock conductor-oss has no default queue at all (they need a message broker); the
    // embedded server has one for COMPLETED and one for FAILED, as configured servers do. No
    // server has one for IN_PROGRESS.
    assert_status(
        env.events
            .publish_task_update(
                &id,
                &format!("{review}_ref"),
                TaskStatus::InProgress,
                &json!({}),
            )
            .await,
        400,
        "There is no queue for handling IN_PROGRESS status",
    );
    // The output must be a JSON object: rejected before sending.
    let error = env
        .events
        .publish_task_update(&id, "any_ref", TaskStatus::Completed, &json!([1]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, conductor_client::ConductorError::Json(_)),
        "{error:?}"
    );
}

/// The default event queues (`/api/queue`) need a message broker (SQS, AMQP, Kafka, NATS,
/// Redis) configured on conductor-oss; a stock server has none, the embedded one has them
/// built in.
mod embedded_only {
    use super::*;

    /// The embedded server's built-in default queues; a stock conductor-oss lists none.
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

    /// Publishing to the default queues needs them; a stock conductor-oss answers 400.
    #[tokio::test]
    async fn queue_messages_complete_or_fail_a_pending_task() {
        let env = Env::start().await;
        let approval = env.name("approval");
        let review = env.name("review");
        let archive = env.name("archive");
        let review_ref = format!("{review}_ref");
        let archive_ref = format!("{archive}_ref");
        env.register(
            &linear_def(&approval, &[&review])
                .with_task(WorkflowTask::simple(&archive, &archive_ref)),
        )
        .await;

        // By reference name: COMPLETED, with the message merged into the output.
        let id = env.start_workflow(&approval).await;
        env.events
            .publish_task_update(
                &id,
                &review_ref,
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
            json!({"workflowId": id, "taskRefName": review_ref})
        );
        // The workflow moved on to the next task.
        assert_eq!(workflow.tasks[1].reference_task_name, archive_ref);
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

        // A message for a task (or workflow) that does not exist is accepted and dropped, as
        // the OSS listener drops it after the publish call returned.
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
    }

    /// Publishing to the default queues needs them; a stock conductor-oss answers 400.
    #[tokio::test]
    async fn queue_messages_complete_human_and_wait_tasks() {
        let env = Env::start().await;
        let sign_off = env.name("sign_off");
        env.register(
            &WorkflowDef::new(&sign_off)
                .with_task(WorkflowTask::new(TaskType::Human, "approve", "approve_ref"))
                .with_task(WorkflowTask::wait("cool_down_ref")),
        )
        .await;
        let id = env.start_workflow(&sign_off).await;
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
}
