//! The small synchronous operators: NOOP, SET_VARIABLE, TERMINATE and the DYNAMIC mapper
//! (conductor-oss `Noop`, `SetVariable`, `Terminate`, `DynamicTaskMapper`).

use conductor_models::{JsonMap, Task, TaskStatus, TaskType, Workflow, WorkflowStatus};
use serde_json::{Value, json};

use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;
use crate::expr::java_to_string;

/// `NOOP`: completes at once.
#[derive(Debug)]
pub(super) struct Noop;

impl SystemTask for Noop {
    fn task_type(&self) -> &'static str {
        "NOOP"
    }

    fn execute(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        task.status = TaskStatus::Completed;
        Ok(Executed::changed())
    }
}

/// Largest serialized `variables` a SET_VARIABLE may produce (`maxWorkflowVariablesPayloadSizeThreshold`).
const MAX_VARIABLES_BYTES: usize = 256 * 1024;

/// `SET_VARIABLE`: writes its input keys into the workflow variables.
#[derive(Debug)]
pub(super) struct SetVariable;

impl SystemTask for SetVariable {
    fn task_type(&self) -> &'static str {
        "SET_VARIABLE"
    }

    fn execute(
        &self,
        _: &View<'_>,
        workflow: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let mut variables = workflow.variables.clone();
        for (k, v) in &task.input_data {
            variables.insert(k.clone(), v.clone());
        }
        let size = serde_json::to_vec(&variables).map_or(0, |b| b.len());
        if size > MAX_VARIABLES_BYTES {
            task.status = TaskStatus::FailedWithTerminalError;
            task.reason_for_incompletion = Some(format!(
                "The variables payload size: {size} of workflow: {} is greater than the permissible limit: {} kilobytes",
                workflow.workflow_id,
                MAX_VARIABLES_BYTES / 1024
            ));
            return Ok(Executed::changed());
        }
        task.status = TaskStatus::Completed;
        Ok(Executed::changed().with(Effect::SetVariables(variables)))
    }
}

/// `TERMINATE`: ends the workflow with the given status (the decider does the ending).
#[derive(Debug)]
pub(super) struct TerminateTask;

impl SystemTask for TerminateTask {
    fn task_type(&self) -> &'static str {
        "TERMINATE"
    }

    fn execute(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        let status = task
            .input_data
            .get("terminationStatus")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !matches!(status, "COMPLETED" | "FAILED" | "TERMINATED") {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(format!(
                "The value of 'terminationStatus' parameter: {status} is not valid, given termination status is not valid"
            ));
            return Ok(Executed::changed());
        }
        let output: JsonMap = match task.input_data.get("workflowOutput") {
            Some(Value::Object(map)) => map.clone(),
            Some(Value::Null) | None => JsonMap::new(),
            Some(other) => {
                let mut m = JsonMap::new();
                m.insert("output".into(), json!(other));
                m
            }
        };
        task.output_data = output;
        task.status = TaskStatus::Completed;
        Ok(Executed::changed())
    }
}

/// `DYNAMIC`: the input named by `dynamicTaskNameParam` names the task to run; that name is also
/// its type, so it may be a worker task or a system task (`DynamicTaskMapper`).
///
/// The task definition is the registered definition of the resolved name when there is one, else
/// the one populated for the DYNAMIC task itself (conductor-oss v3.30+ always uses the latter).
#[derive(Debug)]
pub(super) struct Dynamic;

impl SystemTask for Dynamic {
    fn task_type(&self) -> &'static str {
        "DYNAMIC"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let wt = ctx.workflow_task;
        let param = wt.dynamic_task_name_param.clone().unwrap_or_default();
        let input = ctx.resolved_task(TaskStatus::Scheduled).input_data;
        let name = match input.get(&param) {
            Some(Value::Null) | None => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(java_to_string(other)),
        };
        let Some(name) = name else {
            return Err(Terminate::new(
                format!(
                    "Cannot map a dynamic task based on the parameter and input. Parameter= {param}, input= {}",
                    java_to_string(&Value::Object(input))
                ),
                WorkflowStatus::Failed,
            ));
        };
        let mut resolved = wt.clone();
        resolved.name = name.clone();
        resolved.dynamic_task_name_param = None;
        let task_type = TaskType::from_wire(&name);
        resolved.task_type = if task_type.is_system_task() && !task_type.is_unknown() {
            task_type
        } else {
            TaskType::Simple
        };
        if let Some(def) = view.store.task_defs.get(&name) {
            resolved.task_definition = Some(def.clone());
        }
        view.tasks_to_be_scheduled(
            ctx.workflow,
            &resolved,
            ctx.retry_count,
            ctx.retried_task_id,
        )
    }
}
