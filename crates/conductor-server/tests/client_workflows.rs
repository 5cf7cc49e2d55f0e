//! `WorkflowClient` over real HTTP against the server under test (the embedded server, or the
//! one of `CONDUCTOR_TEST_SERVER_URL`), one execution at a time: starting (three forms), sync
//! execution, the mocked test run, reads, and every lifecycle operation (pause, resume,
//! terminate, restart, retry, rerun, skip, reset callbacks, decide, variables, remove,
//! terminate-remove), with OSS's status codes for the error cases. Searches and bulk operations
//! are in `client_workflow_search.rs`.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use std::time::Duration;

use conductor_client::models::{
    ReturnStrategy, SignalResponse, SkipTaskRequest, StartWorkflowRequest, TaskMock, TaskResult,
    TaskResultStatus, TaskStatus, TaskType, WorkflowDef, WorkflowStatus, WorkflowTask,
    WorkflowTestRequest, WorkflowTimeoutPolicy,
};
use conductor_client::{
    ConductorError, ExecuteOptions, GetWorkflowOptions, RemoveOptions, RestartOptions,
    RetryOptions, StartWorkflowOptions, TerminateOptions, TerminateRemoveOptions,
    WorkflowStatusOptions, WorkflowTasksOptions,
};
use serde_json::json;
use support::{
    Env, WORKER, assert_between, assert_no_blocking_task, assert_status, eventually, linear_def,
    object,
};

/// A workflow of system tasks only: it completes while it is being started.
fn instant_def(name: &str) -> WorkflowDef {
    WorkflowDef::new(name)
        .with_task(
            WorkflowTask::new(TaskType::SetVariable, "set", "set_ref")
                .with_input_param("greeting", "${workflow.input.greeting}"),
        )
        .with_output_param("said", "${workflow.variables.greeting}")
}

/// The message of the first validation error of a failed call.
fn error_message_of_first_violation<T: std::fmt::Debug>(
    result: conductor_client::Result<T>,
) -> String {
    let error = result.expect_err("a validation error");
    error
        .validation_errors()
        .first()
        .unwrap_or_else(|| panic!("no validation error in {error:?}"))
        .message
        .clone()
}

fn assert_workflow_not_found<T: std::fmt::Debug>(result: conductor_client::Result<T>, id: &str) {
    let error = result.expect_err("expected WorkflowNotFound");
    assert!(
        matches!(&error, ConductorError::WorkflowNotFound(missing) if missing == id),
        "{error:?}"
    );
    assert!(error.is_not_found());
}

// ---------------------------------------------------------------------------------------------
// Start, execute, test
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn workflows_start_from_a_request_by_name_or_inline() {
    let env = Env::start().await;
    let orders = env.name("orders");
    let nothing = env.name("nothing");
    let order_7 = env.name("order_7");
    let order_8 = env.name("order_8");
    env.register_linear(&orders, &[&env.name("pack")]).await;

    let request = StartWorkflowRequest::new(&orders)
        .with_version(1)
        .with_input_value("x", 3)
        .with_correlation_id(&order_7)
        .with_priority(40)
        .with_created_by("alice");
    let before = env.now();
    let id = env.workflows.start_workflow(&request).await.unwrap();
    let after = env.now();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.workflow_id, id);
    assert_eq!(workflow.status, WorkflowStatus::Running);
    assert_eq!(workflow.workflow_name.as_deref(), Some(orders.as_str()));
    assert_eq!(workflow.workflow_version, Some(1));
    assert_eq!(workflow.correlation_id.as_deref(), Some(order_7.as_str()));
    assert_eq!(workflow.priority, 40);
    assert_eq!(workflow.input["x"], 3);
    assert_between(workflow.create_time.unwrap(), before, after);
    // conductor-oss does not keep the request's `createdBy`.
    assert_eq!(workflow.created_by, None);
    // The first task was scheduled before the id came back.
    assert_eq!(workflow.tasks.len(), 1);
    assert_eq!(workflow.tasks[0].status, TaskStatus::Scheduled);
    assert_eq!(workflow.tasks[0].input_data["x"], 3);

    // By name, with the options as query parameters.
    let options = StartWorkflowOptions::new()
        .version(1)
        .correlation_id(&order_8)
        .priority(5);
    let by_name = env
        .workflows
        .start_workflow_by_name(&orders, &json!({"x": 4}), &options)
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&by_name).await.unwrap();
    assert_eq!(workflow.correlation_id.as_deref(), Some(order_8.as_str()));
    assert_eq!(workflow.priority, 5);
    assert_eq!(workflow.input["x"], 4);

    // An inline definition needs no registration.
    let adhoc = env.name("adhoc");
    let dynamic = env.name("dyn");
    let inline =
        StartWorkflowRequest::new(&adhoc).with_workflow_def(linear_def(&adhoc, &[&dynamic]));
    let adhoc_id = env.workflows.start_workflow(&inline).await.unwrap();
    assert_eq!(env.poll(&dynamic).await.workflow_instance_id, adhoc_id);

    // Errors.
    let error = assert_status(
        env.workflows
            .start_workflow(&StartWorkflowRequest::new(&nothing))
            .await,
        404,
        &format!("No such workflow defined. name={nothing}, version=null"),
    );
    assert!(error.is_not_found());
    // The request's constraints come first (even before the definition lookup).
    let error = assert_status(
        env.workflows
            .start_workflow(
                &StartWorkflowRequest::new(&nothing)
                    .with_version(9)
                    .with_priority(100),
            )
            .await,
        400,
        "Validation failed",
    );
    let violation = &error.validation_errors()[0];
    assert_eq!(violation.path, "startWorkflow.arg0.priority");
    assert_eq!(violation.message, "priority: 100 should be maximum 99");
    // An empty name passes them and fails the lookup.
    assert_status(
        env.workflows
            .start_workflow(&StartWorkflowRequest::new(""))
            .await,
        400,
        "Workflow name must be specified when searching for a definition",
    );
    assert_status(
        env.workflows
            .start_workflow_by_name(&nothing, &json!({}), &StartWorkflowOptions::new())
            .await,
        404,
        &format!("No such workflow found by name: {nothing}, version: null"),
    );
    assert_status(
        env.workflows
            .start_workflow_by_name(
                &orders,
                &json!({}),
                &StartWorkflowOptions::new().priority(-1),
            )
            .await,
        400,
        "Validation failed",
    );
    assert_eq!(
        error_message_of_first_violation(
            env.workflows
                .start_workflow_by_name(
                    &orders,
                    &json!({}),
                    &StartWorkflowOptions::new().priority(100),
                )
                .await
        ),
        "99 is the maximum priority value"
    );
    let error = env
        .workflows
        .start_workflow_by_name(&orders, &json!([1, 2]), &StartWorkflowOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
}

