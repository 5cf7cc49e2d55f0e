//! DO_WHILE (conductor-oss `DoWhile`, `DoWhileTaskMapper`, `WorkflowExecutorOps.scheduleNextIteration`).
//!
//! Body tasks run as `<ref>__<iteration>`; a loop nested in another loop carries the outer
//! suffix too (`inner__2`, its body `t__2__1`), so nested loops never collide (conductor-oss has no
//! scheme for nested loops). The loop output is keyed by iteration (`"1": {ref: output}`), plus
//! `iteration` and, in list mode (`items`), `loopIndex` and `loopItem`.

use conductor_models::{JsonMap, Task, TaskStatus, Workflow, WorkflowTask};
use serde_json::{Value, json};

use crate::engine::def_tree;
use crate::engine::executor::{
    Exec, Terminate, expression_document, latest_task, loop_suffix, resolve_task_input,
    strip_iteration,
};
use crate::engine::script;
use crate::engine::system_task::{MapContext, SystemTask};
use crate::expr::Resolver;

/// `DO_WHILE`.
#[derive(Debug)]
pub(super) struct DoWhile;

/// The suffix of the body tasks of `task` in `iteration`.
fn body_suffix(task: &Task, iteration: i32) -> String {
    format!("{}__{iteration}", loop_suffix(&task.reference_task_name))
}

/// Every workflow task of the loop body, nested ones included.
fn body_tasks(wt: &WorkflowTask) -> Vec<&WorkflowTask> {
    let mut out = Vec::new();
    def_tree::all(&wt.loop_over, &mut out);
    out
}

/// The `items` expression of a list loop (`items`, or Orkes' `inputParameters._items`).
fn items_expression(wt: &WorkflowTask) -> Option<Value> {
    wt.items
        .clone()
        .map(Value::String)
        .or_else(|| wt.input_parameters.get("_items").cloned())
}

fn write_back(wf: &mut Workflow, task: &Task) {
    if let Some(stored) = wf.tasks.iter_mut().find(|t| t.task_id == task.task_id) {
        *stored = task.clone();
    }
}

impl DoWhile {
    /// Starts iteration `task.iteration` (already set) by scheduling the first body task.
    fn schedule_iteration(
        exec: &mut Exec<'_>,
        wf: &mut Workflow,
        task: &Task,
        wt: &WorkflowTask,
    ) -> Result<(), Terminate> {
        write_back(wf, task);
        if let Some(first) = wt.loop_over.first() {
            let tasks = exec.tasks_to_be_scheduled(wf, first, 0, None)?;
            exec.schedule_tasks(wf, tasks)?;
        }
        Ok(())
    }

    fn items(
        exec: &Exec<'_>,
        wf: &Workflow,
        task: &Task,
        wt: &WorkflowTask,
    ) -> Option<Result<Vec<Value>, String>> {
        let expression = items_expression(wt)?;
        let doc = expression_document(wf);
        let value = Resolver::new(&doc, Some(&task.task_id)).resolve_value(&expression);
        let _ = exec;
        Some(match value {
            Value::Array(items) => Ok(items),
            other => Err(format!(
                "DO_WHILE items must resolve to a list, found {other}"
            )),
        })
    }

    fn set_item(task: &mut Task, items: &[Value]) {
        let index = usize::try_from(task.iteration - 1).unwrap_or(0);
        task.output_data.insert("loopIndex".into(), json!(index));
        task.output_data.insert(
            "loopItem".into(),
            items.get(index).cloned().unwrap_or(Value::Null),
        );
    }

    fn keep_last_n(exec: &mut Exec<'_>, wf: &mut Workflow, task: &mut Task, wt: &WorkflowTask) {
        let Some(keep) = task
            .input_data
            .get("keepLastN")
            .or_else(|| wt.input_parameters.get("keepLastN"))
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)
        else {
            return;
        };
        let current = i64::from(task.iteration);
        let bare: Vec<String> = body_tasks(wt)
            .iter()
            .map(|t| t.task_reference_name.clone())
            .collect();
        for old in 1..=(current - keep) {
            let key = old.to_string();
            if task.output_data.remove(&key).is_none() {
                continue;
            }
            let suffix = body_suffix(task, i32::try_from(old).unwrap_or(0));
            let refs: Vec<String> = bare.iter().map(|b| format!("{b}{suffix}")).collect();
            exec.delete_tasks(wf, |t| refs.contains(&t.reference_task_name));
        }
    }
}

