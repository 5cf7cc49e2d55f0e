//! The wire rules of `conductor-api.md` §1.2: unknown enum values and fields, `null`s, Java defaults.

use conductor_models::{
    CacheConfig, ChatRole, DynamicForkJoinTask, ErrorResponse, EventActionType, EventHandler,
    ExecutionMetadata, IdempotencyStrategy, JoinMode, RateLimitPolicy, RetryLogic, ReturnStrategy,
    SchemaDef, SchemaType, SearchResult, SignalResponse, StartWorkflowRequest,
    StateChangeEventType, Task, TaskDef, TaskMock, TaskResult, TaskResultStatus, TaskStatus,
    TaskType, TimeoutPolicy, Workflow, WorkflowDef, WorkflowDefSummary, WorkflowStatus,
    WorkflowTask, WorkflowTimeoutPolicy,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn parse<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("valid model JSON")
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("models always serialise")
}

/// Every known value of a wire enum parses from, and serialises to, its exact string; an unknown
/// string is kept verbatim in both directions.
fn check_wire_enum<E>(known: &[E])
where
    E: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + std::fmt::Display,
{
    for value in known {
        let wire = to_json(value);
        assert_eq!(wire, Value::String(value.to_string()));
        assert_eq!(&parse::<E>(wire), value);
    }
    let unknown: E = parse(json!("SOMETHING_NEWER"));
    assert_eq!(format!("{unknown:?}"), "Unknown(\"SOMETHING_NEWER\")");
    assert_eq!(to_json(&unknown), json!("SOMETHING_NEWER"));
}

#[test]
fn every_wire_enum_round_trips_known_and_unknown_values() {
    check_wire_enum(TaskStatus::KNOWN);
    check_wire_enum(TaskResultStatus::KNOWN);
    check_wire_enum(WorkflowStatus::KNOWN);
    check_wire_enum(TaskType::KNOWN);
    check_wire_enum(RetryLogic::KNOWN);
    check_wire_enum(TimeoutPolicy::KNOWN);
    check_wire_enum(WorkflowTimeoutPolicy::KNOWN);
    check_wire_enum(IdempotencyStrategy::KNOWN);
    check_wire_enum(JoinMode::KNOWN);
    check_wire_enum(RateLimitPolicy::KNOWN);
    check_wire_enum(SchemaType::KNOWN);
    check_wire_enum(EventActionType::KNOWN);
    check_wire_enum(ReturnStrategy::KNOWN);
    check_wire_enum(StateChangeEventType::KNOWN);
    check_wire_enum(ChatRole::KNOWN);
}

#[test]
fn exact_java_names() {
    assert_eq!(
        TaskStatus::FailedWithTerminalError.as_str(),
        "FAILED_WITH_TERMINAL_ERROR"
    );
    assert_eq!(
        TaskStatus::CompletedWithErrors.as_str(),
        "COMPLETED_WITH_ERRORS"
    );
    assert_eq!(TaskType::JsonJqTransform.as_str(), "JSON_JQ_TRANSFORM");
    assert_eq!(TaskType::ForkJoinDynamic.as_str(), "FORK_JOIN_DYNAMIC");
    assert_eq!(TaskType::WaitForWebhook.as_str(), "WAIT_FOR_WEBHOOK");
    assert_eq!(TaskType::HttpPoll.as_str(), "HTTP_POLL");
    assert_eq!(TaskType::LlmChatComplete.as_str(), "LLM_CHAT_COMPLETE");
    assert_eq!(
        EventActionType::UpdateWorkflowVariables.as_str(),
        "update_workflow_variables"
    );
    assert_eq!(WorkflowTimeoutPolicy::TimeOutWf.as_str(), "TIME_OUT_WF");
    assert_eq!(
        ReturnStrategy::BlockingTaskInput.as_str(),
        "BLOCKING_TASK_INPUT"
    );
    assert_eq!(ChatRole::ToolCall.as_str(), "tool_call");
}

