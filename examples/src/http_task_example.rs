//! http_task_example: an HTTP system task, run by the server (no worker): it calls a local JSON
//! endpoint and the workflow reads the response body.
//!
//! On the embedded server the endpoint is a tiny local service started by the example
//! ([`LocalHttp`]), so nothing leaves the machine. With `CONDUCTOR_SERVER_URL` set, the server must
//! reach the URL itself: set `EXAMPLE_HTTP_URL` to a URL it can reach, else the example calls the
//! server's own `/health` endpoint (at the server's root, where every conductor-oss serves it).

use conductor::models::{StartWorkflowRequest, WorkflowDef, WorkflowStatus, WorkflowTask};

use crate::local_http::LocalHttp;
use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "http_task_example";

/// Runs the example; on the embedded server the output is
/// `{"statusCode": 200, "order": {"orderId": "A-1001", "status": "SHIPPED", ...}}`.
///
/// # Errors
///
/// When the server rejects a call, or the workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (_service, url) = if env.local_services() {
        let service = LocalHttp::start().await?;
        let url = format!("{}/orders/${{workflow.input.orderId}}", service.url());
        (Some(service), url)
    } else {
        let url = std::env::var("EXAMPLE_HTTP_URL")
            .unwrap_or_else(|_| format!("{}/health", env.root_url()));
        (None, url)
    };

    let workflow_name = env.name(WORKFLOW_NAME);
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::http("get_order_ref", url)
                .with_method("GET")
                .with_header("Accept", "application/json"),
        )
        .with_output_param("statusCode", "${get_order_ref.output.response.statusCode}")
        .with_output_param("order", "${get_order_ref.output.response.body}");
    register(&env.client, &[], &workflow).await?;

    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("orderId", "A-1001"),
        )
        .await?;
    expect_status(
        finished(&env.client, &workflow_id).await?,
        WorkflowStatus::Completed,
    )
}
