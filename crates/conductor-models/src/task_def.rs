//! `TaskDef` (a registered task definition), `RetryLogic` and `TimeoutPolicy`.

use serde::{Deserialize, Serialize};

use crate::absent_keys::{AbsentKeys, keeps_shape};

use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;
use crate::{JsonMap, SchemaDef};

wire_enum! {
    /// How the delay between task retries grows (`TaskDef.RetryLogic`).
    pub enum RetryLogic {
        /// `retryDelaySeconds` every time.
        Fixed => "FIXED",
        /// `retryDelaySeconds * backoffScaleFactor^attempt`, capped by `maxRetryDelaySeconds`.
        ExponentialBackoff => "EXPONENTIAL_BACKOFF",
        /// `retryDelaySeconds * backoffScaleFactor * attempt`, capped by `maxRetryDelaySeconds`.
        LinearBackoff => "LINEAR_BACKOFF",
    }
}

impl Default for RetryLogic {
    /// `FIXED`, the server's default.
    fn default() -> Self {
        RetryLogic::Fixed
    }
}

wire_enum! {
    /// What happens when a task times out (`TaskDef.TimeoutPolicy`).
    ///
    /// Not the same enum as [`WorkflowTimeoutPolicy`](crate::WorkflowTimeoutPolicy), which has no `RETRY`.
    pub enum TimeoutPolicy {
        /// Retry the task (counts against `retryCount`).
        Retry => "RETRY",
        /// Time out the whole workflow.
        TimeOutWf => "TIME_OUT_WF",
        /// Only record the timeout; the task keeps running.
        AlertOnly => "ALERT_ONLY",
    }
}

impl Default for TimeoutPolicy {
    /// `TIME_OUT_WF`, the server's default.
    fn default() -> Self {
        TimeoutPolicy::TimeOutWf
    }
}

