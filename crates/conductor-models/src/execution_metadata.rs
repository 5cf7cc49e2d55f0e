//! `ExecutionMetadata`: timing and context metadata the server attaches to tasks and task results.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::JsonMap;
use crate::absent_keys::{AbsentKeys, in_execution};

/// Operational timing metadata of a task execution (server v3.21.19+).
///
/// The server always emits it on a [`Task`](crate::Task), in the empty form
/// `{"additionalContext":{},"empty":true,"additionalContextMap":{}}` when unused. `empty`,
/// `executionDuration` and `additionalContextMap` are *derived* by the server's getters, so this type
/// computes them when serialising (and ignores them when deserialising, except that
/// `additionalContextMap` is accepted as an alias of `additionalContext`). Properties this SDK does
/// not know (a newer server's) are kept in [`extra`](ExecutionMetadata::extra) and written back.
///
/// Read as part of a task or workflow, it also keeps its shape: the derived properties it came
/// without stay out ([`AbsentKeys`]).
///
/// ```
/// use conductor_models::ExecutionMetadata;
///
/// let metadata = ExecutionMetadata {
///     execution_start_time: Some(1_000),
///     execution_end_time: Some(1_250),
///     ..ExecutionMetadata::default()
/// };
/// let json = serde_json::to_value(&metadata).unwrap();
/// assert_eq!(json["executionDuration"], 250);
/// assert_eq!(json["empty"], false);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionMetadata {
    /// When the server sent the task to the worker (epoch ms).
    pub server_send_time: Option<i64>,
    /// When the worker received the task (epoch ms).
    pub client_receive_time: Option<i64>,
    /// When the worker started executing (epoch ms).
    pub execution_start_time: Option<i64>,
    /// When the worker finished executing (epoch ms).
    pub execution_end_time: Option<i64>,
    /// When the worker sent the result (epoch ms).
    pub client_send_time: Option<i64>,
    /// Network latency of the poll (ms).
    pub poll_network_latency: Option<i64>,
    /// Network latency of the update (ms).
    pub update_network_latency: Option<i64>,
    /// Free-form additional context (wire `additionalContext` and `additionalContextMap`).
    pub additional_context: JsonMap,
    /// Properties this SDK does not model, kept as read and written back.
    ///
    /// ```
    /// use conductor_models::ExecutionMetadata;
    ///
    /// let json = serde_json::json!({"executionStartTime": 1, "queueShard": "eu-1"});
    /// let metadata: ExecutionMetadata = serde_json::from_value(json)?;
    /// assert_eq!(metadata.extra["queueShard"], "eu-1");
    /// assert_eq!(serde_json::to_value(&metadata)?["queueShard"], "eu-1");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub extra: JsonMap,
    /// The derived properties (`additionalContext`, `additionalContextMap`, `empty`,
    /// `executionDuration`) it lacked when read as part of a task or workflow; they stay out when
    /// it is serialised. Empty when built in code or read on its own. Ignored by `==`.
    pub absent_keys: AbsentKeys,
}

impl ExecutionMetadata {
    /// `executionEndTime - executionStartTime`, when both are set (the server's derived
    /// `executionDuration`).
    ///
    /// ```
    /// use conductor_models::ExecutionMetadata;
    ///
    /// let metadata = ExecutionMetadata {
    ///     execution_start_time: Some(1_000),
    ///     execution_end_time: Some(1_250),
    ///     ..ExecutionMetadata::default()
    /// };
    /// assert_eq!(metadata.execution_duration(), Some(250));
    /// assert_eq!(ExecutionMetadata::default().execution_duration(), None);
    /// ```
    pub fn execution_duration(&self) -> Option<i64> {
        match (self.execution_start_time, self.execution_end_time) {
            (Some(start), Some(end)) => Some(end.saturating_sub(start)),
            _ => None,
        }
    }

