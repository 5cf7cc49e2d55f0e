//! The decider (`DeciderService.decide`, `WorkflowExecutorOps.decide`): each round looks at the
//! tasks that changed since the last one, times them out, retries them or schedules what follows
//! them, until the workflow settles, completes or must end.

use std::collections::HashSet;

use conductor_models::{Task, TaskStatus, TaskType, Workflow, WorkflowDef, WorkflowStatus};

use super::Exec;
use crate::engine::def_tree;
use crate::engine::effects::Terminate;
use crate::engine::refs::{def_ref, is_type};
use crate::engine::task_defs::task_def_of;

/// Guard against a decide loop that never settles.
const MAX_DECIDE_ROUNDS: usize = 10_000;

/// What one round of the decider concluded.
#[derive(Debug, Default)]
struct Outcome {
    to_schedule: Vec<Task>,
    complete: bool,
    terminate_task: Option<String>,
}

/// Adds `task` unless a task with its reference name is already listed.
fn put_if_absent(list: &mut Vec<Task>, task: Task) {
    if !list
        .iter()
        .any(|t| t.reference_task_name == task.reference_task_name)
    {
        list.push(task);
    }
}

/// Whether a task with `reference` was skipped (`PUT /workflow/{id}/skiptask`).
fn is_skipped(wf: &Workflow, reference: &str) -> bool {
    wf.tasks
        .iter()
        .any(|t| t.reference_task_name == reference && t.status == TaskStatus::Skipped)
}

