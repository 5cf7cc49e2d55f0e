//! `WorkflowDef` (a workflow definition) and `WorkflowTimeoutPolicy`.

use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{CacheConfig, JsonMap, RateLimitConfig, SchemaDef, WorkflowTask};

wire_enum! {
    /// What happens when a workflow exceeds `timeoutSeconds` (`WorkflowDef.TimeoutPolicy`).
    ///
    /// A different enum from the task [`TimeoutPolicy`](crate::TimeoutPolicy): there is no `RETRY`
    /// (the server rejects it in a workflow definition).
    pub enum WorkflowTimeoutPolicy {
        /// Time the workflow out (status `TIMED_OUT`).
        TimeOutWf => "TIME_OUT_WF",
        /// Only record the timeout.
        AlertOnly => "ALERT_ONLY",
    }
}

impl Default for WorkflowTimeoutPolicy {
    /// `ALERT_ONLY`, the server's default.
    fn default() -> Self {
        WorkflowTimeoutPolicy::AlertOnly
    }
}

/// A workflow definition (`POST /metadata/workflow`).
///
/// [`WorkflowDef::default`] (and [`WorkflowDef::new`]) carry the server's defaults: `version` 1,
/// `schemaVersion` 2, `restartable` true, `timeoutPolicy` `ALERT_ONLY`, `enforceSchema` true.
///
/// ```
/// use conductor_models::{WorkflowDef, WorkflowTask, WorkflowTimeoutPolicy};
/// let def = WorkflowDef::new("order_workflow")
///     .with_version(1)
///     .with_description("Order processing workflow")
///     .with_task(WorkflowTask::simple("validate_order", "validate_ref"))
///     .with_output_param("orderId", "${validate_ref.output.orderId}")
///     .with_timeout(3600, WorkflowTimeoutPolicy::TimeOutWf);
/// let json = serde_json::to_value(&def).unwrap();
/// assert_eq!(json["tasks"][0]["taskReferenceName"], "validate_ref");
/// assert_eq!(json["schemaVersion"], 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
pub struct WorkflowDef {
    /// Workflow name. Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Version (default 1).
    #[serde(deserialize_with = "null_as_default")]
    pub version: i32,
    /// The tasks, in order. Required, non-empty.
    #[serde(deserialize_with = "null_as_default")]
    pub tasks: Vec<WorkflowTask>,
    /// Documented input keys (informational).
    #[serde(deserialize_with = "null_as_default")]
    pub input_parameters: Vec<String>,
    /// Output mapping evaluated into `Workflow.output` (`${ref.output.x}`...).
    #[serde(deserialize_with = "null_as_default")]
    pub output_parameters: JsonMap,
    /// Workflow started when this one fails or times out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_workflow: Option<String>,
    /// Version of the failure workflow (OSS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_workflow_version: Option<i32>,
    /// Definition schema version; only 2 is accepted (default 2).
    #[serde(deserialize_with = "null_as_default")]
    pub schema_version: i32,
    /// Whether completed executions may be restarted (default true).
    #[serde(deserialize_with = "null_as_default")]
    pub restartable: bool,
    /// Publish workflow status changes to the status listener.
    #[serde(deserialize_with = "null_as_default")]
    pub workflow_status_listener_enabled: bool,
    /// Sink of the status listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_status_listener_sink: Option<String>,
    /// Owner's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    /// What a timeout does (default `ALERT_ONLY`).
    #[serde(deserialize_with = "null_as_default")]
    pub timeout_policy: WorkflowTimeoutPolicy,
    /// Workflow timeout in seconds; 0 = none.
    #[serde(deserialize_with = "null_as_default")]
    pub timeout_seconds: i64,
    /// Initial workflow variables.
    #[serde(deserialize_with = "null_as_default")]
    pub variables: JsonMap,
    /// Default input values merged at start.
    #[serde(deserialize_with = "null_as_default")]
    pub input_template: JsonMap,
    /// Workflow-level rate limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_config: Option<RateLimitConfig>,
    /// Schema the workflow input must satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<SchemaDef>,
    /// Schema the workflow output must satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<SchemaDef>,
    /// Enforce the schemas (default **true**, unlike `TaskDef`).
    #[serde(deserialize_with = "null_as_default")]
    pub enforce_schema: bool,
    /// Free-form metadata (drives the `classifier`: `agent` vs `workflow`).
    #[serde(deserialize_with = "null_as_default")]
    pub metadata: JsonMap,
    /// Output caching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_config: Option<CacheConfig>,
    /// Input/output fields masked in responses.
    #[serde(deserialize_with = "null_as_default")]
    pub masked_fields: Vec<String>,
    /// Application that owns the definition (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_app: Option<String>,
    /// Creation time (epoch ms, audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Last update time (epoch ms, audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// Who created it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Who last updated it (audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Keys this definition lacked when it was deserialised as part of a task or workflow (an older
    /// server's): serialising it leaves them out again while their value is the default. Empty when
    /// built in code or read on its own, which serialise in full. Never serialised; ignored by `==`.
    /// See [`AbsentKeys`].
    #[serde(skip)]
    pub absent_keys: AbsentKeys,
}

