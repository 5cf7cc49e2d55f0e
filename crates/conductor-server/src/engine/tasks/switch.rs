//! Branching: SWITCH (`value-param`, `javascript`/`graaljs` evaluators) and the legacy DECISION
//! (conductor-oss `SwitchTaskMapper`, `DecisionTaskMapper`, `ValueParamEvaluator`,
//! `JavascriptEvaluator`). The case is chosen when the task is scheduled; the first task of the
//! chosen case is scheduled in the same decide.

use conductor_models::{Task, TaskStatus, Workflow, WorkflowStatus, WorkflowTask};
use serde_json::{Value, json};

use crate::engine::effects::{Executed, Mapped, Terminate};
use crate::engine::script::{self, case_string};
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;

/// Schedules the first task of the `selected` case (if any) after the branching `task`, which
/// records the case in its input (`case`, `hasChildren`) and `output`; returns both, in order.
fn schedule_case(
    view: &View<'_>,
    ctx: &MapContext<'_>,
    mut task: Task,
    case: &str,
    selected: Option<&Vec<WorkflowTask>>,
    output: &[(&str, Value)],
) -> Result<Mapped, Terminate> {
    let children = match selected.and_then(|list| list.first()) {
        Some(first) => view.tasks_to_be_scheduled(ctx.workflow, first, 0, None)?,
        None => Mapped::default(),
    };
    task.input_data.insert("case".into(), json!(case));
    if !children.tasks.is_empty() {
        task.input_data.insert("hasChildren".into(), json!("true"));
    }
    for (key, value) in output {
        task.output_data.insert((*key).into(), value.clone());
    }
    let mut mapped = Mapped::from(task);
    mapped.extend(children);
    Ok(mapped)
}

/// The branching task itself has nothing left to do once its case is scheduled.
fn complete_branching_task(task: &mut Task) -> bool {
    if task.status.is_terminal() {
        return false;
    }
    task.status = TaskStatus::Completed;
    true
}

/// `SWITCH`.
#[derive(Debug)]
pub(super) struct Switch;

impl SystemTask for Switch {
    fn task_type(&self) -> &'static str {
        "SWITCH"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let mut task = ctx.resolved_task(TaskStatus::InProgress);
        let evaluator = wt.evaluator_type.as_deref().unwrap_or("value-param");
        let expression = wt.expression.clone().unwrap_or_default();
        let result = match evaluator {
            "value-param" => Ok(task
                .input_data
                .get(&expression)
                .cloned()
                .unwrap_or(Value::Null)),
            "javascript" | "graaljs" | "js" => script::eval(
                &expression,
                &Value::Object(task.input_data.clone()),
                view.settings.script,
            )
            .map_err(|e| e.to_string()),
            other => {
                return Err(Terminate::new(
                    format!("No evaluator registered for type: {other}"),
                    WorkflowStatus::Failed,
                ));
            }
        };
        let case = match result {
            Ok(value) => case_string(&value),
            Err(message) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(message);
                return Ok(task.into());
            }
        };
        let selected = match wt.decision_cases.get(&case) {
            Some(list) => Some(list),
            None => Some(&wt.default_case),
        };
        let output = [
            ("evaluationResult", json!([case])),
            ("selectedCase", json!(case)),
        ];
        schedule_case(view, ctx, task, &case, selected, &output)
    }

    fn execute(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        Ok(complete_branching_task(task).into())
    }
}

/// `DECISION` (deprecated): `caseValueParam` or a JavaScript `caseExpression`.
#[derive(Debug)]
pub(super) struct Decision;

impl SystemTask for Decision {
    fn task_type(&self) -> &'static str {
        "DECISION"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let task = ctx.resolved_task(TaskStatus::InProgress);
        let case = if let Some(param) = &wt.case_value_param {
            case_string(task.input_data.get(param).unwrap_or(&Value::Null))
        } else if let Some(expression) = &wt.case_expression {
            let value = script::eval(
                expression,
                &Value::Object(task.input_data.clone()),
                view.settings.script,
            )
            .map_err(|e| {
                Terminate::new(
                    format!("Error while evaluating script: {expression}: {e}"),
                    WorkflowStatus::Failed,
                )
            })?;
            case_string(&value)
        } else {
            "null".to_owned()
        };
        let selected = wt
            .decision_cases
            .get(&case)
            .filter(|list| !list.is_empty())
            .or(Some(&wt.default_case));
        let output = [("caseOutput", json!([case]))];
        schedule_case(view, ctx, task, &case, selected, &output)
    }

    fn execute(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        Ok(complete_branching_task(task).into())
    }
}