#[test]
fn an_unknown_enum_value_does_not_break_the_object() {
    let workflow: Workflow = parse(json!({
        "workflowId": "wf", "status": "ARCHIVED",
        "tasks": [{"taskId": "t", "taskType": "NEW_SYSTEM_TASK", "status": "SUSPENDED",
                   "workflowTask": {"name": "n", "taskReferenceName": "r", "type": "QUANTUM"}}]
    }));
    assert_eq!(workflow.status, WorkflowStatus::Unknown("ARCHIVED".into()));
    assert_eq!(
        workflow.tasks[0].status,
        TaskStatus::Unknown("SUSPENDED".into())
    );
    let workflow_task = workflow.tasks[0]
        .workflow_task
        .as_ref()
        .expect("workflowTask");
    assert_eq!(workflow_task.task_type, TaskType::Unknown("QUANTUM".into()));
    let json = to_json(&workflow);
    assert_eq!(json["status"], "ARCHIVED");
    assert_eq!(json["tasks"][0]["status"], "SUSPENDED");
    assert_eq!(json["tasks"][0]["workflowTask"]["type"], "QUANTUM");
    // A wrong JSON *type* for an enum is still an error, not a silent default.
    assert!(serde_json::from_value::<Task>(json!({"status": 42})).is_err());
}

#[test]
fn unknown_fields_are_ignored() {
    let def: TaskDef = parse(
        json!({"name": "t", "tags": [{"key": "k"}], "overwriteTags": true,
                                    "someFutureField": {"nested": [1, 2]}}),
    );
    assert_eq!(def.name, "t");
    let task: Task =
        parse(json!({"taskId": "t", "inputMessage": {"@type": "x"}, "taskStatus": "COMPLETED"}));
    assert_eq!(task.task_id, "t");
}

#[test]
fn null_is_accepted_for_every_kind_of_field() {
    // Jackson semantics: null for a primitive is its zero value, null for a collection is empty,
    // null for an optional field is absent. (An *absent* field takes the server default instead.)
    let def: TaskDef = parse(json!({
        "name": null, "description": null, "retryCount": null, "timeoutSeconds": null,
        "inputKeys": null, "inputTemplate": null, "timeoutPolicy": null, "retryLogic": null,
        "concurrentExecLimit": null, "taskStatusListenerEnabled": null, "inputSchema": null
    }));
    assert_eq!(def.name, "");
    assert_eq!(def.description, None);
    assert_eq!(def.retry_count, 0);
    assert!(def.input_keys.is_empty() && def.input_template.is_empty());
    assert_eq!(def.timeout_policy, TimeoutPolicy::TimeOutWf);
    assert_eq!(def.retry_logic, RetryLogic::Fixed);
    assert_eq!(def.concurrent_exec_limit, None);
    assert!(!def.task_status_listener_enabled);
    // Absent fields keep the server defaults.
    assert_eq!(def.retry_delay_seconds, 60);
    assert_eq!(def.response_timeout_seconds, 3600);

    let task: Task = parse(json!({
        "taskId": "t", "status": null, "inputData": null, "outputData": null, "workflowTask": null,
        "executionMetadata": null, "runtimeMetadata": null, "taskDefinition": null, "seq": null,
        "retried": null
    }));
    assert_eq!(task.status, TaskStatus::Scheduled);
    assert!(task.input_data.is_empty() && task.output_data.is_empty());
    assert_eq!(task.execution_metadata, ExecutionMetadata::default());

    let workflow_task: WorkflowTask = parse(json!({
        "name": "n", "taskReferenceName": "r", "type": null, "decisionCases": null,
        "forkTasks": [[], [{"name": "a", "taskReferenceName": "a"}]], "onStateChange": null,
        "subWorkflowParam": null, "joinMode": null
    }));
    assert_eq!(workflow_task.task_type, TaskType::Simple);
    assert_eq!(workflow_task.fork_tasks.len(), 2);
    assert!(workflow_task.fork_tasks[0].is_empty());

    let workflow: Workflow = parse(json!({"workflowId": "w", "tasks": null, "history": null,
                                          "workflowDefinition": null, "endTime": null}));
    assert!(workflow.tasks.is_empty());
    let result: SearchResult<Workflow> = parse(json!({"totalHits": null, "results": null}));
    assert_eq!(result, SearchResult::default());
    let error: ErrorResponse = parse(
        json!({"status": 500, "message": null, "validationErrors": null,
                                            "retryable": null}),
    );
    assert_eq!(
        error,
        ErrorResponse {
            status: 500,
            ..ErrorResponse::default()
        }
    );
}

