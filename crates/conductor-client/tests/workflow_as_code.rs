//! Wire-contract tests of `ConductorWorkflow`: the exact requests of register / start / execute,
//! validation before anything is sent, and how failures are reported.

mod common;

use std::time::Duration;

use common::{Harness, empty_ok, error_response, json_response, text_response, workflow_run_json};
use conductor_client::models::{
    DefinitionProblem, ReturnStrategy, SignalResponse, TerminationStatus, WorkflowStatus,
    WorkflowTask, WorkflowTimeoutPolicy,
};
use conductor_client::{ConductorError, ConductorWorkflow, ExecuteOptions, RegisterWorkflowError};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

/// `greetings` v3: a worker task fed from the workflow input, a switch and a fork/join, with the
/// workflow output taken from the worker task.
fn greetings(h: &Harness) -> ConductorWorkflow {
    let workflow = ConductorWorkflow::new(&h.client, "greetings")
        .with_version(3)
        .with_description("says hello")
        .with_timeout(Duration::from_secs(60), WorkflowTimeoutPolicy::TimeOutWf);
    let greet =
        WorkflowTask::simple("greet", "greet_ref").with_input_param("name", workflow.input("name"));
    workflow
        .with_output_param("greeting", greet.output_ref("result"))
        .add(greet)
        .add(
            WorkflowTask::switch("route_ref", workflow_input_kind()).with_case(
                "stop",
                vec![WorkflowTask::terminate(
                    "stop_ref",
                    TerminationStatus::Completed,
                )],
            ),
        )
        .fork(
            "fan_ref",
            vec![
                vec![WorkflowTask::simple("a", "a_ref")],
                vec![WorkflowTask::simple("b", "b_ref")],
            ],
        )
}

fn workflow_input_kind() -> conductor_client::models::Expr {
    conductor_client::models::workflow_input("kind")
}

#[tokio::test]
async fn register_posts_the_definition_it_built() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let workflow = greetings(&h);

    workflow.register(false).await.unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/metadata/workflow", &[]);
    sent.assert_json_body(&serde_json::to_value(workflow.to_workflow_def()).unwrap());
    let body = sent.json_body();
    assert_eq!(body["name"], "greetings");
    assert_eq!(body["version"], 3);
    assert_eq!(body["timeoutSeconds"], 60);
    assert_eq!(body["timeoutPolicy"], "TIME_OUT_WF");
    assert_eq!(
        body["outputParameters"],
        json!({"greeting": "${greet_ref.output.result}"})
    );
    assert_eq!(
        body["tasks"][0]["inputParameters"],
        json!({"name": "${workflow.input.name}"})
    );
    let types: Vec<&str> = body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["SIMPLE", "SWITCH", "FORK_JOIN", "JOIN"]);
    assert_eq!(body["tasks"][3]["taskReferenceName"], "fan_ref_join");
    assert_eq!(body["tasks"][3]["joinOn"], json!(["a_ref", "b_ref"]));
}

#[tokio::test]
async fn register_with_overwrite_asks_the_server_to_overwrite() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;

    greetings(&h).register(true).await.unwrap();

    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/metadata/workflow", &[("overwrite", "true")]);
    assert_eq!(sent.json_body()["name"], "greetings");
}

