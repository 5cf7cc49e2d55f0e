//! [`Evaluation`]: a script or jq evaluation, to run outside the engine lock, and the store's
//! record of those in flight ([`Offload`]). The system tasks ask for one with an
//! `Effect::Evaluate`, event delivery queues one for the handlers' conditions; the engine runs
//! them (`engine::offload`).

use std::collections::{HashMap, HashSet};

use conductor_models::{EventHandler, JsonMap, Task};
use serde_json::Value;

use super::script::ScriptError;

/// What an evaluation's result does to its task, under the lock.
pub(crate) type Apply = Box<dyn FnOnce(&mut Task) + Send>;
/// An evaluation, run outside the lock.
pub(crate) type Job = Box<dyn FnOnce() -> Outcome + Send>;

/// What an evaluation produced, applied under the lock.
pub(crate) enum Outcome {
    /// Changes the task (INLINE, LAMBDA, JSON_JQ_TRANSFORM set their output and status).
    Apply(Apply),
    /// A script's value, kept for the task's next execution in the decide that follows (SWITCH,
    /// DECISION, DO_WHILE, JOIN: what the value leads to needs the decider).
    Verdict(Verdict),
    /// The conditions of the event handlers of a message: the matching handlers' actions run.
    Delivery(Delivery),
}

/// The value of `script` over `bindings`, evaluated outside the lock for a task. The task finds it
/// (in [`Offload::verdicts`]) when it executes again and asks for the same script over the same
/// bindings; otherwise (its state changed meanwhile) it asks for a new evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub(crate) script: String,
    pub(crate) bindings: Value,
    pub(crate) result: Result<Value, ScriptError>,
}

/// A message for event handlers, some with a condition: the handlers as they were when the message
/// was published, each with whether its condition holds (`true` when it has none).
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) queue: String,
    pub(crate) message_id: String,
    pub(crate) payload: Value,
    pub(crate) handlers: Vec<(EventHandler, bool)>,
}

/// One task's pending evaluation (or an event delivery's).
pub(crate) struct Evaluation {
    /// The task's workflow, or the queue of an event delivery: evaluations with the same one run
    /// together, in order.
    pub(crate) workflow_id: String,
    pub(crate) task: Attempt,
    pub(crate) job: Job,
}

/// The task an evaluation is for: its id, and the input it was evaluated with (a rerun may reset
/// the task, with the same id, while the evaluation runs: the outcome is then stale).
pub(crate) struct Attempt {
    pub(crate) task_id: String,
    pub(crate) input: JsonMap,
}

/// The evaluations of the store: those in flight and those the current operation asked for.
/// Not persisted: after a restart, deciding the workflow asks for the evaluation again (the task
/// is still IN_PROGRESS).
#[derive(Default)]
pub(crate) struct Offload {
    /// Tasks whose evaluation was handed out and whose outcome is not applied yet: a decide in
    /// the meantime (a sweep, another request) must not evaluate them a second time.
    pub(crate) in_flight: HashSet<String>,
    /// Evaluations asked for by the operation holding the lock, in order.
    pub(crate) requested: Vec<Evaluation>,
    /// Evaluate in place, under the lock (the test endpoint must answer a finished run).
    pub(crate) in_place: bool,
    /// Script values by task id, kept while the workflow is decided after they were evaluated.
    pub(crate) verdicts: HashMap<String, Verdict>,
}

impl std::fmt::Debug for Offload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offload")
            .field("in_flight", &self.in_flight)
            .field("requested", &self.requested.len())
            .field("in_place", &self.in_place)
            .field("verdicts", &self.verdicts.len())
            .finish()
    }
}

/// Effects compare evaluations by what they are for (the closures cannot be compared).
impl PartialEq for Evaluation {
    fn eq(&self, other: &Self) -> bool {
        self.workflow_id == other.workflow_id
            && self.task.task_id == other.task.task_id
            && self.task.input == other.task.input
    }
}

impl std::fmt::Debug for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluation")
            .field("workflow_id", &self.workflow_id)
            .field("task_id", &self.task.task_id)
            .finish_non_exhaustive()
    }
}
