//! Small shared models: `RateLimitConfig`, `CacheConfig`, `IdempotencyStrategy`, `JoinMode`,
//! `ExternalStorageLocation` (with `PayloadOperation`, `PayloadType`), `HealthCheckStatus`,
//! `TokenUsage`, `DynamicForkJoinTask`.

use serde::{Deserialize, Serialize};

use crate::JsonMap;
use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// What the server does when a start request repeats an `idempotencyKey`.
    pub enum IdempotencyStrategy {
        /// Reject the request.
        Fail => "FAIL",
        /// Return the id of the existing execution.
        ReturnExisting => "RETURN_EXISTING",
        /// Reject only while the existing execution is running.
        FailOnRunning => "FAIL_ON_RUNNING",
    }
}

wire_enum! {
    /// How a `JOIN` evaluates its branches (server v3.22.3+).
    pub enum JoinMode {
        /// Evaluate synchronously, without backoff.
        Sync => "SYNC",
        /// Evaluate asynchronously (the default behaviour when unset).
        Async => "ASYNC",
    }
}

wire_enum! {
    /// What a workflow rate limit does with an execution over the limit (`RateLimitConfig.policy`).
    pub enum RateLimitPolicy {
        /// Queue it until capacity frees up.
        Queue => "QUEUE",
        /// Reject it.
        Reject => "REJECT",
    }
}

impl Default for RateLimitPolicy {
    /// `QUEUE`, the server's default.
    fn default() -> Self {
        RateLimitPolicy::Queue
    }
}

/// Workflow-level rate limit (`WorkflowDef.rateLimitConfig`).
///
/// ```
/// let config: conductor_models::RateLimitConfig = serde_json::from_str(
///     r#"{"rateLimitKey": "${workflow.input.customerId}", "concurrentExecLimit": 2}"#,
/// ).unwrap();
/// assert_eq!(config.concurrent_exec_limit, 2);
/// assert_eq!(config.policy, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimitConfig {
    /// Key the limit is counted by (may be an expression such as `${workflow.input.customerId}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_key: Option<String>,
    /// Maximum concurrent executions per key.
    #[serde(deserialize_with = "null_as_default")]
    pub concurrent_exec_limit: i32,
    /// What happens over the limit (default `QUEUE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<RateLimitPolicy>,
}

impl RateLimitConfig {
    /// A limit of `concurrent_exec_limit` executions per `rate_limit_key`.
    ///
    /// ```
    /// use conductor_models::RateLimitConfig;
    ///
    /// let config = RateLimitConfig::new("${workflow.input.customerId}", 2);
    /// let json = serde_json::to_value(&config)?;
    /// assert_eq!(json["rateLimitKey"], "${workflow.input.customerId}");
    /// assert_eq!(json["concurrentExecLimit"], 2);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(rate_limit_key: impl Into<String>, concurrent_exec_limit: i32) -> Self {
        RateLimitConfig {
            rate_limit_key: Some(rate_limit_key.into()),
            concurrent_exec_limit,
            policy: None,
        }
    }

    /// Sets the policy.
    ///
    /// ```
    /// use conductor_models::{RateLimitConfig, RateLimitPolicy};
    ///
    /// let config = RateLimitConfig::new("${workflow.input.customerId}", 2).with_policy(RateLimitPolicy::Reject);
    /// assert_eq!(config.policy, Some(RateLimitPolicy::Reject));
    /// ```
    #[must_use]
    pub fn with_policy(mut self, policy: RateLimitPolicy) -> Self {
        self.policy = Some(policy);
        self
    }
}

/// Output caching of a task or workflow (`cacheConfig`).
///
/// ```
/// let cache: conductor_models::CacheConfig =
///     serde_json::from_str(r#"{"key": "${workflow.input.id}", "ttlInSecond": 60}"#).unwrap();
/// assert_eq!(cache.ttl_in_second, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CacheConfig {
    /// Cache key (usually an expression over the input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Time to live in seconds. Wire name `ttlInSecond` (singular, as the server spells it).
    #[serde(rename = "ttlInSecond", deserialize_with = "null_as_default")]
    pub ttl_in_second: i32,
}

impl CacheConfig {
    /// Caches under `key` for `ttl_in_second` seconds.
    ///
    /// ```
    /// use conductor_models::CacheConfig;
    ///
    /// let cache = CacheConfig::new("fx-${workflow.input.currency}", 600);
    /// assert_eq!(serde_json::to_value(&cache)?["ttlInSecond"], 600);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(key: impl Into<String>, ttl_in_second: i32) -> Self {
        CacheConfig {
            key: Some(key.into()),
            ttl_in_second,
        }
    }
}

wire_enum! {
    /// Whether an external payload is read or written (the `operation` of
    /// `GET /…/externalstoragelocation`).
    ///
    /// ```
    /// use conductor_models::PayloadOperation;
    /// assert_eq!(PayloadOperation::Write.as_str(), "WRITE");
    /// ```
    pub enum PayloadOperation {
        /// Read a stored payload.
        Read => "READ",
        /// Write a payload to storage.
        Write => "WRITE",
    }
}