impl Exec<'_> {
    /// Runs the decider on a workflow until it settles (`WorkflowExecutorOps.decide`).
    pub(crate) fn decide(&mut self, workflow_id: &str) {
        self.depth += 1;
        self.decide_rounds(workflow_id);
        self.depth -= 1;
        if self.depth == 0 {
            self.settle();
        }
    }

    fn decide_rounds(&mut self, workflow_id: &str) {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(mut wf) = self.store.workflows.remove(workflow_id) else {
                return;
            };
            let again = self.decide_round(&mut wf);
            self.store.workflows.insert(workflow_id.to_owned(), wf);
            if !again {
                break;
            }
        }
        self.refresh_sweep_due(workflow_id);
    }

    /// One decide round; returns whether a sync system task changed state (decide again).
    fn decide_round(&mut self, wf: &mut Workflow) -> bool {
        if wf.status.is_terminal() {
            return false;
        }
        match self.decide_outcome(wf) {
            Err(terminate) => {
                self.terminate_by_engine(wf, terminate);
                false
            }
            Ok(outcome) if outcome.complete => {
                self.end_execution(wf, outcome.terminate_task.as_deref());
                false
            }
            Ok(outcome) => match self.schedule_tasks(wf, outcome.to_schedule) {
                Ok(changed) => changed,
                Err(terminate) => {
                    self.terminate_by_engine(wf, terminate);
                    false
                }
            },
        }
    }

    fn decide_outcome(&mut self, wf: &mut Workflow) -> Result<Outcome, Terminate> {
        self.check_workflow_timeout(wf)?;
        if wf.status == WorkflowStatus::Paused {
            return Ok(Outcome::default());
        }
        let def = wf.workflow_definition.clone().unwrap_or_default();
        if wf.tasks.is_empty() {
            return self.first_outcome(wf, &def);
        }
        let mut outcome = Outcome::default();
        let mut executed_refs: HashSet<String> = HashSet::new();
        let mut pending: Vec<usize> = Vec::new();
        for (i, task) in wf.tasks.iter().enumerate() {
            if !task.retried && task.status != TaskStatus::Skipped && !task.executed {
                pending.push(i);
            }
            if task.executed {
                executed_refs.insert(task.reference_task_name.clone());
            }
            if is_type(task, &TaskType::Terminate)
                && task.status.is_terminal()
                && task.status.is_successful()
            {
                outcome.terminate_task = Some(task.task_id.clone());
            }
        }
        let mut to_schedule: Vec<Task> = Vec::new();
        for idx in pending {
            self.decide_task(wf, &def, idx, &mut to_schedule, &mut executed_refs)?;
        }
        outcome.to_schedule = to_schedule
            .into_iter()
            .filter(|t| !executed_refs.contains(&t.reference_task_name))
            .collect();
        if outcome.terminate_task.is_some()
            || (outcome.to_schedule.is_empty() && self.check_completion(wf, &def)?)
        {
            outcome.complete = true;
        }
        Ok(outcome)
    }

    /// The first round of a workflow with no task yet: its first task that is not skipped.
    fn first_outcome(
        &mut self,
        wf: &mut Workflow,
        def: &WorkflowDef,
    ) -> Result<Outcome, Terminate> {
        let mut outcome = Outcome::default();
        let Some(first) = def.tasks.first() else {
            return Err(Terminate::new(
                "No tasks found to be executed",
                WorkflowStatus::Completed,
            ));
        };
        let mut next = Some(first);
        while let Some(candidate) = next {
            if !is_skipped(wf, &candidate.task_reference_name) {
                break;
            }
            next = def_tree::next_task(&def.tasks, &candidate.task_reference_name);
        }
        if let Some(first) = next {
            outcome.to_schedule = self.tasks_to_be_scheduled(wf, first, 0, None)?;
        }
        if outcome.to_schedule.is_empty() && self.check_completion(wf, def)? {
            outcome.complete = true;
        }
        Ok(outcome)
    }

    /// Looks at the pending task `wf.tasks[idx]`: a running system task is executed again, an
    /// overdue one times out, a failed one is retried, and an ended one makes way for the tasks
    /// that follow it. The task is written back whatever happens.
    fn decide_task(
        &mut self,
        wf: &mut Workflow,
        def: &WorkflowDef,
        idx: usize,
        to_schedule: &mut Vec<Task>,
        executed_refs: &mut HashSet<String>,
    ) -> Result<(), Terminate> {
        let mut task = wf.tasks[idx].clone();
        if self.is_system(&task.task_type) && !task.status.is_terminal() {
            put_if_absent(to_schedule, task.clone());
            executed_refs.remove(&task.reference_task_name);
        }
        let task_def = task_def_of(&task, self.store).cloned();
        let checked = match &task_def {
            Some(td) => self.check_task_timeouts(td, &mut task),
            None => Ok(()),
        }
        .and_then(|()| {
            if task.status.is_successful() {
                return Ok(());
            }
            self.retry_failed(
                wf,
                def,
                task_def.as_ref(),
                &mut task,
                to_schedule,
                executed_refs,
            )
        });
        if let Err(terminate) = checked {
            wf.tasks[idx] = task;
            return Err(terminate);
        }
        if !task.executed && !task.retried && task.status.is_terminal() {
            task.executed = true;
            wf.tasks[idx] = task.clone();
            for next in self.next_tasks(wf, def, &task)? {
                put_if_absent(to_schedule, next);
            }
        }
        wf.tasks[idx] = task;
        Ok(())
    }

    /// The tasks that follow `task` (`DeciderService.getNextTask`).
    fn next_tasks(
        &mut self,
        wf: &mut Workflow,
        def: &WorkflowDef,
        task: &Task,
    ) -> Result<Vec<Task>, Terminate> {
        let branching = is_type(task, &TaskType::Decision) || is_type(task, &TaskType::Switch);
        if branching && task.input_data.contains_key("hasChildren") {
            return Ok(Vec::new());
        }
        let reference = def_ref(task);
        let mut next = def_tree::next_task(&def.tasks, reference);
        while let Some(candidate) = next {
            if !is_skipped(wf, &candidate.task_reference_name) {
                break;
            }
            next = def_tree::next_task(&def.tasks, &candidate.task_reference_name);
        }
        let Some(next) = next else {
            return Ok(Vec::new());
        };
        if next.task_type == TaskType::DoWhile
            && wf
                .tasks
                .iter()
                .any(|t| t.reference_task_name == next.task_reference_name)
        {
            return Ok(Vec::new());
        }
        self.tasks_to_be_scheduled(wf, next, 0, None)
    }

    /// `DeciderService.checkForWorkflowCompletion`.
    fn check_completion(&self, wf: &Workflow, def: &WorkflowDef) -> Result<bool, Terminate> {
        let mut statuses: std::collections::HashMap<&str, &TaskStatus> = Default::default();
        for task in &wf.tasks {
            statuses.insert(def_ref(task), &task.status);
            if !task.status.is_terminal() {
                return Ok(false);
            }
            if is_type(task, &TaskType::Terminate) && task.status.is_successful() {
                return Ok(true);
            }
        }
        if statuses.is_empty() && !def.tasks.is_empty() {
            return Ok(false);
        }
        let permissive_failed =
            |reference: &str| def_tree::find(&def.tasks, reference).is_some_and(|wt| wt.permissive);
        for wt in &def.tasks {
            match statuses.get(wt.task_reference_name.as_str()) {
                None => return Ok(false),
                Some(status) if !status.is_terminal() => return Ok(false),
                Some(status)
                    if !status.is_successful() && !permissive_failed(&wt.task_reference_name) =>
                {
                    return Ok(false);
                }
                Some(_) => {}
            }
        }
        for task in wf.tasks.iter().filter(|t| !t.retried || !t.executed) {
            let reference = def_ref(task);
            if let Some(next) = def_tree::next_task(&def.tasks, reference)
                && !statuses.contains_key(next.task_reference_name.as_str())
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
