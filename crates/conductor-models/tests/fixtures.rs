//! Wire-contract test over real Conductor JSON: every fixture in `tests/fixtures/` must deserialise into
//! its model and serialise back without losing a single key or value.
//!
//! Rules checked for each fixture (see `tests/fixtures/SOURCES.md` for where each one comes from):
//! - every key of the input is present in the output with an equal value, recursively (numbers are
//!   compared numerically); an input `null` may be absent from the output, because the models omit
//!   `None` fields exactly as the server does (`NON_NULL`);
//! - the output may only add keys whose value is a documented default ([`is_documented_default`]):
//!   the empty values the server always emits for Java primitives and initialised collections (`0`,
//!   `false`, `""`, `[]`, `{}`), the server's non-zero defaults (`retryCount` 3, `schemaVersion` 2...),
//!   and the properties `ExecutionMetadata` derives from its other fields (`executionDuration`,
//!   `additionalContextMap`, `empty`), which the server emits on every serialisation;
//! - nothing deserialised into an `Unknown(..)` enum arm, unless the fixture is about unknown values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use conductor_models::{
    BulkResponse, ChatMessage, DynamicForkJoinTaskList, ErrorResponse, EventHandler,
    ExternalStorageLocation, HealthCheckStatus, PollData, RerunWorkflowRequest, SearchResult,
    SignalResponse, SkipTaskRequest, StartWorkflowRequest, Task, TaskDef, TaskExecLog, TaskResult,
    TaskSummary, Workflow, WorkflowDef, WorkflowDefSummary, WorkflowRun, WorkflowStatusSummary,
    WorkflowSummary, WorkflowTask, WorkflowTestRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserialises `input` as `T`; returns the re-serialised JSON and the `Debug` form of the value.
type RoundTrip = fn(&Value) -> Result<(Value, String), String>;

fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(
    input: &Value,
) -> Result<(Value, String), String> {
    let typed: T = serde_json::from_value(input.clone()).map_err(|error| error.to_string())?;
    let debug = format!("{typed:?}");
    let output = serde_json::to_value(&typed).map_err(|error| error.to_string())?;
    Ok((output, debug))
}

struct Fixture {
    file: &'static str,
    round_trip: RoundTrip,
    /// The fixture is about values this SDK does not know: `Unknown(..)` arms are expected.
    unknown_expected: bool,
    /// The model keeps the shape it was read with (`AbsentKeys`): the output may add no key at
    /// all, not even a documented default.
    exact: bool,
}

const fn fx(file: &'static str, round_trip: RoundTrip) -> Fixture {
    Fixture {
        file,
        round_trip,
        unknown_expected: false,
        exact: false,
    }
}

/// A fixture of a model that keeps its shape (`Task`, `Workflow`, `TaskResult` and what contains
/// them): it must round-trip key for key.
const fn exact(file: &'static str, round_trip: RoundTrip) -> Fixture {
    Fixture {
        exact: true,
        ..fx(file, round_trip)
    }
}

