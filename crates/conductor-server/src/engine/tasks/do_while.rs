//! DO_WHILE (conductor-oss `DoWhile`, `DoWhileTaskMapper`, `WorkflowExecutorOps.scheduleNextIteration`).
//!
//! Body tasks run as `<ref>__<iteration>`; a loop nested in another loop carries the outer
//! suffix too (`inner__2`, its body `t__2__1`), so nested loops never collide (conductor-oss has no
//! scheme for nested loops). The loop output is keyed by iteration (`"1": {ref: output}`), plus
//! `iteration` and, in list mode (`items`), `loopIndex` and `loopItem`.

use conductor_models::{JsonMap, Task, TaskStatus, Workflow, WorkflowTask};
use serde_json::{Value, json};

use super::scripting::script_value;
use crate::engine::def_tree;
use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::input::{expression_document, resolve_task_input_with};
use crate::engine::refs::{latest_task, loop_suffix, strip_iteration};
use crate::engine::script;
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;
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

impl DoWhile {
    /// Starts iteration `task.iteration` (already set) by scheduling the first body task; the
    /// executor maps it once the loop task, with its new iteration, is back in the workflow.
    fn schedule_iteration(mut executed: Executed, wt: &WorkflowTask) -> Executed {
        if let Some(first) = wt.loop_over.first() {
            executed = executed.with(Effect::Schedule(Box::new(first.clone())));
        }
        executed
    }

    fn items(wf: &Workflow, task: &Task, wt: &WorkflowTask) -> Option<Result<Vec<Value>, String>> {
        let expression = items_expression(wt)?;
        let doc = expression_document(wf);
        let value = Resolver::new(&doc, Some(&task.task_id)).resolve_value(&expression);
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

    /// Drops the output of the iterations before the last `keepLastN` and returns the deletion of
    /// their body tasks.
    fn keep_last_n(task: &mut Task, wt: &WorkflowTask) -> Option<Effect> {
        let keep = task
            .input_data
            .get("keepLastN")
            .or_else(|| wt.input_parameters.get("keepLastN"))
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)?;
        let current = i64::from(task.iteration);
        let bare: Vec<String> = body_tasks(wt)
            .iter()
            .map(|t| t.task_reference_name.clone())
            .collect();
        let mut doomed = Vec::new();
        for old in 1..=(current - keep) {
            let key = old.to_string();
            if task.output_data.remove(&key).is_none() {
                continue;
            }
            let suffix = body_suffix(task, i32::try_from(old).unwrap_or(0));
            doomed.extend(bare.iter().map(|b| format!("{b}{suffix}")));
        }
        (!doomed.is_empty()).then_some(Effect::DeleteTasks(doomed))
    }
}

impl DoWhile {
    /// The first round: starts iteration 1, or completes at once over an empty `items` list.
    fn begin(task: &mut Task, wt: &WorkflowTask, items: Option<&[Value]>) -> Executed {
        if items.is_some_and(<[Value]>::is_empty) {
            task.output_data.insert("iteration".into(), json!(0));
            task.status = TaskStatus::Completed;
            return Executed::changed();
        }
        task.iteration = 1;
        task.output_data.insert("iteration".into(), json!(1));
        if let Some(items) = items {
            Self::set_item(task, items);
        }
        Self::schedule_iteration(Executed::changed(), wt)
    }

    /// The body tasks of the current iteration that ended, by bare reference name; `None` while
    /// the iteration is still running (`DoWhile.isIterationComplete`).
    fn finished_iteration(
        wf: &Workflow,
        task: &Task,
        wt: &WorkflowTask,
    ) -> Option<Vec<(String, Task)>> {
        let suffix = body_suffix(task, task.iteration);
        let mut finished: Vec<(String, Task)> = Vec::new();
        for body in body_tasks(wt) {
            let bare = &body.task_reference_name;
            if let Some(t) = latest_task(wf, &format!("{bare}{suffix}")) {
                if !t.status.is_terminal() {
                    return None;
                }
                finished.push((bare.clone(), t.clone()));
            }
        }
        let any_failed = finished.iter().any(|(_, t)| !t.status.is_successful());
        // Every task directly in `loopOver` must have been scheduled in this iteration (nested
        // ones count only once they exist). A body that starts with sync system tasks has
        // finished them before its next task is scheduled.
        let all_scheduled = wt.loop_over.iter().all(|direct| {
            latest_task(wf, &format!("{}{suffix}", direct.task_reference_name)).is_some()
        });
        (any_failed || all_scheduled).then_some(finished)
    }

