//! A worker process killed with SIGKILL during an update outage loses nothing it had finished:
//! its result waits in the durable outbox, and the next start sends it. The test runs itself
//! again as the worker process (`OUTBOX_CHILD_URL` set), against the embedded server behind a
//! fault-injecting proxy that answers every task update with 503.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use conductor_client::ConductorClient;
use conductor_http::Configuration;
use conductor_models::{
    StartWorkflowRequest, Task, TaskDef, TaskStatus, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_server::DevServer;
use conductor_test_support::{Fault, FaultProxy, FaultRule};
use conductor_worker::{EnvLookup, FnWorker, RunnerOptions, TaskHandler, WorkerOutput};

const TEST_NAME: &str = "a_worker_killed_during_an_outage_loses_no_finished_result";
const CHILD_URL: &str = "OUTBOX_CHILD_URL";
const CHILD_DIR: &str = "OUTBOX_CHILD_DIR";
const WAIT: Duration = Duration::from_secs(30);

fn handler(url: &str, dir: &Path, worker: FnWorker) -> TaskHandler {
    TaskHandler::builder(Configuration::new(url))
        .env_lookup(EnvLookup::from_map(HashMap::new()))
        .options(RunnerOptions::default().with_outbox_dir(dir))
        .worker(worker)
        .build()
        .unwrap()
}

/// The worker process: completes `charge` tasks, then serves until it is killed.
async fn run_child(url: &str, dir: &Path) {
    let worker = FnWorker::new("charge", |_task: Task| async {
        Ok(WorkerOutput::completed_with_result("charged once"))
    });
    let mut handler = handler(url, dir, worker);
    handler.start().await.unwrap();
    std::future::pending::<()>().await;
}

fn outbox_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
    })
}

#[cfg(unix)]
#[tokio::test]
async fn a_worker_killed_during_an_outage_loses_no_finished_result() {
    if let (Ok(url), Ok(dir)) = (std::env::var(CHILD_URL), std::env::var(CHILD_DIR)) {
        return run_child(&url, &PathBuf::from(dir)).await;
    }
    let server = DevServer::start().await.unwrap();
    let client = ConductorClient::new(Configuration::new(server.url())).unwrap();
    let metadata = client.metadata_client();
    metadata
        .register_task_def(&TaskDef::new("charge"))
        .await
        .unwrap();
    metadata
        .register_workflow_def(
            &WorkflowDef::new("checkout").with_task(WorkflowTask::simple("charge", "charge_ref")),
        )
        .await
        .unwrap();
    // Task updates fail (503) through the proxy; polls go through.
    let proxy = FaultProxy::start(&server.url(), 7).await.unwrap();
    proxy.set_rules(vec![
        FaultRule::new(Fault::Status {
            status: 503,
            retry_after: None,
        })
        .method("POST")
        .path_contains("/api/tasks"),
    ]);
    let dir = std::env::temp_dir().join(format!("conductor-outbox-sigkill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture"])
        .env(CHILD_URL, proxy.url())
        .env(CHILD_DIR, &dir)
        .spawn()
        .unwrap();
    let id = client
        .workflow_client()
        .start_workflow(&StartWorkflowRequest::new("checkout"))
        .await
        .unwrap();
    // The child finished the task, failed to report it, and journaled it.
    let deadline = Instant::now() + WAIT;
    while outbox_entries(&dir) == 0 {
        assert!(
            Instant::now() < deadline,
            "the result never reached the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let workflow = client.workflow_client().get_workflow(&id).await.unwrap();
    assert_eq!(workflow.tasks[0].status, TaskStatus::InProgress);

    // The next start (of any worker, on a healthy network) sends it.
    let other = FnWorker::new("unrelated", |_task: Task| async {
        Ok(WorkerOutput::completed_with_result(0))
    });
    let mut next = handler(&server.url(), &dir, other);
    next.start().await.unwrap();
    let deadline = Instant::now() + WAIT;
    let workflow = loop {
        let workflow = client.workflow_client().get_workflow(&id).await.unwrap();
        if workflow.status != WorkflowStatus::Running || Instant::now() > deadline {
            break workflow;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    next.stop().await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(workflow.tasks[0].output_data["result"], "charged once");
    assert_eq!(workflow.tasks[0].poll_count, 1, "the task ran once");
    assert_eq!(outbox_entries(&dir), 0);
    std::fs::remove_dir_all(dir).unwrap();
    server.shutdown().await;
}
