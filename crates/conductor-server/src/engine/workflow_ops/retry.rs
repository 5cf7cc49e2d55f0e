//! Retrying a failed workflow in place (`WorkflowExecutorOps.retry`): its failed tasks get a new
//! attempt, and the SUB_WORKFLOW tasks of its parents, up to the root, resume
//! (`updateAndPushParents`).

use std::collections::BTreeMap;

use conductor_models::{JsonMap, Task, TaskStatus, TaskType, Workflow, WorkflowStatus};

use crate::engine::error::{EngineError, EngineResult};
use crate::engine::executor::{Exec, workflow_not_found};
use crate::engine::input::resolve_task_input;
use crate::engine::refs::is_type;
use crate::engine::view::new_id;

impl Exec<'_> {
    /// `POST /workflow/{id}/retry` (`WorkflowExecutorOps.retry`).
    pub(crate) fn retry_workflow(&mut self, id: &str) -> EngineResult<()> {
        self.retry_workflow_with(id, false)
    }

    /// `POST /workflow/{id}/retry?resumeSubworkflowTasks=`: with `resume_subworkflows`, a failed
    /// SUB_WORKFLOW task is not re-created: its child is retried (recursively) and the task
    /// resumes in place (`findLastFailedSubWorkflowIfAny`, `updateAndPushParents`).
    pub(crate) fn retry_workflow_with(
        &mut self,
        id: &str,
        resume_subworkflows: bool,
    ) -> EngineResult<()> {
        if resume_subworkflows {
            let wf = self.workflow(id)?;
            if !wf.status.is_terminal() {
                return Err(EngineError::NotFound(format!(
                    "Workflow is still running.  status={}",
                    wf.status
                )));
            }
            let failed_child = wf
                .tasks
                .iter()
                .rev()
                .filter(|t| is_type(t, &TaskType::SubWorkflow) && !t.retried)
                .find(|t| t.status.is_terminal() && !t.status.is_successful())
                .and_then(|t| t.sub_workflow_id.clone())
                .filter(|child| {
                    self.store.workflows.get(child).is_some_and(|c| {
                        c.status.is_terminal() && c.status != WorkflowStatus::Completed
                    })
                });
            if let Some(child) = failed_child {
                return self.retry_workflow_with(&child, true);
            }
        }
        self.retry_in_place(id)?;
        self.revive_parents(id);
        Ok(())
    }

    /// Walks up from `id` to the root (`updateAndPushParents`): each parent's SUB_WORKFLOW task
    /// that runs the child goes back to IN_PROGRESS, the parent back to RUNNING, its other
    /// unsuccessful branches are repaired (failed sibling sub-workflows retried, CANCELED tasks
    /// rescheduled, CANCELED JOIN/DO_WHILE resumed) and the parent is decided. The walk stops at
    /// an orphan (the task is no longer in the parent's list, e.g. the parent was restarted), at
    /// an optional SUB_WORKFLOW task, and at a superseded (retried) attempt.
    pub(super) fn revive_parents(&mut self, id: &str) {
        let mut current = id.to_owned();
        while let Some((parent_id, task_id)) = self.store.workflows.get(&current).and_then(|wf| {
            wf.parent_workflow_id
                .clone()
                .zip(wf.parent_workflow_task_id.clone())
        }) {
            let now = self.now;
            let Some(mut parent) = self.store.workflows.remove(&parent_id) else {
                return;
            };
            let walkable = parent
                .tasks
                .iter()
                .find(|t| t.task_id == task_id)
                .is_some_and(|t| {
                    !t.workflow_task.as_ref().is_some_and(|wt| wt.optional) && !t.retried
                });
            if !walkable {
                self.store.workflows.insert(parent_id, parent);
                return;
            }
            let (to_queue, children_to_retry) = self.revive_parent(&mut parent, &task_id, now);
            self.store.workflows.insert(parent_id.clone(), parent);
            for child_id in children_to_retry {
                if let Err(error) = self.retry_in_place(&child_id) {
                    tracing::warn!(%child_id, %error, "cannot retry a failed sibling sub-workflow");
                }
            }
            for task in &to_queue {
                if !self.is_system(&task.task_type) {
                    self.queue_task(task);
                }
            }
            self.decide(&parent_id);
            current = parent_id;
        }
    }

    /// Puts `parent` back to RUNNING with the SUB_WORKFLOW task `task_id` (that runs the revived
    /// child) IN_PROGRESS, and repairs its other unsuccessful branches; returns the tasks to
    /// queue and the failed sibling sub-workflows to retry.
    fn revive_parent(
        &self,
        parent: &mut Workflow,
        task_id: &str,
        now: i64,
    ) -> (Vec<Task>, Vec<String>) {
        parent.status = WorkflowStatus::Running;
        parent.reason_for_incompletion = None;
        parent.end_time = 0;
        parent.last_retried_time = now;
        parent.update_time = Some(now);
        parent.failed_reference_task_names.clear();
        parent.failed_task_names.clear();
        let mut to_queue = Vec::new();
        let mut children_to_retry = Vec::new();
        for task in parent.tasks.iter_mut().filter(|t| !t.retried) {
            let unsuccessful = task.status.is_terminal() && !task.status.is_successful();
            if task.task_id == task_id {
                if task.status.is_terminal() {
                    revive_task(task, now);
                }
            } else if is_type(task, &TaskType::SubWorkflow) && task.sub_workflow_id.is_some() {
                if !unsuccessful {
                    continue;
                }
                let child_id = task.sub_workflow_id.clone().unwrap_or_default();
                let Some(child) = self.store.workflows.get(&child_id) else {
                    continue;
                };
                if child.status == WorkflowStatus::Running {
                    revive_task(task, now);
                } else if child
                    .tasks
                    .iter()
                    .any(|t| t.status.is_terminal() && !t.status.is_successful())
                {
                    children_to_retry.push(child_id);
                    revive_task(task, now);
                }
            } else if task.status == TaskStatus::Canceled {
                if is_type(task, &TaskType::Join) || is_type(task, &TaskType::DoWhile) {
                    task.status = TaskStatus::InProgress;
                    task.executed = false;
                    task.end_time = 0;
                } else {
                    reschedule_canceled(task, now);
                    to_queue.push(task.clone());
                }
            }
        }
        (to_queue, children_to_retry)
    }

    fn retry_in_place(&mut self, id: &str) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        if !wf.status.is_terminal() {
            return Err(EngineError::NotFound(format!(
                "Workflow is still running.  status={}",
                wf.status
            )));
        }
        if wf.tasks.is_empty() {
            return Err(EngineError::Conflict("Workflow has not started yet".into()));
        }
        let (to_retry, revive_in_place) = retry_plan(wf);
        if to_retry.is_empty() && wf.status != WorkflowStatus::TimedOut {
            return Err(EngineError::Conflict(
                "There are no retryable tasks! Use restart if you want to attempt entire workflow execution again."
                    .into(),
            ));
        }
        let now = self.now;
        let Some(mut wf) = self.store.workflows.remove(id) else {
            return Err(workflow_not_found(id));
        };
        wf.status = WorkflowStatus::Running;
        wf.last_retried_time = now;
        wf.reason_for_incompletion = None;
        wf.end_time = 0;
        wf.update_time = Some(now);
        for task in wf
            .tasks
            .iter_mut()
            .filter(|t| revive_in_place.contains(&t.task_id))
        {
            task.status = TaskStatus::InProgress;
            task.end_time = 0;
            task.executed = false;
        }
        let mut max_seq = wf.tasks.iter().map(|t| t.seq).max().unwrap_or(0);
        let mut new_tasks = Vec::new();
        for old in &to_retry {
            max_seq += 1;
            new_tasks.push(new_attempt(&wf, old, max_seq, now));
            if let Some(stored) = wf.tasks.iter_mut().find(|t| t.task_id == old.task_id) {
                stored.retried = true;
                stored.executed = true;
            }
        }
        for task in &new_tasks {
            self.store
                .task_index
                .insert(task.task_id.clone(), id.to_owned());
        }
        wf.tasks.extend(new_tasks.iter().cloned());
        self.store.workflows.insert(id.to_owned(), wf);
        for task in &new_tasks {
            if !self.is_system(&task.task_type) {
                self.queue_task(task);
            }
        }
        self.decide(id);
        Ok(())
    }
}

