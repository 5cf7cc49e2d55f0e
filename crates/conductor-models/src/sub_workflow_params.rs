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
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
    ///
    /// ```
    /// use conductor_models::SubWorkflowParams;
    ///
    /// let params = SubWorkflowParams::new("ship_order");
    /// assert_eq!(serde_json::to_value(&params)?["name"], "ship_order");
    /// assert_eq!(params.version, None); // the latest version
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        SubWorkflowParams {
            name: Some(name.into()),
            ..SubWorkflowParams::default()
        }
    }

    /// Runs an inline definition (its name and version are reported as the params' name/version).
    ///
    /// ```
    /// use conductor_models::{SubWorkflowDefinition, SubWorkflowParams, WorkflowDef, WorkflowTask};
    ///
    /// let child = WorkflowDef::new("adhoc_child").with_task(WorkflowTask::simple("pack", "pack_ref"));
    /// let params = SubWorkflowParams::inline(child);
    /// assert_eq!(params.name.as_deref(), Some("adhoc_child"));
    /// assert!(matches!(params.workflow_definition, Some(SubWorkflowDefinition::Inline(_))));
    /// ```
    pub fn inline(definition: WorkflowDef) -> Self {
        SubWorkflowParams {
            name: Some(definition.name.clone()),
            version: Some(definition.version),
            workflow_definition: Some(SubWorkflowDefinition::Inline(Box::new(definition))),
            ..SubWorkflowParams::default()
        }
    }

    /// Sets the version.
    ///
    /// ```
    /// use conductor_models::SubWorkflowParams;
    ///
    /// assert_eq!(SubWorkflowParams::new("ship_order").with_version(2).version, Some(2));
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// Maps a task name (or `"*"`) to a domain.
    ///
    /// ```
    /// use conductor_models::SubWorkflowParams;
    ///
    /// let params = SubWorkflowParams::new("ship_order").with_task_to_domain("*", "staging");
    /// assert_eq!(serde_json::to_value(&params)?["taskToDomain"]["*"], "staging");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_models::SubWorkflowParams;
    ///
    /// let fixed = SubWorkflowParams::new("ship_order").with_priority(10);
    /// let inherited = SubWorkflowParams::new("ship_order").with_priority("${workflow.priority}");
    /// assert_eq!(fixed.priority, Some(serde_json::json!(10)));
    /// assert_eq!(inherited.priority, Some(serde_json::json!("${workflow.priority}")));
    /// ```
    #[must_use]
    pub fn with_priority(mut self, priority: impl Into<serde_json::Value>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Sets the idempotency key and strategy.
    ///
    /// ```
    /// use conductor_models::{IdempotencyStrategy, SubWorkflowParams};
    ///
    /// let params = SubWorkflowParams::new("ship_order")
    ///     .with_idempotency("${workflow.input.orderId}", IdempotencyStrategy::ReturnExisting);
    /// assert_eq!(params.idempotency_strategy, Some(IdempotencyStrategy::ReturnExisting));
    /// ```
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
///
/// ```
/// use conductor_models::{SubWorkflowDefinition, SubWorkflowParams};
///
/// // The definition computed at runtime from the workflow input.
/// let mut params = SubWorkflowParams::new("dynamic_child");
/// params.workflow_definition = Some(SubWorkflowDefinition::Expression("${workflow.input.definition}".into()));
/// assert_eq!(
///     serde_json::to_value(&params)?["workflowDefinition"],
///     "${workflow.input.definition}"
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
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
