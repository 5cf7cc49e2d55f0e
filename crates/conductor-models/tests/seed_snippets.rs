//! The model snippets of the seed design (`rust-sdk-design.txt`, "Client APIs" and "Models"), compiled
//! against this crate: if a name or signature the seed uses changes, this file stops compiling.

use conductor_models::{
    ChatMessage, RetryLogic, StartWorkflowRequest, StateChangeConfig, StateChangeEvent,
    StateChangeEventType, Task, TaskDef, TaskResult, TimeoutPolicy, WorkflowDef, WorkflowTask,
    WorkflowTimeoutPolicy,
};
use serde_json::json;

#[test]
fn task_client_snippet() {
    let task = Task {
        task_id: "t-1".into(),
        workflow_instance_id: "wf-1".into(),
        ..Task::default()
    };
    // Seed: `TaskResult::completed(&task.task_id, &task.workflow_instance_id).with_output_value("result", "done")`
    let result = TaskResult::completed(&task.task_id, &task.workflow_instance_id)
        .with_output_value("result", "done");
    assert_eq!(result.output_data["result"], "done");
    assert_eq!(result.task_id, "t-1");
}

#[test]
fn workflow_client_snippet() {
    let request = StartWorkflowRequest::new("my_workflow")
        .with_version(1)
        .with_input_value("name", "John");
    assert_eq!(request.input["name"], "John");
}

#[test]
fn metadata_client_snippet() {
    let task_def = TaskDef::new("my_task")
        .with_description("My task")
        .with_retry(3, RetryLogic::Fixed, 10)
        .with_timeout(60, TimeoutPolicy::TimeOutWf);
    let workflow_def = WorkflowDef::new("my_workflow")
        .with_version(1)
        .with_task(WorkflowTask::simple("my_task", "task_ref_1"));
    assert_eq!(task_def.timeout_seconds, 60);
    assert_eq!(workflow_def.tasks.len(), 1);
}

#[test]
fn worker_input_snippets() {
    let task = Task {
        input_data: json!({"name": "World", "progress": 40, "orderId": "o-1"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..Task::default()
    };
    let input = task.get_input_string("name").unwrap_or_default();
    let progress: i32 = task.get_input("progress").unwrap_or(0);
    let order_id: Option<String> = task.get_input("orderId");
    assert_eq!(format!("Hello, {input}!"), "Hello, World!");
    assert_eq!(progress, 40);
    assert_eq!(order_id.as_deref(), Some("o-1"));
}

#[test]
fn models_builder_snippet() {
    let task_def = TaskDef::new("process_order")
        .with_description("Process customer orders")
        .with_retry(3, RetryLogic::ExponentialBackoff, 10)
        .with_timeout(300, TimeoutPolicy::TimeOutWf)
        .with_rate_limit(100, 60)
        .with_owner("team@example.com");

    let workflow_def = WorkflowDef::new("order_workflow")
        .with_version(1)
        .with_description("Order processing workflow")
        .with_task(WorkflowTask::simple("validate_order", "validate_ref"))
        .with_task(WorkflowTask::simple("process_order", "process_ref"))
        .with_task(WorkflowTask::simple("notify_customer", "notify_ref"))
        .with_output_param("orderId", "${process_ref.output.orderId}")
        .with_timeout(3600, WorkflowTimeoutPolicy::TimeOutWf);

    let variants = [
        WorkflowTask::simple("task_name", "reference_name"),
        WorkflowTask::sub_workflow("ref_name", "child_workflow"),
        WorkflowTask::http("ref_name", "https://api.example.com/endpoint"),
        WorkflowTask::inline("ref_name", "function e() { return $.input * 2; }"),
        WorkflowTask::wait("wait_ref"),
    ];
    assert_eq!(task_def.rate_limit_per_frequency, 100);
    assert_eq!(workflow_def.tasks.len(), 3);
    assert_eq!(variants.len(), 5);
}

#[test]
fn state_change_snippet() {
    let task = WorkflowTask::simple("process_order", "process_ref").with_state_change(
        StateChangeConfig::new()
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnStart)
                    .with_type("task:audit")
                    .with_payload(json!({
                        "task": "${task.taskDefName}",
                        "workflow": "${workflow.workflowType}",
                        "timestamp": "${task.startTime}"
                    })),
            )
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnCompleted)
                    .with_type("task:audit")
                    .with_payload(json!({
                        "task": "${task.taskDefName}",
                        "status": "COMPLETED",
                        "duration_ms": "${task.endTime - task.startTime}"
                    })),
            )
            .with_event(
                StateChangeEvent::new(StateChangeEventType::OnFailed)
                    .with_type("task:audit")
                    .with_payload(json!({
                        "task": "${task.taskDefName}",
                        "status": "FAILED",
                        "error": "${task.reasonForIncompletion}"
                    })),
            ),
    );
    let keys: Vec<&String> = task.on_state_change.keys().collect();
    assert_eq!(keys, ["onFailed", "onStart", "onSuccess"]);
}

