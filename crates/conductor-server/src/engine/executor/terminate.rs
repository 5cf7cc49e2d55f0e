//! How workflows end (`DeciderService.checkForWorkflowCompletion` and
//! `WorkflowExecutorOps.completeWorkflow`/`terminateWorkflow`): the output, the open tasks
//! cancelled, the failure workflow started, and the parent's SUB_WORKFLOW task told.

use std::collections::BTreeSet;

use conductor_models::{Task, TaskStatus, Workflow, WorkflowStatus};
use serde_json::{Value, json};

use super::{Exec, workflow_not_found};
use crate::engine::Deferred;
use crate::engine::effects::Terminate;
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::input::expression_document;
use crate::engine::render::render_workflow;
use crate::engine::start::StartParams;
use crate::engine::tasks::child_outcome;
use crate::expr::Resolver;

impl Exec<'_> {
    /// Computes the workflow output (`DeciderService.updateWorkflowOutput`).
    fn update_workflow_output(&self, wf: &mut Workflow) {
        let Some(def) = &wf.workflow_definition else {
            return;
        };
        if wf.tasks.is_empty() {
            return;
        }
        let output = if !def.output_parameters.is_empty() {
            let doc = expression_document(wf);
            Resolver::new(&doc, None).resolve_map(&def.output_parameters)
        } else {
            wf.tasks
                .iter()
                .max_by_key(|t| t.seq)
                .map(|t| t.output_data.clone())
                .unwrap_or_default()
        };
        wf.output = output;
    }

    fn record_failed_tasks(wf: &mut Workflow) {
        let mut refs: BTreeSet<String> = wf.failed_reference_task_names.iter().cloned().collect();
        let mut names: BTreeSet<String> = wf.failed_task_names.iter().cloned().collect();
        for task in &wf.tasks {
            if matches!(
                task.status,
                TaskStatus::Failed | TaskStatus::FailedWithTerminalError
            ) {
                refs.insert(task.reference_task_name.clone());
                names.insert(task.task_def_name.clone());
            }
        }
        wf.failed_reference_task_names = refs.into_iter().collect();
        wf.failed_task_names = names.into_iter().collect();
    }

    /// Ends a workflow whose tasks are all done (`endExecution` / `completeWorkflow`).
    pub(super) fn end_execution(&mut self, wf: &mut Workflow, terminate_task: Option<&str>) {
        if let Some(task_id) = terminate_task {
            let Some(task) = wf.tasks.iter().find(|t| t.task_id == task_id).cloned() else {
                return;
            };
            let status = task
                .input_data
                .get("terminationStatus")
                .and_then(Value::as_str)
                .map_or(WorkflowStatus::Completed, WorkflowStatus::from_wire);
            let reason = task
                .input_data
                .get("terminationReason")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Workflow is {status} by TERMINATE task: {task_id}"));
            wf.output = task.output_data.clone();
            if status == WorkflowStatus::Completed {
                // A TERMINATE COMPLETED ends the workflow through the termination path: tasks
                // still running elsewhere (other fork branches, their JOIN, sub-workflows) are
                // CANCELED.
                wf.reason_for_incompletion = Some(reason);
                wf.status = WorkflowStatus::Completed;
                self.cancel_non_terminal_tasks(wf);
                self.finish(wf, WorkflowStatus::Completed);
            } else {
                let output = task.output_data.clone();
                self.terminate_workflow(wf, status, Some(reason), true, Some(task_id.to_owned()));
                wf.output.extend(output);
            }
            return;
        }
        let permissive_failures: Vec<String> = wf
            .tasks
            .iter()
            .filter(|t| {
                !t.status.is_successful()
                    && t.workflow_task
                        .as_ref()
                        .is_some_and(|wt| wt.permissive && !wt.optional)
                    && !t.retried
            })
            .map(|t| {
                format!(
                    "Task {} failed with status: {} and reason: '{}'",
                    t.task_id,
                    t.status.as_str(),
                    t.reason_for_incompletion.as_deref().unwrap_or("null")
                )
            })
            .collect();
        if !permissive_failures.is_empty() {
            self.terminate_workflow(
                wf,
                WorkflowStatus::Failed,
                Some(permissive_failures.join(", ")),
                true,
                None,
            );
            return;
        }
        self.update_workflow_output(wf);
        self.finish(wf, WorkflowStatus::Completed);
    }

    fn finish(&mut self, wf: &mut Workflow, status: WorkflowStatus) {
        wf.status = status;
        wf.end_time = self.now;
        wf.update_time = Some(self.now);
        Self::record_failed_tasks(wf);
        self.store.sweep_due.remove(&wf.workflow_id);
        if let Some(parent) = &wf.parent_workflow_id {
            self.deferred.push_back(Deferred::ChildEnded {
                parent: parent.clone(),
                child: wf.workflow_id.clone(),
            });
        }
    }

    /// `DELETE /workflow/{id}`: API termination (no failure workflow).
    pub(crate) fn terminate(&mut self, id: &str, reason: Option<String>) -> EngineResult<()> {
        let Some(wf) = self.store.workflows.get(id) else {
            return Err(workflow_not_found(id));
        };
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
            return Err(workflow_not_found(id));
        };
        self.terminate_workflow(&mut wf, WorkflowStatus::Terminated, reason, false, None);
        self.store.workflows.insert(id.to_owned(), wf);
        Ok(())
    }

    /// The engine-caused termination path (`WorkflowExecutorOps.terminate(workflow, exception)`):
    /// it starts the failure workflow.
    pub(super) fn terminate_by_engine(&mut self, wf: &mut Workflow, terminate: Terminate) {
        tracing::debug!(workflow_id = %wf.workflow_id, reason = %terminate.reason, "workflow ends");
        if let Some(from) = terminate.unscheduled_from {
            self.cancel_tasks(wf, |t| t.seq >= from);
            self.delete_tasks(wf, |t| t.seq >= from);
        }
        if terminate.status == WorkflowStatus::Completed && wf.tasks.is_empty() {
            // "No tasks found to be executed": completes through the termination path.
            wf.reason_for_incompletion = Some(terminate.reason);
            self.finish(wf, WorkflowStatus::Completed);
            self.start_failure_workflow(wf, WorkflowStatus::Completed, None);
            return;
        }
        self.terminate_workflow(
            wf,
            terminate.status,
            Some(terminate.reason),
            true,
            terminate.task_id,
        );
    }

    /// Ends a workflow with a non-successful status: output computed, open tasks CANCELED,
    /// failure workflow started when `with_failure_workflow` (`terminateWorkflow`).
    pub(crate) fn terminate_workflow(
        &mut self,
        wf: &mut Workflow,
        status: WorkflowStatus,
        reason: Option<String>,
        with_failure_workflow: bool,
        failed_task_id: Option<String>,
    ) {
        self.update_workflow_output(wf);
        wf.reason_for_incompletion = reason;
        wf.status = status.clone();
        self.cancel_non_terminal_tasks(wf);
        self.finish(wf, status.clone());
        if with_failure_workflow {
            self.start_failure_workflow(wf, status, failed_task_id);
        }
    }

    /// `cancelNonTerminalTasks`: every task still running is CANCELED (a SUB_WORKFLOW's child is
    /// terminated with the workflow's reason).
    fn cancel_non_terminal_tasks(&mut self, wf: &mut Workflow) {
        self.cancel_tasks(wf, |_| true);
    }

    /// Cancels the tasks still running among those `chosen` (see `cancel_non_terminal_tasks`).
    fn cancel_tasks(&mut self, wf: &mut Workflow, chosen: impl Fn(&Task) -> bool) {
        for i in 0..wf.tasks.len() {
            if !wf.tasks[i].status.is_terminal() && chosen(&wf.tasks[i]) {
                let task = wf.tasks[i].clone();
                if let Some(system) = self.registry.get(&task.task_type) {
                    let mut t = task.clone();
                    let effects = system.cancel(&self.view(), wf, &mut t);
                    wf.tasks[i] = t;
                    // Cancelling ends other workflows at most: nothing that can fail this one.
                    if let Err(terminate) = self.apply_effects(wf, effects) {
                        tracing::warn!(workflow_id = %wf.workflow_id, reason = %terminate.reason, "cancelling a task failed");
                    }
                }
                self.unqueue_task(&task);
                self.store.timers.remove(&task.task_id);
                let t = &mut wf.tasks[i];
                t.status = TaskStatus::Canceled;
                t.end_time = self.now;
                t.update_time = self.now;
            }
        }
    }

    fn start_failure_workflow(
        &mut self,
        wf: &mut Workflow,
        status: WorkflowStatus,
        failed_task_id: Option<String>,
    ) {
        let Some(def) = &wf.workflow_definition else {
            return;
        };
        let Some(mut name) = def
            .failure_workflow
            .clone()
            .filter(|n| !n.trim().is_empty())
        else {
            return;
        };
        if name.starts_with('$') {
            // "$workflow.input.key" / "${workflow.input.key}": the named input holds the name.
            let key = name
                .trim_start_matches("${")
                .trim_end_matches('}')
                .split('.')
                .nth(2)
                .unwrap_or("");
            match wf.input.get(key).and_then(Value::as_str) {
                Some(resolved) => name = resolved.to_owned(),
                None => {
                    tracing::warn!(workflow_id = %wf.workflow_id, "failure workflow name '{name}' did not resolve");
                    return;
                }
            }
        }
        let version = def.failure_workflow_version;
        let mut input = wf.input.clone();
        input.insert("workflowId".into(), json!(wf.workflow_id));
        input.insert("reason".into(), json!(wf.reason_for_incompletion));
        input.insert("failureStatus".into(), json!(status.as_str()));
        if let Some(task_id) = &failed_task_id {
            input.insert("failureTaskId".into(), json!(task_id));
        }
        let rendered = render_workflow(wf, true);
        input.insert(
            "failedWorkflow".into(),
            serde_json::to_value(rendered).unwrap_or(Value::Null),
        );
        let params = StartParams {
            name: name.clone(),
            version,
            correlation_id: wf.correlation_id.clone(),
            input,
            task_to_domain: wf.task_to_domain.clone(),
            ..StartParams::default()
        };
        let outcome = match self.start_workflow(params) {
            Ok(id) => json!(id),
            Err(error) => {
                json!(format!(
                    "Error workflow {name} failed to start.  reason: {error}"
                ))
            }
        };
        wf.output
            .insert("conductor.failure_workflow".into(), outcome);
    }

    /// Gives the parent's SUB_WORKFLOW task (still running) the outcome of its ended child.
    pub(crate) fn sync_parent_task(&mut self, parent_id: &str, child_id: &str) {
        let Some(child) = self.store.workflows.get(child_id) else {
            return;
        };
        if !child.status.is_terminal() || child.parent_workflow_id.as_deref() != Some(parent_id) {
            return;
        }
        let Some(task_id) = child.parent_workflow_task_id.clone() else {
            return;
        };
        let child = child.clone();
        let now = self.now;
        let Some(parent) = self.store.workflows.get_mut(parent_id) else {
            return;
        };
        let Some(task) = parent.tasks.iter_mut().find(|t| {
            t.task_id == task_id
                && !t.status.is_terminal()
                && t.sub_workflow_id.as_deref() == Some(child_id)
        }) else {
            return;
        };
        if child_outcome(task, &child) {
            task.update_time = now;
            if task.end_time == 0 {
                task.end_time = now;
            }
        }
    }
}