#[tokio::test]
async fn execute_returns_a_workflow_that_finished_while_starting() {
    let env = Env::start().await;
    let instant = env.name("instant");
    env.register(&instant_def(&instant)).await;
    let request = StartWorkflowRequest::new(&instant).with_input_value("greeting", "hello");

    let run = env
        .workflows
        .execute_workflow(&request, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert!(!run.signal_timeout);
    assert_eq!(run.response_type, ReturnStrategy::TargetWorkflow);
    assert_eq!(run.output["said"], "hello");
    assert_eq!(run.variables["greeting"], "hello");
    assert_eq!(run.tasks.len(), 1);
    let id = run.workflow_id.clone().expect("the run names its workflow");
    assert_eq!(run.target_workflow_id.as_deref(), Some(id.as_str()));
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);

    // A BLOCKING_TASK answer needs a blocking task: OSS fails with 500 when the workflow ended
    // (before 3.21.23, the client's fallback says so).
    assert_no_blocking_task(
        &env,
        (3, 21, 23),
        env.workflows
            .execute_workflow_with(
                &request,
                &ExecuteOptions::new()
                    .wait_for(Duration::from_secs(5))
                    .return_strategy(ReturnStrategy::BlockingTask),
            )
            .await,
    );
    // Unknown definition.
    assert_status(
        env.workflows
            .execute_workflow(
                &StartWorkflowRequest::new(env.name("nothing")),
                Duration::from_secs(1),
            )
            .await,
        404,
        "No such workflow defined",
    );
}

