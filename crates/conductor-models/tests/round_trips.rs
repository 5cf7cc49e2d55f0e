//! Round-trip shape rules: what a deserialise-then-serialise keeps, adds and orders.
//!
//! - executions (`Task`, `Workflow`) and `TaskResult` add no key they were read without, including
//!   inside the definitions they embed ([`conductor_models::AbsentKeys`]);
//! - definitions read on their own serialise in full, like the server's Java model (the embedded
//!   server answers with what it stored, as conductor-oss does);
//! - `executionMetadata` keeps `additionalContextMap` and the properties the SDK does not know;
//! - `decisionCases` keep their order; `StateChangeConfig` serialises to the `onStateChange` form.

use conductor_models::{
    DecisionCases, ExecutionMetadata, StateChangeConfig, StateChangeEvent, StateChangeEventType,
    Task, TaskDef, TaskResult, Workflow, WorkflowDef, WorkflowTask,
};
use serde_json::{Value, json};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(input: &Value) -> Value {
    let typed: T = serde_json::from_value(input.clone()).expect("deserialises");
    serde_json::to_value(&typed).expect("serialises")
}

#[test]
fn a_partial_task_gains_no_empty_strings_or_zeros() {
    let input = json!({"taskId": "t-1", "status": "SCHEDULED", "inputData": {"n": 1}});
    let output = round_trip::<Task>(&input);
    assert_eq!(output, input);
    for key in [
        "taskDefName",
        "referenceTaskName",
        "workflowType",
        "seq",
        "executionMetadata",
    ] {
        assert!(output.get(key).is_none(), "{key} was added");
    }
}

#[test]
fn an_absent_key_is_written_again_once_its_value_changes() {
    let mut task: Task = serde_json::from_value(json!({"taskId": "t-1"})).expect("a task");
    assert!(task.absent_keys.contains("retryCount"));
    task.retry_count = 2;
    task.reference_task_name = "charge_ref".to_owned();
    task.execution_metadata.execution_start_time = Some(5);
    let json = serde_json::to_value(&task).expect("serialises");
    assert_eq!(json["retryCount"], 2);
    assert_eq!(json["referenceTaskName"], "charge_ref");
    assert_eq!(json["executionMetadata"]["executionStartTime"], 5);
    assert!(json.get("seq").is_none(), "unchanged absent keys stay out");
}

#[test]
fn absent_keys_are_ignored_by_equality_and_cleared_on_demand() {
    let mut read: Task = serde_json::from_value(json!({"taskId": "t-1"})).expect("a task");
    let built = Task {
        task_id: "t-1".to_owned(),
        ..Task::default()
    };
    assert_eq!(read, built);
    read.absent_keys.clear();
    assert_eq!(
        serde_json::to_value(&read).expect("serialises"),
        serde_json::to_value(&built).expect("serialises"),
        "cleared: in full, like a value built in code"
    );
}

#[test]
fn definitions_read_on_their_own_serialise_in_full() {
    // What the embedded server stores from a registration must come back with every property,
    // as conductor-oss answers.
    let def: WorkflowDef = serde_json::from_value(json!({
        "name": "flow", "tasks": [{"name": "a", "taskReferenceName": "a_ref"}]
    }))
    .expect("a definition");
    assert!(def.absent_keys.is_empty() && def.tasks[0].absent_keys.is_empty());
    let json = serde_json::to_value(&def).expect("serialises");
    assert_eq!(json["schemaVersion"], 2);
    assert_eq!(json["maskedFields"], json!([]));
    assert_eq!(json["tasks"][0]["decisionCases"], json!({}));
    assert_eq!(json["tasks"][0]["metadata"], json!({}));

    let task_def: TaskDef = serde_json::from_value(json!({"name": "greet"})).expect("a task def");
    let json = serde_json::to_value(&task_def).expect("serialises");
    assert_eq!(json["maxRetryDelaySeconds"], 0);
    assert_eq!(json["responseTimeoutSeconds"], 3600);

    let workflow_task: WorkflowTask =
        serde_json::from_value(json!({"name": "a", "taskReferenceName": "a_ref"})).expect("a task");
    assert_eq!(
        serde_json::to_value(&workflow_task).expect("serialises")["joinOn"],
        json!([])
    );
    let metadata: ExecutionMetadata =
        serde_json::from_value(json!({"executionStartTime": 1})).expect("metadata");
    assert_eq!(
        serde_json::to_value(&metadata).expect("serialises")["empty"],
        false
    );
}

#[test]
fn definitions_inside_an_execution_keep_their_shape() {
    let workflow = json!({
        "workflowId": "wf-1",
        "workflowDefinition": {"name": "flow", "tasks": [{
            "name": "a", "taskReferenceName": "a_ref", "type": "SIMPLE",
            "taskDefinition": {"name": "a", "retryCount": 1}
        }]},
        "tasks": [{"taskId": "t-1", "executionMetadata": {"additionalContext": {}}}]
    });
    assert_eq!(round_trip::<Workflow>(&workflow), workflow);

    // The execution context ends with the execution, also when it fails to deserialise.
    assert!(serde_json::from_value::<Task>(json!({"seq": "not a number"})).is_err());
    let def: WorkflowDef = serde_json::from_value(json!({"name": "flow"})).expect("a definition");
    assert!(def.absent_keys.is_empty());
}

