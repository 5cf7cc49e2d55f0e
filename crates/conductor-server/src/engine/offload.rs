//! Work the engine runs outside its lock: script and jq evaluations (on blocking threads), and
//! the tracked set of background tasks (those evaluations and the network calls) that shutdown
//! waits for, then cancels.
//!
//! A script may run for seconds (up to its time limit), so evaluating it inside the decide loop
//! would hold the engine lock, and a tokio worker thread, that long. Instead the task's
//! `execute` returns an [`Effect::Evaluate`](super::effects::Effect) holding a closure: the task
//! stays as it is (IN_PROGRESS) and the closure is queued in the store's
//! [`Offload`](super::evaluation::Offload). When the operation releases the lock, the engine takes
//! the queued evaluations and runs them on blocking threads (at most [`Background`]'s number of
//! permits at once); each workflow's evaluations run together, in the order the decider asked for
//! them, and their outcomes are applied in that order under the lock by
//! [`Exec::apply_evaluated`], which decides the workflow (possibly asking for more evaluations).
//! An outcome is one of three ([`Outcome`]): INLINE, LAMBDA and JSON_JQ_TRANSFORM change their
//! task; SWITCH, DECISION, DO_WHILE and JOIN get their script's value back for the decide that
//! follows, in which they execute again and act on it (schedule the case, start the next
//! iteration, join); event-handler conditions lead to the matching handlers' actions.
//!
//! [`Engine::run`] is the entry point of requests: it returns once the evaluations its operation
//! triggered, and those these triggered in turn, are applied, so a client sees the workflow
//! decided after its scripts ran, as conductor-oss (whose scripts run inside `decide`, and event
//! handlers when the message is published) shows it. The sweeper and the network worker use
//! [`Engine::with`]: their evaluations run in the background, tracked, and nobody waits for them.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use conductor_models::{Task, TaskStatus};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Engine;
use super::evaluation::{Attempt, Evaluation, Job, Outcome};
use super::executor::Exec;

/// The failure of an evaluation that panicked (a bug, but it must not leave the task hanging).
const PANICKED: &str = "The evaluation of the task failed unexpectedly";

impl Exec<'_> {
    /// Runs `op` with evaluations done in place, under the lock (for `/workflow/test`, whose
    /// answer is the finished run).
    pub(crate) fn evaluating_in_place<R>(&mut self, op: impl FnOnce(&mut Self) -> R) -> R {
        let before = std::mem::replace(&mut self.store.offload.in_place, true);
        let result = op(self);
        self.store.offload.in_place = before;
        result
    }

    /// Takes the evaluations the operation asked for.
    pub(crate) fn take_evaluations(&mut self) -> Vec<Evaluation> {
        std::mem::take(&mut self.store.offload.requested)
    }

    /// Applies the outcomes of a workflow's evaluations, in the order they were asked for, and
    /// decides the workflow. An outcome whose workflow or task ended meanwhile (terminated,
    /// removed, timed out) is dropped, and so is one for a task reset since (its input differs:
    /// the decide evaluates it again). As inside the decide loop, a task failing is decided at
    /// once, before the outcomes after it are applied. Script values ([`Outcome::Verdict`]) are
    /// kept for the decide, which executes their tasks again, and dropped after it (a task that
    /// did not take its value, e.g. in a paused workflow, asks for it again when next executed).
    pub(crate) fn apply_evaluated(&mut self, workflow_id: &str, outcomes: Vec<(Attempt, Outcome)>) {
        let now = self.now;
        let mut verdicts = Vec::new();
        for (attempt, outcome) in outcomes {
            let apply = match outcome {
                Outcome::Delivery(delivery) => {
                    self.deliver_evaluated(delivery);
                    continue;
                }
                Outcome::Apply(apply) => Some(apply),
                Outcome::Verdict(verdict) => {
                    self.store
                        .offload
                        .verdicts
                        .insert(attempt.task_id.clone(), verdict);
                    verdicts.push(attempt.task_id.clone());
                    None
                }
            };
            let task_id = attempt.task_id;
            self.store.offload.in_flight.remove(&task_id);
            let Some(wf) = self.store.workflows.get_mut(workflow_id) else {
                continue;
            };
            if wf.status.is_terminal() {
                continue;
            }
            let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == task_id) else {
                continue;
            };
            if task.status.is_terminal() || task.input_data != attempt.input {
                continue;
            }
            let Some(apply) = apply else {
                continue;
            };
            apply(task);
            task.update_time = now;
            if task.status.is_terminal() && task.end_time == 0 {
                task.end_time = now;
            }
            if task.status.is_terminal() && !task.status.is_successful() {
                self.decide(workflow_id);
            }
        }
        self.decide(workflow_id);
        for task_id in verdicts {
            self.store.offload.verdicts.remove(&task_id);
        }
    }
}

/// The evaluations of one workflow, run together.
struct Batch {
    workflow_id: String,
    jobs: Vec<(Attempt, Job)>,
}

/// Groups evaluations by workflow, keeping the order of the first request of each workflow and
/// the order of requests within it.
fn batches(evaluations: Vec<Evaluation>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for evaluation in evaluations {
        let job = (evaluation.task, evaluation.job);
        match out
            .iter_mut()
            .find(|b| b.workflow_id == evaluation.workflow_id)
        {
            Some(batch) => batch.jobs.push(job),
            None => out.push(Batch {
                workflow_id: evaluation.workflow_id,
                jobs: vec![job],
            }),
        }
    }
    out
}

