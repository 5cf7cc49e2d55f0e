//! Branching: SWITCH (`value-param`, `javascript`/`graaljs` evaluators) and the legacy DECISION
//! (conductor-oss `SwitchTaskMapper`, `DecisionTaskMapper`, `ValueParamEvaluator`,
//! `JavascriptEvaluator`). A `value-param` case is chosen when the task is scheduled, and the
//! first task of the chosen case is scheduled in the same decide. A JavaScript expression is
//! evaluated outside the engine lock ([`script_value`]): the task is scheduled IN_PROGRESS and,
//! once the value is back, its execution records the case, completes and schedules the case's
//! first task, in the decide that follows the evaluation (conductor-oss does both in one decide).
//! So that the case looks as if it was scheduled with the task, as on conductor-oss, its inputs
//! are resolved against the workflow as it was before the decide that scheduled the task (without
//! the task itself, whose output a case task cannot see there, nor the FORK that opens its
//! branch), it is listed right after the task, and a DECISION whose script fails is not listed at
//! all, nor what was mapped with it (its mapper fails on conductor-oss).

use conductor_models::{Task, TaskStatus, Workflow, WorkflowStatus, WorkflowTask};
use serde_json::{Value, json};

use super::scripting::script_value;
use crate::engine::def_tree;
use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::refs::def_ref;
use crate::engine::script::case_string;
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;

/// The first task of the `selected` case (if any), mapped against `wf`.
fn case_tasks(
    view: &View<'_>,
    wf: &Workflow,
    selected: Option<&Vec<WorkflowTask>>,
) -> Result<Mapped, Terminate> {
    match selected.and_then(|list| list.first()) {
        Some(first) => view.tasks_to_be_scheduled(wf, first, 0, None),
        None => Ok(Mapped::default()),
    }
}

/// Records the chosen case in the branching task's input (`case`, `hasChildren`) and `output`.
fn record_case(task: &mut Task, case: &str, children: &Mapped, output: &[(&str, Value)]) {
    task.input_data.insert("case".into(), json!(case));
    if !children.tasks.is_empty() {
        task.input_data.insert("hasChildren".into(), json!("true"));
    }
    for (key, value) in output {
        task.output_data.insert((*key).into(), value.clone());
    }
}

/// Schedules the first task of the `selected` case (if any) after the branching `task`, which
/// records the case; returns both, in order (a case chosen when the task is mapped).
fn schedule_case(
    view: &View<'_>,
    ctx: &MapContext<'_>,
    mut task: Task,
    case: &str,
    selected: Option<&Vec<WorkflowTask>>,
    output: &[(&str, Value)],
) -> Result<Mapped, Terminate> {
    let children = case_tasks(view, ctx.workflow, selected)?;
    record_case(&mut task, case, &children, output);
    let mut mapped = Mapped::from(task);
    mapped.extend(children);
    Ok(mapped)
}

/// The workflow as conductor-oss's mapper sees it when it schedules the branching `task`, and its
/// case with it: without the tasks mapped in that decide (`task`, the FORKs and cases that open
/// with it, their earlier branches) and those scheduled after them. A case task's input that
/// refers to one of them (the SWITCH's output, its FORK's status) then resolves to null, as there.
fn as_when_scheduled(wf: &Workflow, task: &Task) -> Workflow {
    let since = mapped_since(wf, task);
    let mut before = wf.clone();
    before.tasks.retain(|t| t.seq < since);
    before
}

/// The `seq` of the first task conductor-oss maps in the decide that maps `task`: the outermost
/// of the tasks whose branch or case opens with it (a case of a javascript SWITCH too, which it
/// maps in the same decide), found up the definition; `task`'s own when none.
fn mapped_since(wf: &Workflow, task: &Task) -> i32 {
    let mut since = task.seq;
    let Some(def) = wf.workflow_definition.as_ref() else {
        return since;
    };
    let mut reference = def_ref(task).to_owned();
    let mut retried = task.retry_count > 0;
    // A retried task is mapped again on its own, not with the task that opened its branch.
    while !retried && let Some(parent) = def_tree::mapped_with(&def.tasks, &reference) {
        let instance = wf
            .tasks
            .iter()
            .filter(|t| t.seq < since && def_ref(t) == parent.task_reference_name)
            .max_by_key(|t| t.seq);
        let Some(instance) = instance else {
            break;
        };
        since = instance.seq;
        reference = parent.task_reference_name.clone();
        retried = instance.retry_count > 0;
    }
    since
}

/// Completes the branching `task` on the case chosen by its evaluated expression and asks for the
/// case's first task (a case chosen when the task is executed), mapped as if with `task`.
fn take_case(
    view: &View<'_>,
    wf: &Workflow,
    task: &mut Task,
    case: &str,
    selected: Option<&Vec<WorkflowTask>>,
    output: &[(&str, Value)],
) -> Result<Executed, Terminate> {
    let mut children = case_tasks(view, &as_when_scheduled(wf, task), selected)?;
    // The mapping left out tasks already in the workflow, but saw only part of it.
    children.tasks.retain(|child| {
        !wf.tasks.iter().any(|t| {
            t.reference_task_name == child.reference_task_name
                && (t.status == TaskStatus::InProgress || t.status.is_terminal())
        })
    });
    record_case(task, case, &children, output);
    task.status = TaskStatus::Completed;
    let mut executed = Executed::changed();
    if !children.tasks.is_empty() || !children.effects.is_empty() {
        executed = executed.with(Effect::ScheduleMapped {
            after: task.task_id.clone(),
            mapped: children,
        });
    }
    Ok(executed)
}

