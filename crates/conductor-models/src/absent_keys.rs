//! Round trips that add no keys: [`AbsentKeys`] remembers which properties a deserialised object
//! lacked, and serialising it leaves them out again.
//!
//! The models serialise like the server's Java classes: a property holding its default value is
//! still written (`"seq": 0`, `"decisionCases": {}`), as conductor-oss writes every primitive and
//! initialised collection. That is right for values built in code, but a value *read* from JSON
//! would gain keys on its way back out: a task from conductor-oss 3.21 (which has no
//! `executionMetadata`, no `TaskDef.maxRetryDelaySeconds`...) or a hand-written partial object.
//! So these types keep the shape they were read with:
//!
//! - [`Task`](crate::Task), [`Workflow`](crate::Workflow) and [`TaskResult`](crate::TaskResult),
//!   always;
//! - [`WorkflowDef`](crate::WorkflowDef), [`WorkflowTask`](crate::WorkflowTask),
//!   [`TaskDef`](crate::TaskDef) and [`ExecutionMetadata`](crate::ExecutionMetadata) when they are
//!   read as part of a task or a workflow. Read on their own they serialise in full, like the Java
//!   model: a definition is something one sends, and the embedded server answers with every
//!   property of the definitions it stored, as conductor-oss does.
//!
//! A key that was absent is written again as soon as its value differs from the type's default.
//! The `executionMetadata` of a `TaskResult` is written in full (the server writes its derived
//! `executionDuration`, `additionalContextMap` and `empty`): the embedded server stores it on the
//! task and must answer with the server's form.
//!
//! Mechanics: each of those types derives its serde code with `#[serde(remote = "Self")]` (which
//! also makes the derived code callable as the inherent `Type::serialize` / `Type::deserialize`:
//! use the trait methods, `serde_json::to_value` and friends) and wraps it (`KeepsShape`):
//! deserialisation passes through `Recording`, which notes the keys it reads; serialisation first
//! runs a `Probe` that finds the absent keys whose value is still the default, then writes through
//! `Skipping`, which leaves those out (with an exact field count). Nothing is buffered, so errors
//! keep their line, column and path.

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Impossible, SerializeStruct, Serializer};

use crate::JsonMap;

/// The keys a value lacked when it was deserialised; they are left out again when it is
/// serialised, as long as their value is still the default. See the [module](self) docs for which
/// types record them.
///
/// Empty for values built in code, which serialise in full. It describes where a value came from,
/// not what it is: two `AbsentKeys` always compare equal, so `==` on the models compares values
/// only.
///
/// ```
/// use conductor_models::Task;
///
/// // A task from an older server: no `executionMetadata`, and a hand-trimmed one: no `seq`.
/// let json = serde_json::json!({"taskId": "t-1", "taskType": "greet", "status": "COMPLETED"});
/// let task: Task = serde_json::from_value(json.clone())?;
/// assert!(task.absent_keys.contains("executionMetadata"));
/// assert_eq!(serde_json::to_value(&task)?, json); // nothing added
///
/// // Built in code: every property, like the server writes it.
/// assert_eq!(serde_json::to_value(Task::default())?["seq"], 0);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct AbsentKeys {
    keys: Vec<&'static str>,
}

impl AbsentKeys {
    /// `true` when nothing was absent (always, for values built in code).
    ///
    /// ```
    /// assert!(conductor_models::Task::default().absent_keys.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many keys were absent.
    ///
    /// ```
    /// let task: conductor_models::TaskResult =
    ///     serde_json::from_value(serde_json::json!({"taskId": "t-1", "workflowInstanceId": "wf-1"}))?;
    /// assert!(task.absent_keys.len() > 3); // status, outputData, logs...
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the wire key `key` (`"executionMetadata"`, not `execution_metadata`) was absent.
    ///
    /// ```
    /// let task: conductor_models::Task = serde_json::from_value(serde_json::json!({"taskId": "t-1"}))?;
    /// assert!(task.absent_keys.contains("seq"));
    /// assert!(!task.absent_keys.contains("taskId"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }

