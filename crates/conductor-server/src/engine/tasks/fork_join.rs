//! Parallel branches: FORK_JOIN and FORK_JOIN_DYNAMIC (both run as a `FORK` task), JOIN (with the
//! Orkes join script) and EXCLUSIVE_JOIN (conductor-oss `ForkJoinTaskMapper`,
//! `ForkJoinDynamicTaskMapper`, `Join`, `ExclusiveJoin`).

use std::collections::HashSet;

use conductor_models::{
    JsonMap, Task, TaskStatus, TaskType, Workflow, WorkflowStatus, WorkflowTask,
};
use serde_json::{Value, json};

use super::scripting::script_value;
use crate::engine::def_tree;
use crate::engine::effects::{Executed, Mapped, Terminate};
use crate::engine::refs::{is_type, latest_task, loop_suffix};
use crate::engine::system_task::{MapContext, SystemTask, base_task};
use crate::engine::task_defs::populate_workflow_task;
use crate::engine::view::View;

/// The FORK task that records a fork (COMPLETED at once).
fn fork_task(ctx: &MapContext<'_>) -> Task {
    let mut fork = ctx.resolved_task(TaskStatus::Completed);
    fork.task_type = TaskType::Fork.as_str().to_owned();
    fork.start_time = ctx.now;
    fork.end_time = ctx.now;
    fork
}

/// The JOIN that must follow a fork in the definition.
fn join_after(ctx: &MapContext<'_>) -> Result<WorkflowTask, Terminate> {
    let def = ctx.workflow.workflow_definition.as_ref();
    let next = def.and_then(|d| {
        def_tree::next_task(&d.tasks, &ctx.workflow_task.task_reference_name).cloned()
    });
    match next {
        Some(join) if join.task_type == TaskType::Join => Ok(join),
        _ => Err(Terminate::new(
            "Fork task definition is not followed by a join task.  Check the blueprint",
            WorkflowStatus::Failed,
        )),
    }
}

/// `FORK_JOIN`: the FORK, the first task of every branch, then the JOIN, in one decide.
#[derive(Debug)]
pub(super) struct ForkJoin;

impl SystemTask for ForkJoin {
    fn task_type(&self) -> &'static str {
        "FORK_JOIN"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut mapped = Mapped::from(fork_task(ctx));
        for branch in &ctx.workflow_task.fork_tasks {
            if let Some(first) = branch.first() {
                mapped.extend(view.tasks_to_be_scheduled(ctx.workflow, first, 0, None)?);
            }
        }
        let join = join_after(ctx)?;
        mapped.extend(view.tasks_to_be_scheduled(ctx.workflow, &join, 0, None)?);
        Ok(mapped)
    }
}

/// `FORK_JOIN_DYNAMIC`: branches computed from the input at schedule time.
#[derive(Debug)]
pub(super) struct ForkJoinDynamic;

/// The branches of a dynamic fork: workflow tasks and, per reference name, extra input.
type DynamicBranches = Vec<(WorkflowTask, JsonMap)>;

fn dynamic_branches(wt: &WorkflowTask, input: &JsonMap) -> Result<DynamicBranches, Terminate> {
    let simple_style = ["forkTaskName", "forkTaskType", "forkTaskWorkflow"]
        .iter()
        .any(|k| input.get(*k).is_some_and(|v| !v.is_null()));
    if simple_style {
        return branches_of_one_task(wt, input);
    }
    if let Some(param) = &wt.dynamic_fork_tasks_param {
        return branches_of_listed_tasks(wt, input, param);
    }
    if let Some(param) = &wt.dynamic_fork_join_tasks_param {
        return branches_of_dynamic_tasks(input, param);
    }
    Err(fail(
        "FORK_JOIN_DYNAMIC needs forkTaskName/forkTaskInputs, dynamicForkTasksParam or dynamicForkJoinTasksParam"
            .into(),
    ))
}

/// A mapping error: the workflow fails with `reason`.
fn fail(reason: String) -> Terminate {
    Terminate::new(reason, WorkflowStatus::Failed)
}

