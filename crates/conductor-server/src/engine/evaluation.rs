//! [`Evaluation`]: a task's script or jq evaluation, to run outside the engine lock, and the
//! store's record of those in flight ([`Offload`]). The system tasks ask for one with an
//! `Effect::Evaluate`; the engine runs them (`engine::offload`).

use std::collections::HashSet;

use conductor_models::{JsonMap, Task};

/// What an evaluation's result does to its task, under the lock.
pub(crate) type Apply = Box<dyn FnOnce(&mut Task) + Send>;
/// An evaluation, run outside the lock.
pub(crate) type Job = Box<dyn FnOnce() -> Apply + Send>;

/// One task's pending evaluation.
pub(crate) struct Evaluation {
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
}

impl std::fmt::Debug for Offload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offload")
            .field("in_flight", &self.in_flight)
            .field("requested", &self.requested.len())
            .field("in_place", &self.in_place)
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