wire_enum! {
    /// Which payload an external storage location is for (the `payloadType` of
    /// `GET /…/externalstoragelocation`).
    ///
    /// ```
    /// use conductor_models::PayloadType;
    /// assert_eq!(PayloadType::WorkflowInput.as_str(), "WORKFLOW_INPUT");
    /// ```
    pub enum PayloadType {
        /// A workflow's input.
        WorkflowInput => "WORKFLOW_INPUT",
        /// A workflow's output.
        WorkflowOutput => "WORKFLOW_OUTPUT",
        /// A task's input.
        TaskInput => "TASK_INPUT",
        /// A task's output.
        TaskOutput => "TASK_OUTPUT",
    }
}

/// Where to read or write a large payload (`GET /workflow/externalstoragelocation`,
/// `GET /tasks/externalstoragelocation`).
///
/// ```
/// let location: conductor_models::ExternalStorageLocation =
///     serde_json::from_str(r#"{"path": "task/input/1.json"}"#).unwrap();
/// assert_eq!(location.path.as_deref(), Some("task/input/1.json"));
/// assert_eq!(location.uri, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ExternalStorageLocation {
    /// URI to upload to / download from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Path to put in `externalInputPayloadStoragePath`/`externalOutputPayloadStoragePath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One health indicator of [`HealthCheckStatus`].
///
/// ```
/// let health: conductor_models::Health =
///     serde_json::from_str(r#"{"details": {}, "healthy": false, "errorMessage": "db down"}"#).unwrap();
/// assert!(!health.healthy);
/// assert_eq!(health.error_message.as_deref(), Some("db down"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Health {
    /// Indicator details.
    #[serde(deserialize_with = "null_as_default")]
    pub details: JsonMap,
    /// Error message when unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Whether this indicator is healthy.
    #[serde(deserialize_with = "null_as_default")]
    pub healthy: bool,
}

/// Health of the server (`GET /health`).
///
/// ```
/// let status: conductor_models::HealthCheckStatus = serde_json::from_str(
///     r#"{"healthResults": [], "suppressedHealthResults": [], "healthy": true}"#,
/// ).unwrap();
/// assert!(status.healthy);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct HealthCheckStatus {
    /// Indicators that count.
    #[serde(deserialize_with = "null_as_default")]
    pub health_results: Vec<Health>,
    /// Indicators reported but ignored.
    #[serde(deserialize_with = "null_as_default")]
    pub suppressed_health_results: Vec<Health>,
    /// Overall health.
    #[serde(deserialize_with = "null_as_default")]
    pub healthy: bool,
}

/// LLM token usage of an agent execution (`Workflow.aggregateTokenUsage`, server v3.32.0+).
///
/// ```
/// let usage: conductor_models::TokenUsage = serde_json::from_str(
///     r#"{"promptTokens": 12, "completionTokens": 30, "totalTokens": 42}"#,
/// ).unwrap();
/// assert_eq!(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct TokenUsage {
    /// Prompt tokens.
    #[serde(deserialize_with = "null_as_default")]
    pub prompt_tokens: i64,
    /// Completion tokens.
    #[serde(deserialize_with = "null_as_default")]
    pub completion_tokens: i64,
    /// Total tokens.
    #[serde(deserialize_with = "null_as_default")]
    pub total_tokens: i64,
}

/// Legacy input form of a `FORK_JOIN_DYNAMIC` branch (`DynamicForkJoinTask`).
///
/// ```
/// let branch: conductor_models::DynamicForkJoinTask = serde_json::from_str(
///     r#"{"taskName": "resize", "referenceName": "resize_0", "input": {"width": 64}}"#,
/// ).unwrap();
/// assert_eq!(branch.reference_name.as_deref(), Some("resize_0"));
/// assert_eq!(branch.input["width"], 64);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct DynamicForkJoinTask {
    /// Task name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    /// Workflow name (for sub-workflow branches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    /// Reference name of the branch task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_name: Option<String>,
    /// Input of the branch task.
    #[serde(deserialize_with = "null_as_default")]
    pub input: JsonMap,
    /// Task type (default `"SIMPLE"`).
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub task_type: String,
}

impl Default for DynamicForkJoinTask {
    fn default() -> Self {
        DynamicForkJoinTask {
            task_name: None,
            workflow_name: None,
            reference_name: None,
            input: JsonMap::new(),
            task_type: "SIMPLE".to_owned(),
        }
    }
}

/// A list of [`DynamicForkJoinTask`]s (`DynamicForkJoinTaskList`).
///
/// ```
/// let list: conductor_models::DynamicForkJoinTaskList = serde_json::from_str(
///     r#"{"dynamicTasks": [{"taskName": "resize", "referenceName": "resize_0", "input": {}}]}"#,
/// ).unwrap();
/// assert_eq!(list.dynamic_tasks.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct DynamicForkJoinTaskList {
    /// The branches.
    #[serde(deserialize_with = "null_as_default")]
    pub dynamic_tasks: Vec<DynamicForkJoinTask>,
}

/// When a task queue was last polled, and by whom (`GET /tasks/queue/polldata`).
///
/// ```
/// let polls: Vec<conductor_models::PollData> = serde_json::from_str(
///     r#"[{"queueName": "greet", "workerId": "host-42", "lastPollTime": 1700000000000}]"#,
/// ).unwrap();
/// assert_eq!(polls[0].queue_name, "greet");
/// assert_eq!(polls[0].domain, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct PollData {
    /// Queue (task type) name.
    #[serde(deserialize_with = "null_as_default")]
    pub queue_name: String,
    /// Domain polled, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Id of the last worker that polled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// Time of the last poll (epoch ms).
    #[serde(deserialize_with = "null_as_default")]
    pub last_poll_time: i64,
}
