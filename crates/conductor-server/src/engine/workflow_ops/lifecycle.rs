//! Lifecycle operations on one workflow: removal, pause, resume, API termination, skipping a
//! task, resetting callbacks, merging variables, and completing tasks from a webhook call.

use conductor_models::{
    JsonMap, SkipTaskRequest, Task, TaskResult, TaskStatus, Workflow, WorkflowStatus,
};
use serde_json::Value;

use crate::engine::def_tree;
use crate::engine::error::{EngineError, EngineResult};
use crate::engine::executor::Exec;
use crate::engine::render::render_workflow;
use crate::engine::tasks::webhook_matches;
use crate::queue::queue_name;

impl Exec<'_> {
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
                    .filter(|t| webhook_matches(t, id, payload))
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
}
