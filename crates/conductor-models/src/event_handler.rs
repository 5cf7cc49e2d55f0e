//! `EventHandler` (`/event`) and its actions: what the server does when a message arrives on an event
//! queue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::JsonMap;
use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;

/// An event handler (`POST /event`): when a message arrives on `event` and `condition` holds, run the
/// `actions`.
///
/// ```
/// use conductor_models::{EventHandler, EventHandlerAction};
/// use serde_json::json;
/// let handler = EventHandler::new("on_order", "conductor:order_flow:order_placed")
///     .with_condition("$.amount > 100")
///     .with_action(EventHandlerAction::start_workflow("big_order", json!({"orderId": "${orderId}"})))
///     .with_active(true);
/// let json = serde_json::to_value(&handler).unwrap();
/// assert_eq!(json["actions"][0]["action"], "start_workflow");
/// assert_eq!(json["actions"][0]["start_workflow"]["name"], "big_order");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct EventHandler {
    /// Unique name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Event queue: `conductor:{workflow}:{event}`, `sqs:queue`, `kafka:topic`... Required.
    #[serde(deserialize_with = "null_as_default")]
    pub event: String,
    /// Condition over the payload (evaluated by `evaluatorType`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// What to do. Required, at least one.
    #[serde(deserialize_with = "null_as_default")]
    pub actions: Vec<EventHandlerAction>,
    /// Whether the handler is active (server default **false**).
    #[serde(deserialize_with = "null_as_default")]
    pub active: bool,
    /// Evaluator of `condition` (`javascript`, `graaljs`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluator_type: Option<String>,
    /// Description (Orkes; ignored by OSS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl EventHandler {
    /// An inactive handler for `event` with no actions.
    ///
    /// ```
    /// use conductor_models::EventHandler;
    ///
    /// let handler = EventHandler::new("order_events", "kafka:orders");
    /// let json = serde_json::to_value(&handler)?;
    /// assert_eq!(json["name"], "order_events");
    /// assert_eq!(json["event"], "kafka:orders");
    /// assert_eq!(json["active"], false); // inactive until `with_active(true)`
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>, event: impl Into<String>) -> Self {
        EventHandler {
            name: name.into(),
            event: event.into(),
            ..EventHandler::default()
        }
    }

    /// Sets the condition.
    ///
    /// ```
    /// use conductor_models::EventHandler;
    ///
    /// let handler = EventHandler::new("big_orders", "kafka:orders").with_condition("$.amount > 1000");
    /// assert_eq!(handler.condition.as_deref(), Some("$.amount > 1000"));
    /// ```
    #[must_use]
    pub fn with_condition(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// Sets the condition evaluator.
    ///
    /// ```
    /// use conductor_models::EventHandler;
    ///
    /// let handler = EventHandler::new("big_orders", "kafka:orders")
    ///     .with_condition("$.amount > 1000")
    ///     .with_evaluator_type("javascript");
    /// assert_eq!(handler.evaluator_type.as_deref(), Some("javascript"));
    /// ```
    #[must_use]
    pub fn with_evaluator_type(mut self, evaluator_type: impl Into<String>) -> Self {
        self.evaluator_type = Some(evaluator_type.into());
        self
    }

    /// Appends an action.
    ///
    /// ```
    /// use conductor_models::{EventHandler, EventHandlerAction};
    ///
    /// let handler = EventHandler::new("order_events", "kafka:orders").with_action(
    ///     EventHandlerAction::start_workflow("order_fulfillment", serde_json::json!({"orderId": "${orderId}"})),
    /// );
    /// assert_eq!(serde_json::to_value(&handler)?["actions"][0]["action"], "start_workflow");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_action(mut self, action: EventHandlerAction) -> Self {
        self.actions.push(action);
        self
    }

    /// Sets `active`.
    ///
    /// ```
    /// use conductor_models::EventHandler;
    ///
    /// let handler = EventHandler::new("order_events", "kafka:orders").with_active(true);
    /// assert!(handler.active);
    /// ```
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }
}

