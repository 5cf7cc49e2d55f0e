//! Every `WorkflowTask` constructor of the operators, system tasks and AI tasks produces exactly the
//! JSON the servers read (full-object comparisons, so a stray or missing field fails).

use conductor_models::{
    ChatMessage, Expr, PollingStrategy, StartWorkflowRequest, TaskType, TerminationStatus,
    WorkflowTask, task_input, task_output, workflow_input, workflow_variable,
};
use serde_json::{Value, json};

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("models always serialise")
}

/// The fields every `WorkflowTask` emits (Java primitives and initialised collections).
fn base(reference: &str, task_type: &str) -> Value {
    json!({
        "name": reference, "taskReferenceName": reference, "inputParameters": {}, "type": task_type,
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

fn simple(reference: &str) -> WorkflowTask {
    WorkflowTask::simple(format!("{reference}_task"), reference)
}

fn simple_json(reference: &str) -> Value {
    with(
        base(reference, "SIMPLE"),
        json!({"name": format!("{reference}_task")}),
    )
}

#[test]
fn expressions_render_the_server_paths() {
    let cases = [
        (workflow_input("a.b"), "${workflow.input.a.b}"),
        (workflow_input(""), "${workflow.input}"),
        (workflow_variable("count"), "${workflow.variables.count}"),
        (
            Expr::workflow_secret("api_key"),
            "${workflow.secrets.api_key}",
        ),
        (Expr::workflow("correlationId"), "${workflow.correlationId}"),
        (task_output("t", "body[0].id"), "${t.output.body[0].id}"),
        (task_output("t", "['my-key']"), "${t.output['my-key']}"),
        (task_input("t", ""), "${t.input}"),
        (Expr::new("t.status"), "${t.status}"),
        (simple("x").output_ref("y"), "${x.output.y}"),
        (simple("x").input_ref("z"), "${x.input.z}"),
    ];
    for (expr, expected) in cases {
        assert_eq!(expr.as_str(), expected);
        assert_eq!(Value::from(&expr), json!(expected));
        assert_eq!(to_json(&expr), json!(expected));
    }
    // Embedded in text through Display, as the server substitutes it inside a longer string.
    assert_eq!(
        format!("Hello {}!", workflow_input("name")),
        "Hello ${workflow.input.name}!"
    );
    // Usable in json! through Serialize.
    assert_eq!(
        json!({"ids": [task_output("a", "id"), task_output("b", "id")]}),
        json!({"ids": ["${a.output.id}", "${b.output.id}"]})
    );
}

#[test]
fn switch_value_param_json() {
    let task = WorkflowTask::switch("route_ref", workflow_input("kind"))
        .with_case("card", vec![simple("card_ref")])
        .with_case("wire", vec![])
        .with_default_case(vec![simple("review_ref")]);
    assert_eq!(
        to_json(&task),
        with(
            base("route_ref", "SWITCH"),
            json!({
                "evaluatorType": "value-param",
                "expression": "switchCaseValue",
                "inputParameters": {"switchCaseValue": "${workflow.input.kind}"},
                "decisionCases": {"card": [simple_json("card_ref")], "wire": []},
                "defaultCase": [simple_json("review_ref")]
            })
        )
    );
}

#[test]
fn switch_javascript_json() {
    let task = WorkflowTask::switch_js("size_ref", "$.amount > 100 ? 'large' : 'small'")
        .with_input_param("amount", workflow_input("amount"))
        .with_case("large", vec![simple("approve_ref")]);
    assert_eq!(
        to_json(&task),
        with(
            base("size_ref", "SWITCH"),
            json!({
                "evaluatorType": "javascript",
                "expression": "$.amount > 100 ? 'large' : 'small'",
                "inputParameters": {"amount": "${workflow.input.amount}"},
                "decisionCases": {"large": [simple_json("approve_ref")]}
            })
        )
    );
}

#[test]
fn fork_join_and_join_json() {
    let fork = WorkflowTask::fork_join(
        "fork_ref",
        vec![
            vec![simple("a_ref")],
            vec![simple("b_ref"), simple("c_ref")],
        ],
        "join_ref",
    );
    assert_eq!(fork.fork_join_ref.as_deref(), Some("join_ref"));
    assert_eq!(
        to_json(&fork),
        with(
            base("fork_ref", "FORK_JOIN"),
            json!({"forkTasks": [
                [simple_json("a_ref")],
                [simple_json("b_ref"), simple_json("c_ref")]
            ]})
        )
    );
    // The declared join reference is SDK-side only: it does not survive a trip through JSON.
    let back: WorkflowTask = serde_json::from_value(to_json(&fork)).expect("round trip");
    assert_eq!(back.fork_join_ref, None);

    let join = WorkflowTask::join("join_ref", vec!["a_ref", "c_ref"])
        .with_join_script("(function(){ return $.joinOn.length >= 2; })();");
    assert_eq!(
        to_json(&join),
        with(
            base("join_ref", "JOIN"),
            json!({
                "joinOn": ["a_ref", "c_ref"],
                "evaluatorType": "js",
                "expression": "(function(){ return $.joinOn.length >= 2; })();"
            })
        )
    );
    assert_eq!(
        to_json(&WorkflowTask::join("j", Vec::<String>::new())),
        base("j", "JOIN")
    );
}

#[test]
fn do_while_json() {
    let task = WorkflowTask::do_while(
        "loop_ref",
        "$.loop_ref['iteration'] < $.times",
        vec![simple("step_ref")],
    )
    .with_input_param("times", 3)
    .with_keep_last_n(2)
    .with_items("${workflow.input.items}");
    assert_eq!(
        to_json(&task),
        with(
            base("loop_ref", "DO_WHILE"),
            json!({
                "loopCondition": "$.loop_ref['iteration'] < $.times",
                "loopOver": [simple_json("step_ref")],
                "inputParameters": {"times": 3, "keepLastN": 2},
                "items": "${workflow.input.items}"
            })
        )
    );
}

#[test]
fn dynamic_and_dynamic_fork_json() {
    let dynamic = WorkflowTask::dynamic("handler_ref", workflow_input("handler"))
        .with_input_param("orderId", workflow_input("orderId"));
    assert_eq!(
        to_json(&dynamic),
        with(
            base("handler_ref", "DYNAMIC"),
            json!({
                "dynamicTaskNameParam": "taskToExecute",
                "inputParameters": {
                    "taskToExecute": "${workflow.input.handler}",
                    "orderId": "${workflow.input.orderId}"
                }
            })
        )
    );
    let fork = WorkflowTask::dynamic_fork(
        "fan_ref",
        task_output("plan_ref", "tasks"),
        task_output("plan_ref", "inputs"),
    );
    assert_eq!(
        to_json(&fork),
        with(
            base("fan_ref", "FORK_JOIN_DYNAMIC"),
            json!({
                "dynamicForkTasksParam": "forkedTasks",
                "dynamicForkTasksInputParamName": "forkedTasksInputs",
                "inputParameters": {
                    "forkedTasks": "${plan_ref.output.tasks}",
                    "forkedTasksInputs": "${plan_ref.output.inputs}"
                }
            })
        )
    );
}

#[test]
fn set_variable_and_terminate_json() {
    let set = WorkflowTask::set_variable("remember_ref").with_input_param("n", 1);
    assert_eq!(
        to_json(&set),
        with(
            base("remember_ref", "SET_VARIABLE"),
            json!({"inputParameters": {"n": 1}})
        )
    );
    let cases = [
        (TerminationStatus::Completed, "COMPLETED"),
        (TerminationStatus::Failed, "FAILED"),
        (TerminationStatus::Terminated, "TERMINATED"),
    ];
    for (status, wire) in cases {
        assert_eq!(
            to_json(&WorkflowTask::terminate("stop_ref", status)),
            with(
                base("stop_ref", "TERMINATE"),
                json!({"inputParameters": {"terminationStatus": wire}})
            )
        );
    }
    let full = WorkflowTask::terminate("stop_ref", TerminationStatus::Failed)
        .with_termination_reason("declined")
        .with_workflow_output(json!({"declined": true}));
    assert_eq!(
        to_json(&full)["inputParameters"],
        json!({"terminationStatus": "FAILED", "terminationReason": "declined", "workflowOutput": {"declined": true}})
    );
}

#[test]
fn json_jq_event_human_json() {
    assert_eq!(
        to_json(&WorkflowTask::json_jq("jq_ref", ".a").with_input_param("a", 1)),
        with(
            base("jq_ref", "JSON_JQ_TRANSFORM"),
            json!({"inputParameters": {"queryExpression": ".a", "a": 1}})
        )
    );
    assert_eq!(
        to_json(&WorkflowTask::event("notify_ref", "conductor:events")),
        with(
            base("notify_ref", "EVENT"),
            json!({"sink": "conductor:events"})
        )
    );
    assert_eq!(
        to_json(&WorkflowTask::human("approval_ref")),
        base("approval_ref", "HUMAN")
    );
}

#[test]
fn start_workflow_json() {
    let request = StartWorkflowRequest::new("audit_flow")
        .with_version(2)
        .with_correlation_id("${workflow.correlationId}")
        .with_input_value("orderId", workflow_input("orderId"));
    assert_eq!(
        to_json(&WorkflowTask::start_workflow("audit_ref", request)),
        with(
            base("audit_ref", "START_WORKFLOW"),
            json!({"inputParameters": {"startWorkflow": {
                "name": "audit_flow",
                "version": 2,
                "correlationId": "${workflow.correlationId}",
                "input": {"orderId": "${workflow.input.orderId}"},
                "taskToDomain": {},
                "priority": 0
            }}})
        )
    );
}

#[test]
fn kafka_publish_json() {
    let task =
        WorkflowTask::kafka_publish("publish_ref", "localhost:9092", "orders", json!({"id": 1}))
            .with_kafka_key("k-1")
            .with_kafka_key_serializer("org.apache.kafka.common.serialization.StringSerializer")
            .with_kafka_header("x-a", "1")
            .with_kafka_header("x-b", 2)
            .with_kafka_timeouts(500, 1000);
    assert_eq!(
        to_json(&task),
        with(
            base("publish_ref", "KAFKA_PUBLISH"),
            json!({"inputParameters": {"kafka_request": {
                "bootStrapServers": "localhost:9092",
                "topic": "orders",
                "value": {"id": 1},
                "key": "k-1",
                "keySerializer": "org.apache.kafka.common.serialization.StringSerializer",
                "headers": {"x-a": "1", "x-b": 2},
                "requestTimeoutMs": 500,
                "maxBlockMs": 1000
            }}})
        )
    );
}

#[test]
fn http_poll_json() {
    let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/status")
        .with_method("POST")
        .with_header("Accept", "application/json")
        .with_body(json!({"id": 1}))
        .with_polling_interval(60)
        .with_polling_strategy("EXPONENTIAL_BACKOFF")
        .with_termination_condition("$.output.response.body.done")
        .with_max_poll_count(10);
    assert_eq!(
        to_json(&task),
        with(
            base("poll_ref", "HTTP_POLL"),
            json!({"inputParameters": {"http_request": {
                "uri": "https://api.example.com/status",
                "method": "POST",
                "headers": {"Accept": "application/json"},
                "body": {"id": 1},
                "pollingInterval": 60,
                "pollingStrategy": "EXPONENTIAL_BACKOFF",
                "terminationCondition": "$.output.response.body.done",
                "maxPollCount": 10
            }}})
        )
    );
    // The typed strategy and its wire string are interchangeable.
    for (strategy, wire) in [
        (PollingStrategy::Fixed, "FIXED"),
        (PollingStrategy::LinearBackoff, "LINEAR_BACKOFF"),
        (PollingStrategy::ExponentialBackoff, "EXPONENTIAL_BACKOFF"),
    ] {
        let typed = WorkflowTask::http_poll("p", "u").with_polling_strategy(strategy);
        let text = WorkflowTask::http_poll("p", "u").with_polling_strategy(wire);
        assert_eq!(typed, text);
        assert_eq!(
            typed.input_parameters["http_request"]["pollingStrategy"],
            wire
        );
    }
}

#[test]
fn wait_for_webhook_json() {
    let task = WorkflowTask::wait_for_webhook("hook_ref")
        .with_match("$['type']", "payment_received")
        .with_match("$['order_id']", workflow_input("order_id"));
    assert_eq!(
        to_json(&task),
        with(
            base("hook_ref", "WAIT_FOR_WEBHOOK"),
            json!({"inputParameters": {"matches": {
                "$['type']": "payment_received",
                "$['order_id']": "${workflow.input.order_id}"
            }}})
        )
    );
    let replaced = task.with_matches(json!({"$['kind']": "x"}));
    assert_eq!(
        replaced.input_parameters["matches"],
        json!({"$['kind']": "x"})
    );
}

#[test]
fn get_document_json() {
    assert_eq!(
        to_json(&WorkflowTask::get_document(
            "doc_ref",
            workflow_input("url"),
            "text/html"
        )),
        with(
            base("doc_ref", "GET_DOCUMENT"),
            json!({"inputParameters": {"url": "${workflow.input.url}", "mediaType": "text/html"}})
        )
    );
}

#[test]
fn llm_text_and_chat_complete_json() {
    let text = WorkflowTask::llm_text_complete("text_ref", "openai", "gpt-4o")
        .with_instructions_template("Summarize: ${workflow.input.text}")
        .with_prompt_variable("tone", "dry")
        .with_temperature(0.2)
        .with_top_p(0.9)
        .with_max_tokens(100);
    assert_eq!(
        to_json(&text),
        with(
            base("text_ref", "LLM_TEXT_COMPLETE"),
            json!({"inputParameters": {
                "llmProvider": "openai",
                "model": "gpt-4o",
                "promptName": "Summarize: ${workflow.input.text}",
                "promptVariables": {"tone": "dry"},
                "temperature": 0.2,
                "topP": 0.9,
                "maxTokens": 100
            }})
        )
    );
    let chat = WorkflowTask::llm_chat_complete("chat_ref", "anthropic", "claude")
        .with_instructions_template("You are terse.")
        .with_messages(vec![
            ChatMessage::user("${workflow.input.question}"),
            ChatMessage::assistant("Noted."),
        ]);
    assert_eq!(
        to_json(&chat),
        with(
            base("chat_ref", "LLM_CHAT_COMPLETE"),
            json!({"inputParameters": {
                "llmProvider": "anthropic",
                "model": "claude",
                "instructions": "You are terse.",
                "messages": [
                    {"role": "user", "message": "${workflow.input.question}", "media": []},
                    {"role": "assistant", "message": "Noted.", "media": []}
                ]
            }})
        )
    );
}

#[test]
fn llm_embedding_and_vector_db_json() {
    assert_eq!(
        to_json(
            &WorkflowTask::llm_generate_embeddings("embed_ref", "openai", "ada")
                .with_input_param("text", "hello")
        ),
        with(
            base("embed_ref", "LLM_GENERATE_EMBEDDINGS"),
            json!({"inputParameters": {"llmProvider": "openai", "model": "ada", "text": "hello"}})
        )
    );
    let vector_inputs = json!({
        "embeddingModelProvider": "openai",
        "embeddingModel": "ada",
        "vectorDB": "pinecone",
        "index": "docs"
    });
    let index_text = WorkflowTask::llm_index_text("it_ref", "openai", "ada", "pinecone", "docs");
    assert_eq!(
        to_json(&index_text),
        with(
            base("it_ref", "LLM_INDEX_TEXT"),
            json!({"inputParameters": vector_inputs})
        )
    );
    let index_doc = WorkflowTask::llm_index_document(
        "id_ref",
        "openai",
        "ada",
        "pinecone",
        "docs",
        "https://example.com/a.pdf",
        "application/pdf",
    )
    .with_namespace("ns")
    .with_doc_id("doc-1");
    assert_eq!(
        to_json(&index_doc),
        with(
            base("id_ref", "LLM_INDEX_DOCUMENT"),
            json!({"inputParameters": with(vector_inputs.clone(), json!({
                "url": "https://example.com/a.pdf",
                "mediaType": "application/pdf",
                "namespace": "ns",
                "docId": "doc-1"
            }))})
        )
    );
    let search = WorkflowTask::llm_search_index("s_ref", "openai", "ada", "pinecone", "docs")
        .with_max_results(4)
        .with_input_param("query", "q");
    assert_eq!(
        to_json(&search),
        with(
            base("s_ref", "LLM_SEARCH_INDEX"),
            json!({"inputParameters": with(vector_inputs, json!({"maxResults": 4, "query": "q"}))})
        )
    );
    let get = WorkflowTask::llm_get_embeddings("g_ref", "pinecone", "docs", json!([0.5, 0.25]))
        .with_namespace("ns");
    assert_eq!(
        to_json(&get),
        with(
            base("g_ref", "LLM_GET_EMBEDDINGS"),
            json!({"inputParameters": {
                "vectorDB": "pinecone", "index": "docs", "embeddings": [0.5, 0.25], "namespace": "ns"
            }})
        )
    );
}

#[test]
fn instructions_go_to_prompt_name_only_for_text_completion() {
    let key_of = |task: WorkflowTask| -> Vec<String> {
        task.with_instructions_template("x")
            .input_parameters
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        key_of(WorkflowTask::new(TaskType::LlmTextComplete, "t", "t")),
        ["promptName"]
    );
    assert_eq!(
        key_of(WorkflowTask::new(TaskType::LlmChatComplete, "t", "t")),
        ["instructions"]
    );
}

#[test]
fn object_setters_repair_a_non_object_parameter() {
    let task = WorkflowTask::wait_for_webhook("w")
        .with_input_param("matches", "oops")
        .with_match("$['a']", 1);
    assert_eq!(task.input_parameters["matches"], json!({"$['a']": 1}));
    let task = WorkflowTask::llm_text_complete("t", "p", "m")
        .with_input_param("promptVariables", json!([1]))
        .with_prompt_variable("v", "x");
    assert_eq!(task.input_parameters["promptVariables"], json!({"v": "x"}));
}