/// A task definition (`POST /metadata/taskdefs`): retry, timeout and rate-limit settings for every task
/// with this name.
///
/// [`TaskDef::default`] (and [`TaskDef::new`]) carry the server's defaults: `retryCount` 3,
/// `retryLogic` `FIXED`, `retryDelaySeconds` 60, `responseTimeoutSeconds` 3600, `timeoutPolicy`
/// `TIME_OUT_WF`, `rateLimitFrequencyInSeconds` 1, `backoffScaleFactor` 1,
/// `taskStatusListenerEnabled` true.
///
/// ```
/// use conductor_models::{RetryLogic, TaskDef, TimeoutPolicy};
/// let def = TaskDef::new("process_order")
///     .with_description("Process customer orders")
///     .with_retry(3, RetryLogic::ExponentialBackoff, 10)
///     .with_timeout(300, TimeoutPolicy::TimeOutWf)
///     .with_rate_limit(100, 60)
///     .with_owner("team@example.com");
/// // A response timeout above the 300 s timeout would be rejected: it follows the timeout down.
/// assert_eq!(def.response_timeout_seconds, 300);
/// assert_eq!(serde_json::to_value(&def).unwrap()["retryLogic"], "EXPONENTIAL_BACKOFF");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(remote = "Self", rename_all = "camelCase", default)]
pub struct TaskDef {
    /// Name of the task type (what workers poll for). Required.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many times a failed task is retried (default 3).
    #[serde(deserialize_with = "null_as_default")]
    pub retry_count: i32,
    /// Overall timeout of one attempt in seconds; 0 = none (default 0). Must be ≥
    /// `responseTimeoutSeconds` when set.
    #[serde(deserialize_with = "null_as_default")]
    pub timeout_seconds: i64,
    /// Documented input keys (informational).
    #[serde(deserialize_with = "null_as_default")]
    pub input_keys: Vec<String>,
    /// Documented output keys (informational).
    #[serde(deserialize_with = "null_as_default")]
    pub output_keys: Vec<String>,
    /// Names of secrets/environment values resolved into `Task.runtimeMetadata` at poll time
    /// (server v3.31.2+).
    #[serde(deserialize_with = "null_as_default")]
    pub runtime_metadata: Vec<String>,
    /// What a timeout does (default `TIME_OUT_WF`).
    #[serde(deserialize_with = "null_as_default")]
    pub timeout_policy: TimeoutPolicy,
    /// How retry delays grow (default `FIXED`).
    #[serde(deserialize_with = "null_as_default")]
    pub retry_logic: RetryLogic,
    /// Base delay between retries in seconds (default 60).
    #[serde(deserialize_with = "null_as_default")]
    pub retry_delay_seconds: i32,
    /// Seconds a worker has to report (or extend the lease) before the task is re-queued (default 3600).
    #[serde(deserialize_with = "null_as_default")]
    pub response_timeout_seconds: i64,
    /// Maximum number of `IN_PROGRESS` tasks of this type at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrent_exec_limit: Option<i32>,
    /// Default input values merged under the task's input.
    #[serde(deserialize_with = "null_as_default")]
    pub input_template: JsonMap,
    /// Rate limit: tasks per window (0 = no limit).
    #[serde(deserialize_with = "null_as_default")]
    pub rate_limit_per_frequency: i32,
    /// Rate limit window in seconds (default 1).
    #[serde(deserialize_with = "null_as_default")]
    pub rate_limit_frequency_in_seconds: i32,
    /// Isolation group (queue isolation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation_group_id: Option<String>,
    /// Execution namespace. Wire name `executionNameSpace`.
    #[serde(rename = "executionNameSpace", skip_serializing_if = "Option::is_none")]
    pub execution_name_space: Option<String>,
    /// Owner's email (mandatory only on servers configured with `ownerEmailMandatory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    /// Seconds a scheduled task may wait to be polled before it times out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_timeout_seconds: Option<i32>,
    /// Multiplier for backoff retry logic (default 1).
    #[serde(deserialize_with = "null_as_default")]
    pub backoff_scale_factor: i32,
    /// Upper bound of the retry delay in seconds; 0 = none (server v3.30.0+).
    #[serde(deserialize_with = "null_as_default")]
    pub max_retry_delay_seconds: i32,
    /// Random jitter added to retry delays, in ms (server v3.30.0+).
    #[serde(deserialize_with = "null_as_default")]
    pub backoff_jitter_ms: i32,
    /// Base type of the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_type: Option<String>,
    /// Total timeout across all attempts in seconds; 0 = none.
    #[serde(deserialize_with = "null_as_default")]
    pub total_timeout_seconds: i64,
    /// Publish task status changes to the status listener (default true; server v3.23.0+).
    #[serde(deserialize_with = "null_as_default")]
    pub task_status_listener_enabled: bool,
    /// Schema the task input must satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<SchemaDef>,
    /// Schema the task output must satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<SchemaDef>,
    /// Enforce the schemas (default false).
    #[serde(deserialize_with = "null_as_default")]
    pub enforce_schema: bool,
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

keeps_shape!(TaskDef, InExecution);

impl Default for TaskDef {
    /// An unnamed definition with the server's defaults.
    fn default() -> Self {
        TaskDef {
            name: String::new(),
            description: None,
            retry_count: 3,
            timeout_seconds: 0,
            input_keys: Vec::new(),
            output_keys: Vec::new(),
            runtime_metadata: Vec::new(),
            timeout_policy: TimeoutPolicy::TimeOutWf,
            retry_logic: RetryLogic::Fixed,
            retry_delay_seconds: 60,
            response_timeout_seconds: 3600,
            concurrent_exec_limit: None,
            input_template: JsonMap::new(),
            rate_limit_per_frequency: 0,
            rate_limit_frequency_in_seconds: 1,
            isolation_group_id: None,
            execution_name_space: None,
            owner_email: None,
            poll_timeout_seconds: None,
            backoff_scale_factor: 1,
            max_retry_delay_seconds: 0,
            backoff_jitter_ms: 0,
            base_type: None,
            total_timeout_seconds: 0,
            task_status_listener_enabled: true,
            input_schema: None,
            output_schema: None,
            enforce_schema: false,
            owner_app: None,
            create_time: None,
            update_time: None,
            created_by: None,
            updated_by: None,
            absent_keys: AbsentKeys::default(),
        }
    }
}

impl TaskDef {
    /// A definition named `name` with the server's defaults.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email");
    /// let json = serde_json::to_value(&def)?;
    /// assert_eq!(json["name"], "send_email");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        TaskDef {
            name: name.into(),
            ..TaskDef::default()
        }
    }

    /// Sets the description.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email").with_description("Sends one transactional email");
    /// assert_eq!(def.description.as_deref(), Some("Sends one transactional email"));
    /// ```
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the retry policy: `count` retries, `logic`, base delay `delay_seconds`.
    ///
    /// ```
    /// use conductor_models::{RetryLogic, TaskDef};
    ///
    /// let def = TaskDef::new("charge_card").with_retry(5, RetryLogic::ExponentialBackoff, 2);
    /// let json = serde_json::to_value(&def)?;
    /// assert_eq!(json["retryCount"], 5);
    /// assert_eq!(json["retryLogic"], "EXPONENTIAL_BACKOFF");
    /// assert_eq!(json["retryDelaySeconds"], 2);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_retry(mut self, count: i32, logic: RetryLogic, delay_seconds: i32) -> Self {
        self.retry_count = count;
        self.retry_logic = logic;
        self.retry_delay_seconds = delay_seconds;
        self
    }

    /// Sets the overall timeout of one attempt (`timeoutSeconds`) and what a timeout does.
    ///
    /// The server rejects a definition whose `responseTimeoutSeconds` exceeds a non-zero
    /// `timeoutSeconds`; since the default response timeout is 3600 s, a shorter timeout also lowers
    /// `responseTimeoutSeconds` to `seconds` (call [`TaskDef::with_response_timeout`] afterwards to
    /// choose another value).
    ///
    /// ```
    /// use conductor_models::{TaskDef, TimeoutPolicy};
    ///
    /// let def = TaskDef::new("transcode")
    ///     .with_response_timeout(900)
    ///     .with_timeout(600, TimeoutPolicy::TimeOutWf);
    /// assert_eq!(def.timeout_seconds, 600);
    /// assert_eq!(def.timeout_policy, TimeoutPolicy::TimeOutWf);
    /// // The response timeout may not exceed the timeout: lowered to match.
    /// assert_eq!(def.response_timeout_seconds, 600);
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, seconds: i64, policy: TimeoutPolicy) -> Self {
        self.timeout_seconds = seconds;
        self.timeout_policy = policy;
        if seconds > 0 && self.response_timeout_seconds > seconds {
            self.response_timeout_seconds = seconds;
        }
        self
    }

    /// Sets `responseTimeoutSeconds`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// // The worker must report (or extend the lease) at least every 2 minutes.
    /// let def = TaskDef::new("transcode").with_response_timeout(120);
    /// assert_eq!(def.response_timeout_seconds, 120);
    /// ```
    #[must_use]
    pub fn with_response_timeout(mut self, seconds: i64) -> Self {
        self.response_timeout_seconds = seconds;
        self
    }

    /// Sets `totalTimeoutSeconds` (across all attempts).
    ///
    /// ```
    /// let def = conductor_models::TaskDef::new("charge").with_total_timeout(600);
    /// assert_eq!(serde_json::to_value(&def).unwrap()["totalTimeoutSeconds"], 600);
    /// ```
    #[must_use]
    pub fn with_total_timeout(mut self, seconds: i64) -> Self {
        self.total_timeout_seconds = seconds;
        self
    }

    /// Sets `pollTimeoutSeconds`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("greet").with_poll_timeout(60);
    /// assert_eq!(def.poll_timeout_seconds, Some(60));
    /// ```
    #[must_use]
    pub fn with_poll_timeout(mut self, seconds: i32) -> Self {
        self.poll_timeout_seconds = Some(seconds);
        self
    }

    /// Sets the rate limit: `per_frequency` tasks every `frequency_seconds`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// // At most 100 executions every 60 seconds.
    /// let def = TaskDef::new("call_partner_api").with_rate_limit(100, 60);
    /// assert_eq!(def.rate_limit_per_frequency, 100);
    /// assert_eq!(def.rate_limit_frequency_in_seconds, 60);
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, per_frequency: i32, frequency_seconds: i32) -> Self {
        self.rate_limit_per_frequency = per_frequency;
        self.rate_limit_frequency_in_seconds = frequency_seconds;
        self
    }

    /// Sets `concurrentExecLimit`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("call_partner_api").with_concurrent_exec_limit(10);
    /// assert_eq!(def.concurrent_exec_limit, Some(10));
    /// ```
    #[must_use]
    pub fn with_concurrent_exec_limit(mut self, limit: i32) -> Self {
        self.concurrent_exec_limit = Some(limit);
        self
    }

    /// Sets the owner email.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("greet").with_owner("team@example.com");
    /// assert_eq!(def.owner_email.as_deref(), Some("team@example.com"));
    /// ```
    #[must_use]
    pub fn with_owner(mut self, owner_email: impl Into<String>) -> Self {
        self.owner_email = Some(owner_email.into());
        self
    }

    /// Adds one default input value to `inputTemplate`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// // Defaults merged into the task's input when the workflow does not set them.
    /// let def = TaskDef::new("send_email").with_input_template("from", "noreply@example.com");
    /// assert_eq!(def.input_template["from"], "noreply@example.com");
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

    /// Sets the input schema: a [`SchemaDef`], or a JSON Schema document (`serde_json::Value`), which
    /// becomes a `JSON` schema named `{task name}_input`. Also turns `enforceSchema` on.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email").with_input_schema(serde_json::json!({
    ///     "type": "object",
    ///     "required": ["to"],
    /// }));
    /// let schema = def.input_schema.as_ref().expect("schema set");
    /// assert!(!schema.name.is_empty()); // named after the task
    /// assert!(def.enforce_schema);
    /// ```
    #[must_use]
    pub fn with_input_schema(mut self, schema: impl Into<SchemaDef>) -> Self {
        let schema = name_schema(schema.into(), &self.name, "input");
        self.input_schema = Some(schema);
        self.enforce_schema = true;
        self
    }

    /// Sets the output schema (see [`TaskDef::with_input_schema`]; the default name is
    /// `{task name}_output`). Also turns `enforceSchema` on.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email")
    ///     .with_output_schema(serde_json::json!({"type": "object", "properties": {"messageId": {"type": "string"}}}));
    /// assert!(def.output_schema.is_some());
    /// assert!(def.enforce_schema);
    /// ```
    #[must_use]
    pub fn with_output_schema(mut self, schema: impl Into<SchemaDef>) -> Self {
        let schema = name_schema(schema.into(), &self.name, "output");
        self.output_schema = Some(schema);
        self.enforce_schema = true;
        self
    }

    /// Sets `enforceSchema`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// // Keep the schema for documentation, but do not reject non-conforming input.
    /// let def = TaskDef::new("send_email")
    ///     .with_input_schema(serde_json::json!({"type": "object"}))
    ///     .with_enforce_schema(false);
    /// assert!(!def.enforce_schema);
    /// ```
    #[must_use]
    pub fn with_enforce_schema(mut self, enforce: bool) -> Self {
        self.enforce_schema = enforce;
        self
    }

    /// Sets `backoffScaleFactor`.
    ///
    /// ```
    /// use conductor_models::{RetryLogic, TaskDef};
    ///
    /// let def = TaskDef::new("charge_card")
    ///     .with_retry(3, RetryLogic::LinearBackoff, 5)
    ///     .with_backoff_scale_factor(2);
    /// assert_eq!(def.backoff_scale_factor, 2);
    /// ```
    #[must_use]
    pub fn with_backoff_scale_factor(mut self, factor: i32) -> Self {
        self.backoff_scale_factor = factor;
        self
    }

    /// Sets `maxRetryDelaySeconds` (server v3.30.0+).
    ///
    /// ```
    /// use conductor_models::{RetryLogic, TaskDef};
    ///
    /// let def = TaskDef::new("charge_card")
    ///     .with_retry(10, RetryLogic::ExponentialBackoff, 1)
    ///     .with_max_retry_delay(300);
    /// assert_eq!(def.max_retry_delay_seconds, 300);
    /// ```
    #[must_use]
    pub fn with_max_retry_delay(mut self, seconds: i32) -> Self {
        self.max_retry_delay_seconds = seconds;
        self
    }

    /// Sets `backoffJitterMs` (server v3.30.0+).
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("charge_card").with_backoff_jitter(250);
    /// assert_eq!(def.backoff_jitter_ms, 250);
    /// ```
    #[must_use]
    pub fn with_backoff_jitter(mut self, jitter_ms: i32) -> Self {
        self.backoff_jitter_ms = jitter_ms;
        self
    }

    /// Sets the documented input keys.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email").with_input_keys(["to", "subject", "body"]);
    /// assert_eq!(def.input_keys, ["to", "subject", "body"]);
    /// ```
    #[must_use]
    pub fn with_input_keys<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Self {
        self.input_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the documented output keys.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("send_email").with_output_keys(["messageId"]);
    /// assert_eq!(def.output_keys, ["messageId"]);
    /// ```
    #[must_use]
    pub fn with_output_keys<S: Into<String>>(mut self, keys: impl IntoIterator<Item = S>) -> Self {
        self.output_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `isolationGroupId`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("gpu_inference").with_isolation_group("gpu-pool");
    /// assert_eq!(def.isolation_group_id.as_deref(), Some("gpu-pool"));
    /// ```
    #[must_use]
    pub fn with_isolation_group(mut self, isolation_group_id: impl Into<String>) -> Self {
        self.isolation_group_id = Some(isolation_group_id.into());
        self
    }

    /// Sets `executionNameSpace`.
    ///
    /// ```
    /// use conductor_models::TaskDef;
    ///
    /// let def = TaskDef::new("gpu_inference").with_execution_namespace("ml");
    /// assert_eq!(def.execution_name_space.as_deref(), Some("ml"));
    /// ```
    #[must_use]
    pub fn with_execution_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.execution_name_space = Some(namespace.into());
        self
    }
}

/// Gives an unnamed schema (built from a bare JSON document) the name `{task}_{suffix}`.
fn name_schema(mut schema: SchemaDef, task_name: &str, suffix: &str) -> SchemaDef {
    if schema.name.is_empty() {
        schema.name = format!("{task_name}_{suffix}");
    }
    schema
}
