//! The SDK design's four `#[worker]` examples (`greet`, `calculate`, `process`, `validate`), run
//! against the embedded server over real HTTP: a workflow through all four, bad input failing the
//! task terminally with the parameter named, an `Err` failing it retryably, discovery, and the
//! generated schemas linked into the registered task definitions.
//!
//! With `CONDUCTOR_TEST_SERVER_URL` set, the tests run unchanged against that server (a real
//! conductor-oss) instead of a fresh embedded one. The `#[worker]` task types are fixed when the
//! program is compiled, so they carry a suffix unique to this test process ([`task_type`]) and
//! the tests, which share them, take turns ([`SERIAL`]); workflow names are unique per test.

use std::sync::LazyLock;
use std::time::Duration;

use conductor::error::Result;
use conductor::models::{
    RetryLogic, StartWorkflowRequest, TaskDef, TaskStatus, WorkflowDef, WorkflowStatus,
    WorkflowTask,
};
use conductor::server::DevServer;
use conductor::worker;
use conductor::worker::{TaskHandler, WorkerOutput};
use conductor::{ConductorClient, Configuration, Task, Workflow};
use conductor_test_support::{external_server_url, unique_name};

/// The task type `base` of this test process: `base` with a suffix no other process uses, so
/// that on a shared server no other program polls these workers' tasks, nor these workers
/// anyone else's.
fn task_type(base: &str) -> String {
    static SUFFIX: LazyLock<String> = LazyLock::new(|| unique_name("macros"));
    format!("{base}_{}", *SUFFIX)
}

/// Held by each test for its whole run: the tests share the four task types (and their
/// definitions), so they take turns rather than poll each other's tasks.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// The seed's examples, as written there (format arguments inlined, as clippy asks), with the task
// types made unique to the process.

#[worker(name = task_type("greet"), thread_count = 5)]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

#[worker(name = task_type("calculate"), poll_interval = 200)]
async fn calculate(a: i32, b: i32) -> serde_json::Value {
    serde_json::json!({ "sum": a + b })
}

#[worker(name = task_type("process"), domain = "premium")]
async fn process(task: Task) -> WorkerOutput {
    let data = task.get_input_string("data").unwrap_or_default();
    WorkerOutput::completed_with_result(data)
}

#[worker(name = task_type("validate"))]
async fn validate(value: String) -> Result<String, String> {
    if value.is_empty() {
        Err("Value cannot be empty".to_string())
    } else {
        Ok(format!("Valid: {value}"))
    }
}

/// How long a workflow may take: the workers poll every 100-200 ms, so a few seconds is ample.
const WAIT: Duration = Duration::from_secs(10);

/// A fresh embedded server, or `None` with the external server; the client and configuration
/// point at whichever is used.
async fn start_server() -> (Option<DevServer>, ConductorClient, Configuration) {
    let (server, url) = match external_server_url() {
        Some(url) => (None, url),
        None => {
            let server = DevServer::start()
                .await
                .expect("the embedded server starts");
            let url = server.url();
            (Some(server), url)
        }
    };
    let config = Configuration::new(url);
    let client = ConductorClient::new(config.clone()).expect("client builds");
    (server, client, config)
}

async fn shutdown(server: Option<DevServer>) {
    if let Some(server) = server {
        server.shutdown().await;
    }
}

/// Registers `def` and runs it with `input`, waiting for it to finish.
async fn run_workflow(
    client: &ConductorClient,
    def: WorkflowDef,
    request: StartWorkflowRequest,
) -> Result<Workflow> {
    client.metadata_client().register_workflow_def(&def).await?;
    let run = client
        .workflow_client()
        .execute_workflow(&request, WAIT)
        .await?;
    assert!(
        !run.signal_timeout,
        "the workflow did not finish within {WAIT:?}: {run:?}"
    );
    let id = run.workflow_id.expect("the run names its workflow");
    client.workflow_client().get_workflow(&id).await
}

fn task<'w>(workflow: &'w Workflow, reference: &str) -> &'w Task {
    workflow
        .tasks
        .iter()
        .find(|task| task.reference_task_name == reference)
        .unwrap_or_else(|| panic!("no task {reference} in {:?}", workflow.tasks))
}

