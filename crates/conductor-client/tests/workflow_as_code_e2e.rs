//! `ConductorWorkflow` against the embedded Conductor-compatible server over real HTTP: a
//! definition built in code registers, reads back unchanged, and starts, and the typed references
//! it uses are resolved by the server.

use std::time::Duration;

use conductor_client::models::{TaskStatus, WorkflowStatus, WorkflowTask};
use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
use conductor_server::DevServer;
use serde_json::json;

async fn start_server() -> (DevServer, ConductorClient) {
    let server = DevServer::start()
        .await
        .expect("the embedded server starts");
    let client = ConductorClient::new(Configuration::new(server.url())).expect("client builds");
    (server, client)
}

/// One worker task fed from the workflow input through a typed reference.
fn greetings(client: &ConductorClient) -> ConductorWorkflow {
    let workflow = ConductorWorkflow::new(client, "wac_e2e_greetings").with_version(2);
    let greet = WorkflowTask::simple("wac_e2e_greet", "greet_ref")
        .with_input_param("name", workflow.input("name"))
        .with_input_param("greeting", format!("Hello {}!", workflow.input("name")));
    workflow
        .with_output_param("result", greet.output_ref("result"))
        .add(greet)
}

#[tokio::test]
async fn a_workflow_built_in_code_registers_and_starts() {
    let (_server, client) = start_server().await;
    let workflow = greetings(&client);

    workflow.register(false).await.expect("registered");
    let stored = client
        .metadata_client()
        .get_workflow_def("wac_e2e_greetings", Some(2))
        .await
        .expect("the definition reads back");
    assert_eq!(stored.tasks, workflow.definition().tasks);
    assert_eq!(
        stored.output_parameters,
        workflow.definition().output_parameters
    );

    // Registering the same version again conflicts; with overwrite it is replaced.
    let again = workflow.register(false).await.expect_err("already exists");
    assert!(again.validation_error().is_none());
    let updated = workflow.with_description("v2, updated");
    updated.register(true).await.expect("overwritten");
    let stored = client
        .metadata_client()
        .get_workflow_def("wac_e2e_greetings", Some(2))
        .await
        .expect("the definition reads back");
    assert_eq!(stored.description.as_deref(), Some("v2, updated"));

    let workflow_id = updated
        .start(&json!({"name": "World"}))
        .await
        .expect("started");
    let execution = client
        .workflow_client()
        .get_workflow(&workflow_id)
        .await
        .expect("the execution reads back");
    assert_eq!(execution.status, WorkflowStatus::Running);
    assert_eq!(execution.workflow_version, Some(2));
    let task = execution
        .tasks
        .iter()
        .find(|task| task.reference_task_name == "greet_ref")
        .expect("the first task is scheduled");
    assert_eq!(task.status, TaskStatus::Scheduled);
    assert_eq!(
        serde_json::Value::Object(task.input_data.clone()),
        json!({"name": "World", "greeting": "Hello World!"})
    );
}

#[tokio::test]
async fn execute_returns_the_run_when_the_wait_ends() {
    let (_server, client) = start_server().await;
    let workflow = greetings(&client);
    workflow.register(true).await.expect("registered");

    // No worker polls `wac_e2e_greet`, so the workflow is still running when the wait ends.
    let run = workflow
        .execute(&json!({"name": "Rust"}), Duration::from_secs(1))
        .await
        .expect("executed");
    assert_eq!(run.status, WorkflowStatus::Running);
    assert_eq!(run.input["name"], "Rust");
}

#[tokio::test]
async fn an_invalid_definition_never_reaches_the_server() {
    let (_server, client) = start_server().await;
    let workflow = ConductorWorkflow::new(&client, "wac_e2e_invalid")
        .add(WorkflowTask::simple("t", "t_ref").with_input_param("x", "${missing_ref.output.x}"));

    let error = workflow.register(false).await.expect_err("invalid");
    assert!(error.validation_error().is_some());
    assert!(
        !client
            .metadata_client()
            .workflow_def_exists("wac_e2e_invalid", None)
            .await
            .expect("the server answers")
    );
}
