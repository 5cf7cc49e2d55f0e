//! Workflow operations behind `/api/workflow` (`WorkflowExecutorOps`, `WorkflowServiceImpl`,
//! `WorkflowTestService`), by concept:
//!
//! - [`queries`]: reads and lookups;
//! - [`lifecycle`]: pause, resume, terminate, skip, reset callbacks, variables, webhooks, removal;
//! - [`retry`]: retrying a failed workflow in place and reviving its parents;
//! - [`rerun`]: restart and rerun;
//! - [`search`]: the workflow and task searches;
//! - [`test_run`]: the mocked test run.

mod lifecycle;
mod queries;
mod rerun;
mod retry;
mod search;
mod test_run;

use conductor_models::{Task, Workflow};

use super::error::EngineResult;
use super::executor::{Exec, workflow_not_found};

pub(crate) use search::SearchParams;

impl Exec<'_> {
    fn workflow(&self, id: &str) -> EngineResult<&Workflow> {
        self.store
            .workflows
            .get(id)
            .ok_or_else(|| workflow_not_found(id))
    }

    fn workflow_mut(&mut self, id: &str) -> EngineResult<&mut Workflow> {
        self.store
            .workflows
            .get_mut(id)
            .ok_or_else(|| workflow_not_found(id))
    }

    /// Removes tasks from a workflow (restart, rerun) and from the queues and indexes; keeps the
    /// tasks `keep` accepts.
    fn clear_tasks(&mut self, wf: &mut Workflow, keep: impl Fn(&Task) -> bool) {
        let (kept, dropped): (Vec<Task>, Vec<Task>) = wf.tasks.drain(..).partition(|t| keep(t));
        for task in &dropped {
            self.unqueue_task(task);
            self.store.task_index.remove(&task.task_id);
            self.store.task_logs.remove(&task.task_id);
        }
        wf.tasks = kept;
    }
}