#[test]
fn task_results_keep_their_shape_too() {
    let input = json!({
        "taskId": "t-1", "workflowInstanceId": "wf-1", "status": "FAILED",
        "reasonForIncompletion": "boom"
    });
    assert_eq!(round_trip::<TaskResult>(&input), input);
    // Built in code: in full.
    let json = serde_json::to_value(TaskResult::completed("t-1", "wf-1")).expect("serialises");
    assert_eq!(json["logs"], json!([]));
    assert_eq!(json["extendLease"], false);
}

#[test]
fn text_and_value_serialisation_agree_and_errors_keep_their_position() {
    let task: Task = serde_json::from_str(r#"{"taskId": "t-1", "pollCount": 2}"#).expect("a task");
    let text = serde_json::to_string(&task).expect("serialises");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON"),
        serde_json::to_value(&task).expect("serialises")
    );
    assert_eq!(text, r#"{"pollCount":2,"taskId":"t-1"}"#);

    let error = serde_json::from_str::<Workflow>("{\n  \"tasks\": [{\"seq\": \"x\"}]\n}")
        .expect_err("a string is no seq");
    assert_eq!((error.line(), error.column()), (2, 23), "{error}");
}

#[test]
fn execution_metadata_keeps_the_context_map_and_unknown_properties() {
    let input = json!({
        "taskId": "t-1",
        "executionMetadata": {
            "executionStartTime": 1000, "executionEndTime": 1250,
            "additionalContextMap": {"region": "eu-west-1"},
            "shardKey": "s-7"
        }
    });
    let task: Task = serde_json::from_value(input.clone()).expect("a task");
    assert_eq!(
        task.execution_metadata.additional_context["region"],
        "eu-west-1"
    );
    assert_eq!(task.execution_metadata.extra["shardKey"], "s-7");
    assert_eq!(serde_json::to_value(&task).expect("serialises"), input);

    // Read on its own (a worker's result): the server form, unknown properties kept.
    let metadata: ExecutionMetadata =
        serde_json::from_value(input["executionMetadata"].clone()).expect("metadata");
    assert_eq!(
        serde_json::to_value(&metadata).expect("serialises"),
        json!({
            "executionStartTime": 1000, "executionEndTime": 1250, "executionDuration": 250,
            "additionalContext": {"region": "eu-west-1"},
            "additionalContextMap": {"region": "eu-west-1"},
            "empty": false, "shardKey": "s-7"
        })
    );
}

#[test]
fn decision_cases_keep_their_order() {
    let switch = WorkflowTask::switch("route_ref", "${workflow.input.kind}")
        .with_case("zeta", vec![WorkflowTask::simple("z", "z_ref")])
        .with_case("alpha", vec![WorkflowTask::simple("a", "a_ref")])
        .with_case("mid", vec![]);
    let text = serde_json::to_string(&switch).expect("serialises");
    let (zeta, alpha, mid) = (
        text.find("\"zeta\""),
        text.find("\"alpha\""),
        text.find("\"mid\""),
    );
    assert!(zeta < alpha && alpha < mid, "{text}");

    let back: WorkflowTask = serde_json::from_str(&text).expect("deserialises");
    assert_eq!(
        back.decision_cases.keys().collect::<Vec<_>>(),
        ["zeta", "alpha", "mid"]
    );
    assert_eq!(
        serde_json::to_string(&back).expect("serialises"),
        text,
        "same text back"
    );

    // Replacing a case keeps its place; equality ignores the order.
    let replaced = switch
        .clone()
        .with_case("zeta", vec![WorkflowTask::simple("z2", "z2_ref")]);
    assert_eq!(
        replaced.decision_cases.keys().collect::<Vec<_>>(),
        ["zeta", "alpha", "mid"]
    );
    let reordered: DecisionCases = switch.decision_cases.clone().into_iter().rev().collect();
    assert_eq!(reordered, switch.decision_cases);
    assert_ne!(replaced.decision_cases, switch.decision_cases);
}

#[test]
fn state_change_config_round_trips_in_the_on_state_change_form() {
    let config = StateChangeConfig::new()
        .with_event(
            StateChangeEvent::new(StateChangeEventType::OnStart)
                .with_type("task:audit")
                .with_payload_value("task", "${task.taskDefName}"),
        )
        .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_type("metrics"))
        .with_event(
            StateChangeEvent::new(StateChangeEventType::OnFailed)
                .with_trigger(StateChangeEventType::OnCancelled)
                .with_type("alerts"),
        );
    let json = serde_json::to_value(&config).expect("serialises");
    assert_eq!(
        json,
        json!({
            "onStart": [
                {"type": "task:audit", "payload": {"task": "${task.taskDefName}"}},
                {"type": "metrics", "payload": {}}
            ],
            "onFailed,onCancelled": [{"type": "alerts", "payload": {}}]
        })
    );
    // The same shape as on a task.
    let task = WorkflowTask::simple("charge", "charge_ref").with_state_change(config.clone());
    assert_eq!(
        serde_json::to_value(&task).expect("serialises")["onStateChange"],
        json
    );

    let back: StateChangeConfig = serde_json::from_value(json.clone()).expect("deserialises");
    assert_eq!(back, config);
    assert_eq!(serde_json::to_value(&back).expect("serialises"), json);
    let none: StateChangeConfig = serde_json::from_value(Value::Null).expect("null");
    assert!(none.events.is_empty());
}
