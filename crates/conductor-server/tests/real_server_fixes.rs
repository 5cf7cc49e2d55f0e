//! End-to-end checks of fixes found by running the SDK against real conductor-oss servers (3.21.14,
//! the oldest supported, and 3.32.3): builder defaults every server accepts, a `JOIN` named like the
//! JavaScript SDK names them, task results built from canceled tasks, the order of decision cases,
//! the `onStateChange` form of `StateChangeConfig`, and executions that round-trip key for key.
//!
//! Each test talks through `conductor-client` to the server of `CONDUCTOR_TEST_SERVER_URL` when it
//! is set, else to a fresh embedded `DevServer` (see `support::Env`), and names everything it
//! creates with `unique_name`. Where the oracle itself differs between versions (the `graaljs`
//! evaluator), the test expects what the server's version does; the embedded server counts as the
//! newest.

mod support;

use conductor_client::models::{
    StateChangeConfig, StateChangeEvent, StateChangeEventType, Task, TaskResult, TaskResultStatus,
    TaskStatus, Workflow, WorkflowDef, WorkflowStatus, WorkflowTask,
};
use conductor_test_support::external_server_version;
use serde_json::{Value, json};

use support::{Env, eventually};

/// Waits until workflow `id` is no longer running (a real server runs system tasks and joins
/// asynchronously) and returns it with its tasks.
async fn finished(env: &Env, id: &str) -> Workflow {
    eventually(
        &format!("workflow {id} ends"),
        || env.workflows.get_workflow(id),
        |workflow: &Workflow| workflow.status.is_terminal(),
    )
    .await
}

/// The task of `workflow` with reference name `reference`; fails the test when there is none.
fn task<'a>(workflow: &'a Workflow, reference: &str) -> &'a Task {
    workflow
        .tasks
        .iter()
        .find(|task| task.reference_task_name == reference)
        .unwrap_or_else(|| panic!("no task {reference} in {:#?}", workflow.tasks))
}

/// A number of a JSON answer as `f64` (3.21's `javascript` evaluator answers `42.0` where later
/// versions answer `42`).
fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
}

/// The raw JSON of `GET path?query`, as the server sent it.
async fn raw(env: &Env, path: &str, query: &[(&str, &str)]) -> Value {
    let mut request = env.client.api_client().get(path);
    for (name, value) in query {
        request = request.query(name, value);
    }
    request
        .send_json::<Value>()
        .await
        .unwrap_or_else(|e| panic!("GET {path} {query:?}: {e}"))
}

/// The conductor-oss version of the server under test: `CONDUCTOR_TEST_SERVER_VERSION`, else the
/// `version` of `GET /admin/config`; `None` for the embedded server (which answers like the
/// newest release) or when the server does not say.
async fn server_version(env: &Env) -> Option<String> {
    if !env.is_external() {
        return None;
    }
    if let Some(version) = external_server_version() {
        return Some(version);
    }
    let config = env
        .client
        .api_client()
        .get("/admin/config")
        .send_json::<Value>()
        .await
        .ok()?;
    config["version"].as_str().map(str::to_owned)
}

/// Whether conductor-oss `version` refuses the `graaljs` evaluator at run time (3.21.0 to
/// 3.21.20: it registers only `javascript`, `value-param`, `python`).
fn refuses_graaljs(version: &str) -> bool {
    let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(Some(3)), Some(Some(21)), Some(Some(patch))) if patch <= 20
    )
}

#[test]
fn only_3_21_up_to_3_21_20_refuses_graaljs() {
    assert!(refuses_graaljs("3.21.14"));
    assert!(refuses_graaljs("3.21.0"));
    assert!(!refuses_graaljs("3.21.21"));
    assert!(!refuses_graaljs("3.32.3"));
    assert!(!refuses_graaljs("unknown"));
}

/// `WorkflowTask::inline` and `switch_js` default to the `javascript` evaluator, which every 3.x
/// server runs (`graaljs`, their old default, fails the workflow on 3.21.0 to 3.21.20).
#[tokio::test]
async fn inline_and_switch_js_run_with_their_default_evaluator() {
    let env = Env::start().await;
    let name = env.name("rsf_inline_default");
    let double = WorkflowTask::inline("double_ref", "$.value * 2").with_input_param("value", 21);
    let size = WorkflowTask::switch_js("size_ref", "$.n > 40 ? 'big' : 'small'")
        .with_input_param("n", "${double_ref.output.result}")
        .with_case(
            "big",
            vec![WorkflowTask::set_variable("big_ref").with_input_param("size", "big")],
        )
        .with_case(
            "small",
            vec![WorkflowTask::set_variable("small_ref").with_input_param("size", "small")],
        );
    assert_eq!(double.input_parameters["evaluatorType"], "javascript");
    assert_eq!(size.evaluator_type.as_deref(), Some("javascript"));
    let def = WorkflowDef::new(&name)
        .with_version(1)
        .with_task(double)
        .with_task(size)
        .with_output_param("doubled", "${double_ref.output.result}");
    env.register(&def).await;

    let id = env.start_workflow(&name).await;
    let workflow = finished(&env, &id).await;
    assert_eq!(
        workflow.status,
        WorkflowStatus::Completed,
        "{:?}",
        workflow.reason_for_incompletion
    );
    assert_eq!(number(&workflow.output["doubled"]), 42.0);
    assert_eq!(workflow.variables["size"], "big");
    assert_eq!(task(&workflow, "big_ref").status, TaskStatus::Completed);
}

