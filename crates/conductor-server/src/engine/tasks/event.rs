//! EVENT (publish to an event queue; conductor-oss `Event`, `EventTaskMapper`). Only the
//! `conductor` sink exists here: messages go to the server's own event handlers (see
//! [`crate::engine::events`]). Like conductor-oss, a task's `onStateChange` is kept on its
//! definition but publishes nothing (publishing state changes is an Orkes feature).

use conductor_models::{Task, TaskStatus, Workflow};
use serde_json::{Value, json};

use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;

/// `EVENT`.
#[derive(Debug)]
pub(super) struct Event;

/// The queue an event sink names for a task of `wf` (`Event.computeQueueName`): `conductor` is
/// `conductor:<workflow>:<ref>`, `conductor:<q>` is `conductor:<workflow>:<q>`, any other sink is
/// used verbatim; a sink that starts with `conductor` but is neither is an error.
fn queue_of(sink: &str, wf: &Workflow, task_ref: &str) -> Result<String, String> {
    let workflow_name = wf
        .workflow_definition
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    if !sink.starts_with("conductor") {
        return Ok(sink.to_owned());
    }
    if sink == "conductor" {
        return Ok(format!("conductor:{workflow_name}:{task_ref}"));
    }
    match sink.strip_prefix("conductor:") {
        Some(queue) => Ok(format!(
            "conductor:{workflow_name}:{}",
            queue.replace("conductor:", "")
        )),
        None => Err(format!("Invalid / Unsupported sink specified: {sink}")),
    }
}

/// Why a message cannot be published to `queue` (`EventQueues.getQueue` as wrapped by
/// `Event.getQueue`): only the `conductor` queue type exists here.
fn unsupported_queue(queue: &str, task_id: &str) -> Option<String> {
    let error = match queue.split_once(':') {
        None => format!("Illegal event {queue}"),
        Some(("conductor", _)) => return None,
        Some((kind, _)) => format!("Unknown queue type {kind}"),
    };
    Some(format!(
        "Error loading queue:{queue}, for task:{task_id}, error: {error}"
    ))
}

impl SystemTask for Event {
    fn task_type(&self) -> &'static str {
        "EVENT"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::Scheduled);
        task.input_data.insert(
            "sink".into(),
            json!(ctx.workflow_task.sink.clone().unwrap_or_default()),
        );
        task.input_data.insert(
            "asyncComplete".into(),
            json!(ctx.workflow_task.async_complete),
        );
        Ok(task.into())
    }

    fn start(&self, view: &View<'_>, wf: &Workflow, task: &mut Task) -> Result<(), Terminate> {
        let sink = task
            .input_data
            .get("sink")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        task.start_time = view.now;
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
        output.insert("taskToDomain".into(), json!(wf.task_to_domain));
        task.status = TaskStatus::InProgress;
        match queue_of(&sink, wf, &task.reference_task_name) {
            Ok(queue) => drop(output.insert("event_produced".into(), json!(queue))),
            Err(reason) => {
                task.status = TaskStatus::Failed;
                task.reason_for_incompletion = Some(reason);
            }
        }
        task.output_data = output;
        Ok(())
    }

    fn execute(&self, _: &View<'_>, _: &Workflow, task: &mut Task) -> Result<Executed, Terminate> {
        if task.status != TaskStatus::InProgress || task.output_data.contains_key("published") {
            return Ok(Executed::unchanged());
        }
        let queue = task
            .output_data
            .get("event_produced")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(reason) = unsupported_queue(&queue, &task.task_id) {
            task.status = TaskStatus::Failed;
            task.reason_for_incompletion = Some(reason);
            return Ok(Executed::changed());
        }
        let publish = Effect::PublishEvent {
            queue,
            message_id: task.task_id.clone(),
            payload: Value::Object(task.output_data.clone()),
        };
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
        Ok(Executed::changed().with(publish))
    }
}