#[test]
#[allow(
    clippy::useless_vec,
    reason = "verbatim seed snippet (`with_messages(vec![...])`)"
)]
fn chat_message_snippet() {
    let messages = vec![
        ChatMessage::system("You are a helpful assistant."),
        ChatMessage::user("${workflow.input.question}"),
    ];
    assert_eq!(messages.len(), 2);
}

#[test]
fn llm_snippets() {
    // Seed "LLM/AI Tasks": text completion, chat, embeddings, vector DB, prompt variables.
    let workflow = WorkflowDef::new("text_completion_workflow").with_task(
        WorkflowTask::llm_text_complete("completion_ref", "my_llm_provider", "gpt-4")
            .with_instructions_template("Summarize the following text: ${workflow.input.text}")
            .with_temperature(0.7)
            .with_max_tokens(500),
    );
    assert_eq!(workflow.tasks[0].input_parameters["maxTokens"], 500);

    let workflow = WorkflowDef::new("chat_workflow").with_task(
        WorkflowTask::llm_chat_complete("chat_ref", "my_llm_provider", "gpt-4")
            .with_messages(vec![
                ChatMessage::system("You are a helpful assistant."),
                ChatMessage::user("${workflow.input.question}"),
            ])
            .with_temperature(0.8)
            .with_max_tokens(1000),
    );
    assert_eq!(
        workflow.tasks[0].input_parameters["messages"][1]["message"],
        "${workflow.input.question}"
    );

    let embed_task = WorkflowTask::llm_generate_embeddings(
        "embed_ref",
        "my_embedding_provider",
        "text-embedding-ada-002",
    )
    .with_input_param("text", "${workflow.input.document}");
    let index_task = WorkflowTask::llm_index_text(
        "index_ref",
        "my_embedding_provider",
        "text-embedding-ada-002",
        "my_vector_db",
        "my_index",
    )
    .with_namespace("documents")
    .with_input_param("text", "${workflow.input.document}");
    let search_task = WorkflowTask::llm_search_index(
        "search_ref",
        "my_embedding_provider",
        "text-embedding-ada-002",
        "my_vector_db",
        "my_index",
    )
    .with_namespace("documents")
    .with_max_results(5)
    .with_input_param("query", "${workflow.input.query}");
    assert_eq!(
        embed_task.input_parameters["model"],
        "text-embedding-ada-002"
    );
    assert_eq!(index_task.input_parameters["namespace"], "documents");
    assert_eq!(search_task.input_parameters["maxResults"], 5);

    let task = WorkflowTask::llm_text_complete("ref", "provider", "model")
        .with_instructions_template("Translate to ${target_language}: ${text}")
        .with_prompt_variable("target_language", "${workflow.input.language}")
        .with_prompt_variable("text", "${workflow.input.content}");
    assert_eq!(
        task.input_parameters["promptVariables"],
        json!({"target_language": "${workflow.input.language}", "text": "${workflow.input.content}"})
    );
}

#[test]
fn http_poll_snippet() {
    let workflow = WorkflowDef::new("polling_workflow").with_task(
        WorkflowTask::http_poll(
            "poll_ref",
            "https://api.example.com/status/${workflow.input.job_id}",
        )
        .with_method("GET")
        .with_polling_interval(5) // Poll every 5 seconds
        .with_polling_strategy("FIXED")
        .with_termination_condition(
            "(function(){ return $.output.body.status === 'COMPLETED'; })();",
        ),
    );
    let request = &workflow.tasks[0].input_parameters["http_request"];
    assert_eq!(request["pollingInterval"], 5);
    assert_eq!(request["pollingStrategy"], "FIXED");
}

#[test]
fn wait_for_webhook_snippet() {
    let workflow = WorkflowDef::new("webhook_workflow").with_task(
        WorkflowTask::wait_for_webhook("webhook_ref").with_matches(json!({
            "type": "payment_received",
            "order_id": "${workflow.input.order_id}"
        })),
    );
    assert_eq!(
        workflow.tasks[0].input_parameters["matches"]["type"],
        "payment_received"
    );
}

#[test]
fn fork_join_with_script_snippet() {
    let fork_tasks = vec![
        vec![WorkflowTask::simple("task_a", "task_a_ref")],
        vec![WorkflowTask::simple("task_b", "task_b_ref")],
        vec![WorkflowTask::simple("task_c", "task_c_ref")],
    ];
    let workflow = WorkflowDef::new("fork_join_script_workflow")
        .with_task(WorkflowTask::fork_join("fork_ref", fork_tasks, "join_ref"))
        .with_task(
            WorkflowTask::join("join_ref", vec!["task_a_ref", "task_b_ref", "task_c_ref"])
                .with_join_script("(function(){ return $.joinOn.length >= 2; })();"),
        );
    assert_eq!(workflow.validate(), Ok(()));
    assert_eq!(workflow.tasks.len(), 2);
    assert_eq!(workflow.tasks[1].evaluator_type.as_deref(), Some("js"));
}