#[tokio::test]
async fn the_seed_macro_workers_run_a_workflow() -> Result<()> {
    let _turn = SERIAL.lock().await;
    let (server, client, config) = start_server().await;
    // The seed's usage: each generated `{fn}_worker()` added by hand.
    let mut handler = TaskHandler::new(config)?;
    handler.add_worker(greet_worker());
    handler.add_worker(calculate_worker());
    handler.add_worker(process_worker());
    handler.add_worker(validate_worker());
    handler.start().await?;

    let workflow_name = unique_name("macro_seed_workflow");
    let def = WorkflowDef::new(&workflow_name)
        .with_task(
            WorkflowTask::simple(task_type("greet"), "greet_ref")
                .with_input_param("name", "${workflow.input.name}"),
        )
        .with_task(
            WorkflowTask::simple(task_type("calculate"), "calculate_ref")
                .with_input_param("a", "${workflow.input.a}")
                .with_input_param("b", "${workflow.input.b}"),
        )
        .with_task(
            WorkflowTask::simple(task_type("process"), "process_ref")
                .with_input_param("data", "${greet_ref.output.result}"),
        )
        .with_task(
            WorkflowTask::simple(task_type("validate"), "validate_ref")
                .with_input_param("value", "${process_ref.output.result}"),
        )
        .with_output_param("sum", "${calculate_ref.output.sum}")
        .with_output_param("verdict", "${validate_ref.output.result}");
    let request = StartWorkflowRequest::new(workflow_name)
        .with_input_value("name", "World")
        .with_input_value("a", 2)
        .with_input_value("b", 3)
        // `process` polls in the "premium" domain.
        .with_task_to_domain(task_type("process"), "premium");
    let workflow = run_workflow(&client, def, request).await?;

    assert_eq!(workflow.status, WorkflowStatus::Completed, "{workflow:?}");
    assert_eq!(
        task(&workflow, "greet_ref").output_data["result"],
        "Hello, World!"
    );
    // A JSON object is the output itself, not nested under "result".
    assert_eq!(
        serde_json::Value::Object(task(&workflow, "calculate_ref").output_data.clone()),
        serde_json::json!({"sum": 5})
    );
    assert_eq!(
        task(&workflow, "process_ref").output_data["result"],
        "Hello, World!"
    );
    assert_eq!(
        task(&workflow, "process_ref").domain.as_deref(),
        Some("premium")
    );
    assert_eq!(workflow.output["sum"], 5);
    assert_eq!(workflow.output["verdict"], "Valid: Hello, World!");

    handler.stop().await?;
    shutdown(server).await;
    Ok(())
}

