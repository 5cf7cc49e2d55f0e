//! Server-version compatibility of the client against a real server: conductor-oss 3.21.14 or
//! 3.32.3 when `CONDUCTOR_TEST_SERVER_URL` names one, else a fresh embedded `DevServer`. Each test
//! calls the features that older servers lack or answer differently (health, version, workflow
//! status and tasks, sync execute, signals, workflow names and versions, v2 searches, conflicts
//! and not-founds of definitions and event handlers, endpoints without a fallback) and checks the
//! same answers on every server, plus which endpoints the client recorded as missing: none on the
//! newest servers, exactly the expected ones on older ones. See `docs/compatibility.md`.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::future::Future;
use std::time::Duration;

use conductor_client::models::{
    EventHandler, EventHandlerAction, ReturnStrategy, SignalResponse, StartWorkflowRequest,
    TaskDetails, TaskResult, TaskResultStatus, TaskStatus, TaskType, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor_client::{
    ConductorClient, ConductorError, Configuration, ExecuteOptions, SearchQuery,
    WorkflowStatusOptions, WorkflowTasksOptions, quote_query_value,
};
use conductor_server::DevServer;
use conductor_test_support::{external_server_url, external_server_version, unique_name};
use serde_json::json;

/// How long a test waits for an asynchronous effect (indexing, a decider run).
const PATIENCE: Duration = Duration::from_secs(30);

/// A client on the server under test (and the embedded server it owns, if any).
struct Target {
    client: ConductorClient,
    /// `(major, minor, patch)` of an external conductor-oss; `None` for the embedded server,
    /// which serves every endpoint the newest conductor-oss serves.
    version: Option<(u32, u32, u32)>,
    _embedded: Option<DevServer>,
}

impl Target {
    async fn start() -> Self {
        let (url, embedded) = match external_server_url() {
            Some(url) => (url, None),
            None => {
                let server = DevServer::start().await.unwrap();
                (server.url(), Some(server))
            }
        };
        let client = ConductorClient::new(Configuration::new(url.clone())).unwrap();
        let version = if embedded.is_some() {
            None
        } else {
            // A separate client, so the one under test starts with nothing learnt.
            let probe = ConductorClient::new(Configuration::new(url)).unwrap();
            let text = probe.version().await.unwrap();
            if let Some(expected) = external_server_version() {
                assert_eq!(text, expected, "CONDUCTOR_TEST_SERVER_VERSION");
            }
            Some(parse_version(&text))
        };
        Self {
            client,
            version,
            _embedded: embedded,
        }
    }

    /// Whether the server is a conductor-oss older than `version`.
    fn older_than(&self, version: (u32, u32, u32)) -> bool {
        self.version.is_some_and(|own| own < version)
    }

    fn is_external(&self) -> bool {
        self.version.is_some()
    }

    /// Whether the client recorded `endpoint` as missing.
    fn missing(&self, endpoint: &str) -> bool {
        self.client.api_client().capabilities().is_missing(endpoint)
    }

    /// Asserts the recorded set is exactly the endpoints of `expected` whose flag is true.
    fn assert_missing(&self, expected: &[(&str, bool)]) {
        let mut wanted: Vec<String> = expected
            .iter()
            .filter(|(_, missing)| *missing)
            .map(|(endpoint, _)| (*endpoint).to_owned())
            .collect();
        wanted.sort();
        assert_eq!(
            self.client.api_client().capabilities().missing_endpoints(),
            wanted,
            "server {:?}",
            self.version
        );
    }

    /// Registers `def` with an owner email (conductor-oss requires one by default).
    async fn register(&self, def: &WorkflowDef) {
        self.client
            .metadata_client()
            .register_workflow_def(&with_owner(def.clone()))
            .await
            .unwrap();
    }

    async fn start_workflow(&self, name: &str) -> String {
        self.client
            .workflow_client()
            .start_workflow(&StartWorkflowRequest::new(name).with_input_value("n", 1))
            .await
            .unwrap()
    }

    /// Terminates a workflow that may still be running, so shared servers do not keep it.
    async fn cleanup(&self, workflow_id: &str) {
        let _ = self
            .client
            .workflow_client()
            .terminate_workflow(workflow_id, Some("client_compat cleanup"))
            .await;
    }
}

fn with_owner(def: WorkflowDef) -> WorkflowDef {
    def.with_owner("sdk-tests@example.com")
}

fn parse_version(text: &str) -> (u32, u32, u32) {
    let mut parts = text
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<u32>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Polls `probe` until it yields a value, failing after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One `WAIT` task (blocks until signalled), then a `SET_VARIABLE`.
fn waiting_def(name: &str) -> WorkflowDef {
    WorkflowDef::new(name)
        .with_task(WorkflowTask::wait("wait_ref"))
        .with_task(
            WorkflowTask::new(TaskType::SetVariable, "set", "set_ref")
                .with_input_param("after", "${wait_ref.output.approved}"),
        )
}

/// Only a `SET_VARIABLE`: completes while it is being started.
fn instant_def(name: &str) -> WorkflowDef {
    WorkflowDef::new(name).with_task(
        WorkflowTask::new(TaskType::SetVariable, "set", "set_ref").with_input_param("done", true),
    )
}

// ---------------------------------------------------------------------------------------------
// Health and version
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_and_version_answer_on_every_server() {
    let target = Target::start().await;
    assert!(target.client.health().await.unwrap().healthy);
    assert!(target.client.health().await.unwrap().healthy);
    let version = target.client.version().await.unwrap();
    assert!(!version.is_empty());
    if let Some(own) = target.version {
        assert_eq!(parse_version(&version), own);
    }
    target.assert_missing(&[
        ("GET /health", target.older_than((3, 32, 0))),
        ("GET /version", target.older_than((3, 22, 0))),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Workflow status and tasks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn workflow_status_and_tasks_read_the_same_everywhere() {
    let target = Target::start().await;
    let name = unique_name("compat_status");
    target.register(&waiting_def(&name)).await;
    let workflows = target.client.workflow_client();
    let correlation = unique_name("corr");
    let id = workflows
        .start_workflow(&StartWorkflowRequest::new(&name).with_correlation_id(&correlation))
        .await
        .unwrap();

    let summary = workflows.get_workflow_status(&id).await.unwrap();
    assert_eq!(summary.workflow_id, id);
    assert_eq!(summary.status, WorkflowStatus::Running);
    assert_eq!(
        summary.correlation_id.as_deref(),
        Some(correlation.as_str())
    );
    assert_eq!(
        (summary.output.is_some(), summary.variables.is_some()),
        (false, false)
    );
    let full = workflows
        .get_workflow_status_with(
            &id,
            &WorkflowStatusOptions::new()
                .include_output(true)
                .include_variables(true),
        )
        .await
        .unwrap();
    assert!(
        full.output.is_some() && full.variables.is_some(),
        "{full:?}"
    );

    let page = workflows.get_workflow_tasks(&id).await.unwrap();
    assert_eq!(page.total_hits, 1);
    assert_eq!(page.results[0].reference_task_name, "wait_ref");
    assert_eq!(page.results[0].status, TaskStatus::InProgress);
    let none = workflows
        .get_workflow_tasks_with(
            &id,
            &WorkflowTasksOptions::new().status(TaskStatus::Completed),
        )
        .await
        .unwrap();
    assert_eq!((none.total_hits, none.results.len()), (0, 0));

    let missing = unique_name("no_such_workflow");
    for error in [
        workflows.get_workflow_status(&missing).await.unwrap_err(),
        workflows.get_workflow_tasks(&missing).await.unwrap_err(),
    ] {
        assert!(
            matches!(&error, ConductorError::WorkflowNotFound(id) if *id == missing),
            "{error:?}"
        );
    }
    target.assert_missing(&[
        (
            "GET /workflow/{workflowId}/status",
            target.older_than((3, 31, 2)),
        ),
        (
            "GET /workflow/{workflowId}/tasks",
            target.older_than((3, 22, 0)),
        ),
    ]);
    target.cleanup(&id).await;
}

#[tokio::test]
async fn a_missing_task_is_task_not_found_everywhere() {
    let target = Target::start().await;
    let missing = unique_name("no_such_task");
    let error = target
        .client
        .task_client()
        .get_task(&missing)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConductorError::TaskNotFound(id) if *id == missing),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Synchronous execution
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn execute_returns_finished_blocked_and_timed_out_workflows_everywhere() {
    let target = Target::start().await;
    let workflows = target.client.workflow_client();

    let instant = unique_name("compat_exec_instant");
    target.register(&instant_def(&instant)).await;
    let run = workflows
        .execute_workflow(
            &StartWorkflowRequest::new(&instant).with_input_value("x", 1),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert!(!run.signal_timeout);
    assert_eq!(run.variables["done"], true);
    assert_eq!(run.input["x"], 1);
    assert_eq!(run.response_type, ReturnStrategy::TargetWorkflow);

    let waiting = unique_name("compat_exec_wait");
    target.register(&waiting_def(&waiting)).await;
    let response = workflows
        .execute_workflow_with(
            &StartWorkflowRequest::new(&waiting),
            &ExecuteOptions::new()
                .wait_for(Duration::from_secs(10))
                .return_strategy(ReturnStrategy::BlockingTask)
                .request_id("compat-request"),
        )
        .await
        .unwrap();
    let SignalResponse::Task(task) = response else {
        panic!("expected a task run: {response:?}");
    };
    assert_eq!(task.reference_task_name.as_deref(), Some("wait_ref"));
    assert_eq!(task.status, TaskStatus::InProgress);
    assert_eq!(task.request_id.as_deref(), Some("compat-request"));
    assert_eq!(task.target_workflow_status.as_deref(), Some("RUNNING"));
    let blocked_id = task.workflow_id.clone().unwrap();

    // Nobody polls this task type: the wait runs out.
    let stuck = unique_name("compat_exec_stuck");
    let stuck_task = unique_name("compat_nobody_polls");
    target
        .register(&WorkflowDef::new(&stuck).with_task(WorkflowTask::simple(&stuck_task, "t_ref")))
        .await;
    let run = workflows
        .execute_workflow(&StartWorkflowRequest::new(&stuck), Duration::from_secs(1))
        .await
        .unwrap();
    assert!(run.signal_timeout);
    assert_eq!(run.status, WorkflowStatus::Running);

    target.assert_missing(&[(
        "POST /workflow/execute/{name}/{version}",
        target.older_than((3, 21, 23)),
    )]);
    target.cleanup(&blocked_id).await;
    target.cleanup(run.workflow_id.as_deref().unwrap()).await;
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn signals_complete_the_waiting_task_everywhere() {
    let target = Target::start().await;
    let name = unique_name("compat_signal");
    target.register(&waiting_def(&name)).await;
    let tasks = target.client.task_client();
    let workflows = target.client.workflow_client();

    let first = target.start_workflow(&name).await;
    tasks
        .signal(
            &first,
            TaskResultStatus::Completed,
            &json!({"approved": true}),
        )
        .await
        .unwrap();
    let done = eventually("the signalled workflow to complete", || async {
        let workflow = workflows.get_workflow(&first).await.unwrap();
        (workflow.status == WorkflowStatus::Completed).then_some(workflow)
    })
    .await;
    assert_eq!(done.tasks[0].output_data["approved"], true);
    assert_eq!(done.variables["after"], true);

    let second = target.start_workflow(&name).await;
    let response = tasks
        .signal_sync(
            &second,
            TaskResultStatus::Completed,
            &json!({"approved": false}),
            ReturnStrategy::TargetWorkflow,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let run = response.as_workflow().unwrap();
    assert_eq!(run.status, WorkflowStatus::Completed);
    assert_eq!(run.workflow_id.as_deref(), Some(second.as_str()));

    // Nothing is blocked any more.
    let error = tasks
        .signal_sync(
            &second,
            TaskResultStatus::Completed,
            &json!({}),
            ReturnStrategy::TargetWorkflow,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    // A signal without a blocked task does nothing.
    tasks
        .signal(&second, TaskResultStatus::Completed, &json!({}))
        .await
        .unwrap();

    let old = target.older_than((3, 32, 0));
    target.assert_missing(&[
        ("POST /tasks/{workflowId}/{status}/signal", old),
        ("POST /tasks/{workflowId}/{status}/signal/sync", old),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Task updates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_v2_hands_out_the_next_task_on_every_supported_server() {
    let target = Target::start().await;
    let name = unique_name("compat_v2");
    let task_type = unique_name("compat_v2_task");
    target
        .register(&WorkflowDef::new(&name).with_task(WorkflowTask::simple(&task_type, "t_ref")))
        .await;
    let first = target.start_workflow(&name).await;
    let second = target.start_workflow(&name).await;
    let tasks = target.client.task_client();

    let polled = eventually("a task to poll", || async {
        let found = tasks
            .batch_poll(
                &task_type,
                Some("compat-worker"),
                None,
                1,
                Duration::from_millis(500),
            )
            .await
            .unwrap();
        found.into_iter().next()
    })
    .await;
    let result = TaskResult::completed(&polled.task_id, &polled.workflow_instance_id)
        .with_worker_id("compat-worker")
        .with_output_value("done", true);
    let next = tasks.update_task_v2(&result).await.unwrap();
    let next = match next {
        Some(next) => next,
        // The second task may not be queued yet: poll it instead.
        None => {
            eventually("the second task", || async {
                let found = tasks
                    .batch_poll(
                        &task_type,
                        Some("compat-worker"),
                        None,
                        1,
                        Duration::from_millis(500),
                    )
                    .await
                    .unwrap();
                found.into_iter().next()
            })
            .await
        }
    };
    assert_ne!(next.task_id, polled.task_id);
    assert_eq!(next.task_type, task_type);
    let last = tasks
        .update_task_v2(&TaskResult::completed(
            &next.task_id,
            &next.workflow_instance_id,
        ))
        .await
        .unwrap();
    assert!(last.is_none(), "{last:?}");

    for id in [&first, &second] {
        let workflow = target
            .client
            .workflow_client()
            .get_workflow(id)
            .await
            .unwrap();
        assert_eq!(workflow.status, WorkflowStatus::Completed, "{id}");
    }
    target.assert_missing(&[("POST /tasks/update-v2", target.older_than((3, 21, 12)))]);
}

#[tokio::test]
async fn endpoints_oss_lacks_are_unsupported_by_server() {
    let target = Target::start().await;
    let tasks = target.client.task_client();
    let workflows = target.client.workflow_client();
    let task_type = unique_name("compat_queue");

    for _ in 0..2 {
        let removed = tasks
            .remove_task_from_queue(&task_type, "no-such-task")
            .await;
        if target.is_external() {
            // conductor-oss 3.x has no such endpoint (405, or 500 before 3.32).
            let error = removed.unwrap_err();
            assert!(error.is_unsupported_by_server(), "{error:?}");
        } else {
            // The embedded server implements the Orkes / 2.x endpoint as an extension.
            removed.unwrap();
        }
    }

    let name = unique_name("compat_vars");
    target.register(&waiting_def(&name)).await;
    let id = target.start_workflow(&name).await;
    let updated = workflows
        .update_variables(&id, &json!({"attempt": 2}))
        .await;
    if target.is_external() {
        // conductor-oss has no such endpoint (Orkes only).
        let error = updated.unwrap_err();
        assert!(error.is_unsupported_by_server(), "{error:?}");
    } else {
        // The embedded server implements the Orkes endpoint as an extension.
        assert_eq!(updated.unwrap().variables["attempt"], 2);
    }
    let error = workflows
        .send_message(&id, &json!({"text": "hello"}))
        .await
        .unwrap_err();
    assert!(error.is_unsupported_by_server(), "{error:?}");

    target.assert_missing(&[
        (
            "DELETE /tasks/queue/{taskType}/{taskId}",
            target.is_external(),
        ),
        (
            "POST /workflow/{workflowId}/variables",
            target.is_external(),
        ),
        ("POST /workflow/{workflowId}/messages", true),
    ]);
    target.cleanup(&id).await;
}

// ---------------------------------------------------------------------------------------------
// Metadata and event handlers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn workflow_names_and_versions_read_the_same_everywhere() {
    let target = Target::start().await;
    let metadata = target.client.metadata_client();
    let name = unique_name("compat_versions");
    target.register(&instant_def(&name)).await;
    target.register(&instant_def(&name).with_version(2)).await;

    assert!(metadata.get_workflow_names().await.unwrap().contains(&name));
    let versions: Vec<i32> = metadata
        .get_workflow_def_versions(&name)
        .await
        .unwrap()
        .iter()
        .map(|summary| summary.version)
        .collect();
    assert_eq!(versions, [1, 2]);
    assert!(
        metadata
            .get_workflow_def_versions(&unique_name("compat_unknown"))
            .await
            .unwrap()
            .is_empty()
    );
    let old = target.older_than((3, 30, 0));
    target.assert_missing(&[
        ("GET /metadata/workflow/names", old),
        ("GET /metadata/workflow/{name}/versions", old),
    ]);
}

#[tokio::test]
async fn conflicts_and_missing_definitions_have_the_same_status_everywhere() {
    let target = Target::start().await;
    let metadata = target.client.metadata_client();
    let name = unique_name("compat_conflict");
    let def = with_owner(instant_def(&name));
    target.register(&def).await;

    let error = metadata.register_workflow_def(&def).await.unwrap_err();
    assert!(error.is_conflict(), "{error:?}");

    for description in ["first update", "second update"] {
        metadata
            .register_or_update_workflow_def(&def.clone().with_description(description))
            .await
            .unwrap();
        let stored = metadata.get_workflow_def(&name, Some(1)).await.unwrap();
        assert_eq!(stored.description.as_deref(), Some(description));
    }
    assert_eq!(
        target.missing("POST /metadata/workflow?overwrite=true"),
        target.older_than((3, 31, 2))
    );

    let gone = unique_name("compat_gone");
    assert!(
        metadata
            .delete_task_def(&gone)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        metadata
            .delete_workflow_def(&gone, 1)
            .await
            .unwrap_err()
            .is_not_found()
    );

    let events = target.client.event_client();
    let handler_name = unique_name("compat_handler");
    let handler =
        EventHandler::new(&handler_name, format!("conductor:{name}:nowhere")).with_action(
            EventHandlerAction::complete_task(TaskDetails::new("${workflowId}", "nowhere_ref")),
        );
    events.register_event_handler(&handler).await.unwrap();
    let error = events.register_event_handler(&handler).await.unwrap_err();
    assert!(error.is_conflict(), "{error:?}");
    events.delete_event_handler(&handler_name).await.unwrap();
    let error = events
        .delete_event_handler(&handler_name)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let error = events.update_event_handler(&handler).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// v2 searches
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn v2_searches_and_tasks_in_progress_find_the_same_everywhere() {
    let target = Target::start().await;
    let name = unique_name("compat_search");
    let task_type = unique_name("compat_search_task");
    target
        .register(&WorkflowDef::new(&name).with_task(WorkflowTask::simple(&task_type, "t_ref")))
        .await;
    let id = target.start_workflow(&name).await;
    let tasks = target.client.task_client();
    let workflows = target.client.workflow_client();
    let polled = eventually("the task to poll", || async {
        tasks
            .batch_poll(
                &task_type,
                Some("compat-worker"),
                None,
                1,
                Duration::from_millis(500),
            )
            .await
            .unwrap()
            .into_iter()
            .next()
    })
    .await;

    let in_progress = eventually("the task in the index as IN_PROGRESS", || async {
        let found = tasks
            .get_tasks_in_progress(&task_type, 0, 10)
            .await
            .unwrap();
        (!found.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(in_progress[0].task_id, polled.task_id);
    assert_eq!(in_progress[0].status, TaskStatus::InProgress);

    let query = SearchQuery::new().query(format!("workflowType = {}", quote_query_value(&name)));
    let found = eventually("the workflow in the index", || async {
        let found = workflows.search_workflows_v2(&query).await.unwrap();
        (!found.results.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(found.results[0].workflow_id, id);
    let by_tasks = workflows
        .search_workflows_by_tasks_v2(
            &SearchQuery::new().query(format!("taskType = {}", quote_query_value(&task_type))),
        )
        .await
        .unwrap();
    assert!(
        by_tasks.results.iter().any(|w| w.workflow_id == id),
        "{by_tasks:?}"
    );

    target.assert_missing(&[(
        "GET /workflow/search-v2, /workflow/search-by-tasks-v2, /tasks/search-v2",
        // The SQLite index the test servers use searches by id from 3.23.0 on.
        target.older_than((3, 23, 0)),
    )]);
    target.cleanup(&id).await;
}
