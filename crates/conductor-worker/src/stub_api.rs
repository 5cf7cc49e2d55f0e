//! [`StubApi`]: a small in-memory [`TaskApi`] for the unit tests of the reporter and the lease
//! keeper, each of which talks to the server only through this trait.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use conductor_http::{ConductorError, Result};
use conductor_models::{Task, TaskDef, TaskResult, TaskStatus};
use tokio::time::Duration;

use crate::api::TaskApi;

/// Counts calls; update-v2 fails with `v2_error` when set (v1 always succeeds); `get_task` says
/// the task is `IN_PROGRESS` for `w1` until `cancel_after_checks` calls, `CANCELED` after.
pub(crate) struct StubApi {
    pub(crate) v2_error: Option<fn() -> ConductorError>,
    pub(crate) cancel_after_checks: usize,
    pub(crate) v1_calls: AtomicUsize,
    pub(crate) v2_calls: AtomicUsize,
    pub(crate) heartbeats: AtomicUsize,
    pub(crate) checks: AtomicUsize,
}

impl StubApi {
    pub(crate) fn new() -> Self {
        Self {
            v2_error: None,
            cancel_after_checks: usize::MAX,
            v1_calls: AtomicUsize::new(0),
            v2_calls: AtomicUsize::new(0),
            heartbeats: AtomicUsize::new(0),
            checks: AtomicUsize::new(0),
        }
    }

    pub(crate) fn count(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TaskApi for StubApi {
    async fn batch_poll(
        &self,
        _task_type: &str,
        _worker_id: Option<&str>,
        _domain: Option<&str>,
        _count: usize,
        _timeout: Duration,
    ) -> Result<Vec<Task>> {
        Ok(Vec::new())
    }

    async fn update(&self, result: &TaskResult) -> Result<()> {
        let counter = if result.extend_lease {
            &self.heartbeats
        } else {
            &self.v1_calls
        };
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn update_v2(&self, _result: &TaskResult) -> Result<Option<Task>> {
        self.v2_calls.fetch_add(1, Ordering::SeqCst);
        match self.v2_error {
            Some(error) => Err(error()),
            None => Ok(None),
        }
    }

    async fn get_task(&self, task_id: &str) -> Result<Option<Task>> {
        let checks = self.checks.fetch_add(1, Ordering::SeqCst) + 1;
        let status = if checks > self.cancel_after_checks {
            TaskStatus::Canceled
        } else {
            TaskStatus::InProgress
        };
        Ok(Some(Task {
            task_id: task_id.to_owned(),
            status,
            worker_id: Some("w1".into()),
            ..Task::default()
        }))
    }

    async fn get_task_def(&self, _name: &str) -> Result<Option<TaskDef>> {
        Ok(None)
    }

    async fn register_task_def(&self, _task_def: &TaskDef) -> Result<()> {
        Ok(())
    }
}