/// The branching task itself has nothing left to do once its case is scheduled.
fn complete_branching_task(task: &mut Task) -> bool {
    if task.status.is_terminal() {
        return false;
    }
    task.status = TaskStatus::Completed;
    true
}

fn is_javascript(evaluator: &str) -> bool {
    matches!(evaluator, "javascript" | "graaljs" | "js")
}

/// `SWITCH`.
#[derive(Debug)]
pub(super) struct Switch;

impl Switch {
    fn selected<'w>(wt: &'w WorkflowTask, case: &str) -> Option<&'w Vec<WorkflowTask>> {
        match wt.decision_cases.get(case) {
            Some(list) => Some(list),
            None => Some(&wt.default_case),
        }
    }

    fn output(case: &str) -> [(&'static str, Value); 2] {
        [
            ("evaluationResult", json!([case])),
            ("selectedCase", json!(case)),
        ]
    }
}

impl SystemTask for Switch {
    fn task_type(&self) -> &'static str {
        "SWITCH"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let task = ctx.resolved_task(TaskStatus::InProgress);
        let evaluator = wt.evaluator_type.as_deref().unwrap_or("value-param");
        let expression = wt.expression.clone().unwrap_or_default();
        let value = match evaluator {
            "value-param" => task
                .input_data
                .get(&expression)
                .cloned()
                .unwrap_or(Value::Null),
            // Evaluated when the task executes, outside the lock.
            js if is_javascript(js) => return Ok(task.into()),
            other => {
                return Err(Terminate::new(
                    format!("No evaluator registered for type: {other}"),
                    WorkflowStatus::Failed,
                ));
            }
        };
        let case = case_string(&value);
        let output = Self::output(&case);
        schedule_case(view, ctx, task, &case, Self::selected(wt, &case), &output)
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let javascript = task
            .workflow_task
            .as_ref()
            .filter(|wt| is_javascript(wt.evaluator_type.as_deref().unwrap_or("value-param")));
        let Some(wt) = javascript.cloned() else {
            return Ok(complete_branching_task(task).into());
        };
        if task.status.is_terminal() {
            return Ok(Executed::unchanged());
        }
        let expression = wt.expression.clone().unwrap_or_default();
        let input = Value::Object(task.input_data.clone());
        let value = match script_value(view, task, &expression, input) {
            Err(pending) => return Ok(pending),
            Ok(Err(error)) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(error.to_string());
                return Ok(Executed::changed());
            }
            Ok(Ok(value)) => value,
        };
        let case = case_string(&value);
        let output = Self::output(&case);
        take_case(view, wf, task, &case, Self::selected(&wt, &case), &output)
    }
}

/// `DECISION` (deprecated): `caseValueParam` or a JavaScript `caseExpression`.
#[derive(Debug)]
pub(super) struct Decision;

impl Decision {
    fn selected<'w>(wt: &'w WorkflowTask, case: &str) -> Option<&'w Vec<WorkflowTask>> {
        wt.decision_cases
            .get(case)
            .filter(|list| !list.is_empty())
            .or(Some(&wt.default_case))
    }

    /// The `caseExpression` evaluated when the task executes (no `caseValueParam`).
    fn expression(wt: &WorkflowTask) -> Option<&str> {
        if wt.case_value_param.is_some() {
            return None;
        }
        wt.case_expression.as_deref()
    }
}

impl SystemTask for Decision {
    fn task_type(&self) -> &'static str {
        "DECISION"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let task = ctx.resolved_task(TaskStatus::InProgress);
        if Self::expression(wt).is_some() {
            // Evaluated when the task executes, outside the lock.
            return Ok(task.into());
        }
        let case = match &wt.case_value_param {
            Some(param) => case_string(task.input_data.get(param).unwrap_or(&Value::Null)),
            None => "null".to_owned(),
        };
        let output = [("caseOutput", json!([case]))];
        schedule_case(view, ctx, task, &case, Self::selected(wt, &case), &output)
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let Some(wt) = task.workflow_task.clone() else {
            return Ok(complete_branching_task(task).into());
        };
        let Some(expression) = Self::expression(&wt) else {
            return Ok(complete_branching_task(task).into());
        };
        if task.status.is_terminal() {
            return Ok(Executed::unchanged());
        }
        let input = Value::Object(task.input_data.clone());
        let value = match script_value(view, task, expression, input) {
            Err(pending) => return Ok(pending),
            // conductor-oss evaluates the script in the mapper: the DECISION, and what was
            // mapped with it, never join the workflow it ends.
            Ok(result) => result.map_err(|e| {
                Terminate::new(
                    format!("Error while evaluating script: {expression}: {e}"),
                    WorkflowStatus::Failed,
                )
                .unscheduling_from(mapped_since(wf, task))
            })?,
        };
        let case = case_string(&value);
        let output = [("caseOutput", json!([case]))];
        take_case(view, wf, task, &case, Self::selected(&wt, &case), &output)
    }
}