/// `forkTaskName`/`forkTaskType`/`forkTaskWorkflow` with `forkTaskInputs`: one branch of the same
/// task per input item.
fn branches_of_one_task(wt: &WorkflowTask, input: &JsonMap) -> Result<DynamicBranches, Terminate> {
    let items = match input.get("forkTaskInputs") {
        Some(Value::Array(items)) => items.clone(),
        other => {
            return Err(fail(format!(
                "Input 'forkTaskInputs' must be a list, found {}",
                other.map_or("null".to_owned(), ToString::to_string)
            )));
        }
    };
    let text = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let sub_workflow = text("forkTaskWorkflow");
    let task_type = match (sub_workflow, text("forkTaskType")) {
        (Some(_), _) => TaskType::SubWorkflow,
        (None, Some(t)) => TaskType::from_wire(t),
        (None, None) => TaskType::Simple,
    };
    let name = text("forkTaskName")
        .or(sub_workflow)
        .map(str::to_owned)
        .unwrap_or_else(|| task_type.as_str().to_owned());
    let mut branches = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let reference = format!("_{name}_{i}");
        let mut task = WorkflowTask::new(task_type.clone(), name.clone(), reference);
        task.optional = wt.optional;
        if let Some(workflow) = sub_workflow {
            let version = input
                .get("forkTaskWorkflowVersion")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| Some(v.to_string()))
                })
                .and_then(|v| v.parse::<i32>().ok());
            task.sub_workflow_param = serde_json::from_value(json!({
                "name": workflow,
                "version": version,
            }))
            .ok();
        }
        let mut branch_input = match item {
            Value::Object(map) => map.clone(),
            other => {
                let mut m = JsonMap::new();
                m.insert("input".into(), other.clone());
                m
            }
        };
        branch_input.insert("__index".into(), json!(i));
        branches.push((task, branch_input));
    }
    Ok(branches)
}

/// `dynamicForkTasksParam`: the input names the list of workflow tasks, and
/// `dynamicForkTasksInputParamName` the input of each, by reference name.
fn branches_of_listed_tasks(
    wt: &WorkflowTask,
    input: &JsonMap,
    param: &str,
) -> Result<DynamicBranches, Terminate> {
    let tasks: Vec<WorkflowTask> = match input.get(param) {
        Some(value @ Value::Array(_)) => serde_json::from_value(value.clone())
            .map_err(|e| fail(format!("Invalid dynamic fork tasks in '{param}': {e}")))?,
        other => {
            return Err(fail(format!(
                "Dynamic tasks could not be created. The value of {param} from task's input {} has no dynamic tasks to be scheduled",
                other.map_or("null".to_owned(), ToString::to_string)
            )));
        }
    };
    let input_param = wt
        .dynamic_fork_tasks_input_param_name
        .clone()
        .unwrap_or_default();
    let inputs = match input.get(&input_param) {
        Some(Value::Object(map)) => map.clone(),
        other => {
            return Err(fail(format!(
                "Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found {}",
                other.map_or("null".to_owned(), ToString::to_string)
            )));
        }
    };
    let mut branches = Vec::new();
    for task in tasks {
        if task.task_reference_name.is_empty() {
            return Err(fail(
                "Dynamic fork task is missing a taskReferenceName".into(),
            ));
        }
        let extra = match inputs.get(&task.task_reference_name) {
            Some(Value::Object(map)) => map.clone(),
            None | Some(Value::Null) => JsonMap::new(),
            // conductor-oss casts each branch's input to a Map: anything else is a
            // ClassCastException, reported as invalid input.
            Some(other) => {
                let class = java_class_name(other);
                return Err(fail(format!(
                    "Tasks could not be dynamically forked due to invalid input: class {class} cannot be cast to class java.util.Map ({class} and java.util.Map are in module java.base of loader 'bootstrap')"
                )));
            }
        };
        branches.push((task, extra));
    }
    Ok(branches)
}

