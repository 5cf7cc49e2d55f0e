//! `WorkflowClient` against the dev server over real HTTP, many executions at a time: searches
//! (structured query, free text, sort, paging, classifier, top-level-only, by task fields),
//! correlation-id lookups, running ids, and every bulk operation with its per-id results.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

use std::time::Duration;

use conductor_client::models::{StartWorkflowRequest, TaskStatus, WorkflowStatus};
use conductor_client::{
    CorrelationOptions, GetWorkflowOptions, RemoveOptions, RestartOptions, RunningWorkflowsOptions,
    SearchQuery, TerminateOptions, TerminateRemoveOptions,
};
use serde_json::json;
use support::{EPOCH_MILLIS, Env, assert_status, linear_def};

/// Starts `count` executions of `name`, one second apart, with input `{"n": i}` and correlation
/// id `{name}-{i % 2}`; returns their ids in start order.
async fn start_many(env: &Env, name: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        env.advance(Duration::from_secs(1));
        let request = StartWorkflowRequest::new(name)
            .with_input_value("n", i)
            .with_correlation_id(format!("{name}-{}", i % 2));
        ids.push(env.workflows.start_workflow(&request).await.unwrap());
    }
    ids
}

#[tokio::test]
async fn workflow_search_filters_sorts_and_pages() {
    let env = Env::start().await;
    env.register_linear("shop", &["cart"]).await;
    env.register_linear("audit", &["log_it"]).await;
    let shop = start_many(&env, "shop", 4).await;
    let audit = start_many(&env, "audit", 1).await;
    env.workflows
        .terminate_workflow(&shop[3], Some("cancelled"))
        .await
        .unwrap();

    // Structured query: summaries, newest first by default order of the sort asked for.
    let running = env
        .workflows
        .search_workflows(
            &SearchQuery::new()
                .query("workflowType = 'shop' AND status = 'RUNNING'")
                .sort("startTime:DESC"),
        )
        .await
        .unwrap();
    assert_eq!(running.total_hits, 3);
    assert_eq!(
        running
            .results
            .iter()
            .map(|s| s.workflow_id.as_str())
            .collect::<Vec<_>>(),
        [shop[2].as_str(), shop[1].as_str(), shop[0].as_str()]
    );
    let first = running.results.last().unwrap();
    assert_eq!(first.workflow_type, "shop");
    assert_eq!(first.version, 1);
    assert_eq!(first.status, WorkflowStatus::Running);
    assert_eq!(first.correlation_id.as_deref(), Some("shop-0"));
    // Summary times are UTC strings.
    assert_eq!(
        first.start_time.as_deref(),
        Some("2023-11-14T22:13:21.000Z")
    );

    // Paging with a secondary sort key.
    let page = env
        .workflows
        .search_workflows(
            &SearchQuery::new()
                .query("workflowType = 'shop'")
                .sort("status:ASC")
                .sort("startTime:ASC")
                .start(1)
                .size(2),
        )
        .await
        .unwrap();
    assert_eq!(page.total_hits, 4);
    assert_eq!(
        page.results
            .iter()
            .map(|s| s.workflow_id.as_str())
            .collect::<Vec<_>>(),
        [shop[1].as_str(), shop[2].as_str()]
    );

    // IN, and full workflows from search-v2.
    let ended = env
        .workflows
        .search_workflows_v2(&SearchQuery::new().query("status IN (TERMINATED,FAILED)"))
        .await
        .unwrap();
    assert_eq!(ended.total_hits, 1);
    assert_eq!(ended.results[0].workflow_id, shop[3]);
    assert_eq!(
        ended.results[0].reason_for_incompletion.as_deref(),
        Some("cancelled")
    );

    // Free text.
    let by_text = env
        .workflows
        .search_workflows(&SearchQuery::new().free_text(audit[0].as_str()))
        .await
        .unwrap();
    assert_eq!(by_text.total_hits, 1);
    assert_eq!(by_text.results[0].workflow_type, "audit");
    let everything = env
        .workflows
        .search_workflows(&SearchQuery::new().free_text("*"))
        .await
        .unwrap();
    assert_eq!(everything.total_hits, 5);

    // Classifier and top-level-only are folded into the query, as OSS does: every execution
    // here is a plain, top-level workflow.
    let plain = env
        .workflows
        .search_workflows(
            &SearchQuery::new()
                .query("workflowType = 'audit'")
                .classifier("workflow")
                .top_level_only(true),
        )
        .await
        .unwrap();
    assert_eq!(plain.total_hits, 1);
    let agents = env
        .workflows
        .search_workflows_v2(&SearchQuery::new().classifier("agent"))
        .await
        .unwrap();
    assert_eq!(agents.total_hits, 0);

    // OSS caps a page at 5000 workflows.
    let error = assert_status(
        env.workflows
            .search_workflows(&SearchQuery::new().size(5001))
            .await,
        400,
        "Cannot return more than 5000 workflows",
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn workflows_are_found_by_the_fields_of_their_tasks() {
    let env = Env::start().await;
    env.register_linear("pipeline", &["extract", "load"]).await;
    let ids = start_many(&env, "pipeline", 3).await;
    // The first execution reaches `load`.
    let extract = env.poll("extract").await;
    assert_eq!(extract.workflow_instance_id, ids[0]);
    env.complete(&extract, json!({})).await;

    let loading = env
        .workflows
        .search_workflows_by_tasks(&SearchQuery::new().query("taskType = 'load'"))
        .await
        .unwrap();
    assert_eq!(loading.total_hits, 1);
    assert_eq!(loading.results[0].workflow_id, ids[0]);
    let extracting = env
        .workflows
        .search_workflows_by_tasks_v2(
            &SearchQuery::new()
                .query("taskType = 'extract' AND status = 'SCHEDULED'")
                .sort("startTime:ASC"),
        )
        .await
        .unwrap();
    assert_eq!(
        extracting
            .results
            .iter()
            .map(|w| w.workflow_id.as_str())
            .collect::<Vec<_>>(),
        [ids[1].as_str(), ids[2].as_str()]
    );
}

#[tokio::test]
async fn correlation_ids_and_running_ids_are_looked_up() {
    let env = Env::start().await;
    env.register_linear("correlated", &["c"]).await;
    let ids = start_many(&env, "correlated", 4).await;
    // ids[0] and ids[2] carry "correlated-0"; ids[1] and ids[3] "correlated-1".
    env.workflows
        .terminate_workflow(&ids[2], None)
        .await
        .unwrap();

    let open = env
        .workflows
        .get_workflows_by_correlation_id("correlated", "correlated-0")
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].workflow_id, ids[0]);
    assert!(open[0].tasks.is_empty(), "tasks are left out by default");
    let with_closed = env
        .workflows
        .get_workflows_by_correlation_id_with(
            "correlated",
            "correlated-0",
            &CorrelationOptions::new()
                .include_closed(true)
                .include_tasks(true),
        )
        .await
        .unwrap();
    let mut found: Vec<&str> = with_closed.iter().map(|w| w.workflow_id.as_str()).collect();
    found.sort_unstable();
    let mut expected = [ids[0].as_str(), ids[2].as_str()];
    expected.sort_unstable();
    assert_eq!(found, expected);
    assert!(with_closed.iter().all(|w| w.tasks.len() == 1));
    assert!(
        env.workflows
            .get_workflows_by_correlation_id("other_name", "correlated-0")
            .await
            .unwrap()
            .is_empty()
    );

    let batch = env
        .workflows
        .get_workflows_by_correlation_ids("correlated", &["correlated-0", "correlated-1", "none"])
        .await
        .unwrap();
    assert_eq!(batch["correlated-0"].len(), 1);
    assert_eq!(batch["correlated-1"].len(), 2);
    assert!(batch["none"].is_empty());
    let batch = env
        .workflows
        .get_workflows_by_correlation_ids_with(
            "correlated",
            &["correlated-0"],
            &CorrelationOptions::new().include_closed(true),
        )
        .await
        .unwrap();
    assert_eq!(batch["correlated-0"].len(), 2);

    // Running ids: of one version, optionally within a start-time window.
    let mut running = env
        .workflows
        .get_running_workflows("correlated", Some(1))
        .await
        .unwrap();
    running.sort();
    let mut expected = vec![ids[0].clone(), ids[1].clone(), ids[3].clone()];
    expected.sort();
    assert_eq!(running, expected);
    // Without a version, OSS looks at version 1 (not the latest).
    env.register(&linear_def("correlated", &["c"]).with_version(2))
        .await;
    let v2 = env.start_workflow("correlated").await;
    let unversioned = env
        .workflows
        .get_running_workflows("correlated", None)
        .await
        .unwrap();
    assert_eq!(unversioned.len(), 3);
    assert!(!unversioned.contains(&v2));
    assert_eq!(
        env.workflows
            .get_running_workflows("correlated", Some(2))
            .await
            .unwrap(),
        [v2]
    );
    // ids[1] started at EPOCH + 2 s, ids[3] at EPOCH + 4 s.
    let windowed = env
        .workflows
        .get_running_workflows_with(
            "correlated",
            &RunningWorkflowsOptions::new()
                .version(1)
                .time_window(EPOCH_MILLIS + 1_500, EPOCH_MILLIS + 2_500),
        )
        .await
        .unwrap();
    assert_eq!(windowed, [ids[1].clone()]);
}

