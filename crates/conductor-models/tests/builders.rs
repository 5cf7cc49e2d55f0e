//! The builders produce exactly the JSON the server expects.

use conductor_models::{
    ChatMessage, EventHandler, EventHandlerAction, IdempotencyStrategy, RateLimitConfig,
    RerunWorkflowRequest, RetryLogic, SchemaDef, StartWorkflowRequest, StateChangeConfig,
    StateChangeEvent, StateChangeEventType, SubWorkflowParams, Task, TaskDef, TaskMock, TaskResult,
    TaskResultStatus, TaskStatus, TimeoutPolicy, WorkflowDef, WorkflowTask, WorkflowTestRequest,
    WorkflowTimeoutPolicy,
};
use serde_json::{Value, json};

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("models always serialise")
}

/// The fields every `WorkflowTask` emits (Java primitives and initialised collections).
fn workflow_task_base(name: &str, reference: &str, task_type: &str) -> Value {
    json!({
        "name": name, "taskReferenceName": reference, "inputParameters": {}, "type": task_type,
        "decisionCases": {}, "defaultCase": [], "forkTasks": [], "startDelay": 0, "joinOn": [],
        "optional": false, "defaultExclusiveJoinTask": [], "asyncComplete": false, "loopOver": [],
        "onStateChange": {}, "permissive": false, "metadata": {}
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(base_map), Value::Object(extra_map)) = (&mut base, extra) {
        base_map.extend(extra_map);
    }
    base
}

#[test]
fn simple_task_json() {
    assert_eq!(
        to_json(&WorkflowTask::simple("greet", "greet_ref")),
        workflow_task_base("greet", "greet_ref", "SIMPLE")
    );
}

#[test]
fn http_task_json_with_method_headers_and_body() {
    let task = WorkflowTask::http("call_ref", "https://api.example.com/orders")
        .with_method("POST")
        .with_header("Content-Type", "application/json")
        .with_header("X-Trace", "${workflow.workflowId}")
        .with_body(json!({"orderId": "${workflow.input.orderId}"}));
    assert_eq!(
        to_json(&task),
        with(
            workflow_task_base("call_ref", "call_ref", "HTTP"),
            json!({"inputParameters": {"http_request": {
                "uri": "https://api.example.com/orders",
                "method": "POST",
                "headers": {"Content-Type": "application/json", "X-Trace": "${workflow.workflowId}"},
                "body": {"orderId": "${workflow.input.orderId}"}
            }}})
        )
    );
}

#[test]
fn http_setters_repair_a_non_object_http_request() {
    let task = WorkflowTask::simple("x", "x_ref")
        .with_input_param("http_request", "not an object")
        .with_method("PUT");
    assert_eq!(
        task.input_parameters["http_request"],
        json!({"method": "PUT"})
    );
}

#[test]
fn inline_task_json() {
    let task = WorkflowTask::inline("double_ref", "function e() { return $.input * 2; }")
        .with_input_param("input", "${workflow.input.n}");
    assert_eq!(
        to_json(&task),
        with(
            workflow_task_base("double_ref", "double_ref", "INLINE"),
            json!({"inputParameters": {
                "evaluatorType": "javascript",
                "expression": "function e() { return $.input * 2; }",
                "input": "${workflow.input.n}"
            }})
        )
    );
}

#[test]
fn wait_task_variants_json() {
    assert_eq!(
        to_json(&WorkflowTask::wait("w")),
        workflow_task_base("w", "w", "WAIT")
    );
    assert_eq!(
        to_json(&WorkflowTask::wait_for_duration("w", "30s"))["inputParameters"],
        json!({"duration": "30s"})
    );
    assert_eq!(
        to_json(&WorkflowTask::wait_until("w", "2030-01-01 10:00 GMT+02:00"))["inputParameters"],
        json!({"until": "2030-01-01 10:00 GMT+02:00"})
    );
}

#[test]
fn sub_workflow_task_json() {
    let task = WorkflowTask::sub_workflow("child_ref", "child_flow").with_sub_workflow_version(3);
    assert_eq!(
        to_json(&task),
        with(
            workflow_task_base("child_ref", "child_ref", "SUB_WORKFLOW"),
            json!({"subWorkflowParam": {"name": "child_flow", "version": 3}})
        )
    );
    let params = SubWorkflowParams::new("child")
        .with_task_to_domain("*", "blue")
        .with_priority("${workflow.input.priority}")
        .with_idempotency("${workflow.input.key}", IdempotencyStrategy::ReturnExisting);
    assert_eq!(
        to_json(&params),
        json!({"name": "child", "taskToDomain": {"*": "blue"}, "idempotencyKey": "${workflow.input.key}",
               "idempotencyStrategy": "RETURN_EXISTING", "priority": "${workflow.input.priority}"})
    );
}

#[test]
fn inline_sub_workflow_definition_is_an_object_and_expressions_a_string() {
    let inline = SubWorkflowParams::inline(WorkflowDef::new("inner").with_version(2));
    let json = to_json(&inline);
    assert_eq!(json["name"], "inner");
    assert_eq!(json["version"], 2);
    assert_eq!(json["workflowDefinition"]["name"], "inner");
    let expression: SubWorkflowParams =
        serde_json::from_value(json!({"workflowDefinition": "${workflow.input.def}"})).unwrap();
    assert_eq!(
        to_json(&expression),
        json!({"workflowDefinition": "${workflow.input.def}"})
    );
}

#[test]
fn generic_workflow_task_setters_json() {
    let task = WorkflowTask::simple("charge", "charge_ref")
        .with_description("Charge the card")
        .with_input_param("amount", 42.5)
        .with_input_param("items", json!(["a", "b"]))
        .with_optional(true)
        .with_async_complete(true)
        .with_retry_count(5)
        .with_start_delay(10)
        .with_task_definition(TaskDef::new("charge").with_retry(1, RetryLogic::Fixed, 1));
    let json = to_json(&task);
    assert_eq!(json["description"], "Charge the card");
    assert_eq!(
        json["inputParameters"],
        json!({"amount": 42.5, "items": ["a", "b"]})
    );
    assert_eq!(json["optional"], true);
    assert_eq!(json["asyncComplete"], true);
    assert_eq!(json["retryCount"], 5);
    assert_eq!(json["startDelay"], 10);
    assert_eq!(json["taskDefinition"]["name"], "charge");
    assert_eq!(json["taskDefinition"]["retryCount"], 1);
}

#[test]
fn state_change_events_group_by_wire_key() {
    let task = WorkflowTask::simple("t", "t_ref").with_state_change(
        StateChangeConfig::new()
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnStart).with_type("task:audit"),
            )
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnFailed)
                    .with_trigger(StateChangeEventType::OnCancelled)
                    .with_type("kafka:alerts")
                    .with_payload_value("error", "${task.reasonForIncompletion}"),
            )
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnStart).with_type("sqs:second"),
            ),
    );
    assert_eq!(
        to_json(&task)["onStateChange"],
        json!({
            "onFailed,onCancelled": [
                {"type": "kafka:alerts", "payload": {"error": "${task.reasonForIncompletion}"}}
            ],
            "onStart": [
                {"type": "task:audit", "payload": {}},
                {"type": "sqs:second", "payload": {}}
            ]
        })
    );
    // The seed's OnCompleted is the server's onSuccess.
    assert_eq!(StateChangeEventType::OnCompleted.as_str(), "onSuccess");
    // A non-object payload is kept under "value".
    let event = StateChangeEvent::new(StateChangeEventType::OnStart).with_payload(7);
    assert_eq!(to_json(&event)["payload"], json!({"value": 7}));
}

