//! Deferred work and the server's own event bus: messages published by EVENT tasks (and task
//! state changes) on `conductor:` queues are handed to the registered event handlers, whose
//! actions (start_workflow, complete_task, fail_task; like conductor-oss, terminate_workflow and
//! update_workflow_variables are accepted in a handler but fail when run) run against this server
//! (conductor-oss `DefaultEventProcessor`, `SimpleActionProcessor`).
//!
//! Delivery is deferred to the end of the engine operation (the executor's `settle`, which
//! calls [`Exec::deliver`] through the function the engine gives it, so that the executor does
//! not depend on this module), when the workflows involved are back in the store, so an action
//! may touch the publishing workflow.

use conductor_models::{
    EventActionType, EventHandler, EventHandlerAction, JsonMap, TaskResult, TaskResultStatus,
};
use serde_json::{Value, json};

use super::executor::Exec;
use super::refs::strip_iteration;
use super::script;
use super::start::StartParams;
use crate::expr::Resolver;

/// Parses string values that hold JSON documents (`expandInlineJSON`).
fn expand_inline_json(value: &Value) -> Value {
    match value {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(s).unwrap_or_else(|_| value.clone())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), expand_inline_json(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(expand_inline_json).collect()),
        other => other.clone(),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl Exec<'_> {
    /// Hands a published message to the event handlers of `queue` (the executor calls it
    /// through [`Exec::deliver_event`] when it settles an operation's deferred work).
    pub(crate) fn deliver(&mut self, queue: &str, message_id: &str, payload: &Value) {
        let handlers: Vec<EventHandler> = self
            .store
            .event_handlers
            .values()
            .filter(|h| h.active && h.event == queue)
            .cloned()
            .collect();
        for handler in handlers {
            if let Some(condition) = handler
                .condition
                .as_deref()
                .filter(|c| !c.trim().is_empty())
            {
                match script::eval(condition, payload, self.settings.script) {
                    Ok(v) if script::truthy(&v) => {}
                    Ok(_) => continue,
                    Err(error) => {
                        tracing::warn!(handler = %handler.name, %error, "event handler condition failed");
                        continue;
                    }
                }
            }
            for action in &handler.actions {
                let doc = if action.expand_inline_json {
                    expand_inline_json(payload)
                } else {
                    payload.clone()
                };
                if let Err(error) = self.run_action(action, &doc, queue, message_id) {
                    tracing::warn!(handler = %handler.name, %error, "event action failed");
                }
            }
        }
    }

    fn run_action(
        &mut self,
        action: &EventHandlerAction,
        payload: &Value,
        queue: &str,
        message_id: &str,
    ) -> Result<(), String> {
        let resolver = Resolver::new(payload, None);
        let resolve_map = |map: &JsonMap| resolver.resolve_map(map);
        let resolve_text = |s: &Option<String>| {
            s.as_ref()
                .and_then(|s| text(&resolver.resolve_value(&Value::String(s.clone()))))
        };
        let event_keys = |map: &mut JsonMap| {
            map.insert("conductor.event.messageId".into(), json!(message_id));
            map.insert("conductor.event.name".into(), json!(queue));
        };
        match &action.action {
            EventActionType::StartWorkflow => {
                let start = action
                    .start_workflow
                    .as_ref()
                    .ok_or("start_workflow is missing")?;
                let mut input = resolve_map(&start.input);
                event_keys(&mut input);
                let params = StartParams {
                    name: start.name.clone(),
                    version: start.version,
                    correlation_id: resolve_text(&start.correlation_id),
                    input,
                    task_to_domain: start.task_to_domain.clone().unwrap_or_default(),
                    ..StartParams::default()
                };
                self.start_workflow(params)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            EventActionType::CompleteTask | EventActionType::FailTask => {
                let (details, status) = if action.action == EventActionType::CompleteTask {
                    (action.complete_task.as_ref(), TaskResultStatus::Completed)
                } else {
                    (action.fail_task.as_ref(), TaskResultStatus::Failed)
                };
                let details = details.ok_or("task details are missing")?;
                let task = match resolve_text(&details.task_id) {
                    Some(task_id) => self.store.task(&task_id).cloned(),
                    None => {
                        let workflow_id =
                            resolve_text(&details.workflow_id).ok_or("workflowId is missing")?;
                        let reference =
                            resolve_text(&details.task_ref_name).ok_or("taskRefName is missing")?;
                        self.store.workflows.get(&workflow_id).and_then(|wf| {
                            wf.tasks
                                .iter()
                                .rev()
                                .find(|t| {
                                    t.reference_task_name == reference
                                        || strip_iteration(&t.reference_task_name) == reference
                                })
                                .cloned()
                        })
                    }
                };
                let task = task.ok_or("no such task")?;
                if task.status.is_terminal() {
                    return Ok(());
                }
                let mut output = task.output_data.clone();
                output.extend(resolve_map(&details.output));
                event_keys(&mut output);
                let result = TaskResult {
                    workflow_instance_id: task.workflow_instance_id.clone(),
                    task_id: task.task_id.clone(),
                    status,
                    output_data: output,
                    reason_for_incompletion: resolve_text(&details.reason_for_incompletion),
                    ..TaskResult::default()
                };
                self.update_task(&result)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            // conductor-oss `SimpleActionProcessor` runs only the three actions above
            // (terminate_workflow and update_workflow_variables exist in the model alone).
            other => Err(format!("Action not supported {other} for event {queue}")),
        }
    }
}
