//! Workflow operations behind `/api/workflow`: reads, lifecycle operations (pause, resume,
//! terminate, retry, restart, rerun, skip, reset callbacks, remove), variables, lookups, search
//! and the mocked test run (`WorkflowExecutorOps`, `WorkflowServiceImpl`, `WorkflowTestService`).

use std::collections::BTreeMap;

use conductor_models::{
    JsonMap, RerunWorkflowRequest, SearchResult, SkipTaskRequest, Task, TaskResult, TaskStatus,
    Workflow, WorkflowStatus, WorkflowStatusSummary, WorkflowSummary, WorkflowTestRequest,
};
use serde_json::Value;

use super::def_tree;
use super::error::{EngineError, EngineResult, Violation};
use super::executor::Exec;
use super::input::resolve_task_input;
use super::render::{render_task, render_workflow, task_summary, workflow_summary};
use super::start::StartParams;
use super::task_defs::populate_task_defs;
use crate::queue::queue_name;
use crate::search::{Query, compare_by, free_text_matches, parse_sort};

/// Largest page a workflow search may ask for.
pub(crate) const MAX_SEARCH_SIZE: i64 = 5000;

/// Types the test endpoint runs normally instead of consuming mocks (`WorkflowTestService`).
const TEST_OPERATORS: [&str; 13] = [
    "JOIN",
    "DO_WHILE",
    "SET_VARIABLE",
    "FORK",
    "INLINE",
    "TERMINATE",
    "DECISION",
    "DYNAMIC",
    "FORK_JOIN",
    "FORK_JOIN_DYNAMIC",
    "SWITCH",
    "SUB_WORKFLOW",
    "NOOP",
];

/// Search parameters shared by every search endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchParams {
    pub(crate) start: i64,
    pub(crate) size: i64,
    pub(crate) sort: Option<String>,
    pub(crate) free_text: Option<String>,
    pub(crate) query: Option<String>,
}

fn not_found(id: &str) -> EngineError {
    EngineError::NotFound(format!("No such workflow found by id: {id}"))
}

fn summary_fields(wf: &Workflow) -> Value {
    let mut v = serde_json::to_value(workflow_summary(wf)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        // Time comparisons in queries use epoch milliseconds.
        map.insert("startTime".into(), Value::from(wf.create_time.unwrap_or(0)));
        map.insert(
            "updateTime".into(),
            Value::from(wf.update_time.unwrap_or(0)),
        );
        map.insert("endTime".into(), Value::from(wf.end_time));
        map.insert(
            "createTime".into(),
            Value::from(wf.create_time.unwrap_or(0)),
        );
    }
    v
}

/// Whether `task` is in the search index: conductor-oss indexes a task when it is updated
/// (polled, updated by a worker, executed, cancelled), not when it is scheduled, so a task that
/// was never updated (`updateTime` 0) is not found by task searches.
fn is_indexed(task: &Task) -> bool {
    task.update_time != 0
}

fn task_fields(task: &Task) -> Value {
    let mut v = serde_json::to_value(render_task(task)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert(
            "workflowId".into(),
            Value::from(task.workflow_instance_id.clone()),
        );
        map.insert(
            "taskReferenceName".into(),
            Value::from(task.reference_task_name.clone()),
        );
    }
    v
}