wire_enum! {
    /// The kind of an [`EventHandlerAction`] (`EventHandler.Action.Type`, lower-case on the wire).
    ///
    /// ```
    /// use conductor_models::{EventActionType, EventHandlerAction};
    ///
    /// let action = EventHandlerAction::terminate_workflow("${workflowId}", "cancelled by customer");
    /// assert_eq!(action.action, EventActionType::TerminateWorkflow);
    /// assert_eq!(EventActionType::TerminateWorkflow.as_str(), "terminate_workflow");
    /// ```
    pub enum EventActionType {
        /// Start a workflow.
        StartWorkflow => "start_workflow",
        /// Complete a task.
        CompleteTask => "complete_task",
        /// Fail a task.
        FailTask => "fail_task",
        /// Terminate a workflow.
        TerminateWorkflow => "terminate_workflow",
        /// Update workflow variables.
        UpdateWorkflowVariables => "update_workflow_variables",
        /// Start an agent (OSS only, new).
        StartAgent => "start_agent",
    }
}

impl Default for EventActionType {
    /// `start_workflow`, the most common action.
    fn default() -> Self {
        EventActionType::StartWorkflow
    }
}

/// One action of an [`EventHandler`]. The payload keys are snake_case on the wire
/// (`start_workflow`, `complete_task`, ...), as the server's getters are literally named that way.
///
/// ```
/// use conductor_models::{EventHandlerAction, TaskDetails};
///
/// let action = EventHandlerAction::complete_task(
///     TaskDetails::new("${workflowId}", "await_payment_ref").with_output_value("paid", true),
/// );
/// let json = serde_json::to_value(&action)?;
/// assert_eq!(json["action"], "complete_task");
/// assert_eq!(json["complete_task"]["taskRefName"], "await_payment_ref");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct EventHandlerAction {
    /// Which action.
    #[serde(deserialize_with = "null_as_default")]
    pub action: EventActionType,
    /// For `start_workflow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_workflow: Option<StartWorkflowAction>,
    /// For `complete_task`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_task: Option<TaskDetails>,
    /// For `fail_task`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_task: Option<TaskDetails>,
    /// Expand JSON strings inside the payload into JSON documents. Wire name `expandInlineJSON`.
    #[serde(rename = "expandInlineJSON", deserialize_with = "null_as_default")]
    pub expand_inline_json: bool,
    /// For `terminate_workflow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminate_workflow: Option<TerminateWorkflowAction>,
    /// For `update_workflow_variables`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_workflow_variables: Option<UpdateWorkflowVariablesAction>,
    /// For `start_agent` (OSS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_agent: Option<StartAgentAction>,
}

impl EventHandlerAction {
    /// A `start_workflow` action. `input` is normally a `json!({...})` object; any other JSON value is
    /// kept under the key `"value"` (the server's input is an object).
    ///
    /// ```
    /// use conductor_models::EventHandlerAction;
    ///
    /// let action = EventHandlerAction::start_workflow("order_fulfillment", serde_json::json!({"orderId": "${orderId}"}));
    /// let start = action.start_workflow.as_ref().expect("start_workflow payload");
    /// assert_eq!(start.name, "order_fulfillment");
    /// assert_eq!(start.input["orderId"], "${orderId}");
    /// ```
    pub fn start_workflow(name: impl Into<String>, input: impl Into<serde_json::Value>) -> Self {
        EventHandlerAction {
            action: EventActionType::StartWorkflow,
            start_workflow: Some(StartWorkflowAction {
                name: name.into(),
                input: object_or_wrapped(input.into()),
                ..StartWorkflowAction::default()
            }),
            ..EventHandlerAction::default()
        }
    }

