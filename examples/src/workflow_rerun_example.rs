//! workflow_rerun_example: a workflow fails at its second task; after fixing the cause, rerun it
//! from that task (with corrected input) instead of starting over: the first task's work is kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use conductor::WorkerHost;
use conductor::models::{
    RerunWorkflowRequest, StartWorkflowRequest, Task, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow: `extract` then `load`.
pub const WORKFLOW_NAME: &str = "workflow_rerun_example";

/// Runs the example: the first run fails in `load` (no target table), the rerun from `load` with
/// `"table": "sales"` added to its input completes; the output is `{"rows": 120, "table": "sales"}` and `extract`
/// ran once.
///
/// # Errors
///
/// When the server rejects a call, or a run ends otherwise than described.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (extract, load) = (env.name("rerun_extract"), env.name("rerun_load"));
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(WorkflowTask::simple(&extract, "extract_ref"))
        .with_task(
            WorkflowTask::simple(&load, "load_ref")
                .with_input_param("rows", "${extract_ref.output.rows}")
                .with_input_param("table", "${workflow.input.table}"),
        )
        .with_output_param("rows", "${load_ref.output.rows}")
        .with_output_param("table", "${load_ref.output.table}");
    register(&env.client, &[&extract, &load], &workflow).await?;

    let extract_runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&extract_runs);
    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(extract, move |_task: Task| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(WorkerOutput::completed([("rows", json!(120))]))
            }
        }))
        .worker(FnWorker::new(load, |task: Task| async move {
            let rows: u64 = task.get_input("rows").unwrap_or(0);
            Ok(
                match task.get_input_string("table").filter(|t| !t.is_empty()) {
                    Some(table) => {
                        WorkerOutput::completed([("rows", json!(rows)), ("table", json!(table))])
                    }
                    None => WorkerOutput::failed_with_terminal_error("no target table given"),
                },
            )
        }))
        .start()
        .await?;
    let result = async {
        let workflows = env.client.workflow_client();
        // First run: no table, `load` fails terminally, the workflow fails.
        let workflow_id = workflows
            .start_workflow(&StartWorkflowRequest::new(&workflow.name).with_version(1))
            .await?;
        let failed = expect_status(finished(&env.client, &workflow_id).await?, WorkflowStatus::Failed)?;
        let load_task_id = failed
            .workflow()
            .and_then(|wf| wf.task_by_ref("load_ref"))
            .map(|task| task.task_id.clone())
            .ok_or("the failed run has no load task")?;
        tracing::info!(%workflow_id, reason = ?failed.workflow().and_then(|w| w.reason_for_incompletion.clone()), "first run failed");

        // Rerun from `load` with corrected task input: the task keeps `extract`'s rows and now
        // names its table. (The rerun task runs with the input given here, not re-evaluated.)
        let mut input = failed
            .workflow()
            .and_then(|wf| wf.task_by_ref("load_ref"))
            .map(|task| task.input_data.clone())
            .unwrap_or_default();
        input.insert("table".to_owned(), json!("sales"));
        workflows
            .rerun_workflow(
                &workflow_id,
                &RerunWorkflowRequest::new(&workflow_id)
                    .from_task(load_task_id)
                    .with_task_input(input),
            )
            .await?;
        finished(&env.client, &workflow_id).await
    }
    .await;
    host.shutdown().await?;
    let outcome = expect_status(result?, WorkflowStatus::Completed)?;
    let runs = extract_runs.load(Ordering::SeqCst);
    if runs != 1 {
        return Err(format!(
            "extract ran {runs} times; the rerun should have kept its first result"
        )
        .into());
    }
    Ok(outcome)
}
