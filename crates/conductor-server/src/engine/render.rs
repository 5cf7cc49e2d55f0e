//! Turning stored executions into what the API returns: derived fields filled in
//! (`workflowName`, `startTime`, `queueWaitTime`, `taskDefinition`...) and search summaries.

use conductor_models::{Task, TaskSummary, Workflow, WorkflowSummary};

use crate::expr::java_to_string;
use crate::timefmt::iso_millis;

/// A task as the API shows it.
pub(crate) fn render_task(task: &Task) -> Task {
    let mut out = task.clone();
    out.loop_over_task = task.iteration > 0;
    out.queue_wait_time = if task.start_time > 0 && task.scheduled_time > 0 {
        task.start_time - task.scheduled_time
    } else {
        0
    };
    out.task_definition = task
        .workflow_task
        .as_ref()
        .and_then(|wt| wt.task_definition.clone());
    if out.task_def_name.is_empty() {
        out.task_def_name = out.task_type.clone();
    }
    out
}

/// A workflow as the API shows it, with or without its tasks.
pub(crate) fn render_workflow(wf: &Workflow, include_tasks: bool) -> Workflow {
    let mut out = Workflow {
        tasks: Vec::new(),
        ..wf.clone()
    };
    if include_tasks {
        let mut tasks: Vec<Task> = wf.tasks.iter().map(render_task).collect();
        tasks.sort_by_key(|t| t.seq);
        out.tasks = tasks;
    }
    if let Some(def) = &wf.workflow_definition {
        out.workflow_name = Some(def.name.clone());
        out.workflow_version = Some(def.version);
    }
    out.start_time = wf.create_time;
    out
}

fn map_text(map: &conductor_models::JsonMap) -> String {
    java_to_string(&serde_json::Value::Object(map.clone()))
}

/// The `WorkflowSummary` of a workflow (string times, Java-rendered input/output).
pub(crate) fn workflow_summary(wf: &Workflow) -> WorkflowSummary {
    let input = map_text(&wf.input);
    let output = map_text(&wf.output);
    let start = wf.create_time.unwrap_or(0);
    WorkflowSummary {
        workflow_type: wf
            .workflow_definition
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        version: wf.workflow_definition.as_ref().map_or(0, |d| d.version),
        workflow_id: wf.workflow_id.clone(),
        correlation_id: wf.correlation_id.clone(),
        start_time: wf.create_time.map(iso_millis),
        update_time: wf.update_time.map(iso_millis),
        end_time: (wf.end_time > 0).then(|| iso_millis(wf.end_time)),
        status: wf.status.clone(),
        input_size: input.len() as i64,
        output_size: output.len() as i64,
        input: Some(input),
        output: Some(output),
        reason_for_incompletion: wf.reason_for_incompletion.clone(),
        execution_time: if wf.end_time > 0 {
            wf.end_time - start
        } else {
            0
        },
        event: wf.event.clone(),
        failed_reference_task_names: wf.failed_reference_task_names.join(","),
        failed_task_names: wf.failed_task_names.clone(),
        priority: wf.priority,
        created_by: wf.created_by.clone(),
        task_to_domain: wf.task_to_domain.clone(),
        idempotency_key: wf.idempotency_key.clone(),
        parent_workflow_id: Some(wf.parent_workflow_id.clone().unwrap_or_default()),
        classifier: Some("workflow".to_owned()),
        ..WorkflowSummary::default()
    }
}

/// The `TaskSummary` of a task.
pub(crate) fn task_summary(task: &Task, wf: &Workflow) -> TaskSummary {
    TaskSummary {
        workflow_id: task.workflow_instance_id.clone(),
        workflow_type: task.workflow_type.clone(),
        correlation_id: wf.correlation_id.clone(),
        scheduled_time: Some(iso_millis(task.scheduled_time)),
        start_time: Some(iso_millis(task.start_time)),
        update_time: Some(iso_millis(task.update_time)),
        end_time: Some(iso_millis(task.end_time)),
        status: task.status.clone(),
        reason_for_incompletion: task.reason_for_incompletion.clone(),
        execution_time: if task.end_time > 0 && task.start_time > 0 {
            task.end_time - task.start_time
        } else {
            0
        },
        queue_wait_time: if task.start_time > 0 {
            task.start_time - task.scheduled_time
        } else {
            0
        },
        task_def_name: Some(task.task_def_name.clone()),
        task_type: Some(task.task_type.clone()),
        input: Some(map_text(&task.input_data)),
        output: Some(map_text(&task.output_data)),
        task_id: task.task_id.clone(),
        workflow_priority: task.workflow_priority,
        domain: task.domain.clone(),
        task_reference_name: Some(task.reference_task_name.clone()),
        ..TaskSummary::default()
    }
}
