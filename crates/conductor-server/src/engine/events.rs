//! Deferred work and the server's own event bus: messages published by EVENT tasks (and task
//! state changes) on `conductor:` queues are handed to the registered event handlers, whose
//! actions (start_workflow, complete_task, fail_task; like conductor-oss, terminate_workflow and
//! update_workflow_variables are accepted in a handler but fail when run) run against this server
//! (conductor-oss `DefaultEventProcessor`, `SimpleActionProcessor`).
//!
//! Handlers' conditions are evaluated outside the engine lock, on a blocking thread, as scripts
//! of tasks are ([`Outcome::Delivery`]); their actions run under it.
//!
//! Delivery is deferred to the end of the engine operation (the executor's `settle`, which
//! calls [`Exec::deliver`] through the function the engine gives it, so that the executor does
//! not depend on this module), when the workflows involved are back in the store, so an action
//! may touch the publishing workflow.

use conductor_models::{
    EventActionType, EventHandler, EventHandlerAction, JsonMap, TaskResult, TaskResultStatus,
};
use serde_json::{Value, json};

use super::evaluation::{Attempt, Delivery, Evaluation, Outcome};
use super::executor::Exec;
use super::refs::strip_iteration;
use super::script::{self, ScriptLimits};
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

/// A handler's condition, if it has one.
fn condition(handler: &EventHandler) -> Option<&str> {
    handler
        .condition
        .as_deref()
        .filter(|c| !c.trim().is_empty())
}

/// Evaluates the handlers' conditions over `payload`: each handler with whether it applies (a
/// condition that fails to evaluate does not hold).
fn judge(
    handlers: Vec<EventHandler>,
    payload: &Value,
    limits: ScriptLimits,
) -> Vec<(EventHandler, bool)> {
    handlers
        .into_iter()
        .map(|handler| {
            let holds = match condition(&handler) {
                None => true,
                Some(condition) => match script::eval(condition, payload, limits) {
                    Ok(v) => script::truthy(&v),
                    Err(error) => {
                        tracing::warn!(handler = %handler.name, %error, "event handler condition failed");
                        false
                    }
                },
            };
            (handler, holds)
        })
        .collect()
}

impl Exec<'_> {
    /// Hands a published message to the event handlers of `queue` (the executor calls it
    /// through [`Exec::deliver_event`] when it settles an operation's deferred work). When a
    /// handler has a condition, the conditions are evaluated outside the lock, then the matching
    /// handlers' actions run under it, in the handlers' order ([`Exec::deliver_evaluated`]); a
    /// request waits for them as for its scripts. In place (the test endpoint), or when no
    /// handler has a condition, the actions run at once.
    pub(crate) fn deliver(&mut self, queue: &str, message_id: &str, payload: &Value) {
        let handlers: Vec<EventHandler> = self
            .store
            .event_handlers
            .values()
            .filter(|h| h.active && h.event == queue)
            .cloned()
            .collect();
        let delivery = |handlers| Delivery {
            queue: queue.to_owned(),
            message_id: message_id.to_owned(),
            payload: payload.clone(),
            handlers,
        };
        if !handlers.iter().any(|h| condition(h).is_some()) {
            let handlers = handlers.into_iter().map(|h| (h, true)).collect();
            return self.deliver_evaluated(delivery(handlers));
        }
        let limits = self.settings.script;
        if self.store.offload.in_place {
            let handlers = judge(handlers, payload, limits);
            return self.deliver_evaluated(delivery(handlers));
        }
        let mut pending = delivery(Vec::new());
        // Batched by queue (deliveries on a queue keep their order), apart from the publishing
        // workflow's evaluations, which a slow condition must not hold up.
        self.store.offload.requested.push(Evaluation {
            workflow_id: queue.to_owned(),
            task: Attempt {
                task_id: message_id.to_owned(),
                input: JsonMap::new(),
            },
            job: Box::new(move || {
                pending.handlers = judge(handlers, &pending.payload, limits);
                Outcome::Delivery(pending)
            }),
        });
    }

    /// Runs the actions of the handlers of a delivery whose conditions hold.
    pub(crate) fn deliver_evaluated(&mut self, delivery: Delivery) {
        let Delivery {
            queue,
            message_id,
            payload,
            handlers,
        } = delivery;
        for (handler, holds) in handlers {
            if !holds {
                continue;
            }
            for action in &handler.actions {
                let doc = if action.expand_inline_json {
                    expand_inline_json(&payload)
                } else {
                    payload.clone()
                };
                if let Err(error) = self.run_action(action, &doc, &queue, &message_id) {
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
