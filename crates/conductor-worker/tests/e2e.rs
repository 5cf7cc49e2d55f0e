//! The worker runtime against the embedded Conductor-compatible server over real HTTP: the seed's
//! hello-world, async-workers and long-running flows, 1,000 tasks through 4 workers, a server that
//! comes up after the workers, and shutdown during execution.
//!
//! With `CONDUCTOR_TEST_SERVER_URL` set, every test runs unchanged against that server (a real
//! conductor-oss) instead of a fresh embedded one. Each test names its task types and workflows
//! with [`unique_name`], so tests running at once (and leftovers of earlier runs on the same
//! server) never poll each other's tasks.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_client::ConductorClient;
use conductor_http::{Configuration, RetryPolicy};
use conductor_metrics::MetricsSettings;
use conductor_models::{
    StartWorkflowRequest, Task, TaskDef, TaskStatus, Workflow, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor_server::DevServer;
use conductor_test_support::{external_server_url, unique_name};
use conductor_worker::{
    FnWorker, RunnerOptions, TaskHandler, TaskInProgress, WorkerHost, WorkerOutput,
};

const WAIT: Duration = Duration::from_secs(30);

/// The server a test runs against: a fresh embedded server, or the external one.
struct TestServer {
    embedded: Option<DevServer>,
    url: String,
}

impl TestServer {
    /// A fresh embedded server, or the external server when `CONDUCTOR_TEST_SERVER_URL` is set.
    async fn start() -> Self {
        match external_server_url() {
            Some(url) => Self {
                embedded: None,
                url,
            },
            None => {
                let server = DevServer::start().await.unwrap();
                Self {
                    url: server.url(),
                    embedded: Some(server),
                }
            }
        }
    }

    /// Brings a server up at `127.0.0.1:{port}`, where nothing listened before: an embedded
    /// server on that port, or a TCP relay from that port to the external server.
    async fn start_at(port: u16) -> Self {
        let url = format!("http://127.0.0.1:{port}/api");
        match external_server_url() {
            Some(external) => {
                relay(port, &external);
                Self {
                    embedded: None,
                    url,
                }
            }
            None => Self {
                embedded: Some(DevServer::builder().port(port).start().await.unwrap()),
                url,
            },
        }
    }

    fn url(&self) -> String {
        self.url.clone()
    }

    async fn shutdown(self) {
        if let Some(server) = self.embedded {
            server.shutdown().await;
        }
    }
}

/// Relays every TCP connection to `127.0.0.1:{port}` to the host and port of `target_url`, on
/// threads that live as long as the test process.
fn relay(port: u16, target_url: &str) {
    let authority = target_url
        .split_once("://")
        .map_or(target_url, |(_, rest)| rest);
    let upstream = authority.split('/').next().unwrap().to_owned();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    return;
                };
                let (mut from_client, mut to_server) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let requests = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_client, &mut to_server);
                    let _ = to_server.shutdown(std::net::Shutdown::Write);
                });
                let (mut to_client, mut from_server) = (client, server);
                let _ = std::io::copy(&mut from_server, &mut to_client);
                let _ = to_client.shutdown(std::net::Shutdown::Write);
                let _ = requests.join();
            });
        }
    });
}

async fn server() -> (TestServer, ConductorClient, Configuration) {
    let server = TestServer::start().await;
    let config = Configuration::new(server.url());
    let client = ConductorClient::new(config.clone()).unwrap();
    (server, client, config)
}

/// Registers a one-task-per-step workflow `name` over `task_types`; every task receives the
/// workflow inputs `name` and `n`.
async fn register(client: &ConductorClient, name: &str, task_types: &[&str]) {
    let metadata = client.metadata_client();
    let defs: Vec<TaskDef> = task_types.iter().map(|t| TaskDef::new(*t)).collect();
    metadata.register_task_defs(&defs).await.unwrap();
    let mut workflow = WorkflowDef::new(name);
    for task_type in task_types {
        workflow = workflow.with_task(
            WorkflowTask::simple(*task_type, format!("{task_type}_ref"))
                .with_input_param("name", "${workflow.input.name}")
                .with_input_param("n", "${workflow.input.n}"),
        );
    }
    metadata.register_workflow_def(&workflow).await.unwrap();
}