    /// Whether the loop goes on after the iteration whose body tasks are `finished`: the
    /// condition sees the re-resolved loop input, the loop output (`output`, with the iteration's)
    /// and each body task's output. The condition is evaluated outside the lock: `Err` with what
    /// `execute` returns until its value is back.
    fn condition_holds(
        view: &View<'_>,
        wf: &Workflow,
        task: &Task,
        output: &JsonMap,
        wt: &WorkflowTask,
        finished: &[(String, Task)],
        list_mode: bool,
    ) -> Result<Result<bool, String>, Executed> {
        let condition = wt
            .loop_condition
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        let Some(c) = condition else {
            return Ok(Ok(list_mode));
        };
        let td = wt.task_definition.clone();
        let mut bindings = resolve_task_input_with(wf, task, &wt.input_parameters, td.as_ref());
        bindings.insert(
            strip_iteration(&task.reference_task_name).to_owned(),
            Value::Object(output.clone()),
        );
        for (bare, t) in finished {
            bindings.insert(bare.clone(), Value::Object(t.output_data.clone()));
        }
        let value = script_value(view, task, c, Value::Object(bindings))?;
        Ok(value
            .map(|v| script::truthy(&v))
            .map_err(|e| format!("Unable to evaluate condition {c}, exception {e}")))
    }

    /// An iteration ended: fails the loop, completes it, or starts the next iteration (once the
    /// condition's value is back).
    fn end_iteration(
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
        wt: &WorkflowTask,
        items: Option<&[Value]>,
        finished: &[(String, Task)],
    ) -> Executed {
        let failures: Vec<&Task> = finished
            .iter()
            .map(|(_, t)| t)
            .filter(|t| !t.status.is_successful())
            .collect();
        if !failures.is_empty() {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(
                failures
                    .iter()
                    .map(|t| t.reason_for_incompletion.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            return Executed::changed();
        }
        let mut iteration_output = JsonMap::new();
        for (bare, t) in finished {
            iteration_output.insert(bare.clone(), Value::Object(t.output_data.clone()));
        }
        let mut output = task.output_data.clone();
        output.insert(task.iteration.to_string(), Value::Object(iteration_output));
        let holds =
            match Self::condition_holds(view, wf, task, &output, wt, finished, items.is_some()) {
                Err(pending) => return pending,
                Ok(holds) => holds,
            };
        task.output_data = output;
        let go_on = match holds {
            Err(reason) => {
                task.status = TaskStatus::FailedWithTerminalError;
                task.reason_for_incompletion = Some(reason);
                return Executed::changed();
            }
            Ok(holds) => match items {
                Some(items) => {
                    holds && usize::try_from(task.iteration).unwrap_or(usize::MAX) < items.len()
                }
                None => holds,
            },
        };
        let mut executed = Executed::changed();
        if let Some(delete) = Self::keep_last_n(task, wt) {
            executed = executed.with(delete);
        }
        if !go_on {
            task.status = TaskStatus::Completed;
            return executed;
        }
        task.iteration += 1;
        task.output_data
            .insert("iteration".into(), json!(task.iteration));
        if let Some(items) = items {
            Self::set_item(task, items);
        }
        Self::schedule_iteration(executed, wt)
    }
}

impl SystemTask for DoWhile {
    fn task_type(&self) -> &'static str {
        "DO_WHILE"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        Ok(ctx.resolved_task(TaskStatus::InProgress).into())
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let Some(wt) = task.workflow_task.clone() else {
            return Ok(Executed::unchanged());
        };
        let items = match Self::items(wf, task, &wt) {
            Some(Err(reason)) => {
                task.status = TaskStatus::FailedWithTerminalError;
                task.reason_for_incompletion = Some(reason);
                return Ok(Executed::changed());
            }
            Some(Ok(items)) => Some(items),
            None => None,
        };
        if task.iteration == 0 {
            return Ok(Self::begin(task, &wt, items.as_deref()));
        }
        let Some(finished) = Self::finished_iteration(wf, task, &wt) else {
            return Ok(Executed::unchanged());
        };
        Ok(Self::end_iteration(
            view,
            wf,
            task,
            &wt,
            items.as_deref(),
            &finished,
        ))
    }

    fn cancel(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Vec<Effect> {
        task.status = TaskStatus::Canceled;
        Vec::new()
    }
}