    /// A `complete_task` action.
    ///
    /// ```
    /// use conductor_models::{EventActionType, EventHandlerAction, TaskDetails};
    ///
    /// let action = EventHandlerAction::complete_task(TaskDetails::new("${workflowId}", "await_payment_ref"));
    /// assert_eq!(action.action, EventActionType::CompleteTask);
    /// assert!(action.complete_task.is_some());
    /// ```
    pub fn complete_task(details: TaskDetails) -> Self {
        EventHandlerAction {
            action: EventActionType::CompleteTask,
            complete_task: Some(details),
            ..EventHandlerAction::default()
        }
    }

    /// A `fail_task` action.
    ///
    /// ```
    /// use conductor_models::{EventActionType, EventHandlerAction, TaskDetails};
    ///
    /// let action = EventHandlerAction::fail_task(TaskDetails::new("${workflowId}", "await_payment_ref"));
    /// assert_eq!(action.action, EventActionType::FailTask);
    /// assert!(action.fail_task.is_some());
    /// ```
    pub fn fail_task(details: TaskDetails) -> Self {
        EventHandlerAction {
            action: EventActionType::FailTask,
            fail_task: Some(details),
            ..EventHandlerAction::default()
        }
    }

    /// A `terminate_workflow` action.
    ///
    /// ```
    /// use conductor_models::EventHandlerAction;
    ///
    /// let action = EventHandlerAction::terminate_workflow("${workflowId}", "order cancelled");
    /// let terminate = action.terminate_workflow.expect("terminate payload");
    /// assert_eq!(terminate.termination_reason.as_deref(), Some("order cancelled"));
    /// ```
    pub fn terminate_workflow(workflow_id: impl Into<String>, reason: impl Into<String>) -> Self {
        EventHandlerAction {
            action: EventActionType::TerminateWorkflow,
            terminate_workflow: Some(TerminateWorkflowAction {
                workflow_id: Some(workflow_id.into()),
                termination_reason: Some(reason.into()),
            }),
            ..EventHandlerAction::default()
        }
    }

    /// An `update_workflow_variables` action.
    ///
    /// ```
    /// use conductor_models::{EventHandlerAction, JsonMap};
    ///
    /// let mut variables = JsonMap::new();
    /// variables.insert("status".to_owned(), "${status}".into());
    /// let action = EventHandlerAction::update_workflow_variables("${workflowId}", variables);
    /// assert_eq!(serde_json::to_value(&action)?["action"], "update_workflow_variables");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn update_workflow_variables(workflow_id: impl Into<String>, variables: JsonMap) -> Self {
        EventHandlerAction {
            action: EventActionType::UpdateWorkflowVariables,
            update_workflow_variables: Some(UpdateWorkflowVariablesAction {
                workflow_id: Some(workflow_id.into()),
                variables: Some(variables),
                append_array: None,
            }),
            ..EventHandlerAction::default()
        }
    }

    /// Sets `expandInlineJSON`.
    ///
    /// ```
    /// use conductor_models::EventHandlerAction;
    ///
    /// let action = EventHandlerAction::start_workflow("order_fulfillment", serde_json::json!({"order": "${order}"}))
    ///     .with_expand_inline_json(true);
    /// assert_eq!(serde_json::to_value(&action)?["expandInlineJSON"], true);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_expand_inline_json(mut self, expand: bool) -> Self {
        self.expand_inline_json = expand;
        self
    }
}

fn object_or_wrapped(value: serde_json::Value) -> JsonMap {
    match value {
        serde_json::Value::Object(map) => map,
        other => {
            let mut map = JsonMap::new();
            map.insert("value".to_owned(), other);
            map
        }
    }
}

/// Payload of a `start_workflow` action.
///
/// ```
/// use conductor_models::EventHandlerAction;
///
/// let action = EventHandlerAction::start_workflow("order_fulfillment", serde_json::json!({}));
/// let mut start = action.start_workflow.expect("payload");
/// start.correlation_id = Some("${orderId}".to_owned());
/// assert_eq!(start.version, None); // the latest version
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct StartWorkflowAction {
    /// Workflow name.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Version; `None` = latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Correlation id (may be an expression over the payload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Workflow input (values may be expressions over the payload).
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Task-to-domain mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_to_domain: Option<BTreeMap<String, String>>,
}

