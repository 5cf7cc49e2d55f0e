//! Timeouts: a task's `timeoutSeconds`, `pollTimeoutSeconds` and `responseTimeoutSeconds`, and
//! the workflow's `timeoutSeconds`, each with its timeout policy (`DeciderService.checkTaskTimeout`,
//! `checkTaskPollTimeout`, `isResponseTimedOut`, `checkWorkflowTimeout`).

use conductor_models::{
    Task, TaskDef, TaskStatus, TimeoutPolicy, Workflow, WorkflowStatus, WorkflowTimeoutPolicy,
};

use super::Exec;
use crate::clock::secs_to_millis;
use crate::engine::effects::Terminate;
use crate::queue::queue_name;

impl Exec<'_> {
    /// Times `task` out if one of its definition's deadlines passed; `Err` when the timeout
    /// policy ends the workflow.
    pub(super) fn check_task_timeouts(
        &self,
        td: &TaskDef,
        task: &mut Task,
    ) -> Result<(), Terminate> {
        self.check_task_timeout(td, task)?;
        self.check_poll_timeout(td, task)?;
        if self.is_response_timed_out(td, task) {
            task.status = TaskStatus::TimedOut;
            task.reason_for_incompletion = Some(format!(
                "responseTimeout: {} exceeded for the taskId: {} with Task Definition: {}",
                td.response_timeout_seconds, task.task_id, task.task_def_name
            ));
            task.update_time = self.now;
        }
        Ok(())
    }

    fn timeout_with_policy(
        &self,
        reason: String,
        td: &TaskDef,
        task: &mut Task,
    ) -> Result<(), Terminate> {
        match td.timeout_policy {
            TimeoutPolicy::AlertOnly => {
                tracing::info!(task_id = %task.task_id, "{reason}");
                Ok(())
            }
            TimeoutPolicy::TimeOutWf => {
                task.status = TaskStatus::TimedOut;
                task.reason_for_incompletion = Some(reason.clone());
                task.end_time = self.now;
                Err(Terminate::new(reason, WorkflowStatus::TimedOut).with_task(&task.task_id))
            }
            _ => {
                task.status = TaskStatus::TimedOut;
                task.reason_for_incompletion = Some(reason);
                task.end_time = self.now;
                Ok(())
            }
        }
    }

    fn check_task_timeout(&self, td: &TaskDef, task: &mut Task) -> Result<(), Terminate> {
        if task.status.is_terminal() || td.timeout_seconds <= 0 || task.start_time <= 0 {
            return Ok(());
        }
        let elapsed =
            self.now - (task.start_time + secs_to_millis(i64::from(task.start_delay_in_seconds)));
        if elapsed < secs_to_millis(td.timeout_seconds) {
            return Ok(());
        }
        let reason = format!(
            "Task timed out after {} seconds. Timeout configured as {} seconds. Timeout policy configured to {}",
            elapsed / 1000,
            td.timeout_seconds,
            td.timeout_policy.as_str()
        );
        self.timeout_with_policy(reason, td, task)
    }

    fn check_poll_timeout(&self, td: &TaskDef, task: &mut Task) -> Result<(), Terminate> {
        let poll_timeout = i64::from(td.poll_timeout_seconds.unwrap_or(0));
        if poll_timeout <= 0 || task.status != TaskStatus::Scheduled {
            return Ok(());
        }
        let adjusted = secs_to_millis(poll_timeout) + secs_to_millis(task.callback_after_seconds);
        let elapsed = self.now
            - (task.scheduled_time + secs_to_millis(i64::from(task.start_delay_in_seconds)));
        if elapsed < adjusted {
            return Ok(());
        }
        let reason = format!(
            "Task poll timed out after {} seconds. Poll timeout configured as {} seconds. Timeout policy configured to {}",
            elapsed / 1000,
            poll_timeout,
            td.timeout_policy.as_str()
        );
        self.timeout_with_policy(reason, td, task)
    }

    fn is_response_timed_out(&self, td: &TaskDef, task: &Task) -> bool {
        if task.status != TaskStatus::InProgress || td.response_timeout_seconds == 0 {
            return false;
        }
        if self.is_system(&task.task_type) {
            return false;
        }
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        if self.store.queues.contains(&queue, &task.task_id) {
            return false;
        }
        let adjusted = secs_to_millis(td.response_timeout_seconds)
            + secs_to_millis(task.callback_after_seconds);
        self.now - task.update_time >= adjusted
    }

    pub(super) fn check_workflow_timeout(&self, wf: &Workflow) -> Result<(), Terminate> {
        let Some(def) = &wf.workflow_definition else {
            return Ok(());
        };
        if wf.status.is_terminal() || def.timeout_seconds <= 0 {
            return Ok(());
        }
        let base = if wf.last_retried_time > 0 {
            wf.last_retried_time
        } else {
            wf.create_time.unwrap_or(0)
        };
        let elapsed = self.now - base;
        if elapsed < secs_to_millis(def.timeout_seconds) {
            return Ok(());
        }
        if def.timeout_policy != WorkflowTimeoutPolicy::TimeOutWf {
            return Ok(());
        }
        Err(Terminate::new(
            format!(
                "Workflow timed out after {} seconds. Timeout configured as {} seconds. Timeout policy configured to {}",
                elapsed / 1000,
                def.timeout_seconds,
                def.timeout_policy.as_str()
            ),
            WorkflowStatus::TimedOut,
        ))
    }
}
