//! System tasks: task types the server executes itself, plugged into the decider through the
//! [`SystemTask`] trait and looked up by type in a [`SystemTaskRegistry`].
//!
//! The decider knows nothing about individual operators: it asks the registry to *map* a workflow
//! task to task instances when scheduling (`TaskMapper`), *starts* and *executes* them in the same
//! decide (`WorkflowSystemTask.start/execute`) and *cancels* open ones when the workflow ends.
//!
//! Two execution modes exist. In-memory tasks (every operator, SUB_WORKFLOW, WAIT, INLINE...) are
//! executed inside the decide loop on every round until they are terminal: conductor-oss runs
//! some of them (JOIN, SUB_WORKFLOW, WAIT, START_WORKFLOW) on a system-task worker, which this
//! server replaces by zero-latency evaluation (conductor-engine.md §5.4 allows it). Tasks that do
//! network I/O (HTTP, HTTP_POLL, the LLM tasks) are [`SystemTask::is_async`]: the decider queues
//! them under their type and the [`network worker`](super::network) runs them outside the engine
//! lock, then reports the result like a worker would.
//! INLINE, LAMBDA and JSON_JQ_TRANSFORM execute in the decide loop, but hand their evaluation to
//! [`Exec::offload`], which runs it on a blocking thread once the lock is released.

use std::collections::HashMap;
use std::sync::Arc;

use conductor_models::{Task, TaskDef, TaskStatus, Workflow, WorkflowTask};

use super::executor::{Exec, Terminate, base_task, resolve_task_input};
use super::tasks;

/// What a mapper sees when a workflow task is scheduled.
#[derive(Debug)]
pub(crate) struct MapContext<'a> {
    pub(crate) workflow: &'a Workflow,
    pub(crate) workflow_task: &'a WorkflowTask,
    pub(crate) task_def: Option<&'a TaskDef>,
    pub(crate) retry_count: i32,
    pub(crate) retried_task_id: Option<&'a str>,
    pub(crate) task_id: String,
    pub(crate) now: i64,
}

impl MapContext<'_> {
    /// The task with resolved input and `status`, as most mappers create it.
    pub(crate) fn resolved_task(&self, status: TaskStatus) -> Task {
        let mut task = base_task(self);
        task.input_data = resolve_task_input(
            self.workflow,
            &self.workflow_task.input_parameters,
            self.task_def,
            Some(&self.task_id),
        );
        task.status = status;
        task
    }
}

/// A task type executed by the server.
pub(crate) trait SystemTask: Send + Sync + std::fmt::Debug {
    /// The `type` string this implementation handles.
    fn task_type(&self) -> &'static str;

    /// `true` when run by the network worker outside the engine lock (HTTP, LLM...).
    fn is_async(&self) -> bool {
        false
    }

    /// Creates the task instance(s) for a workflow task being scheduled.
    fn map(&self, _exec: &mut Exec<'_>, ctx: &MapContext<'_>) -> Result<Vec<Task>, Terminate> {
        Ok(vec![ctx.resolved_task(TaskStatus::InProgress)])
    }

    /// Called once when the task is added to the workflow.
    fn start(
        &self,
        _exec: &mut Exec<'_>,
        _workflow: &mut Workflow,
        _task: &mut Task,
    ) -> Result<(), Terminate> {
        Ok(())
    }

    /// Runs the task; returns whether its state changed. Not called for async tasks.
    fn execute(
        &self,
        _exec: &mut Exec<'_>,
        _workflow: &mut Workflow,
        _task: &mut Task,
    ) -> Result<bool, Terminate> {
        Ok(false)
    }

    /// Called when the workflow ends while the task is still open.
    fn cancel(&self, _exec: &mut Exec<'_>, _workflow: &mut Workflow, _task: &mut Task) {}
}

/// The system tasks known to a server, by type.
#[derive(Debug, Clone)]
pub(crate) struct SystemTaskRegistry {
    tasks: HashMap<&'static str, Arc<dyn SystemTask>>,
}

impl Default for SystemTaskRegistry {
    fn default() -> Self {
        let mut registry = Self {
            tasks: HashMap::new(),
        };
        for task in tasks::all() {
            registry.register(task);
        }
        registry
    }
}

impl SystemTaskRegistry {
    /// Adds (or replaces) an implementation.
    pub(crate) fn register(&mut self, task: Arc<dyn SystemTask>) {
        self.tasks.insert(task.task_type(), task);
    }

    /// The implementation for `task_type`.
    pub(crate) fn get(&self, task_type: &str) -> Option<Arc<dyn SystemTask>> {
        self.tasks.get(task_type).cloned()
    }

    /// The types run by the network worker.
    pub(crate) fn async_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self
            .tasks
            .values()
            .filter(|t| t.is_async())
            .map(|t| t.task_type())
            .collect();
        types.sort_unstable();
        types
    }
}