impl SystemTask for DoWhile {
    fn task_type(&self) -> &'static str {
        "DO_WHILE"
    }

    fn map(&self, _: &mut Exec<'_>, ctx: &MapContext<'_>) -> Result<Vec<Task>, Terminate> {
        Ok(vec![ctx.resolved_task(TaskStatus::InProgress)])
    }

    fn execute(
        &self,
        exec: &mut Exec<'_>,
        wf: &mut Workflow,
        task: &mut Task,
    ) -> Result<bool, Terminate> {
        let Some(wt) = task.workflow_task.clone() else {
            return Ok(false);
        };
        let items = match Self::items(exec, wf, task, &wt) {
            Some(Err(reason)) => {
                task.status = TaskStatus::FailedWithTerminalError;
                task.reason_for_incompletion = Some(reason);
                return Ok(true);
            }
            Some(Ok(items)) => Some(items),
            None => None,
        };
        if task.iteration == 0 {
            if items.as_ref().is_some_and(Vec::is_empty) {
                task.output_data.insert("iteration".into(), json!(0));
                task.status = TaskStatus::Completed;
                return Ok(true);
            }
            task.iteration = 1;
            task.output_data.insert("iteration".into(), json!(1));
            if let Some(items) = &items {
                Self::set_item(task, items);
            }
            Self::schedule_iteration(exec, wf, task, &wt)?;
            return Ok(true);
        }
        let suffix = body_suffix(task, task.iteration);
        let mut finished: Vec<(String, Task)> = Vec::new();
        for body in body_tasks(&wt) {
            let bare = &body.task_reference_name;
            if let Some(t) = latest_task(wf, &format!("{bare}{suffix}")) {
                if !t.status.is_terminal() {
                    return Ok(false);
                }
                finished.push((bare.clone(), t.clone()));
            }
        }
        let failures: Vec<&Task> = finished
            .iter()
            .map(|(_, t)| t)
            .filter(|t| !t.status.is_successful())
            .collect();
        // `DoWhile.isIterationComplete`: every task directly in `loopOver` must have been
        // scheduled in this iteration (nested ones count only once they exist). A body that
        // starts with sync system tasks has finished them before its next task is scheduled.
        let all_scheduled = wt.loop_over.iter().all(|direct| {
            latest_task(wf, &format!("{}{suffix}", direct.task_reference_name)).is_some()
        });
        if failures.is_empty() && !all_scheduled {
            return Ok(false);
        }
        if !failures.is_empty() {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(
                failures
                    .iter()
                    .map(|t| t.reason_for_incompletion.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            return Ok(true);
        }
        let mut iteration_output = JsonMap::new();
        for (bare, t) in &finished {
            iteration_output.insert(bare.clone(), Value::Object(t.output_data.clone()));
        }
        task.output_data
            .insert(task.iteration.to_string(), Value::Object(iteration_output));
        write_back(wf, task);
        // The condition sees the re-resolved loop input, the loop output and each body task's output.
        let td = wt.task_definition.clone();
        let mut bindings =
            resolve_task_input(wf, &wt.input_parameters, td.as_ref(), Some(&task.task_id));
        bindings.insert(
            strip_iteration(&task.reference_task_name).to_owned(),
            Value::Object(task.output_data.clone()),
        );
        for (bare, t) in &finished {
            bindings.insert(bare.clone(), Value::Object(t.output_data.clone()));
        }
        let condition = wt
            .loop_condition
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let condition_holds = match condition {
            None => Ok(items.is_some()),
            Some(c) => script::eval(c, &Value::Object(bindings), exec.settings.script)
                .map(|v| script::truthy(&v))
                .map_err(|e| format!("Unable to evaluate condition {c}, exception {e}")),
        };
        let go_on = match condition_holds {
            Err(reason) => {
                task.status = TaskStatus::FailedWithTerminalError;
                task.reason_for_incompletion = Some(reason);
                return Ok(true);
            }
            Ok(holds) => match &items {
                Some(items) => {
                    holds && usize::try_from(task.iteration).unwrap_or(usize::MAX) < items.len()
                }
                None => holds,
            },
        };
        Self::keep_last_n(exec, wf, task, &wt);
        if !go_on {
            task.status = TaskStatus::Completed;
            return Ok(true);
        }
        task.iteration += 1;
        task.output_data
            .insert("iteration".into(), json!(task.iteration));
        if let Some(items) = &items {
            Self::set_item(task, items);
        }
        Self::schedule_iteration(exec, wf, task, &wt)?;
        Ok(true)
    }

    fn cancel(&self, _: &mut Exec<'_>, _: &mut Workflow, task: &mut Task) {
        task.status = TaskStatus::Canceled;
    }
}