#[test]
fn nulls_are_omitted_on_output() {
    let json = to_json(&TaskDef::new("t"));
    for optional in [
        "description",
        "concurrentExecLimit",
        "ownerEmail",
        "pollTimeoutSeconds",
        "inputSchema",
        "isolationGroupId",
        "executionNameSpace",
        "createTime",
    ] {
        assert!(json.get(optional).is_none(), "{optional} should be omitted");
    }
    assert!(
        !to_json(&StartWorkflowRequest::new("w"))
            .to_string()
            .contains("null")
    );
}

#[test]
fn defaults_match_the_java_classes() {
    assert_eq!(
        to_json(&TaskDef::new("t")),
        json!({
            "name": "t", "retryCount": 3, "timeoutSeconds": 0, "inputKeys": [], "outputKeys": [],
            "runtimeMetadata": [], "timeoutPolicy": "TIME_OUT_WF", "retryLogic": "FIXED",
            "retryDelaySeconds": 60, "responseTimeoutSeconds": 3600, "inputTemplate": {},
            "rateLimitPerFrequency": 0, "rateLimitFrequencyInSeconds": 1, "backoffScaleFactor": 1,
            "maxRetryDelaySeconds": 0, "backoffJitterMs": 0, "totalTimeoutSeconds": 0,
            "taskStatusListenerEnabled": true, "enforceSchema": false
        })
    );
    assert_eq!(
        to_json(&WorkflowDef::new("w")),
        json!({
            "name": "w", "version": 1, "tasks": [], "inputParameters": [], "outputParameters": {},
            "schemaVersion": 2, "restartable": true, "workflowStatusListenerEnabled": false,
            "timeoutPolicy": "ALERT_ONLY", "timeoutSeconds": 0, "variables": {}, "inputTemplate": {},
            "enforceSchema": true, "metadata": {}, "maskedFields": []
        })
    );
    // An empty object deserialises to the same defaults as `default()`.
    assert_eq!(parse::<TaskDef>(json!({})), TaskDef::default());
    assert_eq!(parse::<WorkflowDef>(json!({})), WorkflowDef::default());
    assert_eq!(parse::<WorkflowTask>(json!({})).task_type, TaskType::Simple);
    assert!(parse::<Task>(json!({})).callback_from_worker);
    assert_eq!(
        parse::<TaskMock>(json!({})).status.0,
        TaskResultStatus::Completed
    );
    assert!(!parse::<EventHandler>(json!({})).active);
    assert_eq!(parse::<SchemaDef>(json!({})).version, 1);
    assert_eq!(parse::<WorkflowDefSummary>(json!({})).version, 1);
    assert_eq!(parse::<DynamicForkJoinTask>(json!({})).task_type, "SIMPLE");
    assert_eq!(
        parse::<StartWorkflowRequest>(json!({"name": "w"})).priority,
        0
    );
    assert_eq!(parse::<Workflow>(json!({})).status, WorkflowStatus::Running);
    assert_eq!(
        parse::<CacheConfig>(json!({"key": "k", "ttlInSecond": 60})),
        CacheConfig::new("k", 60)
    );
    assert_eq!(to_json(&TaskResult::default())["status"], "IN_PROGRESS");
}

#[test]
fn task_status_flags_match_the_java_enum() {
    // (status, terminal, successful, retriable) — Task.Status constructor arguments.
    let table = [
        (TaskStatus::InProgress, false, true, true),
        (TaskStatus::Canceled, true, false, false),
        (TaskStatus::Failed, true, false, true),
        (TaskStatus::FailedWithTerminalError, true, false, false),
        (TaskStatus::Completed, true, true, true),
        (TaskStatus::CompletedWithErrors, true, true, true),
        (TaskStatus::Scheduled, false, true, true),
        (TaskStatus::TimedOut, true, false, true),
        (TaskStatus::Skipped, true, true, false),
    ];
    assert_eq!(table.len(), TaskStatus::KNOWN.len());
    for (status, terminal, successful, retriable) in table {
        assert_eq!(status.is_terminal(), terminal, "{status} terminal");
        assert_eq!(status.is_successful(), successful, "{status} successful");
        assert_eq!(status.is_retriable(), retriable, "{status} retriable");
    }
    let unknown = TaskStatus::Unknown("NEW".into());
    assert!(unknown.is_terminal() && !unknown.is_successful() && !unknown.is_retriable());
}

