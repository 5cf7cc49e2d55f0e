//! `MetadataClient` against the dev server over real HTTP: every method, with the answers and
//! errors OSS gives (409 for a duplicate workflow version, 404 for unknown definitions, 400 with
//! `validationErrors` for invalid ones), plus `ConductorClient::health` / `version`.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use conductor_client::ConductorClient;
use conductor_client::models::{RetryLogic, TaskDef, TimeoutPolicy, WorkflowDef, WorkflowTask};
use support::{EPOCH_MILLIS, Env, assert_status, linear_def};

fn versions_of(defs: &[WorkflowDef], name: &str) -> Vec<i32> {
    let mut versions: Vec<i32> = defs
        .iter()
        .filter(|d| d.name == name)
        .map(|d| d.version)
        .collect();
    versions.sort_unstable();
    versions
}

#[tokio::test]
async fn health_and_version() {
    let env = Env::start().await;
    let health = env.client.health().await.unwrap();
    assert!(health.healthy);
    assert!(health.health_results.is_empty());
    assert_eq!(
        env.client.version().await.unwrap(),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(env.client.configuration().server_url(), env.server.url());
    // A client wrapping an existing `ApiClient` shares its connection pool and settings.
    let shared = ConductorClient::from_api_client(env.client.api_client().clone());
    assert_eq!(shared.configuration().server_url(), env.server.url());
    assert!(shared.health().await.unwrap().healthy);
    let names = shared.metadata_client().get_workflow_names().await.unwrap();
    assert!(names.is_empty());
}

#[tokio::test]
async fn workflow_definitions_register_read_list_and_delete() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let v1 = linear_def("orders", &["pack"]).with_description("first");
    let v2 = linear_def("orders", &["pack", "ship"]).with_version(2);
    metadata.register_workflow_def(&v1).await.unwrap();
    metadata.register_workflow_def(&v2).await.unwrap();
    env.register_linear("billing", &["bill"]).await;

    // A second registration of the same name and version is a conflict.
    let error = assert_status(
        metadata.register_workflow_def(&v1).await,
        409,
        "Workflow with orders.1 already exists!",
    );
    assert!(error.is_conflict());

    // Reads: latest by default, or the version asked for.
    let latest = metadata.get_workflow_def("orders", None).await.unwrap();
    assert_eq!(latest.version, 2);
    assert_eq!(latest.tasks.len(), 2);
    assert_eq!(latest.create_time, Some(EPOCH_MILLIS));
    let first = metadata.get_workflow_def("orders", Some(1)).await.unwrap();
    assert_eq!(first.description.as_deref(), Some("first"));
    assert_eq!(first.tasks[0].task_reference_name, "pack_ref");
    let error = assert_status(
        metadata.get_workflow_def("orders", Some(9)).await,
        404,
        "No such workflow found by name: orders, version: 9",
    );
    assert!(error.is_not_found());
    assert!(
        metadata
            .workflow_def_exists("orders", Some(1))
            .await
            .unwrap()
    );
    assert!(metadata.workflow_def_exists("orders", None).await.unwrap());
    assert!(
        !metadata
            .workflow_def_exists("orders", Some(9))
            .await
            .unwrap()
    );
    assert!(!metadata.workflow_def_exists("nothing", None).await.unwrap());

    // Lists.
    let all = metadata.get_all_workflow_defs().await.unwrap();
    assert_eq!(versions_of(&all, "orders"), [1, 2]);
    assert_eq!(versions_of(&all, "billing"), [1]);
    let plain = metadata
        .get_workflow_defs_by_classifier("workflow")
        .await
        .unwrap();
    assert_eq!(versions_of(&plain, "orders"), [1, 2]);
    assert!(
        metadata
            .get_workflow_defs_by_classifier("agent")
            .await
            .unwrap()
            .is_empty()
    );
    let orders: Vec<i32> = metadata
        .get_all_workflow_def_versions("orders")
        .await
        .unwrap()
        .iter()
        .map(|d| d.version)
        .collect();
    assert_eq!(orders, [1, 2]);
    let summaries = metadata.get_workflow_def_versions("orders").await.unwrap();
    assert_eq!(
        summaries
            .iter()
            .map(|s| (s.name.as_str(), s.version))
            .collect::<Vec<_>>(),
        [("orders", 1), ("orders", 2)]
    );
    assert_eq!(summaries[0].create_time, Some(EPOCH_MILLIS));
    assert!(
        metadata
            .get_workflow_def_versions("nothing")
            .await
            .unwrap()
            .is_empty()
    );
    let latest = metadata.get_latest_workflow_defs().await.unwrap();
    assert_eq!(versions_of(&latest, "orders"), [2]);
    assert_eq!(versions_of(&latest, "billing"), [1]);
    let mut names = metadata.get_workflow_names().await.unwrap();
    names.sort();
    assert_eq!(names, ["billing", "orders"]);
    let names_and_versions = metadata.get_workflow_names_and_versions().await.unwrap();
    assert_eq!(
        names_and_versions["orders"]
            .iter()
            .map(|s| s.version)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(names_and_versions["billing"].len(), 1);

    // Delete one version, then the other: the name disappears.
    metadata.delete_workflow_def("orders", 1).await.unwrap();
    assert!(
        !metadata
            .workflow_def_exists("orders", Some(1))
            .await
            .unwrap()
    );
    assert_eq!(
        metadata
            .get_workflow_def("orders", None)
            .await
            .unwrap()
            .version,
        2
    );
    let error = assert_status(
        metadata.delete_workflow_def("orders", 1).await,
        404,
        "No such workflow definition: orders version: 1",
    );
    assert!(error.is_not_found());
    metadata.delete_workflow_def("orders", 2).await.unwrap();
    assert_eq!(metadata.get_workflow_names().await.unwrap(), ["billing"]);
}

#[tokio::test]
async fn workflow_definitions_upsert_and_bulk_update() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let def = linear_def("upserted", &["a"]).with_description("one");

    // register_or_update creates, then replaces (overwrite=true), keeping the creation time.
    metadata
        .register_or_update_workflow_def(&def)
        .await
        .unwrap();
    env.advance(std::time::Duration::from_secs(5));
    metadata
        .register_or_update_workflow_def(&def.clone().with_description("two"))
        .await
        .unwrap();
    let stored = metadata
        .get_workflow_def("upserted", Some(1))
        .await
        .unwrap();
    assert_eq!(stored.description.as_deref(), Some("two"));
    assert_eq!(stored.create_time, Some(EPOCH_MILLIS));
    assert_eq!(stored.update_time, Some(EPOCH_MILLIS + 5_000));

    // update_workflow_def replaces an existing definition and creates a missing one.
    metadata
        .update_workflow_def(&def.clone().with_description("three"))
        .await
        .unwrap();
    assert_eq!(
        metadata
            .get_workflow_def("upserted", Some(1))
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("three")
    );
    metadata
        .update_workflow_def(&linear_def("created_by_update", &["b"]))
        .await
        .unwrap();
    assert!(
        metadata
            .workflow_def_exists("created_by_update", Some(1))
            .await
            .unwrap()
    );

    // Several at once: the answer lists the names updated.
    let response = metadata
        .update_workflow_defs(&[
            linear_def("bulk_a", &["a"]),
            linear_def("bulk_b", &["b"]).with_version(3),
        ])
        .await
        .unwrap();
    assert_eq!(response.bulk_successful_results, ["bulk_a", "bulk_b"]);
    assert!(response.is_all_successful());
    assert!(
        metadata
            .workflow_def_exists("bulk_b", Some(3))
            .await
            .unwrap()
    );

    // An invalid element fails the whole request with 400, and so does an empty list.
    let error = assert_status(
        metadata
            .update_workflow_defs(&[linear_def("fine", &["a"]), WorkflowDef::new("empty")])
            .await,
        400,
        "Validation failed",
    );
    assert!(
        error
            .validation_errors()
            .iter()
            .any(|v| v.message.contains("WorkflowTask list cannot be empty")),
        "{error:?}"
    );
    assert!(!metadata.workflow_def_exists("fine", None).await.unwrap());
    let error = assert_status(metadata.update_workflow_defs(&[]).await, 400, "Validation");
    assert!(!error.validation_errors().is_empty());
}

