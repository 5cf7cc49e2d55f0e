//! EVENT (publish to an event queue; conductor-oss `Event`, `EventTaskMapper`) and task
//! state-change events (`onStateChange`). Only the `conductor` sink exists here: messages go to the
//! server's own event handlers (see [`crate::engine::events`]).

use conductor_models::{JsonMap, Task, TaskStatus, Workflow};
use serde_json::{Value, json};

use crate::engine::executor::{Exec, Terminate, resolve_task_input};
use crate::engine::system_task::{MapContext, SystemTask};

/// `EVENT`.
#[derive(Debug)]
pub(super) struct Event;

/// The queue an event sink names for a task of `wf` (`Event.getQueue`), or why there is none.
fn queue_of(sink: &str, wf: &Workflow, task_ref: &str) -> Result<String, String> {
    let workflow_name = wf
        .workflow_definition
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    match sink.split_once(':') {
        None if sink == "conductor" => Ok(format!("conductor:{workflow_name}:{task_ref}")),
        Some(("conductor", queue)) if !queue.is_empty() => {
            Ok(format!("conductor:{workflow_name}:{queue}"))
        }
        _ => Err(format!(
            "No queue found for sink: {sink}. This server only has the 'conductor' event queue"
        )),
    }
}

impl SystemTask for Event {
    fn task_type(&self) -> &'static str {
        "EVENT"
    }

    fn map(&self, _: &mut Exec<'_>, ctx: &MapContext<'_>) -> Result<Vec<Task>, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::Scheduled);
        task.input_data.insert(
            "sink".into(),
            json!(ctx.workflow_task.sink.clone().unwrap_or_default()),
        );
        task.input_data.insert(
            "asyncComplete".into(),
            json!(ctx.workflow_task.async_complete),
        );
        Ok(vec![task])
    }

    fn start(
        &self,
        exec: &mut Exec<'_>,
        wf: &mut Workflow,
        task: &mut Task,
    ) -> Result<(), Terminate> {
        let sink = task
            .input_data
            .get("sink")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        task.start_time = exec.now;
        let queue = match queue_of(&sink, wf, &task.reference_task_name) {
            Ok(queue) => queue,
            Err(reason) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(reason);
                return Ok(());
            }
        };
        let mut output = task.input_data.clone();
        output.insert("workflowInstanceId".into(), json!(wf.workflow_id));
        output.insert(
            "workflowType".into(),
            json!(wf.workflow_definition.as_ref().map(|d| d.name.clone())),
        );
        output.insert(
            "workflowVersion".into(),
            json!(wf.workflow_definition.as_ref().map(|d| d.version)),
        );
        output.insert("correlationId".into(), json!(wf.correlation_id));
        output.insert("event_produced".into(), json!(queue));
        task.output_data = output;
        task.status = TaskStatus::InProgress;
        Ok(())
    }

    fn execute(
        &self,
        exec: &mut Exec<'_>,
        _: &mut Workflow,
        task: &mut Task,
    ) -> Result<bool, Terminate> {
        if task.status != TaskStatus::InProgress || task.output_data.contains_key("published") {
            return Ok(false);
        }
        let queue = task
            .output_data
            .get("event_produced")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        exec.publish_event(
            &queue,
            &task.task_id,
            Value::Object(task.output_data.clone()),
        );
        let async_complete = task
            .input_data
            .get("asyncComplete")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if async_complete {
            // Marks the message as sent so a later decide does not publish it again.
            task.output_data.insert("published".into(), json!(true));
        } else {
            task.status = TaskStatus::Completed;
        }
        Ok(true)
    }
}

/// Publishes the `onStateChange` events of `task` configured for `trigger` (`onScheduled`,
/// `onStart`, `onSuccess`, `onFailed`, `onCancelled`). Each event's `type` is a sink (`conductor`
/// or `conductor:<queue>`, as for EVENT, else the event name verbatim); its `payload` is resolved
/// like task input and carries the task's identity and status.
pub(crate) fn publish_state_change(exec: &mut Exec<'_>, wf: &Workflow, task: &Task, trigger: &str) {
    let Some(wt) = &task.workflow_task else {
        return;
    };
    if wt.on_state_change.is_empty() {
        return;
    }
    for (key, events) in &wt.on_state_change {
        if !key.split(',').any(|k| k.trim() == trigger) {
            continue;
        }
        for event in events {
            let sink = event.event_type.clone();
            let queue = queue_of(&sink, wf, &task.reference_task_name).unwrap_or(sink);
            let mut payload: JsonMap =
                resolve_task_input(wf, &event.payload, None, Some(&task.task_id));
            payload.insert("workflowInstanceId".into(), json!(wf.workflow_id));
            payload.insert("taskId".into(), json!(task.task_id));
            payload.insert("taskReferenceName".into(), json!(task.reference_task_name));
            payload.insert("taskType".into(), json!(task.task_type));
            payload.insert("taskStatus".into(), json!(task.status.as_str()));
            payload.insert("stateChange".into(), json!(trigger));
            exec.publish_event(&queue, &task.task_id, Value::Object(payload));
        }
    }
}