/// `graaljs` set explicitly: 3.21.0 to 3.21.20 fail the workflow ("Unknown evaluator"), later
/// versions and the embedded server run it like `javascript`.
#[tokio::test]
async fn graaljs_runs_except_on_3_21_which_fails_the_workflow() {
    let env = Env::start().await;
    let name = env.name("rsf_graaljs");
    let def = WorkflowDef::new(&name).with_version(1).with_task(
        WorkflowTask::inline("double_ref", "$.value * 2")
            .with_input_param("value", 21)
            .with_input_param("evaluatorType", "graaljs"),
    );
    env.register(&def).await;

    let id = env.start_workflow(&name).await;
    let workflow = finished(&env, &id).await;
    let inline = task(&workflow, "double_ref");
    let version = server_version(&env).await;
    if version.as_deref().is_some_and(refuses_graaljs) {
        assert_eq!(workflow.status, WorkflowStatus::Failed);
        assert_eq!(inline.status, TaskStatus::FailedWithTerminalError);
        let reason = inline
            .reason_for_incompletion
            .as_deref()
            .unwrap_or_default();
        assert!(
            reason.contains("Unknown evaluator 'graaljs'"),
            "{version:?}: {reason}"
        );
    } else {
        assert_eq!(
            workflow.status,
            WorkflowStatus::Completed,
            "{version:?}: {:?}",
            workflow.reason_for_incompletion
        );
        assert_eq!(number(&inline.output_data["result"]), 42.0);
    }
}

/// A `JOIN` whose own reference name holds `__` (the JavaScript SDK's `fork()` names its joins
/// `__join_1`) waits for the forked tasks themselves, not for `a__join_1`: conductor-oss adds an
/// iteration suffix only to the join of a `DO_WHILE` iteration.
#[tokio::test]
async fn a_join_named_like_the_javascript_sdk_names_it_completes() {
    let env = Env::start().await;
    let name = env.name("rsf_join_name");
    let worker = env.name("rsf_join_worker");
    let branches = vec![
        vec![WorkflowTask::inline("a", "1")],
        vec![WorkflowTask::simple(&worker, "b")],
    ];
    let def = WorkflowDef::new(&name)
        .with_version(1)
        .with_task(WorkflowTask::fork_join("__fork_1", branches, "__join_1"))
        .with_task(WorkflowTask::join("__join_1", ["a", "b"]));
    env.register(&def).await;

    let id = env.start_workflow(&name).await;
    let b = env.poll_eventually(&worker).await;
    let running = env.workflows.get_workflow(&id).await.expect("the workflow");
    assert_eq!(running.status, WorkflowStatus::Running);
    assert!(!task(&running, "__join_1").status.is_terminal());

    env.complete(&b, json!({"x": 1})).await;
    let workflow = finished(&env, &id).await;
    assert_eq!(
        workflow.status,
        WorkflowStatus::Completed,
        "{:?}",
        workflow.reason_for_incompletion
    );
    let join = task(&workflow, "__join_1");
    assert_eq!(join.status, TaskStatus::Completed);
    assert_eq!(number(&join.output_data["a"]["result"]), 1.0);
    assert_eq!(join.output_data["b"], json!({"x": 1}));
}

/// `TaskResult::from_task` maps a `CANCELED` task to `FAILED`, like the Java SDK: servers before
/// 3.32 refuse a `CANCELED` result. The update is accepted (and changes nothing: the task stays
/// canceled).
#[tokio::test]
async fn a_result_built_from_a_canceled_task_is_accepted() {
    let env = Env::start().await;
    let name = env.name("rsf_canceled");
    let worker = env.name("rsf_canceled_worker");
    env.register(
        &WorkflowDef::new(&name)
            .with_version(1)
            .with_task(WorkflowTask::simple(&worker, "w")),
    )
    .await;
    let id = env.start_workflow(&name).await;
    let polled = env.poll_eventually(&worker).await;
    env.workflows
        .terminate_workflow(&id, Some("stopped by the test"))
        .await
        .expect("terminated");

    let canceled = eventually(
        "the task is canceled",
        || env.tasks.get_task(&polled.task_id),
        |task: &Task| task.status == TaskStatus::Canceled,
    )
    .await;
    let result = TaskResult::from_task(&canceled);
    assert_eq!(result.status, TaskResultStatus::Failed);
    assert_eq!(result.task_id, polled.task_id);
    env.tasks
        .update_task(&result)
        .await
        .expect("a FAILED result for a canceled task is accepted");

    let after = env.tasks.get_task(&polled.task_id).await.expect("the task");
    assert_eq!(after.status, TaskStatus::Canceled);
    assert_eq!(env.status_of(&id).await, WorkflowStatus::Terminated);
}