keeps_shape!(WorkflowDef, InExecution);

impl Default for WorkflowDef {
    /// An unnamed definition with the server's defaults.
    fn default() -> Self {
        WorkflowDef {
            name: String::new(),
            description: None,
            version: 1,
            tasks: Vec::new(),
            input_parameters: Vec::new(),
            output_parameters: JsonMap::new(),
            failure_workflow: None,
            failure_workflow_version: None,
            schema_version: 2,
            restartable: true,
            workflow_status_listener_enabled: false,
            workflow_status_listener_sink: None,
            owner_email: None,
            timeout_policy: WorkflowTimeoutPolicy::AlertOnly,
            timeout_seconds: 0,
            variables: JsonMap::new(),
            input_template: JsonMap::new(),
            rate_limit_config: None,
            input_schema: None,
            output_schema: None,
            enforce_schema: true,
            metadata: JsonMap::new(),
            cache_config: None,
            masked_fields: Vec::new(),
            owner_app: None,
            create_time: None,
            update_time: None,
            created_by: None,
            updated_by: None,
            absent_keys: AbsentKeys::default(),
        }
    }
}

impl WorkflowDef {
    /// A definition named `name` with the server's defaults and no tasks.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment");
    /// let json = serde_json::to_value(&def)?;
    /// assert_eq!(json["name"], "order_fulfillment");
    /// assert_eq!(json["tasks"], serde_json::json!([]));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        WorkflowDef {
            name: name.into(),
            ..WorkflowDef::default()
        }
    }

    /// Sets the version.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// assert_eq!(WorkflowDef::new("order_fulfillment").with_version(2).version, 2);
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = version;
        self
    }

    /// Sets the description.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_description("Charge, pack, ship");
    /// assert_eq!(def.description.as_deref(), Some("Charge, pack, ship"));
    /// ```
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Appends a task.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let def = WorkflowDef::new("order_fulfillment")
    ///     .with_task(WorkflowTask::simple("charge", "charge_ref"))
    ///     .with_task(WorkflowTask::simple("ship", "ship_ref"));
    /// let json = serde_json::to_value(&def)?;
    /// assert_eq!(json["tasks"][1]["taskReferenceName"], "ship_ref");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_task(mut self, task: WorkflowTask) -> Self {
        self.tasks.push(task);
        self
    }

    /// Appends several tasks.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let steps = ["validate", "charge", "ship"].map(|name| WorkflowTask::simple(name, format!("{name}_ref")));
    /// let def = WorkflowDef::new("order_fulfillment").with_tasks(steps);
    /// assert_eq!(def.tasks.len(), 3);
    /// ```
    #[must_use]
    pub fn with_tasks(mut self, tasks: impl IntoIterator<Item = WorkflowTask>) -> Self {
        self.tasks.extend(tasks);
        self
    }

    /// Sets one output parameter (`value`: e.g. `"${ref.output.x}"`, numbers, `json!`).
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let ship = WorkflowTask::simple("ship", "ship_ref");
    /// let def = WorkflowDef::new("order_fulfillment")
    ///     .with_output_param("trackingNumber", ship.output_ref("trackingNumber"))
    ///     .with_task(ship);
    /// assert_eq!(def.output_parameters["trackingNumber"], "${ship_ref.output.trackingNumber}");
    /// ```
    #[must_use]
    pub fn with_output_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.output_parameters.insert(key.into(), value.into());
        self
    }

    /// Sets the documented input keys.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_input_parameters(["orderId", "customerId"]);
    /// assert_eq!(serde_json::to_value(&def)?["inputParameters"], serde_json::json!(["orderId", "customerId"]));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_input_parameters<S: Into<String>>(
        mut self,
        keys: impl IntoIterator<Item = S>,
    ) -> Self {
        self.input_parameters = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets one initial workflow variable.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_variable("attempts", 0);
    /// assert_eq!(def.variables["attempts"], 0);
    /// ```
    #[must_use]
    pub fn with_variable(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }

    /// Sets one default input value (`inputTemplate`).
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// // Used when the start request does not give `currency`.
    /// let def = WorkflowDef::new("order_fulfillment").with_input_template("currency", "EUR");
    /// assert_eq!(serde_json::to_value(&def)?["inputTemplate"]["currency"], "EUR");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_input_template(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.input_template.insert(key.into(), value.into());
        self
    }

    /// Sets the timeout (seconds) and what it does.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTimeoutPolicy};
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_timeout(3600, WorkflowTimeoutPolicy::TimeOutWf);
    /// let json = serde_json::to_value(&def)?;
    /// assert_eq!(json["timeoutSeconds"], 3600);
    /// assert_eq!(json["timeoutPolicy"], "TIME_OUT_WF");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, seconds: i64, policy: WorkflowTimeoutPolicy) -> Self {
        self.timeout_seconds = seconds;
        self.timeout_policy = policy;
        self
    }

    /// Sets the failure workflow (name, or an expression such as `${workflow.input.onFailure}`).
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_failure_workflow("refund_order");
    /// assert_eq!(def.failure_workflow.as_deref(), Some("refund_order"));
    /// ```
    #[must_use]
    pub fn with_failure_workflow(mut self, name: impl Into<String>) -> Self {
        self.failure_workflow = Some(name.into());
        self
    }

    /// Sets the owner email.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_owner("orders-team@example.com");
    /// assert_eq!(serde_json::to_value(&def)?["ownerEmail"], "orders-team@example.com");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_owner(mut self, owner_email: impl Into<String>) -> Self {
        self.owner_email = Some(owner_email.into());
        self
    }

    /// Sets `restartable`.
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("charge_once").with_restartable(false);
    /// assert_eq!(serde_json::to_value(&def)?["restartable"], false);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_restartable(mut self, restartable: bool) -> Self {
        self.restartable = restartable;
        self
    }

    /// Enables the workflow status listener (optionally with a sink).
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment").with_status_listener(Some("kafka:workflow-status".to_owned()));
    /// assert!(def.workflow_status_listener_enabled);
    /// assert_eq!(def.workflow_status_listener_sink.as_deref(), Some("kafka:workflow-status"));
    /// ```
    #[must_use]
    pub fn with_status_listener(mut self, sink: Option<String>) -> Self {
        self.workflow_status_listener_enabled = true;
        self.workflow_status_listener_sink = sink;
        self
    }

    /// Sets the input schema (a [`SchemaDef`] or a JSON Schema document, named `{workflow}_input`).
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment")
    ///     .with_input_schema(serde_json::json!({"type": "object", "required": ["orderId"]}));
    /// assert_eq!(def.input_schema.as_ref().map(|schema| schema.name.as_str()), Some("order_fulfillment_input"));
    /// ```
    #[must_use]
    pub fn with_input_schema(mut self, schema: impl Into<SchemaDef>) -> Self {
        let mut schema = schema.into();
        if schema.name.is_empty() {
            schema.name = format!("{}_input", self.name);
        }
        self.input_schema = Some(schema);
        self
    }

    /// Sets the output schema (a [`SchemaDef`] or a JSON Schema document, named `{workflow}_output`).
    ///
    /// ```
    /// use conductor_models::WorkflowDef;
    ///
    /// let def = WorkflowDef::new("order_fulfillment")
    ///     .with_output_schema(serde_json::json!({"type": "object"}));
    /// assert_eq!(def.output_schema.as_ref().map(|schema| schema.name.as_str()), Some("order_fulfillment_output"));
    /// ```
    #[must_use]
    pub fn with_output_schema(mut self, schema: impl Into<SchemaDef>) -> Self {
        let mut schema = schema.into();
        if schema.name.is_empty() {
            schema.name = format!("{}_output", self.name);
        }
        self.output_schema = Some(schema);
        self
    }

    /// Sets the workflow rate limit.
    ///
    /// ```
    /// use conductor_models::{RateLimitConfig, WorkflowDef};
    ///
    /// // At most 5 concurrent executions per customer.
    /// let def = WorkflowDef::new("order_fulfillment")
    ///     .with_rate_limit(RateLimitConfig::new("${workflow.input.customerId}", 5));
    /// assert_eq!(def.rate_limit_config.map(|config| config.concurrent_exec_limit), Some(5));
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit_config = Some(config);
        self
    }

    /// Every task of the definition, including nested ones (fork branches, cases, loop bodies),
    /// depth first.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let def = WorkflowDef::new("fan_out").with_task(WorkflowTask::fork_join(
    ///     "fork_ref",
    ///     vec![vec![WorkflowTask::simple("a", "a_ref")], vec![WorkflowTask::simple("b", "b_ref")]],
    ///     "join_ref",
    /// ));
    /// let refs: Vec<&str> = def.all_tasks().iter().map(|task| task.task_reference_name.as_str()).collect();
    /// assert!(refs.contains(&"a_ref") && refs.contains(&"b_ref")); // nested branches included
    /// ```
    pub fn all_tasks(&self) -> Vec<&WorkflowTask> {
        self.tasks
            .iter()
            .flat_map(WorkflowTask::all_tasks)
            .collect()
    }

    /// The task with reference name `reference`, searched through nested tasks too.
    ///
    /// ```
    /// use conductor_models::{WorkflowDef, WorkflowTask};
    ///
    /// let def = WorkflowDef::new("approval").with_task(
    ///     WorkflowTask::switch("route_ref", "${workflow.input.amount}")
    ///         .with_case("large", vec![WorkflowTask::simple("manager_review", "review_ref")]),
    /// );
    /// assert_eq!(def.task_by_ref("review_ref").map(|task| task.name.as_str()), Some("manager_review"));
    /// assert!(def.task_by_ref("missing_ref").is_none());
    /// ```
    pub fn task_by_ref(&self, reference: &str) -> Option<&WorkflowTask> {
        self.all_tasks()
            .into_iter()
            .find(|task| task.task_reference_name == reference)
    }
}

/// Name, version and times of a workflow definition (`GET /metadata/workflow/names-and-versions`...).
///
/// ```
/// let versions: Vec<conductor_models::WorkflowDefSummary> = serde_json::from_str(
///     r#"[{"name": "order", "version": 1}, {"name": "order", "version": 2, "createTime": 1700000000000}]"#,
/// ).unwrap();
/// assert_eq!(versions.iter().map(|v| v.version).max(), Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowDefSummary {
    /// Workflow name.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Version (default 1).
    #[serde(deserialize_with = "null_as_default")]
    pub version: i32,
    /// Creation time (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Last update (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
}

impl Default for WorkflowDefSummary {
    fn default() -> Self {
        WorkflowDefSummary {
            name: String::new(),
            version: 1,
            create_time: None,
            update_time: None,
        }
    }
}