/// The legacy `dynamicForkJoinTasksParam`: a `dynamicTasks` list of `{taskName, referenceName,
/// type, input}`.
fn branches_of_dynamic_tasks(input: &JsonMap, param: &str) -> Result<DynamicBranches, Terminate> {
    let list = input
        .get(param)
        .and_then(|v| v.get("dynamicTasks"))
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| fail(format!("Input '{param}' holds no dynamicTasks list")))?;
    let mut branches = Vec::new();
    for item in list {
        let name = item["taskName"].as_str().unwrap_or_default().to_owned();
        let reference = item["referenceName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let task_type = item["type"]
            .as_str()
            .map_or(TaskType::Simple, TaskType::from_wire);
        let extra = item["input"].as_object().cloned().unwrap_or_default();
        branches.push((WorkflowTask::new(task_type, name, reference), extra));
    }
    Ok(branches)
}

/// The Java class Jackson gives a JSON value (for ClassCastException messages).
fn java_class_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "java.lang.String",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
            "java.lang.Integer"
        }
        Value::Number(_) => "java.lang.Long",
        Value::Array(_) => "java.util.ArrayList",
        Value::Object(_) => "java.util.LinkedHashMap",
        Value::Null => "null",
    }
}

impl SystemTask for ForkJoinDynamic {
    fn task_type(&self) -> &'static str {
        "FORK_JOIN_DYNAMIC"
    }

    fn map(&self, view: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut fork = fork_task(ctx);
        let branches = dynamic_branches(ctx.workflow_task, &fork.input_data)?;
        let existing: HashSet<&str> = ctx
            .workflow
            .tasks
            .iter()
            .map(|t| t.reference_task_name.as_str())
            .collect();
        let mut scheduled = Mapped::default();
        let mut join_on = Vec::new();
        let mut defs = Vec::new();
        for (mut wt, extra) in branches {
            if existing.contains(wt.task_reference_name.as_str())
                || join_on.contains(&wt.task_reference_name)
            {
                return Err(Terminate::new(
                    format!(
                        "Cannot schedule a duplicate dynamic fork task with reference name {}",
                        wt.task_reference_name
                    ),
                    WorkflowStatus::Failed,
                ));
            }
            // v3.22+ merges the branch input into the task's inputParameters before mapping it
            // (`dynForkTask.getInputParameters().putAll(forkedTaskInput)`): it is resolved like
            // any input, and a SUB_WORKFLOW branch hands it to its child as `workflowInput`
            // (3.21 added it to the mapped task's input afterwards, unresolved and top level).
            wt.input_parameters.extend(extra);
            populate_workflow_task(&mut wt, view.store);
            let branch = view.tasks_to_be_scheduled(ctx.workflow, &wt, 0, None)?;
            if branch.tasks.is_empty() {
                return Err(Terminate::new(
                    format!(
                        "No dynamic tasks could be created for {}",
                        wt.task_reference_name
                    ),
                    WorkflowStatus::Failed,
                ));
            }
            join_on.push(
                branch
                    .tasks
                    .last()
                    .map(|t| t.reference_task_name.clone())
                    .unwrap_or_default(),
            );
            defs.push(serde_json::to_value(&wt).unwrap_or(Value::Null));
            scheduled.extend(branch);
        }
        fork.input_data.insert("forkedTasks".into(), json!(join_on));
        fork.input_data
            .insert("forkedTaskDefs".into(), Value::Array(defs));
        let join_wt = join_after(ctx)?;
        let mut joins = view.tasks_to_be_scheduled(ctx.workflow, &join_wt, 0, None)?;
        for join in &mut joins.tasks {
            if is_type(join, &TaskType::Join) {
                let mut input = join_wt.input_parameters.clone();
                input.insert("joinOn".into(), json!(join_on));
                join.input_data = input;
            }
        }
        let mut mapped = Mapped::from(fork);
        mapped.extend(scheduled);
        mapped.extend(joins);
        Ok(mapped)
    }
}