#[tokio::test]
async fn invalid_workflow_definitions_are_rejected_with_validation_errors() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    metadata
        .validate_workflow_def(&linear_def("valid", &["a", "b"]))
        .await
        .unwrap();
    // Validation registers nothing.
    assert!(!metadata.workflow_def_exists("valid", None).await.unwrap());

    let duplicate_refs = WorkflowDef::new("dup")
        .with_task(WorkflowTask::simple("a", "same"))
        .with_task(WorkflowTask::simple("b", "same"));
    let error = assert_status(
        metadata.validate_workflow_def(&duplicate_refs).await,
        400,
        "Validation failed, check below errors for detail.",
    );
    assert!(
        error
            .validation_errors()
            .iter()
            .any(|v| v.message.contains("same should be unique")),
        "{:?}",
        error.validation_errors()
    );

    let error = assert_status(
        metadata
            .register_workflow_def(&WorkflowDef::new("no_tasks"))
            .await,
        400,
        "Validation failed",
    );
    assert!(
        error
            .validation_errors()
            .iter()
            .any(|v| v.message == "WorkflowTask list cannot be empty"),
        "{:?}",
        error.validation_errors()
    );
    assert!(
        !metadata
            .workflow_def_exists("no_tasks", None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn task_definitions_register_read_update_and_delete() {
    let env = Env::start().await;
    let metadata = &env.metadata;

    metadata
        .register_task_def(&TaskDef::new("encode"))
        .await
        .unwrap();
    let stored = metadata.get_task_def("encode").await.unwrap();
    // The server's defaults.
    assert_eq!(stored.retry_count, 3);
    assert_eq!(stored.retry_delay_seconds, 60);
    assert_eq!(stored.response_timeout_seconds, 3600);
    assert_eq!(stored.create_time, Some(EPOCH_MILLIS));

    metadata
        .register_task_defs(&[
            TaskDef::new("resize").with_retry(5, RetryLogic::ExponentialBackoff, 2),
            TaskDef::new("upload").with_timeout(120, TimeoutPolicy::Retry),
        ])
        .await
        .unwrap();
    let mut names: Vec<String> = metadata
        .get_all_task_defs()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    assert_eq!(names, ["encode", "resize", "upload"]);
    let resize = metadata.get_task_def("resize").await.unwrap();
    assert_eq!(resize.retry_count, 5);
    assert_eq!(resize.retry_logic, RetryLogic::ExponentialBackoff);
    assert!(metadata.task_def_exists("upload").await.unwrap());
    assert!(!metadata.task_def_exists("nothing").await.unwrap());

    // Registering again is an upsert, not a conflict.
    metadata
        .register_task_def(&TaskDef::new("encode").with_description("again"))
        .await
        .unwrap();
    assert_eq!(
        metadata
            .get_task_def("encode")
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("again")
    );

    // Update: only an existing definition.
    env.advance(std::time::Duration::from_secs(1));
    metadata
        .update_task_def(&TaskDef::new("encode").with_description("updated"))
        .await
        .unwrap();
    let updated = metadata.get_task_def("encode").await.unwrap();
    assert_eq!(updated.description.as_deref(), Some("updated"));
    assert_eq!(updated.update_time, Some(EPOCH_MILLIS + 1_000));
    let error = assert_status(
        metadata.update_task_def(&TaskDef::new("nothing")).await,
        404,
        "No such task by name nothing",
    );
    assert!(error.is_not_found());

    // Invalid definitions: 400 with the constraint that failed.
    let error = assert_status(
        metadata
            .register_task_def(
                &TaskDef::new("too_slow")
                    .with_timeout(10, TimeoutPolicy::TimeOutWf)
                    .with_response_timeout(20),
            )
            .await,
        400,
        "Validation failed",
    );
    assert!(
        error.validation_errors().iter().any(|v| v
            .message
            .contains("responseTimeoutSeconds: 20 must be less than timeoutSeconds: 10")),
        "{:?}",
        error.validation_errors()
    );
    assert!(!metadata.task_def_exists("too_slow").await.unwrap());
    let error = assert_status(metadata.register_task_defs(&[]).await, 400, "Validation");
    assert!(!error.validation_errors().is_empty());

    // Delete.
    metadata.delete_task_def("encode").await.unwrap();
    let error = assert_status(
        metadata.get_task_def("encode").await,
        404,
        "No such taskType found by name: encode",
    );
    assert!(error.is_not_found());
    let error = assert_status(
        metadata.delete_task_def("encode").await,
        404,
        "No such task definition",
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn names_with_reserved_characters_round_trip() {
    let env = Env::start().await;
    let name = "billing/v2 #1?";
    env.register_linear(name, &["a"]).await;
    assert_eq!(
        env.metadata
            .get_workflow_def(name, None)
            .await
            .unwrap()
            .name,
        name
    );
    env.metadata
        .register_task_def(&TaskDef::new(name))
        .await
        .unwrap();
    assert_eq!(env.metadata.get_task_def(name).await.unwrap().name, name);
    env.metadata.delete_task_def(name).await.unwrap();
    env.metadata.delete_workflow_def(name, 1).await.unwrap();
    assert!(!env.metadata.workflow_def_exists(name, None).await.unwrap());
}