#[tokio::test]
async fn missing_input_fails_terminally_naming_the_parameter_and_err_fails_retryably() -> Result<()>
{
    let _turn = SERIAL.lock().await;
    let (server, client, config) = start_server().await;
    // Discovery: every `#[worker]` function of this test program, without listing them.
    let mut handler = TaskHandler::builder(config).discovered_workers().build()?;
    assert_eq!(
        handler.worker_names(),
        ["calculate", "greet", "process", "validate"].map(task_type)
    );
    handler.start().await?;

    // Retries are allowed by the definition, yet bad input is not retried: it cannot get better.
    client
        .metadata_client()
        .register_task_def(&TaskDef::new(task_type("calculate")).with_retry(
            3,
            RetryLogic::Fixed,
            1,
        ))
        .await?;
    let workflow_name = unique_name("macro_bad_input");
    let def = WorkflowDef::new(&workflow_name).with_task(
        WorkflowTask::simple(task_type("calculate"), "calculate_ref")
            .with_input_param("a", "${workflow.input.a}"),
    );
    let request = StartWorkflowRequest::new(workflow_name).with_input_value("a", 2);
    let workflow = run_workflow(&client, def, request).await?;

    assert_eq!(workflow.status, WorkflowStatus::Failed, "{workflow:?}");
    let attempts: Vec<&Task> = workflow
        .tasks
        .iter()
        .filter(|t| t.reference_task_name == "calculate_ref")
        .collect();
    assert_eq!(
        attempts.len(),
        1,
        "a terminal failure must not be retried: {attempts:?}"
    );
    assert_eq!(attempts[0].status, TaskStatus::FailedWithTerminalError);
    let reason = attempts[0]
        .reason_for_incompletion
        .as_deref()
        .unwrap_or_default();
    assert!(
        reason.contains("missing input \"b\" (parameter `b: i32`)"),
        "reason: {reason}"
    );

    // An ill-typed input names the expected type and what arrived.
    let workflow_name = unique_name("macro_ill_typed");
    let def = WorkflowDef::new(&workflow_name).with_task(
        WorkflowTask::simple(task_type("calculate"), "calculate_ref")
            .with_input_param("a", "${workflow.input.a}")
            .with_input_param("b", "${workflow.input.b}"),
    );
    let request = StartWorkflowRequest::new(workflow_name)
        .with_input_value("a", 2)
        .with_input_value("b", "three");
    let workflow = run_workflow(&client, def, request).await?;
    let calculate = task(&workflow, "calculate_ref");
    assert_eq!(calculate.status, TaskStatus::FailedWithTerminalError);
    assert_eq!(
        calculate.reason_for_incompletion.as_deref(),
        Some(
            "invalid task input: input \"b\" (parameter `b: i32`) is invalid: invalid type: string \"three\", \
             expected i32; received \"three\""
        )
    );

    // `Err(String)` from `validate` fails the task FAILED (retryable; this definition allows none).
    client
        .metadata_client()
        .register_task_def(&TaskDef::new(task_type("validate")).with_retry(0, RetryLogic::Fixed, 0))
        .await?;
    let workflow_name = unique_name("macro_validate_err");
    let def = WorkflowDef::new(&workflow_name).with_task(
        WorkflowTask::simple(task_type("validate"), "validate_ref")
            .with_input_param("value", "${workflow.input.value}"),
    );
    let request = StartWorkflowRequest::new(workflow_name).with_input_value("value", "");
    let workflow = run_workflow(&client, def, request).await?;
    assert_eq!(workflow.status, WorkflowStatus::Failed, "{workflow:?}");
    let validate = task(&workflow, "validate_ref");
    assert_eq!(validate.status, TaskStatus::Failed);
    assert_eq!(
        validate.reason_for_incompletion.as_deref(),
        Some("Value cannot be empty")
    );

    handler.stop().await?;
    shutdown(server).await;
    Ok(())
}

#[tokio::test]
async fn registration_links_the_generated_schemas_to_the_task_definition() -> Result<()> {
    let _turn = SERIAL.lock().await;
    let (server, client, config) = start_server().await;
    let (greet, calculate) = (task_type("greet"), task_type("calculate"));
    // The other tests of this binary share these task types, and registration never overwrites a
    // definition: on a shared server, remove what they registered so this one is created afresh.
    for name in [&greet, &calculate] {
        if let Err(error) = client.metadata_client().delete_task_def(name).await {
            assert!(error.is_not_found(), "{error:?}");
        }
    }
    let mut handler = TaskHandler::builder(config)
        .worker(greet_worker())
        .worker(calculate_worker())
        .register_task_defs(true)
        .build()?;
    handler.start().await?;

    let metadata = client.metadata_client();
    // Registration runs in the background once the handler starts: wait for both definitions.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !(metadata.task_def_exists(&greet).await? && metadata.task_def_exists(&calculate).await?)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "task definitions were not registered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let calculate_def = metadata.get_task_def(&calculate).await?;
    let input = calculate_def
        .input_schema
        .expect("calculate has an input schema");
    assert_eq!(input.name, format!("{calculate}_input"));
    let data = serde_json::Value::Object(input.data.expect("schema document"));
    assert_eq!(data["properties"]["a"]["type"], "integer");
    assert_eq!(data["properties"]["b"]["format"], "int32");
    assert_eq!(data["required"], serde_json::json!(["a", "b"]));
    // `serde_json::Value` may be any JSON: no output schema is claimed.
    assert!(calculate_def.output_schema.is_none());

    let greet_def = metadata.get_task_def(&greet).await?;
    let output = greet_def.output_schema.expect("greet has an output schema");
    assert_eq!(output.name, format!("{greet}_output"));
    let data = serde_json::Value::Object(output.data.expect("schema document"));
    assert_eq!(
        data["properties"]["result"],
        serde_json::json!({"type": "string"})
    );
    assert_eq!(data["required"], serde_json::json!(["result"]));

    handler.stop().await?;
    shutdown(server).await;
    Ok(())
}
