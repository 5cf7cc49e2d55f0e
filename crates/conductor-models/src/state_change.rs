//! Task state-change events: `StateChangeEventType`, `StateChangeEvent`, `StateChangeConfig`
//! (`WorkflowTask.onStateChange`).
//!
//! Wire shape (server `WorkflowTask.onStateChange`): `map<string, StateChangeEvent[]>`, where the key
//! is the trigger (`onScheduled`, `onStart`, `onFailed`, `onSuccess`, `onCancelled`; the Orkes server
//! also accepts a comma-joined list such as `"onStart,onSuccess"`) and each event is
//! `{"type": string, "payload": object}`. The Python SDK's `{type, events}` wrapper does not match the
//! server and is not copied.
//!
//! Key spellings were checked against the Python SDK's `StateChangeEventType`
//! (`src/conductor/client/adapters/models/state_change_event_adapter.py`: `onScheduled`, `onStart`,
//! `onFailed`, `onSuccess`, `onCancelled`; several types are joined with `,`) and the server's e2e
//! definition `e2e/src/test/resources/metadata/e2e_on_state_change_tests.json` (key
//! `"onSuccess,onFailed,onScheduled,onCancelled,onStart"`). The seed's `OnCompleted` has no server
//! spelling of its own and maps to `onSuccess`.
//!
//! The seed's builder API (`StateChangeConfig::new().with_event(StateChangeEvent::new(OnStart)...)`)
//! is mapped onto that shape: each [`StateChangeEvent`] remembers its triggers in
//! [`StateChangeEvent::triggers`] (not serialised: on the wire the triggers are the map key, joined
//! with `,`), and [`StateChangeConfig`] groups the events by key when it is attached to a task.
//! Deserialising a `WorkflowTask` fills `triggers` from the key (split on `,`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::JsonMap;
use crate::serde_util::null_as_default;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// When a [`StateChangeEvent`] fires: the key of `WorkflowTask.onStateChange`.
    ///
    /// Spellings follow the Orkes server and the Python SDK's `StateChangeEventType`. The seed's
    /// `OnCompleted` is provided as an alias of [`StateChangeEventType::OnSuccess`] (the server has no
    /// separate "completed" trigger).
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnFailed);
    /// assert_eq!(event.wire_key(), "onFailed");
    /// ```
    pub enum StateChangeEventType {
        /// The task was scheduled.
        OnScheduled => "onScheduled",
        /// The task started running.
        OnStart => "onStart",
        /// The task failed.
        OnFailed => "onFailed",
        /// The task completed successfully.
        OnSuccess => "onSuccess",
        /// The task was cancelled.
        OnCancelled => "onCancelled",
    }
}

#[allow(non_upper_case_globals)]
impl StateChangeEventType {
    /// The seed's name for [`StateChangeEventType::OnSuccess`] (wire `onSuccess`).
    ///
    /// ```
    /// use conductor_models::StateChangeEventType;
    ///
    /// assert_eq!(StateChangeEventType::OnCompleted, StateChangeEventType::OnSuccess);
    /// assert_eq!(StateChangeEventType::OnCompleted.as_str(), "onSuccess");
    /// ```
    pub const OnCompleted: StateChangeEventType = StateChangeEventType::OnSuccess;
}

/// One event published on a task state change: `{"type": ..., "payload": {...}}` on the wire.
///
/// `type` is the event's destination/kind as the server's event system understands it (for example a
/// queue such as `"task:audit"` or `"kafka:topic"`); `payload` is evaluated like task input
/// (`${task.taskDefName}`, `${workflow.workflowType}`...).
///
/// ```
/// use conductor_models::{StateChangeEvent, StateChangeEventType};
/// use serde_json::json;
/// let event = StateChangeEvent::new(StateChangeEventType::OnStart)
///     .with_type("task:audit")
///     .with_payload(json!({"task": "${task.taskDefName}"}));
/// assert_eq!(
///     serde_json::to_value(&event).unwrap(),
///     json!({"type": "task:audit", "payload": {"task": "${task.taskDefName}"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct StateChangeEvent {
    /// When the event fires. Not serialised (on the wire the triggers, joined with `,`, are the
    /// `onStateChange` key); filled from the key when a `WorkflowTask` is deserialised.
    #[serde(skip)]
    pub triggers: Vec<StateChangeEventType>,
    /// The event type/destination. Wire name `type`.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub event_type: String,
    /// The payload to publish.
    #[serde(deserialize_with = "null_as_default")]
    pub payload: JsonMap,
}