#[tokio::test]
async fn execute_without_a_version_runs_the_latest_definition() {
    let env = Env::start().await;
    let versioned = env.name("versioned");
    env.register(&instant_def(&versioned)).await;
    env.register(
        &instant_def(&versioned)
            .with_version(2)
            .with_output_param("version", 2),
    )
    .await;
    let run = env
        .workflows
        .execute_workflow(
            &StartWorkflowRequest::new(&versioned),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(run.output["version"], 2);
    let pinned = env
        .workflows
        .execute_workflow(
            &StartWorkflowRequest::new(&versioned).with_version(1),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(!pinned.output.contains_key("version"));
}

#[tokio::test]
async fn execute_waits_until_the_named_task_finished() {
    let env = Env::start().await;
    let two_steps = env.name("two_steps");
    let first = env.name("first");
    let second = env.name("second");
    env.register_linear(&two_steps, &[&first, &second]).await;
    let workflows = env.workflows.clone();
    let options = ExecuteOptions::new()
        .wait_for(Duration::from_secs(30))
        .wait_until_task_ref(format!("{first}_ref"))
        .request_id("req-1");
    let executing = tokio::spawn(async move {
        let request = StartWorkflowRequest::new(&two_steps).with_input_value("x", 1);
        workflows.execute_workflow_with(&request, &options).await
    });
    // Act as the worker: the long poll returns as soon as the execution schedules the task.
    let polled = env
        .tasks
        .batch_poll(&first, Some(WORKER), None, 1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(polled.len(), 1);
    env.complete(&polled[0], json!({"done": 1})).await;

    let answer = executing.await.unwrap().unwrap();
    let SignalResponse::Workflow(run) = answer else {
        panic!("expected a workflow run, got {answer:?}");
    };
    assert_eq!(run.request_id.as_deref(), Some("req-1"));
    assert!(!run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);
    assert_eq!(run.tasks[0].status, TaskStatus::Completed);
    assert_eq!(run.tasks[0].output_data["done"], 1);
    // The answer is taken when the named task finishes; the decision that schedules the next
    // task may come after it on a real server (3.32 answered with one task in CI), so the next
    // task is checked on the workflow itself.
    let second_ref = format!("{second}_ref");
    let id = run.workflow_id.clone().expect("the run names its workflow");
    eventually(
        "the decision after the awaited task",
        || env.workflows.get_workflow(&id),
        |workflow| {
            workflow
                .tasks
                .get(1)
                .is_some_and(|t| t.reference_task_name == second_ref)
        },
    )
    .await;
}

#[tokio::test]
async fn execute_can_answer_the_task_it_waited_for() {
    let env = Env::start().await;
    let task_answer = env.name("task_answer");
    let only = env.name("only");
    let only_ref = format!("{only}_ref");
    env.register_linear(&task_answer, &[&only]).await;
    let workflows = env.workflows.clone();
    let wait_for = only_ref.clone();
    let executing = tokio::spawn(async move {
        workflows
            .execute_workflow_with(
                &StartWorkflowRequest::new(&task_answer),
                &ExecuteOptions::new()
                    .wait_for(Duration::from_secs(30))
                    .wait_until_task_ref(wait_for)
                    .return_strategy(ReturnStrategy::BlockingTaskInput),
            )
            .await
    });
    let polled = env
        .tasks
        .batch_poll(&only, Some(WORKER), None, 1, Duration::from_secs(5))
        .await
        .unwrap();
    env.complete(&polled[0], json!({"result": "ok"})).await;
    let answer = executing.await.unwrap().unwrap();
    let task_run = answer.as_task().expect("a task run");
    assert_eq!(task_run.response_type, ReturnStrategy::BlockingTaskInput);
    assert_eq!(
        task_run.reference_task_name.as_deref(),
        Some(only_ref.as_str())
    );
    assert_eq!(
        task_run.task_id.as_deref(),
        Some(polled[0].task_id.as_str())
    );
    assert_eq!(task_run.status, TaskStatus::Completed);
    assert_eq!(task_run.output["result"], "ok");
    // The workflow's status when the answer was made: ours decides before answering; a real
    // server may answer while its decision that completes the workflow is still running.
    let status = task_run.target_workflow_status.as_deref();
    if env.is_external() {
        assert!(
            matches!(status, Some("COMPLETED" | "RUNNING")),
            "{status:?}"
        );
    } else {
        assert_eq!(status, Some("COMPLETED"));
    }
}

#[tokio::test]
async fn execute_returns_when_the_workflow_blocks_on_a_wait_task() {
    let env = Env::start().await;
    let approval_flow = env.name("approval_flow");
    let ship = env.name("ship");
    env.register(
        &instant_def(&approval_flow)
            .with_task(WorkflowTask::wait("approval_ref"))
            .with_task(WorkflowTask::simple(&ship, "ship_ref")),
    )
    .await;
    let request = StartWorkflowRequest::new(&approval_flow).with_input_value("greeting", "hi");

    // Long before the 30 s wait ends: the workflow is blocked.
    let run = env
        .workflows
        .execute_workflow(&request, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(!run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);
    let gate = run.tasks.last().expect("the WAIT task");
    assert_eq!(gate.reference_task_name, "approval_ref");
    assert_eq!(gate.status, TaskStatus::InProgress);

    for strategy in [
        ReturnStrategy::BlockingTask,
        ReturnStrategy::BlockingTaskInput,
    ] {
        let answer = env
            .workflows
            .execute_workflow_with(
                &request,
                &ExecuteOptions::new()
                    .wait_for(Duration::from_secs(30))
                    .return_strategy(strategy.clone()),
            )
            .await
            .unwrap();
        let task_run = answer.as_task().expect("a task run");
        assert_eq!(task_run.response_type, strategy);
        assert_eq!(
            task_run.reference_task_name.as_deref(),
            Some("approval_ref")
        );
        assert_eq!(task_run.task_type.as_deref(), Some("WAIT"));
        assert_eq!(task_run.status, TaskStatus::InProgress);
    }
    let answer = env
        .workflows
        .execute_workflow_with(
            &request,
            &ExecuteOptions::new()
                .wait_for(Duration::from_secs(30))
                .return_strategy(ReturnStrategy::BlockingWorkflow),
        )
        .await
        .unwrap();
    let blocked = answer.as_workflow().expect("a workflow run");
    assert_eq!(blocked.response_type, ReturnStrategy::BlockingWorkflow);
    assert_eq!(blocked.variables["greeting"], "hi");

    // Signalling the gate lets the workflow go on to the worker task.
    let id = run.workflow_id.clone().unwrap();
    env.tasks
        .signal(&id, TaskResultStatus::Completed, &json!({}))
        .await
        .unwrap();
    assert_eq!(env.poll(&ship).await.workflow_instance_id, id);
}

#[tokio::test]
async fn execute_reports_a_timeout_with_the_running_workflow() {
    let env = Env::start().await;
    let slow = env.name("slow");
    env.register_linear(&slow, &[&env.name("never_done")]).await;
    // Below one second, the wait rounds up to 1 s (the server counts in seconds).
    let run = env
        .workflows
        .execute_workflow(
            &StartWorkflowRequest::new(&slow),
            Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert!(run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);
    assert_eq!(run.tasks[0].status, TaskStatus::Scheduled);
}

#[tokio::test]
async fn test_runs_a_workflow_with_mocked_task_outputs() {
    let env = Env::start().await;
    let mocked = env.name("mocked");
    let fetch = env.name("fetch");
    let store = env.name("store");
    let fetch_ref = format!("{fetch}_ref");
    let store_ref = format!("{store}_ref");
    env.register_linear(&mocked, &[&fetch, &store]).await;
    let request = WorkflowTestRequest::new(&mocked)
        .with_input_value("x", 1)
        .with_mock(
            &fetch_ref,
            TaskMock::new(TaskResultStatus::Failed, object(json!({"error": "flaky"}))),
        )
        .with_mock(&fetch_ref, TaskMock::completed(object(json!({"rows": 3}))))
        .with_mock(
            &store_ref,
            TaskMock::completed(object(json!({"stored": true}))).with_execution_time(250),
        );
    let before = env.now();
    let workflow = env.workflows.test_workflow(&request).await.unwrap();
    let after = env.now();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    let statuses: Vec<(&str, &TaskStatus)> = workflow
        .tasks
        .iter()
        .map(|t| (t.reference_task_name.as_str(), &t.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (fetch_ref.as_str(), &TaskStatus::Failed),
            (fetch_ref.as_str(), &TaskStatus::Completed),
            (store_ref.as_str(), &TaskStatus::Completed),
        ]
    );
    assert_eq!(workflow.tasks[1].output_data["rows"], 3);
    // A mock with an execution time is written to the store as it is: started that long ago,
    // with no end time.
    let stored = &workflow.tasks[2];
    assert_between(stored.start_time + 250, before, after);
    assert_eq!(stored.scheduled_time, stored.start_time);
    assert_eq!(stored.end_time, 0);
    // Run under a random domain, so no real worker could pick the tasks.
    assert!(workflow.task_to_domain.contains_key("*"));
    // The execution really exists.
    assert_eq!(
        env.status_of(&workflow.workflow_id).await,
        WorkflowStatus::Completed
    );

    // When the mocks run out, the workflow is returned as it stands.
    let partial = env
        .workflows
        .test_workflow(
            &WorkflowTestRequest::new(&mocked)
                .with_mock(&fetch_ref, TaskMock::completed(object(json!({})))),
        )
        .await
        .unwrap();
    assert_eq!(partial.status, WorkflowStatus::Running);
    assert_eq!(partial.tasks.len(), 2);
    assert_eq!(partial.tasks[1].status, TaskStatus::Scheduled);

    assert_status(
        env.workflows
            .test_workflow(&WorkflowTestRequest::new(env.name("nothing")))
            .await,
        404,
        "No such workflow defined",
    );
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn workflows_tasks_and_status_summaries_are_read() {
    let env = Env::start().await;
    let readable = env.name("readable");
    let one = env.name("one");
    let two = env.name("two");
    let three = env.name("three");
    let correlation = env.name("c");
    env.register(
        &linear_def(&readable, &[&one, &two, &three])
            .with_variable("stage", "start")
            .with_output_param("last", format!("${{{two}_ref.output.n}}")),
    )
    .await;
    let id = env
        .workflows
        .start_workflow(&StartWorkflowRequest::new(&readable).with_correlation_id(&correlation))
        .await
        .unwrap();
    env.work(&one, json!({"n": 1})).await;
    env.work(&two, json!({"n": 2})).await;

    let full = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(full.tasks.len(), 3);
    let without_tasks = env
        .workflows
        .get_workflow_with(&id, &GetWorkflowOptions::new().include_tasks(false))
        .await
        .unwrap();
    assert!(without_tasks.tasks.is_empty());
    assert_eq!(without_tasks.workflow_id, id);

    let summary = env.workflows.get_workflow_status(&id).await.unwrap();
    assert_eq!(summary.workflow_id, id);
    assert_eq!(summary.status, WorkflowStatus::Running);
    assert_eq!(
        summary.correlation_id.as_deref(),
        Some(correlation.as_str())
    );
    assert_eq!(summary.output, None);
    assert_eq!(summary.variables, None);
    let detailed = env
        .workflows
        .get_workflow_status_with(
            &id,
            &WorkflowStatusOptions::new()
                .include_output(true)
                .include_variables(true),
        )
        .await
        .unwrap();
    assert_eq!(detailed.variables.unwrap()["stage"], "start");
    assert!(detailed.output.is_some());

    // Tasks, paged and filtered by status.
    let page = env.workflows.get_workflow_tasks(&id).await.unwrap();
    assert_eq!(page.total_hits, 3);
    assert_eq!(page.results.len(), 3);
    let completed = env
        .workflows
        .get_workflow_tasks_with(
            &id,
            &WorkflowTasksOptions::new()
                .status(TaskStatus::Completed)
                .start(1)
                .count(5),
        )
        .await
        .unwrap();
    assert_eq!(completed.total_hits, 2);
    assert_eq!(completed.results.len(), 1);
    assert_eq!(
        completed.results[0].reference_task_name,
        format!("{two}_ref")
    );
    let scheduled_or_completed = env
        .workflows
        .get_workflow_tasks_with(
            &id,
            &WorkflowTasksOptions::new()
                .status(TaskStatus::Scheduled)
                .status(TaskStatus::Completed)
                .count(2),
        )
        .await
        .unwrap();
    assert_eq!(scheduled_or_completed.total_hits, 3);
    assert_eq!(scheduled_or_completed.results.len(), 2);

    // Unknown ids.
    assert_workflow_not_found(env.workflows.get_workflow("missing").await, "missing");
    assert_workflow_not_found(
        env.workflows.get_workflow_status("missing").await,
        "missing",
    );
    assert_workflow_not_found(env.workflows.get_workflow_tasks("missing").await, "missing");
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn pause_holds_back_new_tasks_until_resume() {
    let env = Env::start().await;
    let pausable = env.name("pausable");
    let p1 = env.name("p1");
    let p2 = env.name("p2");
    env.register_linear(&pausable, &[&p1, &p2]).await;
    let id = env.start_workflow(&pausable).await;
    let first = env.poll(&p1).await;

    env.workflows.pause_workflow(&id).await.unwrap();
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Paused);
    // Pausing again is a no-op.
    env.workflows.pause_workflow(&id).await.unwrap();
    // The running task may finish, but nothing new is scheduled while paused.
    env.complete(&first, json!({})).await;
    let paused = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(paused.status, WorkflowStatus::Paused);
    assert_eq!(paused.tasks.len(), 1);

    env.workflows.resume_workflow(&id).await.unwrap();
    let resumed = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(resumed.status, WorkflowStatus::Running);
    assert_eq!(resumed.tasks.len(), 2);
    // Resuming a workflow that is not paused is an IllegalStateException in OSS: 500.
    let error = assert_status(
        env.workflows.resume_workflow(&id).await,
        500,
        "is not PAUSED so cannot resume",
    );
    assert!(matches!(error, ConductorError::Server { .. }));

    env.work(&p2, json!({})).await;
    let error = assert_status(
        env.workflows.pause_workflow(&id).await,
        409,
        "has ended, status cannot be updated.",
    );
    assert!(error.is_conflict());
    assert_status(
        env.workflows.pause_workflow("missing").await,
        404,
        "No such workflow found by id: missing",
    );
    assert_status(
        env.workflows.resume_workflow("missing").await,
        404,
        "missing",
    );
}

#[tokio::test]
async fn terminate_cancels_open_tasks() {
    let env = Env::start().await;
    let stoppable = env.name("stoppable");
    let s1 = env.name("s1");
    env.register_linear(&stoppable, &[&s1]).await;
    let id = env.start_workflow(&stoppable).await;

    env.workflows
        .terminate_workflow(&id, Some("no longer needed"))
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Terminated);
    assert_eq!(
        workflow.reason_for_incompletion.as_deref(),
        Some("no longer needed")
    );
    assert_eq!(workflow.tasks[0].status, TaskStatus::Canceled);
    assert_eq!(env.tasks.get_queue_size(&s1).await.unwrap(), 0);
    // Terminating a terminated workflow is a no-op.
    env.workflows.terminate_workflow(&id, None).await.unwrap();

    // The options form; OSS ignores triggerFailureWorkflow.
    let other = env.start_workflow(&stoppable).await;
    env.workflows
        .terminate_workflow_with(
            &other,
            &TerminateOptions::new()
                .reason("by options")
                .trigger_failure_workflow(true),
        )
        .await
        .unwrap();
    let workflow = env.workflows.get_workflow(&other).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Terminated);
    assert_eq!(
        workflow.reason_for_incompletion.as_deref(),
        Some("by options")
    );

    // A completed workflow cannot be terminated.
    let done = env.start_workflow(&stoppable).await;
    env.work(&s1, json!({})).await;
    assert_eq!(env.status_of(&done).await, WorkflowStatus::Completed);
    let error = assert_status(
        env.workflows.terminate_workflow(&done, None).await,
        409,
        "Cannot terminate a COMPLETED workflow.",
    );
    assert!(error.is_conflict());
    assert_status(
        env.workflows.terminate_workflow("missing", None).await,
        404,
        "No such workflow found by id: missing",
    );
}

#[tokio::test]
async fn restart_runs_a_finished_workflow_again_from_the_start() {
    let env = Env::start().await;
    let restartable = env.name("restartable");
    let r1 = env.name("r1");
    let r2 = env.name("r2");
    env.register_linear(&restartable, &[&r1]).await;
    let id = env.start_workflow(&restartable).await;
    env.work(&r1, json!({"run": 1})).await;
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);

    env.tick().await;
    let before = env.now();
    env.workflows.restart_workflow(&id).await.unwrap();
    let after = env.now();
    let restarted = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(restarted.status, WorkflowStatus::Running);
    assert_eq!(restarted.tasks.len(), 1);
    assert_eq!(restarted.tasks[0].status, TaskStatus::Scheduled);
    assert_between(restarted.create_time.unwrap(), before, after);
    assert!(restarted.output.is_empty());

    // Only terminal workflows restart.
    let error = assert_status(
        env.workflows.restart_workflow(&id).await,
        409,
        "is not in terminal state, unable to restart.",
    );
    assert!(error.is_conflict());

    // With the latest definitions.
    env.work(&r1, json!({})).await;
    env.register(&linear_def(&restartable, &[&r1, &r2]).with_version(2))
        .await;
    env.workflows
        .restart_workflow_with(&id, &RestartOptions::new().use_latest_definitions(true))
        .await
        .unwrap();
    let upgraded = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(upgraded.workflow_version, Some(2));
    env.work(&r1, json!({})).await;
    env.work(&r2, json!({})).await;
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);

    // A completed workflow whose definition says restartable=false.
    let one_shot_name = env.name("one_shot");
    let o1 = env.name("o1");
    env.register(&linear_def(&one_shot_name, &[&o1]).with_restartable(false))
        .await;
    let one_shot = env.start_workflow(&one_shot_name).await;
    env.work(&o1, json!({})).await;
    assert_status(
        env.workflows.restart_workflow(&one_shot).await,
        404,
        "is non-restartable",
    );
    assert_status(
        env.workflows.restart_workflow("missing").await,
        404,
        "missing",
    );
}

#[tokio::test]
async fn retry_resumes_a_failed_workflow_at_the_failed_task() {
    let env = Env::start().await;
    let fragile = env.name("fragile");
    let ok_step = env.name("ok_step");
    let bad_step = env.name("bad_step");
    let bad_step_ref = format!("{bad_step}_ref");
    env.register_linear(&fragile, &[&ok_step, &bad_step]).await;
    let id = env.start_workflow(&fragile).await;
    env.work(&ok_step, json!({})).await;
    let bad = env.poll(&bad_step).await;
    let failed_id = bad.task_id.clone();
    env.tasks
        .update_task(&TaskResult::failed_with_terminal_error(
            &bad.task_id,
            &id,
            "broken",
        ))
        .await
        .unwrap();
    let failed = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(failed.status, WorkflowStatus::Failed);
    assert_eq!(
        failed.failed_reference_task_names,
        std::slice::from_ref(&bad_step_ref)
    );

    env.workflows.retry_workflow(&id).await.unwrap();
    let retried = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(retried.status, WorkflowStatus::Running);
    assert_eq!(retried.tasks.len(), 3);
    let attempt = &retried.tasks[2];
    assert_eq!(attempt.reference_task_name, bad_step_ref);
    assert_eq!(attempt.status, TaskStatus::Scheduled);
    assert_eq!(attempt.retry_count, 1);
    assert_eq!(attempt.retried_task_id.as_deref(), Some(failed_id.as_str()));
    assert_eq!(retried.tasks[0].status, TaskStatus::Completed);

    // OSS answers 404 (a NotFoundException) when the workflow is still running.
    let error = assert_status(
        env.workflows.retry_workflow(&id).await,
        404,
        "Workflow is still running.",
    );
    assert!(error.is_not_found());

    // The options form.
    env.work(&bad_step, json!({})).await;
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);
    let error = assert_status(
        env.workflows
            .retry_workflow_with(&id, &RetryOptions::new().resume_subworkflow_tasks(true))
            .await,
        409,
        "There are no retryable tasks!",
    );
    assert!(error.is_conflict());
}

#[tokio::test]
async fn rerun_restarts_from_a_task_or_from_the_beginning() {
    let env = Env::start().await;
    let rerunnable = env.name("rerunnable");
    let a_type = env.name("a");
    let b_type = env.name("b");
    env.register_linear(&rerunnable, &[&a_type, &b_type]).await;
    let id = env.start_with(&rerunnable, json!({"x": 1})).await;
    let a = env.work(&a_type, json!({"from": "a"})).await;
    let b = env.work(&b_type, json!({})).await;
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);

    // From task b with a new input for it: a's result is kept.
    let request = conductor_client::models::RerunWorkflowRequest::new(&id)
        .from_task(&b.task_id)
        .with_task_input(object(json!({"x": 9})));
    assert_eq!(
        env.workflows.rerun_workflow(&id, &request).await.unwrap(),
        id
    );
    let rerun = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(rerun.status, WorkflowStatus::Running);
    assert_eq!(rerun.tasks.len(), 2);
    assert_eq!(rerun.tasks[0].task_id, a.task_id);
    assert_eq!(rerun.tasks[0].status, TaskStatus::Completed);
    assert_eq!(rerun.tasks[1].status, TaskStatus::Scheduled);
    assert_eq!(rerun.tasks[1].input_data["x"], 9);
    assert_eq!(env.poll(&b_type).await.input_data["x"], 9);

    // Only terminal workflows can be rerun.
    let error = assert_status(
        env.workflows
            .rerun_workflow(
                &id,
                &conductor_client::models::RerunWorkflowRequest::new(&id),
            )
            .await,
        409,
        "is not in terminal state, unable to rerun.",
    );
    assert!(error.is_conflict());

    // From the beginning, with a new workflow input.
    let again = env.name("again");
    env.workflows.terminate_workflow(&id, None).await.unwrap();
    let from_start = conductor_client::models::RerunWorkflowRequest::new(&id)
        .with_workflow_input(object(json!({"x": 2})))
        .with_correlation_id(&again);
    env.workflows
        .rerun_workflow(&id, &from_start)
        .await
        .unwrap();
    let rerun = env.workflows.get_workflow(&id).await.unwrap();
    assert_eq!(rerun.input["x"], 2);
    assert_eq!(rerun.correlation_id.as_deref(), Some(again.as_str()));
    assert_eq!(rerun.tasks.len(), 1);
    assert_eq!(rerun.tasks[0].input_data["x"], 2);

    env.workflows.terminate_workflow(&id, None).await.unwrap();
    assert_status(
        env.workflows
            .rerun_workflow(
                &id,
                &conductor_client::models::RerunWorkflowRequest::new(&id).from_task("nope"),
            )
            .await,
        400,
        "Task nope not found",
    );
}