/// Decision cases keep the order they were added in: registered and read back (typed and raw),
/// as the server's `LinkedHashMap` keeps them.
#[tokio::test]
async fn decision_cases_keep_their_order_when_registered_and_read_back() {
    let env = Env::start().await;
    let name = env.name("rsf_case_order");
    let case = |value: &str| {
        vec![WorkflowTask::set_variable(format!("{value}_ref")).with_input_param("picked", value)]
    };
    let def = WorkflowDef::new(&name).with_version(1).with_task(
        WorkflowTask::switch("route_ref", "${workflow.input.kind}")
            .with_case("zeta", case("zeta"))
            .with_case("alpha", case("alpha"))
            .with_case("mid", case("mid")),
    );
    env.register(&def).await;

    let read = env
        .metadata
        .get_workflow_def(&name, Some(1))
        .await
        .expect("the definition");
    assert_eq!(
        read.tasks[0].decision_cases.keys().collect::<Vec<_>>(),
        ["zeta", "alpha", "mid"]
    );
    let raw = raw(
        &env,
        &format!("/metadata/workflow/{name}"),
        &[("version", "1")],
    )
    .await;
    let keys: Vec<&String> = raw["tasks"][0]["decisionCases"]
        .as_object()
        .expect("decisionCases is an object")
        .keys()
        .collect();
    assert_eq!(keys, ["zeta", "alpha", "mid"]);

    // Read back and registered again (a new version), the order survives.
    env.register(&WorkflowDef { version: 2, ..read }).await;
    let again = env
        .metadata
        .get_workflow_def(&name, Some(2))
        .await
        .expect("version 2");
    assert_eq!(
        again.tasks[0].decision_cases.keys().collect::<Vec<_>>(),
        ["zeta", "alpha", "mid"]
    );
}

/// A `StateChangeConfig` serialises to the `onStateChange` form the server stores, and
/// deserialises back from it.
#[tokio::test]
async fn state_change_config_is_the_on_state_change_the_server_stores() {
    let env = Env::start().await;
    let name = env.name("rsf_state_change");
    let config = StateChangeConfig::new()
        .with_event(
            StateChangeEvent::new(StateChangeEventType::OnStart)
                .with_type("task_audit")
                .with_payload_value("task", "${task.taskDefName}"),
        )
        .with_event(
            StateChangeEvent::new(StateChangeEventType::OnFailed)
                .with_trigger(StateChangeEventType::OnCancelled)
                .with_type("task_alerts"),
        );
    let def = WorkflowDef::new(&name).with_version(1).with_task(
        WorkflowTask::simple(env.name("rsf_state_change_worker"), "work_ref")
            .with_state_change(config.clone()),
    );
    env.register(&def).await;

    let raw = raw(
        &env,
        &format!("/metadata/workflow/{name}"),
        &[("version", "1")],
    )
    .await;
    let stored = &raw["tasks"][0]["onStateChange"];
    assert_eq!(*stored, serde_json::to_value(&config).expect("serialises"));
    // Same events per trigger. (The order of the triggers may differ: the embedded server keeps
    // `onStateChange` sorted, conductor-oss in insertion order; the server looks triggers up.)
    let back: StateChangeConfig = serde_json::from_value(stored.clone()).expect("deserialises");
    assert_eq!(back.into_wire(), config.into_wire());
}

/// A workflow and a task read from the server serialise back to exactly the JSON the server sent:
/// no key lost, none added (3.21 sends no `executionMetadata`, no `maxRetryDelaySeconds`...).
#[tokio::test]
async fn executions_read_from_the_server_round_trip_key_for_key() {
    let env = Env::start().await;
    let name = env.name("rsf_round_trip");
    let worker = env.name("rsf_round_trip_worker");
    let def = WorkflowDef::new(&name)
        .with_version(1)
        .with_task(
            WorkflowTask::simple(&worker, "work_ref")
                .with_input_param("orderId", "${workflow.input.orderId}"),
        )
        .with_task(
            WorkflowTask::inline("double_ref", "$.amount * 2")
                .with_input_param("amount", "${work_ref.output.amount}"),
        )
        .with_output_param("doubled", "${double_ref.output.result}");
    env.register(&def).await;
    let id = env.start_with(&name, json!({"orderId": "o-42"})).await;
    let work = env.poll_eventually(&worker).await;
    env.complete(&work, json!({"amount": 21})).await;
    assert_eq!(finished(&env, &id).await.status, WorkflowStatus::Completed);

    let reads = [
        (
            format!("/workflow/{id}"),
            [("includeTasks", "true")].as_slice(),
        ),
        (format!("/tasks/{}", work.task_id), [].as_slice()),
    ];
    for (path, query) in reads {
        let sent = raw(&env, &path, query).await;
        let output = if path.starts_with("/workflow/") {
            let typed: Workflow = serde_json::from_value(sent.clone()).expect("a workflow");
            serde_json::to_value(&typed)
        } else {
            let typed: Task = serde_json::from_value(sent.clone()).expect("a task");
            serde_json::to_value(&typed)
        }
        .expect("serialises");
        assert_eq!(output, sent, "GET {path}");
    }
}