impl StateChangeEvent {
    /// An event fired on `trigger` (add more with [`StateChangeEvent::with_trigger`]), with an empty
    /// type and payload.
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnStart).with_type("audit");
    /// assert_eq!(event.wire_key(), "onStart");
    /// ```
    pub fn new(trigger: StateChangeEventType) -> Self {
        StateChangeEvent {
            triggers: vec![trigger],
            ..StateChangeEvent::default()
        }
    }

    /// Also fires the event on `trigger` (the wire key becomes e.g. `"onStart,onFailed"`).
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnStart).with_trigger(StateChangeEventType::OnFailed);
    /// assert_eq!(event.wire_key(), "onStart,onFailed");
    /// ```
    #[must_use]
    pub fn with_trigger(mut self, trigger: StateChangeEventType) -> Self {
        if !self.triggers.contains(&trigger) {
            self.triggers.push(trigger);
        }
        self
    }

    /// The `onStateChange` key of this event: its triggers joined with `,`.
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnScheduled)
    ///     .with_trigger(StateChangeEventType::OnCancelled);
    /// assert_eq!(event.wire_key(), "onScheduled,onCancelled");
    /// ```
    pub fn wire_key(&self) -> String {
        self.triggers
            .iter()
            .map(StateChangeEventType::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Sets the event type (wire `type`).
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnFailed).with_type("alerts");
    /// assert_eq!(serde_json::to_value(&event)?["type"], "alerts");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = event_type.into();
        self
    }

    /// Sets the payload. A JSON object becomes the payload; any other value is stored under the key
    /// `"value"` (the server's payload is an object).
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnFailed)
    ///     .with_payload(serde_json::json!({"taskId": "${charge_ref.taskId}"}));
    /// assert_eq!(serde_json::to_value(&event)?["payload"]["taskId"], "${charge_ref.taskId}");
    /// // A non-object payload is kept under "value".
    /// let event = StateChangeEvent::new(StateChangeEventType::OnFailed).with_payload("down");
    /// assert_eq!(serde_json::to_value(&event)?["payload"]["value"], "down");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_payload(mut self, payload: impl Into<serde_json::Value>) -> Self {
        self.payload = match payload.into() {
            serde_json::Value::Object(map) => map,
            other => {
                let mut map = JsonMap::new();
                map.insert("value".to_owned(), other);
                map
            }
        };
        self
    }

    /// Adds one payload entry.
    ///
    /// ```
    /// use conductor_models::{StateChangeEvent, StateChangeEventType};
    ///
    /// let event = StateChangeEvent::new(StateChangeEventType::OnSuccess)
    ///     .with_payload_value("orderId", "${workflow.input.orderId}");
    /// assert_eq!(serde_json::to_value(&event)?["payload"]["orderId"], "${workflow.input.orderId}");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_payload_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.payload.insert(key.into(), value.into());
        self
    }
}

/// A set of [`StateChangeEvent`]s to attach to a task with
/// [`WorkflowTask::with_state_change`](crate::WorkflowTask::with_state_change).
///
/// It serialises to the wire form of `WorkflowTask.onStateChange`: the events grouped by their
/// trigger key ([`StateChangeEvent::wire_key`]), keys in the order of their first event, events
/// without a trigger left out. Deserialising sets each event's triggers from its key, so a JSON
/// round trip gives the same JSON back, and a configuration whose events are already grouped
/// that way gives the same configuration back.
///
/// ```
/// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType, WorkflowTask};
/// use serde_json::json;
/// let task = WorkflowTask::simple("process_order", "process_ref").with_state_change(
///     StateChangeConfig::new()
///         .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_type("task:audit"))
///         .with_event(StateChangeEvent::new(StateChangeEventType::OnCompleted).with_type("task:audit")),
/// );
/// let json = serde_json::to_value(&task).unwrap();
/// assert_eq!(json["onStateChange"]["onStart"], json!([{"type": "task:audit", "payload": {}}]));
/// assert_eq!(json["onStateChange"]["onSuccess"], json!([{"type": "task:audit", "payload": {}}]));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateChangeConfig {
    /// The events, in the order they were added.
    pub events: Vec<StateChangeEvent>,
}

impl StateChangeConfig {
    /// An empty configuration.
    ///
    /// ```
    /// use conductor_models::StateChangeConfig;
    ///
    /// assert!(StateChangeConfig::new().into_wire().is_empty());
    /// ```
    pub fn new() -> Self {
        StateChangeConfig::default()
    }

