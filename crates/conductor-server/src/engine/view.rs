//! The read-only view of the engine that the decider's mappers and the system tasks work on: the
//! store, the operation's time and the settings, plus the mapping of nested workflow tasks
//! (a SWITCH case, a fork branch). What they want changed they return as
//! [`Effect`](super::effects::Effect)s.

use conductor_models::{Workflow, WorkflowTask};

use super::Settings;
use super::effects::{Mapped, Terminate};
use crate::store::Store;

/// Maps workflow tasks to task instances (`DeciderService.getTasksToBeScheduled`); implemented by
/// the system-task registry, which knows every mapper. Operators that contain other tasks map them
/// through it.
pub(crate) trait MapTasks {
    /// The task(s) to schedule for `workflow_task` in `wf`; tasks whose reference name is already
    /// running or done are left out.
    fn tasks_to_be_scheduled(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        workflow_task: &WorkflowTask,
        retry_count: i32,
        retried_task_id: Option<&str>,
    ) -> Result<Mapped, Terminate>;
}

/// One engine operation's state, read-only.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) store: &'a Store,
    /// The operation's time (epoch milliseconds).
    pub(crate) now: i64,
    pub(crate) settings: &'a Settings,
    mapper: &'a dyn MapTasks,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> View<'a> {
    pub(crate) fn new(
        store: &'a Store,
        now: i64,
        settings: &'a Settings,
        mapper: &'a dyn MapTasks,
    ) -> Self {
        Self {
            store,
            now,
            settings,
            mapper,
        }
    }

    /// Maps a workflow task nested in the one being mapped or executed (a case, a branch, a
    /// loop body); see [`MapTasks::tasks_to_be_scheduled`].
    pub(crate) fn tasks_to_be_scheduled(
        &self,
        wf: &Workflow,
        workflow_task: &WorkflowTask,
        retry_count: i32,
        retried_task_id: Option<&str>,
    ) -> Result<Mapped, Terminate> {
        self.mapper
            .tasks_to_be_scheduled(self, wf, workflow_task, retry_count, retried_task_id)
    }
}

/// A fresh task or workflow id (a v4 UUID).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