#[test]
fn workflow_status_flags_match_the_java_enum() {
    let table = [
        (WorkflowStatus::Running, false, false),
        (WorkflowStatus::Completed, true, true),
        (WorkflowStatus::Failed, true, false),
        (WorkflowStatus::TimedOut, true, false),
        (WorkflowStatus::Terminated, true, false),
        (WorkflowStatus::Paused, false, true),
    ];
    assert_eq!(table.len(), WorkflowStatus::KNOWN.len());
    for (status, terminal, successful) in table {
        assert_eq!(status.is_terminal(), terminal, "{status} terminal");
        assert_eq!(status.is_successful(), successful, "{status} successful");
    }
}

#[test]
fn task_definition_is_always_emitted_and_execution_metadata_in_server_form() {
    let json = to_json(&Task::default());
    assert_eq!(json["taskDefinition"], Value::Null);
    assert_eq!(
        json["executionMetadata"],
        json!({"additionalContext": {}, "additionalContextMap": {}, "empty": true})
    );
    assert!(
        json.get("runtimeMetadata").is_none(),
        "omitted when empty (NON_EMPTY)"
    );
    assert_eq!(json["callbackFromWorker"], true);
    assert_eq!(json["subworkflowChanged"], false);
}

#[test]
fn execution_metadata_derives_like_the_server_and_reads_either_context_key() {
    let metadata = ExecutionMetadata {
        execution_start_time: Some(100),
        execution_end_time: Some(160),
        ..ExecutionMetadata::default()
    };
    assert_eq!(
        to_json(&metadata),
        json!({"executionStartTime": 100, "executionEndTime": 160, "executionDuration": 60,
               "additionalContext": {}, "additionalContextMap": {}, "empty": false})
    );
    let from_map: ExecutionMetadata =
        parse(json!({"additionalContextMap": {"k": 1}, "empty": true}));
    assert_eq!(from_map.additional_context["k"], 1);
    assert!(!from_map.is_empty());
}

#[test]
fn task_input_accessors() {
    let task: Task = parse(json!({"inputData": {
        "name": "Ada", "count": 3, "nested": {"a": [1, 2]}, "nothing": null, "flag": true
    }}));
    assert_eq!(task.get_input_string("name").as_deref(), Some("Ada"));
    assert_eq!(task.get_input_string("count"), None, "only JSON strings");
    assert_eq!(task.get_input::<u8>("count"), Some(3));
    assert_eq!(task.get_input::<String>("count"), None, "wrong type → None");
    assert!(
        task.try_get_input::<String>("count").is_err(),
        "wrong type → Err"
    );
    assert_eq!(task.try_get_input::<String>("missing").ok(), Some(None));
    assert_eq!(task.get_input::<String>("nothing"), None);
    assert_eq!(
        task.get_input::<Value>("nested"),
        Some(json!({"a": [1, 2]}))
    );
    assert_eq!(task.get_input::<bool>("flag"), Some(true));
    let with_output: Task = parse(json!({"outputData": {"id": "x"}}));
    assert_eq!(with_output.get_output::<String>("id").as_deref(), Some("x"));
}

#[test]
fn signal_response_picks_the_type_from_response_type() {
    let task_run: SignalResponse = parse(json!({"responseType": "BLOCKING_TASK_INPUT",
        "taskId": "t", "status": "IN_PROGRESS", "input": {"a": 1}}));
    let run = task_run.as_task().expect("a TaskRun");
    assert_eq!(run.task_id.as_deref(), Some("t"));
    assert_eq!(run.status, TaskStatus::InProgress);

    let workflow_run: SignalResponse = parse(json!({"responseType": "TARGET_WORKFLOW",
        "workflowId": "w", "status": "COMPLETED", "output": {"r": 2}, "signalTimeout": true}));
    assert_eq!(
        workflow_run.as_workflow().expect("a WorkflowRun").status,
        WorkflowStatus::Completed
    );
    assert_eq!(workflow_run.output()["r"], 2);
    assert!(workflow_run.signal_timeout());

    // Missing or unknown responseType: the common superset (WorkflowRun) still parses.
    let unknown: SignalResponse =
        parse(json!({"responseType": "ALL_BLOCKING_TASKS", "workflowId": "w"}));
    assert_eq!(
        unknown.response_type(),
        &ReturnStrategy::Unknown("ALL_BLOCKING_TASKS".into())
    );
    assert!(unknown.as_workflow().is_some());
    let missing: SignalResponse = parse(json!({"workflowId": "w"}));
    assert!(missing.as_workflow().is_some());
}