    /// Adds an event. Build it with [`StateChangeEvent::new`]: an event without a trigger has no key
    /// on the wire and is left out by [`StateChangeConfig::into_wire`].
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType};
    ///
    /// let config = StateChangeConfig::new()
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_type("audit"))
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_type("metrics"));
    /// assert_eq!(config.into_wire()["onStart"].len(), 2);
    /// ```
    #[must_use]
    pub fn with_event(mut self, event: StateChangeEvent) -> Self {
        self.events.push(event);
        self
    }

    /// The wire map (`onStateChange`): events grouped by [`StateChangeEvent::wire_key`], in insertion
    /// order within a key. Events without a trigger are skipped (they have no key on the wire).
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType};
    ///
    /// let wire = StateChangeConfig::new()
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnFailed).with_type("alerts"))
    ///     .into_wire();
    /// assert_eq!(wire.keys().collect::<Vec<_>>(), ["onFailed"]);
    /// ```
    pub fn into_wire(self) -> BTreeMap<String, Vec<StateChangeEvent>> {
        let mut map: BTreeMap<String, Vec<StateChangeEvent>> = BTreeMap::new();
        for event in self.events {
            if !event.triggers.is_empty() {
                map.entry(event.wire_key()).or_default().push(event);
            }
        }
        map
    }

    /// Rebuilds a configuration from the wire map, setting each event's triggers from its key.
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType};
    ///
    /// let config = StateChangeConfig::new()
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_trigger(StateChangeEventType::OnFailed));
    /// let wire = config.clone().into_wire();
    /// assert_eq!(StateChangeConfig::from_wire(&wire).into_wire(), wire); // round trip
    /// ```
    pub fn from_wire(map: &BTreeMap<String, Vec<StateChangeEvent>>) -> Self {
        let events = map
            .iter()
            .flat_map(|(key, events)| {
                events.iter().cloned().map(move |mut event| {
                    event.triggers = parse_key(key);
                    event
                })
            })
            .collect();
        StateChangeConfig { events }
    }
}

impl StateChangeConfig {
    /// The events grouped by wire key, keys in the order of their first event; events without a
    /// trigger are left out.
    fn groups(&self) -> Vec<(String, Vec<&StateChangeEvent>)> {
        let mut groups: Vec<(String, Vec<&StateChangeEvent>)> = Vec::new();
        for event in self
            .events
            .iter()
            .filter(|event| !event.triggers.is_empty())
        {
            let key = event.wire_key();
            match groups.iter_mut().find(|(existing, _)| *existing == key) {
                Some((_, events)) => events.push(event),
                None => groups.push((key, vec![event])),
            }
        }
        groups
    }
}

impl Serialize for StateChangeConfig {
    /// The `onStateChange` map (see [`StateChangeConfig`]).
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEvent, StateChangeEventType};
    /// use serde_json::json;
    ///
    /// let config = StateChangeConfig::new()
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnStart).with_type("audit"))
    ///     .with_event(StateChangeEvent::new(StateChangeEventType::OnFailed).with_type("alerts"));
    /// assert_eq!(
    ///     serde_json::to_value(&config)?,
    ///     json!({"onStart": [{"type": "audit", "payload": {}}],
    ///            "onFailed": [{"type": "alerts", "payload": {}}]})
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let groups = self.groups();
        let mut map = serializer.serialize_map(Some(groups.len()))?;
        for (key, events) in &groups {
            map.serialize_entry(key, events)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for StateChangeConfig {
    /// The `onStateChange` map (`null`: no events), each event's triggers set from its key.
    ///
    /// ```
    /// use conductor_models::{StateChangeConfig, StateChangeEventType};
    ///
    /// let config: StateChangeConfig = serde_json::from_value(serde_json::json!({
    ///     "onStart,onFailed": [{"type": "audit", "payload": {"id": "${task.taskId}"}}]
    /// }))?;
    /// assert_eq!(
    ///     config.events[0].triggers,
    ///     [StateChangeEventType::OnStart, StateChangeEventType::OnFailed]
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ConfigVisitor;

        impl<'de> Visitor<'de> for ConfigVisitor {
            type Value = StateChangeConfig;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of trigger → event list")
            }

            fn visit_none<E: de::Error>(self) -> Result<StateChangeConfig, E> {
                Ok(StateChangeConfig::default())
            }

            fn visit_unit<E: de::Error>(self) -> Result<StateChangeConfig, E> {
                Ok(StateChangeConfig::default())
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<StateChangeConfig, D::Error> {
                deserializer.deserialize_map(ConfigVisitor)
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StateChangeConfig, A::Error> {
                let mut events = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let triggers = parse_key(&key);
                    let group: Option<Vec<StateChangeEvent>> = map.next_value()?;
                    events.extend(group.unwrap_or_default().into_iter().map(|mut event| {
                        event.triggers.clone_from(&triggers);
                        event
                    }));
                }
                Ok(StateChangeConfig { events })
            }
        }

        deserializer.deserialize_option(ConfigVisitor)
    }
}

/// Splits an `onStateChange` key (`"onStart"` or `"onStart,onFailed"`) into triggers.
fn parse_key(key: &str) -> Vec<StateChangeEventType> {
    key.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(StateChangeEventType::from_wire)
        .collect()
}

/// Deserialises `onStateChange`, filling each event's `triggers` from its key (`null` → empty map).
pub(crate) fn deserialize_on_state_change<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<StateChangeEvent>>, D::Error> {
    let mut map: BTreeMap<String, Vec<StateChangeEvent>> = null_as_default(deserializer)?;
    for (key, events) in &mut map {
        for event in events {
            event.triggers = parse_key(key);
        }
    }
    Ok(map)
}
