//! The executor: the one place that changes workflows, as conductor-oss `DeciderService` and
//! `WorkflowExecutorOps` do, split by concept:
//!
//! - [`decide`]: the decider loop (what to schedule next, when a workflow is complete);
//! - [`schedule`]: adding tasks to a workflow, starting and executing system tasks, and applying
//!   the [`Effect`](super::effects::Effect)s they return;
//! - [`retry`] and [`timeout`]: failed and overdue tasks;
//! - [`terminate`]: completion, termination, failure workflows and parent notification;
//! - [`queueing`]: task queues and the sweeper's bookkeeping;
//! - [`deferred`]: parents to notify and messages to deliver once an operation's decides end.
//!
//! An [`Exec`] borrows the store for the duration of one engine operation (the engine lock is held),
//! so every operation is atomic. Queues touched during the operation are collected in
//! `touched_queues` and woken up by the engine after the lock is released. The system tasks and
//! their mappers never see an `Exec`: they get a read-only [`View`] and return effects.

mod decide;
mod deferred;
mod queueing;
mod retry;
mod schedule;
mod terminate;
mod timeout;

use conductor_models::TaskType;
use serde_json::Value;

use super::error::{EngineError, EngineResult};
use super::start::{StartParams, new_workflow, start_definition};
use super::system_task::SystemTaskRegistry;
use super::view::{View, new_id};
use super::{Deferred, Settings};
use crate::store::Store;

pub(crate) use queueing::LIMIT_POSTPONE_MS;

/// The error of an operation on a workflow id that is not in the store.
pub(crate) fn workflow_not_found(id: &str) -> EngineError {
    EngineError::NotFound(format!("No such workflow found by id: {id}"))
}

/// How the executor delivers a message published on an event queue: queue, message id, payload.
pub(crate) type DeliverEvent = fn(&mut Exec<'_>, &str, &str, &Value);

/// One engine operation's view of the state.
pub(crate) struct Exec<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) now: i64,
    pub(crate) registry: &'a SystemTaskRegistry,
    pub(crate) settings: &'a Settings,
    pub(crate) touched_queues: Vec<String>,
    /// Work to do once the workflows involved are back in the store (parent notifications,
    /// published events).
    pub(crate) deferred: std::collections::VecDeque<Deferred>,
    /// Nesting depth of `decide` calls (deferred work runs when the outermost one ends).
    pub(crate) depth: usize,
    /// Hands a published message to the event handlers (`events::Exec::deliver`, set by the
    /// engine: the handlers' actions are operations built on the executor).
    pub(crate) deliver_event: DeliverEvent,
    /// Random `backoffJitterMs` share of a new retry attempt's queue delay, by task id (the
    /// server's `TaskModel.callbackAfterMs`, which the wire `Task` does not carry); consumed
    /// when the attempt is queued.
    pub(crate) retry_jitter_ms: std::collections::HashMap<String, i64>,
}

impl Exec<'_> {
    /// The read-only view system tasks and mappers work on.
    pub(crate) fn view(&self) -> View<'_> {
        View::new(self.store, self.now, self.settings, self.registry)
    }

    fn touch(&mut self, queue: String) {
        if !self.touched_queues.contains(&queue) {
            self.touched_queues.push(queue);
        }
    }

    /// Whether `task_type` is executed by the server rather than by a worker.
    pub(crate) fn is_system(&self, task_type: &str) -> bool {
        let known = TaskType::from_wire(task_type);
        self.registry.get(task_type).is_some()
            || retry::is_built_in(&known)
            || known.is_system_task() && !known.is_unknown()
    }

    /// Creates and first-decides a workflow (`WorkflowExecutorOps.startWorkflow`).
    pub(crate) fn start_workflow(&mut self, params: StartParams) -> EngineResult<String> {
        self.start_workflow_as(new_id(), params)
    }

    /// [`Exec::start_workflow`] under an id chosen beforehand (by the task that starts it).
    pub(crate) fn start_workflow_as(
        &mut self,
        id: String,
        params: StartParams,
    ) -> EngineResult<String> {
        let def = start_definition(self.store, &params)?;
        let wf = new_workflow(id.clone(), def, params, self.now);
        self.store.insert_workflow(wf);
        self.decide(&id);
        Ok(id)
    }
}