const FIXTURES: &[Fixture] = &[
    // Executions (server responses).
    exact("task_simple_completed.json", round_trip::<Task>),
    exact("task_dynamic_completed.json", round_trip::<Task>),
    exact("task_http_completed.json", round_trip::<Task>),
    exact("task_wait_until_in_progress.json", round_trip::<Task>),
    exact("tasks_poll_batch.json", round_trip::<Vec<Task>>),
    exact("workflow_completed.json", round_trip::<Workflow>),
    // Fetched from running conductor-oss servers (see SOURCES.md); also checked key for key.
    exact("oss_3_21_14_task_completed.json", round_trip::<Task>),
    exact(
        "oss_3_21_14_workflow_completed.json",
        round_trip::<Workflow>,
    ),
    exact("oss_3_32_3_task_completed.json", round_trip::<Task>),
    exact("oss_3_32_3_workflow_completed.json", round_trip::<Workflow>),
    exact(
        "search_result_workflows.json",
        round_trip::<SearchResult<Workflow>>,
    ),
    fx("task_exec_logs.json", round_trip::<Vec<TaskExecLog>>),
    fx("poll_data.json", round_trip::<Vec<PollData>>),
    fx(
        "search_result_task_summary.json",
        round_trip::<SearchResult<TaskSummary>>,
    ),
    fx(
        "search_result_workflow_summary.json",
        round_trip::<SearchResult<WorkflowSummary>>,
    ),
    fx("bulk_response.json", round_trip::<BulkResponse<String>>),
    fx(
        "error_response_validation.json",
        round_trip::<ErrorResponse>,
    ),
    fx("error_response_not_found.json", round_trip::<ErrorResponse>),
    fx(
        "external_storage_location.json",
        round_trip::<ExternalStorageLocation>,
    ),
    fx(
        "signal_response_blocking_workflow.json",
        round_trip::<SignalResponse>,
    ),
    fx(
        "signal_response_blocking_task.json",
        round_trip::<SignalResponse>,
    ),
    fx(
        "workflow_run_target_workflow.json",
        round_trip::<WorkflowRun>,
    ),
    fx(
        "workflow_status_summary.json",
        round_trip::<WorkflowStatusSummary>,
    ),
    fx(
        "workflow_names_and_versions.json",
        round_trip::<BTreeMap<String, Vec<WorkflowDefSummary>>>,
    ),
    fx("health_check_status.json", round_trip::<HealthCheckStatus>),
    // Definitions.
    fx("task_defs_e2e.json", round_trip::<Vec<TaskDef>>),
    fx("task_def_full.json", round_trip::<TaskDef>),
    fx("workflow_task_full.json", round_trip::<WorkflowTask>),
    fx("workflow_def_full.json", round_trip::<WorkflowDef>),
    fx(
        "workflow_def_on_state_change.json",
        round_trip::<WorkflowDef>,
    ),
    fx(
        "workflow_def_fork_join_sync.json",
        round_trip::<WorkflowDef>,
    ),
    fx("workflow_def_dynamic_fork.json", round_trip::<WorkflowDef>),
    fx("workflow_def_do_while.json", round_trip::<WorkflowDef>),
    fx("workflow_def_switch.json", round_trip::<WorkflowDef>),
    fx(
        "workflow_def_sub_workflow_inline.json",
        round_trip::<WorkflowDef>,
    ),
    fx(
        "workflow_def_exclusive_join.json",
        round_trip::<WorkflowDef>,
    ),
    fx("workflow_def_event.json", round_trip::<WorkflowDef>),
    fx(
        "workflow_def_terminate_lambda.json",
        round_trip::<WorkflowDef>,
    ),
    fx("workflow_def_json_jq.json", round_trip::<WorkflowDef>),
    fx("workflow_def_wait.json", round_trip::<WorkflowDef>),
    fx(
        "workflow_def_start_workflow.json",
        round_trip::<WorkflowDef>,
    ),
    fx("workflow_def_set_variable.json", round_trip::<WorkflowDef>),
    fx("workflow_def_llm_chat.json", round_trip::<WorkflowDef>),
    fx("chat_messages.json", round_trip::<Vec<ChatMessage>>),
    fx(
        "dynamic_fork_join_task_list.json",
        round_trip::<DynamicForkJoinTaskList>,
    ),
    fx(
        "event_handler_start_workflow.json",
        round_trip::<EventHandler>,
    ),
    fx(
        "event_handler_complete_task.json",
        round_trip::<EventHandler>,
    ),
    // Requests.
    fx(
        "workflow_test_request.json",
        round_trip::<WorkflowTestRequest>,
    ),
    fx(
        "start_workflow_request.json",
        round_trip::<StartWorkflowRequest>,
    ),
    fx(
        "rerun_workflow_request.json",
        round_trip::<RerunWorkflowRequest>,
    ),
    fx("skip_task_request.json", round_trip::<SkipTaskRequest>),
    exact("task_result.json", round_trip::<TaskResult>),
    // Not exact: the `executionMetadata` of a result is written in full (its derived
    // `executionDuration`, `additionalContextMap`, `empty`), as the server writes it; only inside
    // a task or workflow does it keep its shape.
    fx(
        "task_result_execution_metadata.json",
        round_trip::<TaskResult>,
    ),
    // About values a newer server may send.
    Fixture {
        file: "task_unknown_enum_values.json",
        round_trip: round_trip::<Task>,
        unknown_expected: true,
        exact: true,
    },
];

