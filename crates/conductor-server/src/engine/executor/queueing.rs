//! Task queues and the sweeper's bookkeeping: worker tasks are pushed to and removed from their
//! queues here, the sweeper's next look at a workflow is computed, and lost queue messages are
//! repaired.

use conductor_models::{Task, TaskStatus};

use super::Exec;
use crate::clock::secs_to_millis;
use crate::engine::task_defs::task_def_of;
use crate::queue::queue_name;

/// How long a workflow with no nearer deadline waits before the sweeper looks at it again
/// (`workflowOffsetTimeout`).
const DEFAULT_SWEEP_OFFSET_MS: i64 = 30_000;
/// A poll that would break a rate or concurrency limit hides the task this long
/// (`taskExecutionPostponeDuration`).
pub(crate) const LIMIT_POSTPONE_MS: i64 = 60_000;

impl Exec<'_> {
    /// Pushes a worker task to its queue with its `callbackAfterSeconds` delay.
    pub(crate) fn queue_task(&mut self, task: &Task) {
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        let jitter = self.retry_jitter_ms.remove(&task.task_id).unwrap_or(0);
        let delay = secs_to_millis(task.callback_after_seconds.max(0)) + jitter;
        self.store.queues.push(
            &queue,
            &task.task_id,
            task.workflow_priority,
            self.now + delay,
        );
        self.touch(queue);
    }

    /// Removes a task's queue message.
    pub(crate) fn unqueue_task(&mut self, task: &Task) {
        let queue = queue_name(&task.task_type, task.domain.as_deref());
        self.store.queues.remove(&queue, &task.task_id);
    }

    /// Recomputes when the sweeper must next look at a running workflow.
    pub(crate) fn refresh_sweep_due(&mut self, workflow_id: &str) {
        let Some(wf) = self.store.workflows.get(workflow_id) else {
            return;
        };
        if wf.status.is_terminal() {
            self.store.sweep_due.remove(workflow_id);
            return;
        }
        let mut due = self.now + DEFAULT_SWEEP_OFFSET_MS;
        if let Some(def) = &wf.workflow_definition
            && def.timeout_seconds > 0
        {
            let base = if wf.last_retried_time > 0 {
                wf.last_retried_time
            } else {
                wf.create_time.unwrap_or(self.now)
            };
            due = due.min(base + secs_to_millis(def.timeout_seconds));
        }
        for task in wf.tasks.iter().filter(|t| !t.status.is_terminal()) {
            let Some(td) = task_def_of(task, self.store) else {
                continue;
            };
            let delay = secs_to_millis(i64::from(task.start_delay_in_seconds));
            let callback = secs_to_millis(task.callback_after_seconds);
            if task.status == TaskStatus::Scheduled
                && let Some(poll) = td.poll_timeout_seconds.filter(|p| *p > 0)
            {
                due = due
                    .min(task.scheduled_time + delay + secs_to_millis(i64::from(poll)) + callback);
            }
            if task.status == TaskStatus::InProgress && td.response_timeout_seconds > 0 {
                due = due
                    .min(task.update_time + secs_to_millis(td.response_timeout_seconds) + callback);
            }
            if td.timeout_seconds > 0 && task.start_time > 0 {
                due = due.min(task.start_time + delay + secs_to_millis(td.timeout_seconds));
            }
            if let Some(at) = self.store.timers.get(&task.task_id) {
                due = due.min(*at);
            }
        }
        self.store.sweep_due.insert(workflow_id.to_owned(), due);
    }

    /// Re-pushes SCHEDULED worker tasks of running workflows whose queue message went missing.
    pub(crate) fn repair_queues(&mut self, workflow_id: &str) {
        let Some(wf) = self.store.workflows.get(workflow_id) else {
            return;
        };
        if wf.status.is_terminal() {
            return;
        }
        let missing: Vec<Task> = wf
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Scheduled && !self.is_system(&t.task_type))
            .filter(|t| {
                !self
                    .store
                    .queues
                    .contains(&queue_name(&t.task_type, t.domain.as_deref()), &t.task_id)
            })
            .cloned()
            .collect();
        for mut task in missing {
            task.callback_after_seconds = 0;
            self.queue_task(&task);
        }
    }
}