#[tokio::test]
async fn skip_records_a_task_that_was_not_scheduled_yet() {
    let env = Env::start().await;
    let skippy = env.name("skippy");
    let k1 = env.name("k1");
    let k2 = env.name("k2");
    let k3 = env.name("k3");
    let (k1_ref, k2_ref, k3_ref) = (
        format!("{k1}_ref"),
        format!("{k2}_ref"),
        format!("{k3}_ref"),
    );
    env.register_linear(&skippy, &[&k1, &k2, &k3]).await;
    let id = env.start_workflow(&skippy).await;

    // conductor-oss reads no body for this endpoint: the input and output sent are ignored.
    let request = SkipTaskRequest {
        task_input: Some(object(json!({"in": 1}))),
        task_output: Some(object(json!({"out": 2}))),
    };
    env.workflows
        .skip_task_with(&id, &k2_ref, &request)
        .await
        .unwrap();
    env.workflows.skip_task(&id, &k3_ref).await.unwrap();
    let workflow = env.workflows.get_workflow(&id).await.unwrap();
    let skipped = workflow.task_by_ref(&k2_ref).expect("the skipped task");
    assert_eq!(skipped.status, TaskStatus::Skipped);
    assert!(skipped.input_data.is_empty(), "{:?}", skipped.input_data);
    assert!(skipped.output_data.is_empty(), "{:?}", skipped.output_data);
    assert_eq!(skipped.start_time, 0);
    assert!(skipped.end_time > 0);

    // Finishing k1 ends the workflow: k2 and k3 were skipped.
    env.work(&k1, json!({})).await;
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Completed);
    assert_eq!(env.tasks.get_queue_size(&k2).await.unwrap(), 0);

    // OSS answers these with IllegalStateExceptions (500).
    let other = env.start_workflow(&skippy).await;
    assert_status(
        env.workflows.skip_task(&other, &k1_ref).await,
        500,
        "has already been processed, cannot be skipped",
    );
    assert_status(
        env.workflows.skip_task(&other, "unknown_ref").await,
        500,
        "does not exist in the WorkflowDefinition",
    );
    assert_status(
        env.workflows.skip_task(&id, &k3_ref).await,
        500,
        "is not running so the task referenced by",
    );
    assert_status(
        env.workflows.skip_task("missing", &k1_ref).await,
        404,
        "missing",
    );
}

