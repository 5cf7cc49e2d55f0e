//! The SDK design's Worker Framework, Events and Metrics snippets, as written there (only the
//! `conductor::` facade paths are replaced by this workspace's crates), each run and checked.

// Test code: unwrapping is how a test fails; the snippets print, as the design's do.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::uninlined_format_args
)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{FakeApi, LONG};
use conductor_events::{PollCompleted, TaskExecutionCompleted, TaskRunnerEventsListener};
use conductor_http::{ConductorError, Configuration, Result};
use conductor_metrics::MetricsSettings;
use conductor_models::{Task, TaskResultStatus};
use conductor_worker::schema::generate_schema;
use conductor_worker::{FnWorker, TaskContext, TaskHandler, TaskInProgress, Worker, WorkerOutput};
use schemars::JsonSchema;

fn task_with(input: serde_json::Value) -> Task {
    Task {
        task_id: "t1".into(),
        workflow_instance_id: "wf1".into(),
        poll_count: 1,
        input_data: input.as_object().cloned().unwrap_or_default(),
        ..Task::default()
    }
}

// --- Worker trait ("Custom Worker Implementation") ---

struct DatabasePool;

impl DatabasePool {
    async fn process(&self, order_id: &str) -> Result<String> {
        Ok(format!("processed {order_id}"))
    }
}

struct OrderProcessor {
    db_pool: DatabasePool,
}

#[async_trait]
impl Worker for OrderProcessor {
    fn task_definition_name(&self) -> &str {
        "process_order"
    }

    fn thread_count(&self) -> usize {
        8
    }

    fn poll_interval_millis(&self) -> u64 {
        200
    }

    async fn execute(&self, task: &Task) -> Result<WorkerOutput> {
        let order_id: String = task
            .get_input("orderId")
            .ok_or_else(|| ConductorError::task_execution("Missing orderId"))?;

        // Process order...
        let result = self.db_pool.process(&order_id).await?;

        Ok(WorkerOutput::completed_with_result(result))
    }
}

#[tokio::test]
async fn seed_custom_worker() {
    let worker = OrderProcessor {
        db_pool: DatabasePool,
    };
    assert_eq!(
        (worker.thread_count(), worker.poll_interval_millis()),
        (8, 200)
    );
    let out = worker
        .execute(&task_with(serde_json::json!({"orderId": "o-1"})))
        .await
        .unwrap();
    assert_eq!(out, WorkerOutput::completed_with_result("processed o-1"));
    let err = worker
        .execute(&task_with(serde_json::json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, ConductorError::TaskExecution(_)));
}

// --- WorkerOutput convenience constructors ---

#[test]
fn seed_worker_output_constructors() {
    let _ = WorkerOutput::completed_with_result("result_value");
    let out = WorkerOutput::completed(HashMap::from([("key", "value")]));
    let _ = WorkerOutput::failed("Error message");
    let _ = WorkerOutput::in_progress(60); // callback after 60 seconds
    let WorkerOutput::Completed(map) = out else {
        panic!()
    };
    assert_eq!(map["key"], "value");
}

// --- FnWorker ---

#[tokio::test]
async fn seed_fn_worker() {
    let worker = FnWorker::new("my_task", |task: Task| async move {
        let input = task.get_input_string("name").unwrap_or_default();
        Ok(WorkerOutput::completed_with_result(format!(
            "Hello, {}!",
            input
        )))
    })
    .with_thread_count(4)
    .with_poll_interval_millis(500)
    .with_domain("my-domain");
    assert_eq!(worker.domain(), Some("my-domain"));
    let out = worker
        .execute(&task_with(serde_json::json!({"name": "Ada"})))
        .await
        .unwrap();
    assert_eq!(out, WorkerOutput::completed_with_result("Hello, Ada!"));
}

// --- JSON Schema ---

#[allow(dead_code)]
#[derive(JsonSchema)]
struct OrderInput {
    order_id: String,
    amount: f64,
    items: Vec<String>,
}

#[allow(dead_code)]
#[derive(JsonSchema)]
struct OrderOutput {
    status: String,
    processed_at: String,
}

#[test]
fn seed_schemas() {
    let handler = |_task: Task| async { Ok(WorkerOutput::completed_with_result("ok")) };

    // Generate schema with strict mode (additionalProperties: false)
    let input_schema = generate_schema::<OrderInput>(true);
    let output_schema = generate_schema::<OrderOutput>(true);

    // Attach schemas to worker - auto-registered when register_task_def=true
    let worker = FnWorker::new("process_order", handler)
        .with_input_schema(input_schema)
        .with_output_schema(output_schema);

    // Or use the convenience methods
    let worker2 = FnWorker::new("process_order", handler)
        .with_input_schema_from::<OrderInput>(true)
        .with_output_schema_from::<OrderOutput>(true);

    assert_eq!(worker.input_schema(), worker2.input_schema());
    assert_eq!(
        worker.output_schema().unwrap()["additionalProperties"],
        false
    );
}

// --- TaskContext ---