#[tokio::test]
async fn bulk_operations_report_each_id() {
    let env = Env::start().await;
    env.register_linear("bulk", &["b1"]).await;
    let ids = start_many(&env, "bulk", 3).await;
    let with_missing = [ids[0].as_str(), ids[1].as_str(), "missing"];

    // Pause / resume.
    let paused = env.workflows.pause_workflows(&with_missing).await.unwrap();
    assert_eq!(
        paused.bulk_successful_results,
        [ids[0].clone(), ids[1].clone()]
    );
    assert_eq!(
        paused.bulk_error_results["missing"],
        "No such workflow found by id: missing"
    );
    assert!(!paused.is_all_successful());
    assert_eq!(env.status_of(&ids[0]).await, WorkflowStatus::Paused);
    assert_eq!(env.status_of(&ids[2]).await, WorkflowStatus::Running);
    let resumed = env.workflows.resume_workflows(&ids[..2]).await.unwrap();
    assert!(resumed.is_all_successful());
    assert_eq!(resumed.bulk_successful_results.len(), 2);
    assert_eq!(env.status_of(&ids[0]).await, WorkflowStatus::Running);
    // Resuming a running workflow fails for that id only.
    let again = env.workflows.resume_workflows(&ids[..1]).await.unwrap();
    assert!(again.bulk_error_results[&ids[0]].contains("is not PAUSED"));

    // Terminate (with and without options), then restart and retry.
    let terminated = env
        .workflows
        .terminate_workflows(&ids[..2], Some("bulk stop"))
        .await
        .unwrap();
    assert!(terminated.is_all_successful());
    let workflow = env.workflows.get_workflow(&ids[0]).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Terminated);
    assert_eq!(
        workflow.reason_for_incompletion.as_deref(),
        Some("bulk stop")
    );
    let terminated = env
        .workflows
        .terminate_workflows_with(&ids[2..], &TerminateOptions::new().reason("options"))
        .await
        .unwrap();
    assert_eq!(terminated.bulk_successful_results, [ids[2].clone()]);
    assert_eq!(
        env.workflows
            .get_workflow(&ids[2])
            .await
            .unwrap()
            .reason_for_incompletion
            .as_deref(),
        Some("options")
    );

    let restarted = env.workflows.restart_workflows(&ids[..1]).await.unwrap();
    assert!(restarted.is_all_successful());
    assert_eq!(env.status_of(&ids[0]).await, WorkflowStatus::Running);
    let restarted = env
        .workflows
        .restart_workflows_with(
            &ids[..2],
            &RestartOptions::new().use_latest_definitions(true),
        )
        .await
        .unwrap();
    // ids[0] is running again: only ids[1] restarts.
    assert_eq!(restarted.bulk_successful_results, [ids[1].clone()]);
    assert!(restarted.bulk_error_results[&ids[0]].contains("not in terminal state"));

    // ids[2] is terminated with a cancelled task: retry schedules it again.
    let retried = env.workflows.retry_workflows(&ids[2..]).await.unwrap();
    assert!(retried.is_all_successful(), "{retried:?}");
    let workflow = env.workflows.get_workflow(&ids[2]).await.unwrap();
    assert_eq!(workflow.status, WorkflowStatus::Running);
    assert_eq!(workflow.tasks.last().unwrap().status, TaskStatus::Scheduled);

    // Reads.
    let read = env
        .workflows
        .get_workflows_by_ids(&with_missing)
        .await
        .unwrap();
    assert_eq!(read.bulk_successful_results.len(), 2);
    assert_eq!(read.bulk_successful_results[0].workflow_id, ids[0]);
    assert!(!read.bulk_successful_results[0].tasks.is_empty());
    assert!(read.bulk_error_results.contains_key("missing"));
    let light = env
        .workflows
        .get_workflows_by_ids_with(&ids, &GetWorkflowOptions::new().include_tasks(false))
        .await
        .unwrap();
    assert_eq!(light.bulk_successful_results.len(), 3);
    assert!(
        light
            .bulk_successful_results
            .iter()
            .all(|w| w.tasks.is_empty())
    );

    // Delete: archiving needs terminal workflows; without archiving anything goes.
    let deleted = env.workflows.delete_workflows(&ids[..1]).await.unwrap();
    assert!(deleted.bulk_error_results[&ids[0]].contains("Cannot archive workflow"));
    let deleted = env
        .workflows
        .delete_workflows_with(&ids[..1], &RemoveOptions::new().archive(false))
        .await
        .unwrap();
    assert!(deleted.is_all_successful());
    assert!(
        env.workflows
            .get_workflow(&ids[0])
            .await
            .unwrap_err()
            .is_not_found()
    );
    let removed = env
        .workflows
        .terminate_remove_workflows(&[ids[1].as_str()], Some("cleanup"))
        .await
        .unwrap();
    assert!(removed.is_all_successful());
    let removed = env
        .workflows
        .terminate_remove_workflows_with(
            &[ids[2].as_str(), "missing"],
            &TerminateRemoveOptions::new().archive(false),
        )
        .await
        .unwrap();
    assert_eq!(removed.bulk_successful_results, [ids[2].clone()]);
    assert!(removed.bulk_error_results.contains_key("missing"));
    assert_eq!(
        env.workflows
            .search_workflows(&SearchQuery::new())
            .await
            .unwrap()
            .total_hits,
        0
    );
}

#[tokio::test]
async fn bulk_requests_take_one_to_a_thousand_ids() {
    let env = Env::start().await;
    let error = assert_status(
        env.workflows.pause_workflows::<&str>(&[]).await,
        400,
        "Validation failed",
    );
    assert!(!error.validation_errors().is_empty());
    let too_many: Vec<String> = (0..1001).map(|i| format!("id-{i}")).collect();
    let error = assert_status(
        env.workflows.terminate_workflows(&too_many, None).await,
        400,
        "Validation failed",
    );
    assert!(
        error.validation_errors()[0]
            .message
            .contains("Cannot process more than 1000 workflows")
    );
}
