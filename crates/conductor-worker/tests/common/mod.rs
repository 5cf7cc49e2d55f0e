//! Shared test helpers: the scripted fake server API, event recorders, log counters.

#![allow(dead_code, unused_imports)]

pub mod fake_api;
pub mod recorder;

pub use fake_api::FakeApi;
pub use recorder::{EventLog, WarnCounter};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conductor_http::Configuration;
use conductor_models::Task;
use conductor_worker::{
    EnvLookup, FnWorker, RunnerOptions, TaskHandler, TaskHandlerBuilder, WorkerOutput,
};

/// A handler builder wired to `api`, with no environment overrides and quick test options.
pub fn builder(api: &Arc<FakeApi>) -> TaskHandlerBuilder {
    TaskHandler::builder(Configuration::new("http://fake.invalid/api"))
        .task_api(api.clone())
        .env_lookup(EnvLookup::from_map(HashMap::new()))
        .options(quick_options())
}

/// Default options with short backoffs (tests run on a paused clock anyway).
pub fn quick_options() -> RunnerOptions {
    RunnerOptions::default()
        .with_update_backoff(Duration::from_millis(100), Duration::from_secs(1))
        .with_poll_error_backoff(Duration::from_millis(100), Duration::from_secs(1))
}

/// A worker that completes every task with `{"result": "<task id>"}` after `work` (tokio time).
pub fn completing_worker(task_type: &str, work: Duration) -> FnWorker {
    FnWorker::new(task_type, move |task: Task| async move {
        tokio::time::sleep(work).await;
        Ok(WorkerOutput::completed_with_result(task.task_id))
    })
}

/// Tracks how many executions run at once, and the most seen.
#[derive(Default)]
pub struct Concurrency {
    pub now: AtomicUsize,
    pub max: AtomicUsize,
    pub total: AtomicUsize,
}

impl Concurrency {
    pub fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
    }

    pub fn exit(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// The gaps between consecutive polls, in milliseconds.
pub fn poll_gaps_ms(api: &FakeApi) -> Vec<u128> {
    let polls = api.polls();
    polls
        .windows(2)
        .map(|pair| pair[1].at.duration_since(pair[0].at).as_millis())
        .collect()
}

pub const LONG: Duration = Duration::from_secs(600);

/// Waits until every event published so far reached the listeners (fails the test if not).
pub async fn flush_events(handler: &TaskHandler) {
    assert!(
        handler
            .event_dispatcher()
            .flush(Duration::from_secs(5))
            .await,
        "events not delivered"
    );
}

/// Waits until a poll of `api` returned `count` tasks.
pub async fn wait_for_a_poll_of(api: &FakeApi, count: usize) {
    assert!(
        api.wait_until(LONG, |s| s.polls.iter().any(|p| p.returned == count))
            .await,
        "no poll returned {count} task(s)"
    );
}
