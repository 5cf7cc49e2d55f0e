//! Scheduling (`WorkflowExecutorOps.scheduleTask`): new tasks join the workflow, system tasks are
//! started and executed, worker tasks are queued, and the [`Effect`]s system tasks return are
//! applied, here and nowhere else.

use std::collections::HashSet;

use conductor_models::{Task, Workflow, WorkflowTask};

use super::Exec;
use crate::engine::effects::{Effect, Terminate};
use crate::engine::evaluation::Evaluation;
use crate::engine::system_task::SystemTask;
use crate::engine::view::MapTasks;

/// How long a worker counts as active for domain selection (`activeWorkerLastPollTimeout`).
const ACTIVE_WORKER_MS: i64 = 10_000;

impl Exec<'_> {
    /// Maps a workflow task to the task(s) to schedule (`DeciderService.getTasksToBeScheduled`)
    /// and applies what the mappers asked for (a WAIT's timer).
    pub(crate) fn tasks_to_be_scheduled(
        &mut self,
        wf: &mut Workflow,
        workflow_task: &WorkflowTask,
        retry_count: i32,
        retried_task_id: Option<&str>,
    ) -> Result<Vec<Task>, Terminate> {
        let mapped = self.registry.tasks_to_be_scheduled(
            &self.view(),
            wf,
            workflow_task,
            retry_count,
            retried_task_id,
        )?;
        self.apply_effects(wf, mapped.effects)?;
        Ok(mapped.tasks)
    }

    /// Adds the new tasks, starts and executes sync system tasks and queues worker tasks;
    /// returns whether some system task changed state.
    pub(crate) fn schedule_tasks(
        &mut self,
        wf: &mut Workflow,
        tasks: Vec<Task>,
    ) -> Result<bool, Terminate> {
        self.schedule_tasks_after(wf, tasks, None)
    }

    /// [`Exec::schedule_tasks`], with the new tasks placed right after the task `after` (when it
    /// is in the workflow) rather than at the end.
    fn schedule_tasks_after(
        &mut self,
        wf: &mut Workflow,
        tasks: Vec<Task>,
        after: Option<&str>,
    ) -> Result<bool, Terminate> {
        let (new_ids, rerun_ids) = self.add_tasks(wf, tasks, after);
        let started = self.start_tasks(wf, &new_ids)?;
        let executed = self.execute_pass(wf, new_ids.iter().chain(rerun_ids.iter()))?;
        wf.update_time = Some(self.now);
        Ok(started || executed)
    }

    /// Adds the tasks that are new to the workflow, at the end or right after the task `after`
    /// (the tasks listed after it move down, their `seq` with them); returns their ids, and the
    /// ids of those already there (non-terminal system tasks to execute again).
    fn add_tasks(
        &mut self,
        wf: &mut Workflow,
        tasks: Vec<Task>,
        after: Option<&str>,
    ) -> (Vec<String>, Vec<String>) {
        let existing: HashSet<(String, i32)> = wf
            .tasks
            .iter()
            .map(|t| (t.reference_task_name.clone(), t.retry_count))
            .collect();
        let mut new_tasks = Vec::new();
        let mut rerun_ids = Vec::new();
        for mut task in tasks {
            if existing.contains(&(task.reference_task_name.clone(), task.retry_count)) {
                rerun_ids.push(task.task_id.clone());
                continue;
            }
            self.set_domain(wf, &mut task);
            if task.scheduled_time == 0 {
                task.scheduled_time = self.now;
            }
            // A scheduled task has not been updated yet (`updateTime` 0, as in OSS, whose
            // `createTasks` leaves it unset), so it is not in the search index either.
            self.store
                .task_index
                .insert(task.task_id.clone(), wf.workflow_id.clone());
            new_tasks.push(task);
        }
        let new_ids = new_tasks.iter().map(|t| t.task_id.clone()).collect();
        let anchor = after.and_then(|id| wf.tasks.iter().position(|t| t.task_id == id));
        match anchor {
            Some(at) => {
                let base = wf.tasks[at].seq;
                let count = i32::try_from(new_tasks.len()).unwrap_or(i32::MAX);
                for task in &mut wf.tasks {
                    if task.seq > base {
                        task.seq = task.seq.saturating_add(count);
                    }
                }
                for (seq, task) in (base + 1..).zip(new_tasks.iter_mut()) {
                    task.seq = seq;
                }
                wf.tasks.splice(at + 1..at + 1, new_tasks);
            }
            None => {
                let mut max_seq = wf.tasks.iter().map(|t| t.seq).max().unwrap_or(0);
                for mut task in new_tasks {
                    max_seq += 1;
                    task.seq = max_seq;
                    wf.tasks.push(task);
                }
            }
        }
        (new_ids, rerun_ids)
    }

    /// `scheduleTask`: starts the new sync system tasks, queues async system tasks and worker
    /// tasks; returns whether a system task was started.
    fn start_tasks(&mut self, wf: &mut Workflow, new_ids: &[String]) -> Result<bool, Terminate> {
        let mut started = false;
        for id in new_ids {
            let Some(idx) = wf.tasks.iter().position(|t| &t.task_id == id) else {
                continue;
            };
            let task_type = wf.tasks[idx].task_type.clone();
            let scheduled = wf.tasks[idx].clone();
            match self.registry.get(&task_type) {
                Some(system) if system.is_async() => {
                    self.queue_task(&scheduled);
                }
                Some(system) => {
                    let mut task = scheduled;
                    system.start(&self.view(), wf, &mut task)?;
                    if let Some(i) = wf.tasks.iter().position(|t| &t.task_id == id) {
                        wf.tasks[i] = task;
                    }
                    started = true;
                }
                None if !self.is_system(&task_type) => self.queue_task(&scheduled),
                None => {}
            }
        }
        Ok(started)
    }

    /// Executes the sync system tasks among `ids` that are not terminal; returns whether one
    /// changed state. Once one of them ends unsuccessfully the pass stops: as on the server, the
    /// decider sees that failure (retry or workflow end) before anything else (e.g. a JOIN
    /// waiting on it) is evaluated.
    fn execute_pass<'i>(
        &mut self,
        wf: &mut Workflow,
        ids: impl Iterator<Item = &'i String>,
    ) -> Result<bool, Terminate> {
        let mut changed = false;
        for id in ids {
            let Some(idx) = wf.tasks.iter().position(|t| &t.task_id == id) else {
                continue;
            };
            let Some(system) = self.registry.get(&wf.tasks[idx].task_type) else {
                continue;
            };
            if system.is_async() || wf.tasks[idx].status.is_terminal() {
                continue;
            }
            let (task_changed, task) = self.execute_task(wf, system.as_ref(), idx)?;
            changed |= task_changed;
            if task.status.is_terminal() && !task.status.is_successful() {
                break;
            }
        }
        Ok(changed)
    }

    /// Executes the system task `wf.tasks[idx]`, writes it back and applies its effects; returns
    /// whether it changed, and the task as it ends up. A task whose effects started a workflow is
    /// executed again at once: the new workflow may already have ended during its first decide,
    /// and a SUB_WORKFLOW mirrors that in the same pass.
    fn execute_task(
        &mut self,
        wf: &mut Workflow,
        system: &dyn SystemTask,
        idx: usize,
    ) -> Result<(bool, Task), Terminate> {
        let mut task = wf.tasks[idx].clone();
        let mut changed = false;
        loop {
            let executed = system.execute(&self.view(), wf, &mut task)?;
            if executed.changed {
                task.update_time = self.now;
                changed = true;
            }
            if task.status.is_terminal() && task.end_time == 0 {
                task.end_time = self.now;
            }
            if let Some(i) = wf.tasks.iter().position(|t| t.task_id == task.task_id) {
                wf.tasks[i] = task.clone();
            }
            let started = self.apply_effects(wf, executed.effects)?;
            if !started || task.status.is_terminal() {
                return Ok((changed, task));
            }
        }
    }

    /// Removes tasks from a workflow and from the queues and indexes.
    pub(crate) fn delete_tasks(&mut self, wf: &mut Workflow, doomed: impl Fn(&Task) -> bool) {
        let (gone, kept): (Vec<Task>, Vec<Task>) = wf.tasks.drain(..).partition(|t| doomed(t));
        wf.tasks = kept;
        for task in gone {
            self.unqueue_task(&task);
            self.store.task_index.remove(&task.task_id);
            self.store.task_logs.remove(&task.task_id);
            self.store.timers.remove(&task.task_id);
        }
    }

    /// Queues an evaluation a task asked for ([`Effect::Evaluate`](super::effects::Effect)),
    /// unless one for the same task is in flight already.
    fn request_evaluation(&mut self, evaluation: Evaluation) {
        let offload = &mut self.store.offload;
        if offload.in_flight.insert(evaluation.task.task_id.clone()) {
            offload.requested.push(evaluation);
        }
    }

    /// Applies, in order, what a system task or a mapper of workflow `wf` asked for (the task
    /// itself is already written back); returns whether a workflow was started.
    pub(super) fn apply_effects(
        &mut self,
        wf: &mut Workflow,
        effects: Vec<Effect>,
    ) -> Result<bool, Terminate> {
        let mut started = false;
        for effect in effects {
            match effect {
                Effect::Schedule(workflow_task) => {
                    let tasks = self.tasks_to_be_scheduled(wf, &workflow_task, 0, None)?;
                    self.schedule_tasks(wf, tasks)?;
                }
                Effect::ScheduleMapped { after, mapped } => {
                    started |= self.apply_effects(wf, mapped.effects)?;
                    self.schedule_tasks_after(wf, mapped.tasks, Some(&after))?;
                }
                Effect::DeleteTasks(references) => {
                    self.delete_tasks(wf, |t| references.contains(&t.reference_task_name));
                }
                Effect::SetVariables(variables) => wf.variables = variables,
                Effect::StartWorkflow {
                    workflow_id,
                    params,
                } => {
                    // The task checked that the start succeeds; a failure here is a bug.
                    if let Err(error) = self.start_workflow_as(workflow_id.clone(), *params) {
                        tracing::error!(%workflow_id, %error, "cannot start the workflow a task asked for");
                    }
                    started = true;
                }
                Effect::TerminateWorkflow {
                    workflow_id,
                    reason,
                } => {
                    if let Err(error) = self.terminate(&workflow_id, Some(reason)) {
                        tracing::warn!(child_id = %workflow_id, %error, "cannot terminate the sub-workflow");
                    }
                }
                Effect::PublishEvent {
                    queue,
                    message_id,
                    payload,
                } => self.publish_event(&queue, &message_id, payload),
                Effect::Evaluate(evaluation) => self.request_evaluation(evaluation),
                Effect::SetTimer { task_id, at } => {
                    self.store.timers.insert(task_id, at);
                }
                Effect::ClearTimer { task_id } => {
                    self.store.timers.remove(&task_id);
                }
            }
        }
        Ok(started)
    }

    /// Chooses a task's domain from the workflow's `taskToDomain` (`setTaskDomains`).
    fn set_domain(&self, wf: &Workflow, task: &mut Task) {
        if self.is_system(&task.task_type) || wf.task_to_domain.is_empty() {
            return;
        }
        let Some(spec) = wf
            .task_to_domain
            .get(&task.task_type)
            .or_else(|| wf.task_to_domain.get("*"))
        else {
            return;
        };
        let domains: Vec<&str> = spec.split(',').map(str::trim).collect();
        let active = domains.iter().find(|d| {
            !d.eq_ignore_ascii_case("NO_DOMAIN")
                && self
                    .store
                    .poll_data
                    .get(&(task.task_type.clone(), (**d).to_owned()))
                    .is_some_and(|p| self.now - p.last_poll_time < ACTIVE_WORKER_MS)
        });
        let chosen = match active {
            Some(d) => Some((*d).to_owned()),
            None => domains
                .last()
                .filter(|d| !d.eq_ignore_ascii_case("NO_DOMAIN") && !d.is_empty())
                .map(|d| (*d).to_owned()),
        };
        task.domain = chosen;
    }
}
