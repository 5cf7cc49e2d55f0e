//! A real SIGTERM sent to this test process while a task executes: the host drains and the
//! result reaches the server. Alone in its own test binary, since the signal reaches every test
//! of a process.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conductor_client::ConductorClient;
use conductor_http::Configuration;
use conductor_models::{
    StartWorkflowRequest, Task, TaskDef, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_server::DevServer;
use conductor_worker::{FnWorker, WorkerHost, WorkerOutput};

#[cfg(unix)]
#[tokio::test]
async fn sigterm_drains_in_flight_work_before_returning() {
    let server = DevServer::start().await.unwrap();
    let config = Configuration::new(server.url());
    let client = ConductorClient::new(config.clone()).unwrap();
    client
        .metadata_client()
        .register_task_def(&TaskDef::new("slow"))
        .await
        .unwrap();
    client
        .metadata_client()
        .register_workflow_def(
            &WorkflowDef::new("slow_flow").with_task(WorkflowTask::simple("slow", "slow_ref")),
        )
        .await
        .unwrap();

    let started = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&started);
    let worker = FnWorker::new("slow", move |_task: Task| {
        let seen = Arc::clone(&seen);
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(800)).await;
            Ok(WorkerOutput::completed_with_result(
                "finished despite SIGTERM",
            ))
        }
    });
    // Signals are handled by default.
    let host = WorkerHost::builder(config)
        .worker(worker)
        .start()
        .await
        .unwrap();
    let id = client
        .workflow_client()
        .start_workflow(&StartWorkflowRequest::new("slow_flow"))
        .await
        .unwrap();
    while started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(30), host.wait_for_shutdown())
        .await
        .expect("the host stops after SIGTERM")
        .unwrap();

    let workflow = client.workflow_client().get_workflow(&id).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Completed);
    assert_eq!(
        workflow.tasks[0].output_data["result"],
        "finished despite SIGTERM"
    );
    server.shutdown().await;
}