/// Polls the workflow until it is no longer running.
async fn wait_for(client: &ConductorClient, workflow_id: &str, within: Duration) -> Workflow {
    let deadline = Instant::now() + within;
    loop {
        let workflow = client
            .workflow_client()
            .get_workflow(workflow_id)
            .await
            .unwrap();
        if workflow.status != WorkflowStatus::Running || Instant::now() > deadline {
            return workflow;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start(client: &ConductorClient, request: StartWorkflowRequest) -> String {
    client
        .workflow_client()
        .start_workflow(&request)
        .await
        .unwrap()
}

fn greet_worker(task_type: &str) -> FnWorker {
    FnWorker::new(task_type, |task: Task| async move {
        let name = task.get_input_string("name").unwrap_or_default();
        Ok(WorkerOutput::completed_with_result(format!(
            "Hello, {name}!"
        )))
    })
}

#[tokio::test]
async fn seed_hello_world_runs_through_a_worker_host() {
    let (server, client, config) = server().await;
    let (greet, workflow_name) = (unique_name("greet"), unique_name("greeting_workflow"));
    register(&client, &workflow_name, &[&greet]).await;
    let (builder, shutdown_tx) = WorkerHost::builder(config)
        .worker(greet_worker(&greet))
        .handle_signals(false)
        .with_shutdown_channel();
    let host = builder.start().await.unwrap();
    let id = start(
        &client,
        StartWorkflowRequest::new(workflow_name).with_input_value("name", "World"),
    )
    .await;
    let workflow = wait_for(&client, &id, WAIT).await;
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks[0].output_data["result"], "Hello, World!");
    assert!(workflow.tasks[0].worker_id.is_some());

    shutdown_tx.send(()).ok();
    tokio::time::timeout(WAIT, host.wait_for_shutdown())
        .await
        .unwrap()
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn wait_for_shutdown_waits_for_a_trigger() {
    // The seed's WorkerHost returned at once when no channel was configured.
    let (server, _client, config) = server().await;
    let greet = unique_name("greet");
    let host = WorkerHost::builder(config)
        .worker(greet_worker(&greet))
        .handle_signals(false)
        .start()
        .await
        .unwrap();
    assert!(host.handler().is_running());
    host.request_shutdown();
    tokio::time::timeout(WAIT, host.wait_for_shutdown())
        .await
        .unwrap()
        .unwrap();

    let (builder, shutdown_tx) = WorkerHost::builder(Configuration::new(server.url()))
        .worker(greet_worker(&greet))
        .with_shutdown_channel();
    let host = builder.start().await.unwrap();
    let waiting = tokio::spawn(host.wait_for_shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "wait_for_shutdown returned without a signal"
    );
    shutdown_tx.send(()).ok();
    tokio::time::timeout(WAIT, waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn seed_async_workers_with_metrics() {
    let (server, client, config) = server().await;
    let (task_a, task_b) = (unique_name("task_a"), unique_name("task_b"));
    let workflow_name = unique_name("ab_workflow");
    register(&client, &workflow_name, &[&task_a, &task_b]).await;
    let mut handler = TaskHandler::builder(config)
        .worker(
            FnWorker::new(&task_a, |_| async {
                Ok(WorkerOutput::completed_with_result("A done"))
            })
            .with_thread_count(4),
        )
        .worker(
            FnWorker::new(&task_b, |_| async {
                Ok(WorkerOutput::completed_with_result("B done"))
            })
            .with_thread_count(2),
        )
        .metrics(
            MetricsSettings::default()
                .with_http_port(0)
                .with_bind_address([127, 0, 0, 1].into()),
        )
        .build()
        .unwrap();
    handler.start().await.unwrap();
    let ids: Vec<String> = futures_join(
        (0..10).map(|_| start(&client, StartWorkflowRequest::new(workflow_name.as_str()))),
    )
    .await;
    for id in &ids {
        let workflow = wait_for(&client, id, WAIT).await;
        assert_eq!(workflow.status, WorkflowStatus::Completed);
        assert_eq!(workflow.tasks[1].output_data["result"], "B done");
    }
    assert!(
        handler
            .event_dispatcher()
            .flush(Duration::from_secs(5))
            .await
    );
    let text = handler.metrics_collector().unwrap().gather();
    for task_type in [&task_a, &task_b] {
        let line =
            format!(r#"conductor_task_execution_started_total{{task_type="{task_type}"}} 10"#);
        assert!(text.contains(&line), "{line} not in {text}");
    }
    // The runtime's own polls are timed under their route template.
    assert!(
        text.contains(r#"uri="/tasks/poll/batch/{taskType}""#),
        "no poll latency in {text}"
    );
    assert!(handler.metrics_address().is_some());
    handler.stop().await.unwrap();
    server.shutdown().await;
}

/// Awaits futures one after another (the workspace has no `futures` crate; order is irrelevant).
async fn futures_join<F: std::future::Future<Output = String>>(
    futures: impl Iterator<Item = F>,
) -> Vec<String> {
    let mut out = Vec::new();
    for future in futures {
        out.push(future.await);
    }
    out
}

#[tokio::test]
async fn seed_long_running_task_reports_progress_until_done() {
    let (server, client, config) = server().await;
    let (long_task, workflow_name) = (unique_name("long_task"), unique_name("long_workflow"));
    register(&client, &workflow_name, &[&long_task]).await;
    let worker = FnWorker::new(long_task, |task: Task| async move {
        let progress: i32 = task.get_output("progress").unwrap_or(0);
        if progress < 100 {
            // Report progress and callback in 3 seconds
            Ok(WorkerOutput::InProgress(
                TaskInProgress::new(3)
                    .with_output_value("progress", progress + 50)
                    .with_output_value("status", "Processing..."),
            ))
        } else {
            Ok(WorkerOutput::completed_with_result("Complete!"))
        }
    });
    let mut handler = TaskHandler::builder(config).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    let started = Instant::now();
    let id = start(&client, StartWorkflowRequest::new(workflow_name)).await;
    let workflow = wait_for(&client, &id, WAIT).await;
    handler.stop().await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    let task = &workflow.tasks[0];
    assert_eq!(task.output_data["result"], "Complete!");
    assert_eq!(
        task.poll_count, 3,
        "two IN_PROGRESS callbacks, then completion"
    );
    assert!(
        // At least 1 s each: conductor-oss 3.21's SQLite queue hands a postponed task out again
        // up to 2 s early (it compares whole seconds, one second ahead).
        started.elapsed() >= Duration::from_secs(2),
        "each callback waits"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_through_four_workers_each_complete_exactly_once() {
    let (server, client, config) = server().await;
    let types = ["w1", "w2", "w4", "w8"].map(unique_name);
    for task_type in &types {
        register(&client, &format!("{task_type}_flow"), &[task_type]).await;
    }
    let executions: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let mut builder = TaskHandler::builder(config);
    for (task_type, threads) in types.iter().zip([1, 2, 4, 8]) {
        let executions = Arc::clone(&executions);
        builder = builder.worker(
            FnWorker::new(task_type, move |task: Task| {
                let executions = Arc::clone(&executions);
                async move {
                    *executions
                        .lock()
                        .unwrap()
                        .entry(task.task_id.clone())
                        .or_default() += 1;
                    let n: i64 = task.get_input("n").unwrap();
                    Ok(WorkerOutput::completed_with_result(n * 2))
                }
            })
            .with_thread_count(threads),
        );
    }
    let mut handler = builder.build().unwrap();
    handler.start().await.unwrap();

    let mut ids = Vec::new();
    for n in 0..1000_i64 {
        let flow = format!("{}_flow", types[(n % 4) as usize]);
        ids.push((
            n,
            start(
                &client,
                StartWorkflowRequest::new(flow).with_input_value("n", n),
            )
            .await,
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while executions.lock().unwrap().len() < 1000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (n, id) in &ids {
        let workflow = wait_for(&client, id, WAIT).await;
        assert_eq!(workflow.status, WorkflowStatus::Completed, "{id}");
        assert_eq!(workflow.tasks.len(), 1);
        assert_eq!(workflow.tasks[0].output_data["result"], n * 2);
    }
    handler.stop().await.unwrap();
    {
        let executions = executions.lock().unwrap();
        assert_eq!(executions.len(), 1000);
        assert!(
            executions.values().all(|count| *count == 1),
            "a task ran twice"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn workers_started_before_the_server_catch_up_when_it_comes_up() {
    // Find a free port, then start the workers against it with nothing listening.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = Configuration::new(format!("http://127.0.0.1:{port}/api"))
        .with_retry_policy(RetryPolicy::none());
    let options = RunnerOptions::default()
        .with_poll_error_backoff(Duration::from_millis(100), Duration::from_millis(400))
        .with_register_task_defs(true);
    let (greet, workflow_name) = (unique_name("greet"), unique_name("greeting_workflow"));
    let mut handler = TaskHandler::builder(config.clone())
        .options(options)
        .worker(greet_worker(&greet))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let server = TestServer::start_at(port).await;
    let client = ConductorClient::new(config).unwrap();
    // The runtime registers the task definition once the server is up.
    let deadline = Instant::now() + WAIT;
    while client.metadata_client().get_task_def(&greet).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "task definition never registered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .metadata_client()
        .register_workflow_def(
            &WorkflowDef::new(&workflow_name).with_task(
                WorkflowTask::simple(&greet, "greet_ref")
                    .with_input_param("name", "${workflow.input.name}"),
            ),
        )
        .await
        .unwrap();
    let id = start(
        &client,
        StartWorkflowRequest::new(workflow_name).with_input_value("name", "late"),
    )
    .await;
    let workflow = wait_for(&client, &id, WAIT).await;
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks[0].output_data["result"], "Hello, late!");
    handler.stop().await.unwrap();
    server.shutdown().await;
}

/// A worker that takes `work` per task and counts executions started.
fn slow_worker(task_type: &str, work: Duration, started: Arc<AtomicUsize>) -> FnWorker {
    FnWorker::new(task_type, move |task: Task| {
        let started = Arc::clone(&started);
        async move {
            started.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(work).await;
            Ok(WorkerOutput::completed_with_result(task.task_id))
        }
    })
    .with_thread_count(3)
}

#[tokio::test]
async fn shutdown_during_execution_loses_no_result() {
    let (server, client, config) = server().await;
    let (slow, workflow_name) = (unique_name("slow"), unique_name("slow_flow"));
    register(&client, &workflow_name, &[&slow]).await;
    let started = Arc::new(AtomicUsize::new(0));
    let (builder, shutdown_tx) = WorkerHost::builder(config)
        .worker(slow_worker(
            &slow,
            Duration::from_secs(1),
            Arc::clone(&started),
        ))
        .ignore_signals()
        .configure(|handler| handler.shutdown_grace_period(Duration::from_secs(10)))
        .with_shutdown_channel();
    let host = builder.start().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(&client, StartWorkflowRequest::new(workflow_name.as_str())).await);
    }
    while started.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // SIGTERM-equivalent while all three execute.
    shutdown_tx.send(()).ok();
    host.wait_for_shutdown().await.unwrap();
    for id in &ids {
        let workflow = client.workflow_client().get_workflow(id).await.unwrap();
        assert_eq!(
            workflow.status,
            WorkflowStatus::Completed,
            "result lost for {id}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn tasks_unfinished_at_the_deadline_go_back_to_the_queue_for_another_worker() {
    let (server, client, config) = server().await;
    let (slow, workflow_name) = (unique_name("slow"), unique_name("slow_flow"));
    register(&client, &workflow_name, &[&slow]).await;
    let started = Arc::new(AtomicUsize::new(0));
    let options = RunnerOptions::default()
        .with_shutdown_grace_period(Duration::from_millis(300))
        .with_hand_back_timeout(Duration::from_secs(2));
    let mut first = TaskHandler::builder(config.clone())
        .options(options)
        .worker(slow_worker(
            &slow,
            Duration::from_secs(3600),
            Arc::clone(&started),
        ))
        .build()
        .unwrap();
    first.start().await.unwrap();
    let id = start(&client, StartWorkflowRequest::new(workflow_name)).await;
    while started.load(Ordering::SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stop_started = Instant::now();
    first.stop().await.unwrap();
    assert!(stop_started.elapsed() < Duration::from_secs(3));

    // The task is SCHEDULED again at once, with its log line, not left IN_PROGRESS to time out.
    let workflow = client.workflow_client().get_workflow(&id).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Running);
    assert_eq!(workflow.tasks[0].status, TaskStatus::Scheduled);
    assert_eq!(workflow.tasks[0].retry_count, 0, "no retry used up");
    let logs = client
        .task_client()
        .get_task_logs(&workflow.tasks[0].task_id)
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l.log.contains("returned to the queue")),
        "{logs:?}"
    );

    // Another worker picks it up straight away, and sees its first poll: the hand-back's poll
    // is taken off (the server counts it, and keeps the hand-back counter in the output).
    let seen_poll_counts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&seen_poll_counts);
    let second_worker = FnWorker::new(&slow, move |task: Task| {
        let seen = Arc::clone(&seen);
        async move {
            let ctx = conductor_worker::TaskContext::from_task(&task);
            seen.lock()
                .unwrap()
                .push((ctx.poll_count(), task.output_data.len()));
            Ok(WorkerOutput::completed_with_result(task.task_id))
        }
    });
    let mut second = TaskHandler::builder(config)
        .worker(second_worker)
        .build()
        .unwrap();
    second.start().await.unwrap();
    let workflow = wait_for(&client, &id, WAIT).await;
    second.stop().await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks.len(), 1);
    assert_eq!(workflow.tasks[0].poll_count, 2);
    assert_eq!(*seen_poll_counts.lock().unwrap(), [(1, 0)]);
    server.shutdown().await;
}

/// A worker whose first attempt of a task runs until its context is cancelled (counted in
/// `cancelled`), and whose later attempts complete at once.
fn first_attempt_waits_for_cancellation(task_type: &str, cancelled: Arc<AtomicUsize>) -> FnWorker {
    FnWorker::new(task_type, move |task: Task| {
        let cancelled = Arc::clone(&cancelled);
        async move {
            let ctx = conductor_worker::TaskContext::from_task(&task);
            if ctx.retry_count() == 0 {
                tokio::select! {
                    () = ctx.cancelled() => {
                        cancelled.fetch_add(1, Ordering::SeqCst);
                    }
                    () = tokio::time::sleep(Duration::from_secs(120)) => {}
                }
                return Ok(WorkerOutput::completed_with_result("first attempt"));
            }
            Ok(WorkerOutput::completed_with_result("retried attempt"))
        }
    })
    .with_thread_count(2)
}

/// A started handler running [`first_attempt_waits_for_cancellation`] for `task_type`, checking
/// task status every 500 ms.
async fn started_cancellable_handler(
    config: Configuration,
    task_type: &str,
    cancelled: Arc<AtomicUsize>,
) -> TaskHandler {
    let options =
        RunnerOptions::default().with_task_status_check_interval(Some(Duration::from_millis(500)));
    let mut handler = TaskHandler::builder(config)
        .options(options)
        .worker(first_attempt_waits_for_cancellation(task_type, cancelled))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    handler
}

async fn wait_until(within: Duration, check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !check() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

#[tokio::test]
async fn a_running_execution_learns_that_its_workflow_was_terminated_and_the_retry_runs() {
    let (server, client, config) = server().await;
    let (task_type, workflow_name) = (unique_name("terminated"), unique_name("terminated_flow"));
    register(&client, &workflow_name, &[&task_type]).await;
    let cancelled = Arc::new(AtomicUsize::new(0));
    let mut handler = started_cancellable_handler(config, &task_type, Arc::clone(&cancelled)).await;
    let id = start(&client, StartWorkflowRequest::new(&workflow_name)).await;
    let workflows = client.workflow_client();
    assert!(wait_for_task_status(&client, &id, TaskStatus::InProgress).await);
    workflows
        .terminate_workflow(&id, Some("test"))
        .await
        .unwrap();
    assert!(
        wait_until(WAIT, || cancelled.load(Ordering::SeqCst) == 1).await,
        "the execution never learned of the termination"
    );
    // Retrying the workflow schedules a new attempt, which the same worker completes; the
    // cancelled first attempt's result was never sent.
    workflows.retry_workflow(&id).await.unwrap();
    let workflow = wait_for(&client, &id, WAIT).await;
    handler.stop().await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks[0].status, TaskStatus::Canceled);
    let last = workflow.tasks.last().unwrap();
    assert_eq!(last.output_data["result"], "retried attempt");
    server.shutdown().await;
}

#[tokio::test]
async fn a_running_execution_learns_that_its_task_timed_out_while_the_retry_completes() {
    let (server, client, config) = server().await;
    let (task_type, workflow_name) = (unique_name("timed_out"), unique_name("timed_out_flow"));
    register(&client, &workflow_name, &[&task_type]).await;
    let def = TaskDef::new(&task_type)
        .with_retry(1, conductor_models::RetryLogic::Fixed, 0)
        .with_timeout(0, conductor_models::TimeoutPolicy::Retry)
        .with_response_timeout(2);
    client
        .metadata_client()
        .update_task_def(&def)
        .await
        .unwrap();
    let cancelled = Arc::new(AtomicUsize::new(0));
    let mut handler = started_cancellable_handler(config, &task_type, Arc::clone(&cancelled)).await;
    let id = start(&client, StartWorkflowRequest::new(&workflow_name)).await;
    // The server times the task out at a sweep; ask for one until it has.
    let workflows = client.workflow_client();
    let timed_out = async {
        let deadline = Instant::now() + WAIT;
        while cancelled.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            workflows.decide_workflow(&id).await.unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        cancelled.load(Ordering::SeqCst) == 1
    };
    assert!(
        timed_out.await,
        "the execution never learned of the timeout"
    );
    let workflow = wait_for(&client, &id, WAIT).await;
    handler.stop().await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks[0].status, TaskStatus::TimedOut);
    assert_eq!(workflow.tasks[1].output_data["result"], "retried attempt");
    server.shutdown().await;
}

/// Waits until the workflow's first task has `status`.
async fn wait_for_task_status(client: &ConductorClient, id: &str, status: TaskStatus) -> bool {
    let deadline = Instant::now() + WAIT;
    loop {
        let workflow = client.workflow_client().get_workflow(id).await.unwrap();
        if workflow.tasks.first().is_some_and(|t| t.status == status) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn registration_links_schemas_and_keeps_existing_settings() {
    let (server, client, config) = server().await;
    let (greet, existing) = (unique_name("greet"), unique_name("existing"));
    client
        .metadata_client()
        .register_task_def(&TaskDef::new(&existing).with_retry(
            7,
            conductor_models::RetryLogic::Fixed,
            5,
        ))
        .await
        .unwrap();
    let mut handler = TaskHandler::builder(config)
        .register_task_defs(true)
        .worker(
            greet_worker(&greet)
                .with_input_schema(serde_json::json!({"type": "object", "required": ["name"]})),
        )
        .worker(FnWorker::new(&existing, |_| async {
            Ok(WorkerOutput::completed_with_result(1))
        }))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    let deadline = Instant::now() + WAIT;
    let greet_def = loop {
        if let Ok(def) = client.metadata_client().get_task_def(&greet).await {
            break def;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    handler.stop().await.unwrap();
    let schema = greet_def.input_schema.expect("input schema linked");
    assert_eq!(schema.name, format!("{greet}_input"));
    assert_eq!(schema.data.unwrap()["required"][0], "name");
    let existing = client
        .metadata_client()
        .get_task_def(&existing)
        .await
        .unwrap();
    assert_eq!(existing.retry_count, 7);
    server.shutdown().await;
}
