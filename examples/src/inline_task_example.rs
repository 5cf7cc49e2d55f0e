//! inline_task_example: INLINE runs a small JavaScript function on the server (no worker), with
//! its input under `$`.

use conductor::models::{StartWorkflowRequest, WorkflowDef, WorkflowStatus, WorkflowTask};
use serde_json::json;

use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "inline_task_example";

/// Runs the example on three items; the output is `{"total": 65, "count": 3, "expensive": "lamp"}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let script = r#"
        (function () {
            var total = 0, expensive = [];
            for (var i = 0; i < $.items.length; i++) {
                total += $.items[i].price;
                if ($.items[i].price > $.threshold) { expensive.push($.items[i].name); }
            }
            // A string, not the array itself: conductor-oss 3.21's script engine (Nashorn) hands
            // arrays back as objects keyed by index.
            return { total: total, count: $.items.length, expensive: expensive.join(', ') };
        })();
    "#;
    let workflow = WorkflowDef::new(env.name(WORKFLOW_NAME))
        .with_version(1)
        .with_task(
            WorkflowTask::inline("summarize_ref", script)
                .with_input_param("items", "${workflow.input.items}")
                .with_input_param("threshold", 30),
        )
        .with_output_param("total", "${summarize_ref.output.result.total}")
        .with_output_param("count", "${summarize_ref.output.result.count}")
        .with_output_param("expensive", "${summarize_ref.output.result.expensive}");
    register(&env.client, &[], &workflow).await?;

    let items = json!([
        {"name": "pen", "price": 5},
        {"name": "book", "price": 20},
        {"name": "lamp", "price": 40},
    ]);
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(&workflow.name)
                .with_version(1)
                .with_input_value("items", items),
        )
        .await?;
    expect_status(
        finished(&env.client, &workflow_id).await?,
        WorkflowStatus::Completed,
    )
}
