//! fork_join_script_example: a JOIN with a completion script. Three branches run in parallel;
//! the join completes as soon as two of them have completed (the script decides), and the
//! workflow goes on while the slow branch is still running.
//!
//! JOIN scripts are an Orkes feature (the embedded server has them too): conductor-oss ignores the
//! script and waits for every branch, so there the summary never runs before the slow carrier.

use conductor::WorkerHost;
use conductor::models::{
    StartWorkflowRequest, Task, TaskResultStatus, TaskStatus, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor::worker::{FnWorker, WorkerOutput};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register, task_reaches};

/// The workflow.
pub const WORKFLOW_NAME: &str = "fork_join_script_example";

/// The join script: `$.joinOn` lists the joined references and `$[ref]` holds each one's
/// `status` and `output`; `true` completes the join.
pub const JOIN_SCRIPT: &str = "(function () { \
    var done = 0; \
    for (var i = 0; i < $.joinOn.length; i++) { \
        var t = $[$.joinOn[i]]; \
        if (t && t.status === 'COMPLETED') { done++; } \
    } \
    return done >= 2; \
})();";

/// Runs the example: quotes from two carriers arrive, the join completes with two of three, the
/// summary runs; then the slow carrier answers and the workflow completes with
/// `{"summary": "2 quotes before the deadline"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not behave as described.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let workflow_name = env.name(WORKFLOW_NAME);
    let fast = env.name("quote_fast_carrier");
    let cheap = env.name("quote_cheap_carrier");
    let summarize = env.name("summarize_quotes");
    let branches = vec![
        vec![WorkflowTask::simple(&fast, "fast_ref")],
        vec![WorkflowTask::simple(&cheap, "cheap_ref")],
        // The slow carrier answers by callback: a WAIT task completed from outside.
        vec![WorkflowTask::wait("slow_ref")],
    ];
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(WorkflowTask::fork_join(
            "quotes_fork",
            branches,
            "quotes_join",
        ))
        .with_task(
            WorkflowTask::join("quotes_join", ["fast_ref", "cheap_ref", "slow_ref"])
                .with_join_script(JOIN_SCRIPT),
        )
        .with_task(
            WorkflowTask::simple(&summarize, "summary_ref")
                .with_input_param("fast", "${fast_ref.output.result}")
                .with_input_param("cheap", "${cheap_ref.output.result}"),
        )
        .with_output_param("summary", "${summary_ref.output.result}");
    register(&env.client, &[&fast, &cheap, &summarize], &workflow).await?;

    let host = WorkerHost::builder(env.config.clone())
        .worker(FnWorker::new(fast, |_task: Task| async move {
            Ok(WorkerOutput::completed_with_result(
                json!({"carrier": "fast", "price": 30}),
            ))
        }))
        .worker(FnWorker::new(cheap, |_task: Task| async move {
            Ok(WorkerOutput::completed_with_result(
                json!({"carrier": "cheap", "price": 18}),
            ))
        }))
        .worker(FnWorker::new(summarize, |task: Task| async move {
            let quotes = ["fast", "cheap"]
                .iter()
                .filter(|key| task.input_data.get(**key).is_some_and(|v| !v.is_null()))
                .count();
            Ok(WorkerOutput::completed_with_result(format!(
                "{quotes} quotes before the deadline"
            )))
        }))
        .start()
        .await?;
    let result = async {
        let workflow_id = env
            .client
            .workflow_client()
            .start_workflow(&StartWorkflowRequest::new(&workflow_name).with_version(1))
            .await?;
        // The summary runs while the slow branch still waits: the script completed the join.
        task_reaches(
            &env.client,
            &workflow_id,
            "summary_ref",
            TaskStatus::Completed,
        )
        .await?;
        let now = env
            .client
            .workflow_client()
            .get_workflow(&workflow_id)
            .await?;
        let slow = now.task_by_ref("slow_ref").map(|t| t.status.clone());
        tracing::info!(?slow, "join completed; the slow branch is");
        if slow != Some(TaskStatus::InProgress) {
            return Err::<_, BoxError>(
                format!("expected the slow branch to be still running, it is {slow:?}").into(),
            );
        }
        // The slow carrier answers at last.
        env.client
            .task_client()
            .update_task_by_ref_name(
                &workflow_id,
                "slow_ref",
                TaskResultStatus::Completed,
                &json!({"carrier": "slow", "price": 12}),
                None,
            )
            .await?;
        finished(&env.client, &workflow_id).await
    }
    .await;
    host.shutdown().await?;
    expect_status(result?, WorkflowStatus::Completed)
}