/// The loop suffix of a `JOIN` / `EXCLUSIVE_JOIN` instance: what the engine appended to its declared
/// reference name inside a `DO_WHILE` (`"__2"`), or `""` outside a loop.
///
/// conductor-oss (`Join`, `ExclusiveJoin`) looks for the forked tasks of the join's own iteration
/// only when the join itself runs inside a loop (`isLoopOverTask()`, iteration > 0). A `__` in the
/// declared reference name is no loop suffix: the JavaScript SDK's `fork()` names its joins
/// `__join_1`, and such a join must wait for `a`, not for `a__join_1`.
fn join_loop_suffix(task: &Task) -> &str {
    if task.iteration <= 0 {
        return "";
    }
    task.workflow_task
        .as_ref()
        .and_then(|wt| {
            task.reference_task_name
                .strip_prefix(wt.task_reference_name.as_str())
        })
        .unwrap_or_else(|| loop_suffix(&task.reference_task_name))
}

/// The joinOn references of a JOIN instance: `(declared, scheduled)`, the scheduled one with the
/// join's loop suffix ([`join_loop_suffix`]).
fn join_refs(task: &Task) -> Vec<(String, String)> {
    let suffix = join_loop_suffix(task);
    task.input_data
        .get("joinOn")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(Value::as_str)
                .map(|r| (r.to_owned(), format!("{r}{suffix}")))
                .collect()
        })
        .unwrap_or_default()
}

/// `JOIN`: waits for every `joinOn` task; output `{ref: output}` for those with output.
#[derive(Debug)]
pub(super) struct Join;

impl Join {
    /// Evaluates an Orkes join script; `Some(status)` when it decides, `None` to fall back. The
    /// script is evaluated outside the lock: `Some(Err(_))` holds what `execute` returns until its
    /// value is back.
    fn script_verdict(
        view: &View<'_>,
        wf: &Workflow,
        task: &Task,
        refs: &[(String, String)],
    ) -> Option<Result<Result<TaskStatus, String>, Executed>> {
        let wt = task.workflow_task.as_ref()?;
        let script_text = wt.expression.as_deref().filter(|s| !s.trim().is_empty())?;
        if !matches!(
            wt.evaluator_type.as_deref(),
            Some("js" | "javascript" | "graaljs")
        ) {
            return None;
        }
        let mut bindings = JsonMap::new();
        bindings.insert(
            "joinOn".into(),
            json!(refs.iter().map(|(bare, _)| bare).collect::<Vec<_>>()),
        );
        for (bare, full) in refs {
            if let Some(t) = latest_task(wf, full) {
                bindings.insert(
                    bare.clone(),
                    json!({
                        "status": t.status.as_str(),
                        "output": t.output_data,
                        "input": t.input_data,
                        "taskId": t.task_id,
                        "reasonForIncompletion": t.reason_for_incompletion,
                    }),
                );
            }
        }
        let verdict = match script_value(view, task, script_text, Value::Object(bindings)) {
            Err(pending) => return Some(Err(pending)),
            Ok(verdict) => verdict,
        };
        Some(Ok(match verdict {
            Err(e) => Err(e.to_string()),
            Ok(Value::Bool(true)) => Ok(TaskStatus::Completed),
            Ok(Value::Object(map)) => match map.get("status").and_then(Value::as_str) {
                Some("COMPLETED") => Ok(TaskStatus::Completed),
                Some("FAILED") => Ok(TaskStatus::Failed),
                _ => Ok(TaskStatus::InProgress),
            },
            Ok(_) => Ok(TaskStatus::InProgress),
        }))
    }
}

