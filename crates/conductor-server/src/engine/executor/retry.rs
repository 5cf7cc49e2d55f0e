//! Retries (`DeciderService.retry`): a failed task gets a new attempt after its definition's
//! delay, is accepted (optional, permissive), or ends the workflow.

use std::collections::HashSet;

use conductor_models::{
    JsonMap, RetryLogic, Task, TaskDef, TaskStatus, TaskType, Workflow, WorkflowDef,
    WorkflowStatus, WorkflowTask,
};

use super::Exec;
use crate::clock::secs_to_millis;
use crate::engine::def_tree;
use crate::engine::effects::Terminate;
use crate::engine::input::resolve_task_input;
use crate::engine::view::new_id;

/// Whether a task type is one of the operators that are never retried (`TaskType.isBuiltIn`).
pub(super) fn is_built_in(task_type: &TaskType) -> bool {
    matches!(
        task_type,
        TaskType::Decision
            | TaskType::Switch
            | TaskType::Fork
            | TaskType::Join
            | TaskType::ExclusiveJoin
            | TaskType::DoWhile
    )
}

/// The new attempt of a failed `task`, due after `delay` seconds: a fresh id, no run state.
fn next_attempt(task: &Task, delay: i32) -> Task {
    let mut retry = task.clone();
    retry.task_id = new_id();
    retry.retried_task_id = Some(task.task_id.clone());
    retry.retry_count = task.retry_count + 1;
    retry.retried = false;
    retry.executed = false;
    retry.status = TaskStatus::Scheduled;
    retry.poll_count = 0;
    retry.output_data = JsonMap::new();
    retry.seq = 0;
    retry.scheduled_time = 0;
    retry.start_time = 0;
    retry.end_time = 0;
    retry.update_time = 0;
    retry.worker_id = None;
    retry.sub_workflow_id = None;
    retry.callback_after_seconds = i64::from(delay);
    retry.start_delay_in_seconds = delay;
    retry
}

impl Exec<'_> {
    /// A pending task that did not succeed: its new attempt replaces whatever was to be scheduled
    /// under its reference name, or an optional task is accepted as COMPLETED_WITH_ERRORS.
    pub(super) fn retry_failed(
        &mut self,
        wf: &Workflow,
        def: &WorkflowDef,
        task_def: Option<&TaskDef>,
        task: &mut Task,
        to_schedule: &mut Vec<Task>,
        executed_refs: &mut HashSet<String>,
    ) -> Result<(), Terminate> {
        let workflow_task = task
            .workflow_task
            .clone()
            .or_else(|| def_tree::find(&def.tasks, &task.reference_task_name).cloned());
        match self.retry(task_def, workflow_task.as_ref(), task, wf)? {
            Some(retry) => {
                let max_jitter = task_def.map_or(0, |td| td.backoff_jitter_ms);
                if max_jitter > 0 {
                    self.retry_jitter_ms
                        .insert(retry.task_id.clone(), retry_jitter_ms(max_jitter));
                }
                executed_refs.remove(&retry.reference_task_name);
                to_schedule.retain(|t| t.reference_task_name != retry.reference_task_name);
                to_schedule.push(retry);
            }
            None => {
                if workflow_task.as_ref().is_some_and(|wt| wt.optional) {
                    task.status = TaskStatus::CompletedWithErrors;
                }
            }
        }
        Ok(())
    }

    /// `DeciderService.retry`: a new attempt, nothing (optional/permissive), or workflow end.
    fn retry(
        &self,
        task_def: Option<&TaskDef>,
        workflow_task: Option<&WorkflowTask>,
        task: &mut Task,
        wf: &Workflow,
    ) -> Result<Option<Task>, Terminate> {
        let expected = match task_def {
            None => 0,
            Some(td) => workflow_task
                .and_then(|wt| wt.retry_count)
                .unwrap_or(td.retry_count),
        };
        let total_timed_out = task_def.is_some_and(|td| {
            td.total_timeout_seconds > 0 && {
                let first = wf
                    .tasks
                    .iter()
                    .filter(|t| t.reference_task_name == task.reference_task_name)
                    .map(|t| t.scheduled_time)
                    .min()
                    .unwrap_or(task.scheduled_time);
                self.now - first >= secs_to_millis(td.total_timeout_seconds)
            }
        });
        if !task.status.is_retriable()
            || is_built_in(&TaskType::from_wire(&task.task_type))
            || expected <= task.retry_count
            || total_timed_out
        {
            if workflow_task.is_some_and(|wt| wt.optional || wt.permissive) {
                return Ok(None);
            }
            let status = match task.status {
                TaskStatus::Canceled => WorkflowStatus::Terminated,
                TaskStatus::TimedOut => WorkflowStatus::TimedOut,
                _ if total_timed_out => WorkflowStatus::TimedOut,
                _ => WorkflowStatus::Failed,
            };
            let reason = format!(
                "Task {} failed with status: {} and reason: '{}'",
                task.task_id,
                status.as_str(),
                task.reason_for_incompletion.as_deref().unwrap_or("null")
            );
            return Err(Terminate::new(reason, status).with_task(&task.task_id));
        }
        let Some(td) = task_def else { return Ok(None) };
        let delay = retry_delay_seconds(td, task.retry_count);
        task.retried = true;
        task.callback_after_seconds = i64::from(delay);
        let mut retry = next_attempt(task, delay);
        if let Some(wt) = workflow_task {
            let fresh =
                resolve_task_input(wf, &wt.input_parameters, Some(td), Some(&retry.task_id));
            retry.input_data.extend(fresh);
        }
        Ok(Some(retry))
    }
}