#[test]
fn state_change_config_round_trips_through_the_wire_map() {
    let config = StateChangeConfig::new()
        .with_event(StateChangeEvent::new(StateChangeEventType::OnSuccess).with_type("a"))
        .with_event(
            StateChangeEvent::new(StateChangeEventType::OnStart)
                .with_trigger(StateChangeEventType::OnScheduled)
                .with_type("b"),
        );
    let wire = config.clone().into_wire();
    let back = StateChangeConfig::from_wire(&wire);
    let mut expected = config.events;
    expected.sort_by_key(StateChangeEvent::wire_key);
    assert_eq!(back.events, expected);
}

#[test]
fn task_def_json_has_server_defaults_and_builder_values() {
    let def = TaskDef::new("process_order")
        .with_description("Process customer orders")
        .with_retry(3, RetryLogic::ExponentialBackoff, 10)
        .with_timeout(300, TimeoutPolicy::TimeOutWf)
        .with_rate_limit(100, 60)
        .with_owner("team@example.com")
        .with_concurrent_exec_limit(5)
        .with_poll_timeout(30)
        .with_backoff_scale_factor(2)
        .with_max_retry_delay(120)
        .with_input_template("currency", "USD");
    assert_eq!(
        to_json(&def),
        json!({
            "name": "process_order", "description": "Process customer orders", "retryCount": 3,
            "timeoutSeconds": 300, "inputKeys": [], "outputKeys": [], "runtimeMetadata": [],
            "timeoutPolicy": "TIME_OUT_WF", "retryLogic": "EXPONENTIAL_BACKOFF",
            "retryDelaySeconds": 10, "responseTimeoutSeconds": 300, "concurrentExecLimit": 5,
            "inputTemplate": {"currency": "USD"}, "rateLimitPerFrequency": 100,
            "rateLimitFrequencyInSeconds": 60, "ownerEmail": "team@example.com",
            "pollTimeoutSeconds": 30, "backoffScaleFactor": 2, "maxRetryDelaySeconds": 120,
            "backoffJitterMs": 0, "totalTimeoutSeconds": 0, "taskStatusListenerEnabled": true,
            "enforceSchema": false
        })
    );
}