    /// The absent wire keys, in the type's field order. Only keys the type writes when unset are
    /// recorded: an absent optional property (`reasonForIncompletion`...) is left out anyway.
    ///
    /// ```
    /// let result: conductor_models::TaskResult = serde_json::from_value(serde_json::json!({
    ///     "taskId": "t-1", "workflowInstanceId": "wf-1", "status": "COMPLETED"
    /// }))?;
    /// let absent: Vec<&str> = result.absent_keys.iter().collect();
    /// assert!(absent.contains(&"outputData") && absent.contains(&"logs"));
    /// assert!(!absent.contains(&"status"));
    /// assert!(!absent.contains(&"reasonForIncompletion")); // optional: not written when unset
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.keys.iter().copied()
    }

    /// Forgets the absent keys: the value then serialises in full, like one built in code.
    ///
    /// ```
    /// let mut task: conductor_models::Task = serde_json::from_value(serde_json::json!({"taskId": "t-1"}))?;
    /// task.absent_keys.clear();
    /// assert_eq!(serde_json::to_value(&task)?["seq"], 0);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.keys.clear();
    }

    /// The absent keys `keys` (for the hand-written serde code of `ExecutionMetadata`).
    pub(crate) fn from_keys(keys: Vec<&'static str>) -> Self {
        AbsentKeys { keys }
    }
}

impl PartialEq for AbsentKeys {
    /// Always `true`: absent keys record where a value came from, not what it is.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for AbsentKeys {}

impl fmt::Debug for AbsentKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AbsentKeys").field(&self.keys).finish()
    }
}

thread_local! {
    /// Set while a `Task` or a `Workflow` is being deserialised on this thread.
    static IN_EXECUTION: Cell<bool> = const { Cell::new(false) };
}

/// Whether the value being deserialised is part of a task or a workflow.
pub(crate) fn in_execution() -> bool {
    IN_EXECUTION.with(Cell::get)
}

/// Marks the thread as deserialising an execution until dropped (then restores the previous state,
/// also on error or panic).
struct ExecutionScope {
    previous: bool,
}

impl ExecutionScope {
    fn enter() -> Self {
        ExecutionScope {
            previous: IN_EXECUTION.with(|flag| flag.replace(true)),
        }
    }
}

impl Drop for ExecutionScope {
    fn drop(&mut self) {
        IN_EXECUTION.with(|flag| flag.set(self.previous));
    }
}

/// When a [`KeepsShape`] type records its absent keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// Always, and it makes the definitions read inside it record theirs (`Task`, `Workflow`).
    Execution,
    /// Always (`TaskResult`).
    Always,
    /// Only when read inside a `Task` or a `Workflow` (the definitions).
    InExecution,
}

/// A model whose serde code keeps the shape it was read with. Implement it with
/// [`keeps_shape!`](crate::absent_keys::keeps_shape) on a struct that derives `Serialize` and
/// `Deserialize` with `#[serde(remote = "Self")]` and has a `#[serde(skip)] absent_keys` field.
pub(crate) trait KeepsShape: Default + Sized {
    /// When the type records absent keys.
    const TRACKING: Tracking;

    /// The keys this value lacked when deserialised.
    fn absent_keys(&self) -> &AbsentKeys;

    /// Sets the absent keys.
    fn set_absent_keys(&mut self, keys: AbsentKeys);

    /// The derived serialisation.
    fn serialize_fields<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// The derived deserialisation.
    fn deserialize_fields<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// `Self::default()` as JSON, computed once.
    fn defaults() -> &'static JsonMap;
}

/// Implements [`KeepsShape`], `Serialize` and `Deserialize` for a model (see [`KeepsShape`]).
macro_rules! keeps_shape {
    ($model:ident, $tracking:ident) => {
        impl $crate::absent_keys::KeepsShape for $model {
            const TRACKING: $crate::absent_keys::Tracking =
                $crate::absent_keys::Tracking::$tracking;

            fn absent_keys(&self) -> &$crate::absent_keys::AbsentKeys {
                &self.absent_keys
            }

            fn set_absent_keys(&mut self, keys: $crate::absent_keys::AbsentKeys) {
                self.absent_keys = keys;
            }

            fn serialize_fields<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                // The inherent function generated by `#[serde(remote = "Self")]`.
                $model::serialize(self, serializer)
            }

            fn deserialize_fields<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                // The inherent function generated by `#[serde(remote = "Self")]`.
                $model::deserialize(deserializer)
            }

            fn defaults() -> &'static $crate::JsonMap {
                static DEFAULTS: ::std::sync::OnceLock<$crate::JsonMap> =
                    ::std::sync::OnceLock::new();
                $crate::absent_keys::defaults_of::<$model>(&DEFAULTS)
            }
        }

        impl ::serde::Serialize for $model {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::absent_keys::serialize(self, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $model {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::absent_keys::deserialize(deserializer)
            }
        }
    };
}
pub(crate) use keeps_shape;

