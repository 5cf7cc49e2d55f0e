//! The seed design's client and model snippets, compiled against the facade and run against the
//! embedded server over real HTTP: the contract's call shapes keep compiling and do what they say.
//!
//! With `CONDUCTOR_TEST_SERVER_URL` set, they run unchanged against that server (a real
//! conductor-oss) instead, with every name made unique by [`unique_name`] so that tests never
//! meet each other's definitions, queues or executions.

use std::time::Duration;

use conductor::error::{ConductorError, Result};
use conductor::models::{
    RetryLogic, StartWorkflowRequest, TaskDef, TaskResult, TaskStatus, TimeoutPolicy, WorkflowDef,
    WorkflowStatus, WorkflowTask, WorkflowTimeoutPolicy,
};
use conductor::{ConductorClient, Configuration};
use conductor_server::DevServer;
use conductor_test_support::{external_server_url, unique_name};

/// The server a test runs against: a fresh embedded one, or the external one.
struct TestServer(Option<DevServer>);

impl TestServer {
    async fn shutdown(self) {
        if let Some(server) = self.0 {
            server.shutdown().await;
        }
    }
}

async fn start() -> (TestServer, ConductorClient) {
    let (server, url) = match external_server_url() {
        Some(url) => (TestServer(None), url),
        None => {
            let server = DevServer::start()
                .await
                .expect("the embedded server starts");
            let url = server.url();
            (TestServer(Some(server)), url)
        }
    };
    // The seed's programmatic configuration (auth left out: the test servers have none).
    let config = Configuration::new(url)
        .with_timeout(Duration::from_secs(30))
        .with_debug(true);
    let client = ConductorClient::new(config).expect("client builds");
    (server, client)
}

