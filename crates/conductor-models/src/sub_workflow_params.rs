//! `SubWorkflowParams` (`WorkflowTask.subWorkflowParam`) and its inline-or-expression definition.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{IdempotencyStrategy, WorkflowDef};

/// What a `SUB_WORKFLOW` task runs (`SubWorkflowParams`).
///
/// ```
/// use conductor_models::SubWorkflowParams;
/// let params = SubWorkflowParams::new("child").with_version(2);
/// assert_eq!(
///     serde_json::to_value(&params).unwrap(),
///     serde_json::json!({"name": "child", "version": 2})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubWorkflowParams {
    /// Name of the workflow to run (the server reports the inline definition's name when there is one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version to run; `None` = latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Task-to-domain mapping for the sub-workflow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_to_domain: Option<BTreeMap<String, String>>,
    /// An inline definition (or a `${...}` expression producing one) used instead of a registered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_definition: Option<SubWorkflowDefinition>,
    /// Idempotency key of the sub-workflow start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Idempotency strategy of the sub-workflow start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_strategy: Option<IdempotencyStrategy>,
    /// Priority: a number (0–99) or an expression string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<serde_json::Value>,
}

impl SubWorkflowParams {
    /// Runs the latest version of the workflow `name`.
    pub fn new(name: impl Into<String>) -> Self {
        SubWorkflowParams {
            name: Some(name.into()),
            ..SubWorkflowParams::default()
        }
    }

    /// Runs an inline definition (its name and version are reported as the params' name/version).
    pub fn inline(definition: WorkflowDef) -> Self {
        SubWorkflowParams {
            name: Some(definition.name.clone()),
            version: Some(definition.version),
            workflow_definition: Some(SubWorkflowDefinition::Inline(Box::new(definition))),
            ..SubWorkflowParams::default()
        }
    }

    /// Sets the version.
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// Maps a task name (or `"*"`) to a domain.
    #[must_use]
    pub fn with_task_to_domain(
        mut self,
        task: impl Into<String>,
        domain: impl Into<String>,
    ) -> Self {
        self.task_to_domain
            .get_or_insert_with(BTreeMap::new)
            .insert(task.into(), domain.into());
        self
    }

    /// Sets the priority (a number or an expression string).
    #[must_use]
    pub fn with_priority(mut self, priority: impl Into<serde_json::Value>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Sets the idempotency key and strategy.
    #[must_use]
    pub fn with_idempotency(
        mut self,
        key: impl Into<String>,
        strategy: IdempotencyStrategy,
    ) -> Self {
        self.idempotency_key = Some(key.into());
        self.idempotency_strategy = Some(strategy);
        self
    }
}

/// `SubWorkflowParams.workflowDefinition`: a full definition object, or a `${...}` expression string
/// that evaluates to one at runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum SubWorkflowDefinition {
    /// An inline definition.
    Inline(Box<WorkflowDef>),
    /// An expression such as `${workflow.input.definition}`.
    Expression(String),
}

impl Serialize for SubWorkflowDefinition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SubWorkflowDefinition::Inline(def) => def.serialize(serializer),
            SubWorkflowDefinition::Expression(expr) => serializer.serialize_str(expr),
        }
    }
}

impl<'de> Deserialize<'de> for SubWorkflowDefinition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        match value {
            serde_json::Value::String(expr) => Ok(SubWorkflowDefinition::Expression(expr)),
            other => WorkflowDef::deserialize(other)
                .map(|def| SubWorkflowDefinition::Inline(Box::new(def)))
                .map_err(serde::de::Error::custom),
        }
    }
}