/// Payload of `complete_task` / `fail_task` actions: which task, and its output.
///
/// ```
/// use conductor_models::TaskDetails;
///
/// let details = TaskDetails::new("${workflowId}", "approval_ref").with_output_value("approved", true);
/// let json = serde_json::to_value(&details)?;
/// assert_eq!(json["workflowId"], "${workflowId}");
/// assert_eq!(json["output"]["approved"], true);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TaskDetails {
    /// Workflow id (may be an expression over the payload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Task reference name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_ref_name: Option<String>,
    /// Task output.
    #[serde(deserialize_with = "null_as_default")]
    pub output: JsonMap,
    /// Task id (alternative to workflow id + reference name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Failure reason (for `fail_task`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
}

impl TaskDetails {
    /// The task `task_ref_name` of workflow `workflow_id`.
    ///
    /// ```
    /// use conductor_models::TaskDetails;
    ///
    /// let details = TaskDetails::new("wf-1", "approval_ref");
    /// assert_eq!(details.workflow_id.as_deref(), Some("wf-1"));
    /// assert_eq!(details.task_ref_name.as_deref(), Some("approval_ref"));
    /// ```
    pub fn new(workflow_id: impl Into<String>, task_ref_name: impl Into<String>) -> Self {
        TaskDetails {
            workflow_id: Some(workflow_id.into()),
            task_ref_name: Some(task_ref_name.into()),
            ..TaskDetails::default()
        }
    }

    /// Sets one output value.
    ///
    /// ```
    /// use conductor_models::TaskDetails;
    ///
    /// let details = TaskDetails::new("wf-1", "approval_ref").with_output_value("approvedBy", "${user}");
    /// assert_eq!(details.output["approvedBy"], "${user}");
    /// ```
    #[must_use]
    pub fn with_output_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.output.insert(key.into(), value.into());
        self
    }
}

/// Payload of a `terminate_workflow` action.
///
/// ```
/// use conductor_models::{EventHandlerAction, TerminateWorkflowAction};
///
/// let action = EventHandlerAction::terminate_workflow("${workflowId}", "fraud detected");
/// let payload: TerminateWorkflowAction = action.terminate_workflow.expect("payload");
/// assert_eq!(payload.workflow_id.as_deref(), Some("${workflowId}"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TerminateWorkflowAction {
    /// Workflow id (may be an expression over the payload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Reason recorded on the workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_reason: Option<String>,
}

/// Payload of an `update_workflow_variables` action.
///
/// ```
/// use conductor_models::{EventHandlerAction, JsonMap, UpdateWorkflowVariablesAction};
///
/// let action = EventHandlerAction::update_workflow_variables("${workflowId}", JsonMap::new());
/// let payload: UpdateWorkflowVariablesAction = action.update_workflow_variables.expect("payload");
/// assert_eq!(payload.workflow_id.as_deref(), Some("${workflowId}"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateWorkflowVariablesAction {
    /// Workflow id (may be an expression over the payload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    /// Variables to set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<JsonMap>,
    /// Append to array variables instead of replacing them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub append_array: Option<bool>,
}

/// Payload of a `start_agent` action (OSS only).
///
/// ```
/// use conductor_models::StartAgentAction;
///
/// let json = serde_json::json!({"name": "support_agent", "prompt": "${message}"});
/// let action: StartAgentAction = serde_json::from_value(json)?;
/// assert_eq!(action.name, "support_agent");
/// assert_eq!(action.version, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct StartAgentAction {
    /// Agent name.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Agent version; `None` = latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// The prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Media URLs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<String>>,
    /// Extra context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<JsonMap>,
    /// Idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}
