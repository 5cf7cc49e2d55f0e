//! http_poll_example: HTTP_POLL calls an endpoint again and again, every polling interval, until
//! its termination condition holds (here: the job reports COMPLETED). Run by the server, no
//! worker; on the embedded server the job is a local service ([`LocalHttp`]) that completes on
//! the third call. With `CONDUCTOR_SERVER_URL` set, set `EXAMPLE_HTTP_POLL_URL` to a job status URL
//! the server can reach whose JSON body has `"status": "COMPLETED"` eventually.
//!
//! HTTP_POLL is an Orkes task type: conductor-oss has none (3.21 fails the workflow for want of a
//! task definition named like the task, 3.32 schedules it as a worker task nobody polls).

use conductor::models::{
    PollingStrategy, StartWorkflowRequest, WorkflowDef, WorkflowStatus, WorkflowTask,
};

use crate::local_http::LocalHttp;
use crate::{BoxError, Environment, Outcome, expect_status, finished, register};

/// The workflow.
pub const WORKFLOW_NAME: &str = "http_poll_example";

/// Runs the example; on the embedded server the output is
/// `{"jobStatus": "COMPLETED", "calls": 3}`.
///
/// # Errors
///
/// When the server rejects a call, `EXAMPLE_HTTP_POLL_URL` is missing on a remote server, or the
/// workflow does not complete.
pub async fn run(env: &Environment) -> Result<Outcome, BoxError> {
    let (_service, url) = if env.local_services() {
        let service = LocalHttp::start().await?;
        let url = format!("{}/jobs/${{workflow.input.jobId}}", service.url());
        (Some(service), url)
    } else {
        match std::env::var("EXAMPLE_HTTP_POLL_URL") {
            Ok(url) => (None, url),
            Err(_) => {
                return Ok(Outcome::Unavailable(
                    "on a remote server, set EXAMPLE_HTTP_POLL_URL to a job status URL the server can reach"
                        .to_owned(),
                ));
            }
        }
    };
    let workflow_name = env.name(WORKFLOW_NAME);
    let workflow = WorkflowDef::new(&workflow_name)
        .with_version(1)
        .with_task(
            WorkflowTask::http_poll("poll_job_ref", url)
                .with_method("GET")
                .with_polling_interval(1)
                .with_polling_strategy(PollingStrategy::Fixed)
                .with_max_poll_count(10)
                .with_termination_condition(
                    "(function () { return $.output.response.body.status === 'COMPLETED'; })();",
                ),
        )
        .with_output_param("jobStatus", "${poll_job_ref.output.response.body.status}")
        .with_output_param("calls", "${poll_job_ref.output.response.body.calls}");
    register(&env.client, &[], &workflow).await?;
    let workflow_id = env
        .client
        .workflow_client()
        .start_workflow(
            &StartWorkflowRequest::new(workflow_name)
                .with_version(1)
                .with_input_value("jobId", "job-17"),
        )
        .await?;
    expect_status(
        finished(&env.client, &workflow_id).await?,
        WorkflowStatus::Completed,
    )
}