#[tokio::test]
async fn reset_callbacks_makes_a_waiting_task_available_now() {
    let env = Env::start().await;
    let callbacks = env.name("callbacks");
    let slow_worker = env.name("slow_worker");
    env.register_linear(&callbacks, &[&slow_worker]).await;
    let id = env.start_workflow(&callbacks).await;
    let task = env.poll(&slow_worker).await;
    let later = TaskResult::in_progress(&task.task_id, &id, 3600);
    env.tasks.update_task(&later).await.unwrap();
    assert_eq!(
        env.tasks
            .poll_task(&slow_worker, Some(WORKER), None)
            .await
            .unwrap(),
        None
    );

    env.workflows.reset_callbacks(&id).await.unwrap();
    // No clock movement needed.
    let again = env.poll_eventually(&slow_worker).await;
    assert_eq!(again.task_id, task.task_id);
    assert_eq!(again.callback_after_seconds, 0);

    env.complete(&again, json!({})).await;
    let error = assert_status(
        env.workflows.reset_callbacks(&id).await,
        409,
        "Workflow is in terminal state. Status = COMPLETED",
    );
    assert!(error.is_conflict());
    assert_status(
        env.workflows.reset_callbacks("missing").await,
        404,
        "missing",
    );
}

#[tokio::test]
async fn decide_applies_a_workflow_timeout_that_became_due() {
    let env = Env::start().await;
    let deadline = env.name("deadline");
    env.register(
        &linear_def(&deadline, &[&env.name("late")])
            .with_timeout(1, WorkflowTimeoutPolicy::TimeOutWf),
    )
    .await;
    let id = env.start_workflow(&deadline).await;
    env.workflows.decide_workflow(&id).await.unwrap();
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Running);

    // Once the second has passed, a decision times the workflow out.
    env.pass(Duration::from_millis(1_100)).await;
    let workflow = eventually(
        "deciding the overdue workflow",
        || async {
            env.workflows.decide_workflow(&id).await?;
            env.workflows.get_workflow(&id).await
        },
        |workflow| workflow.status == WorkflowStatus::TimedOut,
    )
    .await;
    assert!(
        workflow
            .reason_for_incompletion
            .as_deref()
            .is_some_and(|r| r.contains("Workflow timed out")),
        "{:?}",
        workflow.reason_for_incompletion
    );
    let error = assert_status(
        env.workflows.decide_workflow("missing").await,
        404,
        "No such workflow found by id: missing",
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn workflows_are_removed_with_or_without_terminating_them() {
    let env = Env::start().await;
    let removable = env.name("removable");
    let rm = env.name("rm");
    env.register_linear(&removable, &[&rm]).await;

    // Archiving (the default) requires a terminal workflow. Before conductor-oss 3.22.0 the
    // refused archiving still removed the workflow (but not its queued task).
    let running = env.start_workflow(&removable).await;
    assert_status(
        env.workflows.delete_workflow(&running).await,
        400,
        "Cannot archive workflow",
    );
    let removed_anyway = env.older_than((3, 22, 0));
    if !removed_anyway {
        env.workflows
            .delete_workflow_with(&running, &RemoveOptions::new().archive(false))
            .await
            .unwrap();
    }
    assert_workflow_not_found(env.workflows.get_workflow(&running).await, &running);
    // Its task left the queue with it.
    assert_eq!(
        env.tasks.get_queue_size(&rm).await.unwrap(),
        i64::from(removed_anyway)
    );

    let done = env.start_workflow(&removable).await;
    env.work(&rm, json!({})).await;
    env.workflows.delete_workflow(&done).await.unwrap();
    assert_workflow_not_found(env.workflows.get_workflow(&done).await, &done);
    assert_status(env.workflows.delete_workflow(&done).await, 404, &done);

    // Terminate-remove: a running or terminated workflow goes; a completed one cannot be
    // terminated (409) and stays.
    let running = env.start_workflow(&removable).await;
    env.workflows
        .terminate_remove_workflow(&running, Some("cleanup"))
        .await
        .unwrap();
    assert_workflow_not_found(env.workflows.get_workflow(&running).await, &running);
    let stopped = env.start_workflow(&removable).await;
    env.workflows
        .terminate_workflow(&stopped, None)
        .await
        .unwrap();
    env.workflows
        .terminate_remove_workflow_with(
            &stopped,
            &TerminateRemoveOptions::new()
                .reason("cleanup")
                .archive(!env.can_remove_unarchived()),
        )
        .await
        .unwrap();
    assert_workflow_not_found(env.workflows.get_workflow(&stopped).await, &stopped);
    let done = env.start_workflow(&removable).await;
    env.work(&rm, json!({})).await;
    assert_eq!(env.status_of(&done).await, WorkflowStatus::Completed);
    let error = assert_status(
        env.workflows
            .terminate_remove_workflow_with(
                &done,
                &TerminateRemoveOptions::new()
                    .reason("cleanup")
                    .archive(false),
            )
            .await,
        409,
        "Cannot terminate a COMPLETED workflow.",
    );
    assert!(error.is_conflict());
    assert_eq!(env.status_of(&done).await, WorkflowStatus::Completed);
    let error = assert_status(
        env.workflows
            .terminate_remove_workflow("missing", None)
            .await,
        404,
        "missing",
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn messages_need_the_workflow_message_queue_which_oss_disables_by_default() {
    let env = Env::start().await;
    let messaged = env.name("messaged");
    env.register_linear(&messaged, &[&env.name("m")]).await;
    let id = env.start_workflow(&messaged).await;
    let error = env
        .workflows
        .send_message(&id, &json!({"hello": "world"}))
        .await
        .unwrap_err();
    // The endpoint is missing (404 `No static resource`): the client says so.
    assert!(error.is_unsupported_by_server(), "{error:?}");
    assert!(error.is_missing_endpoint());
    let error = env
        .workflows
        .send_message(&id, &json!("not an object"))
        .await
        .unwrap_err();
    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
}

#[tokio::test]
async fn external_storage_locations_of_workflow_payloads() {
    let env = Env::start().await;
    let location = env
        .workflows
        .get_external_storage_location("workflows/in/", "WRITE", "WORKFLOW_INPUT")
        .await
        .unwrap();
    let path = location.path.expect("a path");
    assert!(
        path.starts_with("workflows/in/") && path.ends_with(".json"),
        "{path}"
    );
    assert_status(
        env.workflows
            .get_external_storage_location("p", "READ", "EVERYTHING")
            .await,
        400,
        "Invalid input - Operation: READ, PayloadType: EVERYTHING",
    );
}

/// Features only the embedded server has.
mod embedded_only {
    use super::*;

    /// `POST /workflow/{id}/variables` is an Orkes endpoint conductor-oss does not have.
    #[tokio::test]
    async fn variables_are_merged_into_a_workflow() {
        let env = Env::start().await;
        let with_vars = env.name("with_vars");
        env.register(&linear_def(&with_vars, &[&env.name("v1")]).with_variable("kept", 1))
            .await;
        let id = env.start_workflow(&with_vars).await;
        let workflow = env
            .workflows
            .update_variables(&id, &json!({"added": "yes", "kept": 2}))
            .await
            .unwrap();
        assert_eq!(workflow.variables["added"], "yes");
        assert_eq!(workflow.variables["kept"], 2);
        assert_eq!(
            env.workflows.get_workflow(&id).await.unwrap().variables["added"],
            "yes"
        );
        assert_status(
            env.workflows.update_variables("missing", &json!({})).await,
            404,
            "missing",
        );
        let error = env
            .workflows
            .update_variables(&id, &json!(["not", "an", "object"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
    }
}