/// Puts a terminal SUB_WORKFLOW task back to IN_PROGRESS: its (revived) child runs again.
pub(super) fn revive_task(task: &mut Task, now: i64) {
    task.status = TaskStatus::InProgress;
    task.end_time = 0;
    task.executed = false;
    task.retried = false;
    task.reason_for_incompletion = None;
    task.update_time = now;
}

/// A CANCELED task of a revived parent is scheduled again, as a new attempt number.
fn reschedule_canceled(task: &mut Task, now: i64) {
    task.retry_count += 1;
    task.reason_for_incompletion = None;
    task.poll_count = 0;
    task.worker_id = None;
    task.scheduled_time = now;
    task.start_time = 0;
    task.end_time = 0;
    task.executed = false;
    task.status = TaskStatus::Scheduled;
    task.update_time = now;
}

/// What a retry of `wf` does: the tasks that get a new attempt (the last unsuccessful attempt of
/// each reference name that did not succeed later, in `seq` order) and the JOIN/DO_WHILE/FORK
/// tasks that resume in place.
fn retry_plan(wf: &Workflow) -> (Vec<Task>, Vec<String>) {
    let mut tasks = wf.tasks.clone();
    tasks.sort_by_key(|t| t.seq);
    let mut retriable: BTreeMap<String, usize> = BTreeMap::new();
    let mut revive_in_place: Vec<String> = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        let in_place = is_type(task, &TaskType::Join)
            || is_type(task, &TaskType::DoWhile)
            || is_type(task, &TaskType::Fork);
        match task.status {
            TaskStatus::Failed | TaskStatus::Canceled if in_place => {
                revive_in_place.push(task.task_id.clone());
            }
            TaskStatus::Failed
            | TaskStatus::FailedWithTerminalError
            | TaskStatus::TimedOut
            | TaskStatus::Canceled => {
                retriable.insert(task.reference_task_name.clone(), i);
            }
            _ => {
                retriable.remove(&task.reference_task_name);
            }
        }
    }
    let mut indices: Vec<usize> = retriable.into_values().collect();
    indices.sort_by_key(|i| tasks[*i].seq);
    let to_retry = indices.into_iter().map(|i| tasks[i].clone()).collect();
    (to_retry, revive_in_place)
}

/// The new attempt of `old` in a workflow retry: SCHEDULED now as number `seq`, its input
/// resolved again.
fn new_attempt(wf: &Workflow, old: &Task, seq: i32, now: i64) -> Task {
    let mut retry = old.clone();
    retry.task_id = new_id();
    retry.retried_task_id = Some(old.task_id.clone());
    retry.status = TaskStatus::Scheduled;
    retry.retry_count = old.retry_count + 1;
    retry.retried = false;
    retry.executed = false;
    retry.poll_count = 0;
    retry.callback_after_seconds = 0;
    retry.sub_workflow_id = None;
    retry.start_time = 0;
    retry.end_time = 0;
    retry.worker_id = None;
    retry.reason_for_incompletion = None;
    retry.output_data = JsonMap::new();
    retry.scheduled_time = now;
    retry.update_time = now;
    retry.seq = seq;
    if let Some(wt) = &old.workflow_task {
        let fresh = resolve_task_input(
            wf,
            &wt.input_parameters,
            wt.task_definition.as_ref(),
            Some(&retry.task_id),
        );
        retry.input_data.extend(fresh);
    }
    retry
}
