//! Running a workflow again from the start (`restart`) or from one of its tasks (`rerunWF`,
//! `finalizeRerun`).

use conductor_models::{
    JsonMap, RerunWorkflowRequest, Task, TaskStatus, TaskType, Workflow, WorkflowStatus,
};

use super::retry::revive_task;
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::executor::{Exec, workflow_not_found};
use crate::engine::refs::is_type;
use crate::engine::task_defs::populate_task_defs;

/// Where a rerun starts: a task of the workflow itself, or the SUB_WORKFLOW task whose child
/// (or deeper descendant) holds the requested task.
enum RerunFrom {
    Task(Task),
    InsideChild(Task),
}

impl Exec<'_> {
    /// `POST /workflow/{id}/restart`.
    pub(crate) fn restart(&mut self, id: &str, use_latest: bool) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        if !wf.status.is_terminal() {
            return Err(EngineError::Conflict(format!(
                "Workflow: {id} is not in terminal state, unable to restart."
            )));
        }
        let restartable = wf
            .workflow_definition
            .as_ref()
            .is_none_or(|d| d.restartable);
        if !restartable && wf.status == WorkflowStatus::Completed {
            return Err(EngineError::NotFound(format!(
                "Workflow: {id} is non-restartable"
            )));
        }
        let latest = if use_latest {
            let name = wf
                .workflow_definition
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let mut def = self
                .store
                .latest_workflow_def(&name)
                .cloned()
                .ok_or_else(|| {
                    EngineError::NotFound(format!(
                        "No such workflow found by name: {name}, version: null"
                    ))
                })?;
            populate_task_defs(&mut def, self.store);
            Some(def)
        } else {
            None
        };
        let now = self.now;
        let Some(mut wf) = self.store.workflows.remove(id) else {
            return Err(workflow_not_found(id));
        };
        self.clear_tasks(&mut wf, |_| false);
        if let Some(def) = latest {
            wf.workflow_definition = Some(def);
        }
        wf.status = WorkflowStatus::Running;
        wf.reason_for_incompletion = None;
        wf.output = JsonMap::new();
        wf.end_time = 0;
        wf.last_retried_time = 0;
        wf.create_time = Some(now);
        wf.update_time = Some(now);
        wf.failed_reference_task_names.clear();
        wf.failed_task_names.clear();
        self.store.workflows.insert(id.to_owned(), wf);
        self.decide(id);
        // A restarted child resumes the SUB_WORKFLOW task that runs it (`updateAndPushParents`).
        self.revive_parents(id);
        Ok(())
    }

    /// `POST /workflow/{id}/rerun` (`WorkflowExecutorOps.rerunWF`). A task id that is not in
    /// the workflow is searched in its sub-workflows (recursively): that child is rerun and the
    /// SUB_WORKFLOW task running it resumes in place. Every rerun ends by reviving the parent
    /// chain (`updateAndPushParents`).
    pub(crate) fn rerun(
        &mut self,
        id: &str,
        request: RerunWorkflowRequest,
    ) -> EngineResult<String> {
        let wf = self.workflow(id)?;
        if !wf.status.is_terminal() {
            return Err(EngineError::Conflict(format!(
                "Workflow: {id} is not in terminal state, unable to rerun."
            )));
        }
        let from = self.rerun_origin(wf, request.re_run_from_task_id.as_deref())?;
        if let Some(RerunFrom::InsideChild(holder)) = &from {
            let child_id = holder.sub_workflow_id.clone().unwrap_or_default();
            let child_request = RerunWorkflowRequest {
                re_run_from_workflow_id: Some(child_id.clone()),
                re_run_from_task_id: request.re_run_from_task_id.clone(),
                task_input: request.task_input.clone(),
                ..RerunWorkflowRequest::default()
            };
            self.rerun(&child_id, child_request)?;
        }
        let now = self.now;
        let Some(mut wf) = self.store.workflows.remove(id) else {
            return Err(workflow_not_found(id));
        };
        if let Some(input) = request.workflow_input {
            wf.input = input;
        }
        if let Some(correlation_id) = request.correlation_id {
            wf.correlation_id = Some(correlation_id);
        }
        wf.status = WorkflowStatus::Running;
        wf.reason_for_incompletion = None;
        wf.end_time = 0;
        wf.update_time = Some(now);
        // conductor-oss's rerunWF leaves the previous run's output in place until the workflow
        // ends again (seen on 3.21.14 and 3.32.3 by the wire diff).
        wf.failed_reference_task_names.clear();
        wf.failed_task_names.clear();
        match from {
            None => {
                self.clear_tasks(&mut wf, |_| false);
                wf.create_time = Some(now);
                self.store.workflows.insert(id.to_owned(), wf);
            }
            Some(RerunFrom::InsideChild(holder)) => {
                // The child was rerun above; the task running it resumes in place.
                if let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == holder.task_id) {
                    revive_task(task, now);
                    task.poll_count = 0;
                    task.scheduled_time = now;
                    task.start_time = now;
                }
                self.store.workflows.insert(id.to_owned(), wf);
                self.decide(id);
                return Ok(id.to_owned());
            }
            Some(RerunFrom::Task(from)) if is_type(&from, &TaskType::SubWorkflow) => {
                self.rerun_sub_workflow_task(wf, &from);
            }
            Some(RerunFrom::Task(from)) => self.rerun_task(wf, &from, request.task_input),
        }
        self.decide(id);
        self.revive_parents(id);
        Ok(id.to_owned())
    }

    /// Where a rerun starts: nowhere (from the beginning), a task of `wf`, or the SUB_WORKFLOW
    /// task of `wf` whose child (or deeper descendant) holds `task_id`.
    fn rerun_origin(
        &self,
        wf: &Workflow,
        task_id: Option<&str>,
    ) -> EngineResult<Option<RerunFrom>> {
        let Some(task_id) = task_id.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if let Some(task) = wf.tasks.iter().find(|t| t.task_id == task_id) {
            return Ok(Some(RerunFrom::Task(task.clone())));
        }
        let holder = wf
            .tasks
            .iter()
            .filter(|t| is_type(t, &TaskType::SubWorkflow))
            .find(|t| {
                t.sub_workflow_id
                    .as_deref()
                    .is_some_and(|child| self.holds_task(child, task_id))
            })
            .cloned()
            .ok_or_else(|| EngineError::BadRequest(format!("Task {task_id} not found")))?;
        Ok(Some(RerunFrom::InsideChild(holder)))
    }

    /// A rerun from a SUB_WORKFLOW task: the task is reset in place (seq-based removal would strip
    /// parallel fork branches), and the decide that follows starts a brand-new child.
    fn rerun_sub_workflow_task(&mut self, mut wf: Workflow, from: &Task) {
        let now = self.now;
        if let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == from.task_id) {
            reset_for_rerun(task, now);
            // The new child's start clears the old failure.
            task.reason_for_incompletion = None;
            task.sub_workflow_id = None;
            task.status = TaskStatus::Scheduled;
        }
        let queue = self.reset_unsuccessful_siblings(&mut wf, from, now);
        self.store.workflows.insert(wf.workflow_id.clone(), wf);
        for task in &queue {
            self.queue_task(task);
        }
    }

    /// A rerun from any other task: the tasks after it are dropped, it is scheduled again (with
    /// `task_input` when given), and the unsuccessful survivors run again.
    fn rerun_task(&mut self, mut wf: Workflow, from: &Task, task_input: Option<JsonMap>) {
        let now = self.now;
        let seq = from.seq;
        self.clear_tasks(&mut wf, |t| t.seq < seq || t.task_id == from.task_id);
        let mut requeue = None;
        if let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == from.task_id) {
            reset_for_rerun(task, now);
            task.status = TaskStatus::Scheduled;
            if let Some(input) = task_input {
                task.input_data = input;
            }
            requeue = Some(task.clone());
        }
        // Attempts of other refs that were superseded stay; the rerun task is live again.
        for task in wf.tasks.iter_mut() {
            if task.retried
                && task.reference_task_name == from.reference_task_name
                && task.task_id != from.task_id
            {
                task.executed = true;
            }
        }
        let mut queue = self.reset_unsuccessful_siblings(&mut wf, from, now);
        self.store.workflows.insert(wf.workflow_id.clone(), wf);
        if let Some(task) = requeue.filter(|t| !self.is_system(&t.task_type)) {
            queue.push(task);
        }
        for task in &queue {
            self.queue_task(task);
        }
    }

    /// Whether the workflow `id` or one of its sub-workflows (recursively) holds `task_id`.
    fn holds_task(&self, id: &str, task_id: &str) -> bool {
        self.store.workflows.get(id).is_some_and(|wf| {
            wf.tasks.iter().any(|t| {
                t.task_id == task_id
                    || is_type(t, &TaskType::SubWorkflow)
                        && t.sub_workflow_id
                            .as_deref()
                            .is_some_and(|child| self.holds_task(child, task_id))
            })
        })
    }

    /// `finalizeRerun`: the other unsuccessful tasks that survive the rerun (e.g. failed or
    /// canceled fork branches) run again: JOIN/DO_WHILE resume, SUB_WORKFLOW tasks start a new
    /// child, the rest are rescheduled. Superseded (retried) attempts are left alone. Returns
    /// the worker tasks to queue.
    fn reset_unsuccessful_siblings(&self, wf: &mut Workflow, from: &Task, now: i64) -> Vec<Task> {
        let mut queue = Vec::new();
        for task in wf.tasks.iter_mut().filter(|t| {
            !t.retried
                && t.status.is_terminal()
                && !t.status.is_successful()
                && t.reference_task_name != from.reference_task_name
        }) {
            if is_type(task, &TaskType::SubWorkflow) {
                task.sub_workflow_id = None;
                task.output_data.remove("subWorkflowId");
            }
            task.status = if is_type(task, &TaskType::Join) || is_type(task, &TaskType::DoWhile) {
                TaskStatus::InProgress
            } else {
                TaskStatus::Scheduled
            };
            task.executed = false;
            task.start_time = now;
            task.end_time = 0;
            task.reason_for_incompletion = None;
            task.update_time = now;
            if task.status == TaskStatus::Scheduled && !self.is_system(&task.task_type) {
                queue.push(task.clone());
            }
        }
        queue
    }
}

/// Clears a task's run state so it executes again (`rerunWF`).
/// The task keeps its `reasonForIncompletion`: conductor-oss does not clear it (qops26).
fn reset_for_rerun(task: &mut Task, now: i64) {
    task.retried = false;
    task.executed = false;
    task.poll_count = 0;
    task.output_data = JsonMap::new();
    task.start_time = 0;
    task.end_time = 0;
    task.scheduled_time = now;
    task.update_time = now;
    task.callback_after_seconds = 0;
    task.worker_id = None;
}