impl SystemTask for Join {
    fn task_type(&self) -> &'static str {
        "JOIN"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = base_task(ctx);
        task.input_data
            .insert("joinOn".into(), json!(ctx.workflow_task.join_on));
        task.status = TaskStatus::InProgress;
        Ok(task.into())
    }

    fn execute(
        &self,
        view: &View<'_>,
        wf: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let refs = join_refs(task);
        let mut output = JsonMap::new();
        let mut all_terminal = true;
        let mut failures: Vec<&Task> = Vec::new();
        let mut with_errors: Vec<&Task> = Vec::new();
        for (_, full) in &refs {
            let Some(joined) = latest_task(wf, full) else {
                all_terminal = false;
                continue;
            };
            // Keyed by the scheduled reference: inside a loop that is `ref__N` (`Join.execute`
            // adds the output under the iterated joinOn name).
            if !joined.output_data.is_empty() {
                output.insert(full.clone(), Value::Object(joined.output_data.clone()));
            }
            if !joined.status.is_terminal() {
                all_terminal = false;
            } else if !joined.status.is_successful() {
                failures.push(joined);
            } else if joined.status == TaskStatus::CompletedWithErrors {
                with_errors.push(joined);
            }
        }
        let optional_or_permissive = |t: &Task, permissive_only: bool| {
            t.workflow_task.as_ref().is_some_and(|wt| {
                if permissive_only {
                    wt.permissive
                } else {
                    wt.optional
                }
            })
        };
        failures.retain(|t| {
            !optional_or_permissive(t, false) && (!optional_or_permissive(t, true) || all_terminal)
        });
        let verdict = match Self::script_verdict(view, wf, task, &refs) {
            Some(Err(pending)) => return Ok(pending),
            Some(Ok(verdict)) => Some(verdict),
            None => None,
        };
        let before = (task.status.clone(), task.output_data.clone());
        task.output_data = output;
        if let Some(verdict) = verdict {
            match verdict {
                Err(message) => {
                    task.status = TaskStatus::FailedWithTerminalError;
                    task.reason_for_incompletion =
                        Some(format!("Join script evaluation failed: {message}"));
                }
                Ok(TaskStatus::InProgress) if !failures.is_empty() => {
                    task.status = TaskStatus::Failed;
                    task.reason_for_incompletion = Some(reasons(&failures));
                }
                Ok(status) => task.status = status,
            }
        } else if !failures.is_empty() {
            task.status = if failures.iter().all(|t| t.status == TaskStatus::Canceled) {
                TaskStatus::Canceled
            } else {
                TaskStatus::Failed
            };
            task.reason_for_incompletion = Some(reasons(&failures));
        } else if all_terminal {
            if with_errors.is_empty() {
                task.status = TaskStatus::Completed;
            } else {
                task.status = TaskStatus::CompletedWithErrors;
                let names: Vec<String> = with_errors
                    .iter()
                    .map(|t| format!("{}/{}", t.task_def_name, t.task_id))
                    .collect();
                task.reason_for_incompletion =
                    Some(format!("{} completed with errors", names.join(" ")));
            }
        }
        Ok(((task.status.clone(), task.output_data.clone()) != before).into())
    }
}

fn reasons(tasks: &[&Task]) -> String {
    tasks
        .iter()
        .map(|t| t.reason_for_incompletion.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `EXCLUSIVE_JOIN`: completes with the output of whichever joined branch ran.
#[derive(Debug)]
pub(super) struct ExclusiveJoin;

impl SystemTask for ExclusiveJoin {
    fn task_type(&self) -> &'static str {
        "EXCLUSIVE_JOIN"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::InProgress);
        task.input_data
            .insert("joinOn".into(), json!(ctx.workflow_task.join_on));
        if !ctx.workflow_task.default_exclusive_join_task.is_empty() {
            task.input_data.insert(
                "defaultExclusiveJoinTask".into(),
                json!(ctx.workflow_task.default_exclusive_join_task),
            );
        }
        Ok(task.into())
    }

    fn execute(&self, _: &View<'_>, wf: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        let suffix = join_loop_suffix(task);
        let list = |key: &str| -> Vec<String> {
            task.input_data
                .get(key)
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let pick = |refs: Vec<String>| -> Option<Task> {
            refs.iter().find_map(|r| {
                latest_task(wf, &format!("{r}{suffix}"))
                    .filter(|t| t.status != TaskStatus::Skipped)
                    .cloned()
            })
        };
        let Some(joined) = pick(list("joinOn")).or_else(|| pick(list("defaultExclusiveJoinTask")))
        else {
            return Ok(Executed::unchanged());
        };
        if !joined.status.is_terminal() {
            return Ok(Executed::unchanged());
        }
        if joined.status.is_successful() {
            task.status = TaskStatus::Completed;
            task.output_data = joined.output_data.clone();
        } else {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = joined.reason_for_incompletion.clone();
        }
        Ok(Executed::changed())
    }
}