#[test]
fn task_def_timeout_keeps_response_timeout_valid() {
    // The server rejects responseTimeoutSeconds > timeoutSeconds (when timeoutSeconds > 0).
    let short = TaskDef::new("t").with_timeout(60, TimeoutPolicy::Retry);
    assert_eq!(short.response_timeout_seconds, 60);
    let long = TaskDef::new("t").with_timeout(7200, TimeoutPolicy::Retry);
    assert_eq!(long.response_timeout_seconds, 3600);
    let explicit = TaskDef::new("t")
        .with_timeout(60, TimeoutPolicy::Retry)
        .with_response_timeout(30);
    assert_eq!(explicit.response_timeout_seconds, 30);
}

#[test]
fn schemas_from_json_or_schema_def() {
    let def = TaskDef::new("order")
        .with_input_schema(json!({"type": "object", "required": ["id"]}))
        .with_output_schema(
            SchemaDef::json("order_out", json!({"type": "object"})).with_version(3),
        );
    let json = to_json(&def);
    assert_eq!(
        json["inputSchema"],
        json!({"name": "order_input", "version": 1, "type": "JSON",
               "data": {"type": "object", "required": ["id"]}})
    );
    assert_eq!(json["outputSchema"]["name"], "order_out");
    assert_eq!(json["outputSchema"]["version"], 3);
    assert_eq!(json["enforceSchema"], true);
    // Boolean JSON Schemas become their object forms.
    assert_eq!(
        SchemaDef::from(json!(true)).data,
        Some(serde_json::Map::new())
    );
    assert_eq!(
        to_json(&SchemaDef::from(json!(false)))["data"],
        json!({"not": {}})
    );
}

#[test]
fn workflow_def_json() {
    let def = WorkflowDef::new("order_workflow")
        .with_version(2)
        .with_description("Order processing workflow")
        .with_task(WorkflowTask::simple("validate_order", "validate_ref"))
        .with_output_param("orderId", "${validate_ref.output.orderId}")
        .with_timeout(3600, WorkflowTimeoutPolicy::TimeOutWf)
        .with_input_parameters(["orderId"])
        .with_failure_workflow("order_cleanup")
        .with_variable("attempts", 0)
        .with_owner("team@example.com")
        .with_restartable(false)
        .with_rate_limit(RateLimitConfig::new("${workflow.input.customerId}", 2));
    assert_eq!(
        to_json(&def),
        json!({
            "name": "order_workflow", "description": "Order processing workflow", "version": 2,
            "tasks": [workflow_task_base("validate_order", "validate_ref", "SIMPLE")],
            "inputParameters": ["orderId"],
            "outputParameters": {"orderId": "${validate_ref.output.orderId}"},
            "failureWorkflow": "order_cleanup", "schemaVersion": 2, "restartable": false,
            "workflowStatusListenerEnabled": false, "ownerEmail": "team@example.com",
            "timeoutPolicy": "TIME_OUT_WF", "timeoutSeconds": 3600, "variables": {"attempts": 0},
            "inputTemplate": {},
            "rateLimitConfig": {"rateLimitKey": "${workflow.input.customerId}", "concurrentExecLimit": 2},
            "enforceSchema": true, "metadata": {}, "maskedFields": []
        })
    );
}

#[test]
fn start_workflow_request_json() {
    let request = StartWorkflowRequest::new("order_workflow")
        .with_version(2)
        .with_input_value("orderId", "o-1")
        .with_input_value("amount", 12)
        .with_correlation_id("corr-1")
        .with_priority(7)
        .with_task_to_domain("*", "blue")
        .with_idempotency_key("o-1", IdempotencyStrategy::FailOnRunning);
    assert_eq!(
        to_json(&request),
        json!({
            "name": "order_workflow", "version": 2, "correlationId": "corr-1",
            "input": {"orderId": "o-1", "amount": 12}, "taskToDomain": {"*": "blue"},
            "priority": 7, "idempotencyKey": "o-1", "idempotencyStrategy": "FAIL_ON_RUNNING"
        })
    );
    let with_def = StartWorkflowRequest::default().with_workflow_def(WorkflowDef::new("dynamic"));
    assert_eq!(with_def.name, "dynamic");
}