impl Exec<'_> {
    fn workflow(&self, id: &str) -> EngineResult<&Workflow> {
        self.store.workflows.get(id).ok_or_else(|| not_found(id))
    }

    fn workflow_mut(&mut self, id: &str) -> EngineResult<&mut Workflow> {
        self.store
            .workflows
            .get_mut(id)
            .ok_or_else(|| not_found(id))
    }

    /// A workflow, rendered.
    pub(crate) fn get_workflow(&self, id: &str, include_tasks: bool) -> EngineResult<Workflow> {
        self.workflow(id)
            .map(|wf| render_workflow(wf, include_tasks))
    }

    /// The status summary.
    pub(crate) fn workflow_status(
        &self,
        id: &str,
        include_output: bool,
        include_variables: bool,
    ) -> EngineResult<WorkflowStatusSummary> {
        let wf = self.workflow(id)?;
        Ok(WorkflowStatusSummary {
            workflow_id: wf.workflow_id.clone(),
            correlation_id: wf.correlation_id.clone().filter(|c| !c.is_empty()),
            output: include_output.then(|| wf.output.clone()),
            variables: include_variables.then(|| wf.variables.clone()),
            status: wf.status.clone(),
        })
    }

    /// A page of a workflow's tasks, optionally filtered by status.
    pub(crate) fn workflow_tasks(
        &self,
        id: &str,
        start: usize,
        count: usize,
        statuses: &[String],
    ) -> EngineResult<SearchResult<Task>> {
        let wf = render_workflow(self.workflow(id)?, true);
        let filtered: Vec<Task> = wf
            .tasks
            .into_iter()
            .filter(|t| {
                statuses.is_empty()
                    || statuses
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(t.status.as_str()))
            })
            .collect();
        let total = filtered.len() as i64;
        Ok(SearchResult {
            total_hits: total,
            results: filtered.into_iter().skip(start).take(count).collect(),
        })
    }

    /// Deletes a workflow (`removeWorkflow`).
    pub(crate) fn remove_workflow(&mut self, id: &str, archive: bool) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        if archive && !wf.status.is_terminal() {
            return Err(EngineError::BadRequest(format!(
                "Cannot archive workflow: {id} with status: {}",
                wf.status
            )));
        }
        if archive {
            self.store.archive_workflow(id);
        } else {
            self.store.remove_workflow(id);
        }
        Ok(())
    }

    /// `GET /workflow/running/{name}`. Without a time window: the ids of every running (or
    /// paused) execution of the name, whatever its version, as OSS's SQL stores answer
    /// `getRunningWorkflowIds` (they ignore the version). With a window: the executions of the
    /// name and version created within it (bounds included), whatever their status
    /// (`WorkflowExecutorOps.getWorkflows`).
    pub(crate) fn running_ids(
        &self,
        name: &str,
        version: i32,
        window: Option<(i64, i64)>,
    ) -> Vec<String> {
        self.store
            .workflows_in_order()
            .filter(|wf| {
                let Some(def) = wf.workflow_definition.as_ref().filter(|d| d.name == name) else {
                    return false;
                };
                match window {
                    None => !wf.status.is_terminal(),
                    Some((from, to)) => {
                        let t = wf.create_time.unwrap_or(0);
                        def.version == version && t >= from && t <= to
                    }
                }
            })
            .map(|wf| wf.workflow_id.clone())
            .collect()
    }

    /// Workflows of a name with a correlation id.
    pub(crate) fn correlated(
        &self,
        name: &str,
        correlation_id: &str,
        include_closed: bool,
        include_tasks: bool,
    ) -> Vec<Workflow> {
        self.store
            .workflows_in_order()
            .filter(|wf| wf.correlation_id.as_deref() == Some(correlation_id))
            .filter(|wf| {
                wf.workflow_definition
                    .as_ref()
                    .is_some_and(|d| d.name == name)
            })
            .filter(|wf| include_closed || !wf.status.is_terminal())
            .map(|wf| render_workflow(wf, include_tasks))
            .collect()
    }

    /// The task a signal completes: the first pending WAIT without a deadline of the workflow,
    /// else of its running sub-workflows (depth first); as `(workflow id, reference name)`.
    pub(crate) fn blocking_task(&self, id: &str) -> Option<(String, String)> {
        let wf = self.store.workflows.get(id)?;
        if let Some(task) = wf.tasks.iter().find(|t| super::tasks::is_blocking_wait(t)) {
            return Some((id.to_owned(), task.reference_task_name.clone()));
        }
        wf.tasks
            .iter()
            .filter(|t| t.task_type == "SUB_WORKFLOW" && !t.status.is_terminal())
            .filter_map(|t| t.sub_workflow_id.as_deref())
            .find_map(|child| self.blocking_task(child))
    }

    /// Completes every pending WAIT_FOR_WEBHOOK task that a call on webhook `id` with `payload`
    /// satisfies; returns how many.
    pub(crate) fn receive_webhook(&mut self, id: &str, payload: &Value) -> usize {
        let targets: Vec<(String, String)> = self
            .store
            .workflows
            .values()
            .filter(|wf| !wf.status.is_terminal())
            .flat_map(|wf| {
                wf.tasks
                    .iter()
                    .filter(|t| super::tasks::webhook_matches(t, id, payload))
                    .map(|t| (wf.workflow_id.clone(), t.task_id.clone()))
            })
            .collect();
        let output = match payload {
            Value::Object(map) => map.clone(),
            other => {
                let mut m = JsonMap::new();
                m.insert("payload".into(), other.clone());
                m
            }
        };
        let mut completed = 0;
        for (workflow_id, task_id) in targets {
            let result = TaskResult {
                workflow_instance_id: workflow_id,
                task_id,
                status: conductor_models::TaskResultStatus::Completed,
                output_data: output.clone(),
                ..TaskResult::default()
            };
            match self.update_task(&result) {
                Ok(_) => completed += 1,
                Err(error) => tracing::warn!(%error, "webhook could not complete a task"),
            }
        }
        completed
    }

    /// `PUT /workflow/{id}/pause`.
    pub(crate) fn pause(&mut self, id: &str) -> EngineResult<()> {
        let now = self.now;
        let wf = self.workflow_mut(id)?;
        if wf.status.is_terminal() {
            return Err(EngineError::Conflict(format!(
                "Workflow {id} has ended, status cannot be updated."
            )));
        }
        if wf.status != WorkflowStatus::Paused {
            wf.status = WorkflowStatus::Paused;
            wf.update_time = Some(now);
        }
        Ok(())
    }

    /// `PUT /workflow/{id}/resume`.
    pub(crate) fn resume(&mut self, id: &str) -> EngineResult<()> {
        let now = self.now;
        let wf = self.workflow_mut(id)?;
        if wf.status != WorkflowStatus::Paused {
            return Err(EngineError::Internal(format!(
                "The workflow {id} is not PAUSED so cannot resume. Current status is {}",
                wf.status
            )));
        }
        wf.status = WorkflowStatus::Running;
        wf.last_retried_time = now;
        wf.update_time = Some(now);
        self.decide(id);
        Ok(())
    }

    /// `DELETE /workflow/{id}`: API termination (no failure workflow).
    pub(crate) fn terminate(&mut self, id: &str, reason: Option<String>) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        match wf.status {
            WorkflowStatus::Completed => {
                return Err(EngineError::Conflict(
                    "Cannot terminate a COMPLETED workflow.".into(),
                ));
            }
            WorkflowStatus::Terminated => return Ok(()),
            _ => {}
        }
        let Some(mut wf) = self.store.workflows.remove(id) else {
            return Err(not_found(id));
        };
        self.terminate_workflow(&mut wf, WorkflowStatus::Terminated, reason, false, None);
        self.store.workflows.insert(id.to_owned(), wf);
        Ok(())
    }

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
                .filter(|t| t.task_type == "SUB_WORKFLOW" && !t.retried)
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
    fn revive_parents(&mut self, id: &str) {
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
                } else if task.task_type == "SUB_WORKFLOW" && task.sub_workflow_id.is_some() {
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
                    if matches!(task.task_type.as_str(), "JOIN" | "DO_WHILE") {
                        task.status = TaskStatus::InProgress;
                        task.executed = false;
                        task.end_time = 0;
                    } else {
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
                        to_queue.push(task.clone());
                    }
                }
            }
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
        let mut tasks = wf.tasks.clone();
        tasks.sort_by_key(|t| t.seq);
        let mut retriable: BTreeMap<String, usize> = BTreeMap::new();
        let mut revive_in_place: Vec<String> = Vec::new();
        for (i, task) in tasks.iter().enumerate() {
            let in_place = matches!(task.task_type.as_str(), "JOIN" | "DO_WHILE" | "FORK");
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
        if retriable.is_empty() && wf.status != WorkflowStatus::TimedOut {
            return Err(EngineError::Conflict(
                "There are no retryable tasks! Use restart if you want to attempt entire workflow execution again."
                    .into(),
            ));
        }
        let now = self.now;
        let Some(mut wf) = self.store.workflows.remove(id) else {
            return Err(not_found(id));
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
        let mut indices: Vec<usize> = retriable.into_values().collect();
        indices.sort_by_key(|i| tasks[*i].seq);
        let mut max_seq = wf.tasks.iter().map(|t| t.seq).max().unwrap_or(0);
        let mut new_tasks = Vec::new();
        for i in indices {
            let old = &tasks[i];
            let mut retry = old.clone();
            retry.task_id = uuid::Uuid::new_v4().to_string();
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
            max_seq += 1;
            retry.seq = max_seq;
            if let Some(wt) = &old.workflow_task {
                let fresh = resolve_task_input(
                    &wf,
                    &wt.input_parameters,
                    wt.task_definition.as_ref(),
                    Some(&retry.task_id),
                );
                retry.input_data.extend(fresh);
            }
            if let Some(stored) = wf.tasks.iter_mut().find(|t| t.task_id == old.task_id) {
                stored.retried = true;
                stored.executed = true;
            }
            new_tasks.push(retry);
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

    fn clear_tasks(&mut self, wf: &mut Workflow, keep: impl Fn(&Task) -> bool) {
        let (kept, dropped): (Vec<Task>, Vec<Task>) = wf.tasks.drain(..).partition(|t| keep(t));
        for task in &dropped {
            self.unqueue_task(task);
            self.store.task_index.remove(&task.task_id);
            self.store.task_logs.remove(&task.task_id);
        }
        wf.tasks = kept;
    }

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
            return Err(not_found(id));
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
        let from = match &request.re_run_from_task_id {
            Some(task_id) if !task_id.is_empty() => {
                match wf.tasks.iter().find(|t| &t.task_id == task_id) {
                    Some(task) => Some(RerunFrom::Task(task.clone())),
                    None => {
                        let holder = wf
                            .tasks
                            .iter()
                            .filter(|t| t.task_type == "SUB_WORKFLOW")
                            .find(|t| {
                                t.sub_workflow_id
                                    .as_deref()
                                    .is_some_and(|child| self.holds_task(child, task_id))
                            })
                            .cloned()
                            .ok_or_else(|| {
                                EngineError::BadRequest(format!("Task {task_id} not found"))
                            })?;
                        Some(RerunFrom::InsideChild(holder))
                    }
                }
            }
            _ => None,
        };
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
            return Err(not_found(id));
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
            Some(RerunFrom::Task(from)) if from.task_type == "SUB_WORKFLOW" => {
                // Reset in place (seq-based removal would strip parallel fork branches); the
                // decide below starts a brand-new child.
                if let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == from.task_id) {
                    reset_for_rerun(task, now);
                    // The new child's start clears the old failure.
                    task.reason_for_incompletion = None;
                    task.sub_workflow_id = None;
                    task.status = TaskStatus::Scheduled;
                }
                let queue = self.reset_unsuccessful_siblings(&mut wf, &from, now);
                self.store.workflows.insert(id.to_owned(), wf);
                for task in &queue {
                    self.queue_task(task);
                }
            }
            Some(RerunFrom::Task(from)) => {
                let seq = from.seq;
                self.clear_tasks(&mut wf, |t| t.seq < seq || t.task_id == from.task_id);
                let mut requeue = None;
                if let Some(task) = wf.tasks.iter_mut().find(|t| t.task_id == from.task_id) {
                    reset_for_rerun(task, now);
                    task.status = TaskStatus::Scheduled;
                    if let Some(input) = request.task_input {
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
                let mut queue = self.reset_unsuccessful_siblings(&mut wf, &from, now);
                self.store.workflows.insert(id.to_owned(), wf);
                if let Some(task) = requeue.filter(|t| !self.is_system(&t.task_type)) {
                    queue.push(task);
                }
                for task in &queue {
                    self.queue_task(task);
                }
            }
        }
        self.decide(id);
        self.revive_parents(id);
        Ok(id.to_owned())
    }

    /// Whether the workflow `id` or one of its sub-workflows (recursively) holds `task_id`.
    fn holds_task(&self, id: &str, task_id: &str) -> bool {
        self.store.workflows.get(id).is_some_and(|wf| {
            wf.tasks.iter().any(|t| {
                t.task_id == task_id
                    || t.task_type == "SUB_WORKFLOW"
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
            if task.task_type == "SUB_WORKFLOW" {
                task.sub_workflow_id = None;
                task.output_data.remove("subWorkflowId");
            }
            task.status = if matches!(task.task_type.as_str(), "JOIN" | "DO_WHILE") {
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

    /// `PUT /workflow/{id}/skiptask/{ref}`.
    pub(crate) fn skip_task(
        &mut self,
        id: &str,
        reference: &str,
        request: SkipTaskRequest,
    ) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        if wf.status != WorkflowStatus::Running {
            return Err(EngineError::Internal(format!(
                "The workflow {id} is not running so the task referenced by {reference} cannot be skipped"
            )));
        }
        let def = wf.workflow_definition.clone().unwrap_or_default();
        let Some(wt) = def_tree::find(&def.tasks, reference) else {
            return Err(EngineError::Internal(format!(
                "The task referenced by {reference} does not exist in the WorkflowDefinition {}",
                def.name
            )));
        };
        if wf.tasks.iter().any(|t| t.reference_task_name == reference) {
            return Err(EngineError::Internal(format!(
                "The task referenced {reference} has already been processed, cannot be skipped"
            )));
        }
        let now = self.now;
        let task = Task {
            task_id: uuid::Uuid::new_v4().to_string(),
            reference_task_name: reference.to_owned(),
            workflow_instance_id: id.to_owned(),
            workflow_type: def.name.clone(),
            correlation_id: wf.correlation_id.clone(),
            task_type: wt.name.clone(),
            task_def_name: wt.name.clone(),
            status: TaskStatus::Skipped,
            input_data: request.task_input.unwrap_or_default(),
            output_data: request.task_output.unwrap_or_default(),
            // Created, never updated: no start or update time (and not in the search index).
            scheduled_time: now,
            end_time: now,
            workflow_priority: wf.priority,
            workflow_task: Some(wt.clone()),
            seq: 0,
            ..Task::default()
        };
        self.store
            .task_index
            .insert(task.task_id.clone(), id.to_owned());
        self.workflow_mut(id)?.tasks.push(task);
        self.decide(id);
        Ok(())
    }

    /// `POST /workflow/{id}/resetcallbacks`.
    pub(crate) fn reset_callbacks(&mut self, id: &str) -> EngineResult<()> {
        let wf = self.workflow(id)?;
        if wf.status.is_terminal() {
            return Err(EngineError::Conflict(format!(
                "Workflow is in terminal state. Status = {}",
                wf.status
            )));
        }
        let targets: Vec<Task> = wf
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Scheduled && t.callback_after_seconds > 0)
            .filter(|t| !self.is_system(&t.task_type))
            .cloned()
            .collect();
        let now = self.now;
        for task in targets {
            let queue = queue_name(&task.task_type, task.domain.as_deref());
            if !self.store.queues.reset_offset(&queue, &task.task_id, now) {
                let mut t = task.clone();
                t.callback_after_seconds = 0;
                self.queue_task(&t);
            }
            self.touched_queues.push(queue);
            if let Some(stored) = self
                .workflow_mut(id)?
                .tasks
                .iter_mut()
                .find(|t| t.task_id == task.task_id)
            {
                stored.callback_after_seconds = 0;
                stored.update_time = now;
            }
        }
        Ok(())
    }

    /// Merges variables into a workflow (Orkes `POST /workflow/{id}/variables`).
    pub(crate) fn update_variables(
        &mut self,
        id: &str,
        variables: JsonMap,
    ) -> EngineResult<Workflow> {
        let now = self.now;
        let wf = self.workflow_mut(id)?;
        wf.variables.extend(variables);
        wf.update_time = Some(now);
        Ok(render_workflow(wf, true))
    }

    /// Workflows matching a search, newest first unless sorted.
    fn search_matches(
        &self,
        params: &SearchParams,
        by_tasks: bool,
        v2: bool,
    ) -> EngineResult<Vec<&Workflow>> {
        // The cap is a constraint of the workflow searches' `size` parameter (`@Max`): a 400
        // with one violation. The searches by tasks have none.
        if !by_tasks && params.size > MAX_SEARCH_SIZE {
            let method = if v2 {
                "searchWorkflowsV2"
            } else {
                "searchWorkflows"
            };
            return Err(EngineError::Validation(vec![Violation {
                path: format!("{method}.arg1"),
                message: format!(
                    "Cannot return more than {MAX_SEARCH_SIZE} workflows. Please use pagination."
                ),
                invalid_value: Some(params.size.to_string()),
            }]));
        }
        let query = Query::parse(params.query.as_deref().unwrap_or(""))
            .map_err(|e| EngineError::BadRequest(e.to_string()))?;
        let free_text = params.free_text.clone().unwrap_or_else(|| "*".into());
        // The summary searches read the index only, where archived workflows stay; the full
        // (v2) searches then read each hit from the execution store, where they are gone.
        let mut hits: Vec<&Workflow> = self
            .store
            .indexed_workflows(!v2)
            .into_iter()
            .filter(|wf| {
                if by_tasks {
                    wf.tasks.iter().filter(|t| is_indexed(t)).any(|t| {
                        let fields = task_fields(t);
                        query.matches(&|f: &str| fields.get(f).cloned())
                    })
                } else {
                    let fields = summary_fields(wf);
                    query.matches(&|f: &str| fields.get(f).cloned())
                }
            })
            .filter(|wf| {
                free_text == "*"
                    || free_text_matches(&free_text, &serde_json::to_string(wf).unwrap_or_default())
            })
            .collect();
        hits.reverse();
        if let Some(sort) = params.sort.as_deref().filter(|s| !s.trim().is_empty()) {
            let keys = parse_sort(sort);
            hits.sort_by(|a, b| {
                let (fa, fb) = (summary_fields(a), summary_fields(b));
                compare_by(&keys, &|f: &str| fa.get(f).cloned(), &|f: &str| {
                    fb.get(f).cloned()
                })
            });
        }
        Ok(hits)
    }

    fn page<T>(items: Vec<T>, params: &SearchParams) -> SearchResult<T> {
        let total = items.len() as i64;
        let start = usize::try_from(params.start.max(0)).unwrap_or(0);
        let size = usize::try_from(params.size.max(0)).unwrap_or(0);
        SearchResult {
            total_hits: total,
            results: items.into_iter().skip(start).take(size).collect(),
        }
    }

    /// `GET /workflow/search` and `search-by-tasks`.
    pub(crate) fn search_summaries(
        &self,
        params: &SearchParams,
        by_tasks: bool,
    ) -> EngineResult<SearchResult<WorkflowSummary>> {
        let hits = self.search_matches(params, by_tasks, false)?;
        Ok(Self::page(
            hits.into_iter().map(workflow_summary).collect(),
            params,
        ))
    }

    /// `GET /workflow/search-v2` and `search-by-tasks-v2`.
    pub(crate) fn search_workflows(
        &self,
        params: &SearchParams,
        by_tasks: bool,
    ) -> EngineResult<SearchResult<Workflow>> {
        let hits = self.search_matches(params, by_tasks, true)?;
        Ok(Self::page(
            hits.into_iter()
                .map(|wf| render_workflow(wf, false))
                .collect(),
            params,
        ))
    }

    /// `GET /tasks/search-v2`: the full tasks, so none of an archived workflow.
    pub(crate) fn search_tasks(
        &self,
        params: &SearchParams,
    ) -> EngineResult<(Vec<(Task, Workflow)>, i64)> {
        self.matching_tasks(params, false)
    }

    /// The indexed tasks matching a task search, with their workflows and the total count.
    fn matching_tasks(
        &self,
        params: &SearchParams,
        include_archived: bool,
    ) -> EngineResult<(Vec<(Task, Workflow)>, i64)> {
        let query = Query::parse(params.query.as_deref().unwrap_or(""))
            .map_err(|e| EngineError::BadRequest(e.to_string()))?;
        let free_text = params.free_text.clone().unwrap_or_else(|| "*".into());
        let mut hits: Vec<(&Task, &Workflow)> = Vec::new();
        for wf in self.store.indexed_workflows(include_archived) {
            for task in wf.tasks.iter().filter(|t| is_indexed(t)) {
                let fields = task_fields(task);
                if query.matches(&|f: &str| fields.get(f).cloned())
                    && (free_text == "*" || free_text_matches(&free_text, &fields.to_string()))
                {
                    hits.push((task, wf));
                }
            }
        }
        hits.reverse();
        if let Some(sort) = params.sort.as_deref().filter(|s| !s.trim().is_empty()) {
            let keys = parse_sort(sort);
            hits.sort_by(|a, b| {
                let (fa, fb) = (task_fields(a.0), task_fields(b.0));
                compare_by(&keys, &|f: &str| fa.get(f).cloned(), &|f: &str| {
                    fb.get(f).cloned()
                })
            });
        }
        let total = hits.len() as i64;
        let start = usize::try_from(params.start.max(0)).unwrap_or(0);
        let size = usize::try_from(params.size.max(0)).unwrap_or(0);
        Ok((
            hits.into_iter()
                .skip(start)
                .take(size)
                .map(|(t, wf)| (render_task(t), wf.clone()))
                .collect(),
            total,
        ))
    }

    /// `GET /tasks/search`: the summaries in the index, the tasks of archived workflows included.
    pub(crate) fn search_task_summaries(
        &self,
        params: &SearchParams,
    ) -> EngineResult<SearchResult<conductor_models::TaskSummary>> {
        let (hits, total) = self.matching_tasks(params, true)?;
        Ok(SearchResult {
            total_hits: total,
            results: hits.iter().map(|(t, wf)| task_summary(t, wf)).collect(),
        })
    }

    /// `POST /workflow/test`: runs a workflow with mocked worker outputs (`WorkflowTestService`).
    pub(crate) fn test_workflow(&mut self, request: WorkflowTestRequest) -> EngineResult<Workflow> {
        let mut task_to_domain = request.task_to_domain.clone();
        task_to_domain.insert("*".into(), uuid::Uuid::new_v4().to_string());
        let id = self.start_workflow(StartParams {
            name: request.name.clone(),
            version: request.version,
            correlation_id: request.correlation_id.clone(),
            input: request.input.clone(),
            task_to_domain,
            workflow_def: request.workflow_def.clone(),
            priority: request.priority,
            ..StartParams::default()
        })?;
        let mut mocks = request.task_ref_to_mock_output;
        for _ in 0..20_000 {
            let wf = self.workflow(&id)?;
            if wf.status.is_terminal() {
                break;
            }
            let pending: Vec<Task> = wf
                .tasks
                .iter()
                .filter(|t| {
                    !t.status.is_terminal() && !TEST_OPERATORS.contains(&t.task_type.as_str())
                })
                .cloned()
                .collect();
            if pending.is_empty()
                || pending
                    .iter()
                    .any(|t| mocks.get(&t.reference_task_name).is_none_or(Vec::is_empty))
            {
                break;
            }
            for task in pending {
                let Some(list) = mocks.get_mut(&task.reference_task_name) else {
                    continue;
                };
                if list.is_empty() {
                    continue;
                }
                let mock = list.remove(0);
                let result = TaskResult {
                    workflow_instance_id: id.clone(),
                    task_id: task.task_id.clone(),
                    status: mock.status.0.clone(),
                    output_data: mock.output.clone(),
                    ..TaskResult::default()
                };
                if mock.execution_time > 0 || mock.queue_wait_time > 0 {
                    // OSS writes such a mock straight to the store (no end or update time, the
                    // output merged into the task's) and then decides the workflow.
                    let now = self.now;
                    if let Some(stored) = self
                        .workflow_mut(&id)?
                        .tasks
                        .iter_mut()
                        .find(|t| t.task_id == task.task_id)
                    {
                        stored.start_time = now - mock.execution_time.max(0);
                        stored.scheduled_time = stored.start_time - mock.queue_wait_time.max(0);
                        stored.status = TaskStatus::from_wire(result.status.as_str());
                        stored.output_data.extend(result.output_data);
                    }
                    self.decide(&id);
                    continue;
                }
                self.update_task(&result)?;
            }
        }
        self.get_workflow(&id, true)
    }
}

/// Puts a terminal SUB_WORKFLOW task back to IN_PROGRESS: its (revived) child runs again.
fn revive_task(task: &mut Task, now: i64) {
    task.status = TaskStatus::InProgress;
    task.end_time = 0;
    task.executed = false;
    task.retried = false;
    task.reason_for_incompletion = None;
    task.update_time = now;
}

/// Where a rerun starts: a task of the workflow itself, or the SUB_WORKFLOW task whose child
/// (or deeper descendant) holds the requested task.
enum RerunFrom {
    Task(Task),
    InsideChild(Task),
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