#[tokio::test]
async fn seed_metadata_snippet_registers_definitions() -> Result<()> {
    let (server, client) = start().await;
    let metadata_client = client.metadata_client();
    let (my_task, my_workflow) = (unique_name("my_task"), unique_name("my_workflow"));

    // Register task definition (seed: "Operations for managing workflow and task definitions").
    let task_def = TaskDef::new(&my_task)
        .with_description("My task")
        .with_retry(3, RetryLogic::Fixed, 10)
        .with_timeout(60, TimeoutPolicy::TimeOutWf);
    metadata_client.register_task_def(&task_def).await?;

    // Register workflow definition.
    let workflow_def = WorkflowDef::new(&my_workflow)
        .with_version(1)
        .with_task(WorkflowTask::simple(&my_task, "task_ref_1"));
    metadata_client.register_workflow_def(&workflow_def).await?;

    let stored_task = metadata_client.get_task_def(&my_task).await?;
    assert_eq!(stored_task.retry_count, 3);
    assert_eq!(stored_task.retry_delay_seconds, 10);
    assert_eq!(stored_task.timeout_seconds, 60);
    assert_eq!(stored_task.timeout_policy, TimeoutPolicy::TimeOutWf);
    assert!(metadata_client.task_def_exists(&my_task).await?);
    assert!(
        !metadata_client
            .task_def_exists(&unique_name("no_such_task"))
            .await?
    );

    let stored_workflow = metadata_client
        .get_workflow_def(&my_workflow, Some(1))
        .await?;
    assert_eq!(stored_workflow.tasks.len(), 1);
    assert_eq!(stored_workflow.tasks[0].task_reference_name, "task_ref_1");
    assert!(
        metadata_client
            .workflow_def_exists(&my_workflow, Some(1))
            .await?
    );

    // Registering the same name and version again without overwrite is a conflict, as in OSS.
    let err = metadata_client
        .register_workflow_def(&workflow_def)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "expected 409, got {err:?}");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn seed_task_and_workflow_snippets_run_a_workflow_to_completion() -> Result<()> {
    let (server, client) = start().await;
    let workflow_client = client.workflow_client();
    let task_client = client.task_client();
    let (process_order, order_workflow) =
        (unique_name("process_order"), unique_name("order_workflow"));

    // The seed's model builders: task definition, workflow definition with output and timeout.
    let task_def = TaskDef::new(&process_order)
        .with_description("Process customer orders")
        .with_retry(3, RetryLogic::ExponentialBackoff, 10)
        .with_timeout(300, TimeoutPolicy::TimeOutWf)
        .with_rate_limit(100, 60)
        .with_owner("team@example.com");
    client
        .metadata_client()
        .register_task_def(&task_def)
        .await?;
    let workflow_def = WorkflowDef::new(&order_workflow)
        .with_version(1)
        .with_description("Order processing workflow")
        .with_task(
            WorkflowTask::simple(&process_order, "process_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_output_param("orderId", "${process_ref.output.orderId}")
        .with_timeout(3600, WorkflowTimeoutPolicy::TimeOutWf);
    client
        .metadata_client()
        .register_workflow_def(&workflow_def)
        .await?;

    // Start workflow (seed: WorkflowClient).
    let request = StartWorkflowRequest::new(order_workflow)
        .with_version(1)
        .with_input_value("orderId", "order-42");
    let workflow_id = workflow_client.start_workflow(&request).await?;
    assert!(!workflow_id.is_empty());

    // Batch poll for tasks (seed: TaskClient).
    let tasks = task_client
        .batch_poll(
            &process_order,
            Some("worker-1"),
            None,
            10,
            Duration::from_secs(1),
        )
        .await?;
    assert_eq!(
        tasks.len(),
        1,
        "exactly the one scheduled task is delivered"
    );
    let task = &tasks[0];
    assert_eq!(task.status, TaskStatus::InProgress);
    assert_eq!(task.poll_count, 1);
    assert_eq!(
        task.get_input_string("orderId").as_deref(),
        Some("order-42")
    );

    // Update task with retry.
    let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
        .with_output_value("orderId", "order-42")
        .with_output_value("result", "done");
    task_client.update_task_with_retry(&result, 3).await?;

    let workflow = workflow_client.get_workflow(&workflow_id).await?;
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(
        workflow.output.get("orderId"),
        Some(&serde_json::json!("order-42"))
    );
    let logs_free_task = task_client.get_task(&task.task_id).await?;
    assert_eq!(logs_free_task.status, TaskStatus::Completed);
    server.shutdown().await;
    Ok(())
}

// A current-thread runtime on purpose: the server, the waiting execute call and the worker share one
// thread, so a busy-waiting handler in the server would starve the worker and fail this test.
#[tokio::test]
async fn seed_execute_workflow_waits_for_the_result() -> Result<()> {
    let (server, client) = start().await;
    let (execute_me, echo) = (unique_name("execute_me"), unique_name("echo"));
    let workflow_def = WorkflowDef::new(&execute_me).with_version(1).with_task(
        WorkflowTask::simple(&echo, "echo_ref").with_input_param("x", "${workflow.input.x}"),
    );
    client
        .metadata_client()
        .register_workflow_def(&workflow_def)
        .await?;

    // A worker answers the task while execute_workflow waits.
    let worker_client = client.clone();
    let worker = tokio::spawn(async move {
        let task_client = worker_client.task_client();
        loop {
            let tasks = task_client
                .batch_poll(&echo, Some("w"), None, 1, Duration::from_secs(1))
                .await?;
            if let Some(task) = tasks.into_iter().next() {
                let x = task.get_input::<i64>("x").unwrap_or_default();
                let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
                    .with_output_value("doubled", x * 2);
                task_client.update_task(&result).await?;
                return Ok::<_, ConductorError>(());
            }
        }
    });

    // Execute and wait (seed), without a version: runs the latest.
    let request = StartWorkflowRequest::new(execute_me).with_input_value("x", 21);
    let run = client
        .workflow_client()
        .execute_workflow(&request, Duration::from_secs(10))
        .await?;
    worker.await.expect("worker task joins")?;
    assert_eq!(run.status, WorkflowStatus::Completed);
    let workflow_id = run
        .workflow_id
        .as_deref()
        .expect("a WorkflowRun names its workflow");
    let workflow = client.workflow_client().get_workflow(workflow_id).await?;
    assert_eq!(
        workflow.tasks[0].output_data.get("doubled"),
        Some(&serde_json::json!(42))
    );
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn seed_error_handling_predicates_classify_server_errors() -> Result<()> {
    let (server, client) = start().await;
    let err = client
        .workflow_client()
        .get_workflow(&unique_name("no_such_workflow"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(404));

    // The seed's error constructors keep compiling.
    let missing = ConductorError::task_execution("Missing 'data' input");
    assert!(!missing.is_retryable());
    assert!(missing.to_string().contains("Missing 'data' input"));
    server.shutdown().await;
    Ok(())
}
