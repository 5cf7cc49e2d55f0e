//! What the decider and the system tasks ask of the engine: they work on a read-only
//! [`View`](super::view::View) and return [`Effect`]s (or a [`Terminate`]), which the executor
//! alone applies to the store.
//!
//! A task may still change its own task instance (status, output...): that is the task's state,
//! handed to it as `&mut Task`. Everything beyond it (the workflow, other workflows, queues,
//! timers, the event bus) changes through an effect.

use conductor_models::{JsonMap, Task, WorkflowStatus, WorkflowTask};
use serde_json::Value;

use super::evaluation::Evaluation;
use super::start::StartParams;

/// The engine's reason to end a workflow from inside the decider (`TerminateWorkflowException`).
#[derive(Debug, Clone)]
pub(crate) struct Terminate {
    pub(crate) reason: String,
    pub(crate) status: WorkflowStatus,
    pub(crate) task_id: Option<String>,
    /// Set when a task's evaluation failed where conductor-oss's mapper fails (a DECISION's
    /// `caseExpression`): the `seq` of the first task mapped in that decide there. conductor-oss
    /// created none of the tasks of that decide, so the tasks from this `seq` on are cancelled
    /// (their sub-workflows terminated) and removed rather than listed CANCELED.
    pub(crate) unscheduled_from: Option<i32>,
}

impl Terminate {
    pub(crate) fn new(reason: impl Into<String>, status: WorkflowStatus) -> Self {
        Self {
            reason: reason.into(),
            status,
            task_id: None,
            unscheduled_from: None,
        }
    }

    /// The same termination, blamed on the task `task_id` (the failure workflow's `failureTaskId`).
    pub(crate) fn with_task(mut self, task_id: &str) -> Self {
        self.task_id = Some(task_id.to_owned());
        self
    }

    /// The same termination, with the tasks from `seq` on removed from the workflow first (see
    /// [`Terminate::unscheduled_from`]).
    pub(crate) fn unscheduling_from(mut self, seq: i32) -> Self {
        self.unscheduled_from = Some(seq);
        self
    }
}

/// A change to the engine's state asked for by a system task. Effects are applied in order, by
/// `Exec::apply_effects`: a task's once the task is written back to its workflow, a mapper's once
/// the mapping is done (before its tasks are scheduled).
#[derive(Debug, PartialEq)]
pub(crate) enum Effect {
    /// Maps the workflow task against the workflow as it stands once the effects before this one
    /// are applied, then schedules the result (DO_WHILE's next iteration: the mapping must see
    /// the loop's new iteration number and no longer see the iterations `keepLastN` dropped).
    Schedule(Box<WorkflowTask>),
    /// Schedules tasks the system task mapped itself (a SWITCH's case, chosen once its
    /// expression was evaluated outside the lock): applies the mapping's effects, then adds the
    /// tasks, as for the tasks a mapper returns, right after the task `after` in the workflow's
    /// task list (the tasks after it move down): conductor-oss schedules a case with its SWITCH,
    /// before anything scheduled after the SWITCH (a fork's later branches and its JOIN).
    ScheduleMapped {
        /// The branching task the tasks follow.
        after: String,
        /// The tasks and the effects of their mapping.
        mapped: Mapped,
    },
    /// Removes the tasks with these reference names from the workflow, their queues and indexes.
    DeleteTasks(Vec<String>),
    /// Replaces the workflow's variables (SET_VARIABLE).
    SetVariables(JsonMap),
    /// Starts a workflow under the id the task chose, so the task can record it at once. The
    /// task checked beforehand (`start::start_definition`) that the start succeeds.
    StartWorkflow {
        /// The new workflow's id.
        workflow_id: String,
        /// What to start.
        params: Box<StartParams>,
    },
    /// Terminates another workflow (a SUB_WORKFLOW's child when the parent ends).
    TerminateWorkflow {
        /// The workflow to terminate.
        workflow_id: String,
        /// Its reason for incompletion.
        reason: String,
    },
    /// Publishes a message to an event queue, for the event handlers.
    PublishEvent {
        /// The queue (`conductor:<workflow>:<name>`).
        queue: String,
        /// The message id (the publishing task's id).
        message_id: String,
        /// The message.
        payload: Value,
    },
    /// Arms a timer: the task is due at `at` (epoch milliseconds).
    SetTimer {
        /// The waiting task.
        task_id: String,
        /// When it is due.
        at: i64,
    },
    /// Evaluates a script or jq query outside the engine lock (INLINE, LAMBDA,
    /// JSON_JQ_TRANSFORM; the scripts of SWITCH, DECISION, DO_WHILE and JOIN), then applies the
    /// outcome to the task (or keeps the script's value for it) and decides the workflow.
    Evaluate(Evaluation),
    /// Disarms a task's timer.
    ClearTimer {
        /// The task that was waiting.
        task_id: String,
    },
}

/// The task instances a mapper created for a workflow task being scheduled, and the effects that
/// go with them (applied at once, before the tasks are scheduled).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Mapped {
    pub(crate) tasks: Vec<Task>,
    pub(crate) effects: Vec<Effect>,
}

impl Mapped {
    /// Adds what a nested mapping produced (a branch, a case) after what is there.
    pub(crate) fn extend(&mut self, other: Mapped) {
        self.tasks.extend(other.tasks);
        self.effects.extend(other.effects);
    }
}

impl From<Vec<Task>> for Mapped {
    fn from(tasks: Vec<Task>) -> Self {
        Self {
            tasks,
            effects: Vec::new(),
        }
    }
}

impl From<Task> for Mapped {
    fn from(task: Task) -> Self {
        vec![task].into()
    }
}

/// What executing a system task did: whether its state changed, and the effects to apply.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Executed {
    pub(crate) changed: bool,
    pub(crate) effects: Vec<Effect>,
}

impl Executed {
    /// The task's state changed; nothing else to do.
    pub(crate) fn changed() -> Self {
        Self {
            changed: true,
            effects: Vec::new(),
        }
    }

    /// Nothing happened (the task waits).
    pub(crate) fn unchanged() -> Self {
        Self::default()
    }

    /// Adds an effect.
    pub(crate) fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }
}

impl From<bool> for Executed {
    fn from(changed: bool) -> Self {
        Self {
            changed,
            effects: Vec::new(),
        }
    }
}