/// `T::default()` as a JSON object, cached in `cell`.
pub(crate) fn defaults_of<T: KeepsShape>(cell: &'static OnceLock<JsonMap>) -> &'static JsonMap {
    cell.get_or_init(|| {
        let mut out = serde_json::Value::Null;
        // Built in code, so no absent keys: the derived form, in full.
        if let Ok(value) = T::default().serialize_fields(serde_json::value::Serializer) {
            out = value;
        }
        match out {
            serde_json::Value::Object(map) => map,
            _ => JsonMap::new(),
        }
    })
}

/// Serialises `value`, leaving out the absent keys whose value is still the default.
pub(crate) fn serialize<T: KeepsShape, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let absent = value.absent_keys();
    if absent.is_empty() {
        return value.serialize_fields(serializer);
    }
    let mut probe = Probe {
        absent,
        defaults: T::defaults(),
        skip: Vec::new(),
    };
    value
        .serialize_fields(&mut probe)
        .map_err(<S::Error as ser::Error>::custom)?;
    if probe.skip.is_empty() {
        return value.serialize_fields(serializer);
    }
    value.serialize_fields(Skipping {
        inner: serializer,
        skip: &probe.skip,
    })
}

/// Deserialises a `T`, recording its absent keys when `T::TRACKING` says so.
pub(crate) fn deserialize<'de, T: KeepsShape, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let record = match T::TRACKING {
        Tracking::Execution | Tracking::Always => true,
        Tracking::InExecution => in_execution(),
    };
    let _scope = (T::TRACKING == Tracking::Execution).then(ExecutionScope::enter);
    if !record {
        return T::deserialize_fields(deserializer);
    }
    let seen = Seen::default();
    let mut value = T::deserialize_fields(Recording {
        inner: deserializer,
        seen: &seen,
    })?;
    // Only keys a value built in code would write matter (an unset optional property is left out
    // anyway).
    let defaults = T::defaults();
    let mut absent = seen.absent();
    absent.keys.retain(|key| defaults.contains_key(*key));
    value.set_absent_keys(absent);
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// Deserialisation: note the keys of the struct being read.

/// The keys seen while one struct is deserialised.
#[derive(Default)]
struct Seen {
    /// The struct's field names (serde's `FIELDS`); empty until `deserialize_struct` is called.
    fields: Cell<&'static [&'static str]>,
    /// Bit `i` set: `fields[i]` was read (fields past the 128th always count as read).
    present: Cell<u128>,
    /// The struct came as a sequence: every field was there.
    all: Cell<bool>,
}

impl Seen {
    fn record_index(&self, index: usize) {
        if index < 128 {
            self.present.set(self.present.get() | (1 << index));
        }
    }

    fn record(&self, key: &str) {
        if let Some(index) = self.fields.get().iter().position(|field| *field == key) {
            self.record_index(index);
        }
    }

    fn absent(&self) -> AbsentKeys {
        if self.all.get() {
            return AbsentKeys::default();
        }
        let present = self.present.get();
        let keys = self
            .fields
            .get()
            .iter()
            .enumerate()
            .filter(|(index, _)| *index < 128 && present & (1 << index) == 0)
            .map(|(_, field)| *field)
            .collect();
        AbsentKeys { keys }
    }
}

/// Wraps the deserializer handed to a derived struct impl: notes the struct's keys.
struct Recording<'a, D> {
    inner: D,
    seen: &'a Seen,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Recording<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.seen.fields.set(fields);
        self.inner.deserialize_struct(
            name,
            fields,
            RecordingVisitor {
                inner: visitor,
                seen: self.seen,
            },
        )
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Wraps the derived struct visitor: hands it a map that notes its keys.
struct RecordingVisitor<'a, V> {
    inner: V,
    seen: &'a Seen,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for RecordingVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(RecordingMap {
            inner: map,
            seen: self.seen,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.seen.all.set(true);
        self.inner.visit_seq(seq)
    }
}

/// A map whose keys are noted as they are read.
struct RecordingMap<'a, A> {
    inner: A,
    seen: &'a Seen,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for RecordingMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(RecordingKey {
            inner: seed,
            seen: self.seen,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The seed of one key: reads it through a [`KeyRecorder`].
struct RecordingKey<'a, K> {
    inner: K,
    seen: &'a Seen,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for RecordingKey<'_, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K::Value, D::Error> {
        self.inner.deserialize(KeyRecorder {
            inner: deserializer,
            seen: self.seen,
        })
    }
}