#[tokio::test]
async fn register_with_overwrite_falls_back_to_update_on_older_servers() {
    let h = Harness::new().await;
    Mock::given(method("POST"))
        .and(path("/api/metadata/workflow"))
        .and(query_param("overwrite", "true"))
        .respond_with(error_response(
            409,
            "Workflow with greetings.3 already exists!",
        ))
        .mount(&h.server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/metadata/workflow"))
        .respond_with(json_response(
            &json!({"bulkSuccessfulResults": ["greetings"], "bulkErrorResults": {}}),
        ))
        .mount(&h.server)
        .await;

    greetings(&h).register(true).await.unwrap();

    let requests = h.requests().await;
    assert_eq!(requests.len(), 2);
    requests[1].assert_call("PUT", "/api/metadata/workflow", &[]);
    assert_eq!(requests[1].json_body()[0]["name"], "greetings");
}

#[tokio::test]
async fn an_invalid_definition_is_never_sent_and_every_problem_is_listed() {
    let h = Harness::new().await;
    h.respond(empty_ok()).await;
    let workflow = ConductorWorkflow::new(&h.client, "broken")
        .add(WorkflowTask::simple("a", "a_ref").with_input_param("x", "${ghost.output.y}"))
        .add(WorkflowTask::fork_join(
            "fork_ref",
            vec![vec![WorkflowTask::simple("a", "a_ref")]],
            "join_ref",
        ));

    let error = workflow.register(true).await.unwrap_err();

    assert!(h.requests().await.is_empty(), "nothing may be sent");
    assert!(!error.is_retryable());
    let invalid = error.validation_error().expect("a validation error");
    assert_eq!(
        invalid.problems,
        [
            DefinitionProblem::DuplicateTaskReference {
                reference: "a_ref".to_owned(),
                occurrences: 2,
            },
            DefinitionProblem::UnknownTaskReference {
                reference: "ghost".to_owned(),
                expression: "${ghost.output.y}".to_owned(),
                location: "task `a_ref` inputParameters.x".to_owned(),
            },
            DefinitionProblem::ForkWithoutJoin {
                fork: "fork_ref".to_owned(),
                next: None,
            },
        ]
    );
    // `?` into the SDK-wide error keeps the whole list in the message.
    let folded = ConductorError::from(error);
    assert!(matches!(&folded, ConductorError::Workflow(message)
        if message.contains("3 problems") && message.contains("unknown task reference `ghost`")));
}

#[tokio::test]
async fn a_refused_definition_reports_the_server_error() {
    let h = Harness::new().await;
    h.respond(error_response(
        400,
        "Validation failed, check below errors for detail.",
    ))
    .await;

    let error = greetings(&h).register(false).await.unwrap_err();

    assert!(error.validation_error().is_none());
    match error {
        RegisterWorkflowError::Conductor(inner) => assert_eq!(inner.status(), Some(400)),
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn start_sends_name_version_and_input_and_returns_the_id() {
    let h = Harness::new().await;
    h.respond(text_response("wf-42")).await;

    let id = greetings(&h)
        .start(&json!({"name": "World", "kind": "hello"}))
        .await
        .unwrap();

    assert_eq!(id, "wf-42");
    let sent = h.single_request().await;
    sent.assert_call("POST", "/api/workflow", &[]);
    sent.assert_json_body(&json!({
        "name": "greetings",
        "version": 3,
        "input": {"name": "World", "kind": "hello"},
        "taskToDomain": {},
        "priority": 0
    }));
}

#[tokio::test]
async fn start_rejects_an_input_that_is_not_an_object_before_sending() {
    let h = Harness::new().await;
    h.respond(text_response("wf-42")).await;

    let error = greetings(&h)
        .start(&json!(["not", "an", "object"]))
        .await
        .unwrap_err();

    assert!(matches!(error, ConductorError::Json(_)), "{error:?}");
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn execute_waits_on_the_registered_version() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "wf-7",
        "COMPLETED",
        "TARGET_WORKFLOW",
    )))
    .await;

    let run = greetings(&h)
        .execute(&json!({"name": "World"}), Duration::from_secs(15))
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/execute/greetings/3",
        &[("waitForSeconds", "15")],
    );
    assert_eq!(sent.json_body()["input"], json!({"name": "World"}));
    assert_eq!(run.workflow_id.as_deref(), Some("wf-7"));
    assert_eq!(run.status, WorkflowStatus::Completed);
}

#[tokio::test]
async fn execute_with_passes_the_options() {
    let h = Harness::new().await;
    h.respond(json_response(&workflow_run_json(
        "wf-8",
        "RUNNING",
        "BLOCKING_WORKFLOW",
    )))
    .await;
    let options = ExecuteOptions::new()
        .wait_for(Duration::from_secs(5))
        .wait_until_task_ref("greet_ref")
        .return_strategy(ReturnStrategy::BlockingWorkflow);

    let answer = greetings(&h)
        .execute_with(&json!({}), &options)
        .await
        .unwrap();

    let sent = h.single_request().await;
    sent.assert_call(
        "POST",
        "/api/workflow/execute/greetings/3",
        &[
            ("waitForSeconds", "5"),
            ("waitUntilTaskRef", "greet_ref"),
            ("returnStrategy", "BLOCKING_WORKFLOW"),
        ],
    );
    assert!(
        matches!(answer, SignalResponse::Workflow(run) if run.workflow_id.as_deref() == Some("wf-8"))
    );
}

#[tokio::test]
async fn the_builder_keeps_what_it_was_given() {
    let h = Harness::new().await;
    let workflow = greetings(&h)
        .with_owner_email("team@example.com")
        .with_failure_workflow("cleanup")
        .with_restartable(false)
        .with_input_parameters(["name", "kind"])
        .with_variable("attempts", 0)
        .add_all([WorkflowTask::wait("pause_ref")]);
    assert_eq!(workflow.name(), "greetings");
    assert_eq!(workflow.version(), 3);
    let def = workflow.definition();
    assert_eq!(def.owner_email.as_deref(), Some("team@example.com"));
    assert_eq!(def.failure_workflow.as_deref(), Some("cleanup"));
    assert!(!def.restartable);
    assert_eq!(def.input_parameters, ["name", "kind"]);
    assert_eq!(def.variables["attempts"], 0);
    assert_eq!(def.tasks.last().unwrap().task_reference_name, "pause_ref");
    assert_eq!(
        workflow.variable("attempts").as_str(),
        "${workflow.variables.attempts}"
    );
    assert!(workflow.validate().is_ok());
    assert!(workflow.to_mermaid().starts_with("flowchart TD\n"));
    assert!(workflow.to_dot().starts_with("digraph \"greetings\" {\n"));
}
