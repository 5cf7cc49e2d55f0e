//! Task inputs: the document `${...}` expressions are evaluated against and the resolution of a
//! task's `inputParameters` (conductor-oss `ParametersUtils.getTaskInputV2`).

use conductor_models::{JsonMap, Task, TaskDef, Workflow};
use serde_json::{Value, json};

use super::refs::def_ref;
use crate::expr::Resolver;

/// The JSON document `${...}` expressions are evaluated against (`ParametersUtils.getTaskInputV2`).
pub(crate) fn expression_document(wf: &Workflow) -> Value {
    expression_document_with(wf, None)
}

/// [`expression_document`] of `wf` with `updated` in place of the stored task of the same id: a
/// task that evaluates expressions over its own state before that state is written back.
fn expression_document_with(wf: &Workflow, updated: Option<&Task>) -> Value {
    let def = wf.workflow_definition.as_ref();
    let mut root = serde_json::Map::new();
    root.insert(
        "workflow".into(),
        json!({
            "input": wf.input,
            "output": wf.output,
            "status": wf.status.as_str(),
            "workflowId": wf.workflow_id,
            "parentWorkflowId": wf.parent_workflow_id,
            "parentWorkflowTaskId": wf.parent_workflow_task_id,
            "workflowType": def.map(|d| d.name.clone()),
            "version": def.map(|d| d.version),
            "correlationId": wf.correlation_id,
            "reasonForIncompletion": wf.reason_for_incompletion,
            "schemaVersion": def.map_or(2, |d| d.schema_version),
            "variables": wf.variables,
        }),
    );
    for stored in &wf.tasks {
        let task = match updated {
            Some(updated) if updated.task_id == stored.task_id => updated,
            _ => stored,
        };
        let key = def_ref(task);
        root.insert(
            key.to_owned(),
            json!({
                "input": task.input_data,
                "output": task.output_data,
                "taskType": task.task_type,
                "status": task.status.as_str(),
                "referenceTaskName": task.reference_task_name,
                "retryCount": task.retry_count,
                "correlationId": task.correlation_id,
                "pollCount": task.poll_count,
                "taskDefName": task.task_def_name,
                "scheduledTime": task.scheduled_time,
                "startTime": task.start_time,
                "endTime": task.end_time,
                "workflowInstanceId": task.workflow_instance_id,
                "taskId": task.task_id,
                "reasonForIncompletion": task.reason_for_incompletion,
                "callbackAfterSeconds": task.callback_after_seconds,
                "workerId": task.worker_id,
                "iteration": task.iteration,
            }),
        );
    }
    Value::Object(root)
}

/// Resolves `input_parameters` for a task (`getTaskInputV2`, with the TaskDef input template rules).
pub(crate) fn resolve_task_input(
    wf: &Workflow,
    input_parameters: &JsonMap,
    task_def: Option<&TaskDef>,
    task_id: Option<&str>,
) -> JsonMap {
    resolve_against(
        &expression_document(wf),
        input_parameters,
        task_def,
        task_id,
    )
}

/// [`resolve_task_input`] with `updated` in place of the stored task of the same id (see
/// [`expression_document_with`]).
pub(crate) fn resolve_task_input_with(
    wf: &Workflow,
    updated: &Task,
    input_parameters: &JsonMap,
    task_def: Option<&TaskDef>,
) -> JsonMap {
    resolve_against(
        &expression_document_with(wf, Some(updated)),
        input_parameters,
        task_def,
        Some(&updated.task_id),
    )
}

fn resolve_against(
    doc: &Value,
    input_parameters: &JsonMap,
    task_def: Option<&TaskDef>,
    task_id: Option<&str>,
) -> JsonMap {
    let mut params = input_parameters.clone();
    if let Some(td) = task_def {
        for (k, v) in &td.input_template {
            params.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut resolved = Resolver::new(doc, task_id).resolve_map(&params);
    if let Some(td) = task_def {
        for (k, v) in resolved.iter_mut() {
            if v.is_null()
                && let Some(template) = td.input_template.get(k)
            {
                *v = template.clone();
            }
        }
    }
    resolved
}
