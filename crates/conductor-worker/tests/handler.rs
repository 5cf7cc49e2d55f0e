//! The handler's wiring against the scripted fake: task definition registration, metrics,
//! listeners, adding workers while running.

// Test code: unwrapping is how a test fails (clippy.toml allows it in #[test] fns only).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{FakeApi, LONG, builder, completing_worker};
use conductor_events::{TaskExecutionCompleted, TaskRunnerEventsListener};
use conductor_metrics::{MetricNaming, MetricsSettings};
use conductor_models::{RetryLogic, Task, TaskDef};
use conductor_worker::{FnWorker, WorkerOutput};
use schemars::JsonSchema;

#[allow(dead_code)]
#[derive(JsonSchema)]
struct OrderInput {
    order_id: String,
    amount: f64,
}

#[allow(dead_code)]
#[derive(JsonSchema)]
struct OrderOutput {
    status: String,
}

#[tokio::test(start_paused = true)]
async fn registration_creates_a_missing_definition_with_linked_schemas() {
    let api = FakeApi::new();
    let worker = completing_worker("process_order", Duration::ZERO)
        .with_input_schema_from::<OrderInput>(true)
        .with_output_schema_from::<OrderOutput>(false)
        .with_task_def(TaskDef::new("process_order").with_retry(5, RetryLogic::Fixed, 2));
    let mut handler = builder(&api).worker(worker).build().unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| !s.registered.is_empty()).await);
    handler.stop().await.unwrap();

    let registered = api.state().registered.clone();
    assert_eq!(registered.len(), 1);
    let def = &registered[0];
    assert_eq!(def.name, "process_order");
    assert_eq!(def.retry_count, 5);
    let input = def.input_schema.as_ref().unwrap();
    assert_eq!(input.name, "process_order_input");
    assert_eq!(input.data.as_ref().unwrap()["additionalProperties"], false);
    assert_eq!(
        def.output_schema.as_ref().unwrap().name,
        "process_order_output"
    );
}