fn long_task_worker() -> FnWorker {
    FnWorker::new("long_task", |task: Task| async move {
        let ctx = TaskContext::from_task(&task);

        // Access metadata
        println!("Poll count: {}", ctx.poll_count());
        println!("Retry count: {}", ctx.retry_count());
        println!("Task ID: {}", ctx.task_id());
        println!("Workflow ID: {}", ctx.workflow_instance_id());

        // Convenience methods
        if ctx.is_first_poll() {
            // Initialize task
        }
        if ctx.is_retry() {
            // Handle retry differently
        }

        if ctx.poll_count() < 5 {
            Ok(WorkerOutput::in_progress(30))
        } else {
            Ok(WorkerOutput::completed_with_result("done"))
        }
    })
}

#[tokio::test]
async fn seed_task_context() {
    let worker = long_task_worker();
    for poll_count in 1..=5 {
        let task = Task {
            poll_count,
            ..task_with(serde_json::json!({}))
        };
        let out = worker.execute(&task).await.unwrap();
        let done = matches!(out, WorkerOutput::Completed(_));
        assert_eq!(done, poll_count == 5, "poll {poll_count}");
    }
}

// --- TaskHandler, events, metrics ---

struct MyListener;

impl TaskRunnerEventsListener for MyListener {
    fn on_poll_completed(&self, event: &PollCompleted) {
        println!(
            "Polled {} tasks in {:?}",
            event.tasks_received, event.duration
        );
    }

    fn on_task_execution_completed(&self, event: &TaskExecutionCompleted) {
        println!("Task {} completed in {:?}", event.task_id, event.duration);
    }
}

#[tokio::test]
async fn seed_task_handler_control_events_and_metrics() -> Result<()> {
    let api = FakeApi::new();
    api.add_tasks("task_type_1", 2);
    let worker1 = FnWorker::new("task_type_1", |_| async {
        Ok(WorkerOutput::completed_with_result(1))
    });
    let worker2 = FnWorker::new("task_type_2", |_| async {
        Ok(WorkerOutput::completed_with_result(2))
    });

    let mut handler = TaskHandler::builder(Configuration::from_env())
        .worker(worker1)
        .worker(worker2)
        .metrics(MetricsSettings::default().with_namespace("conductor"))
        .task_api(api.clone())
        .build()?;

    // Register listener
    handler.add_event_listener(Arc::new(MyListener));

    handler.start().await?;

    // Control individual workers
    handler.pause_worker("task_type_1");
    handler.resume_worker("task_type_1");

    // Control all workers
    handler.pause_all();
    handler.resume_all();

    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);

    // Graceful shutdown
    handler.stop().await?;

    // Programmatically
    if let Some(collector) = handler.metrics_collector() {
        let metrics_text = collector.gather();
        println!("{}", metrics_text);
        assert!(metrics_text.contains("conductor_task_poll_total"));
    } else {
        panic!("metrics were configured");
    }
    Ok(())
}

// --- Long-running task example ---

#[tokio::test]
async fn seed_long_running_example() {
    let worker = FnWorker::new("long_task", |task| async move {
        let progress: i32 = task.get_input("progress").unwrap_or(0);

        if progress < 100 {
            // Report progress and callback in 10 seconds
            Ok(WorkerOutput::InProgress(
                TaskInProgress::new(10)
                    .with_output_value("progress", progress + 10)
                    .with_output_value("status", "Processing..."),
            ))
        } else {
            Ok(WorkerOutput::completed_with_result("Complete!"))
        }
    });
    let out = worker
        .execute(&task_with(serde_json::json!({"progress": 40})))
        .await
        .unwrap();
    let WorkerOutput::InProgress(progress) = out else {
        panic!()
    };
    assert_eq!(progress.callback_after_seconds(), 10);
    assert_eq!(progress.output()["progress"], 50);
}

// --- Error handling ---

async fn some_operation() -> Result<String> {
    Err(ConductorError::Server {
        status: 503,
        message: "busy".into(),
        retryable: true,
        response: None,
    })
}

async fn process_task(task: &Task) -> Result<WorkerOutput> {
    // Errors automatically converted via From trait
    let _data: String = task
        .get_input("data")
        .ok_or_else(|| ConductorError::task_execution("Missing 'data' input"))?;

    // Check if error is retryable
    match some_operation().await {
        Err(e) if e.is_retryable() => {
            // Return in-progress to retry later
            Ok(WorkerOutput::in_progress(30))
        }
        Err(e) => Err(e),
        Ok(result) => Ok(WorkerOutput::completed_with_result(result)),
    }
}

#[tokio::test(start_paused = true)]
async fn seed_error_handling_through_the_runtime() {
    let api = FakeApi::new();
    api.add_task_with("with_data", |task| {
        task.input_data.insert("data".into(), "x".into());
    });
    api.add_tasks("without_data", 1);
    let worker =
        |name: &str| FnWorker::new(name, |task: Task| async move { process_task(&task).await });
    let mut handler = common::builder(&api)
        .worker(worker("with_data"))
        .worker(worker("without_data"))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.updates.len() >= 2).await);
    tokio::time::sleep(Duration::from_millis(10)).await;
    handler.stop().await.unwrap();
    let updates = api.updates();
    let status = |task_type: &str| {
        let task_id = api
            .state()
            .tasks
            .values()
            .find(|t| t.task_type == task_type)
            .unwrap()
            .task_id
            .clone();
        updates
            .iter()
            .find(|u| u.result.task_id == task_id)
            .unwrap()
            .result
            .status
            .clone()
    };
    assert_eq!(status("with_data"), TaskResultStatus::InProgress);
    assert_eq!(status("without_data"), TaskResultStatus::Failed);
}