#[test]
fn workflow_helpers() {
    let workflow: Workflow = parse(json!({
        "workflowDefinition": {"name": "flow", "tasks": []},
        "tasks": [
            {"referenceTaskName": "a", "status": "FAILED", "taskId": "1"},
            {"referenceTaskName": "a", "status": "IN_PROGRESS", "taskId": "2"},
            {"referenceTaskName": "b", "status": "COMPLETED", "taskId": "3"}
        ]
    }));
    assert_eq!(workflow.name(), Some("flow"));
    assert_eq!(
        workflow.task_by_ref("a").map(|t| t.task_id.as_str()),
        Some("2")
    );
    assert_eq!(workflow.pending_tasks().count(), 1);
}

#[test]
fn nested_task_walk_follows_the_server() {
    let def: WorkflowDef = parse(json!({"name": "w", "tasks": [
        {"name": "s", "taskReferenceName": "s", "type": "SWITCH",
         "decisionCases": {"x": [{"name": "a", "taskReferenceName": "a"}]},
         "defaultCase": [{"name": "b", "taskReferenceName": "b"}]},
        {"name": "l", "taskReferenceName": "l", "type": "DO_WHILE",
         "loopOver": [{"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN",
                       "forkTasks": [[{"name": "c", "taskReferenceName": "c"}]]}]},
        {"name": "plain", "taskReferenceName": "plain", "loopOver": [{"name": "ignored", "taskReferenceName": "ignored"}]}
    ]}));
    let refs: Vec<&str> = def
        .all_tasks()
        .iter()
        .map(|t| t.task_reference_name.as_str())
        .collect();
    assert_eq!(refs, ["s", "a", "b", "l", "f", "c", "plain"]);
    assert_eq!(def.task_by_ref("c").map(|t| t.name.as_str()), Some("c"));
    assert!(
        def.task_by_ref("ignored").is_none(),
        "a SIMPLE task's loopOver is not walked"
    );
}

#[test]
fn error_response_display_and_validation_errors() {
    let error: ErrorResponse = parse(json!({
        "status": 400, "message": "Validation failed, check below errors for detail.",
        "validationErrors": [{"path": "registerTaskDef.arg0", "message": "name missing",
                              "invalidValue": ""}],
        "retryable": false
    }));
    assert_eq!(
        error.validation_errors[0].invalid_value.as_deref(),
        Some("")
    );
    assert_eq!(
        error.to_string(),
        "400: Validation failed, check below errors for detail.; registerTaskDef.arg0: name missing"
    );
    let not_found =
        ErrorResponse::new(404, "No such workflow found by id: 1").with_instance("host");
    assert_eq!(
        to_json(&not_found),
        json!({"status": 404, "message": "No such workflow found by id: 1", "instance": "host",
               "retryable": false})
    );
}

#[test]
fn on_state_change_keys_become_triggers() {
    let task: WorkflowTask = parse(
        json!({"name": "n", "taskReferenceName": "r", "onStateChange": {
            "onSuccess,onFailed": [{"type": "q", "payload": {"a": 1}}]
        }}),
    );
    let event = &task.on_state_change["onSuccess,onFailed"][0];
    assert_eq!(
        event.triggers,
        [
            StateChangeEventType::OnSuccess,
            StateChangeEventType::OnFailed
        ]
    );
    assert_eq!(event.wire_key(), "onSuccess,onFailed");
    assert_eq!(event.event_type, "q");
}

#[test]
fn upgrade_workflow_request_json() {
    let request: conductor_models::UpgradeWorkflowRequest = parse(json!({
        "name": "order_flow", "version": 4, "workflowInput": {"a": 1},
        "taskOutput": {"new_task_ref": {"ok": true}}
    }));
    assert_eq!(request.version, Some(4));
    assert_eq!(
        to_json(&request),
        json!({"name": "order_flow", "version": 4, "workflowInput": {"a": 1},
               "taskOutput": {"new_task_ref": {"ok": true}}})
    );
}