/// `DeciderService.retry`: a uniformly random jitter in `[0, max_jitter_ms]` (inclusive, as
/// `ThreadLocalRandom.nextLong(0, max + 1)`), added in milliseconds to a retry's delay. The
/// random bits come from a v4 UUID (the OS generator `uuid` already uses).
fn retry_jitter_ms(max_jitter_ms: i32) -> i64 {
    let span = u128::from(max_jitter_ms.max(0).unsigned_abs()) + 1;
    i64::try_from(uuid::Uuid::new_v4().as_u128() % span).unwrap_or(0)
}

/// The retry delay in seconds after a failed attempt with retry count `n` (`DeciderService.retry`).
fn retry_delay_seconds(td: &TaskDef, n: i32) -> i32 {
    let base = i64::from(td.retry_delay_seconds);
    let delay = match td.retry_logic {
        RetryLogic::LinearBackoff => base
            .saturating_mul(i64::from(td.backoff_scale_factor))
            .saturating_mul(i64::from(n) + 1),
        RetryLogic::ExponentialBackoff => {
            let factor = 2i64
                .checked_pow(u32::try_from(n).unwrap_or(0))
                .unwrap_or(i64::MAX);
            base.saturating_mul(factor)
        }
        _ => base,
    };
    let mut delay = if delay > i64::from(i32::MAX) || delay < 0 {
        i32::MAX
    } else {
        delay as i32
    };
    if td.max_retry_delay_seconds > 0 {
        delay = delay.min(td.max_retry_delay_seconds);
    }
    delay
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(logic: RetryLogic, delay: i32, factor: i32, max: i32) -> TaskDef {
        let mut td = TaskDef::new("t");
        td.retry_logic = logic;
        td.retry_delay_seconds = delay;
        td.backoff_scale_factor = factor;
        td.max_retry_delay_seconds = max;
        td
    }

    #[test]
    fn retry_jitter_stays_within_zero_and_the_maximum_inclusive() {
        let draws: Vec<i64> = (0..400).map(|_| retry_jitter_ms(3)).collect();
        assert!(draws.iter().all(|d| (0..=3).contains(d)), "{draws:?}");
        assert!(draws.contains(&0) && draws.contains(&3), "{draws:?}");
        assert_eq!(retry_jitter_ms(0), 0);
    }

    #[test]
    fn retry_delays_follow_the_policy() {
        assert_eq!(retry_delay_seconds(&def(RetryLogic::Fixed, 5, 1, 0), 3), 5);
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::LinearBackoff, 2, 3, 0), 0),
            6
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::LinearBackoff, 2, 3, 0), 2),
            18
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 0), 0),
            3
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 0), 3),
            24
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 3, 1, 10), 3),
            10
        );
        assert_eq!(
            retry_delay_seconds(&def(RetryLogic::ExponentialBackoff, 1, 1, 0), 40),
            i32::MAX
        );
    }
}