/// Runs a batch's evaluations one after the other on the current thread.
fn evaluate(jobs: Vec<(Attempt, Job)>) -> Vec<(Attempt, Outcome)> {
    jobs.into_iter()
        .map(|(attempt, job)| {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| {
                tracing::error!(task_id = %attempt.task_id, "task evaluation panicked");
                Outcome::Apply(Box::new(|task: &mut Task| {
                    task.status = TaskStatus::Failed;
                    task.reason_for_incompletion = Some(PANICKED.to_owned());
                }))
            });
            (attempt, outcome)
        })
        .collect()
}

/// The engine's background tasks: evaluations and network calls, tracked so that shutdown can
/// wait for them and then cancel them.
#[derive(Debug)]
pub(crate) struct Background {
    tracker: TaskTracker,
    cancel: CancellationToken,
    /// Bounds the evaluations running at once (each holds a blocking thread, and a runaway
    /// script a core, until its time limit).
    permits: Arc<Semaphore>,
}

impl Default for Background {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            tracker: TaskTracker::new(),
            cancel: CancellationToken::new(),
            permits: Arc::new(Semaphore::new(cores.max(2))),
        }
    }
}

impl Background {
    /// Runs `work` as a tracked task; it is dropped (at an await point) when shutdown cancels.
    pub(crate) fn spawn<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.cancel.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                () = work => {}
                () = cancel.cancelled() => {}
            }
        });
    }

    /// Waits up to `grace` for the tracked tasks, then cancels those still running and waits
    /// for them to drop. New tasks can still be spawned (and are cancelled at once).
    pub(crate) async fn shutdown(&self, grace: Duration) {
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::info!(
                running = self.tracker.len(),
                "background tasks still running after the grace period: cancelled"
            );
        }
        self.cancel.cancel();
        self.tracker.wait().await;
    }
}

impl Engine {
    /// Runs `op` like [`Engine::with`], then waits until the evaluations it triggered (and the
    /// ones their outcomes triggered) are applied: what a request answers reflects its scripts,
    /// as in conductor-oss. The engine lock is not held while scripts run.
    pub(crate) async fn run<R>(&self, op: impl FnOnce(&mut Exec<'_>) -> R) -> R {
        let (result, evaluations) = self.locked(op);
        if !evaluations.is_empty() {
            // Every batch holds a sender until its outcome is applied and its follow-ups are
            // dispatched: the channel closes once the whole chain has settled.
            let (done, mut settled) = mpsc::channel::<()>(1);
            self.dispatch(evaluations, Some(&done));
            drop(done);
            let _ = settled.recv().await;
        }
        result
    }

    /// Runs `op` and evaluates what it triggered on the calling thread (without the lock) until
    /// nothing is left: for [`DevServer::sweep_now`](crate::DevServer::sweep_now), whose callers
    /// expect the sweep's effects at once.
    pub(crate) fn with_settled<R>(&self, op: impl FnOnce(&mut Exec<'_>) -> R) -> R {
        let (result, evaluations) = self.locked(op);
        self.evaluate_here(evaluations);
        result
    }

    fn evaluate_here(&self, mut evaluations: Vec<Evaluation>) {
        while !evaluations.is_empty() {
            let mut next = Vec::new();
            for batch in batches(std::mem::take(&mut evaluations)) {
                let outcomes = evaluate(batch.jobs);
                let ((), more) = self.locked(|e| e.apply_evaluated(&batch.workflow_id, outcomes));
                next.extend(more);
            }
            evaluations = next;
        }
    }

    /// Starts the evaluations on blocking threads, as tracked tasks. `done` is held by each
    /// until its outcome is applied (see [`Engine::run`]).
    pub(crate) fn dispatch(&self, evaluations: Vec<Evaluation>, done: Option<&mpsc::Sender<()>>) {
        if evaluations.is_empty() {
            return;
        }
        let engine = self.me.upgrade();
        let (Some(engine), Ok(_)) = (engine, tokio::runtime::Handle::try_current()) else {
            // No runtime to run them on (or the engine is being dropped): evaluate here.
            self.evaluate_here(evaluations);
            return;
        };
        for batch in batches(evaluations) {
            let engine = engine.clone();
            let done = done.cloned();
            let permits = self.background.permits.clone();
            self.background.spawn(async move {
                let Ok(permit) = permits.acquire_owned().await else {
                    return;
                };
                let jobs = batch.jobs;
                let evaluated = tokio::task::spawn_blocking(move || {
                    let outcomes = evaluate(jobs);
                    drop(permit);
                    outcomes
                })
                .await;
                let Ok(outcomes) = evaluated else {
                    // The runtime is shutting down: the tasks stay IN_PROGRESS and are evaluated
                    // again when their workflow is next decided.
                    return;
                };
                let workflow_id = batch.workflow_id;
                let ((), more) = engine.locked(|e| e.apply_evaluated(&workflow_id, outcomes));
                engine.dispatch(more, done.as_ref());
            });
        }
    }
}