#[tokio::test(start_paused = true)]
async fn registration_never_changes_an_existing_definition() {
    let api = FakeApi::new();
    api.define_task(
        TaskDef::new("t")
            .with_retry(7, RetryLogic::ExponentialBackoff, 30)
            .with_response_timeout(120),
    );
    let mut handler = builder(&api)
        .register_task_defs(true)
        .worker(completing_worker("t", Duration::ZERO).with_input_schema_from::<OrderInput>(true))
        .worker(completing_worker("fresh", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(
        api.wait_until(LONG, |s| s.task_defs.contains_key("fresh"))
            .await
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    handler.stop().await.unwrap();
    let state = api.state();
    assert_eq!(
        state.registered.len(),
        1,
        "only the missing definition is created"
    );
    assert_eq!(state.registered[0].name, "fresh");
    let kept = &state.task_defs["t"];
    assert_eq!((kept.retry_count, kept.response_timeout_seconds), (7, 120));
    assert!(kept.input_schema.is_none());
}

#[tokio::test(start_paused = true)]
async fn registration_waits_for_a_server_that_is_down_at_start() {
    let api = FakeApi::new();
    api.set_polls_down(true);
    let mut handler = builder(&api)
        .register_task_defs(true)
        .worker(completing_worker("t", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(api.state().registered.is_empty());
    api.set_polls_down(false);
    assert!(api.wait_until(LONG, |s| s.registered.len() == 1).await);
    api.add_tasks("t", 1);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn metrics_count_what_the_runners_do() {
    let api = FakeApi::new();
    api.add_tasks("a", 3);
    api.add_task_with("a", |task| {
        task.input_data.insert("fail".into(), true.into());
    });
    let worker = FnWorker::new("a", |task: Task| async move {
        if task.get_input::<bool>("fail") == Some(true) {
            return Ok(WorkerOutput::failed("bad"));
        }
        Ok(WorkerOutput::completed_with_result("ok"))
    });
    let mut handler = builder(&api)
        .metrics(MetricsSettings::default().with_update_interval(Duration::from_millis(100)))
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 4).await);
    handler.stop().await.unwrap();
    let text = handler.metrics_collector().unwrap().gather();
    assert!(
        text.contains(r#"conductor_task_execution_started_total{task_type="a"} 4"#),
        "{text}"
    );
    assert!(
        text.contains(r#"conductor_task_execute_error_total{error_type="Failed",task_type="a"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"conductor_task_update_time_seconds_count{status="SUCCESS",task_type="a"} 4"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"conductor_active_workers{task_type="a"} 0"#),
        "{text}"
    );
    assert!(
        text.contains(r#"conductor_task_poll_total{task_type="a"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_are_served_over_http_while_running() {
    let api = FakeApi::new();
    api.add_tasks("a", 2);
    let settings = MetricsSettings::default()
        .with_http_port(0)
        .with_bind_address([127, 0, 0, 1].into())
        .with_naming(MetricNaming::Canonical);
    let mut handler = builder(&api)
        .metrics(settings)
        .worker(completing_worker("a", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    common::flush_events(&handler).await;
    let addr = handler.metrics_address().unwrap();
    let body = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains(r#"task_execution_started_total{taskType="a"} 2"#),
        "{body}"
    );
    handler.stop().await.unwrap();
    assert!(handler.metrics_address().is_none());
    assert!(std::net::TcpStream::connect(addr).is_err());
}

struct PanickingListener;

impl TaskRunnerEventsListener for PanickingListener {
    fn on_task_execution_completed(&self, _event: &TaskExecutionCompleted) {
        panic!("listener bug");
    }
}

#[tokio::test(start_paused = true)]
async fn a_panicking_listener_does_not_stop_the_runner() {
    let api = FakeApi::new();
    api.add_tasks("a", 5);
    let mut handler = builder(&api)
        .event_listener(Arc::new(PanickingListener))
        .worker(completing_worker("a", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    assert!(api.wait_until(LONG, |s| s.finished().len() == 5).await);
    handler.stop().await.unwrap();
    assert_eq!(handler.event_dispatcher().listener_panics(), 5);
}

#[tokio::test(start_paused = true)]
async fn workers_added_while_running_start_at_once() {
    let api = FakeApi::new();
    let mut handler = builder(&api)
        .worker(completing_worker("a", Duration::ZERO))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    handler.add_worker(completing_worker("late", Duration::ZERO));
    api.add_tasks("late", 2);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    assert_eq!(handler.worker_names(), ["a", "late"]);
    handler.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn active_workers_and_the_concurrency_limit_are_published_with_the_configured_worker_id() {
    let api = FakeApi::new();
    api.add_tasks("a", 2);
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let release = Arc::clone(&gate);
    let worker = FnWorker::new("a", move |_task: Task| {
        let gate = Arc::clone(&gate);
        async move {
            gate.acquire().await.unwrap().forget();
            Ok(WorkerOutput::completed_with_result(1))
        }
    })
    .with_thread_count(2);
    let events = common::EventLog::new();
    let env = conductor_worker::EnvLookup::from_map(
        [(
            "CONDUCTOR_WORKER_A_WORKER_ID".to_owned(),
            "pod-9".to_owned(),
        )]
        .into_iter()
        .collect(),
    );
    let mut handler = builder(&api)
        .env_lookup(env)
        .metrics(MetricsSettings::default().with_update_interval(Duration::from_millis(100)))
        .event_listener(events.clone())
        .worker(worker)
        .build()
        .unwrap();
    handler.start().await.unwrap();
    common::wait_for_a_poll_of(&api, 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(handler.active_tasks("a"), Some(2));
    release.add_permits(2);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    handler.stop().await.unwrap();

    let samples: Vec<(String, usize)> = events
        .named("ActiveWorkersChanged")
        .into_iter()
        .map(|event| match event {
            conductor_events::TaskRunnerEvent::ActiveWorkersChanged(e) => (e.worker_id, e.count),
            _ => unreachable!(),
        })
        .collect();
    assert!(samples.contains(&("pod-9".to_owned(), 2)), "{samples:?}");
    assert_eq!(samples.last(), Some(&("pod-9".to_owned(), 0)));
    let text = handler.metrics_collector().unwrap().gather();
    assert!(
        text.contains(r#"conductor_active_workers{task_type="a"} 0"#),
        "{text}"
    );
    // The limit published at start (the thread count) reaches the gauge beside it.
    let limits: Vec<(String, usize)> = events
        .named("ConcurrencyLimitChanged")
        .into_iter()
        .map(|event| match event {
            conductor_events::TaskRunnerEvent::ConcurrencyLimitChanged(e) => (e.worker_id, e.limit),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(limits, [("pod-9".to_owned(), 2)]);
    assert!(
        text.contains(r#"conductor_task_concurrency_limit{task_type="a"} 2"#),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_control_handle_pauses_resumes_and_reads_state_while_the_handler_serves() {
    let api = FakeApi::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let release = Arc::clone(&gate);
    let worker = FnWorker::new("a", move |_task: Task| {
        let gate = Arc::clone(&gate);
        async move {
            gate.acquire().await.unwrap().forget();
            Ok(WorkerOutput::completed_with_result(1))
        }
    });
    let mut handler = builder(&api).worker(worker).build().unwrap();
    let control = handler.control();
    assert!(!control.status("a").unwrap().running);
    handler.start().await.unwrap();
    // From another task, as an admin endpoint would.
    let admin = control.clone();
    api.add_tasks("a", 1);
    common::wait_for_a_poll_of(&api, 1).await;
    let status = tokio::spawn(async move { admin.status("a").unwrap() })
        .await
        .unwrap();
    assert!(status.running && !status.paused);
    assert_eq!(status.active_tasks, 1);
    assert_eq!(
        status.worker_id,
        handler.control().status("a").unwrap().worker_id
    );
    assert!(!status.worker_id.is_empty());

    let paused = control.clone();
    tokio::spawn(async move { assert!(paused.pause("a")) })
        .await
        .unwrap();
    release.add_permits(1);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 1).await);
    api.add_tasks("a", 1);
    let polls = api.polls().len();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(api.polls().len(), polls, "a paused worker polled");
    assert_eq!(handler.is_paused("a"), Some(true));
    control.resume_all();
    release.add_permits(1);
    assert!(api.wait_until(LONG, |s| s.finished().len() == 2).await);
    handler.stop().await.unwrap();
    assert!(!control.status("a").unwrap().running);
    assert_eq!(control.status("a").unwrap().active_tasks, 0);
}

#[tokio::test(start_paused = true)]
async fn a_stop_requested_through_the_control_ends_a_hosts_wait_for_shutdown() {
    let api = FakeApi::new();
    api.add_tasks("a", 1);
    let host = conductor_worker::WorkerHostBuilder::from(
        builder(&api).worker(completing_worker("a", Duration::from_secs(1))),
    )
    .ignore_signals()
    .start()
    .await
    .unwrap();
    let control = host.control();
    common::wait_for_a_poll_of(&api, 1).await;
    let waiting = tokio::spawn(host.wait_for_shutdown());
    control.request_stop();
    waiting.await.unwrap().unwrap();
    // The drain let the running task finish and report.
    assert_eq!(api.finished().len(), 1);
    assert!(control.is_stop_requested());
    assert!(!control.status("a").unwrap().running);
}

/// A listener that blocks on its first event until released, then records what it is given.
#[derive(Default)]
struct StuckListener {
    released: std::sync::Mutex<bool>,
    release: std::sync::Condvar,
    seen: std::sync::Mutex<Vec<conductor_events::TaskRunnerEvent>>,
}

impl TaskRunnerEventsListener for StuckListener {
    fn on_event(&self, event: &conductor_events::TaskRunnerEvent) {
        let first = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(event.clone());
            seen.len() == 1
        };
        if first {
            let mut released = self.released.lock().unwrap();
            while !*released {
                released = self.release.wait(released).unwrap();
            }
        }
    }
}

#[tokio::test]
async fn gauges_kept_from_events_heal_after_a_listener_dropped_some() {
    let api = FakeApi::new();
    let listener = Arc::new(StuckListener::default());
    let mut handler = builder(&api)
        .event_queue_capacity(1)
        .metrics(MetricsSettings::default().with_update_interval(Duration::from_millis(50)))
        .event_listener(listener.clone())
        .worker(completing_worker("a", Duration::ZERO).with_thread_count(3))
        .build()
        .unwrap();
    handler.start().await.unwrap();
    // Stuck on its first event with a queue of one: the start's limit event and the polls'
    // events are dropped for it.
    let dispatcher = handler.event_dispatcher().clone();
    let deadline = tokio::time::Instant::now() + LONG;
    while dispatcher.dropped_events() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "no event dropped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    *listener.released.lock().unwrap() = true;
    listener.release.notify_all();

    // The runner publishes its (fixed) limit once, at start. That event can only be the first
    // two the listener saw (the one it was stuck on, the one queued behind it), so a limit event
    // after those, or a second one anywhere (the sampler may re-publish just as the listener is
    // released, into the queued slot), can only come from the sampler's re-publication.
    let healed = || {
        let seen = listener.seen.lock().unwrap();
        let limits: Vec<usize> = seen
            .iter()
            .enumerate()
            .filter(|(_, event)| {
                matches!(event, conductor_events::TaskRunnerEvent::ConcurrencyLimitChanged(e)
                    if e.task_type == "a" && e.limit == 3)
            })
            .map(|(index, _)| index)
            .collect();
        limits.len() >= 2 || limits.iter().any(|&index| index >= 2)
    };
    // Within a few sampling intervals; a minute is the bound on a loaded machine.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !healed() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the limit was never re-published; {} dropped, seen: {:?}",
            dispatcher.dropped_events(),
            listener.seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handler.stop().await.unwrap();
}