    /// `true` when no timing is set and the additional context is empty (the server's derived `empty`).
    ///
    /// ```
    /// use conductor_models::ExecutionMetadata;
    ///
    /// assert!(ExecutionMetadata::default().is_empty());
    /// let metadata = ExecutionMetadata { execution_start_time: Some(1_000), ..ExecutionMetadata::default() };
    /// assert!(!metadata.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.server_send_time.is_none()
            && self.client_receive_time.is_none()
            && self.execution_start_time.is_none()
            && self.execution_end_time.is_none()
            && self.client_send_time.is_none()
            && self.poll_network_latency.is_none()
            && self.update_network_latency.is_none()
            && self.additional_context.is_empty()
    }
}

/// The derived (or duplicated) wire properties, which a value read inside an execution may lack.
const DERIVED_KEYS: [&str; 4] = [
    "executionDuration",
    "additionalContext",
    "additionalContextMap",
    "empty",
];

/// The wire form, with the derived properties the server emits.
#[derive(Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
struct ExecutionMetadataWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    server_send_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_receive_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_start_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_end_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_send_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    poll_network_latency: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_network_latency: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_context: Option<JsonMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_context_map: Option<JsonMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    empty: Option<bool>,
    #[serde(flatten)]
    extra: JsonMap,
}

impl Serialize for ExecutionMetadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let keep = |key: &str| !self.absent_keys.contains(key);
        let context = &self.additional_context;
        // Context written since it was read without either key: both, as the server writes it.
        let both_absent = !keep("additionalContext") && !keep("additionalContextMap");
        let write_context = |key: &str| keep(key) || (both_absent && !context.is_empty());
        ExecutionMetadataWire {
            server_send_time: self.server_send_time,
            client_receive_time: self.client_receive_time,
            execution_start_time: self.execution_start_time,
            execution_end_time: self.execution_end_time,
            client_send_time: self.client_send_time,
            poll_network_latency: self.poll_network_latency,
            update_network_latency: self.update_network_latency,
            execution_duration: self
                .execution_duration()
                .filter(|_| keep("executionDuration")),
            additional_context: write_context("additionalContext").then(|| context.clone()),
            additional_context_map: write_context("additionalContextMap").then(|| context.clone()),
            empty: keep("empty").then(|| self.is_empty()),
            extra: self.extra.clone(),
        }
        .serialize(serializer)
    }
}

/// The wire form's schema, under the public name.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ExecutionMetadata {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ExecutionMetadata".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ExecutionMetadataWire::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for ExecutionMetadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ExecutionMetadataWire::deserialize(deserializer)?;
        let absent_keys = if in_execution() {
            let present = [
                wire.execution_duration.is_some(),
                wire.additional_context.is_some(),
                wire.additional_context_map.is_some(),
                wire.empty.is_some(),
            ];
            AbsentKeys::from_keys(
                DERIVED_KEYS
                    .into_iter()
                    .zip(present)
                    .filter_map(|(key, present)| (!present).then_some(key))
                    .collect(),
            )
        } else {
            AbsentKeys::default()
        };
        // The server reads `additionalContextMap` (its only setter); older/other writers send
        // `additionalContext`. Prefer whichever carries data.
        let additional_context = match (wire.additional_context, wire.additional_context_map) {
            (Some(ctx), _) if !ctx.is_empty() => ctx,
            (_, Some(map)) => map,
            (Some(ctx), None) => ctx,
            (None, None) => JsonMap::new(),
        };
        Ok(ExecutionMetadata {
            server_send_time: wire.server_send_time,
            client_receive_time: wire.client_receive_time,
            execution_start_time: wire.execution_start_time,
            execution_end_time: wire.execution_end_time,
            client_send_time: wire.client_send_time,
            poll_network_latency: wire.poll_network_latency,
            update_network_latency: wire.update_network_latency,
            additional_context,
            extra: wire.extra,
            absent_keys,
        })
    }
}