#[test]
fn task_result_builders_json() {
    assert_eq!(
        to_json(&TaskResult::completed("t-1", "wf-1").with_output_value("result", "done")),
        json!({
            "workflowInstanceId": "wf-1", "taskId": "t-1", "status": "COMPLETED",
            "outputData": {"result": "done"}, "callbackAfterSeconds": 0, "logs": [],
            "extendLease": false, "supportsCancellation": false
        })
    );
    let failed = TaskResult::failed("t-1", "wf-1", "boom")
        .with_worker_id("w-1")
        .with_log("step 1");
    assert_eq!(
        to_json(&failed),
        json!({
            "workflowInstanceId": "wf-1", "taskId": "t-1", "status": "FAILED", "outputData": {},
            "reasonForIncompletion": "boom", "callbackAfterSeconds": 0, "workerId": "w-1",
            "logs": [{"log": "step 1", "taskId": "t-1", "createdTime": 0}],
            "extendLease": false, "supportsCancellation": false
        })
    );
    let terminal = TaskResult::failed_with_terminal_error("t", "w", "bad input");
    assert_eq!(terminal.status, TaskResultStatus::FailedWithTerminalError);
    let in_progress = TaskResult::in_progress("t", "w", 30);
    assert_eq!(to_json(&in_progress)["status"], "IN_PROGRESS");
    assert_eq!(to_json(&in_progress)["callbackAfterSeconds"], 30);
}

#[test]
fn task_result_from_task_maps_status_like_the_java_sdk() {
    let cases = [
        (TaskStatus::Scheduled, TaskResultStatus::InProgress),
        (TaskStatus::InProgress, TaskResultStatus::InProgress),
        (TaskStatus::Completed, TaskResultStatus::Completed),
        (TaskStatus::CompletedWithErrors, TaskResultStatus::Failed),
        (TaskStatus::TimedOut, TaskResultStatus::Failed),
        (TaskStatus::Skipped, TaskResultStatus::Failed),
        (TaskStatus::Failed, TaskResultStatus::Failed),
        (
            TaskStatus::FailedWithTerminalError,
            TaskResultStatus::FailedWithTerminalError,
        ),
        // Servers before 3.32 refuse a CANCELED result; the Java SDK sends FAILED.
        (TaskStatus::Canceled, TaskResultStatus::Failed),
    ];
    for (status, expected) in cases {
        let task = Task {
            task_id: "t".into(),
            workflow_instance_id: "w".into(),
            status: status.clone(),
            worker_id: Some("worker".into()),
            callback_after_seconds: 9,
            ..Task::default()
        };
        let result = TaskResult::from_task(&task);
        assert_eq!(result.status, expected, "for {status}");
        assert_eq!(
            (
                result.task_id.as_str(),
                result.workflow_instance_id.as_str()
            ),
            ("t", "w")
        );
        assert_eq!(result.worker_id.as_deref(), Some("worker"));
        assert_eq!(result.callback_after_seconds, 9);
    }
}

#[test]
fn chat_message_builders_json() {
    assert_eq!(
        to_json(&ChatMessage::user("hi")),
        json!({"role": "user", "message": "hi", "media": []})
    );
    assert_eq!(to_json(&ChatMessage::assistant("yo"))["role"], "assistant");
    let media = ChatMessage::user("look")
        .with_media("https://x/y.png")
        .with_mime_type("image/png");
    assert_eq!(
        to_json(&media),
        json!({"role": "user", "message": "look", "media": ["https://x/y.png"], "mimeType": "image/png"})
    );
}

#[test]
fn event_handler_and_test_request_json() {
    let handler = EventHandler::new("h", "conductor:flow:evt")
        .with_action(EventHandlerAction::terminate_workflow(
            "${workflowId}",
            "stop",
        ))
        .with_active(true);
    assert_eq!(
        to_json(&handler),
        json!({"name": "h", "event": "conductor:flow:evt", "active": true, "actions": [
            {"action": "terminate_workflow", "expandInlineJSON": false,
             "terminate_workflow": {"workflowId": "${workflowId}", "terminationReason": "stop"}}
        ]})
    );
    let test = WorkflowTestRequest::new("flow")
        .with_input_value("x", 1)
        .with_mock("a_ref", TaskMock::completed(serde_json::Map::new()))
        .with_mock(
            "a_ref",
            TaskMock::new(TaskResultStatus::Failed, serde_json::Map::new()).with_execution_time(5),
        );
    assert_eq!(
        to_json(&test)["taskRefToMockOutput"],
        json!({"a_ref": [
            {"status": "COMPLETED", "output": {}, "executionTime": 0, "queueWaitTime": 0},
            {"status": "FAILED", "output": {}, "executionTime": 5, "queueWaitTime": 0}
        ]})
    );
    let rerun = RerunWorkflowRequest::new("wf-1").from_task("t-9");
    assert_eq!(
        to_json(&rerun),
        json!({"reRunFromWorkflowId": "wf-1", "reRunFromTaskId": "t-9"})
    );
}
