//! Worker-facing task operations: poll, update (v1, v2, by reference), logs, queue inspection
//! and maintenance (`ExecutionService`, `WorkflowExecutorOps.updateTask`, `TaskServiceImpl`).

use conductor_models::{
    JsonMap, PollData, Task, TaskExecLog, TaskResult, TaskResultStatus, TaskStatus,
};

use super::error::{EngineError, EngineResult};
use super::executor::{Exec, LIMIT_POSTPONE_MS};
use super::render::render_task;
use super::task_defs::task_def_of;
use crate::clock::secs_to_millis;
use crate::queue::queue_name;

impl Exec<'_> {
    /// Records that `worker_id` polled `task_type` in `domain` now.
    pub(crate) fn record_poll(
        &mut self,
        task_type: &str,
        domain: Option<&str>,
        worker_id: Option<&str>,
    ) {
        let domain_key = domain.unwrap_or("").to_owned();
        self.store.set_poll_data(
            (task_type.to_owned(), domain_key),
            PollData {
                queue_name: task_type.to_owned(),
                domain: domain.map(str::to_owned),
                worker_id: worker_id.map(str::to_owned),
                last_poll_time: self.now,
            },
        );
    }

    /// Whether polling `task` now would exceed its definition's concurrency limit.
    fn exceeds_concurrency(&self, task: &Task) -> bool {
        let Some(limit) = task_def_of(task, self.store).and_then(|td| td.concurrent_exec_limit)
        else {
            return false;
        };
        if limit <= 0 {
            return false;
        }
        let in_progress = self
            .store
            .workflows
            .values()
            .filter(|wf| !wf.status.is_terminal())
            .flat_map(|wf| wf.tasks.iter())
            .filter(|t| t.task_def_name == task.task_def_name && t.status == TaskStatus::InProgress)
            .count();
        in_progress >= usize::try_from(limit).unwrap_or(usize::MAX)
    }

    /// A task of a concurrency-limited definition has ended: the first waiting message of its
    /// queue (a task postponed by the limit) becomes visible at once instead of after the
    /// postpone window (conductor-oss 3.30.0+, `ExecutionDAO.updateTask` with `peekFirstIds`).
    fn release_concurrency_slot(&mut self, task: &Task, queue: &str) {
        let limited = task_def_of(task, self.store)
            .and_then(|td| td.concurrent_exec_limit)
            .is_some_and(|limit| limit > 0);
        if !limited {
            return;
        }
        if let Some(next) = self.store.queues.first_by_delivery(queue) {
            self.store.queues.reset_offset(queue, &next, self.now);
        }
    }

    /// Whether polling `task` now would exceed its rate limit (sliding window per definition).
    fn exceeds_rate_limit(&mut self, task: &Task) -> bool {
        let per_frequency = task.rate_limit_per_frequency;
        let frequency = task.rate_limit_frequency_in_seconds;
        if per_frequency <= 0 || frequency <= 0 {
            return false;
        }
        let window = secs_to_millis(i64::from(frequency));
        let now = self.now;
        let times = self
            .store
            .rate_windows
            .entry(task.task_def_name.clone())
            .or_default();
        while times.front().is_some_and(|t| now - *t >= window) {
            times.pop_front();
        }
        times.len() >= usize::try_from(per_frequency).unwrap_or(usize::MAX)
    }

    /// Polls up to `count` tasks (`ExecutionService.poll`) and records the poll; never waits.
    pub(crate) fn poll(
        &mut self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
    ) -> Vec<Task> {
        let polled = self.take_tasks(task_type, worker_id, domain, count);
        self.record_poll(task_type, domain, worker_id);
        polled
    }

    /// Hands out up to `count` queued tasks of `task_type` to `worker_id` without recording the
    /// poll: a long poll records it once, when it ends (as `ExecutionService.poll` does after its
    /// queue pop returned).
    pub(crate) fn take_tasks(
        &mut self,
        task_type: &str,
        worker_id: Option<&str>,
        domain: Option<&str>,
        count: usize,
    ) -> Vec<Task> {
        let queue = queue_name(task_type, domain);
        let mut polled = Vec::new();
        while polled.len() < count {
            let ids = self
                .store
                .queues
                .pop(&queue, count - polled.len(), self.now);
            if ids.is_empty() {
                break;
            }
            for id in ids {
                let Some(wf_id) = self.store.workflow_of_task(&id).map(str::to_owned) else {
                    continue;
                };
                let Some(task) = self.store.task(&id).cloned() else {
                    continue;
                };
                if task.status.is_terminal() {
                    continue;
                }
                if self.exceeds_concurrency(&task) || self.exceeds_rate_limit(&task) {
                    self.store.queues.push(
                        &queue,
                        &id,
                        task.workflow_priority,
                        self.now + LIMIT_POSTPONE_MS,
                    );
                    continue;
                }
                let Some(wf) = self.store.workflows.get_mut(&wf_id) else {
                    continue;
                };
                let Some(stored) = wf.tasks.iter_mut().find(|t| t.task_id == id) else {
                    continue;
                };
                stored.status = TaskStatus::InProgress;
                if stored.start_time == 0 {
                    stored.start_time = self.now;
                }
                if stored.first_start_time == 0 {
                    stored.first_start_time = self.now;
                }
                stored.callback_after_seconds = 0;
                stored.worker_id = worker_id.map(str::to_owned);
                stored.poll_count += 1;
                stored.update_time = self.now;
                let snapshot = render_task(stored);
                if task.rate_limit_per_frequency > 0 {
                    self.store
                        .rate_windows
                        .entry(task.task_def_name.clone())
                        .or_default()
                        .push_back(self.now);
                }
                self.refresh_sweep_due(&wf_id);
                polled.push(snapshot);
            }
        }
        polled
    }

    /// Applies a worker's result (`WorkflowExecutorOps.updateTask`); returns the task id.
    ///
    /// As in conductor-oss, the task is found by its id alone, and the workflow the result
    /// names is the one whose end leaves the task alone and the one decided: a result naming
    /// another workflow than the task's updates the task, and its own workflow moves on at its
    /// next sweep.
    pub(crate) fn update_task(&mut self, result: &TaskResult) -> EngineResult<String> {
        let (task, wf_terminal) = self.task_to_update(result)?;
        let named_wf = result.workflow_instance_id.clone();
        let wf_id = task.workflow_instance_id.clone();
        let task_queue = queue_name(&task.task_type, task.domain.as_deref());
        if task.status.is_terminal() || wf_terminal {
            self.store.queues.remove(&task_queue, &task.task_id);
            return Ok(task.task_id);
        }
        if let TaskResultStatus::Unknown(raw) = &result.status {
            return Err(EngineError::Internal(format!(
                "Invalid task result status: {raw}"
            )));
        }
        let is_system = self.is_system(&task.task_type);
        let now = self.now;
        let Some(wf) = self.store.workflows.get_mut(&wf_id) else {
            return Err(EngineError::NotFound(format!(
                "No such workflow found by id: {wf_id}"
            )));
        };
        let Some(stored) = wf.tasks.iter_mut().find(|t| t.task_id == result.task_id) else {
            return Err(EngineError::NotFound(format!(
                "No such task found by id: {}",
                result.task_id
            )));
        };
        if result.extend_lease {
            stored.update_time = now;
            self.refresh_sweep_due(&wf_id);
            return Ok(task.task_id);
        }
        apply_result(stored, result, now, is_system);
        let terminal = stored.status.is_terminal();
        let requeue = (stored.status == TaskStatus::Scheduled).then(|| stored.clone());
        if terminal {
            self.store.queues.remove(&task_queue, &task.task_id);
            self.release_concurrency_slot(&task, &task_queue);
        } else if let Some(t) = requeue {
            self.store.queues.remove(&task_queue, &t.task_id);
            self.queue_task(&t);
        }
        self.append_logs(&task.task_id, &result.logs);
        if terminal {
            self.decide(&named_wf);
        }
        if !terminal || named_wf != wf_id {
            self.refresh_sweep_due(&wf_id);
        }
        Ok(task.task_id)
    }

    /// The task a result is for, and whether its workflow has ended; the validation and lookup
    /// errors of `updateTask` otherwise.
    fn task_to_update(&self, result: &TaskResult) -> EngineResult<(Task, bool)> {
        // `TaskResult`'s `@NotEmpty` fields, both reported (conductor-oss 3.21.14 and 3.32.3).
        let mut violations = Vec::new();
        if result.task_id.is_empty() {
            violations.push(super::error::Violation::new(
                "updateTask.arg0.taskId",
                "Task ID cannot be null or empty",
            ));
        }
        if result.workflow_instance_id.is_empty() {
            violations.push(super::error::Violation::new(
                "updateTask.arg0.workflowInstanceId",
                "Workflow Id cannot be null or empty",
            ));
        }
        if !violations.is_empty() {
            return Err(EngineError::Validation(violations));
        }
        let wf_id = &result.workflow_instance_id;
        let Some(wf) = self.store.workflows.get(wf_id) else {
            return Err(EngineError::NotFound(format!(
                "No such workflow found by id: {wf_id}"
            )));
        };
        // By its id alone, in whatever workflow (`ExecutionDAOFacade.getTaskModel`).
        let Some(task) = self.store.task(&result.task_id) else {
            return Err(EngineError::NotFound(format!(
                "No such task found by id: {}",
                result.task_id
            )));
        };
        Ok((task.clone(), wf.status.is_terminal()))
    }

    /// Appends a result's log lines to the task's logs, stamped with the task id (and now, when
    /// they carry no time).
    fn append_logs(&mut self, task_id: &str, lines: &[TaskExecLog]) {
        if lines.is_empty() {
            return;
        }
        let now = self.now;
        let logs = self.store.task_logs.entry_or_default(task_id.to_owned());
        for log in lines {
            let mut log = log.clone();
            log.task_id = Some(task_id.to_owned());
            if log.created_time == 0 {
                log.created_time = now;
            }
            logs.push(log);
        }
    }

    /// The first non-terminal task with `reference` (or `reference__N`) in a workflow.
    pub(crate) fn pending_task_by_ref(
        &self,
        workflow_id: &str,
        reference: &str,
    ) -> EngineResult<Option<Task>> {
        // OSS reads the workflow's tasks: an unknown workflow simply has no pending task.
        let Some(wf) = self.store.workflows.get(workflow_id) else {
            return Ok(None);
        };
        let exact = wf
            .tasks
            .iter()
            .find(|t| t.reference_task_name == reference && !t.status.is_terminal());
        let looped = || {
            wf.tasks.iter().find(|t| {
                !t.status.is_terminal()
                    && t.reference_task_name
                        .strip_prefix(reference)
                        .is_some_and(|rest| rest.starts_with("__"))
            })
        };
        Ok(exact.or_else(looped).cloned())
    }

    /// Updates the pending task with `reference`; `None` when there is none.
    pub(crate) fn update_task_by_ref(
        &mut self,
        workflow_id: &str,
        reference: &str,
        status: TaskResultStatus,
        output: JsonMap,
        worker_id: Option<String>,
    ) -> EngineResult<Option<String>> {
        let Some(task) = self.pending_task_by_ref(workflow_id, reference)? else {
            return Ok(None);
        };
        let mut merged = task.output_data.clone();
        merged.extend(output);
        let result = TaskResult {
            workflow_instance_id: workflow_id.to_owned(),
            task_id: task.task_id.clone(),
            status,
            output_data: merged,
            worker_id,
            ..TaskResult::default()
        };
        self.update_task(&result).map(Some)
    }

    /// Appends a log line to a task (no existence check, as OSS).
    pub(crate) fn add_log(&mut self, task_id: &str, line: String) {
        let log = TaskExecLog {
            log: line,
            task_id: Some(task_id.to_owned()),
            created_time: self.now,
        };
        self.store
            .task_logs
            .entry_or_default(task_id.to_owned())
            .push(log);
    }

    /// A task by id, rendered.
    pub(crate) fn get_task(&self, task_id: &str) -> EngineResult<Task> {
        self.store
            .task(task_id)
            .map(render_task)
            .ok_or_else(|| EngineError::NotFound(format!("Task not found for taskId: {task_id}")))
    }

    /// `POST /tasks/queue/requeue/{taskType}` (`ExecutionService.requeuePendingTasks`): every
    /// pending (non-terminal) worker task of the definition goes back to its queue, replacing any
    /// message it had, in-progress tasks included; each is visible once what is left of its
    /// callback delay has passed. Answers how many were queued.
    pub(crate) fn requeue(&mut self, task_type: &str) -> usize {
        let pending: Vec<Task> = self
            .store
            .workflows
            .values()
            .flat_map(|wf| wf.tasks.iter())
            .filter(|t| t.task_def_name == task_type && !t.status.is_terminal())
            .filter(|t| !self.is_system(&t.task_type))
            .cloned()
            .collect();
        for task in &pending {
            self.unqueue_task(task);
            let waited = (self.now - task.update_time) / 1000;
            let mut requeued = task.clone();
            requeued.callback_after_seconds = (task.callback_after_seconds.max(0) - waited).max(0);
            self.queue_task(&requeued);
        }
        pending.len()
    }

    /// Removes a task's message from a queue (the 2.x / Orkes endpoint).
    pub(crate) fn remove_from_queue(&mut self, task_type: &str, task_id: &str) {
        let domain = self.store.task(task_id).and_then(|t| t.domain.clone());
        self.store.queues.remove(task_type, task_id);
        if let Some(domain) = domain {
            self.store
                .queues
                .remove(&queue_name(task_type, Some(&domain)), task_id);
        }
    }
}

/// A worker's result written into its task: status, output, reason, callback... A worker task
/// reported IN_PROGRESS goes back to SCHEDULED, to be polled again after its callback.
fn apply_result(stored: &mut Task, result: &TaskResult, now: i64, is_system: bool) {
    stored.status = TaskStatus::from_wire(result.status.as_str());
    stored.output_data = result.output_data.clone();
    stored.reason_for_incompletion = result.reason_for_incompletion.clone();
    stored.worker_id = result.worker_id.clone();
    stored.callback_after_seconds = result.callback_after_seconds;
    stored.sub_workflow_id = result.sub_workflow_id.clone();
    if result.external_output_payload_storage_path.is_some() {
        stored.external_output_payload_storage_path =
            result.external_output_payload_storage_path.clone();
    }
    if let Some(meta) = &result.execution_metadata {
        stored.execution_metadata = meta.clone();
    }
    stored.update_time = now;
    if stored.status.is_terminal() {
        stored.end_time = now;
    }
    if !is_system && stored.status == TaskStatus::InProgress {
        // A worker saying "still working": back to SCHEDULED, visible again after the callback.
        stored.status = TaskStatus::Scheduled;
    }
}