/// Keys the models may add to the output although the fixture lacks them, with the value each may
/// take: the server's documented non-zero defaults. Empty values (`0`, `false`, `""`, `[]`, `{}`) are
/// accepted for any key: the server emits them for every Java primitive and initialised collection.
fn is_documented_default(key: &str, value: &Value) -> bool {
    let empty = match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => key == "taskDefinition",
    };
    if empty {
        return true;
    }
    // Derived by `ExecutionMetadata`'s getters on the server, so emitted by the models too.
    if matches!(key, "executionDuration" | "additionalContextMap" | "empty") {
        return true;
    }
    let empty_execution_metadata = serde_json::json!({
        "additionalContext": {}, "additionalContextMap": {}, "empty": true
    });
    let defaults: &[(&str, Value)] = &[
        ("retryCount", 3.into()),
        ("retryDelaySeconds", 60.into()),
        ("responseTimeoutSeconds", 3600.into()),
        ("rateLimitFrequencyInSeconds", 1.into()),
        ("backoffScaleFactor", 1.into()),
        ("taskStatusListenerEnabled", true.into()),
        ("timeoutPolicy", "TIME_OUT_WF".into()),
        ("timeoutPolicy", "ALERT_ONLY".into()),
        ("retryLogic", "FIXED".into()),
        ("schemaVersion", 2.into()),
        ("restartable", true.into()),
        ("enforceSchema", true.into()),
        ("version", 1.into()),
        ("type", "SIMPLE".into()),
        ("type", "JSON".into()),
        ("callbackFromWorker", true.into()),
        ("status", "COMPLETED".into()),
        ("responseType", "TARGET_WORKFLOW".into()),
        ("executionMetadata", empty_execution_metadata),
    ];
    defaults.iter().any(|(k, v)| *k == key && v == value)
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// Checks that `output` keeps everything in `input` and adds nothing but documented defaults (nothing
/// at all when `exact`); records every difference in `problems`.
fn check_kept(input: &Value, output: &Value, path: &str, exact: bool, problems: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(input), Value::Object(output)) => {
            for (key, value) in input {
                let child = format!("{path}.{key}");
                match output.get(key) {
                    Some(out) => check_kept(value, out, &child, exact, problems),
                    None if value.is_null() => {}
                    None => problems.push(format!("{child}: missing from the output")),
                }
            }
            for (key, value) in output {
                if input.contains_key(key) {
                    continue;
                }
                if exact {
                    problems.push(format!("{path}.{key}: added ({value})"));
                } else if !is_documented_default(key, value) {
                    problems.push(format!(
                        "{path}.{key}: added with non-default value {value}"
                    ));
                }
            }
        }
        (Value::Array(input), Value::Array(output)) => {
            if input.len() != output.len() {
                problems.push(format!(
                    "{path}: {} items became {}",
                    input.len(),
                    output.len()
                ));
            }
            for (index, (a, b)) in input.iter().zip(output).enumerate() {
                check_kept(a, b, &format!("{path}[{index}]"), exact, problems);
            }
        }
        (Value::Number(a), Value::Number(b)) if numbers_equal(a, b) => {}
        (a, b) if a == b => {}
        (a, b) => problems.push(format!("{path}: {a} became {b}")),
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