/// The deserializer of one key: passes the key's text (or index) to the field visitor and notes it.
struct KeyRecorder<'a, D> {
    inner: D,
    seen: &'a Seen,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyRecorder<'_, D> {
    type Error = D::Error;

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_identifier(KeyVisitor {
            inner: visitor,
            seen: self.seen,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(KeyVisitor {
            inner: visitor,
            seen: self.seen,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        ignored_any
    }
}

/// The field visitor of one key, noting the key before passing it on.
struct KeyVisitor<'a, V> {
    inner: V,
    seen: &'a Seen,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<V::Value, E> {
        if let Ok(index) = usize::try_from(index) {
            self.seen.record_index(index);
        }
        self.inner.visit_u64(index)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        self.seen.record(key);
        self.inner.visit_str(key)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        self.seen.record(key);
        self.inner.visit_borrowed_str(key)
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<V::Value, E> {
        self.seen.record(&key);
        self.inner.visit_string(key)
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<V::Value, E> {
        if let Ok(key) = std::str::from_utf8(key) {
            self.seen.record(key);
        }
        self.inner.visit_bytes(key)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, key: &'de [u8]) -> Result<V::Value, E> {
        if let Ok(key) = std::str::from_utf8(key) {
            self.seen.record(key);
        }
        self.inner.visit_borrowed_bytes(key)
    }

    fn visit_byte_buf<E: de::Error>(self, key: Vec<u8>) -> Result<V::Value, E> {
        if let Ok(key) = std::str::from_utf8(&key) {
            self.seen.record(key);
        }
        self.inner.visit_byte_buf(key)
    }
}

// ---------------------------------------------------------------------------------------------
// Serialisation: find the absent keys still at their default, then leave them out.

/// What [`Probe`] and [`Skipping`] answer for anything but a struct (derived struct impls only
/// ever ask for a struct).
const NOT_A_STRUCT: &str = "absent-key tracking serialises structs only";

/// The serializer methods a struct-only serializer refuses.
macro_rules! refuse_all_but_struct {
    () => {
        fn serialize_bool(self, _: bool) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_i8(self, _: i8) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_i16(self, _: i16) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_i32(self, _: i32) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_i64(self, _: i64) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_u8(self, _: u8) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_u16(self, _: u16) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_u32(self, _: u32) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_u64(self, _: u64) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_f32(self, _: f32) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_f64(self, _: f64) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_char(self, _: char) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_str(self, _: &str) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_none(self) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_unit(self) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
    };
}

/// A dry run of a struct's serialisation: collects the absent fields whose value (as JSON) equals
/// the type's default. Other fields are not serialised at all.
struct Probe<'a> {
    absent: &'a AbsentKeys,
    defaults: &'a JsonMap,
    skip: Vec<&'static str>,
}

impl<'a> Serializer for &mut Probe<'a> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<(), serde_json::Error>;
    type SerializeTuple = Impossible<(), serde_json::Error>;
    type SerializeTupleStruct = Impossible<(), serde_json::Error>;
    type SerializeTupleVariant = Impossible<(), serde_json::Error>;
    type SerializeMap = Impossible<(), serde_json::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), serde_json::Error>;

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Ok(self)
    }

    refuse_all_but_struct!();
}

impl SerializeStruct for &mut Probe<'_> {
    type Ok = ();
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        if self.absent.contains(key) {
            let value = serde_json::to_value(value)?;
            if self.defaults.get(key) == Some(&value) {
                self.skip.push(key);
            }
        }
        Ok(())
    }

    fn end(self) -> Result<(), serde_json::Error> {
        Ok(())
    }
}

/// Wraps the real serializer: the struct is written without the fields in `skip`.
struct Skipping<'a, S> {
    inner: S,
    skip: &'a [&'static str],
}

impl<'a, S: Serializer> Serializer for Skipping<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = SkippingStruct<'a, S::SerializeStruct>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        // `len` counts the fields the derived code writes; the skipped ones are among them.
        let inner = self
            .inner
            .serialize_struct(name, len.saturating_sub(self.skip.len()))?;
        Ok(SkippingStruct {
            inner,
            skip: self.skip,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    refuse_all_but_struct!();
}

/// The struct state of [`Skipping`].
struct SkippingStruct<'a, S> {
    inner: S,
    skip: &'a [&'static str],
}

impl<S: SerializeStruct> SerializeStruct for SkippingStruct<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        if self.skip.contains(&key) {
            self.inner.skip_field(key)
        } else {
            self.inner.serialize_field(key, value)
        }
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}
