//! `MetadataClient` over real HTTP against the server under test (the embedded server, or the
//! one of `CONDUCTOR_TEST_SERVER_URL`): every method, with the answers and errors OSS gives (409
//! for a duplicate workflow version, 404 for unknown definitions, 400 with `validationErrors` for
//! invalid ones), plus `ConductorClient::health` / `version`.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use conductor_client::ConductorClient;
use conductor_client::models::{RetryLogic, TaskDef, TimeoutPolicy, WorkflowDef, WorkflowTask};
use conductor_test_support::external_server_version;
use support::{Env, assert_between, assert_status, linear_def};

fn versions_of(defs: &[WorkflowDef], name: &str) -> Vec<i32> {
    let mut versions: Vec<i32> = defs
        .iter()
        .filter(|d| d.name == name)
        .map(|d| d.version)
        .collect();
    versions.sort_unstable();
    versions
}

/// The names of `names` that are among `ours`, sorted.
fn ours_of(names: impl IntoIterator<Item = String>, ours: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = names
        .into_iter()
        .filter(|n| ours.contains(&n.as_str()))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn health_and_version() {
    let env = Env::start().await;
    let health = env.client.health().await.unwrap();
    assert!(health.healthy);
    assert!(health.health_results.is_empty());
    let version = env.client.version().await.unwrap();
    if env.is_external() {
        if let Some(expected) = external_server_version() {
            assert_eq!(version, expected);
        }
        assert!(!version.is_empty());
    } else {
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }
    assert_eq!(env.client.configuration().server_url(), env.url);
    // A client wrapping an existing `ApiClient` shares its connection pool and settings.
    let shared = ConductorClient::from_api_client(env.client.api_client().clone());
    assert_eq!(shared.configuration().server_url(), env.url);
    assert!(shared.health().await.unwrap().healthy);
    let name = env.name("health_check");
    env.register_linear(&name, &["a"]).await;
    let names = shared.metadata_client().get_workflow_names().await.unwrap();
    assert!(names.contains(&name), "{names:?}");
    env.metadata.delete_workflow_def(&name, 1).await.unwrap();
}

#[tokio::test]
async fn workflow_definitions_register_read_list_and_delete() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let orders = env.name("orders");
    let billing = env.name("billing");
    let nothing = env.name("nothing");
    let pack = env.name("pack");
    let before = env.now();
    let v1 = linear_def(&orders, &[&pack]).with_description("first");
    let v2 = linear_def(&orders, &[&pack, "ship"]).with_version(2);
    metadata.register_workflow_def(&v1).await.unwrap();
    metadata.register_workflow_def(&v2).await.unwrap();
    env.register_linear(&billing, &["bill"]).await;
    let after = env.now();

    // A second registration of the same name and version is a conflict.
    let error = assert_status(
        metadata.register_workflow_def(&v1).await,
        409,
        &format!("Workflow with {orders}.1 already exists!"),
    );
    assert!(error.is_conflict());

    // Reads: latest by default, or the version asked for.
    let latest = metadata.get_workflow_def(&orders, None).await.unwrap();
    assert_eq!(latest.version, 2);
    assert_eq!(latest.tasks.len(), 2);
    assert_between(latest.create_time.unwrap(), before, after);
    let first = metadata.get_workflow_def(&orders, Some(1)).await.unwrap();
    assert_eq!(first.description.as_deref(), Some("first"));
    assert_eq!(first.tasks[0].task_reference_name, format!("{pack}_ref"));
    let error = assert_status(
        metadata.get_workflow_def(&orders, Some(9)).await,
        404,
        &format!("No such workflow found by name: {orders}, version: 9"),
    );
    assert!(error.is_not_found());
    assert!(
        metadata
            .workflow_def_exists(&orders, Some(1))
            .await
            .unwrap()
    );
    assert!(metadata.workflow_def_exists(&orders, None).await.unwrap());
    assert!(
        !metadata
            .workflow_def_exists(&orders, Some(9))
            .await
            .unwrap()
    );
    assert!(!metadata.workflow_def_exists(&nothing, None).await.unwrap());

    // Lists.
    let all = metadata.get_all_workflow_defs().await.unwrap();
    assert_eq!(versions_of(&all, &orders), [1, 2]);
    assert_eq!(versions_of(&all, &billing), [1]);
    let plain = metadata
        .get_workflow_defs_by_classifier("workflow")
        .await
        .unwrap();
    assert_eq!(versions_of(&plain, &orders), [1, 2]);
    // Servers before conductor-oss 3.31.2 ignore the classifier.
    let agents = metadata
        .get_workflow_defs_by_classifier("agent")
        .await
        .unwrap();
    let expected: &[i32] = if env.older_than((3, 31, 2)) {
        &[1, 2]
    } else {
        &[]
    };
    assert_eq!(versions_of(&agents, &orders), expected);
    let versions: Vec<i32> = metadata
        .get_all_workflow_def_versions(&orders)
        .await
        .unwrap()
        .iter()
        .map(|d| d.version)
        .collect();
    assert_eq!(versions, [1, 2]);
    let summaries = metadata.get_workflow_def_versions(&orders).await.unwrap();
    assert_eq!(
        summaries
            .iter()
            .map(|s| (s.name.as_str(), s.version))
            .collect::<Vec<_>>(),
        [(orders.as_str(), 1), (orders.as_str(), 2)]
    );
    assert_between(summaries[0].create_time.unwrap(), before, after);
    assert!(
        metadata
            .get_workflow_def_versions(&nothing)
            .await
            .unwrap()
            .is_empty()
    );
    let latest = metadata.get_latest_workflow_defs().await.unwrap();
    assert_eq!(versions_of(&latest, &orders), [2]);
    assert_eq!(versions_of(&latest, &billing), [1]);
    let ours = [billing.as_str(), orders.as_str()];
    let mut both = vec![billing.clone(), orders.clone()];
    both.sort();
    assert_eq!(
        ours_of(metadata.get_workflow_names().await.unwrap(), &ours),
        both
    );
    let names_and_versions = metadata.get_workflow_names_and_versions().await.unwrap();
    assert_eq!(
        names_and_versions[&orders]
            .iter()
            .map(|s| s.version)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(names_and_versions[&billing].len(), 1);

    // Delete one version, then the other: the name disappears.
    metadata.delete_workflow_def(&orders, 1).await.unwrap();
    assert!(
        !metadata
            .workflow_def_exists(&orders, Some(1))
            .await
            .unwrap()
    );
    assert_eq!(
        metadata
            .get_workflow_def(&orders, None)
            .await
            .unwrap()
            .version,
        2
    );
    let error = assert_status(
        metadata.delete_workflow_def(&orders, 1).await,
        404,
        &format!("No such workflow definition: {orders} version: 1"),
    );
    assert!(error.is_not_found());
    metadata.delete_workflow_def(&orders, 2).await.unwrap();
    assert_eq!(
        ours_of(metadata.get_workflow_names().await.unwrap(), &ours),
        std::slice::from_ref(&billing)
    );
    metadata.delete_workflow_def(&billing, 1).await.unwrap();
}

#[tokio::test]
async fn workflow_definitions_upsert_and_bulk_update() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let upserted = env.name("upserted");
    let def = linear_def(&upserted, &["a"]).with_description("one");

    // register_or_update creates (no update time yet: 0), then replaces the whole definition,
    // creation time included: an update stores the one the request carries (none here: 0).
    let before_create = env.now();
    metadata
        .register_or_update_workflow_def(&def)
        .await
        .unwrap();
    let created = metadata.get_workflow_def(&upserted, Some(1)).await.unwrap();
    assert_between(created.create_time.unwrap(), before_create, env.now());
    assert_eq!(created.update_time, Some(0));
    env.tick().await;
    let before_update = env.now();
    metadata
        .register_or_update_workflow_def(&def.clone().with_description("two"))
        .await
        .unwrap();
    let after_update = env.now();
    let stored = metadata.get_workflow_def(&upserted, Some(1)).await.unwrap();
    assert_eq!(stored.description.as_deref(), Some("two"));
    assert_eq!(stored.create_time, Some(0));
    assert_between(stored.update_time.unwrap(), before_update, after_update);
    // Keeping the creation time is up to the caller.
    let mut kept = def.clone().with_description("kept");
    kept.create_time = created.create_time;
    metadata
        .register_or_update_workflow_def(&kept)
        .await
        .unwrap();
    assert_eq!(
        metadata
            .get_workflow_def(&upserted, Some(1))
            .await
            .unwrap()
            .create_time,
        created.create_time
    );

    // update_workflow_def replaces an existing definition and creates a missing one.
    metadata
        .update_workflow_def(&def.clone().with_description("three"))
        .await
        .unwrap();
    assert_eq!(
        metadata
            .get_workflow_def(&upserted, Some(1))
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("three")
    );
    let created_by_update = env.name("created_by_update");
    metadata
        .update_workflow_def(&linear_def(&created_by_update, &["b"]))
        .await
        .unwrap();
    assert!(
        metadata
            .workflow_def_exists(&created_by_update, Some(1))
            .await
            .unwrap()
    );

    // Several at once: the answer lists the names updated.
    let bulk_a = env.name("bulk_a");
    let bulk_b = env.name("bulk_b");
    let response = metadata
        .update_workflow_defs(&[
            linear_def(&bulk_a, &["a"]),
            linear_def(&bulk_b, &["b"]).with_version(3),
        ])
        .await
        .unwrap();
    assert_eq!(
        response.bulk_successful_results,
        [bulk_a.clone(), bulk_b.clone()]
    );
    assert!(response.is_all_successful());
    assert!(
        metadata
            .workflow_def_exists(&bulk_b, Some(3))
            .await
            .unwrap()
    );

    // An invalid element fails the whole request with 400, and so does an empty list.
    let fine = env.name("fine");
    let error = assert_status(
        metadata
            .update_workflow_defs(&[
                linear_def(&fine, &["a"]),
                WorkflowDef::new(env.name("empty")),
            ])
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
    assert!(!metadata.workflow_def_exists(&fine, None).await.unwrap());
    let error = assert_status(metadata.update_workflow_defs(&[]).await, 400, "Validation");
    assert!(!error.validation_errors().is_empty());
}

#[tokio::test]
async fn invalid_workflow_definitions_are_rejected_with_validation_errors() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let valid = env.name("valid");
    metadata
        .validate_workflow_def(&linear_def(&valid, &["a", "b"]))
        .await
        .unwrap();
    // Validation registers nothing.
    assert!(!metadata.workflow_def_exists(&valid, None).await.unwrap());

    let duplicate_refs = WorkflowDef::new(env.name("dup"))
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

    let no_tasks = env.name("no_tasks");
    let error = assert_status(
        metadata
            .register_workflow_def(&WorkflowDef::new(&no_tasks))
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
    assert!(!metadata.workflow_def_exists(&no_tasks, None).await.unwrap());
}

#[tokio::test]
async fn task_definitions_register_read_update_and_delete() {
    let env = Env::start().await;
    let metadata = &env.metadata;
    let encode = env.name("encode");
    let resize = env.name("resize");
    let upload = env.name("upload");
    let nothing = env.name("nothing");

    let before = env.now();
    metadata
        .register_task_def(&TaskDef::new(&encode))
        .await
        .unwrap();
    let stored = metadata.get_task_def(&encode).await.unwrap();
    // The server's defaults.
    assert_eq!(stored.retry_count, 3);
    assert_eq!(stored.retry_delay_seconds, 60);
    assert_eq!(stored.response_timeout_seconds, 3600);
    assert_between(stored.create_time.unwrap(), before, env.now());

    metadata
        .register_task_defs(&[
            TaskDef::new(&resize).with_retry(5, RetryLogic::ExponentialBackoff, 2),
            TaskDef::new(&upload).with_timeout(120, TimeoutPolicy::Retry),
        ])
        .await
        .unwrap();
    let ours = [encode.as_str(), resize.as_str(), upload.as_str()];
    let mut all_three = vec![encode.clone(), resize.clone(), upload.clone()];
    all_three.sort();
    assert_eq!(
        ours_of(
            metadata
                .get_all_task_defs()
                .await
                .unwrap()
                .into_iter()
                .map(|d| d.name),
            &ours
        ),
        all_three
    );
    let stored_resize = metadata.get_task_def(&resize).await.unwrap();
    assert_eq!(stored_resize.retry_count, 5);
    assert_eq!(stored_resize.retry_logic, RetryLogic::ExponentialBackoff);
    assert!(metadata.task_def_exists(&upload).await.unwrap());
    assert!(!metadata.task_def_exists(&nothing).await.unwrap());

    // Registering again is an upsert, not a conflict.
    metadata
        .register_task_def(&TaskDef::new(&encode).with_description("again"))
        .await
        .unwrap();
    assert_eq!(
        metadata
            .get_task_def(&encode)
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("again")
    );

    // Update: only an existing definition.
    env.tick().await;
    let before_update = env.now();
    metadata
        .update_task_def(&TaskDef::new(&encode).with_description("updated"))
        .await
        .unwrap();
    let updated = metadata.get_task_def(&encode).await.unwrap();
    assert_eq!(updated.description.as_deref(), Some("updated"));
    assert_between(updated.update_time.unwrap(), before_update, env.now());
    let error = assert_status(
        metadata.update_task_def(&TaskDef::new(&nothing)).await,
        404,
        &format!("No such task by name {nothing}"),
    );
    assert!(error.is_not_found());

    // Invalid definitions: 400 with the constraint that failed.
    let too_slow = env.name("too_slow");
    let error = assert_status(
        metadata
            .register_task_def(
                &TaskDef::new(&too_slow)
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
    assert!(!metadata.task_def_exists(&too_slow).await.unwrap());
    let error = assert_status(metadata.register_task_defs(&[]).await, 400, "Validation");
    assert!(!error.validation_errors().is_empty());

    // Delete.
    metadata.delete_task_def(&encode).await.unwrap();
    let error = assert_status(
        metadata.get_task_def(&encode).await,
        404,
        &format!("No such taskType found by name: {encode}"),
    );
    assert!(error.is_not_found());
    let error = assert_status(
        metadata.delete_task_def(&encode).await,
        404,
        "No such task definition",
    );
    assert!(error.is_not_found());
    for name in [&resize, &upload] {
        metadata.delete_task_def(name).await.unwrap();
    }
}

#[tokio::test]
async fn names_with_reserved_characters_round_trip() {
    let env = Env::start().await;
    // Not `/`: conductor-oss's Tomcat refuses an encoded slash in a path (HTML 400).
    let name = format!("{} v2 #1?&+%;", env.name("billing"));
    env.register_linear(&name, &["a"]).await;
    assert_eq!(
        env.metadata
            .get_workflow_def(&name, None)
            .await
            .unwrap()
            .name,
        name
    );
    env.metadata
        .register_task_def(&TaskDef::new(&name))
        .await
        .unwrap();
    assert_eq!(env.metadata.get_task_def(&name).await.unwrap().name, name);
    env.metadata.delete_task_def(&name).await.unwrap();
    env.metadata.delete_workflow_def(&name, 1).await.unwrap();
    assert!(!env.metadata.workflow_def_exists(&name, None).await.unwrap());

    // A name with a slash registers (it travels in the body) but cannot be read by name.
    let slashed = format!("{}/v2", env.name("billing"));
    env.register_linear(&slashed, &["a"]).await;
    let error = env
        .metadata
        .get_workflow_def(&slashed, None)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
}