#[test]
fn every_fixture_round_trips_without_loss() {
    let mut failures = Vec::new();
    for fixture in FIXTURES {
        let path = fixtures_dir().join(fixture.file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let input: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not JSON: {error}", fixture.file));
        match (fixture.round_trip)(&input) {
            Err(error) => failures.push(format!("{}: does not deserialise: {error}", fixture.file)),
            Ok((output, debug)) => {
                let mut problems = Vec::new();
                check_kept(&input, &output, "$", fixture.exact, &mut problems);
                let has_unknown = debug.contains("Unknown(");
                if has_unknown && !fixture.unknown_expected {
                    problems.push("a value deserialised into an Unknown(..) arm".to_owned());
                }
                if fixture.unknown_expected && !has_unknown {
                    problems.push("expected Unknown(..) values, found none".to_owned());
                }
                failures.extend(
                    problems
                        .into_iter()
                        .map(|p| format!("{}: {p}", fixture.file)),
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixture round-trip failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_fixture_file_is_listed_and_sourced() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory exists")
        .map(|entry| {
            entry
                .expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|f| f.file.to_owned()).collect();
    assert_eq!(on_disk, listed, "fixtures on disk and in FIXTURES differ");
    assert!(listed.len() >= 30, "only {} fixtures", listed.len());

    let sources = std::fs::read_to_string(fixtures_dir().join("SOURCES.md")).expect("SOURCES.md");
    for file in &listed {
        assert!(
            sources.contains(file.as_str()),
            "{file} has no entry in SOURCES.md"
        );
    }
}

#[test]
fn the_checker_catches_lost_and_changed_values() {
    // Guard against a checker that passes everything.
    let mut problems = Vec::new();
    let input = serde_json::json!({"a": 1, "b": {"c": [1, 2]}, "n": null});
    let output = serde_json::json!({"b": {"c": [1, 3]}, "x": "surprise", "d": 0});
    check_kept(&input, &output, "$", false, &mut problems);
    assert_eq!(
        problems,
        vec![
            "$.a: missing from the output".to_owned(),
            "$.b.c[1]: 2 became 3".to_owned(),
            "$.x: added with non-default value \"surprise\"".to_owned(),
        ]
    );
    // Exact: a default is an added key too.
    problems.clear();
    check_kept(&input, &output, "$", true, &mut problems);
    assert_eq!(
        problems,
        vec![
            "$.a: missing from the output".to_owned(),
            "$.b.c[1]: 2 became 3".to_owned(),
            "$.x: added (\"surprise\")".to_owned(),
            "$.d: added (0)".to_owned(),
        ]
    );
}

/// Reads a fixture as JSON.
fn read_fixture(file: &str) -> Value {
    let path = fixtures_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file} is not JSON: {error}"))
}

/// Answers of real conductor-oss servers, 3.21.14 (the oldest supported) and 3.32.3 (the newest),
/// serialise back to the very same JSON: no key lost, none added, every value equal. 3.21.14 lacks
/// properties the models know from newer servers (`executionMetadata`, `maxRetryDelaySeconds`...);
/// a round trip must not invent them.
#[test]
fn real_server_tasks_and_workflows_round_trip_key_for_key() {
    let cases: [(&str, RoundTrip); 4] = [
        ("oss_3_21_14_task_completed.json", round_trip::<Task>),
        (
            "oss_3_21_14_workflow_completed.json",
            round_trip::<Workflow>,
        ),
        ("oss_3_32_3_task_completed.json", round_trip::<Task>),
        ("oss_3_32_3_workflow_completed.json", round_trip::<Workflow>),
    ];
    for (file, round_trip) in cases {
        let input = read_fixture(file);
        let (output, _) = round_trip(&input).unwrap_or_else(|error| panic!("{file}: {error}"));
        let mut problems = Vec::new();
        check_kept(&input, &output, "$", true, &mut problems);
        assert!(problems.is_empty(), "{file}:\n{}", problems.join("\n"));
        assert_eq!(output, input, "{file}");
    }

    // The old server's answers really lack what the newest model has (what makes the test bite).
    let old_task = read_fixture("oss_3_21_14_task_completed.json");
    assert!(old_task.get("executionMetadata").is_none());
    assert!(
        old_task["taskDefinition"]
            .get("maxRetryDelaySeconds")
            .is_none()
    );
    assert!(old_task["workflowTask"].get("metadata").is_none());
    let old_workflow = read_fixture("oss_3_21_14_workflow_completed.json");
    assert!(
        old_workflow["workflowDefinition"]
            .get("maskedFields")
            .is_none()
    );
    let new_task = read_fixture("oss_3_32_3_task_completed.json");
    assert_eq!(
        new_task["executionMetadata"],
        serde_json::json!({"additionalContext": {}, "empty": true, "additionalContextMap": {}})
    );
}

/// Partial objects (hand-written, or from a client that leaves defaults out) stay partial: the
/// empty strings and zeros the models hold for absent properties are not written back.
#[test]
fn partial_tasks_workflows_and_results_add_no_keys() {
    let task = serde_json::json!({"taskId": "t-1", "status": "IN_PROGRESS", "inputData": {"n": 1}});
    let (output, _) = round_trip::<Task>(&task).expect("a task");
    assert_eq!(output, task);

    let workflow = serde_json::json!({
        "workflowId": "wf-1", "status": "RUNNING",
        "tasks": [{"taskId": "t-1", "referenceTaskName": "a_ref",
                   "workflowTask": {"name": "a", "taskReferenceName": "a_ref", "type": "SIMPLE"}}],
        "workflowDefinition": {"name": "flow", "tasks": [{"name": "a", "taskReferenceName": "a_ref"}]}
    });
    let (output, _) = round_trip::<Workflow>(&workflow).expect("a workflow");
    assert_eq!(output, workflow);

    let result =
        serde_json::json!({"taskId": "t-1", "workflowInstanceId": "wf-1", "status": "COMPLETED"});
    let (output, _) = round_trip::<TaskResult>(&result).expect("a result");
    assert_eq!(output, result);
}
